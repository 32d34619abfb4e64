"""Nothing lost: every field of real third-party bibliographies survives bib -> graph -> bib.

Corpus: biblatex's own example database (Debian's texlive-bibtex-extra; required in CI) and the
BibTeX files vendored from the pybtex and bibtexparser sdists (tests/data/thirdparty/).
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from kg.api import build
from kg.builder.triplestore import open_store
from kg.core.bib import load, parse
from kg.write.export import bibtex

THIRDPARTY = Path(__file__).resolve().parents[1] / "data" / "thirdparty"
BIBLATEX_EXAMPLES = Path("/usr/share/texlive/texmf-dist/bibtex/bib/biblatex/biblatex/"
                         "biblatex-examples.bib")
VENDORED = sorted(THIRDPARTY.rglob("*.bib"))


def _corpus_gen():
    yield pytest.param(BIBLATEX_EXAMPLES, id="biblatex-examples")
    for p in VENDORED:
        yield pytest.param(p, id=str(p.relative_to(THIRDPARTY)))


def _corpus():
    return list(_corpus_gen())


def _need(path: Path) -> None:
    if path.is_file():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{path} missing: apt-get install texlive-bibtex-extra (.ci/run does)")
    pytest.skip(f"{path} not installed (apt-get install texlive-bibtex-extra)")


def test_corpus_is_vendored():
    names = {p.name for p in VENDORED}
    assert {"xampl.bib", "tugboat.bib", "cyrillic.bib", "IEEEtran.bib", "extrafields.bib",
            "gbk_test.bib"} <= names
    assert (THIRDPARTY / "pybtex" / "COPYING").is_file()
    assert (THIRDPARTY / "bibtexparser" / "LICENSE").is_file()


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory, ontology_path):
    """path -> (original BibFile, BibFile parsed back from `kg export --format bibtex`)."""
    cache: dict[Path, tuple] = {}

    def run(path: Path):
        if path not in cache:
            base = tmp_path_factory.mktemp("rt")
            bib = base / path.name
            shutil.copyfile(path, bib)
            original = load(bib)
            build(bib, ontology_path, base / "out")
            text = bibtex(open_store(base / "out"))
            cache[path] = (original, parse(text, "export.bib"), text)
        return cache[path]

    return run


@pytest.mark.parametrize("path", _corpus())
def test_every_field_survives(path, roundtrip):
    _need(path)
    original, back, _ = roundtrip(path)
    assert original.entries, "the corpus file has entries"
    assert not [p for p in back.problems if p.level == "error"]
    got = {e.key: e for e in back.entries}
    assert [e.key for e in back.entries] == [e.key for e in original.entries]  # order too
    for e in original.entries:
        b = got[e.key]
        assert b.raw_type == e.raw_type, e.key
        assert list(b.fields) == list(e.fields), e.key  # names as written, in order
        for name, value in e.fields.items():
            assert b.fields[name] == value, (e.key, name)
    assert back.strings == original.strings
    assert back.preambles == original.preambles
    assert back.comments == original.comments


@pytest.mark.parametrize("path", _corpus())
def test_reader_loses_nothing_bibtexparser_sees(path):
    """Cross-check our reader with an independent parser: same keys, same field names."""
    _need(path)
    import bibtexparser

    from kg.core.bib import read_text

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    text, _ = read_text(path)
    ref = bibtexparser.parse_string(text, parse_stack=[])
    ours = load(path)
    assert not [p for p in ours.problems if p.level == "error"]
    theirs = {e.key: sorted(f.key for f in e.fields) for e in ref.entries}
    assert {e.key: sorted(e.fields) for e in ours.entries} == theirs
    assert set(ours.strings) == {s.key for s in ref.strings}


@pytest.mark.parametrize("path", _corpus())
def test_export_is_stable(path, roundtrip, tmp_path, ontology_path):
    """Exporting what was exported gives the same text (a fixed point)."""
    _need(path)
    _, _, text = roundtrip(path)
    again = tmp_path / "again.bib"
    again.write_text(text, encoding="utf-8")
    build(again, ontology_path, tmp_path / "out")
    assert bibtex(open_store(tmp_path / "out")) == text
