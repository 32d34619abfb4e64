"""The built output folder: whole generations published by one rename, a manifest, the store.

Layout of ``out/``::

    .kg/                       kg's own; its presence marks out/ as a kg output
        current -> gen-<id>    the live generation: a relative symlink
        gen-<id>/              one whole build: manifest.json, store-<id>-<sha>/ (the Oxigraph
                               store), graph.ttl, graph.jsonld, graph.html, and whatever else
                               the build wrote into its stage: read.sqlite (the read model
                               the query commands answer from), index.sqlite (large libraries)
        stage-<pid>-<rand>/    a build in progress; it becomes gen-<rand> when published
        lock                   one publisher at a time
    graph.ttl     -> .kg/current/graph.ttl      the paths people and scripts use:
    graph.jsonld  -> .kg/current/graph.jsonld   relative symlinks through `current`
    graph.html    -> .kg/current/graph.html
    manifest.json -> .kg/current/manifest.json

A build writes a complete generation into its stage, renames the stage to ``gen-<id>`` and
makes it live with ONE rename: a new symlink renamed over ``current`` (rename(2) is atomic).
A build killed at any instant leaves the old generation live or the new one, never a mix; what
it left (a stage, a generation never made live) is removed by the next build.

Why symlinks: the kernel resolves ``.kg/current`` at every open, so ``out/graph.ttl`` always
names the live generation's file, with no copy and no second rename to get out of step; they
never change, so a build makes them once (and again when missing); relative, so out/ can be
moved or copied whole.  A pointer file would need every reader, a browser opening graph.html
included, to know about it.

Readers resolve the live generation once (:func:`hold`) and read everything from that folder,
holding a shared flock on it; a build removes an old generation only when it can lock it
exclusively without waiting, so no reader ever sees its files vanish.

Never follows a symlink when writing: the lock is opened with O_NOFOLLOW, stages are new
folders, :func:`write_atomic` replaces a link rather than its target.  Files and folders get
the user's umask.
"""
from __future__ import annotations

# shutil and tempfile (with bz2 and lzma: 3-5 ms) are imported by the functions that write:
# every query command imports this module to find and hold its generation, and writes nothing.
import contextlib
import errno
import fcntl
import json
import os
import re
import time
from pathlib import Path

from kg.core import readmodel
from kg.core.errors import InputError, KgError, StaleStoreError
from kg.core.readmodel import NAME as READ_MODEL  # noqa: F401  (a file of every generation)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
INDEX = "index.sqlite"  # large libraries: what an incremental build needs (kg.builder.incremental)
KG_DIR = ".kg"  # the marker of a kg output, and everything kg keeps in it
CURRENT = "current"
#: the names of out/ that lead into the live generation (relative symlinks)
LINKED = ("graph.ttl", "graph.jsonld", "graph.html", MANIFEST)
_GEN = re.compile(r"gen-[A-Za-z0-9_]+")
_STAGE = re.compile(r"stage-(\d+)-[A-Za-z0-9_]+")
STALE_STAGE_SECONDS = 60  # a free stage of a living pid this old: that pid was reused


