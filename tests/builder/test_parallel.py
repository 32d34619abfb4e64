"""The two-process build gives exactly what the one-process build gives."""
from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import pytest
from conftest import read_model_content, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.builder import pipeline as kb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, themes  # noqa: E402

ONTOLOGY = ROOT / "ontology.ttl"
TRICKY = r"""
@string{pub = {Seuil}}
@book{early-parent, title = {Recueil}, date = {1990}, publisher = pub, keywords = {surveillance}}
@incollection{late-child, author = {Deleuze, Gilles}, title = {Chapitre},
  crossref = {early-parent}, keywords = {surveillance}}
@book{w5, title = {Doublon d'une clé du début}}
@book{broken, title = {unclosed
@book{two-on-a-line, title = {A}} @book{second-on-the-line, title = {B}, publisher = undefinedmacro}
@thinker{late-thinker, name = {Deleuze, Gilles}, birthdate = {1925}, deathdate = {1995}}
@book{stray, title = {T}, annotation = {one}}} two}, note = {lost}}
@comment{a comment}
"""


def quads(out: Path) -> set[str]:
    from kg.builder.triplestore import open_store

    return {str(q) for q in open_store(out)}


def workers(monkeypatch, chunk: int = 97) -> None:
    """Two worker processes for a few hundred entries, in chunks of ``chunk``."""
    monkeypatch.setattr(kb, "CHUNK", chunk)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 10)


def two_ways(bib: Path, tmp_path: Path, monkeypatch, chunk: int):
    """The library built by two workers (tmp_path/par), then by one process (tmp_path/seq)."""
    workers(monkeypatch, chunk)
    par = kb.build(bib, ONTOLOGY, tmp_path / "par", incremental=False)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 10**9)
    return par, kb.build(bib, ONTOLOGY, tmp_path / "seq", incremental=False)


@pytest.mark.parametrize("large", [pytest.param(False, marks=pytest.mark.slow), True],
                         ids=["pretty", "flat"])
def test_two_processes_build_the_same_graph(tmp_path, monkeypatch, large):
    bib = tmp_path / "lib.bib"
    bib.write_text(generate(600, 3, themes(ONTOLOGY)) + TRICKY, encoding="utf-8")
    if large:
        monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    par, seq = two_ways(bib, tmp_path, monkeypatch, 97)  # many chunks, split between workers
    assert quads(tmp_path / "par") == quads(tmp_path / "seq")
    for name in ("graph.ttl", "graph.jsonld"):
        assert filecmp.cmp(tmp_path / "par" / name, tmp_path / "seq" / name, shallow=False)
    assert [str(p).replace(str(tmp_path / "par"), "OUT") for p in par.problems] == \
           [str(p).replace(str(tmp_path / "seq"), "OUT") for p in seq.problems]
    assert par.counts == seq.counts
    assert read_model_content(tmp_path / "par") == read_model_content(tmp_path / "seq")
    from kg.builder.store import current

    assert not [p.name for p in current(tmp_path / "par").iterdir() if p.name.startswith(".")
                and p.name != ".store-lock"]  # no chunk or batch left behind in the generation
    messages = "\n".join(str(p) for p in seq.problems)
    assert "duplicate key 'w5'" in messages
    assert "broken: error: unclosed brace" in messages
    assert "undefined @string macro 'undefinedmacro'" in messages
    assert "entry ends early here: a '}' too many" in messages


def test_a_failing_read_model_writer_stops_the_build_and_keeps_out(tmp_path, monkeypatch):
    """The read model is written by a forked child: a failure there is a clean error, the
    previous graph stays published, nothing is left in the staging area."""
    from kg.builder import tables
    from kg.core.errors import BuildError

    bib = tmp_path / "lib.bib"
    bib.write_text(generate(600, 3, themes(ONTOLOGY)), encoding="utf-8")
    workers(monkeypatch)
    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    out = tmp_path / "out"
    kb.build(bib, ONTOLOGY, out, incremental=False, store="build")  # no store made after it
    before = snapshot(out)

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(tables, "write", boom)
    with pytest.raises(BuildError, match="writing the read model failed: disk full"):
        kb.build(bib, ONTOLOGY, out, incremental=False)
    assert snapshot(out) == before


