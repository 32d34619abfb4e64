"""Incremental builds give exactly the graph, files and problems of a full build."""
from __future__ import annotations

import filecmp
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import read_model_content

from kg.builder import pipeline as kb
from kg.builder import store as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, themes  # noqa: E402

ONTOLOGY = ROOT / "ontology.ttl"


@pytest.fixture()
def small_large(monkeypatch):
    """Treat a few hundred entries as a large library (flat files, index, workers)."""
    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 200)


@pytest.fixture()
def library(tmp_path):
    bib = tmp_path / "lib.bib"
    text = generate(400, 7, themes(ONTOLOGY))
    text += ("\n@string{pub = {Seuil}}\n@book{sx, author = {Ellul, Jacques}, title = {S},"
             " publisher = pub, keywords = {surveillance}}\n"
             "@book{parent, title = {Recueil}, date = {1990}, keywords = {surveillance}}\n"
             "@incollection{child, author = {Deleuze, Gilles}, title = {Chapitre},"
             " crossref = {parent}, keywords = {surveillance}}\n")
    bib.write_text(text, encoding="utf-8")
    return bib


def quads(out: Path) -> set[str]:
    from kg.builder.triplestore import open_store

    return {str(q) for q in open_store(out)}


def same_as_full(bib: Path, out: Path, tmp_path: Path, result) -> None:
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    ref = kb.build(bib, ONTOLOGY, full, incremental=False)
    assert not ref.incremental
    assert filecmp.cmp(out / "graph.ttl", full / "graph.ttl", shallow=False)
    assert filecmp.cmp(out / "graph.jsonld", full / "graph.jsonld", shallow=False)
    assert quads(out) == quads(full)
    assert result.counts == ref.counts and result.triples == ref.triples

    def msgs(r, d):
        return [str(p).replace(str(d), "OUT") for p in r.problems]
    assert msgs(result, out) == msgs(ref, full)
    assert read_model_content(out) == read_model_content(full)


def edit(bib: Path, old: str, new: str) -> None:
    text = bib.read_text(encoding="utf-8")
    assert old in text
    bib.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unchanged_library_is_rebuilt_incrementally(small_large, library, tmp_path):
    out = tmp_path / "out"
    first = kb.build(library, ONTOLOGY, out)
    assert not first.incremental and (st.current(out) / st.INDEX).is_file()
    again = kb.build(library, ONTOLOGY, out)
    assert again.incremental
    same_as_full(library, out, tmp_path, again)


def _generations(out: Path) -> list[str]:
    return sorted(p.name for p in (out / st.KG_DIR).glob("gen-*"))


def test_an_edit_leaves_the_old_generation_to_a_process_of_its_own(small_large, library,
                                                                    tmp_path):
    """An edit's build publishes, then a process of its own removes the previous generation
    (kg.builder.store.drop_later): gone soon after, the live one whole."""
    import time

    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    first = st.current(out).name
    library.write_text(library.read_text(encoding="utf-8").replace(
        "@book{w0,\n", "@book{w0,\n  note = {Une note},\n", 1), encoding="utf-8")
    again = kb.build(library, ONTOLOGY, out)
    assert again.incremental
    live = st.current(out).name
    assert live != first
    deadline = time.monotonic() + 30
    while _generations(out) != [live] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _generations(out) == [live]
    same_as_full(library, out, tmp_path, again)


def test_drop_old_keeps_the_live_generation_and_a_held_one(small_large, library, tmp_path):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    with st.hold(out) as held:
        kb.build(library, ONTOLOGY, out, incremental=False)
        st.drop_old(out)
        assert _generations(out) == sorted([held.folder.name, st.current(out).name])
    st.drop_old(out)
    assert _generations(out) == [st.current(out).name]


@pytest.mark.parametrize("old,new", [
    ("@book{w0,\n", "@book{w0,\n  note = {Une note {\\'e}dit{\\'e}e},\n"),
    ("@book{w0,\n  author = {", "@book{w0,\n  author = {Nouvelle, Personne and "),
    ("@book{w0,\n", "@book{w0,\n  keywords2 = {x},\n  crossref = {parent},\n"),
    ("@quote{q0,\n", "@quote{q0,\n  keywords = {pas-un-theme},\n"),
    ("@claim{c0,\n", "@claim{c0,\n  source = {inconnu},\n  publisher = pub,\n"),
    ("@incollection{child, author = {Deleuze, Gilles}",
     "@incollection{child, author = {Deleuze, Gilles and Guattari, F{\\'e}lix}"),
], ids=["new-field", "new-person", "new-child-of-known-parent", "unknown-theme",
        "unknown-source-and-macro", "crossref-child"])
