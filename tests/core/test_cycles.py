"""Cycles (issue 18): crossref parents that inherit from each other, @string macros that use
each other, skos:broader loops in the thesaurus.  Each is reported by `kg check` and by the
build, once, at a deterministic place; a broader cycle's themes stay in `kg themes`."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.core.cycles import find_cycles


@pytest.mark.parametrize("links, cycles", [
    ({"a": ["b"], "b": ["a"]}, [["a", "b", "a"]]),
    ({"b": ["a"], "a": ["b"]}, [["a", "b", "a"]]),  # the same whatever the order
    ({"c": ["c"]}, [["c", "c"]]),
    ({"x": ["z"], "y": ["x"], "z": ["y"]}, [["x", "z", "y", "x"]]),
    ({"a": ["b"], "b": ["c"], "c": ["b"], "d": []}, [["b", "c", "b"]]),
    ({"a": ["b"], "b": ["c"], "c": []}, []),
    ({"a": ["missing"]}, []),
    ({"p": ["q"], "q": ["p"], "r": ["s"], "s": ["r"]}, [["p", "q", "p"], ["r", "s", "r"]]),
])
def test_find_cycles(links, cycles):
    assert find_cycles(links) == cycles


def test_find_cycles_on_a_long_chain_does_not_recurse():
    n = 20_000
    links = {str(i): [str(i + 1)] for i in range(n)}
    links[str(n)] = ["0"]
    (cycle,) = find_cycles(links)
    assert len(cycle) == n + 2 and cycle[0] == cycle[-1] == "0"


# ------------------------------------------------------------------------- @string macros

def test_string_macro_cycle_is_a_warning():
    from kg.core.bib import parse

    bib = parse("@string{a = b # {x}}\n@string{b = a}\n@string{c = c}\n@string{d = {fine}}\n"
                "@book{k, title = d, publisher = a}\n", "x.bib")
    cycles = [(p.line, p.key, p.level, p.message) for p in bib.problems if "@string" in p.message]
    assert cycles == [
        (1, "a", "warning", "@string macro cycle 'a' -> 'b' -> 'a': a macro cannot stand for "
                            "itself, so none of them has a value (biber reports them "
                            "undefined): give one of them a text value"),
        (3, "c", "warning", "@string macro 'c' uses itself, so it has no value (biber reports "
                            "it undefined): give it a text value")]


def test_string_macros_in_order_are_no_cycle():
    from kg.core.bib import parse

    bib = parse("@string{a = {x}}\n@string{b = a # {y}}\n@string{c = b # a}\n"
                "@book{k, title = c}\n", "x.bib")
    assert bib.problems == []


# ------------------------------------------------------------------------- crossref

def test_crossref_cycle_is_an_error(model_of):
    m = model_of("@book{a, title={A}, crossref={b}}\n@book{b, title={B}, crossref={a}}\n"
                 "@inbook{self, title={S}, crossref={self}}\n@book{c, title={C}}\n"
                 "@inbook{d, title={D}, crossref={c}}\n")
    found = [(p.line, p.key, p.level, p.message) for p in m.problems if "crossref" in p.message]
    assert found == [
        (1, "a", "error", "crossref cycle 'a' -> 'b' -> 'a': an entry cannot inherit from "
                          "itself (biber refuses it; kg inherits one step only): remove the "
                          "crossref of one of them"),
        (3, "self", "error", "crossref 'self' is the entry itself: remove it")]


# ------------------------------------------------------------------------- skos:broader

CYCLIC = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://kg.example/id/theme/> .
<https://kg.example/id/themes> a skos:ConceptScheme .
t:zeta a skos:Concept ; skos:inScheme <https://kg.example/id/themes> ;
    skos:prefLabel "Zêta"@fr ; skos:broader t:alpha .
t:alpha a skos:Concept ; skos:inScheme <https://kg.example/id/themes> ;
    skos:prefLabel "Alpha"@fr ; skos:broader t:zeta .
t:leaf a skos:Concept ; skos:inScheme <https://kg.example/id/themes> ;
    skos:prefLabel "Feuille"@fr ; skos:broader t:zeta .
t:top a skos:Concept ; skos:inScheme <https://kg.example/id/themes> ; skos:prefLabel "Haut"@fr .
"""
BIB = ("@book{w, author={Ellul, Jacques}, title={T}, date={1954}, keywords={leaf}}\n"
       "@book{v, author={Ellul, Jacques}, title={U}, date={1955}, keywords={top}}\n")
