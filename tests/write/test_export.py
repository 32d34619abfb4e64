"""`kg export --format bibtex`: the graph gives back the bibliography it was built from, entry for
entry and field for field, as written (LaTeX, braces, case protection, @string macros, `#`
concatenation, unknown fields).  Checked with kg's reader, bibtexparser and pybtex."""
from __future__ import annotations

import re
import shutil

import bibtexparser
import pytest
from click.testing import CliRunner
from conftest import DATA, SMALL_BIB

from kg import api
from kg.api import build
from kg.cli import main
from kg.core.bib import load, parse
from kg.core.errors import NotFoundError

INPUTS = [SMALL_BIB, DATA / "roundtrip.bib"]


@pytest.fixture(scope="module", params=INPUTS, ids=lambda p: p.name)
def case(request, tmp_path_factory, ontology_path):
    """(input .bib, out/ built from it, CliRunner invoker for `kg export`)."""
    base = tmp_path_factory.mktemp("export")
    bib = base / request.param.name
    shutil.copyfile(request.param, bib)
    out = base / "out"
    build(bib, ontology_path, out)
    runner = CliRunner()

    def export(*args):
        return runner.invoke(main, ["export", "--bib", str(bib), "--ontology",
                                    str(ontology_path), "--out", str(out), *map(str, args)])

    return bib, out, export


def entries(bib):
    return [(e.key, e.entry_type, e.fields) for e in bib.entries]


def exported(case) -> str:
    result = case[2]("--format", "bibtex")
    assert result.exit_code == 0, result.output
    return result.stdout


# --------------------------------------------------------------------------- everything

def test_export_parses_with_kg_to_the_same_entries(case):
    bib_path = case[0]
    original = load(bib_path)
    again = parse(exported(case), "export.bib")
    assert again.problems == []
    assert entries(again) == entries(original)
    assert [e.raw_type for e in again.entries] == [e.raw_type for e in original.entries]
    assert again.strings == original.strings
    assert again.preambles == original.preambles
    assert again.comments == original.comments
    # and so the values mean the same
    assert again.macros() == original.macros()


def _bp(text: str):
    lib = bibtexparser.parse_string(text)
    assert lib.failed_blocks == []
    return ([(e.key, e.entry_type, [(f.key, f.value) for f in e.fields]) for e in lib.entries],
            [(s.key, s.value) for s in lib.strings],
            [p.value for p in lib.preambles],
            [c.comment for c in lib.comments if isinstance(c, bibtexparser.model.ExplicitComment)])


def test_export_parses_with_bibtexparser_to_the_same_entries(case):
    original = _bp(case[0].read_text(encoding="utf-8"))
    assert _bp(exported(case)) == original


def _pybtex(text: str):
    pybtex_db = pytest.importorskip("pybtex.database", reason="pybtex is a test extra")
    db = pybtex_db.parse_string(text, "bibtex")
    return {key: (e.type, dict(e.fields),
                  {role: [str(p) for p in people] for role, people in e.persons.items()})
            for key, e in db.entries.items()}, db.preamble


def test_export_parses_with_pybtex_to_the_same_entries(case):
    original = _pybtex(case[0].read_text(encoding="utf-8"))
    assert original[0]  # pybtex did read the input
    assert _pybtex(exported(case)) == original


def test_export_is_stable(case, tmp_path, ontology_path):
    """Exporting twice gives the same text; rebuilding from the export gives it again."""
    first = exported(case)
    assert exported(case) == first
    bib = tmp_path / "again.bib"
    bib.write_text(first, encoding="utf-8")
    out = tmp_path / "out"
    build(bib, ontology_path, out)
    again = api.export("bibtex", out=out, bib=bib, ontology=ontology_path)
    assert again == first


def test_export_to_a_file(case, tmp_path):
    dest = tmp_path / "exported.bib"
    result = case[2]("--output", dest)
    assert result.exit_code == 0 and result.stdout == ""
    assert dest.read_text(encoding="utf-8") == exported(case)