def fingerprint(path: str | Path) -> dict:
    p = Path(path)
    st = p.stat()
    return {"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "sha256": sha256(p)}


def sha256(path: str | Path) -> str:
    import hashlib  # a build, or a file touched: a query whose build is current hashes nothing

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


# --------------------------------------------------------------------------- generations

def is_generation(folder: str | Path) -> bool:
    """True for a generation folder (out/.kg/gen-<id>), as :func:`current` returns them."""
    p = Path(folder)
    return p.parent.name == KG_DIR and _GEN.fullmatch(p.name) is not None


def current(out: str | Path) -> Path:
    """The folder of the live generation of ``out`` (given a generation folder: that folder).

    Resolve it once and read everything from it: the next build may make another one live at
    any instant.  To keep it from being removed while reading, :func:`hold` it instead.
    Raises StaleStoreError when ``out`` holds no built graph."""
    p = Path(out)
    if is_generation(p):
        return p
    try:
        name = os.readlink(p / KG_DIR / CURRENT)
    except OSError:
        name = ""
    if not _GEN.fullmatch(name):
        raise StaleStoreError(f"no built graph in {out}/: run `kg build`")
    return p / KG_DIR / name


def manifest_of(generation: str | Path) -> dict | None:
    """The manifest of one generation folder (None when missing, unreadable or another
    format)."""
    try:
        with open(Path(generation) / MANIFEST, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("format") == FORMAT_VERSION else None


def read_manifest(out: str | Path) -> dict | None:
    """The manifest of the live generation of ``out`` (or of a generation folder); None when
    nothing is built there."""
    try:
        return manifest_of(current(out))
    except StaleStoreError:
        return None


def built_from(out: str | Path, bib, ontology: Path) -> bool:
    """True when the live generation of ``out`` was built from these very files: a query
    needs no build (cheap: a stat of each, a hash only when one moved).  ``bib``: one .bib
    or several (kg.builder.inputs.bib_paths); a file added, removed or moved in the list
    means a build."""
    return (made_from(read_manifest(out), bib, ontology)
            and readmodel.is_current(current(out) / READ_MODEL))  # this kg, this base IRI


def made_from(manifest: dict | None, bib, ontology: Path) -> bool:
    """True when ``manifest`` records these very inputs: every .bib file, in this order, and
    the ontology."""
    if not manifest:
        return False
    recorded = manifest.get("bibs") or [manifest["bib"]]
    paths = [bib] if isinstance(bib, (str, os.PathLike)) else list(bib)
    return (len(recorded) == len(paths)
            and all(unchanged(r, p) for r, p in zip(recorded, paths))
            and unchanged(manifest["ontology"], ontology))


def intact(generation: Path, name: str) -> bool:
    """True when file ``name`` of a generation is as its build wrote it (size and mtime in the
    manifest): not overwritten since, e.g. through the out/ link that leads to it."""
    rec = ((manifest_of(generation) or {}).get("files") or {}).get(name)
    try:
        s = os.stat(generation / name)
    except OSError:
        return False
    return bool(rec) and [s.st_size, s.st_mtime_ns] == rec


class Held:
    """A generation held open: a shared flock on its folder, so no build removes it, until
    :meth:`release` (or the end of a ``with`` block, or of the process)."""

    def __init__(self, folder: Path, fd: int):
        self.folder, self.fd = folder, fd

    def release(self) -> None:
        """Let builds remove the generation again (may be called twice)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> Held:
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()


def hold(out: str | Path) -> Held:
    """The live generation of ``out``, resolved once and held (see :class:`Held`).

    The lock is taken, then ``current`` read again: a generation replaced meanwhile may be
    removed by its build, so the new one is taken instead."""
    for _ in range(100):
        gen = current(out)
        fd = _lock_shared(gen)
        if fd is None:  # gone (or a link planted in its place: not read, not written)
            if current(out) == gen:
                raise StaleStoreError(f"the built graph of {out}/ is missing: run `kg build`")
            continue
        if current(out) == gen and os.path.isdir(gen):
            return Held(gen, fd)
        os.close(fd)
    raise KgError(f"{out}/ kept changing while it was opened (builds in a loop?): try again")


def hold_generation(gen: Path) -> Held:
    """Generation folder ``gen`` held (see :class:`Held`), live or not; KgError when it is
    gone (a build removed it: no reader held it)."""
    fd = _lock_shared(gen)
    if fd is not None and os.path.isdir(gen) and manifest_of(gen) is not None:
        return Held(gen, fd)
    if fd is not None:  # removed meanwhile
        os.close(fd)
    raise StaleStoreError(f"the built graph {gen} is gone: run `kg build`")


def _lock_shared(gen: Path) -> int | None:
    """A shared flock on generation folder ``gen`` (its fd), never through a link; None when
    it cannot be opened."""
    try:
        fd = os.open(gen, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


_KEPT: dict[Path, Held] = {}  # generations open_store opened: held while this process lives


def keep(out: str | Path) -> Path:
    """The live generation of ``out``, held for the rest of the process (see :func:`hold`)."""
    held = hold(out)
    if held.folder in _KEPT:
        held.release()
    else:
        _KEPT[held.folder] = held
    return held.folder


# --------------------------------------------------------------------------- writing safely

def umask() -> int:
    """The process's umask, read without changing it (Linux), else by setting it back."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_atomic(path: str | Path, data: bytes | str,
                 then: list[tuple[Path, int, int]] = ()) -> None:
    """Write a file so that readers see the old content or the new, never a part: ``data``,
    then each (file, offset, length) range of ``then``.

    The new file is renamed over ``path``: a symbolic link there is replaced, its target never
    written.  The file gets the user's umask (not mkstemp's 0600)."""
    import tempfile

    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~umask())
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


