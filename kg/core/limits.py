"""Size limits a person may change through the environment (KG_MAX_BIB_BYTES,
KG_ENDPOINT_MAX_BYTES), read and shown one way; the one capped read of an input file (the
.bib, the ontology)."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kg.core.errors import InputError


def bytes_setting(env: str, default: int) -> int:
    """A number of bytes from the environment variable ``env`` (suffixes K, M, G), else
    ``default``; InputError when it is not a positive number."""
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    m = re.fullmatch(r"(\d+)\s*([KMG]?)(?:i?B)?", raw, re.IGNORECASE)
    if not m or int(m.group(1)) == 0:
        raise InputError(f"{env} must be a positive number of bytes (suffixes K, M, G "
                         f"accepted), not {raw[:20]!r}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def human_size(n: int) -> str:
    """``n`` bytes as a person reads it: 3.2 MiB, 512 bytes."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.3g} {unit}"
    return f"{n} bytes"


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_file(path: str | Path, limit: int, env: str, what: str, ask: str) -> bytes:
    """The bytes of an input file: a regular file of at most ``limit`` bytes, read without end
    never.  ``env``: the variable that raises the limit; ``what``: what the file should be
    ("a .bib file"); ``ask``: what a too large file is asked ("a bibliography").

    A FIFO is opened without waiting for a writer and refused, as are devices (``/dev/zero``
    would be read without end) and sockets; a file that grows past the limit while it is read
    is refused too.  Every refusal is an :class:`InputError` naming the file.
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not {what}") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read ({e.strerror or e})") from None
    too_big = f"kg reads: is it {ask}? ({env} raises the limit)"
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a folder, not {what}")
        if not stat.S_ISREG(st.st_mode):
            kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
            raise InputError(f"{name}: is {kind}, not {what}: kg reads a regular file "
                             "(save it to a file first)")
        if st.st_size > limit:
            raise InputError(f"{name}: {human_size(st.st_size)}, more than the "
                             f"{human_size(limit)} {too_big}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks, n = [], 0
        while n <= limit:
            block = os.read(fd, min(1 << 24, limit + 1 - n))
            if not block:
                break
            chunks.append(block)
            n += len(block)
        if n > limit:  # it grew while read
            raise InputError(f"{name}: more than the {human_size(limit)} {too_big}")
        return b"".join(chunks)
    except OSError as e:
        raise InputError(f"{name}: cannot read ({e.strerror or e})") from None
    finally:
        os.close(fd)
