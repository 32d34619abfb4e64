"""The store's loader: a process of its own, started by the build with a fresh interpreter
(``python -m kg.builder.loading STORE ONTOLOGY [--shacl] [--known=FILE] [--dump=FILE]
[--parent=PID]``), not forked.

A forked child must not open a store: the store's database (RocksDB) runs threads, and a
child forked by a process that has opened one before (a test run, a process that builds
twice) inherits its thread pools without their threads: its loads wait for ever.  A fresh
interpreter has none of that; and the build's own process opens the store only after its
last fork (see kg.builder.pipeline._full).

The build writes the paths of N-Triples files on the loader's standard input, one a line;
the loader loads each as it comes, or, when several came while it was loading, together, up
to LOAD_BATCH bytes (each bulk load writes and ingests its own sorted files: fewer, larger
loads cost less); the files are then removed.  An empty line ends the input: the loader
writes (triples, SHACL's selection or None) pickled on its standard output, closes the store
and, for a small library (``--dump``), writes its graph.ttl and graph.jsonld from the store
opened again read-only while the build's process reads it too (the page), then exits.
SHACL's selection leaves out the nodes the previous build found conforming, unchanged since
(``--known``: kg.builder.shacl.read_known).

With ``--memory`` (a large library built without its SPARQL store, see kg.builder.pipeline),
the store is held in memory and given only the statements the aggregate named queries read
(the build sends those lines apart, with the ontology and the thinkers whole); the loader
runs the queries of ``--queries=FILE`` (JSON: name -> text) on it and sends their results.

``lenient``: Oxigraph does not re-validate the IRIs (15 % of the load); every IRI is minted
by kg/graph.py from percent-encoded segments, and every literal escaped there.

The store of a generation built without one is made later from its graph.ttl by
:func:`load_flat` (kg.builder.triplestore).
"""
from __future__ import annotations

import os
import pickle
import select
import sys
from pathlib import Path
from typing import NamedTuple

LOAD_BATCH = 32 << 20


class Loaded(NamedTuple):
    """What the loader sends back once everything is loaded."""

    triples: int  # the statements in the store
    selected: object  # what SHACL validates (kg.builder.shacl.shacl_data), or None
    named: dict[str, str] | None  # --queries: name -> SPARQL 1.1 JSON results


def load_all(store_path: str | None, ontology: str, shacl: bool, fd: int = 0,
             known: str | None = None, queries: dict[str, str] | None = None) -> Loaded:
    """``store_path`` None: a store in memory."""
    import pyoxigraph as ox

    store = ox.Store(store_path) if store_path else ox.Store()
    store.bulk_load(path=ontology, format=ox.RdfFormat.TURTLE)
    buf, pending, done = b"", [], False
    while True:
        wait = not pending and not done  # block for the next line only when idle
        while wait or select.select([fd], [], [], 0)[0]:
            data = os.read(fd, 1 << 16)
            if not data:
                if not done:
                    raise RuntimeError("the build stopped before the graph was loaded")
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line:
                    pending.append(Path(line.decode("utf-8")))
                else:
                    done = True
            wait = not pending and not done
        if not pending:
            break
        batch, size = [], 0
        while pending and (not batch or size < LOAD_BATCH):
            batch.append(pending.pop(0))
            size += batch[-1].stat().st_size
        _load(store, batch)
    if store_path:
        store.flush()
    selected = None
    if shacl:
        from kg.builder.shacl import read_known, shacl_data

        selected = shacl_data(store, known=read_known(Path(known)) if known else frozenset())
    named = None
    if queries is not None:
        named = {name: store.query(text).serialize(format=ox.QueryResultsFormat.JSON)
                 .decode("utf-8") for name, text in queries.items()}
    return Loaded(len(store), selected, named)


def child_env() -> dict[str, str]:
    """The environment of a kg process a build starts: this very kg first on its path."""
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ,
            "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])}


def start_detached(module: str, *args: str) -> None:
    """``python -m module args`` started in a session of its own, its output discarded: a
    process that outlives the build that starts it (the store's maker, the remover of old
    generations); one that cannot start is a job left to the next command."""
    import contextlib
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.Popen([sys.executable, "-m", module, *args], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True, env=child_env())


