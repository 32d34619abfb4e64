"""kg.builder.pipeline and kg.builder.store: what a build writes, what a failed build leaves, when to rebuild."""
from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import snapshot

from kg.api import build, ensure_built
from kg.builder import store as st
from kg.builder import triplestore
from kg.builder.inputs import default_inputs
from kg.core.errors import BuildError, InputError, StaleStoreError

BROKEN = "@book{a, title={A}}\n@book{b,\n  title={B}\n@book{c, title={C}}\n"


def manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def stores(out):
    """The stores of the live generation (there is one)."""
    return sorted(p.name for p in st.current(out).glob("store-*"))


def generations(out):
    return sorted(p.name for p in (out / st.KG_DIR).glob("gen-*"))


@pytest.fixture
def out(tmp_path):
    return tmp_path / "out"


@pytest.fixture
def built(small_bib, ontology_path, out):
    """small.bib built into tmp_path/out; returns the BuildResult."""
    return build(small_bib, ontology_path, out)


# --------------------------------------------------------------------------- a good build

def test_build_writes_the_output_folder(built, out, small_bib, ontology_path):
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".kg", "manifest.json", "graph.ttl", "graph.jsonld", "graph.html"])
    for name in st.LINKED:  # the user's paths: relative links through .kg/current
        assert os.readlink(out / name) == f".kg/current/{name}"
    gen = st.current(out)
    assert os.readlink(out / ".kg" / "current") == gen.name and generations(out) == [gen.name]
    assert sorted(p.name for p in (out / ".kg").iterdir()) == ["current", gen.name, "lock"]
    assert sorted(p.name for p in gen.iterdir()) == sorted(
        ["manifest.json", "graph.ttl", "graph.jsonld", "graph.html", *stores(out),
         "read.sqlite", "shacl-known.json"])
    assert len(stores(out)) == 1
    m = manifest(out)
    assert m["format"] == st.FORMAT_VERSION
    assert m["store"] == stores(out)[0] and (gen / m["store"]).is_dir()
    assert set(m["files"]) == {"graph.ttl", "graph.jsonld", "graph.html", "read.sqlite",
                               "shacl-known.json"}
    assert m["bib"]["path"] == str(small_bib.resolve())
    assert m["bib"]["sha256"] == st.sha256(small_bib)
    assert m["bib"]["size"] == small_bib.stat().st_size
    assert m["ontology"]["path"] == str(ontology_path.resolve())
    assert m["counts"] == built.counts
    assert m["triples"] == built.triples > 0
    assert m["problems"] == {"errors": 0, "warnings": 1}
    assert re.fullmatch(r"store-.+-" + m["bib"]["sha256"][:8], m["store"])


def test_build_result(built, out, thesaurus):
    assert built.out == out
    assert built.counts == {"works": 5, "quotes": 1, "claims": 2, "thinkers": 1,
                            "contributors": 4, "themes": len(thesaurus)}
    assert built.errors == []
    assert [(p.key, p.message) for p in built.warnings] == [
        ("q-ellul-ambivalence", "quote has no locator (page or chapter unknown)")]


def test_no_staging_folder_is_left(built, out):
    assert list(out.glob(".kg/stage-*")) == []


def test_the_store_answers_queries(built, out):
    store = triplestore.open_store(out)
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a "
                            "<https://kg.example/ontology#Work> }"))
    assert int(rows[0]["n"].value) == 5
    assert len(store) == built.triples


def test_rebuild_replaces_the_store(built, out, small_bib, ontology_path):
    first = stores(out)
    small_bib.write_text(small_bib.read_text(encoding="utf-8") + "\n@book{zz, title={Z}}\n",
                         encoding="utf-8")
    again = build(small_bib, ontology_path, out)
    assert again.counts["works"] == 6
    assert len(stores(out)) == 1 and stores(out) != first
    assert manifest(out)["store"] == stores(out)[0]
    assert generations(out) == [st.current(out).name]  # the old generation is removed


