"""Ask the graph: themes, thinkers, works, quotes, claims, full-text search and SPARQL.

Every function returns plain data (dicts and lists) that the CLI prints and scripts use as is.
Every SPARQL text is checked by :func:`check` (a query, not an update; nesting bounded; no
SERVICE unless allowed: kg.read.sparql) and run by :func:`select` (in this process: the texts
kg ships and writes) or :func:`ask` (a person's SPARQL: in a process of its own, stopped at its
timeout or on Ctrl-C).  User text only ever reaches a query as a bound value (a ``VALUES``
block of escaped terms), never as query syntax.

Imports stay light (no rdflib, bibtexparser, networkx): the query path must start at once.
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from kg.core.cycles import find_cycles
from kg.core.errors import InputError, NotFoundError, QueryError
from kg.core.latex import fold
from kg.core.names import THEMES_HOW, THINKERS_HOW, name_key, resolve, theme_keys
from kg.core.vocab import CLAIM_STATUSES, ID, THEME_NS
from kg.core.vocab import KGO as _KGO
from kg.core.vocab import XSD as _XSD
from kg.read import sparql

KGO = str(_KGO)  # kg's ontology namespace as text: KGO + "Work"
XSD = str(_XSD)
STATUSES = CLAIM_STATUSES
MAX_INPUT = 1000  # characters: longer names or search texts are refused, not truncated


# --------------------------------------------------------------------------- terms and rows

class Term(NamedTuple):
    """An RDF term as SPARQL results carry it (independent of the engine that produced it).
    A named tuple: answers of thousands of rows make tens of thousands (0.3 us each; 2 us as
    a frozen dataclass)."""

    type: str  # "uri" | "literal" | "bnode" | "triple"
    value: str
    lang: str | None = None
    datatype: str | None = None

    def py(self):
        """A plain Python value: int/float for numbers, str otherwise."""
        if self.type == "literal" and self.datatype:
            try:
                if self.datatype == XSD + "integer":
                    return int(self.value)
                if self.datatype in (XSD + "decimal", XSD + "double"):
                    f = float(self.value)
                    return int(f) if f.is_integer() and "e" not in self.value.lower() else f
            except ValueError:
                pass
        return self.value

    def sparql(self) -> str:
        """This term written as SPARQL syntax (escaped; IRIs and tags validated)."""
        if self.type == "uri":
            return f"<{check_iri(self.value)}>"
        if self.type != "literal":
            raise QueryError(f"cannot bind a {self.type} value")
        s = '"' + _escape(self.value) + '"'
        if self.lang:
            if not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", self.lang):
                raise InputError(f"not a language tag: {self.lang!r}")
            return f"{s}@{self.lang}"
        if self.datatype and self.datatype != XSD + "string":
            return f"{s}^^<{check_iri(self.datatype)}>"
        return s


def iri(value: str) -> Term:
    return Term("uri", value)


def literal(value: str, lang: str | None = None, datatype: str | None = None) -> Term:
    return Term("literal", value, lang, datatype)


_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_iri(value: str) -> str:
    if not value or _IRI_BAD.search(value) or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value):
        raise InputError(f"not a usable IRI: {value[:80]!r}")
    return value


def _escape(s: str) -> str:
    # Every character that could end the string or be read as an escape is itself escaped;
    # other control characters are written as \\u escapes.
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def clean_text(s: str, what: str = "text", max_len: int = MAX_INPUT) -> str:
    """User text checked: valid Unicode (no undecodable shell bytes), not absurdly long."""
    if s is None:
        raise InputError(f"no {what} given")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"the {what} is not valid UTF-8 text: check your terminal's "
                         "encoding (LANG/LC_ALL)") from None
    if len(s) > max_len:
        raise InputError(f"the {what} is {len(s)} characters long; at most {max_len} "
                         "are accepted")
    return s


class TermRows(Sequence):
    """The rows of a Result answered from the read model: a row's terms are made when the row
    is read, its values as shown (each term's value) straight from the values (an answer of
    11,542 rows printed as a table made 69,252 terms it never used: 0.15 s)."""

    def __init__(self, vars: list[str], make: list, values: list[tuple], derived: list[bool]):
        """``make``: a column's term of a value; ``derived``: whether that term's value is
        not the column's value itself (read from the term when shown)."""
        self._vars, self._make, self._values, self._derived = vars, make, values, derived
        self._rows: list[dict[str, Term]] | None = None

    def __len__(self) -> int:
        return len(self._values)

    def _list(self) -> list[dict[str, Term]]:
        """Every row's terms, made once when a row is first read (a row changed in place
        stays changed, as in a list)."""
        if self._rows is None:
            self._rows = [{c: f(v) for c, f, v in zip(self._vars, self._make, r)
                           if v is not None} for r in self._values]
        return self._rows

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self):
        return iter(self._list())

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return repr(list(self))

    def shown(self) -> list[tuple]:
        """Each row as the values of its terms, in the order of the variables (None where a
        variable is unbound; a count as the number it is, not its text)."""
        if not any(self._derived):
            return self._values
        return [tuple(f(v).value if d and v is not None else v
                      for f, d, v in zip(self._make, self._derived, r)) for r in self._values]


@dataclass
class Result:
    """A SPARQL result: variables and rows (SELECT), a boolean (ASK) or triples (CONSTRUCT)."""

    vars: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: str | None = None  # N-Triples text for CONSTRUCT/DESCRIBE

    def plain(self) -> list[dict]:
        return [{v: (r[v].py() if v in r else None) for v in self.vars} for r in self.rows]


# --------------------------------------------------------------------------- the one executor

# a form keyword anywhere in blanked text (kg.share.remote tells graph answers by it)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def _strip(text: str) -> str:
    """The query with comments, strings and IRIs blanked (same length): for scanning syntax."""
    return sparql.blank(text)


def is_update(text: str) -> bool:
    """True unless ``text`` is a SPARQL query: read by its grammar (kg.read.sparql.form), so a
    prefix named ``select:``, a comment or a string decides nothing."""
    return sparql.form(text).kind != "query"


def check(text: str, *, allow_service: bool = False) -> sparql.Form:
    """``text`` checked before any engine reads it: a query (updates are refused), nesting
    within kg.read.sparql's bounds, no SERVICE clause unless ``allow_service``; QueryError."""
    f = sparql.form(text)
    if f.kind == "update":
        raise QueryError("kg query is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, "
                         "DROP, ...) are refused; edit references.bib or ontology.ttl and the "
                         "graph is rebuilt")
    if f.kind != "query":
        at = sparql.where(text, f.at)
        if f.keyword in ("BASE", "PREFIX"):
            raise QueryError(f"SPARQL syntax error: the {f.keyword} declaration at {at} is "
                             f"unfinished (write {f.keyword} {'name: ' * (f.keyword == 'PREFIX')}"
                             "<IRI>)")
        found = repr(f.keyword[:40]) if f.keyword else "nothing"
        raise QueryError(f"not a SPARQL query: after its PREFIX and BASE declarations a query "
                         f"begins with SELECT, ASK, CONSTRUCT or DESCRIBE, not {found} ({at})")
    sparql.shape(text)
    if not allow_service:
        found = sparql.services(text)
        if found:
            raise QueryError(f"the query calls another SPARQL service (SERVICE at "
                             f"{sparql.where(text, found[0])}): kg answers from the local graph "
                             "and makes no network request; remove the SERVICE clause, or "
                             "allow it with --allow-service")
    return f


