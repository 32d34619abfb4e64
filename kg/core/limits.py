"""Size limits a person may change through the environment (KG_MAX_BIB_BYTES,
KG_ENDPOINT_MAX_BYTES), read and shown one way."""
from __future__ import annotations

import os
import re

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
