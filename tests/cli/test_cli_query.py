"""kg themes / theme / thinker / work / quotes / claims / search / query through the CLI."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(shipped_corpus):
    return shipped_corpus.opts()


def kg(built, *args):
    r = CliRunner().invoke(main, [*args, *built])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


COMMANDS = [["themes"], ["theme", "surveillance"], ["thinker", "ellul"], ["work", "ellul1988"],
            ["quotes"], ["quotes", "--thinker", "ellul"], ["claims", "--status", "contested"],
            ["claims", "--theme", "surveillance"], ["search", "surveillance"],
            ["query", "works-per-theme"], ["query", "--list"]]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_formats(built, args, fmt):
    r = kg(built, *args, "--format", fmt)
    assert r.exit_code == 0, r.output
    if fmt == "json":
        json.loads(r.output)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.output)))
        assert rows and rows[0] and len(rows) > 1
    elif fmt == "markdown" and args[0] == "quotes":  # the quote bank (issue 6)
        assert "\n> " in "\n" + r.output and "@{" in r.output
    elif fmt == "markdown":
        assert "|" in r.output or "- **" in r.output


def test_theme_table_names_thinkers(built):
    r = kg(built, "theme", "surveillance")
    assert r.exit_code == 0 and "La Quadrature du Net" in r.output and "Works" in r.output


def test_theme_lang_en(built):
    r = kg(built, "themes", "--lang", "en")
    assert "Democracy and freedoms" in r.output


def test_unknown_theme_message(built):
    r = kg(built, "theme", "survelliance")
    assert r.exit_code != 0 and "did you mean" in r.output and "Traceback" not in r.output


def test_query_json_is_sparql_results(built):
    r = kg(built, "query", "theme-thinkers", "--param", "theme=surveillance", "--format", "json")
    d = json.loads(r.output)
    assert d["head"]["vars"][:2] == ["thinker", "name"]
    b = d["results"]["bindings"][0]
    assert b["thinker"]["type"] == "uri" and b["name"]["type"] == "literal"


def test_query_inline_file_and_ask(built, tmp_path):
    q = tmp_path / "q.rq"
    q.write_text("PREFIX kgo: <https://kg.example/ontology#>\n"
                 "SELECT ?w WHERE { ?w a kgo:Work } LIMIT 3\n", encoding="utf-8")
    r = kg(built, "query", "-f", str(q), "--format", "csv")
    assert r.exit_code == 0 and r.output.startswith("w\n") and len(r.output.splitlines()) == 4
    r = kg(built, "query", "ASK { ?s ?p ?o }", "--format", "json")
    assert json.loads(r.output)["boolean"] is True


def test_query_param_is_a_value(built):
    r = kg(built, "query", "SELECT ?x WHERE { }", "--param", 'x="}} ; DROP ALL #',
           "--format", "json")
    d = json.loads(r.output)
    assert d["results"]["bindings"][0]["x"]["value"] == '"}} ; DROP ALL #'


def test_update_refused(built):
    r = kg(built, "query", "DELETE WHERE { ?s ?p ?o }")
    assert r.exit_code != 0 and "read-only" in r.output


HOSTILE = ['"', "'", "{}", "}} ; DROP ALL", "#", "a\nb", "x" * 20000, "\udcff", "",
           "?s ?p ?o", "\\"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("cmd", [["theme"], ["thinker"], ["work"], ["search"],
                                 ["quotes", "--theme"], ["quotes", "--thinker"],
                                 ["claims", "--theme"], ["query", "theme-works", "--param"],
                                 ["query"]])
def test_hostile_arguments(built, cmd, value):
    arg = f"theme={value}" if cmd[-1] == "--param" else value
    r = CliRunner().invoke(main, [*cmd, arg, *built])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    if r.exit_code:
        assert r.output.strip().startswith("Error:") or "Usage" in r.output


def test_invalid_utf8_from_the_shell(built):
    env = {"PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-m", "kg.cli", "theme", b"d\xe9mocratie", *built],
                       capture_output=True, env=env)
    assert p.returncode != 0
    assert b"UTF-8" in p.stderr and b"Traceback" not in p.stderr


def test_query_path_imports_are_light(built):
    code = ("import sys, kg.cli; from click.testing import CliRunner; "
            f"CliRunner().invoke(kg.cli.main, ['theme', 'surveillance', *{built!r}]); "
            "heavy = [m for m in ('rdflib', 'bibtexparser', 'networkx', 'pyvis', 'citeproc') "
            "if m in sys.modules]; print(heavy)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert p.stdout.strip().splitlines()[-1] == "[]", p.stdout + p.stderr


def test_a_failed_rebuild_answers_from_the_previous_graph(tmp_path, ontology_path):
    """One slip in the .bib never stops the questions: the query command answers from the
    last good graph and says once, on stderr, why."""
    from click.testing import CliRunner

    from kg.cli import main

    bib = tmp_path / "lib.bib"
    bib.write_text("@book{a, author = {Ellul, Jacques}, title = {Le Système technicien},\n"
                   "  date = {1977}, keywords = {surveillance}}\n", encoding="utf-8")
    opts = ["--bib", str(bib), "--ontology", str(ontology_path), "--out", str(tmp_path / "o")]
    assert CliRunner().invoke(main, ["build", str(bib), "--ontology", str(ontology_path),
                                     "-o", str(tmp_path / "o")]).exit_code == 0
    bib.write_text("nothing a bibliography holds\n", encoding="utf-8")  # no entry: refused
    r = CliRunner().invoke(main, ["search", "technicien", *opts])
    assert r.exit_code == 0, r.output
    assert "Le Système technicien" in r.output
    said = [line for line in r.output.splitlines() if "previous build" in line]
    assert len(said) == 1 and "no entries could be read" in said[0], r.output


# --- thinkers and other authors; English descriptions; corrections; uncertain years -----------

def _json(built, *args):
    r = kg(built, *args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _thinker_keys(corpus) -> tuple[set[str], set[str]]:
    """The names of the people with a @thinker entry or theme tags, and of the speakers of
    the corpus (THINKER_RULE), read from its model."""
    from kg.builder.inputs import load_model

    model = load_model(corpus.bib, corpus.onto)
    entries = {p.name.display for p in model.persons.values() if p.entry or p.themes}
    speakers = {model.persons[c.slug].name.display for r in model.records for c in r.people
                if c.role == "speaker"}
    return entries, speakers


def test_theme_separates_thinkers_from_other_authors(built, shipped_corpus):
    """`kg theme surveillance` lists as thinkers only those with a @thinker entry, a quote or
    a theme tag: the journalists who only wrote an article are other authors."""
    d = _json(built, "theme", "surveillance")
    thinkers = {r["name"] for r in d["thinkers"]}
    others = {r["name"] for r in d["contributors"]}
    assert thinkers and others and not thinkers & others
    assert {"Fabien Binacchi", "Thomas Siniecki", "Caroline Benarrosh"} <= others
    entries, speakers = _thinker_keys(shipped_corpus)
    assert thinkers <= entries | speakers
    assert not others & (entries | speakers)
    assert d["counts"]["thinkers"] == len(thinkers)
    assert d["counts"]["contributors"] == len(others)
    table = kg(built, "theme", "surveillance", "-n", "0").output
    assert "Other authors (" in table
    assert table.index("Fabien Binacchi") > table.index("Other authors (")


def test_thinker_finds_other_authors_and_says_which(built):
    other = _json(built, "thinker", "Fabien Binacchi")
    assert other["thinker"]["kind"] == "contributor" and other["works"]
    assert _json(built, "thinker", "ellul")["thinker"]["kind"] == "thinker"
    assert "another author" in kg(built, "thinker", "Fabien Binacchi").output
    assert "is: a thinker" in kg(built, "thinker", "ellul").output


def test_build_summary_counts_thinkers_and_other_authors(shipped_corpus, tmp_path):
    r = CliRunner().invoke(main, ["build", str(shipped_corpus.bib), "--ontology",
                                  str(shipped_corpus.onto), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    import re

    m = re.search(r"(\d+) thinkers, (\d+) other authors", r.output)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0


def test_lang_en_chooses_the_english_description(built, shipped_corpus):
    from kg.core.bib import load

    ellul = next(e for e in load(shipped_corpus.bib).entries
                 if e.entry_type == "thinker" and "Ellul" in e.fields.get("name", ""))
    english = " ".join(ellul.fields["description_en"].strip("{}").split())
    fr = _json(built, "thinker", "ellul")["thinker"]["description"]
    en = _json(built, "thinker", "ellul", "--lang", "en")["thinker"]["description"]
    assert " ".join(en.split()) == english and fr != en
    # a thinker without an English description keeps the one there is
    assert "descriptionEn" not in _json(built, "thinker", "ellul")["thinker"]


def test_contested_claims_show_the_correction_beside_the_wording(built):
    rows = _json(built, "claims", "--status", "contested")
    assert rows and all(r["correction"] for r in rows)
    metz = next(r for r in rows if r["key"] == "c-metz-stade")
    assert "2016" in metz["statement"] and "janvier 2020" in metz["correction"]
    assert metz["note"].startswith("Fait correct : " + metz["correction"][:-1])
    header = kg(built, "claims", "--status", "contested").output.splitlines()[0].split()
    assert header[:3] == ["key", "statement", "correction"]


def test_years_keep_the_uncertainty_of_edtf_dates(built):
    works = {w["key"]: w["year"] for w in _json(built, "thinker", "ellul")["works"]}
    assert works["ellul1965"] == "1965?" and works["ellul1988"] == 1988
    assert _json(built, "work", "conference-data-scientist")["work"]["year"] == "2022–"
    table = kg(built, "thinker", "ellul").output
    assert "1965?" in table
    theme = _json(built, "theme", "surveillance", "-n", "0")
    shown = {w["key"]: w["year"] for w in theme["works"]}
    assert shown["conference-data-scientist"] == "2022–"