def _load(store, files: list[Path]) -> None:
    """Load N-Triples files (then removed), in one load.  From memory, not from the files:
    Oxigraph's file reader stops at a statement over 16 MB (a 20 MB annotation)."""
    import pyoxigraph as ox

    store.bulk_load(input=b"".join(f.read_bytes() for f in files),
                    format=ox.RdfFormat.N_TRIPLES, lenient=True)
    for f in files:
        f.unlink()


def _die_with(parent: int) -> None:
    """Be killed with the build (Linux): a build killed with `kill -9` leaves no loader
    writing into its staging folder after the next build has removed it.  Elsewhere the end
    of the input stops the loader, once its current load is done."""
    import contextlib
    import signal

    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # gone already
        sys.exit(1)


def load_flat(ttl: Path, store_path: str) -> int:
    """Load a large library's flat graph.ttl (prefix lines, then one statement a line) into a
    new store at ``store_path``, in batches of LOAD_BATCH bytes cut at line ends, as the build's
    loader loads, then compacted; returns the number of statements in the store.

    Each bulk load writes its own sorted files, which overlap: a look-up then reads one file of
    each load (eight at 50,000 entries).  Compacted (Store.optimize: 3.4 s after the 14 s load
    of a 50,000-entry graph), a query reading many rows is about three times faster: the works
    of a theme holding 11,542 of them, 2.3 -> 0.75 s.  This store is made once a generation,
    after the build, so the cost is paid by no command a person waits for but the first
    SPARQL query right after a build."""
    import pyoxigraph as ox

    store = ox.Store(store_path)
    with open(ttl, "rb") as f:
        rest, head = b"", True
        while True:
            data = f.read(LOAD_BATCH)
            buf = rest + data
            if head:  # the prefixes: the statements are written whole, in N-Triples
                at = 0
                while buf.startswith(b"@prefix", at) and (nl := buf.find(b"\n", at)) >= 0:
                    at = nl + 1
                buf, head = buf[at:], False
            cut = len(buf) if not data else buf.rfind(b"\n") + 1
            if cut:
                store.bulk_load(input=buf[:cut], format=ox.RdfFormat.N_TRIPLES, lenient=True)
            rest = buf[cut:]
            if not data:
                break
    store.flush()
    store.optimize()
    return len(store)


def main(argv: list[str]) -> int:
    for a in argv[2:]:
        if a.startswith("--parent="):
            _die_with(int(a.split("=", 1)[1]))
    known = next((a.split("=", 1)[1] for a in argv[2:] if a.startswith("--known=")), None)
    dump = next((a.split("=", 1)[1] for a in argv[2:] if a.startswith("--dump=")), None)
    queries = next((a.split("=", 1)[1] for a in argv[2:] if a.startswith("--queries=")), None)
    if queries:
        import json

        with open(queries, encoding="utf-8") as f:
            queries = json.load(f)
    try:
        out = pickle.dumps(load_all(None if "--memory" in argv[2:] else argv[0], argv[1],
                                    "--shacl" in argv[2:], known=known, queries=queries))
    except BaseException as e:  # the build reports it
        sys.stderr.write(str(e) or type(e).__name__)
        return 1
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()  # the build goes on with the store while the files are written
    if dump:
        try:
            dump_files(argv[0], Path(dump))
        except BaseException as e:
            sys.stderr.write(f"writing the graph's files: {e or type(e).__name__}")
            return 1
    return 0


def dump_files(store_path: str, spec: Path) -> None:
    """A small library's graph.ttl and graph.jsonld, pretty-printed by Oxigraph from the
    loaded store, opened again read-only (the build's process reads it too, meanwhile).
    ``spec``: a JSON file naming the two files and the Turtle prefixes."""
    import json

    import pyoxigraph as ox

    with open(spec, encoding="utf-8") as f:
        what = json.load(f)
    store = ox.Store.read_only(store_path)
    store.dump(what["turtle"], ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
               prefixes=what["prefixes"])
    store.dump(what["jsonld"], ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph())


if __name__ == "__main__":
    from kg.builder import loading  # its Loaded, not __main__'s, is what the build unpickles

    sys.exit(loading.main(sys.argv[1:]))
