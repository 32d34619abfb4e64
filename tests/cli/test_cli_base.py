"""A build folder keeps its base IRI: a command given no --base (and no KG_BASE) reads and
rebuilds the folder under the base it was built with, so a later `kg theme`, `kg build` or
`kg push` never silently turns a graph minted under https://me.example/kg/ into one under the
default base (two people's graphs would then collide on a shared server).  Fresh processes:
the base is chosen once per process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.builder import store
from kg.console import _LIVE_READ_MODEL, folder_base
from kg.core import readmodel, vocab

ROOT = Path(__file__).resolve().parents[2]
MINE = "https://me.example/kg/"


def _kg(*args, env=None, cwd=None):
    e = {k: v for k, v in os.environ.items() if k != vocab.ENV_BASE}
    e.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True,
                          text=True, env=e, cwd=cwd, timeout=300)


def test_the_live_read_model_path_is_the_stores():
    assert _LIVE_READ_MODEL == (store.KG_DIR, store.CURRENT, readmodel.NAME)


def test_folder_base_of_nothing_is_none(tmp_path):
    assert folder_base(str(tmp_path)) is None
    (tmp_path / ".kg").mkdir()
    (tmp_path / ".kg" / "current").mkdir()
    (tmp_path / ".kg" / "current" / "read.sqlite").write_bytes(b"not a database at all" * 20)
    assert folder_base(str(tmp_path)) is None


@pytest.mark.slow
def test_a_build_folder_keeps_its_base(tmp_path, shipped_corpus):
    src = ["--ontology", str(shipped_corpus.onto)]
    out = str(tmp_path / "out")
    first = _kg("--base", MINE, "build", str(shipped_corpus.bib), *src, "-o", out)
    assert first.returncode == 0, first.stderr
    assert folder_base(out) == MINE
    # a query with no base answers from the graph as built, without building again
    q = _kg("query", "SELECT ?w WHERE { ?w a <http://purl.org/ontology/bibo/Book> } LIMIT 1",
            "--out", out, "--bib", str(shipped_corpus.bib), *src)
    assert q.returncode == 0 and MINE + "id/work/" in q.stdout, q.stderr
    assert "building" not in q.stderr
    # a build with no base keeps the folder's
    again = _kg("build", str(shipped_corpus.bib), *src, "-o", out)
    assert again.returncode == 0 and folder_base(out) == MINE, again.stderr
    text = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert f"<{MINE}id/work/>" in text and vocab.DEFAULT_BASE + "id/" not in text
    # KG_BASE, then --base, change it (and say so)
    env = _kg("themes", "--out", out, "--bib", str(shipped_corpus.bib), *src,
              env={vocab.ENV_BASE: vocab.DEFAULT_BASE})
    assert env.returncode == 0 and "another base IRI" in env.stderr
    assert folder_base(out) == vocab.DEFAULT_BASE
    back = _kg("--base", MINE, "themes", "--out", out, "--bib", str(shipped_corpus.bib), *src)
    assert back.returncode == 0 and folder_base(out) == MINE
