"""The Write commands through the CLI: export formats, cite, dossier."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_pandoc  # noqa: E402

from kg.cli import main

ROOT = Path(__file__).resolve().parents[2]

require_pandoc()


@pytest.fixture(scope="module")
def opts(shipped_corpus):
    return shipped_corpus.opts()


def kg(*args):
    r = CliRunner().invoke(main, list(args))
    return r


def test_cite(opts):
    r = kg("cite", "ellul1988@p.12", "--style", "apa", *opts)
    assert r.exit_code == 0, r.output
    assert r.output == "(Ellul, 1988, p. 12)\n\nEllul, J. (1988). Le bluff technologique. " \
                       "Hachette.\n"


def test_cite_unknown_key(opts):
    r = kg("cite", "nope2000", *opts)
    assert r.exit_code == 1 and "Error: no work with key nope2000" in r.output


def test_export_formats(opts, tmp_path):
    r = kg("export", "--format", "csl-json", "--thinker", "Illich, Ivan", *opts)
    assert r.exit_code == 0, r.output
    assert [it["id"] for it in json.loads(r.output)] == ["illich1973"]
    r = kg("export", "--format", "ris", "--key", "illich1973", *opts)
    assert r.output.startswith("TY  - BOOK\nID  - illich1973\n")
    dest = tmp_path / "b.html"
    r = kg("export", "--format", "html", "--style", "chicago", "--theme", "convivialite",
           "--output", str(dest), *opts)
    assert r.exit_code == 0 and "Illich, Ivan" in dest.read_text("utf-8")
    r = kg("export", "--format", "text", "--style", "iso690", "--key", "ellul1988",
           "--locale", "en-US", *opts)
    assert r.output.startswith("ELLUL, Jacques, 1988")


def test_export_bibtex_key_unchanged(opts):
    r = kg("export", "--key", "ellul1988", *opts)
    assert r.output.startswith("@book{ellul1988,\n  author = {Ellul, Jacques},")


def test_export_errors(opts):
    r = kg("export", "--theme", "nope-nope", *opts)
    assert r.exit_code == 1 and r.output.startswith("Error: no theme matches 'nope-nope'")
    r = kg("export", "--format", "text", "--style", "harvard", *opts)
    assert r.exit_code == 1 and "no style 'harvard'" in r.output
    r = kg("export", "--query", "SELECT ?x WHERE { ?x a kgo:Quote }", *opts)
    assert r.exit_code == 1 and "not a work" in r.output
    assert "Traceback" not in r.output


def test_dossier(opts, tmp_path):
    r = kg("dossier", "Convivialité et outils", "-o", str(tmp_path / "d"), *opts)
    assert r.exit_code == 0, r.output
    assert "works" in r.output and (tmp_path / "d" / "dossier.html").is_file()


def test_quotes_bank_formats(opts):
    r = kg("quotes", "--theme", "non-neutralite-technique", "--format", "latex", *opts)
    assert r.exit_code == 0, r.output
    assert "\\begin{displayquote}[{Jacques Ellul, cité dans \\cite{conference-data-scientist}" \
           in r.output and "citation attribuée" in r.output
    for fmt in ("markdown", "pandoc"):
        r = kg("quotes", "--format", fmt, *opts)
        assert r.exit_code == 0, r.output
        assert "> --- Upton Sinclair [@{sinclair1935}; cité dans @{conference-data-scientist}]" \
            in r.output

