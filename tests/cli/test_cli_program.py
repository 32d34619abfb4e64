"""`kg` as the program of its process (kg.console.program): the same answers, errors and exit
codes as the commands called in process, its output whole through a pipe; the process ends
without the interpreter's teardown only when nothing is left to run (no other thread, no exit
handler); only the program tunes the garbage collector."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, timeout=120)


@pytest.mark.parametrize("args", [
    ["query", "thinker-names"],  # the longest answer of the corpus
    ["theme", "surveillance", "--format", "csv"],
    ["theme", "no-such-theme-at-all"],  # an error: its message and exit code
    ["query", "thinker-works"],  # a parameter missing
])
def test_the_program_answers_as_the_commands_do(shipped_corpus, args):
    opts = shipped_corpus.opts()
    inside = CliRunner().invoke(main, [*args, *opts])
    p = subprocess.run([sys.executable, "-m", "kg.cli", *args, *opts], capture_output=True,
                       env=ENV, timeout=300)
    assert p.returncode == inside.exit_code
    assert p.stdout == inside.stdout_bytes
    assert p.stderr == inside.stderr_bytes
    if args[0] == "query" and len(args) == 2 and inside.exit_code == 0:
        assert p.stdout.count(b"\n") > 100


def test_the_console_script_is_the_program():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'kg = "kg.cli:run"' in text


def test_an_exit_keeps_the_code_and_flushes_the_output():
    p = _python("import sys\nfrom kg.console import _end\nsys.stdout.write('answer')\n"
                "sys.stderr.write('note')\n_end(4)")
    assert (p.returncode, p.stdout, p.stderr) == (4, "answer", "note")
    p = _python("from kg.console import _end\n_end(None)")
    assert p.returncode == 0
    p = _python("from kg.console import _end\n_end('a message')")
    assert (p.returncode, p.stderr.strip()) == (1, "a message")


def test_an_exit_runs_the_exit_handlers_there_are():
    p = _python("import atexit\nfrom kg.console import _end\n"
                "atexit.register(lambda: print('handler ran'))\n_end(3)")
    assert (p.returncode, p.stdout) == (3, "handler ran\n")


def test_an_exit_waits_for_a_thread_still_running(tmp_path):
    mark = tmp_path / "done"
    p = _python("import threading, time\nfrom pathlib import Path\nfrom kg.console import _end\n"
                "def later():\n    time.sleep(0.3)\n"
                f"    Path({str(mark)!r}).write_text('written')\n"
                "threading.Thread(target=later).start()\n_end(0)")
    assert p.returncode == 0
    assert mark.read_text() == "written"


def test_only_the_program_tunes_the_collector():
    before = gc.get_threshold()
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert gc.get_threshold() == before
    p = _python("import atexit, gc, sys\nfrom kg.cli import run\n"
                "atexit.register(lambda: print(gc.get_threshold()))\n"
                "sys.argv = ['kg', '--version']\nrun()")
    assert p.returncode == 0
    assert p.stdout.splitlines()[-1] == "(200000, 30, 30)"
