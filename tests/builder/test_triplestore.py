"""A large library's SPARQL store made after its build (kg.builder.triplestore): the same
graph, counts and cached answers as a build that loads it; made once, by the background
process or by the first command that needs it; a maker killed at any instant leaves the
generation as it was."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_model_content

from kg.builder import pipeline as kb
from kg.builder import store as st
from kg.builder import triplestore
from kg.read.query import aggregates

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, themes  # noqa: E402

ONTOLOGY = ROOT / "ontology.ttl"


@pytest.fixture()
def large(tmp_path, monkeypatch):
    """A library of 400 entries with free keywords, built as a large one (flat files, the
    store left to be made), by two workers."""
    monkeypatch.setattr(kb, "PRETTY_MAX_TRIPLES", 1000)
    monkeypatch.setattr(kb, "CHUNK", 97)
    monkeypatch.setattr(kb, "PARALLEL_MIN_ENTRIES", 10)
    bib = tmp_path / "lib.bib"
    bib.write_text(generate(400, 5, themes(ONTOLOGY), "free"), encoding="utf-8")
    return bib


def quads(store) -> set[str]:
    return {str(q) for q in store}


def built(bib: Path, out: Path, store: str):
    return kb.build(bib, ONTOLOGY, out, incremental=False, aggregates=aggregates(), store=store)


def test_made_at_first_use_it_is_the_store_the_build_would_have_loaded(large, tmp_path, capsys):
    ref = built(large, tmp_path / "ref", "build")
    lazy = built(large, tmp_path / "lazy", "first-use")
    assert lazy.store_later == "first-use" and not ref.store_later
    m = st.read_manifest(tmp_path / "lazy")
    assert m["store"] is None and triplestore.later(m)
    assert not list(st.current(tmp_path / "lazy").glob("store-*"))
    # the count of statements and the aggregate named queries (run by the loader on what
    # they read, in memory) are those of the build that loads the whole store
    assert lazy.triples == ref.triples == st.read_manifest(tmp_path / "ref")["triples"]
    assert read_model_content(tmp_path / "lazy") == read_model_content(tmp_path / "ref")
    for name in ("graph.ttl", "graph.jsonld"):
        assert (tmp_path / "lazy" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()

    store = triplestore.open_store(tmp_path / "lazy")
    assert "making the SPARQL store" in capsys.readouterr().err
    assert quads(store) == quads(triplestore.open_store(tmp_path / "ref"))
    m = st.read_manifest(tmp_path / "lazy")
    assert m["store"] and m["triples"] == ref.triples
    gen = st.current(tmp_path / "lazy")
    assert all(st.intact(gen, name) for name in m["files"])  # only the store was added
    triplestore.open_store(tmp_path / "lazy")
    assert "making" not in capsys.readouterr().err  # made once


def test_after_the_build_a_process_of_its_own_makes_it(large, tmp_path):
    out = tmp_path / "out"
    result = built(large, out, "after")
    assert result.store_later == "after"
    deadline = time.time() + 120
    while not (st.read_manifest(out) or {}).get("store"):
        assert time.time() < deadline, "the store was not made in the background"
        time.sleep(0.1)
    assert len(triplestore.open_store(out)) == result.triples


def test_a_full_build_stops_the_maker_of_the_graph_it_replaces(large, tmp_path):
    """A maker still loading the live generation's store when a full build starts is stopped
    (found by its partial folder and its command line); a command of the person's making a
    store is not; a maker that starts after a newer build is live makes nothing."""
    out = tmp_path / "out"
    built(large, out, "first-use")
    gen = st.current(out)
    sleep = "import time; time.sleep(120)"
    maker = subprocess.Popen([sys.executable, "-c", sleep, "-m", "kg.builder.triplestore",
                              str(gen)])
    other = subprocess.Popen([sys.executable, "-c", sleep, "kg.cli", "query", str(gen)])
    try:
        for p in (maker, other):
            (gen / f".store-{p.pid}").mkdir()
        deadline = time.time() + 30  # their command lines are written once they run
        while not all(Path(f"/proc/{p.pid}/cmdline").read_bytes() for p in (maker, other)):
            assert time.time() < deadline
            time.sleep(0.05)
        assert triplestore.stop_makers(out) == [maker.pid]
        assert maker.wait(30) == -signal.SIGTERM and other.poll() is None
    finally:
        for p in (maker, other):
            p.kill()
            p.wait()
    # a newer build is live: a maker of the old generation (holding it) makes nothing
    old = st.current(out)
    held = st.hold(out)
    with held:
        built(large, out, "first-use")
        assert st.current(out) != old
        done = subprocess.run([sys.executable, "-m", "kg.builder.triplestore", str(old)])
        assert done.returncode == 0
        assert (st.manifest_of(old) or {}).get("store") is None


def test_the_next_incremental_build_makes_it_then_updates_it(large, tmp_path):
    out = tmp_path / "out"
    built(large, out, "first-use")
    text = large.read_text(encoding="utf-8")
    at = text.index("title = {") + len("title = {")
    large.write_text(text[:at] + "Édité : " + text[at:], encoding="utf-8")
    result = kb.build(large, ONTOLOGY, out, aggregates=aggregates(), store="first-use")
    assert result.incremental
    ref = built(large, tmp_path / "ref", "build")
    assert quads(triplestore.open_store(out)) == quads(triplestore.open_store(tmp_path / "ref"))
    assert result.triples == ref.triples
    assert read_model_content(out) == read_model_content(tmp_path / "ref")


def test_a_small_library_always_loads_its_store_in_the_build(tmp_path):
    bib = tmp_path / "lib.bib"
    bib.write_text(generate(50, 5, themes(ONTOLOGY), "free"), encoding="utf-8")
    result = kb.build(bib, ONTOLOGY, tmp_path / "out", store="first-use")
    assert not result.store_later and st.read_manifest(tmp_path / "out")["store"]


def test_an_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="store must be one of build, after, first-use"):
        kb.build(ROOT / "references.bib", ONTOLOGY, tmp_path / "out", store="later")


MAKER = """
import sys
from kg.builder import store as st, triplestore
with st.hold_generation(st.current(sys.argv[1])) as held:
    print("holding", flush=True)
    triplestore.make_store(held.folder, quiet=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.05, 0.3, 0.6, 1.0])