def test_edited_entry_gives_the_full_build(small_large, library, tmp_path, old, new):
    """(An unknown keyword is warned of in a curated thesaurus, --themes strict: in a library's
    own themes it is a new concept, which changes the context and means a full build.)"""
    from kg.core.themes import themes_mode_set

    with themes_mode_set("strict"):
        _edited_entry_gives_the_full_build(library, tmp_path, old, new)


def _edited_entry_gives_the_full_build(library, tmp_path, old, new):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, old, new)
    result = kb.build(library, ONTOLOGY, out)
    assert result.incremental
    same_as_full(library, out, tmp_path, result)
    # and a second edit on top of the incremental one
    edit(library, "{w3,\n", "{w3,\n  note = {Deuxi\\`eme}, \n")
    result = kb.build(library, ONTOLOGY, out)
    assert result.incremental
    same_as_full(library, out, tmp_path, result)


@pytest.mark.parametrize("old,new", [
    ("@string{pub = {Seuil}}", "@string{pub = {Minuit}}"),
    ("@book{parent, title = {Recueil}", "@book{parent, title = {Recueil revu}"),
    ("@book{w0,\n", "@book{w0b,\n"),
    ("@book{w0,\n", "@book{new, title = {Nouveau}}\n@book{w0,\n"),
    ("@book{w0,\n", "@book{w0,\n  title = {unclosed\n"),
    ("@thinker{t0,\n", "@thinker{t0,\n  nationality = {française},\n"),
], ids=["string-macro", "crossref-parent", "renamed-key", "added-entry", "broken-entry",
        "thinker"])
def test_context_changes_fall_back_to_a_full_build(small_large, library, tmp_path, old, new):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, old, new)
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    same_as_full(library, out, tmp_path, result)


def test_ontology_change_falls_back(small_large, library, tmp_path):
    onto = tmp_path / "ontology.ttl"
    shutil.copy(ONTOLOGY, onto)
    out = tmp_path / "out"
    kb.build(library, onto, out)
    onto.write_text(onto.read_text(encoding="utf-8") + "\n# comment\n", encoding="utf-8")
    assert not kb.build(library, onto, out).incremental


def test_small_libraries_keep_no_index(library, tmp_path):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    assert not (st.current(out) / st.INDEX).exists()
    assert not kb.build(library, ONTOLOGY, out).incremental


def test_a_damaged_index_means_a_full_build(small_large, library, tmp_path):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    (st.current(out) / st.INDEX).write_text("{not json", encoding="utf-8")
    edit(library, "@book{w0,\n", "@book{w0,\n  note = {x},\n")
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    same_as_full(library, out, tmp_path, result)


def test_generated_library_has_the_edited_entries():
    text = generate(400, 7, themes(ONTOLOGY))
    for key in ("@book{w0,\n  author = {", "@quote{q0,\n", "@claim{c0,\n", "{w3,\n",
                "@thinker{t0,\n"):
        assert key in text, key
    assert re.search(r"@article\{", text)


def test_the_index_follows_the_builds(small_large, library, tmp_path, monkeypatch):
    """A large full build keeps its index, an incremental one updates index and read model
    (and leaves nothing else), a small full build drops the index (it would describe another
    graph)."""
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    gen = st.current(out)
    assert (gen / st.INDEX).is_file() and (gen / "read.sqlite").is_file()
    before = {p.name for p in gen.iterdir() if not p.name.startswith("store-")}
    edit(library, "title = {", "title = {Changed ")
    assert kb.build(library, ONTOLOGY, out).incremental
    gen = st.current(out)
    assert {p.name for p in gen.iterdir() if not p.name.startswith("store-")} == before
    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 10**9)
    kb.build(library, ONTOLOGY, out, incremental=False)
    gen = st.current(out)
    assert not (gen / st.INDEX).exists() and (gen / "read.sqlite").is_file()