def link_into(stage: Path, src: Path) -> None:
    """Put file ``src`` of a previous generation into ``stage`` under its name: a hard link
    (generations are never written in place), a copy where links are not possible."""
    import shutil

    try:
        os.link(src, stage / src.name, follow_symlinks=False)
    except OSError:
        shutil.copyfile(src, stage / src.name, follow_symlinks=False)


# --------------------------------------------------------------------------- the out/ folder

def check_out(out: str | Path) -> None:
    """Refuse, before any work, an output folder kg must not write into: ``/``, the home
    folder, a file, a folder that is neither empty nor a kg output."""
    p = Path(out)
    resolved = p.resolve()
    if resolved == Path(resolved.anchor) or resolved == _home():
        where = "the root folder" if resolved == Path(resolved.anchor) else "your home folder"
        raise InputError(f"{out}: refusing to build into {where}: a build owns its output "
                         "folder; give a folder of its own, e.g. --out out")
    kgdir = p / KG_DIR
    if os.path.lexists(kgdir):
        if kgdir.is_symlink() or not kgdir.is_dir():
            raise InputError(f"{kgdir} is not a folder kg made (a link or a file): kg writes "
                             "only into its own output folders; remove it or give another "
                             "--out")
        return
    if os.path.lexists(p) and not p.is_dir():
        raise InputError(f"{out}: exists and is not a folder: give another --out")
    if p.is_dir() and any(e.name not in PLACEHOLDERS for e in p.iterdir()) and not _legacy(p):
        raise InputError(f"{out}/ is not empty and is not a kg output (it has no {KG_DIR}/): "
                         "a build writes only into a new or empty folder, or one a build made "
                         "before, and would not touch files it did not make; give another "
                         f"--out (e.g. --out {Path(out) / 'kg-out'})")


#: files version control keeps in an empty folder (the repository's own out/ holds one): a
#: folder with nothing else is empty to a build, which leaves them as they are
PLACEHOLDERS = frozenset({".gitkeep", ".keep"})

_MADE: dict[Path, bool] = {}  # out/.kg folders this process made -> whether out/ too


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        return None


def prepare(out: str | Path) -> Path:
    """out/.kg, made when out/ is new, empty or of the previous layout (see check_out)."""
    check_out(out)
    kgdir = Path(out) / KG_DIR
    if not kgdir.is_dir():
        made_out = not os.path.lexists(out)
        kgdir.mkdir(parents=True, exist_ok=True)
        _MADE.setdefault(kgdir, made_out)
    return kgdir


def _legacy(out: Path) -> dict | None:
    """The manifest of an out/ written by kg before generations (files right in out/)."""
    p = out / MANIFEST
    if p.is_symlink() or not p.is_file():
        return None
    m = manifest_of(out)
    return m if m and _LEGACY_STORE.fullmatch(str(m.get("store", ""))) else None


@contextlib.contextmanager
def lock(out: Path):
    """One build at a time publishes into a folder (out/.kg/lock, never through a link)."""
    path = prepare(out) / "lock"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise InputError(f"{path} is a symbolic link: kg does not write through links; "
                             "remove it") from None
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


_STAGES: dict[Path, int] = {}  # this process's stages -> the fd locking each


def staging(out: Path) -> Path:
    """A private folder in out/.kg for one build, locked while the build lives (same file
    system as the generations: it becomes one by a rename).  Stages and lock-free generations
    left by killed builds are removed first."""
    import tempfile

    kgdir = prepare(out)
    clean_stale(kgdir)
    stage = Path(tempfile.mkdtemp(dir=kgdir, prefix=f"stage-{os.getpid()}-"))
    fd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _STAGES[stage] = fd
    os.chmod(stage, 0o777 & ~umask())  # mkdtemp's 0700 would stay on the generation
    return stage


def _unlock_stage(stage: Path) -> None:
    fd = _STAGES.pop(stage, None)
    if fd is not None:
        os.close(fd)


