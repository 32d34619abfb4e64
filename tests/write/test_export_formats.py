"""`kg export` formats with their real consumers: pandoc --citeproc, bibtexparser, pybtex,
biber --tool.  Tests needing pandoc or biber FAIL in CI (CI=true) when it is missing."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from kg.api import open_graph
from kg.write import cite as kc
from kg.write import export as ex

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
CI = os.environ.get("CI") == "true"


def need(ok: bool, what: str) -> None:
    if not ok:
        if CI:
            pytest.fail(f"{what} is required in CI")
        pytest.skip(f"{what} not installed")


def have_pandoc() -> bool:
    try:
        kc.pandoc_path()
        return True
    except kc.PandocError:
        return False


@pytest.fixture(scope="session")
def corpus(shipped_corpus):
    """The shipped corpus built once; (out folder, bib, ontology)."""
    return shipped_corpus.out, shipped_corpus.bib, shipped_corpus.onto


def run(corpus, fmt, sel=None, **kw):
    out, bib, onto = corpus
    return ex.run(fmt, sel or ex.Selection(), open_graph(out, bib, onto), bib=bib, ontology=onto,
                  **kw)


def test_csl_json_items(corpus):
    items = json.loads(run(corpus, "csl-json", ex.Selection(keys=["orwell1949",
                                                                   "gomezuribe2015"])))
    orwell, netflix = items
    assert orwell["author"] == [{"family": "Orwell", "given": "George"}]
    assert orwell["translator"] == [{"family": "Audiberti", "given": "Amélie"}]
    assert orwell["issued"] == {"date-parts": [[1950]]}
    assert orwell["original-date"] == {"date-parts": [[1949]]}
    assert orwell["original-title"] == "Nineteen Eighty-Four"
    assert orwell["language"] == "fr" and netflix["language"] == "en"
    assert netflix["type"] == "article-journal"
    assert netflix["issued"] == {"date-parts": [[2015, 12]]}
    assert netflix["DOI"] == "10.1145/2843948" and netflix["issue"] == "4"


def test_every_item_has_language_and_honest_dates(corpus):
    items = json.loads(run(corpus, "csl-json"))
    assert all(it["language"] for it in items)
    by = {it["id"]: it for it in items}
    assert by["conference-data-scientist"]["issued"] == {"literal": "2022 ou après"}
    assert by["ellul1965"]["issued"] == {"date-parts": [[1965]], "circa": True}
    assert not any("issued" in it for k, it in by.items() if k == "pestre-conferences")


@pytest.mark.parametrize("value, want", [
    ("1988", {"date-parts": [[1988]]}), ("2015-12", {"date-parts": [[2015, 12]]}),
    ("2020-04-21", {"date-parts": [[2020, 4, 21]]}),
    ("1932?", {"date-parts": [[1932]], "circa": True}),
    ("1972~", {"date-parts": [[1972]], "circa": True}),
    ("2022/", {"literal": "2022 ou après"}), ("/1950", {"literal": "1950 ou avant"}),
    ("1750/2010", {"date-parts": [[1750], [2010]]}),
    ("2019-02-19/2019-02-20", {"date-parts": [[2019, 2, 19], [2019, 2, 20]]}),
    ("vers 1900", {"literal": "vers 1900"}),
])
def test_csl_date(value, want):
    assert ex.csl_date(value) == want


def test_names():
    from kg.core.model import Name

    assert ex.csl_name(Name("Ludwig", "van Beethoven")) == {
        "non-dropping-particle": "van", "family": "Beethoven", "given": "Ludwig"}
    assert ex.csl_name(Name("", "Pièces et main d'œuvre", organization=True)) == {
        "literal": "Pièces et main d'œuvre"}
    assert ex.csl_name(Name("Martin", "Luther King", "Jr.")) == {
        "family": "Luther King", "given": "Martin", "suffix": "Jr."}


def test_selection(corpus):
    model = ex.load(corpus[1], corpus[2])
    by_theme = ex.select(model, ex.Selection(themes=["Convivialité et outils"]))
    assert "illich1973" in by_theme
    assert ex.select(model, ex.Selection(themes=["convivialite"])) == by_theme
    ellul = ex.select(model, ex.Selection(thinkers=["Jacques Ellul"]))
    assert {"ellul1988", "ellul1965"} <= set(ellul)
    assert ex.select(model, ex.Selection(thinkers=["Ellul, Jacques"])) == ellul
    assert ex.select(model, ex.Selection(keys=["orwell1949", "ellul1988"])) == [
        k for k in ex.select(model, ex.Selection()) if k in ("orwell1949", "ellul1988")]
    from kg.core.errors import NotFoundError
    with pytest.raises(NotFoundError, match="no theme matches 'convivialte'; did you mean "
                                            "'convivialite'"):
        ex.select(model, ex.Selection(themes=["convivialte"]))
    with pytest.raises(NotFoundError, match="no thinker matches 'Nobody'"):
        ex.select(model, ex.Selection(thinkers=["Nobody"]))


def test_query_selection(corpus):
    from kg.core.errors import QueryError

    got = run(corpus, "csl-json", ex.Selection(
        queries=['SELECT ?w WHERE { ?w a kgo:Work ; dcterms:language "en" }']))
    langs = {it["language"] for it in json.loads(got)}
    assert langs == {"en"}
    with pytest.raises(QueryError, match="not valid SPARQL"):
        run(corpus, "ris", ex.Selection(queries=["SELECT WHERE {"]))
    with pytest.raises(QueryError, match="not a work"):
        run(corpus, "ris", ex.Selection(queries=["SELECT ?q WHERE { ?q a kgo:Quote }"]))


def test_bibtex_selection_is_the_entries_as_written(corpus):
    import bibtexparser

    text = run(corpus, "bibtex", ex.Selection(themes=["convivialite"]))
    original = {e.key: e for e in bibtexparser.parse_file(str(corpus[1])).entries}
    back = bibtexparser.parse_string(text)
    assert not back.failed_blocks
    assert back.entries
    for e in back.entries:
        o = original[e.key]
        assert e.entry_type == o.entry_type
        assert {f.key: f.value for f in e.fields} == {f.key: f.value for f in o.fields}


def test_bibtex_parses_with_pybtex(corpus):
    import bibtexparser
    from pybtex.database import parse_string

    text = run(corpus, "bibtex", ex.Selection(themes=["surveillance"]))
    db = parse_string(text, "bibtex")
    lib = bibtexparser.parse_string(text)
    assert list(db.entries) == [e.key for e in lib.entries]
    for e in lib.entries:
        pe = db.entries[e.key]
        names = {f.key.lower() for f in e.fields}
        assert {k.lower() for k in pe.fields} | {r.lower() for r in pe.persons} == names


def test_biber_accepts_the_export(corpus, tmp_path):
    need(shutil.which("biber") is not None, "biber")
    (tmp_path / "works.bib").write_text(run(corpus, "bibtex", ex.Selection(
        themes=["surveillance", "convivialite"])), encoding="utf-8")
    p = subprocess.run(["biber", "--tool", "--validate-datamodel", "works.bib"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "ERROR" not in p.stdout + p.stderr


def test_ris(corpus):
    text = run(corpus, "ris", ex.Selection(keys=["orwell1949", "gomezuribe2015",
                                                 "conference-data-scientist"]))
    records = sorted(text.strip().split("\n\n"), key=lambda r: ["orwell1949", "gomezuribe2015",
                     "conference-data-scientist"].index(r.split("ID  - ")[1].split("\n")[0]))
    assert len(records) == 3 and all(r.rstrip().endswith("ER  -") for r in records)
    assert "TY  - BOOK\nID  - orwell1949\nAU  - Orwell, George\nA4  - Audiberti, Amélie\n" \
           "TI  - 1984\nPY  - 1950\n" in records[0]
    assert "DO  - 10.1145/2843948" in records[1] and "TY  - JOUR" in records[1]
    assert "DA  - ///2022 ou après" in records[2]


@pytest.mark.parametrize("style", ["apa", "chicago", "mla", "iso690"])
def test_pandoc_renders_csl_json_and_bib_without_warnings(corpus, tmp_path, style):
    need(have_pandoc(), "pandoc")
    (tmp_path / "w.json").write_text(run(corpus, "csl-json"), encoding="utf-8")
    (tmp_path / "w.bib").write_text(run(corpus, "bibtex", ex.Selection(
        queries=["SELECT ?w WHERE { ?w a kgo:Work }"])), encoding="utf-8")
    doc = '---\nnocite: "@*"\n---\n\n[@ellul1988, p. 12; @orwell1949]\n'
    outs = {}
    for bib in ("w.json", "w.bib"):
        out, err = kc.run_pandoc(["--citeproc", f"--bibliography={bib}",
                                  f"--csl={kc.style_path(style)}", "-M", "lang=fr-FR",
                                  "-t", "plain", "--wrap=none"], doc, cwd=tmp_path)
        assert err == "", err
        outs[bib] = out
    assert "Ellul" in outs["w.json"] and "Orwell" in outs["w.json"]
    n_json = outs["w.json"].count("\n\n")
    assert abs(outs["w.bib"].count("\n\n") - n_json) <= 1  # same number of entries


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_formatted_bibliography(corpus, fmt):
    need(have_pandoc(), "pandoc")
    got = run(corpus, fmt, ex.Selection(keys=["ellul1988", "illich1973"]), style="iso690")
    assert got.index("ELLUL") < got.index("ILLICH")


SPECIAL = r"""@book{special2020,
  author = {Dupont, Éloïse and {Barnes \& Noble}},
  title = {Tools \& <Rules>: 100\% «~quoted~» "straight" été},
  date = {2020},
  publisher = {A \& B},
  langid = {french},
}
"""


@pytest.mark.parametrize("fmt, want", [
    ("text", "Tools & <Rules>: 100% "), ("html", "Tools &amp; &lt;Rules&gt;: 100% "),
    ("markdown", r"Tools & \<Rules\>: 100% "),
])
def test_special_characters(tmp_path, fmt, want):
    need(have_pandoc(), "pandoc")
    bib = tmp_path / "references.bib"
    bib.write_text(SPECIAL, encoding="utf-8")
    kw = {"store": open_graph(tmp_path / "out", bib, ROOT / "ontology.ttl"), "bib": bib,
          "ontology": ROOT / "ontology.ttl"}
    got = ex.run(fmt, ex.Selection(), style="apa", **kw)
    assert want in got and "été" in got and "Dupont, É." in got
    item = json.loads(ex.run("csl-json", ex.Selection(), **kw))[0]
    assert item["title"].startswith("Tools & <Rules>: 100% «")
    assert item["author"][1] == {"literal": "Barnes & Noble"}
    assert ex.run("bibtex", ex.Selection(), **kw) == SPECIAL
    assert "TI  - Tools & <Rules>: 100%" in ex.run("ris", ex.Selection(), **kw)


# --- Nothing lost in structured exports (issue 17) -------------------------------------------

FULL = r"""@book{steffen2004,
  author       = {Steffen, Will and Sanderson, Angelina and others},
  title        = {Global Change and the Earth System},
  subtitle     = {A Planet Under Pressure},
  shorttitle   = {Global Change},
  date         = {2004},
  publisher    = {Springer},
  langid       = {english},
  abstract     = {An abstract, as Better BibTeX writes it.},
  keywords     = {environnement, Sociology/Media, not a theme at all},
  annotation   = {My reading note.},
}
@article{netflix2015,
  author       = {Gomez-Uribe, Carlos A. and Hunt, Neil},
  title        = {The Netflix Recommender System},
  journaltitle = {ACM Transactions on Management Information Systems},
  shortjournal = {ACM TMIS},
  date         = {2015-12},
  volume       = {6},
  number       = {4},
  pages        = {13:1--13:19},
  langid       = {english},
}
@book{illich1973,
  author       = {Illich, Ivan},
  editor       = {Giard, Luce},
  title        = {La Convivialité},
  origtitle    = {Tools for Conviviality},
  origdate     = {1973},
  origlanguage = {english},
  date         = {1973},
  publisher    = {Seuil},
  langid       = {french},
}
@collection{pestre2014,
  editor       = {Pestre, Dominique and others},
  title        = {Le gouvernement des technosciences},
  date         = {2014},
  publisher    = {La Découverte},
  langid       = {french},
}
"""


def test_csl_json_keeps_others_original_language_abstract_short_forms_keywords(model_of):
    model = model_of(FULL)
    items = {it["id"]: it for it in ex.csl_items(model, ["steffen2004", "netflix2015",
                                                           "illich1973", "pestre2014"])}
    steffen = items["steffen2004"]
    assert steffen["author"] == [{"family": "Steffen", "given": "Will"},
                                 {"family": "Sanderson", "given": "Angelina"},
                                 {"literal": "others"}]
    assert items["pestre2014"]["editor"][-1] == {"literal": "others"}
    assert items["netflix2015"]["author"][-1] == {"family": "Hunt", "given": "Neil"}
    assert steffen["abstract"] == "An abstract, as Better BibTeX writes it."
    assert steffen["title-short"] == "Global Change"
    assert steffen["keyword"] == "environnement, Sociology/Media, not a theme at all"
    assert items["netflix2015"]["container-title-short"] == "ACM TMIS"
    illich = items["illich1973"]
    assert illich["custom"] == {"original-language": "en"}
    assert illich["original-title"] == "Tools for Conviviality"


def test_csl_json_is_valid_against_the_csl_schema(corpus, model_of):
    try:
        import jsonschema
    except ImportError:
        need(False, "jsonschema (pip install -e '.[test]')")
    schema = json.loads((ROOT / "tests/data/csl-schema/csl-data.json").read_text())
    jsonschema.validate(json.loads(run(corpus, "csl-json")), schema)
    model = model_of(FULL)
    jsonschema.validate(ex.csl_items(model, ["steffen2004", "netflix2015", "illich1973",
                                             "pestre2014"]), schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema is strict: it would see a slip
        jsonschema.validate([{"id": "x", "type": "book", "original-language": "en"}], schema)


def test_pandoc_prints_others_as_et_al(model_of, tmp_path):
    need(have_pandoc(), "pandoc")
    (tmp_path / "b.json").write_text(ex.csl_json(model_of(FULL), ["steffen2004"]),
                                     encoding="utf-8")
    out, err = kc.run_pandoc(["--citeproc", "--bibliography=b.json", f"--csl={kc.style_path('apa')}",
                              "-t", "plain"], "[@steffen2004]\n", cwd=tmp_path)
    assert err == "" and "et al." in out and "others" not in out


#: Zotero's RIS translator (zotero/translators RIS.js, 2023-07-28), the part of its import
#: tables these records use: tag -> Zotero field, by item type (importTypeMap: BOOK and EDBOOK
#: -> book, JOUR -> journalArticle); EDBOOK's AU are turned into A3 first (EndNoteCleaner).
ZOTERO_RIS = {
    "book": {"AU": "creators/author", "A2": "creators/seriesEditor", "A3": "creators/editor",
             "A4": "creators/translator", "TI": "title", "ST": "shortTitle", "T2": "series",
             "AB": "abstractNote", "KW": "tags", "N1": "notes", "M2": "extra", "LA": "language",
             "PB": "publisher", "ID": "__ignore"},
    "journalArticle": {"AU": "creators/author", "A2": "creators/editor", "TI": "title",
                       "T2": "publicationTitle", "J2": "journalAbbreviation", "M2": "extra",
                       "ID": "__ignore"},
}
ZOTERO_RIS_TYPE = {"BOOK": "book", "EDBOOK": "book", "JOUR": "journalArticle"}


def zotero_ris_import(record: dict) -> dict:
    """What Zotero's RIS import makes of one record parsed by rispy (raw tags)."""
    ty = ZOTERO_RIS_TYPE[record["TY"]]  # rispy gives TY as a string, other tags as lists
    tags = dict(record)
    if record["TY"] == "EDBOOK" and "AU" in tags:
        tags["A3"] = tags.pop("AU") + tags.get("A3", [])
    item: dict = {"itemType": ty, "creators": [], "tags": [], "notes": [], "extra": []}
    for tag, values in tags.items():
        field = ZOTERO_RIS[ty].get(tag)
        if tag == "TY" or field in (None, "__ignore"):
            continue
        for v in values:
            if field.startswith("creators/"):
                last, _, first = v.partition(", ")
                item["creators"].append((field.split("/")[1], last, first))
            elif field in ("tags", "notes", "extra"):
                item[field].append(v)
            else:
                item[field] = v
    return item


