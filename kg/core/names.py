"""Name resolution, written once: how a name typed by a person finds one theme, thinker, work
or node, for every command (query, export, dossier, viz, analyse).

``resolve(name, names, what, how)`` looks ``name`` up in ``names`` (folded key -> id):
an exact folded match, else a unique prefix, else a unique word, else a unique substring; a
name that matches several ids is an error that lists some of them; no match suggests the
closest keys. Keys are made with ``name_key`` (accents, case and punctuation ignored).
"""
from __future__ import annotations

import difflib
import re

from kg.core.errors import InputError, NotFoundError
from kg.core.latex import fold


def name_key(s: str) -> str:
    """The folded form names are compared in: no accents, lower case, words of letters and
    digits separated by one space."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(s)).split())


def resolve(name: str, names: dict[str, str], what: str, how: str) -> str:
    """The one id of ``names`` (folded key -> id) that ``name`` means; NotFoundError if none or
    several (``what``: "theme", "thinker"...; ``how``: where to find the valid names)."""
    k = name_key(name)
    if not k:
        raise InputError(f"the {what} name {name[:80]!r} has no letters or digits to match")
    if k in names:
        return names[k]
    for test in (lambda n: n.startswith(k), lambda n: k in n.split(),
                 lambda n: (" " + k) in (" " + n), lambda n: k in n):
        found = {names[n] for n in names if test(n)}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            labels = sorted({n for n in names if test(n) and names[n] in found},
                            key=len)[:5]
            raise NotFoundError(f"{name!r} matches several {what}s: {', '.join(labels)}; "
                                "be more precise")
    close = difflib.get_close_matches(k, list(names), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise NotFoundError(f"no {what} matches {name!r}{hint} ({how})")