def test_errors_are_reported_and_valid_entries_built(write_bib, ontology_path, out):
    bib = write_bib(BROKEN)
    result = build(bib, ontology_path, out)
    assert [(p.line, p.key, p.level) for p in result.errors] == [(2, "b", "error")]
    assert result.counts["works"] == 2
    assert manifest(out)["problems"]["errors"] == 1


# --------------------------------------------------------------------------- failed builds

def test_strict_with_an_error_writes_nothing(built, out, write_bib, ontology_path):
    before = snapshot(out)
    bib = write_bib(BROKEN)
    with pytest.raises(BuildError) as exc:
        build(bib, ontology_path, out, strict=True)
    assert str(exc.value) == (
        f"{bib}:2: b: error: unclosed brace in @book entry (the entry is ignored; parsing "
        "resumed at the next '@'): close the brace\n(--strict: nothing written; 1 error(s) "
        "in all)")
    assert snapshot(out) == before


def test_strict_without_errors_builds(small_bib, ontology_path, out):
    result = build(small_bib, ontology_path, out, strict=True)  # warnings are not errors
    assert result.errors == [] and (out / "manifest.json").is_file()


def test_a_shacl_violation_keeps_the_previous_output(built, out, small_bib, ontology_path,
                                                     monkeypatch):
    """SHACL runs in a forked child while the files are written; its errors still block."""
    from kg.builder import shacl
    from kg.core.errors import Problem

    before = snapshot(out)

    def violated(selected, model=None, t0=None):
        return [Problem("graph", 0, "work/x", "error", "SHACL: work/x dcterms:title: broken")], None

    monkeypatch.setattr(shacl, "validate_data", violated)
    with pytest.raises(BuildError, match="SHACL: work/x dcterms:title: broken"):
        build(small_bib, ontology_path, out)
    assert snapshot(out) == before


def test_a_crashing_shacl_child_is_an_error_not_a_hang(built, out, small_bib, ontology_path,
                                                       monkeypatch):
    from kg.builder import shacl

    def crash(selected, model=None, t0=None):
        os._exit(3)

    monkeypatch.setattr(shacl, "validate_data", crash)
    with pytest.raises(BuildError, match="validating the graph .SHACL. failed: exit status"):
        build(small_bib, ontology_path, out)
    assert not list(out.glob(".kg/stage-*"))


def test_strict_on_a_fresh_folder_creates_nothing(write_bib, ontology_path, out):
    with pytest.raises(BuildError):
        build(write_bib(BROKEN), ontology_path, out, strict=True)
    assert not out.exists() or list(out.rglob("*")) == []


def test_empty_bib_leaves_the_previous_output(built, out, write_bib, ontology_path):
    before = snapshot(out)
    bib = write_bib("")
    with pytest.raises(BuildError) as exc:
        build(bib, ontology_path, out)
    assert str(exc.value) == (f"{bib}: no entries could be read; {out}/ left as it was\n"
                              f"{bib}: error: empty file: no entries")
    assert snapshot(out) == before


def test_binary_bib_leaves_the_previous_output(built, out, write_bib, ontology_path):
    before = snapshot(out)
    bib = write_bib(bytes(range(256)) * 4 + b"\x00" * 200)
    with pytest.raises(InputError, match="binary file"):
        build(bib, ontology_path, out)
    assert snapshot(out) == before


def test_bib_without_any_valid_entry_leaves_the_previous_output(built, out, write_bib,
                                                                 ontology_path):
    before = snapshot(out)
    with pytest.raises(BuildError, match="no entries could be read"):
        build(write_bib("@book{a,\n title={A}\n"), ontology_path, out)
    assert snapshot(out) == before


def test_missing_inputs(tmp_path, small_bib, ontology_path, out):
    with pytest.raises(InputError, match="file not found"):
        build(tmp_path / "nope.bib", ontology_path, out)
    with pytest.raises(InputError, match=re.escape(f"{tmp_path / 'nope.ttl'}: file not found")):
        build(small_bib, tmp_path / "nope.ttl", out)
    assert not out.exists() or not (out / "manifest.json").exists()