def test_an_edit_that_keeps_the_people_keeps_their_triples(small_large, library, tmp_path,
                                                           monkeypatch):
    """The thinkers' triples and rows are made again only when the people changed (their
    print, kg.core.graph.persons_print): a new title keeps them as the previous build wrote
    them, a new author writes them again; either way the graph is the full build's."""
    from kg.builder import tables
    from kg.core import graph, rows

    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, "title = {", "title = {Changed ")

    def unmade(*a, **k):
        raise AssertionError("the people made again")

    with monkeypatch.context() as m:
        m.setattr(graph, "persons_out", unmade)
        m.setattr(rows, "people_rows", unmade)
        m.setattr(tables, "_thinker_names", unmade)
        result = kb.build(library, ONTOLOGY, out)
    assert result.incremental
    same_as_full(library, out, tmp_path, result)
    calls = []
    with monkeypatch.context() as m:
        m.setattr(graph, "persons_out", lambda *a, f=graph.persons_out, **k: (
            calls.append(1), f(*a, **k))[1])
        edit(library, "@book{w0,\n  author = {", "@book{w0,\n  author = {Nouvelle, Personne and ")
        result = kb.build(library, ONTOLOGY, out)
    assert result.incremental and calls
    same_as_full(library, out, tmp_path, result)


def test_an_out_without_read_model_gets_a_full_build(small_large, library, tmp_path):
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    (st.current(out) / "read.sqlite").unlink()
    edit(library, "title = {", "title = {Changed ")
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    same_as_full(library, out, tmp_path, result)


def test_dropping_the_first_spelling_of_a_name_gives_the_full_build(small_large, library,
                                                                   tmp_path):
    """A names 'Müller, Hans' first, B 'Muller, Hans' (one person): once A no longer names
    him, he is spelled as B spells him, as a full build does (found by review)."""
    text = library.read_text(encoding="utf-8") + (
        "\n@book{aaa, author = {Müller, Hans}, title = {A}, date = {1990}}\n"
        "@book{bbb, author = {Muller, Hans}, title = {B}, date = {1991}}\n")
    library.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, "author = {Müller, Hans}, title = {A}", "author = {Other, Ann}, title = {A}")
    result = kb.build(library, ONTOLOGY, out)
    same_as_full(library, out, tmp_path, result)
    assert '"Muller"' in (out / "graph.ttl").read_text(encoding="utf-8")



def test_a_file_overwritten_through_its_link_means_a_full_build(small_large, library, tmp_path):
    """The reproduction of the issue: `kg build a.bib -o out; cp other/graph.ttl out/;
    kg build a.bib -o out` (cp writes through the out/graph.ttl link into the generation)."""
    out, other = tmp_path / "out", tmp_path / "other"
    kb.build(library, ONTOLOGY, out)
    small = tmp_path / "small.bib"
    small.write_text("@book{a, title = {A}, keywords = {surveillance}}\n", encoding="utf-8")
    kb.build(small, ONTOLOGY, other)
    shutil.copyfile(other / "graph.ttl", out / "graph.ttl")  # what cp does
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    same_as_full(library, out, tmp_path, result)


def test_an_incremental_build_rewrites_the_page(small_large, library, tmp_path):
    """The page is part of the generation: an incremental build writes it anew."""
    from kg.browse.render import write_page

    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out, page=write_page)
    edit(library, "title = {", "title = {Retitled ")
    result = kb.build(library, ONTOLOGY, out, page=write_page)
    assert result.incremental
    assert "Retitled" in (out / "graph.html").read_text(encoding="utf-8")


def test_a_read_model_of_another_version_gets_a_full_build(small_large, library, tmp_path):
    import sqlite3

    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    with sqlite3.connect(st.current(out) / "read.sqlite") as db:
        db.execute("UPDATE meta SET value = '0' WHERE name = 'version'")
    edit(library, "title = {", "title = {Changed ")
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    same_as_full(library, out, tmp_path, result)


def test_a_new_own_keyword_means_a_full_build_equal_to_a_full_one(small_large, library, tmp_path):
    """A keyword no theme has becomes a concept of the library's own: the thesaurus changed, so
    the next build is a full one, and the keyword is a theme of the new graph."""
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, "keywords = {", "keywords = {mon mot-clé à moi, ")
    result = kb.build(library, ONTOLOGY, out)
    assert not result.incremental
    assert "mon-mot-cle-a-moi" in (st.current(out) / "graph.ttl").read_text(encoding="utf-8")