def test_a_key_the_heads_do_not_show_falls_back_to_one_process(tmp_path, monkeypatch):
    """Two entries on one line: the second's key is only seen by the parser, not the plan."""
    bib = tmp_path / "lib.bib"
    bib.write_text(generate(300, 5, themes(ONTOLOGY)) +
                   "\n@book{x1, title = {A}} @book{w7, title = {dup of w7}}\n", encoding="utf-8")
    par, seq = two_ways(bib, tmp_path, monkeypatch, 50)
    assert quads(tmp_path / "par") == quads(tmp_path / "seq")
    for result in (par, seq):
        assert "duplicate key 'w7'" in "\n".join(str(p) for p in result.problems)


_PARENT_PIECES = st.sampled_from(
    list("crossefxXRCOSEF = {}\",\n_aéſKk\u212a") + ["crossref", "xref", "CrossRef", "İ", "ﬀ",
                                                      "ß", "sref", "ref ="])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PARENT_PIECES, max_size=30).map("".join))
def test_parent_keys_find_what_the_case_insensitive_pattern_finds(text):
    assert kb.parent_keys(text) == kb._PARENT.findall(text)


def test_only_a_long_s_sends_parent_keys_to_the_slow_pattern(monkeypatch):
    """The letters of crossref and xref match no other character ignoring case but a long s
    (U+017F): a text with a K or a Kelvin sign takes the fast way (a K in a library once sent
    every real library to the slow one: 1.7 s at 50,000 entries)."""
    import re
    import sys

    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(re.findall("(?i)[crosefx]", every)) - set("crosefxCROSEFX") == {"\u017f"}

    class Slow:
        def findall(self, text):
            raise AssertionError("the slow pattern")

    monkeypatch.setattr(kb, "_PARENT", Slow())
    assert kb.parent_keys("Knud \u212a crossref = {P}") == ["P"]


@pytest.mark.parametrize("text,keys", [
    ("crossref = {Par1}, XRef=\"k2\", Crossref = w3", ["Par1", "k2", "w3"]),
    ("mycrossref = {no}, x_xref = {no}, xcrossref = {no}", []),
    ("İ crossref = {after-a-longer-lower-case}", ["after-a-longer-lower-case"]),
    ("sref=xref={a}", ["a"]),  # a 'ref =' that is no parent hides none that follows
    ("note = {see ref = crossref = {P}}", ["P"]),
    ("croſſref = {long-s}", ["long-s"]),
])
def test_parent_keys_examples(text, keys):
    assert kb.parent_keys(text) == keys


def test_a_worker_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch):
    """The out-of-memory killer takes a worker: multiprocessing's pool would wait for its task
    for ever; the build says so and keeps out/."""
    from kg.core.errors import BuildError

    bib = tmp_path / "lib.bib"
    bib.write_text(generate(600, 3, themes(ONTOLOGY)), encoding="utf-8")
    workers(monkeypatch)
    out = tmp_path / "out"
    kb.build(bib, ONTOLOGY, out, incremental=False, store="build")  # no store made after it
    before = snapshot(out)
    monkeypatch.setattr(kb, "_chunk", _killed_at_the_fourth_chunk)
    with pytest.raises(BuildError, match="a worker process died"):
        kb.build(bib, ONTOLOGY, out, incremental=False)
    assert snapshot(out) == before
    assert not list(out.glob(".kg/stage-*"))


_CHUNK = kb._chunk


def _killed_at_the_fourth_chunk(args):
    """kg.builder.pipeline._chunk, but the worker given the fourth chunk is killed (by reference: the
    pool pickles the function's name)."""
    import os
    import signal

    if args[0] == 97 * 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return _CHUNK(args)

