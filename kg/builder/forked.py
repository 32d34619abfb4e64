"""Work done beside the build, in a forked child: a copy-on-write view of the process, so
nothing is sent to it; its result comes back pickled through a pipe.

The build forks only while no thread of kg runs (see kg.builder.pipeline._full), and changes
no state of the calling process: what the collector is told happens in the child only."""
from __future__ import annotations

from kg.core.errors import BuildError

#: the forked helpers yield the processor to the store's loader, the longest task left
NICE = 10


class Forked:
    """``fn()`` run beside the build: in a forked child (a copy-on-write view of this process)
    when ``fork`` is true and the system forks, else right away.  ``wait`` returns its result
    (pickled back through a pipe), or raises BuildError when it failed."""

    def __init__(self, fn, what: str, fork: bool, nice: int = 0):
        import os

        self.what, self.pid, self.error, self.result = what, 0, "", None
        self.pipe: int | None = None
        if not (fork and hasattr(os, "fork")):
            try:
                self.result = fn()
            except Exception as e:
                self.error = str(e) or type(e).__name__
            return
        r, w = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            os.close(r)
            os.close(w)
            raise
        if pid == 0:  # the child: no exit handlers, no buffers of the parent flushed twice
            code = 1
            try:
                import gc
                import pickle

                # the child's own collector: what it inherited is left alone (a collection
                # would touch, so copy, every page); the child ends with os._exit
                gc.freeze()
                os.close(r)
                try:
                    os.nice(nice)
                    out, code = pickle.dumps((True, fn())), 0
                except BaseException as e:
                    out = pickle.dumps((False, str(e) or type(e).__name__))
                with os.fdopen(w, "wb") as f:
                    f.write(out)
            finally:
                os._exit(code)
        os.close(w)
        self.pid, self.pipe = pid, r

    def wait(self):
        import os
        import pickle

        if self.pid:
            try:
                with os.fdopen(self.pipe, "rb") as f:
                    out = f.read()
            finally:
                self.pipe = None  # closed, even when interrupted
            status = os.waitpid(self.pid, 0)[1]
            self.pid = 0
            try:
                ok, value = pickle.loads(out)
            except Exception:
                ok, value = False, f"exit status {status}"
            if ok and not status:
                self.result = value
            else:
                self.error = str(value)
        if self.error:
            raise BuildError(f"{self.what} failed: {self.error}")
        return self.result

    def kill(self) -> None:
        """Stop the child (if still there) and reap it; never raises."""
        import contextlib
        import os
        import signal

        if self.pipe is not None:
            with contextlib.suppress(OSError):
                os.close(self.pipe)
            self.pipe = None
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = 0