def _where_brace(code: str, f: sparql.Form) -> int:
    """Index of the opening brace of the outermost WHERE group (in the stripped query) of the
    query whose form keyword ``f`` is."""
    if f.kind != "query":
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    form, end = f.keyword, f.at + len(f.keyword)
    w = re.compile(r"\bWHERE\s*\{", re.IGNORECASE).search(code, end)
    if form == "CONSTRUCT" and w is None:
        raise QueryError("bound values need a CONSTRUCT query with a WHERE clause")
    if w is not None:
        first = code.find("{", end)
        if form == "CONSTRUCT" or first == w.end() - 1:
            return w.end() - 1
        # SELECT ... { } with no WHERE keyword: the first brace opens the group
        return first
    first = code.find("{", end)
    if first < 0:
        raise QueryError("the query has no WHERE group to bind values in")
    return first


def bind(text: str, bindings: dict[str, Term | list[Term]] | None, *,
         shipped: bool = False) -> str:
    """The query with a VALUES block for each binding, first in its outermost WHERE group.
    ``shipped``: one of kg's named queries, whose WHERE is found without the grammar's
    patterns (compiling them takes 20-50 ms; :func:`_shipped_where` says why that is safe)."""
    if not bindings:
        return text
    blocks = []
    for name, value in bindings.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"not a variable name: {name[:80]!r}")
        values = value if isinstance(value, list) else [value]
        blocks.append(f"VALUES ?{name} {{ {' '.join(v.sparql() for v in values)} }}")
    at = (_shipped_where(text) if shipped else _where_brace(_strip(text), sparql.form(text))) + 1
    return text[:at] + "\n  " + "\n  ".join(blocks) + "\n" + text[at:]


def _shipped_where(text: str) -> int:
    """:func:`_where_brace` of one of kg's own query texts, read with a simple pattern: IRIs,
    strings and comments blanked (:data:`_TOKEN`), then the first query keyword.  kg's texts
    are written plainly (no keyword in a prefix name, no escaped quote in an IRI): the tests
    check that this finds the place the grammar finds, in every named query
    (test_query_safety)."""
    code = _TOKEN.sub(lambda m: " " * len(m.group(0)), text)
    m = _FORM.search(code)
    if m is None:
        raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return _where_brace(code, sparql.Form("query", m.group(1).upper(), m.start(1)))


def select(store, text: str, bindings: dict[str, Term | list[Term]] | None = None, *,
           allow_service: bool = False, shipped: bool = False) -> Result:
    """Run one read-only SPARQL query on ``store`` with values bound, in this process.

    ``bindings`` maps variable names to a term (or a list of alternatives); they become a
    ``VALUES`` block of escaped terms, so the same text works against a remote SPARQL 1.1
    endpoint.  Updates are refused, and so are SERVICE clauses on a local store unless
    ``allow_service`` (a remote endpoint runs its own).  No time limit: for the texts kg ships
    and writes; a person's SPARQL goes through :func:`ask` (bounded in time, stoppable).
    ``shipped``: the text is one of kg's named queries (kg/read/queries), each checked by the
    tests (test_query_safety): the grammar's patterns are not compiled for them at run time.
    """
    remote = getattr(store, "select_remote", None)  # kg.share.remote.RemoteStore (SPARQL
    # 1.1 Protocol)
    if not shipped:
        check(text, allow_service=allow_service or remote is not None)
    q = bind(text, bindings, shipped=shipped)
    if remote is not None:
        return remote(q)
    return _local(store, q)


def _local(store, q: str, term=None) -> Result:
    """``q`` (checked, bound) run by the Oxigraph ``store`` of this process; each term of
    the rows made by ``term`` (default a Term; the query's process sends plain _fields)."""
    import pyoxigraph as ox

    term = term or _term

    try:
        res = store.query(q)
    except SyntaxError as e:
        raise QueryError(f"SPARQL syntax error: {e}") from None
    except (OSError, RuntimeError, ValueError) as e:
        raise QueryError(f"the query failed: {e}") from None
    if isinstance(res, ox.QueryBoolean):
        return Result(boolean=bool(res))
    if isinstance(res, ox.QueryTriples):
        return Result(triples=res.serialize(format=ox.RdfFormat.N_TRIPLES).decode("utf-8"))
    names = [v.value for v in res.variables]
    rows = []
    try:
        for sol in res:
            row = {}
            for name in names:
                t = sol[name]
                if t is not None:
                    row[name] = term(t, ox)
            rows.append(row)
    except (OSError, RuntimeError, ValueError) as e:
        raise QueryError(f"the query failed: {e}") from None
    return Result(vars=names, rows=rows)


def _term(t, ox) -> Term:
    return Term(*_fields(t, ox))


def _fields(t, ox) -> tuple[str, str, str | None, str | None]:
    """The fields of the Term of the Oxigraph term ``t``: type, value, lang, datatype."""
    if isinstance(t, ox.NamedNode):
        return "uri", t.value, None, None
    if isinstance(t, ox.Literal):
        dt = t.datatype.value
        return ("literal", t.value, t.language,
                None if t.language or dt == XSD + "string" else dt)
    if isinstance(t, ox.BlankNode):
        return "bnode", t.value, None, None
    return "triple", str(t), None, None


# --------------------------------------------------------------------------- named queries

@dataclass
class Param:
    name: str
    type: str  # theme | thinker | work | status | string | iri | integer
    optional: bool
    example: str


@dataclass
class NamedQuery:
    name: str
    title: str
    description: str
    params: list[Param]
    text: str

    def text_for(self, bound: set[str]) -> str:
        """The query text; lines marked ``#? NAME`` are dropped when NAME is not bound."""
        lines = []
        for line in self.text.splitlines():
            m = re.search(r"#\?\s*(\w+)\s*$", line)
            if m and m.group(1) not in bound:
                continue
            lines.append(line)
        return "\n".join(lines) + "\n"


@cache
def named_queries() -> dict[str, NamedQuery]:
    """The shipped library of named queries (kg/queries/*.rq)."""
    out = {}
    for f in sorted((Path(__file__).parent / "queries").iterdir(), key=lambda f: f.name):
        if not f.name.endswith(".rq"):
            continue
        text = f.read_text(encoding="utf-8")
        head = {"title": "", "description": ""}
        params = []
        for line in text.splitlines():
            m = re.match(r"#\s*(title|description|param):\s*(.*)", line)
            if not m:
                if line.strip() and not line.startswith("#"):
                    break
                continue
            if m.group(1) == "param":
                name, typ, example = (m.group(2).split(None, 2) + ["", ""])[:3]
                params.append(Param(name, typ.rstrip("?"), typ.endswith("?"), example))
            else:
                head[m.group(1)] = m.group(2).strip()
        name = f.name[:-3]
        out[name] = NamedQuery(name, head["title"], head["description"], params, text)
    return out