def ris_records(text: str) -> list[dict]:
    """RIS records parsed by rispy, every tag kept raw (tag -> list of values)."""
    try:
        import rispy
    except ImportError:
        need(False, "rispy (pip install -e '.[test]')")
    mapping = {t: t for t in {line[:2] for line in text.splitlines() if line[2:6] == "  - "}}
    return rispy.loads(text, mapping=mapping, list_tags=list(mapping))


def test_ris_read_as_zotero_endnote_and_citavi_read_it(model_of):
    model = model_of(FULL)
    text = ex.ris(model, ["steffen2004", "netflix2015", "illich1973", "pestre2014"])
    recs = {r["ID"][0]: r for r in ris_records(text)}
    assert set(recs) == {"steffen2004", "netflix2015", "illich1973", "pestre2014"}
    z = {k: zotero_ris_import(r) for k, r in recs.items()}
    # the citation key: ID for EndNote/Citavi (Zotero ignores it), Extra for Zotero
    assert all(f"Citation Key: {k}" in z[k]["extra"] for k in z)
    # "and others" survives as a last name
    assert z["steffen2004"]["creators"][-1] == ("author", "et al.", "")
    # the editor of a book is Zotero's editor, never its series editor
    assert ("editor", "Giard", "Luce") in z["illich1973"]["creators"]
    assert not any(c[0] == "seriesEditor" for item in z.values() for c in item["creators"])
    assert recs["pestre2014"]["TY"] == "EDBOOK"
    assert z["pestre2014"]["creators"] == [("editor", "Pestre", "Dominique"),
                                          ("editor", "et al.", "")]
    # original title, date and language as the CSL variables Zotero reads from Extra
    assert {"original-title: Tools for Conviviality", "original-date: 1973",
            "original-language: en"} <= set(z["illich1973"]["extra"])
    s = z["steffen2004"]
    assert s["abstractNote"] == "An abstract, as Better BibTeX writes it."
    assert s["shortTitle"] == "Global Change"
    # the annotation as Zotero RDF carries it, under a heading kg reads back, its HTML one
    # block a line, readable as text where it is shown as it is (rispy gives the lines after
    # N1 one by one; Zotero's RIS.js reads them as one note, tests/write/test_zotero.py)
    assert s["notes"] == ["<h2>kg \u00b7 annotation</h2>", "<p>My reading note.</p>"]
    assert s["tags"] == ["environnement", "Sociology/Media", "not a theme at all"]
    assert z["netflix2015"]["journalAbbreviation"] == "ACM TMIS"