BROADER = ("broader-theme cycle 'alpha' -> 'zeta' -> 'alpha' (skos:broader, or skos:narrower "
           "the other way): a theme cannot be broader than itself; `kg themes` lists 'alpha' "
           "at the top of it: remove one of these links in the ontology")


@pytest.fixture
def cyclic(tmp_path):
    onto = tmp_path / "ontology.ttl"
    onto.write_text(CYCLIC, encoding="utf-8")
    bib = tmp_path / "references.bib"
    bib.write_text(BIB, encoding="utf-8")
    return bib, onto


def test_broader_cycle_in_check(cyclic):
    from kg.builder.check import check

    bib, onto = cyclic
    report = check(bib, onto)
    found = [p for p in report.problems if "broader-theme cycle" in p.message]
    assert [(p.file, p.line, p.key, p.level, p.message) for p in found] == [
        (str(onto), 0, "alpha", "warning", BROADER)]
    assert report.exit_code == 0


def test_broader_cycle_in_build_and_kg_themes(cyclic, tmp_path):
    from kg.api import build, open_library
    from kg.cli import main
    from kg.read.query import themes

    bib, onto = cyclic
    out = tmp_path / "out"
    result = build(bib, onto, out)
    assert [p.message for p in result.problems if "cycle" in p.message] == [BROADER]
    listed = themes(lib=open_library(out, bib, onto, quiet=True))
    assert [(t["id"], t["depth"]) for t in listed] == [("top", 0), ("alpha", 0), ("zeta", 1),
                                                       ("leaf", 2)]
    assert next(t for t in listed if t["id"] == "leaf")["works"] == 1
    r = CliRunner().invoke(main, ["themes", "--out", str(out), "--bib", str(bib),
                                  "--ontology", str(onto)])
    assert r.exit_code == 0 and all(w in r.output for w in ("Alpha", "Zêta", "Feuille"))


@pytest.mark.parametrize("large", [False, True])
def test_bib_cycles_in_the_build_full_and_incremental(tmp_path, ontology_path, monkeypatch,
                                                      large):
    """The build's warnings carry the @string and crossref cycles, once each, in a full build
    (in order, or as a large library: workers, an index) and in an incremental one (an
    unrelated entry edited)."""
    import shutil
    from pathlib import Path

    from kg.api import build
    from kg.builder import pipeline

    if large:  # three entries treated as a large library
        monkeypatch.setattr(pipeline, "PRETTY_MAX_TRIPLES", 10)
        monkeypatch.setattr(pipeline, "PARALLEL_MIN_ENTRIES", 2)

    bib = tmp_path / "references.bib"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "bad" / "cycles.bib", bib)
    with bib.open("a", encoding="utf-8") as f:
        f.write("\n@book{other,\n  author = {Illich, Ivan},\n  title = {Tools},\n"
                "  date = {1973},\n}\n")
    out = tmp_path / "out"
    expected = [(2, "pubA", "warning", "@string macro cycle 'pubA' -> 'pubB' -> 'pubA'"),
                (10, "volA", "error", "crossref cycle 'volA' -> 'volB' -> 'volA'")]

    def cycles(result):
        return [(p.line, p.key, p.level, p.message.split(":")[0]) for p in result.problems
                if "cycle" in p.message]

    first = build(bib, ontology_path, out)
    assert cycles(first) == expected and not first.incremental
    bib.write_text(bib.read_text(encoding="utf-8").replace("{Tools}", "{Tools for "
                                                           "Conviviality}"), encoding="utf-8")
    again = build(bib, ontology_path, out)
    assert again.incremental is large and cycles(again) == expected
