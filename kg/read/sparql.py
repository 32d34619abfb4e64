"""SPARQL text read the way the grammar reads it, before an engine is given it.

Three questions are answered here, from the grammar's own terminals (SPARQL 1.1 Query,
section 19.8: IRIs, strings, comments, variables, prefixed names with their escapes...) and
from Oxigraph's reading of keywords, which needs no space after them (``SERVICESILENT<u>{}``
and ``1SERVICE <u> {}`` are SERVICE clauses to it):

- :func:`form`: is the text a query (SELECT, ASK, CONSTRUCT, DESCRIBE) or an update? The
  prologue (BASE and PREFIX declarations) is parsed as the grammar says, and the keyword after
  it decides; a keyword inside a prefix name, a string, an IRI or a comment decides nothing.
- :func:`services`: where the text has SERVICE clauses (SERVICE, SILENT optional, a variable,
  IRI or prefixed name, then ``{``); a SERVICE inside a string, an IRI, a comment, a variable
  or a prefixed name is none.
- :func:`shape`: how deeply brackets nest and how many terms and operators the text has,
  outside VALUES data: a parser that recurses once per level (Oxigraph's does) overflows its
  stack on a few thousand levels and the process dies of SIGSEGV with no message, so kg
  bounds both first (:data:`MAX_DEPTH`, :data:`MAX_TERMS`).

Pure functions over text: no engine, no rdflib (the query path must start at once).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from kg.core.errors import QueryError

#: the deepest nesting of (), {} and [] accepted; a hand-written query rarely passes 10
MAX_DEPTH = 200
#: the most terms and operators accepted outside VALUES data (whose rows may be many)
MAX_TERMS = 20_000

# the grammar's character classes (SPARQL 1.1 Query, 19.8)
class _Lazy:
    """A pattern compiled when first used: the grammar's character classes take about 50 ms
    to compile, which a command that reads no SPARQL (kg theme, kg search) need not pay."""

    def __init__(self, pattern: str, flags: int = 0):
        self._args, self._re = (pattern, flags), None

    def __getattr__(self, name: str):
        if self._re is None:
            self._re = re.compile(*self._args)
        return getattr(self._re, name)


_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
         "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
         "\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_IRI = r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>"
_PNAME = f"(?:{_PREFIX})?:(?:{_LOCAL})?"
_VAR = f"[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
_SKIP = r"(?:[ \t\r\n]|\#[^\r\n]*)*"  # white space and comments

_TOKEN = _Lazy("|".join([
    r"(?P<ws>[ \t\r\n]+)",
    r"(?P<comment>\#[^\r\n]*)",
    f"(?P<iri>{_IRI})",
    # strings, read leniently: an escape the grammar refuses makes the engine refuse the query
    r'(?P<string>"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""' r"|'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*')",
    f"(?P<var>{_VAR})",
    f"(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]*)*)",
    r"(?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)",
    f"(?P<pname>{_PNAME})",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|<<|>>|.)",
]), re.DOTALL)

# what follows the keyword SERVICE in a SERVICE clause: SILENT?, a variable or an IRI, a group
_SERVICE_TAIL = _Lazy(f"{_SKIP}(?:SILENT{_SKIP})?(?:{_VAR}|{_IRI}|{_PNAME}){_SKIP}\\{{",
                           re.IGNORECASE)
_SERVICE = re.compile("service", re.IGNORECASE)

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                "WITH")
_SKIP_RE = _Lazy(_SKIP)
_IRI_RE = _Lazy(_IRI)
_PNAME_NS = _Lazy(f"(?:{_PREFIX})?:")
_KEYWORD = re.compile("[A-Za-z]+")


class Form(NamedTuple):
    """What a SPARQL text is, read after its prologue."""

    kind: str  # "query" | "update" | "unknown"
    keyword: str  # SELECT, ASK, CONSTRUCT, DESCRIBE / INSERT, LOAD... / the text found there
    at: int  # where that keyword begins


class Shape(NamedTuple):
    """How a SPARQL text nests: its deepest nesting (and where) and its number of terms."""

    depth: int
    deepest_at: int
    terms: int


def where(text: str, at: int) -> str:
    """``line L, column C`` of the offset ``at`` of ``text`` (1-based, as editors count)."""
    line = text.count("\n", 0, at) + 1
    return f"line {line}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def form(text: str) -> Form:
    """Query, update or neither: the prologue parsed (BASE IRI, PREFIX name: IRI), then the
    keyword after it (Oxigraph reads keywords case-insensitively, with no space needed)."""
    i = _SKIP_RE.match(text, 0).end()
    if text.startswith("\ufeff", i):  # a byte order mark the engine would refuse
        return Form("unknown", "a byte order mark (U+FEFF)", i)
    while True:
        head = text[i:i + 6].upper()
        if head.startswith("BASE"):
            j = _SKIP_RE.match(text, i + 4).end()
            m = _IRI_RE.match(text, j)
        elif head == "PREFIX":
            j = _SKIP_RE.match(text, i + 6).end()
            m = _PNAME_NS.match(text, j)
            if m:
                m = _IRI_RE.match(text, _SKIP_RE.match(text, m.end()).end())
        else:
            break
        if not m:  # an unfinished declaration: let the engine say where it stops
            return Form("unknown", head.rstrip(), i)
        i = _SKIP_RE.match(text, m.end()).end()
    word = _KEYWORD.match(text, i)
    found = word.group(0).upper() if word else text[i:i + 20].strip()
    for kind, keywords in (("query", QUERY_FORMS), ("update", UPDATE_FORMS)):
        for k in keywords:
            if found.startswith(k):
                return Form(kind, k, i)
    return Form("unknown", found, i)


def _code_words(text: str):
    """(offset, token) of the words and prefixed names the grammar reads in ``text``."""
    for m in _TOKEN.finditer(text):
        if m.lastgroup in ("word", "pname"):
            yield m.start(), m.group()


def services(text: str) -> list[int]:
    """The offsets of the SERVICE clauses of ``text`` (empty: none)."""
    if not _SERVICE.search(text):  # the common case: no such letters at all
        return []
    found = []
    for start, token in _code_words(text):
        head = token.split(":", 1)[0]  # a prefixed name's local part is its own
        for m in _SERVICE.finditer(head):
            # inside a word too: "trueSERVICE" is the boolean true, then SERVICE, to Oxigraph
            if _SERVICE_TAIL.match(text, start + m.end()):
                found.append(start + m.start())
    return found


def shape(text: str) -> Shape:
    """The deepest nesting of (), {}, [] and ! (outside strings, IRIs and comments) and the
    number of terms and operators outside VALUES data, counted while they stay within
    MAX_DEPTH and MAX_TERMS; QueryError beyond."""
    depth = deepest = deepest_at = terms = nots = 0
    data_from = None  # the depth at which the VALUES data being read opened
    values = False  # a VALUES keyword read, its data not yet opened
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        tok = m.group()
        nots = nots + 1 if tok == "!" else 0  # !!!x nests as (!(!(!x)))
        opens = kind == "punct" and tok in "({["
        if opens or nots:
            depth += opens
            if values and tok == "{" and data_from is None:
                data_from, values = depth, False
            if depth + nots > deepest:
                deepest, deepest_at = depth + nots, m.start()
                if deepest > MAX_DEPTH:
                    raise QueryError(
                        f"the query nests more than {MAX_DEPTH} levels deep (at "
                        f"{where(text, m.start())}): kg accepts at most {MAX_DEPTH} levels of "
                        "(), {}, [] and ! (deeper, the SPARQL engine overflows its stack); "
                        "flatten it: write the groups one after the other, or list "
                        "alternatives in a VALUES block")
            if opens:
                continue
        if tok in ")}]" and kind == "punct":
            if data_from is not None and depth == data_from:
                data_from = None
            depth = max(0, depth - 1)
            continue
        if kind == "word" and tok.upper() == "VALUES":
            values = True
        if data_from is None:
            terms += 1
            if terms > MAX_TERMS:
                raise QueryError(
                    f"the query has more than {MAX_TERMS:,} terms and operators outside "
                    f"VALUES data (it passes that at {where(text, m.start())}): kg accepts "
                    f"at most {MAX_TERMS:,} (a longer chain of UNION, OPTIONAL, FILTER, && or "
                    "patterns overflows the SPARQL engine's stack); list alternatives in a "
                    "VALUES block, or split the query")
    return Shape(deepest, deepest_at, terms)


def blank(text: str) -> str:
    """``text`` with comments, strings and IRIs blanked (same length, line ends kept): what is
    left is syntax, for scanning."""
    out = []
    at = 0
    for m in _TOKEN.finditer(text):
        if m.lastgroup in ("comment", "string", "iri"):
            out.append(text[at:m.start()])
            out.append(re.sub(r"[^\n]", " ", m.group()))
            at = m.end()
    out.append(text[at:])
    return "".join(out)