def test_invalid_ontology(built, out, small_bib, write_bib):
    before = snapshot(out)
    bad = write_bib("this is not turtle", "bad.ttl")
    with pytest.raises(InputError, match=re.escape(f"{bad}: not valid Turtle")):
        build(small_bib, bad, out)
    assert snapshot(out) == before


# --------------------------------------------------------------------------- staleness

def test_ensure_built_builds_when_nothing_is_built(small_bib, ontology_path, out):
    assert ensure_built(out, small_bib, ontology_path, quiet=True) == out
    assert manifest(out)["bib"]["sha256"] == st.sha256(small_bib)


def test_ensure_built_does_not_rebuild_an_unchanged_input(built, out, small_bib,
                                                          ontology_path):
    before = snapshot(out)
    mtime = (out / "manifest.json").stat().st_mtime_ns
    ensure_built(out, small_bib, ontology_path, quiet=True)
    # touched but identical: the hash says unchanged
    os.utime(small_bib, ns=(small_bib.stat().st_atime_ns, small_bib.stat().st_mtime_ns + 10**9))
    ensure_built(out, small_bib, ontology_path, quiet=True)
    assert (out / "manifest.json").stat().st_mtime_ns == mtime
    assert snapshot(out) == before


def test_ensure_built_rebuilds_after_the_bib_changes(built, out, small_bib, ontology_path,
                                                     capsys):
    old = manifest(out)
    small_bib.write_text(small_bib.read_text(encoding="utf-8").replace(
        "Le bluff technologique", "Le Bluff technologique"), encoding="utf-8")
    ensure_built(out, small_bib, ontology_path)
    new = manifest(out)
    assert new["store"] != old["store"] and stores(out) == [new["store"]]
    assert new["bib"]["sha256"] == st.sha256(small_bib) != old["bib"]["sha256"]
    assert "changed; building" in capsys.readouterr().err
    # and then it is up to date again
    ensure_built(out, small_bib, ontology_path, quiet=True)
    assert manifest(out)["store"] == new["store"]


