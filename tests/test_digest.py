"""kg.read.digest: the digest answers exactly what SPARQL answers, and is never stale.

The digest is made from the build's in-memory records (``digest.part`` per chunk, then
``digest.write_from_parts``); these tests make the parts the way the build does (a
ModelBuilder, ``record()`` per entry, ``part()`` per chunk of CHUNK entries) and compare every
theme and every thinker with the SPARQL answers of the same build.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import digest_content
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.read import digest
from kg.api import open_library
from kg.read import query as Q

ROOT = Path(__file__).resolve().parent.parent


def write_digest_as_build(out: Path, bib: Path, onto: Path) -> Path:
    """What kg.builder.pipeline does: parts per chunk in the workers, merged after the loop."""
    from kg.core.bib import load
    from kg.builder.pipeline import CHUNK, _thesaurus
    from kg.core.model import ModelBuilder
    from kg.builder.store import read_manifest

    thesaurus, onto_bytes = _thesaurus(onto)
    bib_file = load(bib)
    mb = ModelBuilder(bib_file, thesaurus)
    parts = []
    for i in range(0, len(bib_file.entries), CHUNK):
        recs = [r for r in map(mb.record, bib_file.entries[i:i + CHUNK]) if r is not None]
        parts.append(digest.part(recs, mb))
    for old in out.glob("digest-*.bin"):
        old.unlink()
    return digest.write_from_parts(out, read_manifest(out)["store"], parts, mb.persons,
                                   onto_bytes)


def _build(base: Path, bib_text: str | None):
    from kg.api import build

    bib, onto = base / "references.bib", base / "ontology.ttl"
    if bib_text is None:
        shutil.copyfile(ROOT / "references.bib", bib)
    else:
        bib.write_text(bib_text, encoding="utf-8")
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    build(bib, onto, base / "out")
    write_digest_as_build(base / "out", bib, onto)
    return base / "out", bib, onto


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("digest"), None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate, themes

    return _build(tmp_path_factory.mktemp("digest-gen"),
                  generate(2000, 1, themes(ROOT / "ontology.ttl")))


def _libs(b):
    """(digest library, SPARQL-only library) over the same build."""
    out, bib, onto = b
    fast = open_library(out, bib, onto)
    assert fast.digest() is not None
    slow = Q.Library(out, store=fast.store)
    assert slow.digest() is None
    return fast, slow


@pytest.fixture(scope="module",
                params=["corpus", pytest.param("generated-2000", marks=pytest.mark.slow)])
def libs(request):
    b = request.getfixturevalue("built" if request.param == "corpus" else "generated")
    return _libs(b)


def test_digest_written_next_to_its_store(built):
    from kg.builder.store import read_manifest

    out = built[0]
    name = read_manifest(out)["store"]
    assert digest.path_for(out, name).exists()
    assert digest.read(out, "store-other") is None


def test_every_theme_page_equals_sparql(libs):
    fast, slow = libs
    ids = list(slow.theme_index())
    assert fast.theme_index() == slow.theme_index()
    missing = [t for t in ids if fast.digest().theme(t) is None]
    assert not missing, f"theme pages left to SPARQL: {missing}"
    for tid in ids:
        for limit in (None, 20, 3):
            for lang in ("fr", "en"):
                assert Q.theme(tid, lang=lang, limit=limit, lib=fast) == \
                    Q.theme(tid, lang=lang, limit=limit, lib=slow), (tid, limit, lang)


def test_themes_tree_equals_sparql(libs):
    fast, slow = libs
    for lang in ("fr", "en"):
        assert Q.themes(lang=lang, lib=fast) == Q.themes(lang=lang, lib=slow)


def test_every_thinker_page_equals_sparql(libs):
    fast, slow = libs
    names = fast.thinker_names()
    assert names == slow.thinker_names()
    people = sorted(set(names.values()))
    missing = [p for p in people if fast.digest().thinker(p) is None]
    assert not missing, f"thinker pages left to SPARQL: {missing[:5]}"
    for p in people:
        key = p.rsplit("/", 1)[-1]
        for limit, lang in ((None, "fr"), (20, "en"), (3, "fr")):
            assert Q.thinker(key, lang=lang, limit=limit, lib=fast) == \
                Q.thinker(key, lang=lang, limit=limit, lib=slow), (p, limit, lang)


def test_lazy_digest_for_an_output_built_without_one(built, tmp_path):
    """An out/ without a digest gets one on the first query, the same as the build's."""
    from kg.builder.store import read_manifest

    out, bib, onto = built
    o2 = tmp_path / "out"
    shutil.copytree(out, o2)
    name = read_manifest(o2)["store"]
    made = digest_content(o2)
    digest.path_for(o2, name).unlink()
    lib = open_library(o2, bib, onto)
    assert lib.digest() is not None
    assert digest_content(o2) == made  # the values (marshal's bytes depend on sharing)


