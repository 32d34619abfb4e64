"""A library kept in several .bib files (a file per project): `kg build a.bib b.bib`, `--bib`
repeated, `kg check a.bib b.bib`.  The library is the union of the files' entries, in the order
given; @string macros and crossrefs work across files; every problem names its own file and
line; the manifest records each file, and a query rebuilds when one changes or the list does."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ONTOLOGY, ROOT, read_model_content

from kg import api
from kg.builder import incremental
from kg.builder import pipeline as kb
from kg.builder import store as st
from kg.builder.check import check
from kg.cli import main
from kg.core.errors import InputError

A = """@string{pub = {Seuil}}

@book{ellul1954,
  title = {La Technique ou l'enjeu du si{\\`e}cle},
  author = {Ellul, Jacques},
  publisher = pub,
  date = {1954},
  keywords = {technique},
}

@collection{coll2000,
  title = {Un recueil},
  editor = {Dupont, Jean},
  publisher = {Gallimard},
  date = {2000},
}
"""

B = """% the second project's file
@book{illich1973,
  title = {Tools for Conviviality},
  author = {Illich, Ivan},
  publisher = pub,
  date = {1973},
}

@incollection{part2000,
  title = {Un chapitre},
  author = {Martin, Paul},
  crossref = {coll2000},
  pages = {1--10},
}
"""


def quads(out: Path) -> set[str]:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(next(st.current(out).glob("store-*"))))
    return {str(q) for q in store}


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.fixture()
def two(tmp_path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.bib", tmp_path / "b.bib"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    return a, b


@pytest.mark.slow
def test_two_files_build_the_graph_of_their_concatenation(tmp_path):
    """The shipped corpus cut in two at an entry: the same triples and read model as whole."""
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    heads = [m.start() for m in re.finditer(r"(?m)^@", text)]
    cut = heads[len(heads) // 2]
    a, b, whole = tmp_path / "a.bib", tmp_path / "b.bib", tmp_path / "whole.bib"
    a.write_text(text[:cut], encoding="utf-8")
    b.write_text(text[cut:], encoding="utf-8")
    whole.write_text(text, encoding="utf-8")
    two = kb.build((a, b), ONTOLOGY, tmp_path / "two", incremental=False)
    one = kb.build(whole, ONTOLOGY, tmp_path / "one", incremental=False)
    assert two.counts == one.counts and two.triples == one.triples
    assert quads(tmp_path / "two") == quads(tmp_path / "one")
    assert read_model_content(tmp_path / "two") == read_model_content(tmp_path / "one")
    # the problems are the same ones, each in its own file at its own line
    lines = {str(p).replace(str(whole), "F") for p in one.problems}
    moved = set()
    for p in two.problems:
        line = p.line + (text[:cut].count("\n") if p.file == str(b) and p.line else 0)
        moved.add(str(p).replace(f"{p.file}:{p.line}", f"F:{line}" if p.line else "F")
                  if p.file in (str(a), str(b)) else str(p))
    assert moved == lines


def test_macros_and_crossrefs_work_across_files(two, tmp_path):
    out = tmp_path / "out"
    result = kb.build(two, ONTOLOGY, out)
    assert not result.errors, result.problems
    lib = api.open_library(out, two, ONTOLOGY)
    from kg.read import query

    illich = query.work("illich1973", lib=lib)
    assert "Seuil" in json.dumps(illich, ensure_ascii=False)  # @string of a.bib, used in b.bib
    part = query.work("part2000", lib=lib)
    text = json.dumps(part, ensure_ascii=False)
    assert "Un recueil" in text and "Gallimard" in text  # inherited from a.bib's parent
    assert not any("undefined" in p.message for p in result.problems)


def test_the_order_given_is_the_library_order(two, tmp_path):
    out = tmp_path / "out"
    kb.build(two, ONTOLOGY, out)
    exported = api.export("bibtex", out=out, bib=two, ontology=ONTOLOGY)
    keys = re.findall(r"(?m)^@(?!string)\w+\{([^,\s{}]+),", exported)
    assert keys == ["ellul1954", "coll2000", "illich1973", "part2000"]


def test_export_of_a_library_in_two_files_loses_nothing(two, tmp_path):
    from kg.core.bib import parse

    out = tmp_path / "out"
    kb.build(two, ONTOLOGY, out)
    back = parse(api.export("bibtex", out=out, bib=two, ontology=ONTOLOGY), "back.bib")
    assert not [p for p in back.problems if p.level == "error"]
    written = {e.key: e.fields for e in parse(A + B, "both.bib").entries}
    assert {e.key: e.fields for e in back.entries} == written
    assert back.strings == {"pub": "{Seuil}"}


def test_a_key_in_two_files_is_an_error_naming_both_places(two, tmp_path):
    a, b = two
    b.write_text(B + "\n@book{ellul1954,\n  title = {Autre},\n  date = {1999},\n}\n",
                 encoding="utf-8")
    second = line_of(b.read_text(encoding="utf-8"), "@book{ellul1954")
    first = line_of(A, "@book{ellul1954")
    result = kb.build(two, ONTOLOGY, tmp_path / "out")
    dup = [p for p in result.errors if "duplicate key" in p.message]
    assert [str(p) for p in dup] == [
        f"{b}:{second}: ellul1954: error: duplicate key 'ellul1954' (first at {a}:{first}); "
        "this one is ignored: rename or merge one of them"]
    report = check(two, ONTOLOGY, shacl=False)
    assert [str(p) for p in report.errors] == [str(p) for p in dup]
    d = report.as_dict()["problems"][0]
    assert d["file"] == str(b) and d["line"] == second
    assert d["at"] == {"file": str(a), "line": first}


def test_a_problem_in_the_second_file_names_it_and_its_own_line(two, tmp_path):
    a, b = two
    text = B.replace("  date = {1973},\n", "  date = {1973},\n  isbn = {978-0-06-012138-0},\n"
                     "  title = {Twice},\n")
    b.write_text(text, encoding="utf-8")
    isbn, twice = line_of(text, "isbn = "), line_of(text, "title = {Twice}")
    title = line_of(text, "title = {Tools")
    result = kb.build(two, ONTOLOGY, tmp_path / "out")
    found = {(p.file, p.line, p.level): p.message for p in result.problems}
    assert any("ISBN" in m or "isbn" in m for (f, line, _), m in found.items()
               if (f, line) == (str(b), isbn)), result.problems
    assert found[(str(b), twice, "error")].startswith(
        f"field 'title' appears twice (first at line {title})")
    report = check(two, ONTOLOGY, shacl=False)
    assert {(p.file, p.line) for p in report.problems} >= {(str(b), isbn), (str(b), twice)}
    assert all(p.file in (str(a), str(b)) for p in report.problems)


def test_warnings_are_in_file_order(two, tmp_path):
    a, b = two
    a.write_text(A.replace("  date = {1954},\n", "  date = {1954},\n  isbn = {123},\n"),
                 encoding="utf-8")
    b.write_text(B.replace("  date = {1973},\n", "  date = {1973},\n  isbn = {456},\n"),
                 encoding="utf-8")
    result = kb.build(two, ONTOLOGY, tmp_path / "out")
    files = [p.file for p in result.problems if "isbn" in p.message.lower()]
    assert files and files == sorted(files, key=[str(a), str(b)].index)
    assert set(files) == {str(a), str(b)}


def test_an_empty_file_among_others_is_a_warning_of_its_own(two, tmp_path):
    empty = tmp_path / "empty.bib"
    empty.write_text("", encoding="utf-8")
    result = kb.build((*two, empty), ONTOLOGY, tmp_path / "out")
    assert [str(p) for p in result.problems if p.file == str(empty)] == [
        f"{empty}: warning: empty file: no entries in it"]
    assert result.counts["works"] == 4


def test_a_file_given_twice_is_refused(two, tmp_path):
    with pytest.raises(InputError, match="given twice"):
        kb.build((two[0], two[1], two[0]), ONTOLOGY, tmp_path / "out")


def test_the_manifest_records_every_file(two, tmp_path):
    out = tmp_path / "out"
    kb.build(two, ONTOLOGY, out)
    m = st.read_manifest(out)
    assert [f["path"] for f in m["bibs"]] == [str(p.resolve()) for p in two]
    assert [f["sha256"] for f in m["bibs"]] == [st.sha256(p) for p in two]
    assert st.built_from(out, two, ONTOLOGY)
    assert not st.built_from(out, two[::-1], ONTOLOGY)  # another order: another library
    assert not st.built_from(out, two[0], ONTOLOGY)


@pytest.mark.slow
def test_a_query_rebuilds_when_a_file_leaves_the_list(two, tmp_path):
    out = str(tmp_path / "out")
    args = ["--ontology", str(ONTOLOGY), "--out", out]
    r = CliRunner().invoke(main, ["build", *map(str, two), *args])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["work", "illich1973", "--bib", str(two[0]),
                                  "--bib", str(two[1]), *args])
    assert r.exit_code == 0 and "Tools for Conviviality" in r.output
    assert "building" not in r.output
    r = CliRunner().invoke(main, ["work", "illich1973", "--bib", str(two[0]), *args])
    assert r.exit_code != 0 and "Tools for Conviviality" not in r.output
    assert [f["path"] for f in st.read_manifest(out)["bibs"]] == [str(two[0].resolve())]


@pytest.mark.slow
def test_a_query_rebuilds_when_the_second_file_is_edited(two, tmp_path):
    out = str(tmp_path / "out")
    both = ["--bib", str(two[0]), "--bib", str(two[1]), "--ontology", str(ONTOLOGY),
            "--out", out]
    r = CliRunner().invoke(main, ["work", "illich1973", *both])
    assert r.exit_code == 0 and "Tools for Conviviality" in r.output
    two[1].write_text(B.replace("Tools for Conviviality", "La Convivialit{\\'e}"),
                      encoding="utf-8")
    r = CliRunner().invoke(main, ["work", "illich1973", *both])
    assert r.exit_code == 0 and "La Convivialité" in r.output, r.output
    assert "b.bib or" in r.output  # said on stderr: which inputs changed
    assert st.built_from(out, two, ONTOLOGY)


def test_check_of_two_files(two, tmp_path):
    r = CliRunner().invoke(main, ["check", *map(str, two), "--ontology", str(ONTOLOGY),
                                  "--out", str(tmp_path / "none")])
    assert r.exit_code == 0, r.output
    assert "4 works" in r.output and "0 error(s)" in r.output
    r = CliRunner().invoke(main, ["check", str(two[1]), "--ontology", str(ONTOLOGY),
                                  "--out", str(tmp_path / "none"), "--no-shacl"])
    assert r.exit_code == 1  # b.bib alone: its crossref parent is missing
    assert f"{two[1]}:" in r.output and "coll2000" in r.output


@pytest.mark.slow
def test_editing_the_second_file_rebuilds_it_incrementally(monkeypatch, tmp_path):
    """A large library in two files: an edit of the second is an incremental build, equal to
    a full one, whose problems are still in their own file, and the next query sees it."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate, themes

    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 200)
    text = generate(400, 7, themes(ONTOLOGY))
    heads = [m.start() for m in re.finditer(r"(?m)^@", text)]
    cut = heads[len(heads) // 2]
    a, b = tmp_path / "a.bib", tmp_path / "b.bib"
    a.write_text(text[:cut], encoding="utf-8")
    tail = text[cut:] + ("\n@book{late, title = {Late}, date = {2001}, isbn = {123}}\n"
                         "\n@book{twice,\n  title = {A},\n  date = {2001},\n  title = {B},\n}\n")
    b.write_text(tail, encoding="utf-8")
    key = re.search(r"(?m)^@book\{(w\d+),", tail).group(1)
    out = tmp_path / "out"
    first = kb.build((a, b), ONTOLOGY, out)
    assert not first.incremental
    isbn = [p for p in first.problems if p.key == "late" and "isbn" in p.message.lower()]
    assert [(p.file, p.line) for p in isbn] == [(str(b), line_of(tail, "@book{late"))]

    old = re.search(r"(?m)^@book\{" + key + r",\n(?:.*\n)*?  title = \{([^}]*)\}", tail)
    b.write_text(tail.replace(old.group(0), old.group(0).replace(old.group(1), "Retitled"), 1),
                 encoding="utf-8")
    applied = []
    real = incremental._apply
    monkeypatch.setattr(incremental, "_apply", lambda *a_, **k: applied.append(1) or
                        real(*a_, **k))
    lib = api.open_library(out, (a, b), ONTOLOGY, quiet=True)
    assert applied, "the edit of b.bib was not rebuilt incrementally"
    from kg.read import query

    assert "Retitled" in json.dumps(query.work(key, lib=lib), ensure_ascii=False)
    assert st.built_from(out, (a, b), ONTOLOGY)

    full = tmp_path / "full"
    ref = api.build((a, b), ONTOLOGY, full, incremental=False)  # with the page, aggregates
    assert quads(out) == quads(full)
    assert read_model_content(out) == read_model_content(full)
    again = api.build((a, b), ONTOLOGY, out)  # nothing changed: incremental, same problems
    assert again.incremental
    assert [str(p) for p in again.problems] == [str(p).replace(str(full), str(out))
                                                for p in ref.problems]
    twice = [str(p) for p in again.problems if p.key == "twice"]
    assert twice == [f"{b}:{line_of(tail, 'title = {B}')}: twice: error: field 'title' appears "
                     f"twice (first at line {line_of(tail, 'title = {A}')}); the first value is "
                     "kept: delete or rename the other"]
    shutil.rmtree(full)


def test_messages_naming_another_entry_name_its_file(two, tmp_path):
    """'@thinker again', 'likely duplicate of': the first entry's place is in the other file."""
    a, b = two
    a.write_text(A + "\n@thinker{ellul,\n  name = {Ellul, Jacques},\n}\n", encoding="utf-8")
    text = B + ("\n@thinker{ellul2,\n  name = {Ellul, Jacques},\n}\n"
                "\n@book{ellul1954b,\n  title = {La Technique ou l'enjeu du si{\\`e}cle},\n"
                "  author = {Ellul, Jacques},\n  date = {1954},\n}\n")
    b.write_text(text, encoding="utf-8")
    thinker, work = line_of(a.read_text(encoding="utf-8"), "@thinker"), line_of(A, "@book")
    report = check(two, ONTOLOGY, shacl=False)
    said = {p.message.split(":")[0]: (p.file, p.line, p.message) for p in report.problems}
    again = said["@thinker for 'Jacques Ellul' again (first"]
    assert again[:2] == (str(b), line_of(text, "name = {Ellul"))
    assert f"(first: 'ellul' at {a}:{thinker})" in again[2]
    dup = said["likely duplicate of 'ellul1954' (" + str(a)]
    assert dup[:2] == (str(b), line_of(text, "  title = {La Technique"))
    assert f"({a}:{work})" in dup[2]
