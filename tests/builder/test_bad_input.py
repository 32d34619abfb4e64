"""Broken and hostile input: each bad file of tests/data/bad/ and the message it must produce.

No bad file may produce a traceback, hang or use unbounded memory; hostile text ends up as inert
data in every output (graph store, Turtle, JSON-LD, BibTeX export, `kg check --format json`).
The huge files (a 20 MB field, 10,000 authors) are generated in tmp_path, not committed.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.core.bib import load, text
from kg.core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

# file -> (level, line, key, text the message must contain) for each problem the reader must
#         produce, keys that must still be loaded, exit code of `kg check`
EXPECTED = {
    "unclosed_brace.bib": ([("error", 7, "broken", "unclosed brace in @book entry")],
                           ["first", "after", "last"], 1),
    "duplicate_keys.bib": ([("error", 7, "ellul1988",
                             "duplicate key 'ellul1988' (first at line 1)")], ["ellul1988"], 1),
    "duplicate_fields.bib": ([("error", 4, "ellul1988",
                               "field 'Title' appears twice (first at line 3)")],
                             ["ellul1988"], 1),
    "undefined_string.bib": ([("warning", 7, "illich1973",
                               "uses undefined @string macro 'paris'")], ["illich1973"], 0),
    "concatenation.bib": ([], ["illich1973"], 0),
    "latin1.bib": ([("warning", 3, "", "not valid UTF-8 (byte 0xE9); read as Latin-1")],
                   ["latin"], 0),
    "utf16.bib": ([("warning", 0, "", "file is UTF-16")], ["utf"], 0),
    "bom.bib": ([], ["bom"], 0),
    "crlf.bib": ([("error", 7, "b", "unclosed brace in @book entry")], ["a", "c"], 1),
    "nul.bib": ([("warning", 5, "", "NUL byte removed")], ["ellul1988", "illich1973"], 0),
    "empty.bib": ([("error", 0, "", "empty file: no entries")], [], 1),
    "deep_braces.bib": ([("error", 6, "deepopen", "unclosed brace in @book entry")],
                        ["deep", "after"], 1),
    "hostile.bib": ([], ["hostile"], 0),  # a malformed URL is a warning (kept as written)
    "utf32.bib": ([("warning", 0, "", "file is UTF-32")], ["utf"], 0),
    "early_brace.bib": ([("error", 5, "fast", "entry ends early here: a '}' too many in a value "
                          "closes it, and what follows is not read (fields lost: author, "
                          "date)"),
                         ("error", 11, "slow", "(fields lost: author, note, publisher, date)")],
                        ["fast", "slow", "after"], 1),
    "quote_in_key.bib": ([("error", 2, 'ellul"1988', "invalid citekey 'ellul\"1988' in @book "
                           "entry")], ["illich1973"], 1),
    "cycles.bib": ([("warning", 2, "pubA", "@string macro cycle 'pubA' -> 'pubB' -> 'pubA'")],
                   ["volA", "volB"], 1),
    # what only `kg check` finds (CHECK_MESSAGES): the reader reports nothing
    "impossible_date.bib": ([], ["leap"], 0),
    "comments_only.bib": ([], [], 1),
}

#: what `kg check` adds to the reader's problems
CHECK_MESSAGES = {
    "hostile.bib": [(f"{BAD / 'hostile.bib'}:11: hostile: warning: malformed URL "
                    "'javascript:alert(1)'")],
    "crlf.bib": [(f"{BAD / 'crlf.bib'}:13: c: warning: missing required fields: author, "
                 "date/year")],
    "impossible_date.bib": [f"{BAD / 'impossible_date.bib'}:6: leap: warning: malformed date "
                            "'2021-02-29' in date: day 29 does not exist in 2021-02 (kept as "
                            "written, not typed as a date): correct it from the source"],
    "comments_only.bib": [f"{BAD / 'comments_only.bib'}: error: no entry read: it holds only "
                          "comments"],
    "cycles.bib": [f"{BAD / 'cycles.bib'}:10: volA: error: crossref cycle 'volA' -> 'volB' -> "
                   "'volA'"],
}


def test_every_bad_file_has_an_expectation():
    assert {p.name for p in BAD.glob("*.bib")} == set(EXPECTED) | {"binary.bib"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reader_reports_and_recovers(name):
    problems, keys, _ = EXPECTED[name]
    bib = load(BAD / name)
    assert [e.key for e in bib.entries] == keys
    for level, line, key, message in problems:
        found = [p for p in bib.problems if message in p.message]
        assert found, f"{name}: no problem containing {message!r} in {bib.problems}"
        p = found[0]
        assert (p.level, p.line, p.key) == (level, line, key), str(p)
        assert str(p).startswith(f"{BAD / name}:{line}:" if line else f"{BAD / name}:")
    if not problems:
        assert not [p for p in bib.problems if p.level == "error"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_kg_check_no_traceback(name, ontology_path):
    from kg.cli import main

    problems, _, code = EXPECTED[name]
    r = CliRunner().invoke(main, ["check", str(BAD / name), "--ontology", str(ontology_path),
                                  "--out", "/nonexistent-kg-out"])
    assert r.exit_code == code, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    for level, line, key, message in problems:
        assert message in r.output
    for message in CHECK_MESSAGES.get(name, []):
        assert message in r.output


def test_decoded_values():
    def values(name):
        bib = load(BAD / name)
        macros = bib.macros()
        return {e.key: {k.lower(): text(v, macros, k) for k, v in e.fields.items()}
                for e in bib.entries}

    v = values("concatenation.bib")["illich1973"]
    assert v["title"] == "La Convivialité"
    assert v["publisher"] == "Éditions du Seuil, Paris"
    assert v["month"] == "1"
    assert values("undefined_string.bib")["illich1973"]["publisher"] == "Éditions du Seuil"
    assert values("latin1.bib")["latin"]["title"] == "La société technicienne"
    assert values("utf16.bib")["utf"]["title"] == "La société technicienne"
    assert values("nul.bib")["ellul1988"]["title"] == "Le bluff technologique"
    assert values("deep_braces.bib")["deep"]["title"] == "x"


def test_bom_and_crlf_do_not_leak():
    bib = load(BAD / "bom.bib")
    assert bib.entries[0].key == "bom" and bib.entries[0].raw_type == "book"
    crlf = load(BAD / "crlf.bib")
    assert [e.line for e in crlf.entries] == [1, 13]
    assert all("\r" not in v for e in crlf.entries for v in e.fields.values())


def test_binary_file_is_refused(ontology_path):
    from kg.cli import main

    with pytest.raises(InputError, match="binary file"):
        load(BAD / "binary.bib")
    r = CliRunner().invoke(main, ["check", str(BAD / "binary.bib"), "--ontology",
                                  str(ontology_path)])
    assert r.exit_code == 2
    assert "binary file" in r.output and "Traceback" not in r.output


def test_missing_file_exit_2(tmp_path):
    from kg.cli import main

    r = CliRunner().invoke(main, ["check", str(tmp_path / "nope.bib")])
    assert r.exit_code == 2 and "file not found" in r.output


def test_compressed_file_is_refused_as_binary(tmp_path):
    p = tmp_path / "references.bib"
    p.write_bytes(gzip.compress((ROOT / "references.bib").read_bytes()))
    with pytest.raises(InputError, match="binary"):
        load(p)


# --------------------------------------------------------------------- huge inputs, in a child

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (@LIMIT@, @LIMIT@))
from kg.cli import main
sys.argv = ["kg"] + sys.argv[1:]
main()
"""
MEMORY_LIMIT = 3 * 1024 ** 3  # 3 GB of address space: a bound, not a measure


