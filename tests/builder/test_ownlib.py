"""A person's own library (issue 14): what biber, Zotero (Better BibTeX) and JabRef write is
read; data-quality findings are warnings that never block publishing; keywords are themes."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.core import graph
from kg.core.bib import parse
from kg.core.model import parse_names
from kg.core.themes import OWN_SCHEME, distance, load_thesaurus, themes_mode_set
from kg.core.values import date_error, date_type, doi_of, isbn_ok, isbns, value_problems, year_of
from kg.core.vocab import BIBO, DCT, SKOS, WORK_NS, XSD

# ------------------------------------------------------------------------- part 1: reading

@pytest.mark.parametrize("value", [
    "199u", "19uu", "1999-uu", "199X", "19XX", "1999-XX", "1999-XX-XX", "XXXX",
    "unknown/2006", "2004-06-01/unknown", "2004/open", "../2006", "2004/..", "/2006", "2004/",
    "2001-21", "2001-24", "1984?", "1984~", "1984%", "2004-06~", "-0350", "Y170000002",
    "1988-05-19T10:00:00Z", "1990/1995?"])
def test_edtf_level_1_is_read(value):
    assert date_error(value) is None


@pytest.mark.parametrize("value,why", [
    ("Wed Dec 09 2020 13:49:01 GMT+0100", "biblatex reads 2020-12-09"),
    ("1988-13", "month 13"), ("2001-21-03", "a season"), ("unknown/unknown", "at least one"),
    ("2021-02-29", "day 29")])
def test_what_biblatex_does_not_read(value, why):
    assert why in date_error(value)


@pytest.mark.parametrize("value,dt", [
    ("1999", XSD.gYear), ("1999-05", XSD.gYearMonth), ("1999-05-31", XSD.date),
    ("199u", None), ("199X", None), ("1999-uu", None), ("2001-21", None), ("1984?", None),
    ("1990/1995", None), ("unknown/2006", None), ("2021-02-29", None), ("1999-13", None)])
def test_only_an_exact_date_is_typed(value, dt):
    assert date_type(value) == dt


@pytest.mark.parametrize("value,year", [("199u", None), ("19XX", None), ("1999-uu", 1999),
                                        ("1990/1995", 1990), ("-0350", -350), ("1984?", 1984),
                                        ("unknown/2006", None)])
def test_the_year_is_never_invented(value, year):
    assert year_of(value) == year


@pytest.mark.parametrize("value,found", [
    ("978-3-642-13189-9 978-3-642-13190-5", ["978-3-642-13189-9", "978-3-642-13190-5"]),
    ("978-3-642-13189-9; 3-642-13189-X", ["978-3-642-13189-9", "3-642-13189-X"]),
    ("ISBN 978 0 306 40615 7", ["978 0 306 40615 7"]),
    ("0-306-40615-2 (pbk.)", ["0-306-40615-2"]),
    ("080442957X, 9780306406157", ["080442957X", "9780306406157"])])
def test_several_isbns_in_a_field(value, found):
    assert list(isbns(value)) == found


def test_isbn_checksums():
    assert isbn_ok("978-3-642-13189-9") and isbn_ok("080442957X") and isbn_ok("0-8044-2957-x")
    assert not isbn_ok("978-3-642-13190-6") and not isbn_ok("12345")


@pytest.mark.parametrize("value,bare", [
    ("10/ggd754", "10/ggd754"), ("https://doi.org/10.1000/xyz", "10.1000/xyz"),
    ("http://dx.doi.org/10.1000/xyz", "10.1000/xyz"), ("doi:10.1000/xyz", "10.1000/xyz"),
    ("10.1000/xyz", "10.1000/xyz"), ("https://doi.org/10.1000%2Fxyz", "10.1000/xyz"),
    ("nope", None), ("10.12/x", None)])
def test_dois(value, bare):
    assert doi_of(value) == bare


def test_keys_with_parentheses():
    bib = parse("@book{Smith(2001)a, title={A}}\n@book{x(y), title={A}, note = \"a\" # {b}}\n"
                "@book(p(q), title={A})\n", "x.bib")
    assert [e.key for e in bib.entries] == ["Smith(2001)a", "x(y)", "p(q)"]
    assert bib.problems == []
    assert graph.work_iri("Smith(2001)a") == WORK_NS + "Smith(2001)a"


def test_better_bibtex_extended_names():
    names = parse_names("family=Dijk, given=Marten, prefix=van, useprefix=true and Doe, John "
                        "and family={Le Guin}, given={Ursula K.} and given=Jr, family=X, "
                        "suffix=III")
    assert [(n.given, n.family, n.suffix) for n in names] == [
        ("Marten", "van Dijk", ""), ("John", "Doe", ""), ("Ursula K.", "Le Guin", ""),
        ("Jr", "X", "III")]


def _triples(model_of, text):
    return graph.to_ntriples(model_of(text))


def test_typed_values_only_for_what_validates(model_of):
    nt = _triples(model_of, (
        "@book{a, author={X, Y}, title={T}, date={199u}, "
        "isbn={978-3-642-13189-9 978-3-642-13190-6}, doi={https://doi.org/10.1000/xyz}, "
        "url={www.example.org}, urldate={Wed Dec 09 2020 13:49:01 GMT+0100}}\n"
        "@book{b, author={X, Y}, title={T}, date={1999-05-31}, isbn={080442957X}, "
        "url={https://example.org/b}}\n"))
    lines = nt.splitlines()
    assert f'<{BIBO.isbn13}> "9783642131899" .' in nt
    assert f'<{BIBO.isbn}> "978-3-642-13190-6" .' in nt  # as written, not an ISBN-13
    assert "9783642131906" not in nt
    assert f'<{BIBO.isbn10}> "080442957X" .' in nt
    assert f'<{BIBO.doi}> "10.1000/xyz" .' in nt
    assert any(f'<{BIBO.uri}> "www.example.org" .' in ln for ln in lines)  # plain, not anyURI
    assert f'"https://example.org/b"^^<{XSD.anyURI}>' in nt
    assert '"199u" .' in nt and "year" not in " ".join(ln for ln in lines if f"<{WORK_NS}a>" in ln
                                                       and "ontology#year" in ln)
    assert f'"1999-05-31"^^<{XSD.date}>' in nt


def test_data_quality_findings_are_warnings(model_of):
    model = model_of("@book{a, author={X, Y}, title={T}, date={1988-13}, isbn={123}, "
                     "doi={nope}, url={www.x.org}, urldate={Wed Dec 09 2020 13:49:01 GMT+0100}}"
                     "\n")
    found = [(p.level, p.message.split(" '")[0]) for p in model.problems]
    assert ("warning", "malformed date") in found and ("warning", "invalid ISBN") in found
    assert ("warning", "malformed DOI") in found and ("warning", "malformed URL") in found
    assert {p.level for p in model.problems} == {"warning"}
    assert value_problems({"doi": "10/ggd754", "isbn": "978-3-642-13189-9 978-3-642-13190-5",
                           "date": "unknown/2006", "urldate": "2020-12-09"}) == []


def test_a_missing_link_is_an_error(model_of):
    model = model_of("@book{a, author={X, Y}, title={T}, xdata={gone}}\n")
    assert [(p.level, p.message) for p in model.problems] == [
        ("error", "xdata 'gone' is not a key of the bibliography")]


# ------------------------------------------------------------------ part 2: always publish

def test_a_mistyped_isbn_never_blocks_publishing(tmp_path, ontology_path):
    bib = tmp_path / "mine.bib"
    bib.write_text("@book{Smith(2001),\n  author = {Smith, Ann},\n  title = {A Book},\n"
                   "  date = {2001},\n  isbn = {978-3-642-13189-9},\n}\n", encoding="utf-8")
    out = tmp_path / "out"
    run = CliRunner().invoke
    opts = ["--ontology", str(ontology_path), "--out", str(out)]
    r = run(main, ["build", str(bib), *opts])
    assert r.exit_code == 0, r.output
    bib.write_text(bib.read_text(encoding="utf-8").replace("13189-9", "13189-8")
                   .replace("A Book", "A Book, edited"), encoding="utf-8")
    r = run(main, ["build", str(bib), *opts])
    assert r.exit_code == 0, r.output
    assert "warning: invalid ISBN '978-3-642-13189-8'" in r.output
    r = run(main, ["work", "Smith(2001)", "--bib", str(bib), *opts])
    assert r.exit_code == 0, r.output
    assert "A Book, edited" in r.output and "978-3-642-13189-8" in r.output
    assert "9783642131899" not in r.output
    r = run(main, ["build", str(bib), "--strict", *opts])  # --strict: warnings do not fail
    assert r.exit_code == 0, r.output


# ------------------------------------------------------------------ part 3: keywords are themes



@pytest.fixture
def fresh(ontology_path):
    """A thesaurus of its own for one test (mode "own")."""
    with themes_mode_set("own"):
        return load_thesaurus(ontology_path.read_bytes())


def test_distance():
    assert distance("survailance", "surveillance", 2) == 2
    assert distance("ecolgoie", "ecologie", 2) == 1  # a transposition is one edit
    assert distance("secondary", "recommandation-attention", 2) == 3  # stops early


def test_a_free_keyword_is_a_concept_of_the_library(fresh):
    tids, warning = fresh.keyword("Secondary sources")
    assert tids == ("secondary-sources",) and warning is None
    t = fresh.themes["secondary-sources"]
    assert t.scheme == OWN_SCHEME and t.label() == "Secondary sources"
    assert t.iri == "https://kg.example/id/theme/secondary-sources"
    assert fresh.match("secondary SOURCES") is t
    assert fresh.suggest("secondary") == []  # no noise for unrelated words


def test_hierarchical_tags_are_broader_concepts(fresh):
    assert fresh.keyword("Philosophy/Ethics/Care") == (("philosophy-ethics-care",), None)
    assert fresh.keyword("Technik > Kritik") == (("technik-kritik",), None)
    th = fresh.themes
    assert th["philosophy-ethics-care"].broader == ["philosophy-ethics"]
    assert th["philosophy-ethics"].broader == ["philosophy"]
    assert th["philosophy"].narrower == ["philosophy-ethics"]
    assert th["philosophy-ethics-care"].label() == "Care"
    assert th["philosophy-ethics-care"].alt == ["Philosophy/Ethics/Care"]
    assert th["technik-kritik"].alt == ["Technik > Kritik"]
    assert fresh.match("philosophy/ethics/care").id == "philosophy-ethics-care"
    assert th["technik-kritik"].broader == ["technik"]
    # a level the ontology has is the ontology's concept; nothing of it is changed
    tids, _ = fresh.keyword("Surveillance/Caméras")
    assert th[tids[0]].broader == ["surveillance"]
    assert tids[0] in fresh.descendants("surveillance")


def test_a_near_miss_is_warned_of_and_kept(fresh):
    tids, warning = fresh.keyword("Survaillance")
    assert tids == ("survaillance",)
    assert "close to the theme 'surveillance' (Surveillance)" in warning
    assert fresh.keyword("SURVEILLANCE") == (("surveillance",), None)  # case, accents: the theme


def test_strict_mode_keeps_the_curated_thesaurus(ontology_path):
    with themes_mode_set("strict"):
        th = load_thesaurus(ontology_path.read_bytes())
    n = len(th)
    tids, warning = th.keyword("secondary")
    assert tids == () and warning == ("unknown theme keyword 'secondary': add it to the "
                                      "thesaurus in ontology.ttl")
    assert th.keyword("survaillance")[1].endswith("closest theme: 'surveillance' (Surveillance)")
    assert len(th) == n


def test_each_distinct_keyword_is_looked_up_once(fresh, monkeypatch):
    from kg.core.bib import parse
    from kg.core.model import build_model

    calls = []
    real = type(fresh)._keyword
    monkeypatch.setattr(type(fresh), "_keyword", lambda self, kw: calls.append(kw) or real(self, kw))
    text = "".join(f"@book{{k{i}, title={{T}}, keywords={{mine, Surveillance, a/b}}}}\n"
                   for i in range(300))
    model = build_model(parse(text), fresh)
    assert sorted(calls) == ["Surveillance", "a/b", "mine"]
    assert model.records[299].themes == ["mine", "surveillance", "a-b"]


def test_a_model_does_not_change_the_thesaurus_it_was_given(fresh, model_of):
    from kg.core.bib import parse
    from kg.core.model import build_model

    n = len(fresh)
    model = build_model(parse("@book{a, title={T}, keywords={Surveillance/mine}}\n"), fresh)
    assert len(fresh) == n and len(model.thesaurus) == n + 1
    assert "surveillance-mine" not in fresh.themes["surveillance"].narrower


def test_own_concepts_are_in_the_triples(fresh):
    from kg.core.bib import parse
    from kg.core.model import build_model

    model = build_model(parse("@book{a, title={T}, keywords={Philosophy/Ethics, mine}}\n"
                              "@thinker{t, name={X, Y}, keywords={mine}}\n"), fresh)
    nt = graph.to_ntriples(model)
    ethics = "https://kg.example/id/theme/philosophy-ethics"
    assert f"<https://kg.example/id/work/a> <{DCT.subject}> <{ethics}> ." in nt
    assert f'<{ethics}> <{SKOS.prefLabel}> "Ethics" .' in nt
    assert f"<{ethics}> <{SKOS.broader}> <https://kg.example/id/theme/philosophy> ." in nt
    assert f"<{ethics}> <{SKOS.inScheme}> <{OWN_SCHEME}> ." in nt
    assert f"<{OWN_SCHEME}> <{RDF_TYPE}> <{SKOS.ConceptScheme}> ." in nt
    assert f"<https://kg.example/id/person/x-y> <{DCT.subject}> " \
           "<https://kg.example/id/theme/mine> ." in nt
    store = graph.model_store(model)  # what the page and the analytics read: the same concepts
    assert len(list(store.quads_for_pattern(None, None, None))) > 0


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def test_adopt_gives_the_concepts_with_the_ontology(fresh):
    text = "@book{a,\n  title = {T},\n  keywords = {Philosophy/Ethics, {\\'E}thique du care},\n}\n"
    from kg.core.graph import own_concepts

    extra = own_concepts(fresh.adopt(text))
    assert b"philosophy-ethics" in extra and "Éthique du care".encode() in extra
    import pyoxigraph as ox
    assert len(list(ox.parse(extra, format=ox.RdfFormat.TURTLE))) > 5
    from kg.core.bib import parse
    from kg.core.model import build_model
    model = build_model(parse(text), fresh)  # written once, with the ontology
    assert "philosophy-ethics" in model.records[0].themes and model.records[0].concepts == []


def test_build_themes_strict_option(tmp_path, ontology_path):
    bib = tmp_path / "lib.bib"
    bib.write_text("@book{a, author={X, Y}, title={T}, date={2001}, keywords={mine, "
                   "Surveillance}}\n", encoding="utf-8")
    opts = ["--ontology", str(ontology_path), "--out", str(tmp_path / "out")]
    r = CliRunner().invoke(main, ["build", str(bib), "--themes", "strict", *opts])
    assert r.exit_code == 0, r.output
    assert "warning: unknown theme keyword 'mine'" in r.output
    r = CliRunner().invoke(main, ["build", str(bib), *opts])
    assert r.exit_code == 0 and "keyword" not in r.output, r.output


def test_an_approximate_date_is_not_made_exact(model_of):
    """'~' in a date is EDTF's "approximate", not LaTeX's unbreakable space."""
    model = model_of("@book{a, author={X, Y}, title={T}, date={1984~}, origdate={2004-06~}}\n")
    assert model.records[0].get("date") == "1984~" and model.problems == []
    nt = graph.to_ntriples(model)
    assert '"1984~" .' in nt and "gYear>" not in nt


# ------------------------------------------------------------- part 4: real-world libraries

from pathlib import Path  # noqa: E402

OWNLIB = Path(__file__).resolve().parents[1] / "data" / "ownlib"
#: the works each library's keywords tag (`kg theme KEYWORD`: the theme and its narrower ones)
THEMES = {
    "betterbibtex.bib": {
        "secondary": {"vandijkNetworkSociety2012", "zuboffBigOtherSurveillance2015",
                      "Smith(2004)Chapter", "uncertainBook"},
        "network society": {"vandijkNetworkSociety2012"},
        "Sociology": {"vandijkNetworkSociety2012", "zuboffBigOtherSurveillance2015", "blogPost"},
        "Platforms": {"zuboffBigOtherSurveillance2015"},
        "grey literature": {"agencyReport"},
        "Survaillance": {"vandijkNetworkSociety2012"},  # a near miss: the library's own
        "surveillance": {"zuboffBigOtherSurveillance2015"},  # the shipped theme
    },
    "jabref.bib": {
        "Technique": {"Ellul1954", "Winner1980"},
        "Politique": {"Winner1980"},
        "philosophie de la technique": {"Ellul1954"},
        "logiciel": {"Gamma(1994)"},
        "forums": {"ForumThread"},
        "technique-politique": {"Winner1980"},  # a shipped theme, by its label
    },
}


@pytest.fixture
def own_build(tmp_path, ontology_path):
    """own_build(name) -> (bib, options, build output): a copy of a library of
    tests/data/ownlib built with the CLI (the build appends the library's own concepts to the
    ontology's bytes, Thesaurus.adopt: the read model knows them)."""

    def make(name: str, adopt: bool = True):
        bib = tmp_path / name
        bib.write_bytes((OWNLIB / name).read_bytes())
        opts = ["--ontology", str(ontology_path), "--out", str(tmp_path / f"out-{Path(name).stem}")]
        r = CliRunner().invoke(main, ["build", str(bib), *opts])
        return bib, ["--bib", str(bib), *opts], r

    return make


@pytest.mark.parametrize("name", sorted(THEMES))
def test_an_own_library_builds_with_warnings_only(own_build, name):
    bib, opts, r = own_build(name)
    assert r.exit_code == 0, r.output
    assert " 0 error(s)" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("name", sorted(THEMES))
def test_an_own_library_loses_no_field_in_the_export(own_build, name):
    from kg.core.bib import load

    bib, opts, r = own_build(name)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["export", "--format", "bibtex", *opts])
    assert r.exit_code == 0, r.output
    back = {e.key: e for e in parse(r.output, "export.bib").entries}
    original = load(bib).entries
    assert set(back) == {e.key for e in original}
    for e in original:
        assert back[e.key].raw_type.lower() == e.raw_type.lower()
        for name_, value in e.fields.items():
            assert back[e.key].fields.get(name_) == value, (e.key, name_)
        assert set(back[e.key].fields) == set(e.fields), e.key