def test_a_maker_killed_at_any_instant_leaves_the_generation_as_it_was(large, tmp_path,
                                                                         after):
    out = tmp_path / "out"
    built(large, out, "first-use")
    gen = st.current(out)
    before = st.read_manifest(out)
    proc = subprocess.Popen([sys.executable, "-c", MAKER, str(out)], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline() == b"holding\n"
    time.sleep(after)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    m = st.read_manifest(out)
    if m["store"] is None:  # killed before it was made: nothing changed but a partial folder
        assert m == before
    assert all(st.intact(gen, name) for name in m["files"])
    store = triplestore.open_store(out)  # made, or made now: the partial folder removed
    assert len(store) == before["triples"]
    assert [p.name for p in gen.iterdir() if p.name.startswith(".store-")] == [".store-lock"]


def test_two_commands_needing_it_at_once_make_it_once(large, tmp_path):
    out = tmp_path / "out"
    built(large, out, "first-use")
    code = ("import sys; from kg.builder import triplestore; "
            "print(len(triplestore.open_store(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
             for _ in range(2)]
    outs = [p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs[0][0] == outs[1][0] == f"{st.read_manifest(out)['triples']}\n".encode()
    errs = b"".join(e for _, e in outs).decode()
    assert errs.count("making the SPARQL store") == 1
    assert len(list(st.current(out).glob("store-*"))) == 1


def test_kg_query_after_a_build_that_left_its_store(large, tmp_path):
    """The CLI: `kg build --store first-use` says so; `kg query` makes the store (said on
    stderr) and answers; the aggregate named queries answer from the read model, without it."""
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kg = [sys.executable, "-m", "kg.cli"]
    # the CLI's own threshold: a library above it (3,000 entries) has no page
    big = tmp_path / "big.bib"
    big.write_text(generate(3200, 5, themes(ONTOLOGY), "free"), encoding="utf-8")
    r = subprocess.run([*kg, "build", str(big), "-o", str(out), "--store", "first-use",
                        "--ontology", str(ONTOLOGY)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "made by the first command that needs it" in r.stdout
    r = subprocess.run([*kg, "query", "works-per-theme", "--out", str(out), "--bib", str(big),
                        "--ontology", str(ONTOLOGY), "--format", "json"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) and "making" not in r.stderr
    assert st.read_manifest(out)["store"] is None  # answered from the read model
    r = subprocess.run([*kg, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--out",
                        str(out), "--bib", str(big), "--ontology", str(ONTOLOGY),
                        "--format", "json"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "making the SPARQL store" in r.stderr
    n = json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == st.read_manifest(out)["triples"]


def test_a_graph_ttl_changed_since_the_build_is_not_loaded(large, tmp_path):
    """graph.ttl overwritten through out/'s link: the store is not made from it (a clear error,
    the generation untouched) and the next build is a full one, which makes it right."""
    from kg.core.errors import KgError

    out = tmp_path / "out"
    built(large, out, "first-use")
    with open(out / "graph.ttl", "a", encoding="utf-8") as f:
        f.write("<urn:x> <urn:y> <urn:z> .\n")
    with pytest.raises(KgError, match="graph.ttl is not as its build wrote it"):
        triplestore.open_store(out)
    assert st.read_manifest(out)["store"] is None
    result = kb.build(large, ONTOLOGY, out, aggregates=aggregates(), store="first-use")
    assert not result.incremental
    assert len(triplestore.open_store(out)) == result.triples


def test_a_store_that_cannot_be_made_is_a_clear_error(large, tmp_path, monkeypatch):
    from kg.builder import loading
    from kg.core.errors import KgError

    out = tmp_path / "out"
    built(large, out, "first-use")

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(loading, "load_flat", full)
    with pytest.raises(KgError, match="making the SPARQL store of .* failed .*No space left"):
        triplestore.open_store(out)
    gen = st.current(out)
    assert not [p for p in gen.iterdir() if p.name.startswith(".store-") and p.is_dir()]
    assert st.read_manifest(out)["store"] is None
