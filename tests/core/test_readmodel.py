"""The read model (read.sqlite, kg.core.readmodel): what the build writes, and that its SQL
answers (kg.read.local) equal the named queries' SPARQL answers on the same build.

Agreement is checked on the shipped corpus and on one generated library of 1,000 entries;
an incremental build's read model equals a full build's (tests/builder/test_incremental.py).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.api import open_library
from kg.builder.store import current
from kg.core import readmodel
from kg.core.errors import KgError
from kg.read import query as Q

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _build(base: Path, bib_text: str | None):
    from kg.api import build

    bib, onto = base / "references.bib", base / "ontology.ttl"
    if bib_text is None:
        shutil.copyfile(ROOT / "references.bib", bib)
    else:
        bib.write_text(bib_text, encoding="utf-8")
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    build(bib, onto, base / "out")
    return base / "out", bib, onto


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("readmodel"), None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from generate import generate, themes

    return _build(tmp_path_factory.mktemp("readmodel-gen"),
                  generate(1000, 1, themes(ROOT / "ontology.ttl")))


def _libs(b):
    """(SQL library over the read model, SPARQL-only library) over the same build."""
    out, bib, onto = b
    fast = open_library(out, bib, onto)
    assert fast.local
    slow = Q.Library(out, store=fast.store)
    assert not slow.local
    return fast, slow


@pytest.fixture(scope="module",
                params=["corpus", pytest.param("generated-1000", marks=pytest.mark.slow)])
def libs(request):
    b = request.getfixturevalue("built" if request.param == "corpus" else "generated")
    return _libs(b)


# --------------------------------------------------------------------------- the file

def test_schema(built):
    out = built[0]
    db = sqlite3.connect(current(out) / readmodel.NAME)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "themes", "works", "quotes", "claims", "sources", "subjects", "roles",
            "people", "aliases", "person_themes", "lines", "search", "theme_counts",
            "thinker_names"} <= tables
    assert db.execute("SELECT value FROM meta WHERE name='version'").fetchone() == (
        str(readmodel.VERSION),)
    m = {r[0]: r[1] for r in db.execute("SELECT 'works', count(*) FROM works UNION ALL "
                                         "SELECT 'quotes', count(*) FROM quotes UNION ALL "
                                         "SELECT 'claims', count(*) FROM claims")}
    from kg.builder.store import read_manifest

    counts = read_manifest(out)["counts"]
    assert m == {k: counts[k] for k in ("works", "quotes", "claims")}


def test_nothing_marshalled_or_pickled_on_disk(built):
    names = {p.name for p in current(built[0]).iterdir()}
    assert not [n for n in names if n.startswith(("digest", "search-")) or
                n.endswith((".bin", ".idx", ".parts", ".delta", ".pickle"))]


def test_a_missing_read_model_says_build_and_writes_nothing(built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built[0], out, symlinks=True)
    (current(out) / readmodel.NAME).unlink()
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    lib = Q.Library(out)
    with pytest.raises(KgError, match="run `kg build`"):
        Q.themes(lib=lib)
    with pytest.raises(KgError, match="run `kg build`"):
        Q.search("surveillance", lib=lib)
    lib.close()
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before


def test_the_library_reads_the_generation_it_holds(built, tmp_path):
    """Everything a Library reads comes from one generation, held while it is open."""
    from kg.builder import store

    lib = Q.Library(built[0])
    assert Q.themes(lib=lib)
    gen = lib.folder
    assert gen == store.current(built[0]) and gen.name.startswith("gen-")
    assert lib.store is not None
    lib.close()


# --------------------------------------------------------------------------- SQL == SPARQL

def test_every_theme_page_equals_sparql(libs):
    fast, slow = libs
    assert fast.theme_index() == slow.theme_index()
    for tid in slow.theme_index():
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
    for p in sorted({p for ps in names.values() for p in ps}):
        key = p.rsplit("/", 1)[-1]
        for limit, lang in ((None, "fr"), (20, "en"), (3, "fr")):
            try:
                want = Q.thinker(key, lang=lang, limit=limit, lib=slow)
            except KgError as e:
                with pytest.raises(type(e)):
                    Q.thinker(key, lang=lang, limit=limit, lib=fast)
                continue
            assert Q.thinker(key, lang=lang, limit=limit, lib=fast) == want, (p, limit, lang)


def test_quotes_and_claims_equal_sparql(libs):
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
    people = sorted({p for ps in slow.thinker_names().values() for p in ps})
    for i, p in enumerate(people):
        key = p.rsplit("/", 1)[-1]
        assert Q.quotes(thinker=key, lib=fast) == Q.quotes(thinker=key, lib=slow), p
        for tid in themes[i % 7::max(1, len(themes) // 3)]:
            assert Q.quotes(theme=tid, thinker=key, lib=fast) == \
                Q.quotes(theme=tid, thinker=key, lib=slow), (p, tid)


def test_work_equals_sparql(libs):
    fast, slow = libs
    keys = [k for (k,) in fast.db.execute("SELECT key FROM works ORDER BY key LIMIT 30")]
    for k in keys:
        assert Q.work(k, lib=fast) == Q.work(k, lib=slow), k


# --------------------------------------------------------------------------- search

SEARCHES = ["surveillance", "surveillance numerique", "democratie", "reconnaissance faciale",
            "ellul", "technique", "la", "e", "zzzqqqxxx", "donnees personnelles", "1984",
            "veillance num", "ique de", "la la de", "é"]


def test_search_equals_sparql(libs):
    """The trigram index finds what a scan of every text from the store finds, scored the
    same (substrings inside and across words, phrases, repeated words, accents)."""
    fast, slow = libs
    words = set(SEARCHES)
    for r in Q.search("la", limit=None, lib=slow)[:40]:  # words of the library's own texts
        words.update((r["title"] or r["passage"]).split()[:3])
    for w in sorted(words):
        if not Q.name_key(w):
            continue
        for limit in (20, None, 3):
            assert Q.search(w, limit=limit, lib=fast) == Q.search(w, limit=limit, lib=slow), \
                (w, limit)


def test_search_folds_accents_and_case_and_matches_inside_words(built):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    a = Q.search("Dématérialisation", limit=None, lib=lib)
    assert a and a == Q.search("DEMATERIALISATION", limit=None, lib=lib)
    prefix = {r["key"] for r in Q.search("numér", limit=None, lib=lib)}
    assert prefix >= {r["key"] for r in Q.search("numerique", limit=None, lib=lib)}
    assert {r["key"] for r in Q.search("veillance", limit=None, lib=lib)} == \
        {r["key"] for r in Q.search("surveillance", limit=None, lib=lib)}
    assert Q.search("ŒUVRE", limit=None, lib=lib) == Q.search("oeuvre", limit=None, lib=lib)


def test_search_never_opens_the_store(built):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    assert Q.search("surveillance", lib=lib)
    assert Q.theme("surveillance", lib=lib) and Q.thinker("ellul", lib=lib)
    assert lib._store is None


@pytest.mark.parametrize("args", [["search", "surveillance numerique"],
                                  ["quotes", "--theme", "surveillance"],
                                  ["claims", "--status", "contested"],
                                  ["thinker", "ellul"], ["themes"]], ids=" ".join)
def test_read_model_commands_import_no_pyoxigraph(built, args):
    out, bib, onto = built
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "kg.cli", *args, "--out",
                        str(out), "--bib", str(bib), "--ontology", str(onto)],
                       capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip()
    assert "pyoxigraph" not in r.stderr
    # nor the read model's row types and writers (kg.core.rows, kg.builder.tables)
    assert " kg.core.rows\n" not in r.stderr and "kg.builder.tables" not in r.stderr


def _ranked(words: list, lines: list, subject: list, weight: list, limit):
    """kg search's ranking written plainly (as it was before it was made fast): per line
    holding every word, weight times the occurrences (a word given twice counts twice),
    plus 3 when the words occur together as written; summed per subject; best first, ties
    by subject."""
    phrase = " ".join(words)
    scores: dict = {}
    for text, s, w in zip(lines, subject, weight):
        counts = [text.count(x) for x in words]
        if all(counts):
            bonus = 3 if len(words) == 1 or phrase in text else 0
            scores[s] = scores.get(s, 0.0) + w * (sum(counts) + bonus)
    ranked = sorted(scores, key=lambda s: (-scores[s], s))
    if limit and 0 < limit < len(ranked):
        ranked = ranked[:limit]
    return [(s, scores[s]) for s in ranked], len(scores)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sampled_from([1, 2, 3]),
                          st.lists(st.sampled_from(["ab", "ba", "abab", "b", "ca", "a", "x"]),
                                   max_size=6)), max_size=40),
       st.lists(st.sampled_from(["a", "b", "ab", "ba", "c", "aba"]), min_size=1, max_size=3),
       st.sampled_from([None, 0, 1, 2, 3, 5, 20]), st.booleans())
def test_the_fast_ranking_is_the_plain_one(rows, words, limit, named):
    """rank_lines (counts a word at a time, sums in C, looks at the words together only for
    the subjects that may rank first, names only those) ranks as the plain way does."""
    from kg.read.local import rank_lines

    rows.sort(key=lambda r: r[0] if named else "")  # a subject's lines together, or not
    subject = [r[0] for r in rows]
    weight = [r[1] for r in rows]
    lines = [" ".join(r[2]) for r in rows]
    names = (lambda pool: {s: "iri/" + s for s in pool}) if named else None
    got = rank_lines(words, lines, subject, weight, limit, names)
    want, total = _ranked(words, lines, subject, weight, limit)
    if named:
        want = [("iri/" + s, v) for s, v in want]
    assert got == (want, total)
    got_bytes = rank_lines([w.encode() for w in words], [t.encode() for t in lines], subject,
                           weight, limit, names)
    assert got_bytes == got


# --------------------------------------------------------------------------- named queries

def test_cached_named_queries_equal_sparql(libs):
    """The build keeps the results of the CACHED aggregates (their own .rq, run on the new
    store): the same rows and the same output in every format as running them now."""
    from kg.core import output

    fast, slow = libs
    cached = {n for (n,) in fast.db.execute("SELECT name FROM named_results")}
    assert cached == set(Q.CACHED)
    for name in Q.CACHED:
        a = Q.run_query(name=name, lib=fast)
        b = Q.run_query(name=name, lib=slow)
        assert a == b, name
        for fmt in ("table", "json", "csv", "markdown"):
            assert output.result(a, fmt) == output.result(b, fmt), (name, fmt)


@pytest.fixture(scope="module")
def generated_free(tmp_path_factory):
    """A library with its own keywords and realistic people and dates (EDTF, ranges)."""
    from generate import generate, themes

    return _build(tmp_path_factory.mktemp("readmodel-free"),
                  generate(1000, 2, themes(ROOT / "ontology.ttl"), keywords="free"))


@pytest.fixture(scope="module",
                params=["corpus", pytest.param("generated-1000", marks=pytest.mark.slow),
                        pytest.param("generated-free-1000", marks=pytest.mark.slow)])
def named_libs(request):
    b = request.getfixturevalue({"corpus": "built", "generated-1000": "generated"}.get(
        request.param, "generated_free"))
    return _libs(b)


def test_named_queries_from_the_read_model_equal_sparql(named_libs):
    """kg.read.local.NAMED: the same result, term for term (types, datatypes, order), as the
    query's SPARQL on the store, for every thinker and every theme of the library; printed in
    every format, the same text."""
    from kg.core import output
    from kg.read import local

    fast, slow = named_libs
    people = sorted({p.rsplit("/", 1)[-1] for ps in fast.thinker_names().values() for p in ps})
    themes = sorted(fast.theme_index())
    values = {"thinker": people, "theme": themes, "status": list(Q.STATUSES)}

    def spread(vs: list, n: int) -> list:
        return vs[::max(1, len(vs) // n)]

    asked = {}
    for name in local.NAMED:
        ps = Q.named(name).params
        asked[name] = [{p.name: v} for p in ps for v in values[p.type]]
        if all(p.optional for p in ps):
            asked[name].append({})  # none given
        if len(ps) == 2:  # both given
            asked[name] += [{ps[0].name: v, ps[1].name: w} for v in spread(values[ps[0].type], 20)
                            for w in spread(values[ps[1].type], 10)]
    assert set(asked) == {"thinker-works", "theme-works", "theme-thinkers", "thinker-themes",
                          "thinker-names", "theme-size", "claims", "quotes"}
    rows = 0
    for name, params in asked.items():
        for p in params:
            a = Q.run_query(name=name, params=p, lib=fast)
            b = Q.run_query(name=name, params=p, lib=slow)
            assert isinstance(a.rows, Q.TermRows) and not isinstance(b.rows, Q.TermRows)
            assert a == b, (name, p)
            rows += len(a.rows)
            # printed from the values as shown (no terms made): the same text in every format
            for fmt in output.FORMATS:
                assert output.result(a, fmt) == output.result(b, fmt), (name, p, fmt)
    assert rows > 50  # the comparisons had rows to compare
    typed = {t.datatype for name, params in asked.items() for p in params[:50]
             for r in Q.run_query(name=name, params=p, lib=fast).rows for t in r.values()}
    assert Q.XSD + "integer" in typed
    langs = {t.lang for v in people[:50]
             for r in Q.run_query(name="thinker-themes", params={"thinker": v}, lib=fast).rows
             for t in r.values()}
    assert "fr" in langs


def test_theme_names_are_the_names_find_theme_reads(libs):
    """The read model's theme_names holds, for every folded name, the theme the whole index
    resolves it to; a theme found by one name reads that theme only."""
    from kg.core.names import theme_keys
    from kg.read import local

    fast, slow = libs
    index = slow.theme_index()
    want = theme_keys((t["id"], [*t["labels"].values(), *t["alt"]]) for t in index.values())
    assert dict(fast.db.execute("SELECT name, theme FROM theme_names")) == want
    for t in list(index.values())[:40]:
        for n in (t["id"], *t["labels"].values(), *t["alt"]):
            assert Q.Library.find_theme(fast, n) == slow.find_theme(n)
    rows = local.ThemeRows(fast.db)
    some = next(iter(index))
    assert rows[some] == index[some] and rows._all is False  # one row read, not the index
    assert "no-such-theme" not in rows and dict(rows) == dict(index)


def test_named_queries_from_the_read_model_never_open_the_store(built, monkeypatch):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    monkeypatch.setattr(Q.Library, "store", property(lambda self: pytest.fail("store")))
    monkeypatch.setattr(Q, "ask", lambda *a, **kw: pytest.fail("SPARQL"))
    got = Q.run_query(name="thinker-works", params={"thinker": "ellul"}, lib=lib)
    assert got.vars == ["work", "key", "title", "year", "issued", "role"]
    assert {r["role"].value for r in got.rows} >= {"author"}
    assert Q.run_query(name="theme-works", params={"theme": "surveillance"}, lib=lib).rows


def test_named_query_with_params_or_text_uses_sparql(built, monkeypatch):
    out, bib, onto = built
    lib = open_library(out, bib, onto)
    text = Q.named("works-per-theme").text
    asked, ask = [], Q.ask
    monkeypatch.setattr(Q, "ask", lambda *a, **kw: asked.append(a[1]) or ask(*a, **kw))
    assert Q.run_query(text, lib=lib) == Q.run_query(name="works-per-theme", lib=lib)
    assert asked == [text]  # the text ran as SPARQL on the store (in a process of its own)


def test_mentioned_iris_of_the_cached_queries():
    kgo, dc = "https://kg.example/ontology#", "http://purl.org/dc/terms/"
    got = Q.mentioned_iris(Q.named("works-per-theme").text)
    assert {dc + "subject", kgo + "Work", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            "http://www.w3.org/2004/02/skos/core#prefLabel"} <= got
    assert dc + "title" not in got
    assert Q.mentioned_iris("SELECT * WHERE { ?s <http://x/p#a> 'a:b' } # c:d") == {
        "http://x/p#a"}


def test_incremental_builds_keep_the_cached_results_right(tmp_path, monkeypatch):
    """An edit that touches no predicate of a cached query keeps its results; one that does
    runs it again: both equal a full build's."""
    from generate import generate, themes

    from kg.builder import pipeline as kb

    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 200)
    onto = ROOT / "ontology.ttl"
    bib = tmp_path / "lib.bib"
    bib.write_text(generate(300, 5, themes(onto)), encoding="utf-8")

    def build(out, **kw):
        return kb.build(bib, onto, tmp_path / out, aggregates=Q.aggregates(), **kw)

    build("out")
    ran = tmp_path / "ran"  # written by the forked child that runs the queries
    real = Q.results_json

    def results_json(*a, **k):
        with open(ran, "a") as f:
            f.write("ran\n")
        return real(*a, **k)

    monkeypatch.setattr(Q, "results_json", results_json)
    for old, new, again in [("title = {", "title = {Changed ", False),
                            ("keywords = {", "keywords = {environnement, ", True)]:
        text = bib.read_text(encoding="utf-8")
        bib.write_text(text.replace(old, new, 1), encoding="utf-8")
        ran.unlink(missing_ok=True)
        assert build("out").incremental
        assert ran.exists() == again, old
        build("full", incremental=False)
        assert readmodel.read_named(current(tmp_path / "out") / readmodel.NAME) == \
            readmodel.read_named(current(tmp_path / "full") / readmodel.NAME)
