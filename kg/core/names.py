"""Name resolution, written once: how a name typed by a person finds one theme, thinker, work
or node, for every command (query, export, dossier, viz, analyse).

``resolve(name, names, what, how)`` looks ``name`` up in ``names`` (folded key -> id, or
folded key -> several ids when a name is shared): an exact folded match, else a unique prefix,
else a unique word, else a unique substring; a name that matches several ids is an error that
lists some of them; no match suggests the closest keys. Keys are made with ``name_key``
(accents, case and punctuation ignored). Each command keeps its own candidates (what names it
knows); the rule and the wording of its errors are these ones.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping

from kg.core.errors import InputError, NotFoundError
from kg.core.latex import fold

#: where a person finds the valid names, said by every command's error
THEMES_HOW = "`kg themes` lists them"
THINKERS_HOW = "`kg query thinker-names` lists them"
#: how many candidates an error lists
SHOWN = 5
#: how many close names an unknown name suggests
SUGGESTED = 3


_NON_WORD = re.compile(r"[\W_]+")  # white space included: one space for a run, none at ends
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def name_key(s: str) -> str:
    """The folded form names are compared in: no accents, lower case, words of letters and
    digits separated by one space."""
    return _NON_WORD.sub(" ", fold(s)).strip(" ")


def name_index(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """folded key -> ids, in first-seen order, from (name, id) pairs; empty keys are left out.
    A key shared by several ids makes a name that ``resolve`` reports as ambiguous."""
    out: dict[str, list[str]] = {}
    for name, id_ in pairs:
        k = name_key(name) if name else ""
        if k:
            ids = out.setdefault(k, [])
            if id_ not in ids:
                ids.append(id_)
    return out


def people_keys(rows: Iterable[tuple[str, str, str]], person_ns: str) -> dict[str, list[str]]:
    """Folded name -> the people it names, from (person IRI, name, kind) rows in the order of
    the thinker-names named query (kind "name", "sort", "alias" or "key"; then IRI, then
    name): the read model's thinker_names and a remote library's are both made here.

    A name of a person (display name, sort name, alias, entry key, the last part of its IRI)
    is the first person's that has it. A family name alone (a sort name's part before its
    comma), when it is no one's name, is every person's who has it: "ellul" in a library of
    Jacques and Ivan Ellul is ambiguous, and ``resolve`` lists them."""
    names: dict[str, list[str]] = {}
    families: dict[str, list[str]] = {}
    keys: dict[str, str] = {}  # name -> name_key: 62,000 names at 50,000 entries, many again

    def key(name: str) -> str:
        k = keys.get(name)
        if k is None:
            k = keys[name] = name_key(name)
        return k

    def claim(k: str, iri: str) -> None:
        if k:
            names.setdefault(k, [iri])

    for iri, name, kind in rows:
        claim(key(name), iri)
        if kind == "sort":
            k = key(name.split(",")[0])
            if k and iri not in families.setdefault(k, []):
                families[k].append(iri)
        if iri.startswith(person_ns):  # a slug of plain letters is its own key, hyphens spaced
            tail = iri[len(person_ns):]
            claim(tail.replace("-", " ") if _SLUG.fullmatch(tail) else key(tail), iri)
    for k, iris in families.items():
        names.setdefault(k, iris)
    return names


def theme_keys(themes: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Folded name -> the theme it names, from (id, labels) in theme IRI order (labels:
    preferred in every language, then alternative): every theme's id (and the id with spaces
    for its hyphens) first, then the labels; a name is the first theme's that has it
    ("sociology" is the theme of that id, not another labelled so, the level of a tag
    "Social Science/Sociology").  Library.find_theme and the read model's theme_names are
    both made here."""
    themes = [(tid, list(labels)) for tid, labels in themes]
    names: dict[str, str] = {}
    for tid, _ in themes:
        for n in (tid, tid.replace("-", " ")):
            names.setdefault(name_key(n), tid)
    for tid, labels in themes:
        for n in labels:
            names.setdefault(name_key(n), tid)
    return names


def _ids(value: str | Collection[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


_TESTS: tuple[Callable[[str, str], bool], ...] = (
    lambda n, k: n.startswith(k),           # a prefix: "survei" -> "surveillance"
    lambda n, k: k in n.split(),            # a word: "ellul" -> "jacques ellul"
    lambda n, k: (" " + k) in (" " + n),    # the start of a word: "conv" -> "la convivialite"
    lambda n, k: k in n,                    # a part
)


def resolve(name: str, names: Mapping[str, str | Collection[str]], what: str, how: str, *,
            whats: str | None = None, show: Callable[[str], str] | None = None) -> str:
    """The one id of ``names`` (folded key -> id or ids) that ``name`` means; NotFoundError if
    none or several.

    ``what``: what is looked for ("theme", "thinker"...), ``whats`` its plural (default
    ``what + "s"``); ``how``: where to find the valid names. ``show(id)`` writes a candidate
    in the messages; without it the matching keys are listed.
    """
    k = name_key(name)
    if not k:
        raise InputError(f"the {what} name {name[:80]!r} has no letters or digits to match")
    if k in names:
        found = _ids(names[k])
        if len(found) == 1:
            return found[0]
        raise NotFoundError(_several(name, [k], found, whats or what + "s", how, show))
    for test in _TESTS:
        keys = [n for n in names if test(n, k)]
        found = list(dict.fromkeys(i for n in keys for i in _ids(names[n])))
        if len(found) == 1:
            return found[0]
        if found:
            raise NotFoundError(_several(name, keys, found, whats or what + "s", how, show))
    raise NotFoundError(f"no {what} matches {name!r}{_did_you_mean(k, names, show)} ({how})")


def _did_you_mean(k: str, names: Mapping[str, str | Collection[str]],
                  show: Callable[[str], str] | None) -> str:
    """'; did you mean ...?' with the names closest to the folded name ``k``, or nothing."""
    from difflib import get_close_matches  # only when a name is not found

    close = get_close_matches(k, list(names), n=SUGGESTED, cutoff=0.6)
    if show is None:
        shown = [repr(c) for c in close]
    else:
        shown = list(dict.fromkeys(show(i) for c in close for i in _ids(names[c])))
    return f"; did you mean {', '.join(shown[:SUGGESTED])}?" if shown else ""


def _several(name: str, keys: list[str], found: list[str], whats: str, how: str,
             show: Callable[[str], str] | None) -> str:
    candidates = set(keys) if show is None else {show(i) for i in found}
    shown = sorted(candidates, key=lambda s: (len(s), s))  # the shortest first, stable
    more = f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return (f"{name!r} matches several {whats}: {', '.join(shown[:SHOWN])}{more}; "
            f"be more precise ({how})")