@pytest.mark.parametrize("name", sorted(THEMES))
def test_an_own_library_s_keywords_are_themes_in_the_graph(own_build, name):
    """In the store (SPARQL, the page, the analytics): each keyword is a skos:Concept that
    tags its works, with its broader concepts."""
    from kg.builder.triplestore import open_store
    from kg.core.latex import slug

    bib, opts, r = own_build(name)
    assert r.exit_code == 0, r.output
    store = open_store(Path(opts[-1]))
    for keyword, keys in THEMES[name].items():
        rows = store.query(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX dcterms: <http://purl.org/dc/terms/> "
            "SELECT DISTINCT ?key WHERE { ?t a skos:Concept . ?sub skos:broader* ?t . "
            "?w dcterms:subject ?sub ; dcterms:identifier ?key . "
            f"FILTER(?t = <https://kg.example/id/theme/{slug(keyword)}> || "
            f"EXISTS {{ ?t skos:prefLabel ?l FILTER(LCASE(STR(?l)) = LCASE({keyword!r})) }}) }}"
            .replace("'", '"'))
        assert {row["key"].value for row in rows} == keys, keyword


@pytest.mark.parametrize("name", sorted(THEMES))
def test_an_own_library_s_keywords_in_kg_themes_and_kg_theme(own_build, name):
    bib, opts, r = own_build(name, adopt=True)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["themes", "--format", "json", *opts])
    assert r.exit_code == 0, r.output
    import json
    listed = {t["label"].lower() for t in json.loads(r.output)}
    for keyword, keys in THEMES[name].items():
        if "-" not in keyword:
            assert keyword.lower() in listed, keyword
        r = CliRunner().invoke(main, ["theme", keyword, "--format", "json", *opts])
        assert r.exit_code == 0, r.output
        works = {w["key"] for w in json.loads(r.output)["works"]}
        assert works == keys, keyword


def test_many_distinct_keywords_stay_linear(fresh):
    """Suggestions are looked for among the ontology's names only (not the library's own ones
    made so far), by length and letters first: 5,000 distinct keywords in well under a
    second or two, not minutes."""
    import time

    t = time.perf_counter()
    for i in range(5000):
        fresh.keyword(f"keyword number {i}")
    assert len(fresh) > 5000
    assert time.perf_counter() - t < 10
    assert fresh.suggest("survaillance")[0].id == "surveillance"


def test_check_themes_strict_option(tmp_path, ontology_path):
    bib = tmp_path / "lib.bib"
    bib.write_text("@book{a, author={X, Y}, title={T}, date={2001}, keywords={mine}}\n",
                   encoding="utf-8")
    opts = [str(bib), "--ontology", str(ontology_path), "--no-shacl", "--out", str(tmp_path / "o")]
    r = CliRunner().invoke(main, ["check", "--themes", "strict", *opts])
    assert r.exit_code == 0 and "unknown theme keyword 'mine'" in r.output, r.output
    r = CliRunner().invoke(main, ["check", *opts])
    assert r.exit_code == 0 and "keyword" not in r.output, r.output