def run_kg(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = CHILD.replace("@LIMIT@", str(MEMORY_LIMIT))
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, check=False,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_20_mb_field(tmp_path, ontology_path):
    p = tmp_path / "big.bib"
    p.write_text("@book{big,\n  author = {Ellul, Jacques},\n  title = {Big},\n"
                 "  annotation = {" + "abc déf " * 2_500_000 + "},\n  date = {1988},\n}\n\n"
                 "@book{next,\n  author = {Illich, Ivan},\n  title = {Next},\n"
                 "  date = {1973},\n}\n", encoding="utf-8")
    r = run_kg(["build", str(p), "--ontology", str(ontology_path), "-o", str(tmp_path / "out"),
                "-q"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    r = run_kg(["check", str(p), "--ontology", str(ontology_path), "--out",
                str(tmp_path / "out"), "--format", "json"], tmp_path)
    assert "Traceback" not in r.stderr
    report = json.loads(r.stdout)
    assert any("20,000,002 characters" in x["message"] for x in report["problems"])
    r = run_kg(["export", "--bib", str(p), "--ontology", str(ontology_path), "--out",
                str(tmp_path / "out"), "--key", "big"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) > 20_000_000


@pytest.mark.slow
def test_10000_authors(tmp_path, ontology_path):
    authors = " and ".join(f"Auteur{i}, Prénom{i}" for i in range(10_000))
    p = tmp_path / "many.bib"
    p.write_text("@book{many,\n  author = {" + authors + "},\n  title = {Many},\n"
                 "  date = {2000},\n}\n", encoding="utf-8")
    r = run_kg(["build", str(p), "--ontology", str(ontology_path), "-o", str(tmp_path / "out"),
                "-q"], tmp_path)
    assert r.returncode == 0, r.stderr
    from kg.builder.triplestore import open_store

    store = open_store(tmp_path / "out")
    q = "SELECT (COUNT(?p) AS ?n) WHERE { <https://kg.example/id/work/many> " \
        "<http://purl.org/dc/terms/creator> ?p }"
    assert int(next(iter(store.query(q)))["n"].value) == 10_000
    r = run_kg(["check", str(p), "--ontology", str(ontology_path), "--out",
                str(tmp_path / "out")], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_deeply_nested_braces_in_child(tmp_path, ontology_path):
    p = tmp_path / "deep.bib"
    p.write_text("@book{deep,\n  title = " + "{" * 100_000 + "x" + "}" * 100_000 +
                 ",\n  date = {2000},\n}\n\n@book{open,\n  title = " + "{" * 50_000 +
                 "\n}\n\n@book{after,\n  title = {After},\n  date = {2001},\n}\n",
                 encoding="utf-8")
    r = run_kg(["check", str(p), "--ontology", str(ontology_path), "--out",
                str(tmp_path / "none")], tmp_path, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert f"{p}:6: open: error: unclosed brace" in r.stdout


# --------------------------------------------------------------------- hostile text is inert

CONTROL = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\n\r") + "\x7f"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, ontology_path):
    from kg.api import build

    base = tmp_path_factory.mktemp("hostile")
    src = (BAD / "hostile.bib").read_text(encoding="utf-8")
    src = src.replace("%0A}", "%0A " + CONTROL + "}")
    bib = base / "hostile.bib"
    bib.write_text(src, encoding="utf-8")
    build(bib, ontology_path, base / "out")
    return bib, base / "out"


def test_hostile_text_is_a_literal_in_the_store(hostile_build):
    from kg.builder.triplestore import open_store

    bib, out = hostile_build
    entry = load(bib).entries[0]
    store = open_store(out)
    node = "https://kg.example/id/work/hostile"
    import pyoxigraph as ox

    raw = {q.predicate.value.rsplit("/", 1)[1]: q.object.value
           for q in store.quads_for_pattern(ox.NamedNode(node), None, None)
           if q.predicate.value.startswith("https://kg.example/field/")}
    assert raw == entry.fields  # every raw value, control characters included, as data
    assert all(isinstance(q.object, ox.Literal) for q in store.quads_for_pattern(
        ox.NamedNode(node), ox.NamedNode("http://purl.org/dc/terms/title"), None))
    subjects = {q.subject.value for q in store}
    assert not any("evil.example" in s for s in subjects)
    assert not any(q.predicate.value.startswith("https://evil") for q in store)
    assert not any(s in ("a", "<a>") for s in subjects)


def test_hostile_text_round_trips_through_every_file(hostile_build):
    import pyoxigraph as ox

    from kg.builder.triplestore import open_store
    from kg.write.export import bibtex

    bib, out = hostile_build
    store = open_store(out)
    expected = set(store)
    ttl = set(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    jsonld = set(ox.parse(path=str(out / "graph.jsonld"), format=ox.RdfFormat.JSON_LD))
    as_triples = {ox.Triple(q.subject, q.predicate, q.object) for q in expected}
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in ttl} == as_triples
    assert {ox.Triple(q.subject, q.predicate, q.object) for q in jsonld} == as_triples
    json.loads((out / "graph.jsonld").read_text(encoding="utf-8"))
    from kg.core.bib import parse

    back = parse(bibtex(store), "export.bib")
    assert back.entries[0].fields == load(bib).entries[0].fields
    assert back.strings == load(bib).strings


def test_hostile_text_in_check_json(hostile_build, ontology_path):
    from kg.builder.check import check

    bib, out = hostile_build
    report = check(bib, ontology_path, out=out)
    data = json.loads(report.json())
    assert data["problems"] and all(set(p) == {"file", "line", "key", "level", "message"}
                                    for p in data["problems"])
    assert any("control character" in p["message"] for p in data["problems"])
    assert any("malformed URL 'javascript:alert(1)'" in p["message"] for p in data["problems"])
    assert report.shacl is not None and report.shacl.conforms


def test_fields_after_an_early_closing_brace_are_reported():
    from kg.core.bib import parse

    bib = parse("@book{early,\n  title = {Title},\n  annotation = {one}}} two},\n"
                "  note = {lost?},\n  date = {1999},\n}\n", "x.bib")
    kept = set(bib.entries[0].fields) if bib.entries else set()
    lost = {"note", "date"} - kept
    assert not lost or any(p.line in (3, 4) and p.level == "error" for p in bib.problems), \
        f"fields {sorted(lost)} lost without a problem: {bib.problems}"


# --------------------------------------------------------------------- issue 18, second pass

def test_impossible_date_check_in_process(tmp_path, ontology_path, caplog):
    """`kg check` with SHACL on `date = {2021-02-29}`: one warning, nothing logged (rdflib
    logs a traceback when such a literal is typed xsd:date)."""
    from kg.cli import main

    r = CliRunner().invoke(main, ["check", str(BAD / "impossible_date.bib"), "--ontology",
                                  str(ontology_path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert r.output.count("2021-02-29") == 1 and "Traceback" not in r.output
    assert "SHACL" in r.output and "conforms" in r.output
    assert not [x for x in caplog.records if x.levelname in ("WARNING", "ERROR")], caplog.text


@pytest.mark.slow
def test_impossible_date_is_one_warning_without_traceback(tmp_path, ontology_path):
    """`date = {2021-02-29}`: one warning in `kg build` and in `kg check` (file, line, key,
    field, what to do), no traceback nor log line of rdflib on stderr, the value kept as
    written and not typed xsd:date."""
    bib = tmp_path / "references.bib"
    shutil.copyfile(BAD / "impossible_date.bib", bib)
    shutil.copyfile(ontology_path, tmp_path / "ontology.ttl")
    warning = (f"{bib}:6: leap: warning: malformed date '2021-02-29' in date: day 29 does not "
               "exist in 2021-02 (kept as written, not typed as a date): correct it from the "
               "source")
    for args in (["build"], ["check"]):
        r = run_kg([*args, str(bib), "--out", str(tmp_path / "out")], tmp_path)
        assert r.returncode == 0, r.stderr
        both = r.stdout + r.stderr
        assert both.count("2021-02-29") == 1 and warning in both.splitlines(), both
        assert "Traceback" not in both and "rdflib" not in both.lower(), both
    ttl = (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert '"2021-02-29"' in ttl and '"2021-02-29"^^' not in ttl


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge"])
@pytest.mark.parametrize("command", ["check", "build"])
def test_ontology_read_is_capped(kind, command, tmp_path, monkeypatch, ontology_path):
    """The ontology is read as the .bib is: a regular file under KG_MAX_BIB_BYTES; /dev/zero,
    a FIFO, a folder or a huge file is an `Error:` naming it (no MemoryError, no hang)."""
    import os

    from kg.cli import main

    if kind == "dev-zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero")
        onto, why = "/dev/zero", "is a character device, not an ontology (Turtle) file"
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        onto, why = tmp_path / "o.ttl", "is a named pipe (FIFO), not an ontology (Turtle) file"
        os.mkfifo(onto)
    else:
        onto = tmp_path / "o.ttl"
        shutil.copyfile(ontology_path, onto)
        monkeypatch.setenv("KG_MAX_BIB_BYTES", "4K")
        why = "more than the 4 KiB kg reads: is it an ontology? (KG_MAX_BIB_BYTES raises"
    bib = tmp_path / "refs.bib"
    bib.write_text("@book{a, author={X, Y}, title={T}, date={2000}}\n", encoding="utf-8")
    r = CliRunner().invoke(main, [command, str(bib), "--ontology", str(onto),
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), (r.output, r.exception)
    assert r.output.startswith(f"Error: {onto}: ") and why in r.output, r.output
    assert not (tmp_path / "out").exists()


def test_early_brace_names_the_lost_fields():
    """An early '}' ends the entry: an error on the line of that brace, naming the entry and
    every field lost, whichever reader (fast scanner, bibtexparser) the entry went through;
    no misleading "undefined @string macro" warning."""
    bib = load(BAD / "early_brace.bib")
    early = {p.key: p for p in bib.problems if "ends early" in p.message}
    assert set(early) == {"fast", "slow"}
    assert early["fast"].line == 5 and "fields lost: author, date)" in early["fast"].message
    assert early["slow"].line == 11 and \
        "fields lost: author, note, publisher, date)" in early["slow"].message
    assert all(p.level == "error" for p in early.values())
    assert not [p for p in bib.problems if "macro" in p.message]
    # the entries keep what came before the brace; the next entry is whole
    kept = {e.key: set(e.fields) for e in bib.entries}
    assert kept["fast"] == {"title"} and kept["slow"] == {"title"}
    assert kept["after"] == {"author", "title", "date"}


@pytest.mark.parametrize("entry, lost", [
    ("@book{k, title = {A}}, author = {B}, year = {2000}}", "fields lost: author, year"),
    ("@book{k, title = {A}}, author = B, year = {2000}}", "fields lost: author, year"),
    ("@book{k, title = {A}, publisher = pub # {x}}}, author = {B}}", "field lost: author"),
    ("@book{k, title = {A}}, note = {x = {y}, z}, url = {a@b.org}}", "fields lost: note, url"),
    ("@book(k, title = {A}), author = {B})", "field lost: author"),
])
def test_early_brace_variants(entry, lost):
    from kg.core.bib import parse

    bib = parse(entry + "\n\n@book{next, title = {N}}\n", "x.bib")
    errors = [p for p in bib.problems if p.level == "error"]
    assert len(errors) == 1 and lost in errors[0].message, bib.problems
    assert (errors[0].line, errors[0].key) == (1, "k")
    assert [e.key for e in bib.entries] == ["k", "next"]


def test_key_with_a_quote_names_the_whole_key():
    bib = load(BAD / "quote_in_key.bib")
    (p,) = bib.problems
    assert p.key == 'ellul"1988' and "invalid citekey 'ellul\"1988'" in p.message
    assert "a key cannot hold '\"'" in p.message and "brace" not in p.message


def test_utf32_is_named_utf32(write_bib):
    from kg.core.bib import read_text

    body = "@book{u, title={Société}}\n"
    for codec in ("utf-32", "utf-32-le", "utf-32-be"):
        text, problems = read_text(write_bib(body.encode(codec), f"{codec}.bib"))
        assert text == body, codec
        assert [p.message.split(";")[0] for p in problems] == ["file is UTF-32"], codec
    text, problems = read_text(write_bib(body.encode("utf-16"), "u16.bib"))
    assert text == body and problems[0].message.startswith("file is UTF-16;")


@pytest.mark.parametrize("content", [
    "% only comments\n% and more\n",
    "@comment{a comment block}\n",
    "plain text, no entry at all\n",
    "@preamble{\"\\newcommand{\\x}{y}\"}\n@string{s = {t}}\n",
])
def test_check_says_when_no_entry_was_read(write_bib, ontology_path, content):
    from kg.builder.check import check

    report = check(write_bib(content), ontology_path, shacl=False)
    assert report.exit_code == 1
    assert [p.message.split(":")[0] for p in report.errors] == ["no entry read"]
    assert "Clean" not in report.text()


def test_check_no_entry_read_when_every_entry_is_broken(write_bib, ontology_path):
    from kg.builder import check as ck

    report = ck.check(write_bib("@book{a, title = {x}\n"), ontology_path, shacl=False)
    assert [ck.kind(p.message) for p in report.errors] == ["no entry read",
                                                            "unclosed brace in @book entry"]
    assert "every entry in it has an error" in report.errors[0].message
