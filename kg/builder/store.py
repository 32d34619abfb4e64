"""The built output folder: atomic publication, a manifest, and the query store.

Layout of ``out/``::

    manifest.json        what was built from what (paths, sizes, hashes), and where the store is
    store-<id>/          the Oxigraph store the query commands open (read-only)
    graph.ttl            the graph as Turtle
    graph.jsonld         the graph as JSON-LD
    read.sqlite          the read model the query commands answer from (kg.core.readmodel)

A build writes everything into a private temporary folder inside ``out/``, then publishes with
renames, the manifest last: a build that fails or is killed leaves the previous output as it was.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from kg.core.errors import KgError, StaleStoreError
from kg.core.readmodel import NAME as READ_MODEL

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
INDEX = "index.json"  # large libraries: what an incremental build needs (kg.builder.incremental)

#: the files a build publishes beside its store (the one list of them) ...
FILES = ("graph.ttl", "graph.jsonld", "graph.html", READ_MODEL, INDEX)
#: ... and those removed when a build did not write them (they would describe another graph)
STALE_UNLESS_WRITTEN = (READ_MODEL, INDEX)


def current(out: str | Path) -> Path:
    """The folder of the live generation: where the published store, read model and files
    of ``out`` are.  Readers locate every file through this function."""
    return Path(out)


def fingerprint(path: str | Path) -> dict:
    p = Path(path)
    st = p.stat()
    return {"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "sha256": sha256(p)}


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unchanged(recorded: dict, path: str | Path) -> bool:
    """True when the file is the one recorded (cheap stat first, hash when it moved)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return False
    if str(p.resolve()) != recorded.get("path"):
        return False
    if st.st_size == recorded.get("size") and st.st_mtime_ns == recorded.get("mtime_ns"):
        return True
    return st.st_size == recorded.get("size") and sha256(p) == recorded.get("sha256")


def read_manifest(out: str | Path) -> dict | None:
    try:
        with open(Path(out) / MANIFEST, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    return m if m.get("format") == FORMAT_VERSION else None


def write_atomic(path: str | Path, data: bytes | str,
                 then: list[tuple[Path, int, int]] = ()) -> None:
    """Write a file so that readers see the old content or the new, never a part: ``data``,
    then each (file, offset, length) range of ``then``."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            for src, offset, length in then:
                with open(src, "rb") as g:
                    copy_range(g, f, offset, length)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def copy_range(src, dst, offset: int, length: int) -> None:
    """Append ``length`` bytes of file ``src`` from ``offset`` to file ``dst`` (both open,
    binary): in the kernel where it can (copy_file_range), else through memory."""
    dst.flush()
    done = 0
    while done < length:
        try:
            n = os.copy_file_range(src.fileno(), dst.fileno(), length - done, offset + done)
        except (AttributeError, OSError):
            src.seek(offset + done)
            dst.write(src.read(length - done))
            dst.flush()
            break
        if n == 0:
            break
        done += n
    dst.seek(0, os.SEEK_END)


def append_file(dst, src: str | Path) -> None:
    """Append the whole file ``src`` to the open binary file ``dst`` (see copy_range)."""
    with open(src, "rb") as f:
        copy_range(f, dst, 0, os.fstat(f.fileno()).st_size)


@contextlib.contextmanager
def lock(out: Path):
    """One build at a time publishes into a folder."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def staging(out: Path) -> Path:
    """A private folder inside out/ for one build (same file system: renames are atomic)."""
    out.mkdir(parents=True, exist_ok=True)
    _clean_stale_staging(out)
    return Path(tempfile.mkdtemp(dir=out, prefix=f".build-{os.getpid()}-"))


def _clean_stale_staging(out: Path) -> None:
    for d in out.glob(".build-*"):
        try:
            pid = int(d.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def store_name_of(stage: Path, bib_sha256: str) -> str:
    """The name the store of a build in ``stage`` gets when it is published."""
    return f"store-{stage.name.split('-', 2)[-1]}-{bib_sha256[:8]}"


def publish(out: Path, stage: Path, manifest: dict, files: list[str]) -> None:
    """Move a finished build into place: files (of FILES) by rename, the manifest last; then
    the files of STALE_UNLESS_WRITTEN this build did not write are removed."""
    unknown = set(files) - set(FILES)
    if unknown:
        raise ValueError(f"not a published file: {sorted(unknown)}")
    with lock(out):
        store_name = store_name_of(stage, manifest["bib"]["sha256"])
        os.replace(stage / "store", out / store_name)
        for name in files:
            os.replace(stage / name, out / name)
        manifest = dict(manifest, store=store_name)
        write_atomic(out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        for name in STALE_UNLESS_WRITTEN:
            if name not in files:
                with contextlib.suppress(OSError):
                    (out / name).unlink()
        for old in out.glob("store-*"):
            if old.name != store_name:
                shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)


def open_store(out: str | Path):
    """Open the published store read-only (several readers may share it)."""
    import pyoxigraph as ox

    out = current(out)
    m = read_manifest(out)
    if m is None:
        raise StaleStoreError(f"no built graph in {out}/: run `kg build`")
    for attempt in range(3):
        try:
            return ox.Store.read_only(str(Path(out) / m["store"]))
        except (OSError, RuntimeError) as e:  # RuntimeError: replaced by a concurrent build
            newer = read_manifest(out)
            if newer is None or newer.get("store") == m["store"] or attempt == 2:
                raise KgError(f"cannot open the graph store in {out}/ ({e}): "
                              "run `kg build`") from None
            m = newer
    raise AssertionError("unreachable")
