"""kg.digest: the digest answers exactly what SPARQL answers, and is never stale.

The digest is made from the build's in-memory records (``digest.part`` per chunk, then
``digest.write_from_parts``); these tests make the parts the way the build does (a
ModelBuilder, ``record()`` per entry, ``part()`` per chunk of CHUNK entries) and compare every
theme and every thinker with the SPARQL answers of the same build.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kg import digest
from kg import query as Q

ROOT = Path(__file__).resolve().parent.parent


def write_digest_as_build(out: Path, bib: Path, onto: Path) -> Path:
    """What kg.build does: parts per chunk in the workers, merged after the loop."""
    from kg.bib import load
    from kg.build import CHUNK, _thesaurus
    from kg.model import ModelBuilder
    from kg.store import read_manifest

    thesaurus, onto_bytes = _thesaurus(onto)
    bib_file = load(bib)
    mb = ModelBuilder(bib_file, thesaurus)
    parts = []
    for i in range(0, len(bib_file.entries), CHUNK):
        recs = [r for r in map(mb.record, bib_file.entries[i:i + CHUNK]) if r is not None]
        parts.append(digest.part(recs, mb))
    for old in out.glob("digest-*.bin"):
        old.unlink()
    return digest.write_from_parts(out, read_manifest(out)["store"], parts, mb.persons,
                                   onto_bytes)


def _build(base: Path, bib_text: str | None):
    from kg.build import build

    bib, onto = base / "references.bib", base / "ontology.ttl"
    if bib_text is None:
        shutil.copyfile(ROOT / "references.bib", bib)
    else:
        bib.write_text(bib_text, encoding="utf-8")
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    build(bib, onto, base / "out")
    write_digest_as_build(base / "out", bib, onto)
    return base / "out", bib, onto


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("digest"), None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate, themes

    return _build(tmp_path_factory.mktemp("digest-gen"),
                  generate(2000, 1, themes(ROOT / "ontology.ttl")))


def _libs(b):
    """(digest library, SPARQL-only library) over the same build."""
    out, bib, onto = b
    fast = Q.Library(out, bib, onto)
    assert fast.digest() is not None
    slow = Q.Library(out, bib, onto, store=fast.store)
    assert slow.digest() is None
    return fast, slow


@pytest.fixture(scope="module", params=["corpus", "generated-2000"])
def libs(request):
    b = request.getfixturevalue("built" if request.param == "corpus" else "generated")
    return _libs(b)


def test_digest_written_next_to_its_store(built):
    from kg.store import read_manifest

    out = built[0]
    name = read_manifest(out)["store"]
    assert digest.path_for(out, name).exists()
    assert digest.read(out, "store-other") is None


def test_every_theme_page_equals_sparql(libs):
    fast, slow = libs
    ids = list(slow.theme_index())
    assert fast.theme_index() == slow.theme_index()
    missing = [t for t in ids if fast.digest().theme(t) is None]
    assert not missing, f"theme pages left to SPARQL: {missing}"
    for tid in ids:
        for limit in (None, 20, 3):
            for lang in ("fr", "en"):
                assert Q.theme(tid, lang=lang, limit=limit, lib=fast) == \
                    Q.theme(tid, lang=lang, limit=limit, lib=slow), (tid, limit, lang)


def test_themes_tree_equals_sparql(libs):
    fast, slow = libs
    for lang in ("fr", "en"):
        assert Q.themes(lang=lang, lib=fast) == Q.themes(lang=lang, lib=slow)


def test_every_thinker_page_equals_sparql(libs):
    fast, slow = libs
    names = fast.thinker_names()
    assert names == slow.thinker_names()
    people = sorted(set(names.values()))
    missing = [p for p in people if fast.digest().thinker(p) is None]
    assert not missing, f"thinker pages left to SPARQL: {missing[:5]}"
    for p in people:
        key = p.rsplit("/", 1)[-1]
        for limit, lang in ((None, "fr"), (20, "en"), (3, "fr")):
            assert Q.thinker(key, lang=lang, limit=limit, lib=fast) == \
                Q.thinker(key, lang=lang, limit=limit, lib=slow), (p, limit, lang)


def test_lazy_digest_for_an_output_built_without_one(built, tmp_path):
    """An out/ without a digest gets one on the first query, the same as the build's."""
    from kg.store import read_manifest

    out, bib, onto = built
    o2 = tmp_path / "out"
    shutil.copytree(out, o2)
    name = read_manifest(o2)["store"]
    made = digest.path_for(o2, name).read_bytes()
    digest.path_for(o2, name).unlink()
    lib = Q.Library(o2, bib, onto)
    assert lib.digest() is not None
    assert digest.path_for(o2, name).read_bytes() == made


def test_new_build_gets_a_new_digest(built, tmp_path):
    from kg.build import build
    from kg.store import read_manifest

    _, bib, onto = built
    bib2 = tmp_path / "references.bib"
    shutil.copyfile(bib, bib2)
    with open(bib2, "a", encoding="utf-8") as f:
        f.write("\n@book{zz-digest-test,\n  author = {Zorglub, Anatole},\n"
                "  title = {Un livre de plus},\n  date = {2001},\n"
                "  keywords = {surveillance}\n}\n")
    o2 = tmp_path / "out"
    build(bib2, onto, o2)
    lib = Q.Library(o2, bib2, onto)
    d = Q.theme("surveillance", limit=None, lib=lib)
    assert "zz-digest-test" in {w["key"] for w in d["works"]}
    assert digest.path_for(o2, read_manifest(o2)["store"]).exists()
    assert len(list(o2.glob("digest-*.bin"))) == 1
