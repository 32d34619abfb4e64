"""kg.core.forked: work in a child process (the build's helpers, a person's SPARQL), its result or
its failure back."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kg.builder.loading import Loaded
from kg.core.errors import BuildError
from kg.core.forked import Forked
from kg.read.query import named

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fork", [True, False])
def test_the_result_comes_back(fork):
    assert Forked(lambda: {"rows": [1, 2, "é"]}, "adding", fork).wait() == {"rows": [1, 2, "é"]}


def test_a_large_result_does_not_fill_the_pipe():
    big = "x" * (1 << 20)  # more than a pipe holds: the parent reads before it waits
    assert Forked(lambda: big, "copying", True).wait() == big


@pytest.mark.parametrize("fork", [True, False])
def test_a_failure_is_a_build_error(fork):
    def boom():
        raise OSError("disk full")

    with pytest.raises(BuildError, match="^writing the read model failed: disk full$"):
        Forked(boom, "writing the read model", fork).wait()


def test_a_child_that_dies_is_an_error_not_a_hang():
    with pytest.raises(BuildError, match="exit status"):
        Forked(lambda: os._exit(3), "validating", True).wait()


def test_kill_after_an_interrupted_wait_never_raises(monkeypatch):
    f = Forked(lambda: 1, "adding", True)
    real = os.waitpid

    def interrupted(pid, options):
        monkeypatch.setattr(os, "waitpid", real)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "waitpid", interrupted)
    with pytest.raises(KeyboardInterrupt):
        f.wait()
    f.kill()  # the pipe is already closed, the child not yet reaped
    f.kill()
    assert f.child.pid == 0 and f.child.fd == -1


# --------------------------------------------------------------------------- the runner itself

def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def _interrupt_self() -> None:
    import signal

    os.kill(os.getpid(), signal.SIGINT)
    _sleep(5)


# a fresh interpreter finds a function by its module's name: the tests' modules are not there
CALLS = {"ok": (os.path.basename, ("/a/b.bib",), "b.bib"),
         "error": (named, ("no-such-query",), None),
         "slow": (time.sleep, (30,), None)}


@pytest.mark.parametrize("how", ["fork", "spawn", "here"])
def test_a_child_sends_back_a_named_reply(how):
    from kg.core.forked import Child, Reply

    fn, args, value = CALLS["ok"]
    end = getattr(Child, how)(fn, *args).wait()
    assert end.status == 0 and end.reply == Reply(True, value)
    fn, args, _ = CALLS["error"]
    end = getattr(Child, how)(fn, *args).wait()
    assert end.reply.ok is False and end.reply.error == "NotFoundError"
    assert "no named query 'no-such-query'" in end.reply.message


@pytest.mark.parametrize("how", ["fork", "spawn"])
def test_a_child_past_its_time_is_killed_at_once(how):
    from kg.core.forked import Child, Expired

    fn, args, _ = CALLS["slow"]
    child = getattr(Child, how)(fn, *args)
    pid, t = child.pid, time.monotonic()
    with pytest.raises(Expired):
        child.wait(0.3)
    assert time.monotonic() - t < 5
    assert child.pid == 0 and child.fd == -1
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped: no such process any more


def test_ctrl_c_ends_a_forked_child_at_once_and_not_the_parent():
    import signal

    from kg.core.forked import Child, describe

    handler = signal.getsignal(signal.SIGINT)
    end = Child.fork(_interrupt_self).wait(10)
    assert end.reply is None and end.status == -signal.SIGINT
    assert describe(end.status) == "stopped by SIGINT"
    assert signal.getsignal(signal.SIGINT) is handler  # the parent's own, untouched


def test_a_child_changes_nothing_of_the_parent():
    """The child's collector and priority are its own: the parent's are as they were."""
    import gc

    from kg.core.forked import Child

    frozen, nice, enabled = gc.get_freeze_count(), os.nice(0), gc.isenabled()
    assert Child.fork(_sleep, 0, nice=5).wait().reply.ok
    assert (gc.get_freeze_count(), os.nice(0), gc.isenabled()) == (frozen, nice, enabled)


def _library(tmp_path, monkeypatch, kind: str) -> Path:
    """A library built the ``kind`` way: "small" (one process, SHACL in a child), or
    "parallel" (two workers, flat files, the digest parts kept)."""
    import sys

    from kg.builder import pipeline as kb

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate, themes

    bib = tmp_path / "lib.bib"
    if kind == "small":
        bib.write_text("@book{a, title = {A}, keywords = {surveillance}}\n", encoding="utf-8")
    else:
        bib.write_text(generate(300, 2, themes(ROOT / "ontology.ttl")), encoding="utf-8")
        monkeypatch.setattr(kb, "CHUNK", 61)
        monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 10)
        monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    return bib


KINDS = ["small", "parallel"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_build_leaves_the_collector_as_it_found_it(tmp_path, monkeypatch, kind):
    """No process-wide state changed by the library: the collector's switch and its frozen
    objects are the caller's (a build froze them once, for its children)."""
    import gc

    from kg.api import build

    bib = _library(tmp_path, monkeypatch, kind)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            frozen = gc.get_freeze_count()
            build(bib, None, tmp_path / f"out-{enabled}", incremental=False)
            assert gc.isenabled() is enabled
            assert gc.get_freeze_count() == frozen
        finally:
            gc.enable()


