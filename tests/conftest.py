"""Shared fixtures: paths of the shipped files, the thesaurus, models built from text, builds.

Every output goes to a pytest temporary folder; nothing is written into the checkout.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `pytest` run without the project installed
    sys.path.insert(0, str(ROOT))

DATA = Path(__file__).resolve().parent / "data"
SMALL_BIB = DATA / "small.bib"
ONTOLOGY = ROOT / "ontology.ttl"


@pytest.fixture(scope="session")
def ontology_path(tmp_path_factory) -> Path:
    """A private copy of ontology.ttl (the shipped one may be edited while the suite runs)."""
    dest = tmp_path_factory.mktemp("ontology") / "ontology.ttl"
    shutil.copyfile(ONTOLOGY, dest)
    return dest


@pytest.fixture(scope="session")
def thesaurus(ontology_path):
    from kg.core.themes import load_thesaurus

    return load_thesaurus(ontology_path.read_bytes())


@pytest.fixture
def small_bib(tmp_path) -> Path:
    """A private copy of tests/data/small.bib (tests may touch or edit it)."""
    dest = tmp_path / "small.bib"
    shutil.copyfile(SMALL_BIB, dest)
    return dest


@pytest.fixture
def write_bib(tmp_path):
    """write_bib(text or bytes, name='x.bib') -> path of a new file in tmp_path."""

    def write(content: str | bytes, name: str = "x.bib") -> Path:
        p = tmp_path / name
        if isinstance(content, str):
            p.write_text(content, encoding="utf-8", newline="")
        else:
            p.write_bytes(content)
        return p

    return write


@pytest.fixture
def model_of(thesaurus):
    """model_of(bibtex text) -> kg.core.model.Model, with the parse problems first (like a build)."""
    from kg.core.bib import parse
    from kg.core.model import build_model

    def make(text: str, path: str = "x.bib"):
        bib = parse(text, path)
        model = build_model(bib, thesaurus)
        model.problems[:0] = bib.problems
        return model

    return make


@pytest.fixture(scope="session")
def small_model(thesaurus):
    from kg.core.bib import load
    from kg.core.model import build_model

    return build_model(load(SMALL_BIB), thesaurus)


@pytest.fixture(scope="session")
def built_small(tmp_path_factory, ontology_path):
    """small.bib built once into a temporary out/ (read-only for the tests that use it)."""
    from kg.api import build

    base = tmp_path_factory.mktemp("built")
    bib = base / "small.bib"
    shutil.copyfile(SMALL_BIB, bib)
    result = build(bib, ontology_path, base / "out")
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path -> bytes), to compare a folder before/after."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def messages(problems, level: str | None = None) -> list[str]:
    return [p.message for p in problems if level is None or p.level == level]


class Corpus(NamedTuple):
    """The shipped corpus built once for the session, in a private folder."""

    base: Path
    bib: Path
    onto: Path
    out: Path

    def opts(self) -> list[str]:
        """The CLI options that point a command at this build."""
        return ["--out", str(self.out), "--bib", str(self.bib), "--ontology", str(self.onto)]


@pytest.fixture(scope="session")
def shipped_corpus(tmp_path_factory) -> Corpus:
    from kg.api import build

    base = tmp_path_factory.mktemp("shipped-corpus")
    bib, onto = base / "references.bib", base / "ontology.ttl"
    shutil.copyfile(ROOT / "references.bib", bib)
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    build(bib, onto, base / "out")
    return Corpus(base, bib, onto, base / "out")


#: the browser the page tests drive (Debian's chromium, through Playwright), and its flags
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def need(ok: bool, what: str) -> None:
    """A real component the tests use: missing in CI is a failure, elsewhere a skip."""
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required in CI (.ci/run installs it)")
        pytest.skip(f"{what} not available")


def require_pandoc() -> None:
    """Module-level guard: pandoc (from the pypandoc-binary wheel) is a real component the
    tests use; missing in CI is a failure, on a developer machine a skip."""
    from kg.write import cite

    try:
        cite.pandoc_path()
    except cite.PandocError:
        if os.environ.get("CI") == "true":
            raise RuntimeError("pandoc is required in CI: pip install pypandoc-binary") from None
        pytest.skip("pandoc not installed", allow_module_level=True)


def read_model_content(out: Path) -> dict:
    """Every row of the live generation's read.sqlite, sorted (search lines without their
    ids)."""
    from kg.builder.store import current
    from kg.core import readmodel

    return readmodel.content(current(out) / readmodel.NAME)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A real Virtuoso server for the session (tests/virtuoso_server.py): anonymous
    /sparql + /sparql-graph-crud read-write, /sparql-auth + /sparql-graph-crud-auth with HTTP
    Digest users. Skipped when Virtuoso is not installed, a failure when CI=true."""
    from virtuoso_server import Virtuoso

    server = Virtuoso(tmp_path_factory.mktemp("virtuoso") / "db").start()
    yield server
    server.stop()
