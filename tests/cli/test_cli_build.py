"""`kg build` through click's CliRunner: output, summary, exit codes, no tracebacks, and the
previous out/ left untouched when a build fails."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from click.testing import CliRunner
from conftest import snapshot

from kg.builder.inputs import shipped
from kg.cli import main

BROKEN = "@book{a, title={A}}\n@book{b,\n  title={B}\n@book{c, title={C}}\n"
UNCLOSED = ("2: b: error: unclosed brace in @book entry (the entry is ignored; parsing resumed "
            "at the next '@'): close the brace")
SUMMARY = re.compile(r"Built (?P<out>.+)/ in \d+\.\ds: (?P<works>\d+) works, (?P<thinkers>\d+) "
                     r"thinkers, (?P<contributors>\d+) other authors, (?P<themes>\d+) themes, (?P<quotes>\d+) quotes, (?P<claims>\d+) "
                     r"claims \((?P<triples>\d+) triples\); (?P<errors>\d+) error\(s\), "
                     r"(?P<warnings>\d+) warning\(s\)\.")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def kg(runner, ontology_path, tmp_path):
    """kg(*args) -> click Result; --ontology is our private copy unless given."""

    def run(*args):
        args = [str(a) for a in args]
        if args[0] == "build" and "--ontology" not in args:
            args += ["--ontology", str(ontology_path)]
        return runner.invoke(main, args)

    return run


def assert_clean_failure(result, code=None):
    """Failed with an exit code and a message, not with a traceback."""
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


@pytest.fixture
def previous(kg, small_bib, tmp_path):
    """An out/ from a good build, and its snapshot."""
    out = tmp_path / "out"
    assert kg("build", small_bib, "-o", out).exit_code == 0
    return out, snapshot(out)


def test_build_writes_out_and_prints_a_summary(kg, small_bib, tmp_path, thesaurus):
    out = tmp_path / "out"
    result = kg("build", small_bib, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    for name in ("manifest.json", "graph.ttl", "graph.jsonld"):
        assert (out / name).is_file()
    assert len(list(out.glob(".kg/gen-*/store-*"))) == 1
    m = SUMMARY.search(result.stdout)
    assert m, result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["out"] == str(out)
    assert {k: int(m[k]) for k in ("works", "thinkers", "contributors", "themes", "quotes",
                                   "claims")} == {
        "works": 5, "thinkers": 1, "contributors": 4, "themes": len(thesaurus), "quotes": 1,
        "claims": 2}
    assert int(m["triples"]) == manifest["triples"]
    assert (m["errors"], m["warnings"]) == ("0", "1")
    assert (f"{small_bib}:66: q-ellul-ambivalence: warning: quote has no locator (page or "
            "chapter unknown)") in result.stdout


def test_quiet_prints_nothing_without_errors(kg, small_bib, tmp_path):
    result = kg("build", small_bib, "-o", tmp_path / "out", "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_errors_exit_1_but_the_valid_entries_are_built(kg, write_bib, tmp_path):
    bib, out = write_bib(BROKEN), tmp_path / "out"
    result = kg("build", bib, "-o", out)
    assert_clean_failure(result, 1)
    assert f"{bib}:{UNCLOSED}" in result.stdout
    m = SUMMARY.search(result.stdout)
    assert (m["works"], m["errors"]) == ("2", "1")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["works"] == 2 and manifest["problems"]["errors"] == 1


def test_quiet_sends_errors_to_stderr(kg, write_bib, tmp_path):
    bib = write_bib(BROKEN)
    result = kg("build", bib, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"{bib}:{UNCLOSED}\n"


def test_strict_with_an_error_fails_and_leaves_out_byte_identical(kg, previous, write_bib):
    out, before = previous
    bib = write_bib(BROKEN)
    result = kg("build", bib, "-o", out, "--strict")
    assert_clean_failure(result, 1)
    assert result.stderr == (f"Error: {bib}:{UNCLOSED}\n(--strict: nothing written; 1 error(s) "
                             "in all)\n")
    assert result.stdout == ""
    assert snapshot(out) == before


def test_strict_with_warnings_only_succeeds(kg, small_bib, tmp_path):
    result = kg("build", small_bib, "-o", tmp_path / "out", "--strict")
    assert result.exit_code == 0, result.output


def test_empty_bib_fails_and_leaves_out_intact(kg, previous, write_bib):
    out, before = previous
    bib = write_bib("")
    result = kg("build", bib, "-o", out)
    assert_clean_failure(result, 1)
    assert result.stderr == (f"Error: {bib}: no entries could be read; {out}/ left as it was\n"
                             f"{bib}: error: empty file: no entries\n")
    assert snapshot(out) == before


def test_binary_bib_fails_and_leaves_out_intact(kg, previous, write_bib):
    out, before = previous
    bib = write_bib(b"%PDF" + bytes(range(256)) * 4 + b"\x00" * 300)
    result = kg("build", bib, "-o", out)
    assert_clean_failure(result, 2)
    assert result.stderr.startswith(f"Error: {bib}: binary file (")
    assert result.stderr.rstrip().endswith("not a BibTeX file")
    assert snapshot(out) == before


def test_missing_bib(kg, tmp_path):
    result = kg("build", tmp_path / "nope.bib", "-o", tmp_path / "out")
    assert_clean_failure(result, 2)
    assert result.stderr == f"Error: {tmp_path / 'nope.bib'}: file not found\n"


def test_folder_as_bib_is_refused_by_the_cli(kg, tmp_path):
    result = kg("build", tmp_path, "-o", tmp_path / "out")
    assert_clean_failure(result, 2)
    assert "is a directory" in result.stderr


def test_invalid_ontology(kg, small_bib, write_bib, previous):
    out, before = previous
    bad = write_bib("@book{x, not = {turtle}}", "bad.ttl")
    result = kg("build", small_bib, "--ontology", bad, "-o", out)
    assert_clean_failure(result, 2)
    assert result.stderr.startswith(f"Error: {bad}: not valid Turtle")
    assert snapshot(out) == before


def test_build_in_a_folder_with_references_bib(runner, tmp_path, monkeypatch, ontology_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text("@book{a, title={A}}\n", encoding="utf-8")
    shutil.copyfile(ontology_path, tmp_path / "ontology.ttl")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bib"]["path"] == str((tmp_path / "references.bib").resolve())
    assert manifest["counts"]["works"] == 1
    assert "Built out/ in" in result.stdout


def test_build_from_an_empty_folder_uses_the_shipped_corpus(runner, tmp_path, monkeypatch):
    corpus = shipped("references.bib")
    if not corpus.is_file():
        pytest.skip(f"the shipped corpus {corpus} does not exist yet (references.bib is being "
                    "written at the top of the checkout)")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build"])
    assert result.exit_code in (0, 1), result.output  # 1: the corpus has errors, still built
    assert isinstance(result.exception, (SystemExit, type(None)))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["bib"]["path"] == str(corpus.resolve())
    assert manifest["ontology"]["path"] == str(shipped("ontology.ttl").resolve())
    assert manifest["counts"]["works"] > 0
    assert SUMMARY.search(result.stdout)


def test_help_and_version(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "build" in result.output and "export" in result.output
    result = runner.invoke(main, ["build", "--help"])
    assert result.exit_code == 0 and "--strict" in result.output


# --------------------------------------------------------------------------- what -o may be

def test_a_folder_kg_did_not_make_is_refused_untouched(kg, small_bib, tmp_path):
    out = tmp_path / "mine"
    (out / "store-x").mkdir(parents=True)
    for name in ("index.json", "digest-1.bin", "graph.ttl", "notes.txt"):
        (out / name).write_text(name, encoding="utf-8")
    before = snapshot(out)
    result = kg("build", small_bib, "-o", out)
    assert_clean_failure(result, 2)
    assert result.stderr.startswith(f"Error: {out}/ is not empty and is not a kg output")
    assert "give another --out" in result.stderr
    assert snapshot(out) == before and not (out / ".kg").exists()


def test_an_empty_folder_is_taken(kg, small_bib, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert kg("build", small_bib, "-o", out).exit_code == 0
    assert (out / ".kg").is_dir() and (out / "graph.ttl").is_file()
    assert kg("build", small_bib, "-o", out).exit_code == 0  # a kg output now: rebuilt


def test_a_folder_with_only_a_placeholder_is_empty(kg, small_bib, tmp_path):
    """The repository's own out/ holds a .gitkeep (git keeps no empty folder): the README's
    first command, `kg build` in a fresh clone, builds there and leaves it as it was."""
    from kg.builder.store import PLACEHOLDERS

    assert ".gitkeep" in PLACEHOLDERS
    out = tmp_path / "out"
    out.mkdir()
    (out / ".gitkeep").write_text("", encoding="utf-8")
    assert kg("build", small_bib, "-o", out).exit_code == 0
    assert (out / "graph.ttl").is_file() and (out / ".gitkeep").read_text() == ""
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # a kg output now: still taken
    assert kg("build", small_bib, "-o", out).exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("where", ["root", "home"])
def test_root_and_home_are_refused(kg, small_bib, tmp_path, monkeypatch, where):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    out = "/" if where == "root" else str(home)
    result = kg("build", small_bib, "-o", out)
    assert_clean_failure(result, 2)
    assert "refusing to build into" in result.stderr
    assert list(home.iterdir()) == []


def test_a_link_planted_as_the_lock_is_not_followed(kg, small_bib, tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    assert kg("build", small_bib, "-o", out).exit_code == 0
    victim.write_text("keep me", encoding="utf-8")
    (out / ".kg" / "lock").unlink()
    (out / ".kg" / "lock").symlink_to(victim)
    result = kg("build", small_bib, "-o", out)
    assert_clean_failure(result, 2)
    assert "is a symbolic link" in result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_an_output_of_the_previous_layout_is_replaced_cleanly(kg, small_bib, tmp_path):
    """out/ as kg wrote it before generations: files right in out/, the manifest last."""
    out, name = tmp_path / "out", "store-abc_1234-0123abcd"
    (out / name).mkdir(parents=True)
    (out / name / "CURRENT").write_text("x", encoding="utf-8")
    (out / ".build-999999999-zz").mkdir()  # a dead build's staging folder
    legacy = ["graph.ttl", "graph.jsonld", "graph.html", "index.json", "digest.parts",
              f"digest-{name}.bin", f"search-{name}.idx", ".lock"]
    for f in legacy:
        (out / f).write_text("old", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({"format": 1, "store": name}),
                                       encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = kg("build", small_bib, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".kg", "graph.html", "graph.jsonld", "graph.ttl", "manifest.json", "notes.txt"]
    assert all((out / f).is_symlink() for f in ("graph.ttl", "graph.html", "manifest.json"))
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"  # not kg's: kept
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["store"] != name


# --- -o is what a command writes, --out the build folder it reads (issue 18) -------------------

def test_o_on_a_command_that_prints_says_what_to_use(kg, small_bib, tmp_path):
    r = kg("theme", "surveillance", "--bib", small_bib, "-o", tmp_path / "out")
    assert r.exit_code == 2
    assert "kg theme prints its answer and writes no file, so it has no -o" in r.output
    assert "--out DIR" in r.output and not (tmp_path / "out").exists()


def test_export_graph_o_writes_the_file_it_names(kg, small_bib, tmp_path):
    """`kg export-graph -o g.graphml` wrote to stdout and made a build folder g.graphml."""
    out, dest = tmp_path / "out", tmp_path / "g.graphml"
    assert kg("build", small_bib, "-o", out).exit_code == 0
    r = kg("export-graph", "--bib", small_bib, "--out", out, "-o", dest)
    assert r.exit_code == 0, r.output
    assert dest.is_file() and dest.read_bytes().startswith(b"<?xml") and "<graphml" not in r.output


@pytest.mark.parametrize("cmd", [["export"], ["export-graph"], ["viz"]])
def test_out_that_names_a_file_is_refused(kg, small_bib, tmp_path, cmd):
    r = kg(*cmd, "--bib", small_bib, "--out", tmp_path / "essay.bib")
    assert r.exit_code == 2
    assert "looks like a file, and --out is the folder of the build" in r.output
    assert "-o/--output" in r.output and not (tmp_path / "essay.bib").exists()


def test_out_that_names_a_file_on_a_printing_command(kg, small_bib, tmp_path):
    r = kg("themes", "--bib", small_bib, "--out", tmp_path / "themes.csv")
    assert r.exit_code == 2 and "prints its answer (redirect it: >" in r.output


def test_output_that_names_a_build_folder_is_refused(kg, small_bib, tmp_path):
    out = tmp_path / "out"
    assert kg("build", small_bib, "-o", out).exit_code == 0
    r = kg("dossier", "surveillance", "--bib", small_bib, "--out", out, "-o", out)
    assert r.exit_code == 2 and "is the folder of a build (that is --out)" in r.output
