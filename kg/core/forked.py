"""A function run in a process of its own, which can be stopped at once: the one runner of
kg's child processes (the build's helpers, kg.builder.pipeline; a person's SPARQL,
kg.read.query.ask).

The child is forked (a copy-on-write view of this process: nothing is sent to it, about 10 ms)
or, where a fork is unsafe, a fresh interpreter is started (about 100 ms) that is sent the
function, by reference, and its arguments, pickled.  Either way it sends back one
:class:`Reply`, pickled through a pipe, and ends.

What holds for every child:

- Forked only while this process runs one thread (:func:`can_fork`; a child of a
  multi-threaded process may inherit a lock another thread held, and Python 3.12+ warns):
  the caller decides (the build forks before its threads start; a query spawns when a store
  is open, whose database runs threads).
- No state of the calling process changes: what the collector is told (``gc.freeze``: the
  inherited objects are left alone, so no page is copied for nothing), the signal handlers
  and the priority (``nice``) are the child's own; the child ends with ``os._exit`` (no exit
  handler of the parent runs, no buffer of the parent is flushed twice).
- Ctrl-C ends the child at once (SIGINT as the system does it): the parent, which receives
  it too, decides what to do.
- :meth:`Child.wait` reads the reply while the child writes it (a large one does not fill
  the pipe), kills the child and reaps it past its ``timeout`` (:class:`Expired`) or when
  interrupted; :meth:`Child.kill` never raises.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

#: the build's helpers yield the processor to the store's loader, the longest task left
NICE = 10


class Reply(NamedTuple):
    """What a child sends back: its function's value, or the exception it raised."""

    ok: bool
    value: Any = None
    error: str = ""  # the exception's class name
    message: str = ""  # str() of the exception


class Ended(NamedTuple):
    """How a child ended: its reply (None when it sent none) and its exit status (minus the
    number of the signal that ended it)."""

    reply: Reply | None
    status: int


class Expired(Exception):
    """The child ran past its time; it was killed."""


def can_fork() -> bool:
    """Whether forking is safe here: the system forks and this process runs one thread."""
    if not hasattr(os, "fork"):
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc: say no (a fresh interpreter is safe everywhere)
        return False


