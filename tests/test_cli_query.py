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

ROOT = Path(__file__).resolve().parent.parent


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