def discard(stage: Path) -> None:
    """Remove a stage of this process (a build that failed), and out/.kg and out/ when this
    process made them and they are empty again: a failed first build leaves nothing."""
    import shutil

    shutil.rmtree(stage, ignore_errors=True)
    _unlock_stage(stage)
    kgdir = stage.parent
    if kgdir in _MADE:
        with contextlib.suppress(OSError):
            os.rmdir(kgdir)  # only when empty: no other build's stage, no generation
            if _MADE.pop(kgdir):
                os.rmdir(kgdir.parent)


def clean_stale(kgdir: Path) -> None:
    """Remove the stages no living build holds."""
    import shutil

    for d in kgdir.glob("stage-*"):
        m = _STAGE.fullmatch(d.name)
        if m and d.is_dir() and not d.is_symlink():
            with _locked_now(d) as free:
                if free and (not _alive(int(m.group(1)))
                             or time.time() - d.stat().st_mtime > STALE_STAGE_SECONDS):
                    shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def _locked_now(folder: Path):
    """Yields True with an exclusive lock on ``folder`` when nobody holds one, else False."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)


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
    return f"store-{_stage_id(stage)}-{bib_sha256[:8]}"


def _stage_id(stage: Path) -> str:
    return stage.name.split("-", 2)[-1]


def publish(out: Path, stage: Path, manifest: dict, drop_now: bool = True) -> Path:
    """Make the finished build in ``stage`` the live generation of ``out``; returns its folder.

    Whatever the stage holds is the generation: its store is renamed to its published name,
    the manifest written into it (with the size and mtime of every file, see :func:`intact`),
    the stage renamed to ``gen-<id>``, then ``current`` switched to it by one rename.  After:
    the links of out/ made where missing, the files of the previous layout removed, and the
    old generations no reader holds (unless not ``drop_now``: :func:`drop_later`)."""
    out = Path(out)
    with lock(out):
        kgdir = out / KG_DIR
        store_name = None  # a large library's store may be made after (kg.builder.triplestore)
        if (stage / "store").is_dir():
            store_name = store_name_of(stage, manifest["bib"]["sha256"])
            os.rename(stage / "store", stage / store_name)
        manifest = dict(manifest, store=store_name, files=_files_of(stage))
        write_atomic(stage / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        gen = kgdir / f"gen-{_stage_id(stage)}"
        os.rename(stage, gen)
        _unlock_stage(stage)
        _switch(kgdir, gen.name)
        _link(out, LINKED[:-1])
        if _legacy(out):
            _drop_legacy(out)
        _link(out, [MANIFEST])  # last: a regular manifest.json marks the previous layout
        if drop_now:
            _drop_old_generations(kgdir, gen.name)
    return gen


def drop_old(out: str | Path) -> None:
    """Remove the generations of ``out`` but the live one that no reader holds (as
    :func:`publish` does), under the lock of publishing: a build publishing meanwhile waits."""
    out = Path(out)
    if not (out / KG_DIR).is_dir():  # removed meanwhile: nothing to do, nothing made again
        return
    with lock(out):
        _drop_old_generations(out / KG_DIR, current(out).name)


def drop_later(out: str | Path) -> None:
    """:func:`drop_old` in a process of its own, in a session of its own (it outlives the
    build, as the store's maker does): removing a large library's previous generation (about
    1 GB at 50,000 entries, on the disk by then) took 0.1-0.15 s of an edit's 0.7-1.5 s."""
    from kg.builder.loading import start_detached

    start_detached("kg.builder.store", str(Path(out).resolve()))


def _files_of(stage: Path) -> dict[str, list[int]]:
    files = {}
    for p in stage.iterdir():
        s = p.lstat()
        if p.name != MANIFEST and not p.name.startswith(".") and p.is_file() \
                and not p.is_symlink():
            files[p.name] = [s.st_size, s.st_mtime_ns]
    return files


def _switch(kgdir: Path, name: str) -> None:
    """Point ``current`` at generation ``name``: a new symlink renamed over the old one."""
    tmp, link = kgdir / f"current-{os.getpid()}.tmp", kgdir / CURRENT
    if link.is_dir() and not link.is_symlink():  # out/ copied by a tool that follows links:
        os.rename(link, kgdir / f"gen-copied_{os.getpid()}")  # an old generation now
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(name, tmp)
    os.replace(tmp, link)


def _link(out: Path, names) -> None:
    """out/graph.ttl -> .kg/current/graph.ttl, ... (made once; a file of kg's in their place,
    from the previous layout or `kg viz`, is replaced)."""
    for name in names:
        p, target = out / name, f"{KG_DIR}/{CURRENT}/{name}"
        with contextlib.suppress(OSError):
            if os.readlink(p) == target:
                continue
        if p.is_dir() and not p.is_symlink():
            continue  # not kg's: left alone
        tmp = out / f".{name}.{os.getpid()}.link"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, p)