def test_raw_values_survive_exactly(ontology_path, tmp_path):
    """The constructs of roundtrip.bib, checked one by one in the exported text."""
    bib = tmp_path / "roundtrip.bib"
    shutil.copyfile(DATA / "roundtrip.bib", bib)
    build(bib, ontology_path, tmp_path / "out")
    text = api.export(out=tmp_path / "out", bib=bib, ontology=ontology_path)
    for piece in ['@string{seuil = {{\\\'E}ditions du Seuil}}',
                  '@string{paris = "Paris"}',
                  '@preamble{"\\providecommand{\\noopsort}[1]{}"}',
                  "@comment{jabref-meta: databaseType:biblatex;}",
                  "  publisher = seuil,",
                  '  location = paris # { et } # "Lyon",',
                  "  month = jan,",
                  "  pages = 12,",
                  "  subtitle = {Essai sur la {RDF} et le {\\emph{Web}}},",
                  '  note = "Guillemets {"} et {accolades {imbriquées}}",',
                  "  Unknown-Field_2 = {kept {as} {{is}}},",
                  "  url = {https://example.org/a_b%20c?x=1&y=2#frag},",
                  "  title = {},"]:
        assert piece in text, piece


# --------------------------------------------------------------------------- --key

def test_export_one_key(case):
    bib_path, _, export = case
    key = load(bib_path).entries[2].key
    result = export("--key", key)
    assert result.exit_code == 0, result.output
    again = parse(result.stdout, "k.bib")
    original = {e.key: e for e in load(bib_path).entries}
    assert [(e.key, e.fields) for e in again.entries] == [(key, original[key].fields)]
    # only the @string / @preamble blocks the entry may need come before it
    body = re.sub(r"(?m)^@(string|preamble)\{.*\n", "", result.stdout).lstrip()
    assert body.startswith(f"@{original[key].entry_type}{{{key},")


def test_export_several_keys_in_file_order(case):
    bib_path, _, export = case
    keys = [e.key for e in load(bib_path).entries]
    result = export("--key", keys[3], "--key", keys[0])
    assert result.exit_code == 0, result.output
    assert [e.key for e in parse(result.stdout, "k.bib").entries] == [keys[0], keys[3]]


def test_export_unknown_key_is_a_clear_error(case):
    result = case[2]("--key", "nope")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == "Error: no entry with key nope\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_export_unknown_among_known_keys_names_only_the_unknown(case):
    known = load(case[0]).entries[0].key
    result = case[2]("--key", known, "--key", "zz-nope", "--key", "aa-nope")
    assert result.exit_code == 1
    assert result.stderr == "Error: no entry with key aa-nope, zz-nope\n"


def test_api_export_unknown_key(case, ontology_path):
    bib, out, _ = case
    with pytest.raises(NotFoundError, match="no entry with key nope"):
        api.export("bibtex", keys=["nope"], out=out, bib=bib, ontology=ontology_path)


def test_export_one_key_is_a_usable_bib(tmp_path, ontology_path):
    bib = tmp_path / "small.bib"
    shutil.copyfile(SMALL_BIB, bib)
    build(bib, ontology_path, tmp_path / "out")
    text = api.export(keys=["ellul1988"], out=tmp_path / "out", bib=bib, ontology=ontology_path)
    again = parse(text, "k.bib")
    assert again.problems == []  # today: "uses undefined @string macro 'hach'"
    assert again.macros()["hach"] == "Hachette"


# --------------------------------------------------------------------------- entries kg may drop

def _roundtrip(text: str, tmp_path, ontology_path) -> str:
    bib = tmp_path / "in.bib"
    bib.write_text(text, encoding="utf-8")
    build(bib, ontology_path, tmp_path / "out")
    return api.export(out=tmp_path / "out", bib=bib, ontology=ontology_path)


