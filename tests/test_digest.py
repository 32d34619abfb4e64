"""kg.digest: the digest answers exactly what SPARQL answers, and is never stale."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import digest
from kg import query as Q

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from kg.build import build

    base = tmp_path_factory.mktemp("digest")
    bib, onto = base / "references.bib", base / "ontology.ttl"
    shutil.copyfile(ROOT / "references.bib", bib)
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    build(bib, onto, base / "out")
    return base / "out", bib, onto


@pytest.fixture(scope="module")
def libs(built):
    """(digest library, SPARQL-only library) over the same build."""
    out, bib, onto = built
    fast = Q.Library(out, bib, onto)
    assert fast.digest() is not None
    slow = Q.Library(out, bib, onto, store=fast.store)
    assert slow.digest() is None
    return fast, slow


def test_digest_written_next_to_its_store(built, libs):
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


def test_thinker_pages_equal_sparql(libs):
    fast, slow = libs
    names = fast.thinker_names()
    assert names == slow.thinker_names()
    people = sorted(set(names.values()))
    covered = [p for p in people if fast.digest().thinker(p) is not None]
    assert len(covered) >= 0.9 * len(people)
    for p in people:
        key = p.rsplit("/", 1)[-1]
        for limit in (None, 20):
            assert Q.thinker(key, limit=limit, lib=fast) == \
                Q.thinker(key, limit=limit, lib=slow), (p, limit)


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