def _drop_old_generations(kgdir: Path, live: str) -> None:
    """Remove the generations but ``live`` that no reader holds (a held one: by a later
    build), and what a killed publish left."""
    import shutil

    for d in kgdir.glob("gen-*"):
        if d.name != live and d.is_dir() and not d.is_symlink():
            with _locked_now(d) as free:
                if free:
                    shutil.rmtree(d, ignore_errors=True)
    for tmp in [*kgdir.glob("current-*.tmp"), *kgdir.parent.glob(".*.link")]:
        if tmp.is_symlink():
            tmp.unlink(missing_ok=True)


# the previous layout: these files and folders right in out/, named so by kg only
_LEGACY_STORE = re.compile(r"store-[A-Za-z0-9_]+-[0-9a-f]{8}")
_LEGACY_FILES = ("index.json", "digest.parts", "digest.delta", ".lock")
_LEGACY_PATTERNS = (re.compile(r"digest-store-[A-Za-z0-9_]+-[0-9a-f]{8}\.bin"),
                    re.compile(r"search-store-[A-Za-z0-9_]+-[0-9a-f]{8}\.idx"))
_LEGACY_BUILD = re.compile(r"\.build-(\d+)-[A-Za-z0-9_]+")


def _drop_legacy(out: Path) -> None:
    """Remove what kg wrote into out/ before generations (its stores, digests, search
    indexes, index, lock, dead builds' staging folders); graph.ttl, graph.jsonld, graph.html
    and manifest.json (last: it marks the layout) are then replaced by the links."""
    import shutil

    for p in out.iterdir():
        name = p.name
        if p.is_symlink():
            continue
        if p.is_dir() and (_LEGACY_STORE.fullmatch(name) or (
                (b := _LEGACY_BUILD.fullmatch(name)) and not _alive(int(b.group(1))))):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and (name in _LEGACY_FILES
                              or any(r.fullmatch(name) for r in _LEGACY_PATTERNS)):
            p.unlink(missing_ok=True)


# The private paths a build and an atomic write work in, as a message must not show them: a
# stage out/.kg/stage-PID-XXXX/... (shown as the output folder), a generation
# out/.kg/gen-XXXX/NAME (shown as out/NAME, the link the user knows) and a temporary file
# .NAME.XXXXXXXX.tmp next to NAME (shown as NAME).
_PRIVATE = re.compile(r"(?:/|(?<![^\s'\"(])|^)\.kg/(?:(stage-\d+-[A-Za-z0-9_]+)|gen-[A-Za-z0-9_]+)"
                      r"(?:/([^\s'\":]*))?")
_TEMP = re.compile(r"(?:(?<=/)|^|(?<=[\s'\"(]))\.([^\s/'\"]+?)\.[A-Za-z0-9_]{8}\.tmp\b")


def _public(m: re.Match) -> str:
    lead = "/" if m.group().startswith("/") else ""
    if m.group(1) or not m.group(2):  # a stage, or a generation as a whole: the output folder
        return "" if lead else "."
    return f"{lead}{m.group(2)}"


def public_text(text: str) -> str:
    """A message with every private path of kg's in it replaced by the path the user knows."""
    return _PRIVATE.sub(_public, _TEMP.sub(r"\1", str(text)))


def public_path(path: str) -> str:
    """One path as the user knows it (see public_text)."""
    return public_text(path) or "."


if __name__ == "__main__":  # drop_later's process
    import sys

    with contextlib.suppress(KgError, OSError):
        drop_old(sys.argv[1])