def test_entries_with_problems_are_still_exported(tmp_path, ontology_path):
    text = ("@quote{q, speaker={A, B}}\n"  # no quote, no status: errors/warnings
            "@claim{c, statement={s}, status={nonsense}, figure={abc}}\n"
            "@book{b, keywords={zzzzqqq}, crossref={nope}}\n")
    again = parse(_roundtrip(text, tmp_path, ontology_path), "e.bib")
    assert entries(again) == entries(parse(text, "in.bib"))


def test_two_thinker_entries_for_one_person_are_both_exported(tmp_path, ontology_path):
    text = ("@thinker{t1, name={Ellul, Jacques}, birthdate={1912}}\n"
            "@thinker{t2, name={Jacques Ellul}, nationality={française}}\n")
    again = parse(_roundtrip(text, tmp_path, ontology_path), "e.bib")
    assert [e.key for e in again.entries] == ["t1", "t2"]


def test_thinker_without_name_is_exported(tmp_path, ontology_path):
    text = "@thinker{t, alias={X, Y}, nationality={française}}\n@book{b, title={B}}\n"
    again = parse(_roundtrip(text, tmp_path, ontology_path), "e.bib")
    assert [e.key for e in again.entries] == ["t", "b"]


# --- kg export --watch: an essay's .bib that follows the library (issue 17) -------------------

def _wait(predicate, timeout: float = 60.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_watch_keeps_the_export_in_step(tmp_path, ontology_path):
    import os
    import signal
    import subprocess
    import sys

    bib = tmp_path / "references.bib"
    shutil.copyfile(SMALL_BIB, bib)
    essay = tmp_path / "essay.bib"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(DATA.parent.parent), os.environ.get("PYTHONPATH", "")]))
    err = open(tmp_path / "stderr.txt", "w+", encoding="utf-8")
    p = subprocess.Popen([sys.executable, "-m", "kg.cli", "export", "--bib", str(bib),
                          "--ontology", str(ontology_path), "--out", str(tmp_path / "out"),
                          "--output", str(essay), "--watch", "--interval", "0.2"],
                         cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err)

    def said(text: str) -> bool:
        err.seek(0)
        return text in err.read()

    try:
        assert _wait(lambda: said("watching")), "the first export was not written"
        first = essay.read_text(encoding="utf-8")
        assert "@book{ellul1988," in first and "watch2024" not in first
        # an edit: the export follows within a few seconds
        with bib.open("a", encoding="utf-8") as f:
            f.write("\n@book{watch2024,\n  author = {Doe, Jane},\n  title = {Suivre},\n"
                    "  date = {2024},\n}\n")
        assert _wait(lambda: "@book{watch2024," in essay.read_text(encoding="utf-8")), \
            "the export did not follow the edit"
        assert said(f"{essay} updated") and said("warning")  # the build's warnings printed
        good = essay.read_text(encoding="utf-8")
        # a broken edit (a duplicate key): the last good export stays, the error is printed
        with bib.open("a", encoding="utf-8") as f:
            f.write("\n@book{watch2024,\n  title = {Encore},\n}\n")
        assert _wait(lambda: said("kept as it was")), "the error was not reported"
        assert said("duplicate key 'watch2024'")
        assert essay.read_text(encoding="utf-8") == good
        # fixed again: the export follows again
        bib.write_text(bib.read_text(encoding="utf-8").replace(
            "@book{watch2024,\n  title = {Encore},", "@book{watch2025,\n  title = {Encore},"),
            encoding="utf-8")
        assert _wait(lambda: "@book{watch2025," in essay.read_text(encoding="utf-8"))
        assert not list(tmp_path.glob(".essay.bib.*"))  # atomic writes leave no temporary file
    finally:
        p.send_signal(signal.SIGINT)  # Ctrl-C
        code = p.wait(timeout=60)
    assert code == 0 and said("stopped watching")
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text(encoding="utf-8")


def test_watch_needs_an_output_file(case):
    r = case[2]("--watch")
    assert r.exit_code == 2 and "--watch needs --output" in r.output