def test_new_build_gets_a_new_digest(built, tmp_path):
    from kg.api import build
    from kg.builder.store import read_manifest

    _, bib, onto = built
    bib2 = tmp_path / "references.bib"
    shutil.copyfile(bib, bib2)
    with open(bib2, "a", encoding="utf-8") as f:
        f.write("\n@book{zz-digest-test,\n  author = {Zorglub, Anatole},\n"
                "  title = {Un livre de plus},\n  date = {2001},\n"
                "  keywords = {surveillance}\n}\n")
    o2 = tmp_path / "out"
    build(bib2, onto, o2)
    lib = open_library(o2, bib2, onto)
    d = Q.theme("surveillance", limit=None, lib=lib)
    assert "zz-digest-test" in {w["key"] for w in d["works"]}
    assert digest.path_for(o2, read_manifest(o2)["store"]).exists()
    assert len(list(o2.glob("digest-*.bin"))) == 1


# --------------------------------------------------------------------------- quotes, claims

def test_quotes_and_claims_equal_sparql(libs):
    """kg quotes / kg claims answer from digest pages: the same rows as quotes.rq/claims.rq."""
    fast, slow = libs
    assert Q.quotes(lib=fast) == Q.quotes(lib=slow)
    assert Q.claims(lib=fast) == Q.claims(lib=slow)
    for status in Q.STATUSES:
        assert Q.claims(status=status, lib=fast) == Q.claims(status=status, lib=slow), status
    themes = list(slow.theme_index())
    for tid in themes:
        assert Q.quotes(theme=tid, lib=fast) == Q.quotes(theme=tid, lib=slow), tid
        assert Q.claims(theme=tid, lib=fast) == Q.claims(theme=tid, lib=slow), tid
        for status in Q.STATUSES:
            assert Q.claims(theme=tid, status=status, lib=fast) == \
                Q.claims(theme=tid, status=status, lib=slow), (tid, status)
    people = sorted(set(slow.thinker_names().values()))
    for i, p in enumerate(people):
        key = p.rsplit("/", 1)[-1]
        assert Q.quotes(thinker=key, lib=fast) == Q.quotes(thinker=key, lib=slow), p
        for tid in themes[i % 7::max(1, len(themes) // 3)]:
            assert Q.quotes(theme=tid, thinker=key, lib=fast) == \
                Q.quotes(theme=tid, thinker=key, lib=slow), (p, tid)


# --------------------------------------------------------------------------- search

SEARCHES = ["surveillance", "surveillance numerique", "democratie", "reconnaissance faciale",
            "ellul", "technique", "la", "e", "zzzqqqxxx", "donnees personnelles", "1984"]


def test_search_equals_sparql(libs):
    """kg search answers from the index the build wrote: the same results as from the store."""
    fast, slow = libs
    words = set(SEARCHES)
    for r in Q.search("la", limit=None, lib=slow)[:40]:  # words of the library's own texts
        words.update((r["title"] or r["passage"]).split()[:3])
    for w in sorted(words):
        if not Q._key(w):
            continue
        for limit in (20, None, 3):
            assert Q.search(w, limit=limit, lib=fast) == Q.search(w, limit=limit, lib=slow), \
                (w, limit)


def test_search_index_scores_equal_a_scan_of_every_line(built):
    """The whole-word index gives the scores a scan of every line gives (substrings inside
    and across words, phrases, repeated words, accents), for pieces of the library's texts."""
    import random
    from array import array

    out, bib, onto = built
    lib = open_library(out, bib, onto)
    d = lib.digest()
    where = d.head["search"]
    with open(d.path, "rb") as f:
        def part(k):
            f.seek(d._start + where[k][0])
            return f.read(where[k][1])
        lines = part(0).split(b"\n")
        subject = array("i")
        subject.frombytes(part(1))
        weight = part(2)
    rnd = random.Random(7)
    queries = [w.split() for w in SEARCHES] + [["e", "e"], ["la", "la", "de"], ["é"],
                                               ["veillance", "num"], ["ique", "de"]]
    for _ in range(300):
        tokens = rnd.choice(lines).decode("utf-8").split()
        if not tokens:
            continue
        i = rnd.randrange(len(tokens))
        got = tokens[i:i + rnd.randint(1, 3)]
        if rnd.random() < 0.5:  # cut inside the first and last words
            got[0] = got[0][rnd.randrange(len(got[0])):]
            got[-1] = got[-1][:rnd.randint(1, len(got[-1]))]
        queries.append(got)
    for words in queries:
        words = Q._key(" ".join(words)).split()
        if not words:
            continue
        bs = [w.encode("utf-8") for w in words]
        assert Q._digest_search(d, bs)[0] == Q._score(bs, lines, subject, weight), words


def test_search_never_opens_the_store(built):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    assert Q.search("surveillance", lib=lib)
    assert lib._store is None


# --------------------------------------------------------------------------- named queries

def _named_from_digest(fast):
    d = fast.digest()
    return [n for n in Q.named_queries() if d.named(n) is not None]


def test_named_queries_from_digest_equal_sparql(libs):
    from kg.core import output

    fast, slow = libs
    served = _named_from_digest(fast)
    assert {"works-per-theme", "theme-counts", "quotes-by-language",
            "claims-without-source"} <= set(served)
    for name in served:
        a = Q.run_query(name=name, lib=fast)
        b = Q.run_query(name=name, lib=slow)
        assert a == b, name
        assert a.rows or name == "claims-without-source", name
        for fmt in ("table", "json", "csv", "markdown"):
            assert output.result(a, fmt) == output.result(b, fmt), (name, fmt)


def test_named_query_with_params_or_text_uses_sparql(built):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    text = Q.named("works-per-theme").text
    assert Q.run_query(text, lib=lib) == Q.run_query(name="works-per-theme", lib=lib)
    assert lib._store is not None


@pytest.mark.parametrize("args", [["search", "surveillance numerique"],
                                  ["quotes", "--theme", "surveillance"],
                                  ["claims", "--status", "contested"],
                                  ["query", "works-per-theme"]], ids=" ".join)
def test_digest_commands_import_no_pyoxigraph(built, args):
    import os
    import subprocess

    out, bib, onto = built
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "kg.cli", *args, "-o",
                        str(out), "--bib", str(bib), "--ontology", str(onto)],
                       capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip()
    assert "pyoxigraph" not in r.stderr


@settings(max_examples=500, deadline=None)
@given(st.text() | st.text(alphabet=" \t\n\u00a0\u3000\u2028\u00a8\u0301eéÉœŒßİ\u1680ﬁ"))
def test_fold_words_is_fold_then_split(text):
    from kg.core.latex import fold

    assert digest.fold_words(text) == " ".join(fold(text).split())