def test_a_new_speaker_becomes_a_thinker_in_an_incremental_build(small_large, library,
                                                                 tmp_path):
    """THINKER_RULE across an incremental build: a name met only as an author is another
    author (kgo:Contributor, people.thinker = 0) until an edited quote makes it a speaker; the
    graph and the read model then say thinker, as a full build does."""
    import sqlite3

    text = library.read_text(encoding="utf-8") + (
        "\n@book{jx, author = {Journaliste, Jean}, title = {Un article}, date = {2020}}\n"
        "@quote{qx,\n  quote = {Une phrase.},\n  status = {attributed},\n}\n")
    library.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    first = kb.build(library, ONTOLOGY, out)

    def standing() -> tuple[str, int]:
        ttl = (out / "graph.ttl").read_text(encoding="utf-8")
        line = next(x for x in ttl.splitlines() if "person/journaliste-jean>" in x.split(" ")[0]
                    and "22-rdf-syntax-ns#type> <https://kg.example/ontology#" in x)
        db = sqlite3.connect(st.current(out) / "read.sqlite")
        (flag,) = db.execute("SELECT thinker FROM people WHERE slug = 'journaliste-jean'"
                             ).fetchone()
        db.close()
        return line.rsplit("#", 1)[1].split(">")[0], flag

    assert standing() == ("Contributor", 0)
    edit(library, "@quote{qx,\n", "@quote{qx,\n  speaker = {Journaliste, Jean},\n")
    result = kb.build(library, ONTOLOGY, out)
    assert result.incremental
    assert standing() == ("Thinker", 1)
    assert result.counts["thinkers"] == first.counts["thinkers"] + 1
    assert result.counts["contributors"] == first.counts["contributors"] - 1
    same_as_full(library, out, tmp_path, result)


# --------------------------------------------------------------------------- own keywords

@pytest.fixture()
def own_library(tmp_path):
    """A library whose keywords are its own words (hierarchical tags among them), and one
    concept whose first writing is in an early entry, another one later."""
    bib = tmp_path / "own.bib"
    text = generate(400, 7, themes(ONTOLOGY), keywords="free")
    first = text.index("\n@", text.index("@string")) + 1  # before the first entry
    text = (text[:first] + "@book{early, author = {Gorz, André}, title = {Écologie et "
            "politique}, date = {1975}, keywords = {Écologie Politique}}\n\n" + text[first:])
    text += ("\n@book{late, author = {Gorz, André}, title = {Écologica}, date = {2008},"
             " keywords = {écologie politique}}\n")
    bib.write_text(text, encoding="utf-8")
    return bib


def test_an_edit_that_keeps_the_keywords_reads_none(small_large, own_library, tmp_path,
                                                    monkeypatch):
    """The library's own concepts of an edited entry whose keywords fields are as they were
    are made again from the index (Thesaurus.replay): the file's keywords are not read, and
    the graph is the full build's."""
    from kg.core.themes import Thesaurus

    out = tmp_path / "out"
    first = kb.build(own_library, ONTOLOGY, out)
    assert first.counts["themes"] > 100
    edit(own_library, "title = {", "title = {Changed ")

    def unread(self, text):
        raise AssertionError("every keyword of the file read again")

    with monkeypatch.context() as m:
        m.setattr(Thesaurus, "adopt", unread)
        result = kb.build(own_library, ONTOLOGY, out)
    assert result.incremental
    same_as_full(own_library, out, tmp_path, result)


@pytest.mark.parametrize("old,new,incremental", [
    ("keywords = {", "keywords = {surveillance, ", True),
    ("title = {Écologica}, date = {2008}, keywords = {écologie politique}",
     "title = {Écologica}, date = {2008}, keywords = {écologie politique, Surveillance}", True),
    ("keywords = {Écologie Politique}", "note = {x}", False),
    ("keywords = {", "keywords = {un mot à moi, ", False),
], ids=["a-theme-added", "a-later-writing", "first-writing-dropped", "a-new-own-keyword"])
def test_an_edit_of_keywords_reads_them_again(small_large, own_library, tmp_path, old, new,
                                              incremental):
    """An edited keywords field: the file's keywords are read again. The same concepts (a
    shipped theme added, a concept's later writing edited): an incremental build; other
    concepts (a first writing gone, which made the concept's label; a new keyword): a full
    build. Either way the graph is the full build's."""
    out = tmp_path / "out"
    kb.build(own_library, ONTOLOGY, out)
    edit(own_library, old, new)
    result = kb.build(own_library, ONTOLOGY, out)
    assert result.incremental is incremental
    same_as_full(own_library, out, tmp_path, result)
    if not incremental and "moi" in new:
        assert "un-mot-a-moi" in (out / "graph.ttl").read_text(encoding="utf-8")


