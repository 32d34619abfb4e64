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

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
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