@pytest.mark.parametrize("kind", KINDS)
def test_no_thread_of_kg_runs_when_the_build_forks(tmp_path, monkeypatch, kind):
    """Every fork of a build (loader, workers, digest writers, SHACL) happens while no thread
    it started is alive: a child of a multi-threaded process may inherit a held lock."""
    import threading

    from kg.api import build

    bib = _library(tmp_path, monkeypatch, kind)
    before = set(threading.enumerate())  # pytest's own (xdist runs one), not the build's
    forks = []
    real = os.fork

    def fork():
        forks.append([t.name for t in threading.enumerate() if t not in before])
        return real()

    monkeypatch.setattr(os, "fork", fork)
    result = build(bib, None, tmp_path / "out", incremental=False)
    assert result.counts["works"]
    assert forks and forks == [[]] * len(forks), forks
    assert set(threading.enumerate()) <= before  # and none is left behind


FRESH = """
import os, sys, warnings
warnings.simplefilter("error", DeprecationWarning)  # Python 3.12+: fork with threads warns
real = os.fork

def fork():  # what 3.12 counts: the threads of the process, Python's or not (RocksDB's)
    threads = len(os.listdir("/proc/self/task"))
    assert threads == 1, f"fork with {threads} threads"
    return real()

os.fork = fork
from kg.builder import pipeline as kb
if sys.argv[2] == "parallel":
    kb.CHUNK, kb.PARALLEL_MIN_ENTRIES, kb.PRETTY_MAX_TRIPLES = 61, 10, 1000
from kg.api import build
r = build(sys.argv[1], None, sys.argv[3], incremental=False)
assert r.counts["works"], r.counts
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("kind", KINDS)
def test_a_fresh_process_builds_without_forking_a_threaded_process(tmp_path, monkeypatch, kind):
    """`kg build` in a process of its own: every fork in a single-threaded process (the
    store's database runs threads: the build opens it only after its last fork), and no
    DeprecationWarning about fork (Python 3.12+) even as an error."""
    import subprocess
    import sys

    bib = _library(tmp_path, monkeypatch, kind)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", FRESH,
                        str(bib), kind, str(tmp_path / "out")],
                       capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]


def test_the_loader_loads_bytes_and_files_and_counts(tmp_path):
    from kg.builder.pipeline import _Loader

    loader = _Loader(tmp_path, b"", shacl=False)
    f = tmp_path / "x.nt"
    f.write_bytes(b"<https://a.example/1> <https://a.example/p> <https://a.example/2> .\n")
    loader.put(f)
    loader.put(b"<https://a.example/3> <https://a.example/p> \"trois\" .\n")
    assert loader.close() == Loaded(2, None, None)
    assert not f.exists()  # a file is removed once loaded


def test_a_load_that_fails_is_a_build_error(tmp_path):
    from kg.builder.pipeline import _Loader

    loader = _Loader(tmp_path, b"", shacl=False)
    loader.put(b"<https://a.example/1> this is not N-Triples\n")
    with pytest.raises(BuildError, match="^loading the graph failed: ."):
        loader.close()


def test_the_loader_stops_when_the_build_is_gone(tmp_path):
    """Its input ends without the closing line (the build was killed): it stops, loads
    nothing more."""
    from kg.builder.pipeline import _Loader

    loader = _Loader(tmp_path, b"", shacl=False)
    loader.proc.stdin.close()
    assert loader.proc.wait(timeout=120) == 1
    loader.abort()
    assert "the build stopped" in (tmp_path / ".load-errors").read_text()
