"""The SPARQL store of a generation (Oxigraph): opened read-only by the commands that run
SPARQL, and, for a large library, made after its build.

A small library's build loads its store itself (its SHACL validation, its page and its
pretty-printed files read it).  A large library's full build does not, by default: loading the
whole graph into Oxigraph's RocksDB store costs 1.3-1.7x a plain parse of the .bib on its own,
and the query commands (themes, theme, thinker, quotes, claims, search, the aggregate named
queries) answer from the read model.  Its manifest then names no store (``"store": null``),
and the store is made from the generation's graph.ttl:

- by a process the build starts once it has published (``python -m kg.builder.triplestore
  GENERATION``, niced, in its own session: it outlives ``kg build``), or
- by the first command that needs it (:func:`open_store`: `kg query`, a named query with
  parameters, `kg work`, `kg export`, `kg viz`, `kg check`, `kg push`, an incremental build),
  which waits for that process when it runs, or makes the store itself when none does.

One maker at a time per generation (an exclusive flock on ``GENERATION/.store-lock``); the store
is loaded into ``.store-<pid>`` and renamed, then the manifest replaced (atomically) by one that
names it: a maker killed at any instant leaves the generation as it was, its partial folder
removed by the next maker.  Only files are added: nothing a reader reads changes under it.
A full build of the same output stops the maker of the graph it replaces (:func:`stop_makers`),
and a maker whose generation is no longer the live one makes nothing.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sys
from pathlib import Path

from kg.builder import store as st
from kg.core.errors import KgError, StaleStoreError

LOCK = ".store-lock"
_PARTIAL = ".store-"


def open_store(out: str | Path):
    """Open the store of the live generation read-only (several readers may share it); a
    large library's store is made first when its build left it to be made.

    Given ``out``, the generation is held for the rest of the process (a store cannot say when
    it is closed); given a generation folder (a :class:`kg.builder.store.Held`'s), the caller
    holds it."""
    import pyoxigraph as ox

    gen = Path(out) if st.is_generation(out) else st.keep(out)
    m = st.manifest_of(gen)
    if m is None or not (m.get("store") or later(m)):
        raise StaleStoreError(f"no built graph in {out}/: run `kg build`")
    name = m.get("store") or make_store(gen)
    try:
        return ox.Store.read_only(str(gen / name))
    except (OSError, RuntimeError) as e:
        raise KgError(f"cannot open the graph store in {out}/ ({e}): run `kg build`") from None


def ensure(gen: str | Path) -> None:
    """Make the store of generation ``gen`` (held by the caller) if its build left it to be
    made, without opening it."""
    m = st.manifest_of(gen)
    if m is not None and later(m):
        make_store(Path(gen))


def later(manifest: dict) -> bool:
    """True when the build of this manifest left its store to be made (see the module)."""
    return "store" in manifest and manifest["store"] is None


def make_store(gen: Path, quiet: bool = False) -> str:
    """The name of the store of generation ``gen`` (held by the caller), made from its
    graph.ttl when it has none yet; says so on stderr unless ``quiet`` (a wait of seconds)."""
    from kg.builder.loading import load_flat

    gen = Path(gen)
    try:
        fd = os.open(gen / LOCK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise KgError(f"{st.public_path(str(gen / LOCK))} is a symbolic link: kg does not "
                          "write through links; remove it") from None
        raise KgError(f"cannot make the SPARQL store of {_shown(gen)}/ ({e.strerror}): run "
                      "`kg build --store build` as a user who may write there") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process makes it: wait for it
            if not quiet:
                print(f"kg: waiting for the SPARQL store of {_shown(gen)}/, being made from "
                      "its graph.ttl …", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        m = st.manifest_of(gen)
        if m is None:
            raise StaleStoreError(f"the built graph of {_shown(gen)}/ is missing: run `kg build`")
        if m.get("store"):
            return m["store"]
        if not st.intact(gen, "graph.ttl"):
            raise KgError(f"{_shown(gen)}/graph.ttl is not as its build wrote it: run "
                          "`kg build` again")
        import shutil

        for partial in gen.glob(_PARTIAL + "*"):  # left by a maker that was killed
            if partial.is_dir() and not partial.is_symlink():
                shutil.rmtree(partial, ignore_errors=True)
        if not quiet:
            print(f"kg: making the SPARQL store of {_shown(gen)}/ from its graph.ttl (once "
                  "after a full build of a large library) …", file=sys.stderr)
        tmp = gen / f"{_PARTIAL}{os.getpid()}"
        try:
            triples = load_flat(gen / "graph.ttl", str(tmp))
            name = st.store_name_of(gen, m["bib"]["sha256"])
            os.rename(tmp, gen / name)
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, (OSError, RuntimeError, ValueError)):  # disk full, a bad file...
                raise KgError(f"making the SPARQL store of {_shown(gen)}/ failed ({e}): free "
                              "some space if the disk is full, then run `kg build` again"
                              ) from None
            raise
        st.write_atomic(gen / st.MANIFEST,
                        json.dumps(dict(m, store=name, triples=triples), indent=2,
                                   ensure_ascii=False))
        return name
    finally:
        os.close(fd)


def _shown(gen: Path) -> str:
    """The output folder of a generation, as the person named it."""
    return str(gen.parent.parent) if st.is_generation(gen) else str(gen)


def make_later(gen: Path) -> None:
    """Start the process that makes the store of generation ``gen`` (see the module): a fresh
    interpreter in a session of its own, its output discarded (a command that needs the store
    and finds none says why)."""
    from kg.builder.loading import start_detached

    start_detached("kg.builder.triplestore", str(gen))


def stop_makers(out: str | Path) -> list[int]:
    """Stop the processes that make the store of ``out``'s live generation (started by its
    build, :func:`make_later`): a full build of ``out`` starts, whose graph replaces that one,
    and which should not share the processors with it.  Each is found by its partial folder
    (``.store-<pid>``) and its command line (this module, that generation): a command of the
    person's making the store is never stopped.  A reader that still wants the old
    generation's store makes it (:func:`make_store`).  Returns the pids signalled."""
    import signal

    try:
        gen = st.current(out).resolve()
    except (KgError, OSError):
        return []
    stopped = []
    for partial in gen.glob(_PARTIAL + "*"):
        pid = partial.name[len(_PARTIAL):]
        if not pid.isdigit():
            continue
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        except OSError:
            continue
        # python -m kg.builder.triplestore GENERATION (make_later)
        if b"kg.builder.triplestore" not in args[:-1] or \
                Path(os.fsdecode(args[-1])).resolve() != gen:
            continue
        with contextlib.suppress(OSError):
            os.kill(int(pid), signal.SIGTERM)
            stopped.append(int(pid))
    return stopped


def main(argv: list[str]) -> int:
    """``python -m kg.builder.triplestore GENERATION``: make its store unless another command
    made it first, or the generation is gone or no longer the live one (a newer build is
    live: a reader that holds this one makes its store if it needs it); niced, so that what
    the person does meanwhile goes first."""
    with contextlib.suppress(OSError):
        os.nice(10)
    gen = Path(argv[0])
    try:
        held = st.hold_generation(gen)
    except KgError:
        return 0
    with held:
        try:
            if st.current(gen.parent.parent).resolve() != gen.resolve():
                return 0
        except (KgError, OSError):
            return 0
        try:
            make_store(held.folder, quiet=True)
        except KgError:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