def test_unknown_language_is_left_out(model_of):
    """A work with no langid or language has no language in any export (not "und", which
    Zotero would import as the language "und")."""
    from kg.write import zotero as zo

    model = model_of("@book{x, author = {A, B}, title = {Sans langue}, date = {2004}}\n"
                     "@book{y, title = {En français}, date = {2004}, langid = {french}}\n")
    x, y = (ex.csl_item(model, w) for w in model.of_kind("work"))
    assert "language" not in x and y["language"] == "fr"
    records = ex.ris(model, ["x", "y"]).split("ER  - ")
    assert "LA  -" not in records[0] and "LA  - fr" in records[1]
    assert zo.zotero_rdf(model, ["x", "y"]).count("<dc:language>") == 1


def test_quote_bank_locator_with_a_bracket_still_compiles():
    from pylatexenc.latexwalker import LatexMacroNode, LatexWalker

    quotes = [{"key": "q", "quote": "Texte.", "speaker": "Jacques Ellul", "source": "ellul1988",
               "locator": "f. 3] [verso", "status": "verbatim"},
              {"key": "q2", "quote": "Autre.", "speaker": "X", "citedin": "c",
               "locator": "n. [12]", "status": "attributed"}]
    tex = kc.quote_bank(quotes, "latex")
    found = []

    def walk(nodes):
        for n in nodes or []:
            if n is None:
                continue
            if isinstance(n, LatexMacroNode) and n.macroname == "cite":
                found.append([a.latex_verbatim() if a else None for a in n.nodeargd.argnlist])
            walk(getattr(n, "nodelist", None))
            if getattr(n, "nodeargd", None):
                walk([a for a in n.nodeargd.argnlist if a is not None])

    walk(LatexWalker(tex).get_latex_nodes()[0])
    # LaTeX reads each optional argument whole, and the key after it
    assert [c[1] for c in found] == ["[{f. 3] [verso}]", "[{n. [12]}]"]
    assert [c[3] for c in found] == ["{ellul1988}", "{c}"]