def _run(fn, args: tuple) -> bytes:
    """fn(*args) as a pickled Reply (an exception, or a value that cannot be pickled, as a
    failed one)."""
    import pickle

    try:
        return pickle.dumps(Reply(True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as e:  # noqa: BLE001 - every end of the function is reported
        return pickle.dumps(Reply(False, None, type(e).__name__, str(e)),
                            protocol=pickle.HIGHEST_PROTOCOL)


class Child:
    """fn(*args) run in a child process (:meth:`fork`, :meth:`spawn`, :meth:`start`), or in
    this one (:meth:`here`); :meth:`wait` gives how it ended."""

    def __init__(self, pid: int = 0, fd: int = -1, proc=None, done: Ended | None = None):
        self.pid, self.fd, self.proc, self._done = pid, fd, proc, done

    @classmethod
    def start(cls, fn, *args) -> Child:
        """Forked when that is safe (:func:`can_fork`), else in a fresh interpreter (``fn``
        must then be a module's function, found by its name)."""
        return cls.fork(fn, *args) if can_fork() else cls.spawn(fn, *args)

    @classmethod
    def here(cls, fn, *args) -> Child:
        """fn(*args) run at once, in this process (where nothing is forked); an interruption
        (Ctrl-C) goes on."""
        try:
            reply = Reply(True, fn(*args))
        except Exception as e:
            reply = Reply(False, None, type(e).__name__, str(e))
        return cls(done=Ended(reply, 0))

    @classmethod
    def fork(cls, fn, *args, nice: int = 0) -> Child:
        """fn(*args) in a forked child, at priority ``nice`` (0: this process's)."""
        for stream in (sys.stdout, sys.stderr):  # nothing of this process written twice
            if stream is not None:
                stream.flush()
        r, w = os.pipe()
        try:
            pid = os.fork()
        except BaseException:
            os.close(r)
            os.close(w)
            raise
        if pid == 0:  # the child: no exit handlers, nothing of the parent flushed or closed
            code = 70
            try:
                import gc
                import signal

                gc.freeze()  # the child's own collector: what it inherited is left alone
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(r)
                if nice:
                    os.nice(nice)
                data = _run(fn, args)
                with os.fdopen(w, "wb") as f:
                    f.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        return cls(pid, r)

    @classmethod
    def spawn(cls, fn, *args) -> Child:
        """fn(*args) in a fresh interpreter (:func:`_serve`), sent pickled on its standard
        input: ``fn`` by reference (a module's function), the arguments by value."""
        import pickle
        import subprocess

        request = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent.parent)  # where kg is imported from
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        proc = subprocess.Popen(
            [sys.executable, "-c", "from kg.core.forked import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        child = cls(proc.pid, proc.stdout.fileno(), proc)
        try:
            proc.stdin.write(request)
            proc.stdin.close()
        except BrokenPipeError:  # it died at once: its exit status says why
            pass
        except BaseException:
            child.kill()
            raise
        return child

    def wait(self, timeout: float | None = None) -> Ended:
        """The child's reply, read until it ends, and its exit status.  Past ``timeout``
        seconds (None: none) the child is killed and Expired raised; on any interruption
        (Ctrl-C) it is killed too and the interruption goes on."""
        import pickle
        import select
        import time

        if self._done is not None:
            return self._done
        deadline = None if timeout is None else time.monotonic() + timeout
        chunks = []
        try:
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise Expired(f"still running after {timeout:g} s")
                if select.select([self.fd], [], [], left)[0]:
                    chunk = os.read(self.fd, 1 << 20)
                    if not chunk:
                        break
                    chunks.append(chunk)
            status = self._reap()
        except BaseException:
            self.kill()
            raise
        try:
            reply = pickle.loads(b"".join(chunks))
        except Exception:  # nothing, or a part: it died while writing
            reply = None
        self._done = Ended(reply if isinstance(reply, Reply) else None, status)
        return self._done

    def _reap(self) -> int:
        """Wait for the child's end: its exit code, or minus the signal that ended it."""
        os.close(self.fd)
        self.fd = -1
        if self.proc is not None:
            status = self.proc.wait()
            self.pid = 0
            return status
        status = os.waitpid(self.pid, 0)[1]
        self.pid = 0
        return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)

    def kill(self) -> None:
        """Stop the child at once (if still there) and reap it; never raises."""
        import contextlib
        import signal

        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()
            with contextlib.suppress(OSError):
                self.proc.wait()
        elif self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
        self.pid = 0


def _serve() -> None:
    """A fresh interpreter's side of :meth:`Child.spawn`: the function and its arguments
    pickled on standard input, the Reply pickled on standard output."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    fn, args = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(_run(fn, args))
    sys.stdout.buffer.flush()


def describe(status: int) -> str:
    """An exit status as words: "exit status 3", "stopped by SIGKILL"."""
    import signal

    if status < 0:
        try:
            return f"stopped by {signal.Signals(-status).name}"
        except ValueError:
            return f"stopped by signal {-status}"
    return f"exit status {status}"


class Forked:
    """``fn()`` run beside the build: in a forked child when ``fork`` is true and the system
    forks (the build forks only while no thread of kg runs), else right away.  ``wait``
    returns its result, or raises BuildError when it failed."""

    def __init__(self, fn, what: str, fork: bool, nice: int = 0):
        self.what = what
        self.child = (Child.fork(fn, nice=nice) if fork and hasattr(os, "fork")
                      else Child.here(fn))

    def wait(self):
        from kg.core.errors import BuildError

        end = self.child.wait()
        if end.reply is not None and end.reply.ok and not end.status:
            return end.reply.value
        if end.reply is not None and not end.reply.ok:
            error = end.reply.message or end.reply.error
        else:
            error = describe(end.status)
        raise BuildError(f"{self.what} failed: {error}")

    def kill(self) -> None:
        """Stop the child (if still there) and reap it; never raises."""
        self.child.kill()