def test_keyword_prints_are_those_of_each_piece():
    """The build finds each piece's keywords print from the fields Thesaurus.adopt found in
    the whole text; an incremental build computes it from the piece alone: the same. A field
    left open runs into the next piece: neither matches ("*")."""
    from kg.builder.index import keyword_prints
    from kg.core.bib import _chunks
    from kg.core.themes import keywords_print, load_thesaurus

    text = generate(300, 3, themes(ONTOLOGY), keywords="free")
    text += "@book{open, title = {T}, keywords = {a, b\n@comment(x)\n, c}\n"
    pieces = list(_chunks(text))
    th = load_thesaurus(ONTOLOGY.read_bytes())
    th.adopt(text)
    prints = keyword_prints(pieces, th.fields)
    assert prints[:-2] == [keywords_print(p) for p, _ in pieces[:-2]]
    assert sum(1 for p in prints if p) > 250 and prints[-2:] == ["*", "*"]
    assert keywords_print("@book{x, title = {T}}") == ""


def test_the_changed_lines_are_those_of_the_whole_graphs():
    """_changed gives the set algebra of the old and new graphs, the tails read whole or, when
    as they were, only for the lines that changed (a record's statement also in the tail
    stays)."""
    import random

    from kg.builder.incremental import _changed

    rng = random.Random(7)
    lines = [f"<s{i}> <p{i % 5}> \"o{i}\" .".encode() for i in range(300)]
    for n in range(300):
        tail = b"".join(x + b"\n" for x in rng.sample(lines, rng.randrange(0, 40)))
        removed = b"".join(x + b"\n" for x in rng.sample(lines, rng.randrange(0, 80 if n % 3
                                                                            else 10)))
        added = b"".join(x + b"\n" for x in rng.sample(lines, rng.randrange(0, 80)))
        new_tail = tail if n % 2 else b"".join(
            x + b"\n" for x in rng.sample(lines, rng.randrange(0, 40)))
        old, new = set((removed + tail).splitlines()), set((added + new_tail).splitlines())
        assert _changed(removed, added, tail, new_tail) == (old - new, new - old)
    assert _changed(b"<a> <b> <c> .\n", b"", b"<a> <b> <c> .", b"<a> <b> <c> .") == (set(), set())


@pytest.mark.parametrize("new,incremental", [
    ("Zorgl{\\\"u}b, Anatole", True), ("Zorglub, Anatole and Ellul, Jacques", True),
    ("Ellul, Jacques and Zorglub, Anatole", True), ("Zorglub, A.", False)],
    ids=["same-slug-new-spelling", "one-more", "another-order", "another-slug"])
def test_a_person_first_named_in_an_edited_entry_is_the_full_builds(small_large, library,
                                                                   tmp_path, new, incremental):
    """The thinkers are kept as they were only when the edited entries name the same people,
    spelled the same, in the same order: a new spelling of a person's only mention (the same
    slug), one more person, another order each gives the full build's thinkers (a person no
    longer named, another slug, means a full build)."""
    text = library.read_text(encoding="utf-8")
    library.write_text(text + "\n@book{uniq, author = {Zorglub, Anatole}, title = {U},"
                       " date = {2001}}\n", encoding="utf-8")
    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    edit(library, "author = {Zorglub, Anatole}", f"author = {{{new}}}")
    result = kb.build(library, ONTOLOGY, out)
    assert result.incremental == incremental
    same_as_full(library, out, tmp_path, result)


def test_a_failing_splice_leaves_the_output_as_it_was(small_large, library, tmp_path,
                                                      monkeypatch):
    """The graph files are spliced in a thread: its error is the build's, the previous
    generation stays live and the stage is removed once the thread is done."""
    from kg.builder import incremental

    out = tmp_path / "out"
    kb.build(library, ONTOLOGY, out)
    live = st.current(out).name
    edit(library, "title = {", "title = {Changed ")

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental, "_splice", full_disk)
    with pytest.raises(OSError, match="No space left"):
        kb.build(library, ONTOLOGY, out)
    assert st.current(out).name == live
    assert not list(out.glob(".kg/stage-*"))
