"""kg.builder.forked: work beside the build in a forked child, its result or its failure back."""
from __future__ import annotations

import os

import pytest

from kg.core.errors import BuildError
from kg.builder.forked import Forked


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
    assert f.pid == 0 and f.pipe is None


def test_nothing_stays_frozen_once_the_children_are_done(tmp_path):
    """A build freezes the collector's view for its children, and thaws it at the end."""
    import gc

    from kg.api import build

    bib = tmp_path / "lib.bib"
    bib.write_text("@book{a, title = {A}, keywords = {surveillance}}\n", encoding="utf-8")
    gc.unfreeze()
    build(bib, None, tmp_path / "out")
    assert gc.get_freeze_count() == 0