def test_ensure_built_rebuilds_after_the_ontology_changes(built, out, small_bib,
                                                          ontology_path, tmp_path):
    onto = tmp_path / "onto.ttl"
    shutil.copyfile(ontology_path, onto)
    build(small_bib, onto, out)
    old = manifest(out)["store"]
    onto.write_text(onto.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    ensure_built(out, small_bib, onto, quiet=True)
    assert manifest(out)["store"] != old


def test_ensure_built_rebuilds_for_another_bib(built, out, write_bib, ontology_path):
    old = manifest(out)["store"]
    other = write_bib("@book{a, title={A}}\n", "other.bib")
    ensure_built(out, other, ontology_path, quiet=True)
    assert manifest(out)["store"] != old
    assert manifest(out)["counts"]["works"] == 1


def test_unchanged(small_bib):
    rec = st.fingerprint(small_bib)
    assert st.unchanged(rec, small_bib)
    small_bib.write_bytes(small_bib.read_bytes().replace(b"1988", b"1989"))  # same size
    assert not st.unchanged(rec, small_bib)
    assert not st.unchanged(rec, small_bib.parent / "missing.bib")


def test_open_store_without_a_build(tmp_path):
    with pytest.raises(StaleStoreError, match="no built graph in .*: run `kg build`"):
        triplestore.open_store(tmp_path)


def test_read_manifest_ignores_garbage(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    assert st.read_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text('{"format": 999}', encoding="utf-8")
    assert st.read_manifest(tmp_path) is None


def test_write_atomic(tmp_path):
    p = tmp_path / "f.txt"
    st.write_atomic(p, "é")
    st.write_atomic(p, b"new")
    assert p.read_bytes() == b"new"
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"]


# --------------------------------------------------------------------------- default inputs

def test_default_inputs_prefer_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "references.bib").write_text("@book{a, title={A}}\n", encoding="utf-8")
    (tmp_path / "ontology.ttl").write_text("", encoding="utf-8")
    bib, onto = default_inputs()
    assert (bib, onto) == (Path("references.bib"), Path("ontology.ttl"))


def test_default_inputs_take_the_ontology_next_to_the_bib(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "refs.bib").write_text("@book{a, title={A}}\n", encoding="utf-8")
    (lib / "ontology.ttl").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    bib, onto = default_inputs(lib / "refs.bib")
    assert (bib, onto) == (lib / "refs.bib", lib / "ontology.ttl")


def test_default_inputs_fall_back_to_the_shipped_corpus(tmp_path, monkeypatch):
    from kg.builder.inputs import shipped

    monkeypatch.chdir(tmp_path)
    bib, onto = default_inputs()
    assert bib == shipped("references.bib") and onto == shipped("ontology.ttl")
    assert onto.is_file()


def test_build_with_a_deterministic_random_file_is_not_a_crash(write_bib, ontology_path, out):
    """Whatever the bytes, a build ends in a KgError (message for the user), not a traceback."""
    from kg.core.errors import KgError

    bib = write_bib(random.Random(1).randbytes(2000))
    with pytest.raises(KgError):
        build(bib, ontology_path, out)


# --------------------------------------------------------------------------- generations

def test_write_atomic_replaces_a_link_not_its_target(tmp_path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("keep me", encoding="utf-8")
    link.symlink_to(target)
    st.write_atomic(link, "new")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new"
    assert target.read_text(encoding="utf-8") == "keep me"


def test_files_get_the_umask_not_0600(tmp_path):
    old = os.umask(0o027)
    try:
        st.write_atomic(tmp_path / "f", "x")
        stage = st.staging(tmp_path / "out")
    finally:
        os.umask(old)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o640
    assert stage.stat().st_mode & 0o777 == 0o750
    st.discard(stage)


def test_a_held_generation_outlives_the_next_build(built, out, small_bib, ontology_path):
    """A reader's generation is kept while it reads; the build after removes it."""
    with st.hold(out) as held:
        old = held.folder
        build(small_bib, ontology_path, out, incremental=False)
        assert st.current(out) != old and old.is_dir()
        assert st.manifest_of(old)["store"] == stores_in(old)[0]  # whole, still readable
    build(small_bib, ontology_path, out, incremental=False)
    assert not old.exists() and generations(out) == [st.current(out).name]


def stores_in(gen):
    return sorted(p.name for p in gen.glob("store-*"))


def test_a_library_reads_one_generation(built, out, small_bib, ontology_path):
    from kg.read.query import Library

    lib = Library(out)
    gen = lib.folder
    build(small_bib, ontology_path, out, incremental=False)
    assert lib.folder == gen != st.current(out)
    assert len(lib.store) == built.triples  # the store of the generation it holds
    lib.close()


def test_what_a_killed_build_left_is_cleaned(built, out, small_bib, ontology_path):
    kgdir = out / st.KG_DIR
    dead = kgdir / "stage-999999999-abc"  # a stage of a process that is gone
    (dead / "store").mkdir(parents=True)
    orphan = kgdir / "gen-never_live"  # renamed, killed before `current` was switched
    (orphan / "store").mkdir(parents=True)
    (kgdir / "current-999999999.tmp").symlink_to("gen-never_live")
    build(small_bib, ontology_path, out, incremental=False)
    assert sorted(p.name for p in kgdir.iterdir()) == ["current", st.current(out).name, "lock"]


def test_current_and_read_manifest_take_a_generation_folder(built, out):
    gen = st.current(out)
    assert st.current(gen) == gen and st.read_manifest(gen) == st.read_manifest(out)
    with pytest.raises(StaleStoreError):
        st.current(out.parent)


def test_a_copy_that_followed_the_links_is_rebuilt(built, out, small_bib, ontology_path,
                                                   tmp_path):
    """`cp -rL out copy`: `current` became a folder; the copy is rebuilt, not an error."""
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)  # follows links
    assert st.read_manifest(copy) is None
    build(small_bib, ontology_path, copy)
    assert st.read_manifest(copy)["bib"]["sha256"] == st.sha256(small_bib)
    assert generations(copy) == [st.current(copy).name]