def named(name: str) -> NamedQuery:
    qs = named_queries()
    if name not in qs:
        from difflib import get_close_matches

        close = get_close_matches(name, list(qs), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise NotFoundError(f"no named query {name!r}{hint}: `kg query --list` shows them")
    return qs[name]


# --------------------------------------------------------------------------- the library

def subtree(themes: dict, tid: str) -> list[str]:
    """A theme and its narrower themes, breadth first, from a theme index."""
    out, todo = [], [tid]
    while todo:
        t = todo.pop(0)
        if t in out:
            continue
        out.append(t)
        todo.extend(themes.get(t, {}).get("narrower", []))
    return out


class Library:
    """The built graph of one output folder, opened read-only, with its lookups cached.

    A local library (no ``store`` given) answers from its read model, read.sqlite, with SQL
    (kg.read.local) and opens the Oxigraph store only for SPARQL (`kg query`, `kg work`);
    a library over a given store (a remote endpoint, or a store opened elsewhere) answers
    everything with the named queries.  The Library never builds nor writes: whoever opens
    it makes sure the build is current (kg.api.open_library).
    """

    def __init__(self, out: str | Path = "out", store=None):
        self.out = Path(out)
        self._store = store
        self.local = store is None
        self._db = None
        self._held = None  # the generation read (kg.builder.store.hold), once asked for
        self._themes = None
        self._thinkers = None

    @property
    def folder(self) -> Path | None:
        """The generation of ``out`` this library reads everything from: resolved once, at the
        first question, and held until :meth:`close` (no build removes it meanwhile).  None
        over a given store."""
        if not self.local:
            return None
        if self._held is None:
            from kg.builder.store import hold

            self._held = hold(self.out)
        return self._held.folder

    def close(self) -> None:
        """Let builds remove the generation read: neither the library nor its store may be
        used after (a store that must outlive it: kg.builder.triplestore.open_store)."""
        if self._db is not None:
            self._db.close()
            self._db = None
            self._themes = None  # read through that connection (local.ThemeRows)
        if self._held is not None:
            self._held.release()

    @property
    def db(self):
        """The read model (sqlite3, read-only) of the generation read; KgError: none built."""
        if self._db is None:
            from kg.read import local

            self._db = local.connect(self.folder)
        return self._db

    @property
    def store(self):
        if self._store is None:
            from kg.builder.triplestore import open_store

            self._store = open_store(self.folder)
        return self._store

    def run(self, name: str, bindings: dict | None = None, limit: int | None = None) -> Result:
        nq = named(name)
        bindings = bindings or {}
        text = nq.text_for(set(bindings))
        if limit:
            text += f"LIMIT {int(limit)}\n"
        return select(self.store, text, bindings, shipped=True)

    # themes ---------------------------------------------------------------
    def theme_index(self) -> dict[str, dict]:
        if self._themes is None and self.local:
            from kg.read import local

            self._themes = local.ThemeRows(self.db)
        if self._themes is None:
            themes: dict[str, dict] = {}
            for r in self.run("theme-labels").rows:
                tid = r["theme"].value.removeprefix(THEME_NS)
                t = themes.setdefault(tid, {"id": tid, "iri": r["theme"].value, "labels": {},
                                            "alt": [], "broader": [], "narrower": []})
                if "broader" in r:
                    b = r["broader"].value
                    b = b.removeprefix(THEME_NS)
                    if b not in t["broader"]:
                        t["broader"].append(b)
                elif r.get("kind") and r["kind"].value == "pref":
                    t["labels"][r["label"].lang or "fr"] = r["label"].value
                elif "label" in r:
                    t["alt"].append(r["label"].value)
            for t in themes.values():
                for b in t["broader"]:
                    if b in themes and t["id"] not in themes[b]["narrower"]:
                        themes[b]["narrower"].append(t["id"])
            for t in themes.values():
                t["narrower"].sort()
            self._themes = themes
        return self._themes

    def find_theme(self, name: str) -> dict:
        name = clean_text(name, "theme name")
        themes = self.theme_index()
        key = name_key(name)
        if self.local and key:  # a name as written: one look-up (theme_names)
            from kg.read import local

            tid = local.theme_name(self.db, key)
            if tid is not None:
                return themes[tid]
        names = theme_keys((t["id"], [*t["labels"].values(), *t["alt"]])
                           for t in themes.values())
        tid = resolve(name, names, "theme", THEMES_HOW)
        return themes[tid]

    def subtree(self, tid: str) -> list[str]:
        return subtree(self.theme_index(), tid)

    def theme_terms(self, name: str) -> tuple[dict, list[Term]]:
        t = self.find_theme(name)
        themes = self.theme_index()
        return t, [iri(themes[x]["iri"]) for x in self.subtree(t["id"])]

    # thinkers -------------------------------------------------------------
    def find_thinker(self, name: str) -> str:
        name = clean_text(name, "thinker name")
        if self.local and self._thinkers is None:  # an exact name: one look-up
            from kg.read import local

            found = local.thinker_name(self.db, name_key(name))
            if len(found) == 1:
                return found[0]
        return resolve(name, self.thinker_names(), "thinker", THINKERS_HOW,
                       show=lambda iri: _id(iri, ID + "person/"))  # a key `kg thinker` takes

    def thinker_names(self) -> dict[str, list[str]]:
        """Folded name (display, sort, family, alias, key) -> the people it names
        (kg.core.names.people_keys)."""
        if self._thinkers is None and self.local:
            from kg.read import local

            self._thinkers = local.thinker_names(self.db)
        if self._thinkers is None:
            from kg.core.names import people_keys

            self._thinkers = people_keys(
                ((r["thinker"].value, r["name"].value, r["kind"].value)
                 for r in self.run("thinker-names").rows), ID + "person/")
        return self._thinkers

    def find_work(self, key: str) -> str:
        key = clean_text(key, "work key").strip()
        if self.local:
            got = self.db.execute("SELECT iri FROM works WHERE key = ?", (key,)).fetchone()
            if got:
                return got[0]
            keys = [k for (k,) in self.db.execute("SELECT key FROM works")]
        else:
            r = select(self.store, _WORK_BY_KEY, {"key": literal(key)})
            if r.rows:
                return r.rows[0]["work"].value
            keys = [row["key"].value for row in select(self.store, _ALL_WORK_KEYS).rows]
        from difflib import get_close_matches

        close = get_close_matches(key, keys, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise NotFoundError(f"no work with the key {key!r}{hint}")


_WORK_BY_KEY = """PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?work WHERE { ?work dcterms:identifier ?key . ?work a <https://kg.example/ontology#Work> }
"""
_ALL_WORK_KEYS = """PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?key WHERE { ?work a <https://kg.example/ontology#Work> ; dcterms:identifier ?key }
"""


def _id(value: str, ns: str) -> str:
    return value.removeprefix(ns)


def _label(t: dict, lang: str) -> str:
    return t["labels"].get(lang) or t["labels"].get("fr") or next(iter(t["labels"].values()),
                                                                 t["id"])


# --------------------------------------------------------------------------- the API

def _lib(lib: Library | None, kw: dict) -> Library:
    return lib if lib is not None else Library(**kw)


def themes(lang: str = "fr", lib: Library | None = None, **kw) -> list[dict]:
    """Every theme, depth-first from the top concepts: id, label, depth, direct counts."""
    lib = _lib(lib, kw)
    index = lib.theme_index()
    if lib.local:
        from kg.read import local

        counts = local.theme_counts(lib.db)
    else:
        counts = {}
    for r in ([] if lib.local else lib.run("theme-counts").rows):
        c = counts.setdefault(_id(r["theme"].value, THEME_NS),
                              {"works": 0, "quotes": 0, "claims": 0})
        c[_KIND_COUNT[r["kind"].value]] = r["n"].py()
    out: list[dict] = []

    def walk(root: str, depth: int, seen: tuple) -> None:
        # depth first with a stack of its own, not by calling itself: a function that refers
        # to itself is a reference cycle, which kept every row until the cyclic collector ran
        todo = [(root, depth, seen)]
        while todo:
            tid, depth, seen = todo.pop()
            t = index[tid]
            c = counts.get(tid, {"works": 0, "quotes": 0, "claims": 0})
            out.append({"id": tid, "label": _label(t, lang), "depth": depth,
                        "broader": t["broader"][0] if t["broader"] else None, **c})
            todo.extend((n, depth + 1, seen + (n,)) for n in reversed(t["narrower"])
                        if n not in seen)

    roots = sorted((t for t in index.values() if not any(b in index for b in t["broader"])),
                   key=lambda t: t["id"])
    for t in roots:
        walk(t["id"], 0, (t["id"],))
    listed = {r["id"] for r in out}
    for cycle in find_cycles({tid: t["broader"] for tid, t in index.items()}):
        if cycle[0] not in listed:  # a skos:broader cycle no top concept leads to: shown
            walk(cycle[0], 0, (cycle[0],))  # from its smallest id (`kg check` warns of it)
            listed = {r["id"] for r in out}
    return out


_KIND_COUNT = {KGO + "Work": "works", KGO + "Quote": "quotes", KGO + "Claim": "claims"}


def _limit(rows: list, limit: int | None) -> list:
    return rows if not limit or limit < 0 else rows[:limit]


def theme(name: str, lang: str = "fr", limit: int | None = None,
          lib: Library | None = None, **kw) -> dict:
    """Everything on a theme and its narrower themes."""
    lib = _lib(lib, kw)
    t, terms = lib.theme_terms(name)
    if lib.local:
        from kg.read import local

        page = local.theme_page(lib.db, t["id"], limit)
        return _theme_out(t, lib, lang, limit, page["counts"],
                          (page["thinkers"], page["contributors"]), page["works"],
                          _merge_quotes(_limit(page["quotes"], limit)), page["claims"])
    b = {"theme": terms}
    counts = {"works": 0, "quotes": 0, "claims": 0}
    for r in lib.run("theme-size", b).rows:
        counts[_KIND_COUNT[r["kind"].value]] = r["n"].py()
    people: dict = {"thinker": [], "contributor": []}  # kg.core.model.THINKER_RULE
    for r in lib.run("theme-thinkers", b).plain():
        people[r["kind"]].append({"thinker": _id(r["thinker"], ID + "person/"),
                                  "name": r["name"], "works": r["works"]})
    thinkers = (people["thinker"], people["contributor"])
    counts["thinkers"], counts["contributors"] = len(thinkers[0]), len(thinkers[1])
    works = [_work_row(r) for r in lib.run("theme-works", b, limit).plain()]
    if works:
        keys = {r["key"]: r for r in works}
        wb = {"work": [iri(ID + "work/" + _seg(k)) for k in keys]}
        for r in lib.run("work-authors", wb).plain():
            k = _id(r["work"], ID + "work/")
            if k in keys:
                keys[k]["authors"] = _sorted_join(r["authors"], "; ")
    quotes = _merge_quotes([_quote_row(r) for r in lib.run("quotes", b, limit).plain()])
    claims = [_claim_row(r) for r in lib.run("claims", b, limit).plain()]
    return _theme_out(t, lib, lang, limit, counts, thinkers, works, quotes, claims)


def _theme_out(t, lib, lang, limit, counts, people, works, quotes, claims) -> dict:
    """``people``: (thinkers, other authors)."""
    index = lib.theme_index()
    return {
        "theme": {"id": t["id"], "label": _label(t, lang), "labels": t["labels"],
                  "altLabels": t["alt"], "broader": t["broader"],
                  "narrower": [{"id": n, "label": _label(index[n], lang)}
                               for n in lib.subtree(t["id"])[1:]]},
        "counts": counts,
        "thinkers": _limit(people[0], limit), "contributors": _limit(people[1], limit),
        "works": works,
        "quotes": _limit(quotes, limit), "claims": _limit(claims, limit),
    }


def _shown_year(r: dict):
    """The year of a row as outputs show it (kg.core.values.shown_year: "1965?", "2022–")."""
    from kg.core.values import shown_year

    return shown_year(str(r["issued"])) if r.get("issued") is not None else r["year"]


def _work_row(r: dict) -> dict:
    return {"key": r["key"], "year": _shown_year(r), "title": r["title"],
            "authors": r.get("authors") or None, "annotation": r["annotation"]}


def _seg(key: str) -> str:
    from urllib.parse import quote

    return quote(key, safe="-._~:@!$&'()*+,;=")


def _quote_row(r: dict) -> dict:
    return {"key": r["key"], "text": r["text"], "speaker": r["speakerName"],
            "source": _id(r["source"], ID + "work/") if r["source"] else None,
            "locator": r["locator"], "language": r["language"], "status": r["status"]}


def _claim_row(r: dict) -> dict:
    return {"key": r["key"], "statement": r["statement"], "figure": r["figure"],
            "unit": r["unit"], "date": r["date"],
            "sources": _sorted_join(r["sources"], ", ") or None,
            "status": r["state"], "note": r["note"], "correction": r.get("correction")}


def _sorted_join(joined: str | None, sep: str) -> str | None:
    """A GROUP_CONCAT in a fixed order (SPARQL leaves it open): its parts sorted."""
    return sep.join(sorted(joined.split(sep))) if joined else joined


def _merge_quotes(rows: list[dict]) -> list[dict]:
    """One row per quote (several speakers joined)."""
    out: dict[str, dict] = {}
    for r in rows:
        q = out.get(r["key"])
        if q is None:
            out[r["key"]] = dict(r)
        elif r["speaker"] and r["speaker"] not in (q["speaker"] or "").split("; "):
            q["speaker"] = f"{q['speaker']}; {r['speaker']}" if q["speaker"] else r["speaker"]
    return list(out.values())


def thinker(name: str, lang: str = "fr", limit: int | None = None,
            lib: Library | None = None, **kw) -> dict:
    """A thinker: life dates, description, works, themes, quotes by and about, neighbours."""
    lib = _lib(lib, kw)
    p = lib.find_thinker(name)
    if lib.local:
        from kg.read import local

        page = local.thinker_page(lib.db, p)
        if page is None:
            raise NotFoundError(f"no thinker matches {name!r}")
        if page["info"] is None:
            raise NotFoundError(f"no thinker matches {name!r}")
        index = lib.theme_index()
        themes_ = [{"id": r["id"], "label": _label(index[r["id"]], lang), "items": r["items"]}
                   for r in page["themes"]]
        return _thinker_out(page["info"], page["works"], themes_, page["quotes"],
                            page["related"], limit, lang)
    b = {"thinker": iri(p)}
    info = lib.run("thinker", b).plain()
    if not info:
        raise NotFoundError(f"no thinker matches {name!r}")
    i = info[0]
    index = lib.theme_index()
    works = [{"key": r["key"], "year": _shown_year(r), "title": r["title"], "role": r["role"]}
             for r in lib.run("thinker-works", b).plain()]
    themes_ = [{"id": _id(r["theme"], THEME_NS),
                "label": _label(index[_id(r["theme"], THEME_NS)], lang)
                if _id(r["theme"], THEME_NS) in index else r["label"], "items": r["items"]}
               for r in lib.run("thinker-themes", b).plain()]
    quotes = [{"key": r["key"], "relation": r["relation"], "text": r["text"],
               "speaker": r["speakerName"], "locator": r["locator"]}
              for r in lib.run("thinker-quotes", b).plain()]
    related = []
    if themes_:
        rb = {"thinker": iri(p), "theme": [iri(THEME_NS + _seg(t["id"])) for t in themes_]}
        related = [{"thinker": _id(r["other"], ID + "person/"), "name": r["name"],
                    "sharedThemes": r["shared"]} for r in lib.run("thinker-related", rb).plain()]
    info = {"id": _id(p, ID + "person/"), "name": i["name"],
            "birth": i["birth"], "death": i["death"],
            "nationality": i["nationality"], "description": i["description"],
            "descriptionEn": i["descriptionEn"], "sameAs": i["sameAs"], "kind": i["kind"]}
    return _thinker_out(info, works, themes_, quotes, related, limit, lang)


def _thinker_out(info, works, themes_, quotes, related, limit, lang="fr") -> dict:
    """``info["description"]`` in ``lang``: the English one (--lang en) when there is one."""
    info = dict(info)
    english = info.pop("descriptionEn", None)
    if lang == "en" and english:
        info["description"] = english
    return {
        "thinker": info,
        "counts": {"works": len(works), "themes": len(themes_), "quotes": len(quotes)},
        "works": _limit(works, limit), "themes": _limit(themes_, limit),
        "quotes": _limit(_merge_quotes(quotes), limit), "related": related,
    }


_WORK_FIELDS = {
    "http://purl.org/dc/terms/title": "title", KGO + "subtitle": "subtitle",
    "http://purl.org/dc/terms/creator": "author", "http://purl.org/ontology/bibo/editor":
    "editor", "http://purl.org/ontology/bibo/translator": "translator",
    "http://purl.org/dc/terms/contributor": "contributor",
    "http://purl.org/dc/terms/issued": "date", KGO + "year": "year",
    "http://purl.org/dc/terms/publisher": "publisher", KGO + "publicationPlace": "place",
    "http://purl.org/dc/terms/language": "language", KGO + "originalTitle": "originalTitle",
    KGO + "originalDate": "originalDate", KGO + "originalLanguage": "originalLanguage",
    "http://purl.org/ontology/bibo/isbn13": "isbn", "http://purl.org/ontology/bibo/isbn10":
    "isbn", "http://purl.org/ontology/bibo/doi": "doi", "http://purl.org/ontology/bibo/uri":
    "url", KGO + "urlDate": "urlDate", "http://purl.org/dc/terms/description": "annotation",
    KGO + "note": "note", KGO + "journalTitle": "journal", KGO + "bookTitle": "bookTitle",
    "http://purl.org/ontology/bibo/volume": "volume", "http://purl.org/ontology/bibo/issue":
    "issue", "http://purl.org/ontology/bibo/pages": "pages",
    "http://purl.org/ontology/bibo/edition": "edition",
    "http://purl.org/dc/terms/isPartOf": "partOf", "http://purl.org/dc/terms/relation":
    "related", KGO + "relatedType": "relatedType", "http://purl.org/dc/terms/subject": "themes",
    "http://purl.org/dc/terms/identifier": "key", KGO + "entryType": "entryType",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
}
_MULTI = {"author", "editor", "translator", "contributor", "themes", "type", "related"}


def work(key: str, lang: str = "fr", lib: Library | None = None, **kw) -> dict:
    """One work, whole: every field, its people and themes, quotes and claims linked to it."""
    lib = _lib(lib, kw)
    w = lib.find_work(key)
    b = {"work": iri(w)}
    index = lib.theme_index()
    out: dict = {}
    for r in lib.run("work", b).rows:
        prop, value = r["property"].value, r["value"]
        name = _WORK_FIELDS.get(prop, prop)
        if name == "type":
            shown = value.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        elif name == "themes":
            tid = _id(value.value, THEME_NS)
            shown = _label(index[tid], lang) if tid in index else tid
        elif value.type == "uri" and "label" in r:
            shown = r["label"].value
            if "kind" in r:  # a person: a thinker or another author (THINKER_RULE)
                out.setdefault("thinkers" if r["kind"].value == "thinker" else
                               "otherAuthors", [])
                people = out["thinkers" if r["kind"].value == "thinker" else "otherAuthors"]
                if shown not in people:
                    people.append(shown)
        else:
            shown = value.py()
        if name in _MULTI:
            if shown not in out.setdefault(name, []):
                out[name].append(shown)
        else:
            out.setdefault(name, shown)
    if "date" in out:  # the year as outputs show it, uncertainty kept
        out["year"] = _shown_year({"issued": out["date"], "year": out.get("year")})
    for k in ("type", "themes", "author", "editor", "translator", "thinkers", "otherAuthors"):
        if k in out and isinstance(out[k], list):
            out[k].sort(key=str)
    order = ["key", "type", "entryType", "title", "subtitle", "author", "editor", "translator",
             "contributor", "thinkers", "otherAuthors", "date", "year"
             ] + list(dict.fromkeys(_WORK_FIELDS.values()))
    out = {k: out[k] for k in sorted(out, key=lambda k: (order.index(k) if k in order
                                                          else len(order), k))}
    links = [{"relation": r["relation"], "key": r["key"], "text": r["text"]}
             for r in lib.run("work-mentions", b).plain()]
    return {"work": out, "linked": links}


def _status_term(status: str) -> Term:
    s = clean_text(status, "status").strip().lower()
    if s not in STATUSES:
        raise InputError(f"unknown claim status {status[:40]!r}: use one of "
                         f"{', '.join(STATUSES)}")
    return iri(KGO + s)


def quotes(theme: str | None = None, thinker: str | None = None,
           lib: Library | None = None, **kw) -> list[dict]:
    """Quotes, narrowed to a theme (and its narrower themes) and/or a speaker."""
    lib = _lib(lib, kw)
    b: dict = {}
    if theme is not None:
        b["theme"] = lib.theme_terms(theme)[1]
    if thinker is not None:
        b["speaker"] = iri(lib.find_thinker(thinker))
    if lib.local:  # the read model: the same rows as quotes.rq
        from kg.read import local

        if thinker is not None:
            return local.said(lib.db, b["speaker"].value,
                              None if theme is None else lib.find_theme(theme)["id"])
        if theme is None:
            return _merge_quotes(local.all_quotes(lib.db))
        return _merge_quotes(local.quote_rows(lib.db, *local.on_theme(
            "quote", lib.find_theme(theme)["id"])))
    rows = [_quote_row(r) for r in lib.run("quotes", b).plain()]
    return _merge_quotes(rows) if thinker is None else rows


def claims(theme: str | None = None, status: str | None = None,
           lib: Library | None = None, **kw) -> list[dict]:
    """Claims, narrowed to a theme (and its narrower themes) and/or a status."""
    lib = _lib(lib, kw)
    b: dict = {}
    if status is not None:
        b["status"] = _status_term(status)
    if theme is not None:
        b["theme"] = lib.theme_terms(theme)[1]
    if lib.local:  # the read model: the same rows as claims.rq
        from kg.read import local

        st = b["status"].value.removeprefix(KGO) if status is not None else None
        if theme is None:
            return local.all_claims(lib.db, st)
        return local.claim_rows(lib.db, *local.on_theme("claim", lib.find_theme(theme)["id"]),
                                st)
    return [_claim_row(r) for r in lib.run("claims", b).plain()]


# --------------------------------------------------------------------------- SPARQL

def param_value(lib: Library, p: Param | None, name: str, value: str) -> Term | list[Term]:
    """A --param value as a term: typed by the named query's header, else a plain literal."""
    value = clean_text(value, f"value of {name}")
    typ = p.type if p else ("iri" if value.startswith("<") and value.endswith(">") else "string")
    if typ == "theme":
        return lib.theme_terms(value)[1]
    if typ == "thinker":
        return iri(lib.find_thinker(value))
    if typ == "work":
        return iri(lib.find_work(value))
    if typ == "status":
        return _status_term(value)
    if typ == "iri":
        return iri(check_iri(value[1:-1] if value.startswith("<") else value))
    if typ == "integer":
        if not re.fullmatch(r"-?\d{1,18}", value.strip()):
            raise InputError(f"{name} must be a whole number, not {value[:40]!r}")
        return literal(value.strip(), datatype=XSD + "integer")
    return literal(value)


#: the parameterless named queries, whose results the build caches in the read model: at
#: 50,000 entries Oxigraph takes 0.2-2 s on some, and any of them run as a person's SPARQL
#: (a process of its own that opens the store) costs 30-50 ms more than reading its results
#: (thinker-names is answered from the read model instead: kg.read.local.NAMED)
CACHED = ("claims-without-source", "quotes-by-language", "theme-counts", "theme-labels",
          "thinkers-by-century", "works-per-theme")


def aggregate_results(store, changed: set[str] | None = None,
                      previous: dict[str, str] | None = None) -> dict[str, str]:
    """The CACHED named queries run on a built store, as SPARQL 1.1 JSON results: the build
    keeps them in the read model (one implementation: the .rq itself, run by the build).

    After an incremental build, ``changed`` holds the predicates of the statements it removed
    or added, ``previous`` the results before it: a query that mentions none of them (none
    of the CACHED ones has a variable predicate) has the same results, kept as they were."""
    out = {}
    for name in CACHED:
        nq = named(name)
        if changed is not None and previous and name in previous \
                and not changed & mentioned_iris(nq.text):
            out[name] = previous[name]
        else:
            out[name] = results_json(store, nq.text_for(set()))
    return out


def aggregates():
    """The CACHED named queries as a build runs them (kg.builder.stages.Aggregates)."""
    from kg.builder.stages import Aggregates

    texts = {name: named(name).text_for(set()) for name in CACHED}
    return Aggregates(aggregate_results, texts,
                      frozenset().union(*(mentioned_iris(t) for t in texts.values())))


def results_json(store, text: str) -> str:
    """The SPARQL 1.1 JSON results of a (trusted, parameterless) query: serialized by
    Oxigraph itself on a local store, with no Python term per value (2-3x faster on the
    7,000 rows of theme-counts at 50,000 entries); through :func:`select` elsewhere."""
    import pyoxigraph as ox

    from kg.core.output import sparql_json

    if isinstance(store, ox.Store):
        return store.query(text).serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8")
    return sparql_json(select(store, text))


_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_PNAME = re.compile(r"(?<![\w?$])([A-Za-z][\w-]*)?:([A-Za-z_][\w-]*)")


_TOKEN = re.compile(r"""<([^<>"{}|^`\\\s]*)>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*""")


def mentioned_iris(text: str) -> set[str]:
    """Every IRI a query names (written whole or as a prefixed name; ``a`` is rdf:type)."""
    out: set[str] = set()
    code = []  # the text without IRIs, strings and comments
    at = 0
    for m in _TOKEN.finditer(text):
        code.append(text[at:m.start()] + " ")
        at = m.end()
        if m.group(1) is not None:
            out.add(m.group(1))
    code.append(text[at:])
    body = "".join(code)
    prefixes = {p or "": iri for p, iri in _PREFIX.findall(text)}
    for p, local_ in _PNAME.findall(body):
        if (p or "") in prefixes:
            out.add(prefixes[p or ""] + local_)
    if re.search(r"(?<![\w?$:])a(?![\w:])", body):
        out.add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    return out


def result_from_json(text: str) -> Result:
    """SPARQL 1.1 Query Results JSON (as kg.core.output.sparql_json writes it) -> Result."""
    doc = json.loads(text)
    if "boolean" in doc:
        return Result(boolean=bool(doc["boolean"]))
    rows = [{k: Term(b["type"], b["value"], b.get("xml:lang"), b.get("datatype"))
             for k, b in r.items()} for r in doc["results"]["bindings"]]
    return Result(vars=list(doc["head"]["vars"]), rows=rows)


# --------------------------------------------------------------------------- a person's SPARQL

#: the longest a query may run by default (seconds): KG_QUERY_TIMEOUT or --timeout change it
DEFAULT_TIMEOUT = 60.0
ENV_TIMEOUT = "KG_QUERY_TIMEOUT"
#: the longest query text accepted, in characters, and a query file's largest size in bytes
MAX_QUERY_CHARS = 1_000_000
MAX_QUERY_BYTES = 4 << 20  # a character is at most 4 bytes of UTF-8
#: the stack the engine runs on in the query's process: far above what the bounds of
#: kg.read.sparql let a query need (a thread's stack is reserved, not used, until needed)
_STACK = 512 << 20
#: how long `kg query -f FIFO` waits for a program to write to the named pipe
FIFO_WAIT = 10.0


@dataclass(frozen=True)
class Limits:
    """How a person's SPARQL runs locally: for at most ``timeout`` seconds (None: the
    KG_QUERY_TIMEOUT variable, else 60; 0: no limit), SERVICE refused unless
    ``allow_service``."""

    timeout: float | None = None
    allow_service: bool = False

    def seconds(self) -> float | None:
        """The time allowed, in seconds; None: no limit."""
        import math

        t, raw, what = self.timeout, str(self.timeout), "the timeout"
        if t is None:
            raw, what = os.environ.get(ENV_TIMEOUT, "").strip(), ENV_TIMEOUT
            if not raw:
                return DEFAULT_TIMEOUT
            try:
                t = float(raw)
            except ValueError:
                t = math.nan
        if not (t >= 0 and math.isfinite(t)):  # NaN fails both
            raise InputError(f"{what} must be a number of seconds (0: no limit), not "
                             f"{raw[:20]!r}")
        return float(t) or None


def ask(folder: str | Path, text: str, limits: Limits | None = None,
        bindings: dict[str, Term | list[Term]] | None = None, *, shipped: bool = False) -> Result:
    """A person's SPARQL on the graph of the generation ``folder`` (held by the caller):
    checked (:func:`check`; not kg's own named queries, ``shipped``: the tests check them),
    values bound, then run in a process of its own, which is stopped when the time of
    ``limits`` is up (QueryError) or on Ctrl-C (KeyboardInterrupt).

    Oxigraph does not return to Python while it evaluates, so neither a deadline nor a
    signal handler of this process can stop it: a child process can be killed at once.  It is
    forked (about 10 ms; the child opens the store itself) when this process runs no other
    thread, else a fresh interpreter is started (about 100 ms: forking a process whose store
    database runs threads can hang the child): kg.core.forked.Child.start."""
    from kg.core import errors
    from kg.core.forked import Child, Expired

    limits = limits or Limits()
    timeout = limits.seconds()
    if not shipped:
        check(text, allow_service=limits.allow_service)
    q = bind(text, bindings, shipped=shipped)
    from kg.builder.triplestore import ensure

    ensure(folder)  # here, not in the query's process: its time limit is the query's
    try:
        end = Child.start(_answer, str(folder), q, timeout, os.getpid()).wait(timeout)
    except Expired:
        raise QueryError(
            f"the query timed out after {timeout:g} s and was stopped: narrow it "
            "(fewer unbound patterns, a LIMIT) or allow it more time with "
            f"--timeout SECONDS (or {ENV_TIMEOUT}; 0 = no limit)") from None
    if end.status < 0:
        import signal

        if -end.status == signal.SIGINT:
            raise KeyboardInterrupt
        raise QueryError(f"the SPARQL engine was stopped by {signal.Signals(-end.status).name}"
                         " while running the query (out of memory? a query too complex?): "
                         "simplify the query")
    reply = end.reply
    if reply is None:
        raise QueryError(f"the query's process ended without an answer (exit status "
                         f"{end.status})")
    if not reply.ok:
        cls = getattr(errors, reply.error, None)
        if isinstance(cls, type) and issubclass(cls, errors.KgError):
            raise cls(reply.message)
        raise QueryError(f"the query failed: {reply.message}")
    got: Answer = reply.value
    return Result(vars=got.vars, rows=[{k: Term(*t) for k, t in r.items()} for r in got.rows],
                  boolean=got.boolean, triples=got.triples)


class Answer(NamedTuple):
    """A query's answer as its process sends it back: a Result whose terms are plain
    (type, value, lang, datatype) tuples (:func:`_fields`), quick to pickle."""

    vars: list[str]
    rows: list[dict[str, tuple]]
    boolean: bool | None
    triples: str | None  # N-Triples text (CONSTRUCT, DESCRIBE)


def _answer(folder: str, text: str, timeout: float | None, parent: int) -> Answer:
    """In the query's process: the store of ``folder`` opened, ``text`` run on a thread with
    a large stack, the Answer (or the error the query raised, raised again here).

    While the engine runs (it lets Python run beside it), this thread watches: the process
    ends as soon as its ``parent`` is gone (killed, say) or well past ``timeout``, so that no
    query outlives the command that asked it."""
    import threading
    import time

    box: dict = {}

    def run():
        try:
            from kg.builder.triplestore import open_store

            res = _local(open_store(folder), text, _fields)
            box["answer"] = Answer(res.vars, res.rows, res.boolean, res.triples)
        except BaseException as e:  # noqa: BLE001 - raised again in the process's thread
            box["error"] = e

    old = threading.stack_size()
    try:
        threading.stack_size(_STACK)
        worker = threading.Thread(target=run, name="kg-query", daemon=True)
        worker.start()
    except (ValueError, RuntimeError):  # no such stack here: the process's own
        worker = None
    finally:
        threading.stack_size(old)
    if worker is None:
        run()
    else:
        end = None if timeout is None else time.monotonic() + timeout + 5
        while worker.is_alive():
            worker.join(0.2)
            if os.getppid() != parent or (end is not None and time.monotonic() > end):
                os._exit(1)
    if "error" in box:
        raise box["error"]
    return box["answer"]


def read_query_file(path: str) -> str:
    """The text of `kg query -f PATH` ('-': standard input): UTF-8 (a byte order mark
    dropped), at most MAX_QUERY_BYTES read whatever the file is (/dev/zero, a FIFO nobody
    writes to); InputError naming the file, and the line and byte of a bad one."""
    import stat

    from kg.core.limits import human_size

    name = "standard input" if path == "-" else path
    too_big = False
    if path == "-":
        data = sys.stdin.buffer.read(MAX_QUERY_BYTES + 1)
    else:
        # opened without waiting for a writer, should it be a FIFO
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise InputError(f"{name}: is a folder, not a query file")
            if stat.S_ISFIFO(st.st_mode):
                import select as io

                if not io.select([fd], [], [], FIFO_WAIT)[0]:
                    raise InputError(f"{name}: a named pipe nothing was written to in "
                                     f"{FIFO_WAIT:g} s: give a query file, or pipe the query "
                                     "to `kg query -f -`")
            os.set_blocking(fd, True)
            too_big = stat.S_ISREG(st.st_mode) and st.st_size > MAX_QUERY_BYTES
            data = b"" if too_big else f.read(MAX_QUERY_BYTES + 1)
    if too_big or len(data) > MAX_QUERY_BYTES:
        raise InputError(f"{name}: larger than {human_size(MAX_QUERY_BYTES)}: is it a SPARQL "
                         "query? (kg accepts queries of up to "
                         f"{MAX_QUERY_CHARS:,} characters)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{name}: not UTF-8 text (byte 0x{data[e.start]:02X}): save the query "
                         f"as UTF-8 (that byte is on line {line}, byte {e.start + 1:,} of the "
                         "file)") from None
    return text.removeprefix("\ufeff")


def run_query(text: str | None = None, params: dict[str, str] | None = None,
              name: str | None = None, lib: Library | None = None,
              limits: Limits | None = None, **kw) -> Result:
    """Run SPARQL given as text, or a named query; ``params`` are bound as values.  On a
    local library it runs as :func:`ask` runs it (``limits``: its time, SERVICE allowed?)."""
    lib = _lib(lib, kw)
    params = params or {}
    if name is not None:
        nq = named(name)
        declared = {p.name: p for p in nq.params}
        for p in nq.params:
            if not p.optional and p.name not in params:
                raise InputError(f"query {name!r} needs --param {p.name}=... "
                                 f"(for example {p.name}={p.example})")
        unknown = set(params) - set(declared)
        if unknown:
            raise InputError(f"query {name!r} has no parameter {sorted(unknown)[0]!r}; "
                             f"it takes: {', '.join(declared) or 'none'}")
        b = {k: param_value(lib, declared[k], k, v) for k, v in params.items()}
        if lib.local:
            from kg.read import local

            if name in local.NAMED:  # every parameter is given or optional (checked above)
                return _read_answer(lib, name, {**dict.fromkeys(declared), **b})
        if not b and lib.local and name in CACHED:
            got = lib.db.execute("SELECT json FROM named_results WHERE name = ?",
                                 (name,)).fetchone()
            if got is not None:  # the build ran this very query: its results
                return result_from_json(got[0])
        text = nq.text_for(set(b))
    else:
        if text is None or not text.strip():
            raise InputError("no query given: write it inline, use -f FILE or a name from "
                             "`kg query --list`")
        text = clean_text(text, "query", max_len=MAX_QUERY_CHARS)
        b = {k: param_value(lib, None, k, v) for k, v in params.items()}
    if not lib.local:  # the server runs it, within the endpoint's own timeout
        return select(lib.store, text, b)
    return ask(lib.folder, text, limits, b, shipped=name is not None)


def _read_answer(lib: Library, name: str, b: dict[str, Term | list[Term] | None]) -> Result:
    """The named query ``name`` answered from the read model (kg.read.local.NAMED): the rows
    its SPARQL gives, its values typed as the graph types them."""
    from kg.read import local

    cols, rows = local.named(lib.db, name, {
        k: [t.value for t in v] if isinstance(v, list) else None if v is None else v.value
        for k, v in b.items()})
    types = [local.NAMED[name].types.get(c) for c in cols]
    if {"date", "number"} & set(types):  # kg.core.values only then (1 ms of a start)
        from kg.core.values import date_type, figure_literal
    made = {"uri": lambda v: Term("uri", v),
            "integer": lambda v: Term("literal", str(v), None, XSD + "integer"),
            "date": lambda v: Term("literal", v, None, date_type(v)),
            "fr": lambda v: Term("literal", v, "fr"),
            "class": lambda v: Term("uri", KGO + v.capitalize()),  # work -> kgo:Work
            "number": lambda v: Term("literal", (lit := figure_literal(v))[0], None, lit[1])}
    # a term shows the column's value itself but for a class and a figure (an integer is
    # shown as the number it is)
    return Result(vars=cols, rows=TermRows(
        cols, [made.get(t, lambda v: Term("literal", v)) for t in types], rows,
        [t in ("class", "number") for t in types]))


# --------------------------------------------------------------------------- full-text search

_TEXTS = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?p ?text WHERE {
  VALUES ?p { dcterms:title dcterms:description rdf:value <https://kg.example/ontology#subtitle> }
  ?s ?p ?text .
}"""
_FIELD = {"http://purl.org/dc/terms/title": "title",
          KGO + "subtitle": "title",
          "http://purl.org/dc/terms/description": "annotation",
          "http://www.w3.org/1999/02/22-rdf-syntax-ns#value": "text"}
_WEIGHT = {"title": 3.0, "text": 2.0, "annotation": 1.0}


def _store_texts(lib: Library) -> tuple[list, list, list]:
    """(subjects, weights, folded texts) of every searchable text in the store (SPARQL)."""
    subject, weight, folded = [], [], []
    for r in select(lib.store, _TEXTS).rows:
        s = r["s"].value
        if not s.startswith(ID) or s[len(ID):].split("/", 1)[0] not in ("work", "quote",
                                                                        "claim"):
            continue
        subject.append(s)
        weight.append(_WEIGHT[_FIELD.get(r["p"].value, "text")])
        folded.append(" ".join(fold(r["text"].value).split()))
    return subject, weight, folded


_DETAILS = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?key ?title ?p ?text WHERE {
  ?s dcterms:identifier ?key .
  OPTIONAL { ?s dcterms:title ?title }
  OPTIONAL { ?s ?p ?text VALUES ?p { dcterms:title dcterms:description rdf:value } }
}"""


def search(text: str, limit: int | None = 20, lib: Library | None = None, **kw) -> list[dict]:
    """Full-text search over titles, annotations, quotes and claims (case and accents ignored).

    Every word must occur (anywhere in a word: "numér" finds "dénumérer" too); ranked by
    weighted occurrences (titles count most), with a bonus when the words occur together as
    written.  A local library finds the texts with the read model's word index, without
    opening the store.
    """
    lib = _lib(lib, kw)
    text = clean_text(text, "search text")
    words = name_key(text).split()
    if not words:
        raise InputError(f"nothing to search for in {text[:80]!r}: give a word")
    from kg.read import local

    if lib.local:  # found with the read model's full-text index
        best, total = local.search(lib.db, words, limit)
    else:
        subject, weight, lines = _store_texts(lib)
        best, total = local.rank_lines(words, lines, subject, weight, limit)
    if not best:
        return []
    ranked, scores = [s for s, _ in best], dict(best)
    found = (local.search_details(lib.db, ranked) if lib.local else _details(lib, ranked))
    out = []
    for s in ranked:
        iri_, kind, key, title, texts = found[s]
        passage = ""
        for t in texts:
            p = _passage(t, words)
            if p:
                passage = p
                break
        out.append({"kind": kind, "key": key, "title": title,
                    "score": round(scores[s], 1), "passage": passage, "matches": total})
    return out


_TEXT_ORDER = {"http://purl.org/dc/terms/title": 0, "http://purl.org/dc/terms/description": 1}


def _details(lib: Library, ranked: list[str]) -> dict:
    """(IRI, kind, key, title, texts) of the ranked subjects, from the store."""
    found: dict[str, dict] = {}
    for r in select(lib.store, _DETAILS, {"s": [iri(s) for s in ranked]}).rows:
        d = found.setdefault(r["s"].value, {"key": r["key"].value, "title": None, "texts": {}})
        if "title" in r:
            d["title"] = r["title"].value
        if "text" in r:
            d["texts"][(_TEXT_ORDER.get(r["p"].value, 2), r["text"].value)] = None
    out = {}
    for s in ranked:
        d = found.get(s, {"key": s.rsplit("/", 1)[-1], "title": None, "texts": {}})
        kind = s[len(ID):].split("/", 1)[0]
        out[s] = (s, kind, d["key"], d["title"],
                  list(dict.fromkeys(t for _, t in sorted(d["texts"], key=lambda x: x[0]))))
    return out


def _passage(text: str, words: list[str], width: int = 160) -> str:
    """The part of ``text`` around the first matching word, cut on word boundaries."""
    tokens = text.split()
    hit = next((i for i, t in enumerate(tokens) if any(w in name_key(t) for w in words)),
               None)  # folded one by one up to the first hit (an annotation may be long)
    if hit is None:
        return ""
    start, length = hit, len(tokens[hit])
    while start > 0 and length + len(tokens[start - 1]) < width // 3:
        start -= 1
        length += len(tokens[start]) + 1
    end = hit + 1
    while end < len(tokens) and length + len(tokens[end]) < width:
        length += len(tokens[end]) + 1
        end += 1
    return ("… " if start else "") + " ".join(tokens[start:end]) + (
        " …" if end < len(tokens) else "")


__all__ = ["Library", "Result", "Term", "claims", "named_queries", "quotes", "run_query",
           "search", "select", "theme", "themes", "thinker", "work"]
