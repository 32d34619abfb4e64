"""`kg check` through the CLI: output format, JSON, exit codes 0/1/2."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<key>[^:]+): (?P<level>error|warning): .+")


def run(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_clean_exit_0(tmp_path, ontology_path):
    bib = tmp_path / "ok.bib"
    bib.write_text("@book{ellul1988,\n  author = {Ellul, Jacques},\n  title = {Le bluff "
                   "technologique},\n  date = {1988},\n  keywords = {surveillance},\n}\n",
                   encoding="utf-8")
    r = run(str(bib), "--ontology", str(ontology_path), "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    # Ellul has no @thinker entry here: another author (kg.core.model.THINKER_RULE)
    assert r.output.splitlines()[-1].startswith("Clean: 1 works, 0 thinkers, 1 other authors")
    assert "conforms" in r.output
    assert not (tmp_path / "out").exists()  # check writes nothing


def test_errors_exit_1_and_line_format(tmp_path, ontology_path):
    bib = tmp_path / "bad.bib"
    bib.write_text("@book{a,\n  author = {X, Y},\n  title = {T},\n  date = {1988-13},\n}\n"
                   "@book{a,\n  title = {dup},\n}\n", encoding="utf-8")
    r = run(str(bib), "--ontology", str(ontology_path))
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if LINE.match(ln)]
    assert (f"{bib}:4: a: warning: malformed date '1988-13' in date: month 13 out of range "
            "(kept as written, not typed as a date): correct it from the source") in lines
    assert any(ln.startswith(f"{bib}:6: a: error: duplicate key 'a'") for ln in lines)
    assert "Errors (1):" in r.output and "Counts:" in r.output


def test_json(tmp_path, ontology_path):
    bib = tmp_path / "bad.bib"
    bib.write_text("@book{a, author={X, Y}, title={T}, date={2000}, doi={nope}, "
                   "xdata={gone}}\n", encoding="utf-8")
    r = run(str(bib), "--ontology", str(ontology_path), "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["problems"] == [
        {"file": str(bib), "line": 1, "key": "a", "level": "error",
         "message": "xdata 'gone' is not a key of the bibliography"},
        {"file": str(bib), "line": 1, "key": "a", "level": "warning",
         "message": "malformed DOI 'nope': a DOI looks like 10.1234/abc or 10/abc (kept as "
                    "written)"}]
    assert data["counts"]["errors"] == 1 and data["exit_code"] == 1
    assert data["entries"]["works"] == 1


def test_unreadable_exit_2(tmp_path):
    r = run(str(tmp_path / "missing.bib"))
    assert r.exit_code == 2 and r.output.startswith("Error: ") and "not found" in r.output
    binary = tmp_path / "x.bib"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    r = run(str(binary))
    assert r.exit_code == 2 and "binary file" in r.output


def test_shipped_corpus_uses_the_built_store(tmp_path, ontology_path):
    from kg.api import build

    bib = tmp_path / "references.bib"
    shutil.copyfile(ROOT / "references.bib", bib)
    build(bib, ontology_path, tmp_path / "out")
    r = run(str(bib), "--ontology", str(ontology_path), "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "0 error(s)" in r.output
    r2 = run(str(bib), "--ontology", str(ontology_path), "--no-shacl")
    assert r2.exit_code == 0 and "SHACL" not in r2.output


def test_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Checking", 1)[1].split("\n## ", 1)[0].replace("\n", " ")
    for needle in ("kg check", "--format json", "Exit code", "**0**", "**1**", "**2**", "SHACL",
                   "shapes.ttl"):
        assert needle in section
