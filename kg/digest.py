"""A digest of the built graph: per-theme and per-thinker answers, read with one seek.

``kg theme``, ``kg thinker`` and ``kg themes`` answer from here instead of joining thousands of
rows in the store at each call.  The digest is one file next to the store it was made from::

    out/digest-<store name>.bin
        8 bytes     length H of the head (little-endian)
        H bytes     head: marshal of {version, store, themes (index), counts, theme toc}
        ...         blobs: marshal of one theme page / of the thinker names and toc /
                    of one thinker page, each at (offset, length) given by a toc

It is keyed by the store name (a new build makes a new store name), so it is never stale; a
digest of another store is ignored and removed.  It is written by :func:`write` right after a
build, or lazily by the first query that finds none (like the search index).

Every list is made from a few whole-graph SPARQL scans and then grouped, ordered and counted in
Python the way the named queries (kg/queries/*.rq) do it; tests check that both agree for every
theme and several thinkers.  A page that cannot be reproduced exactly (a work with two titles,
a year that is not an integer...) is left out of the digest: the query layer then runs SPARQL.
"""
from __future__ import annotations

import marshal
import struct
from pathlib import Path

VERSION = 3
ID = "https://kg.example/id/"
THEME_NS = ID + "theme/"
PERSON_NS = ID + "person/"
WORK_NS = ID + "work/"
KGO = "https://kg.example/ontology#"
HEAD = 50  # work rows kept in each theme page: enough for every default listing (20)
_KIND = {KGO + "Work": "works", KGO + "Quote": "quotes", KGO + "Claim": "claims"}


def path_for(out: str | Path, store_name: str) -> Path:
    return Path(out) / f"digest-{store_name}.bin"


# --------------------------------------------------------------------------- reading

class Digest:
    """An open digest: the head in memory, pages read on demand with one seek each."""

    def __init__(self, path: Path, head: dict, start: int):
        self.path, self.head, self._start = path, head, start
        self._names = None

    @property
    def themes(self) -> dict:
        return self.head["themes"]

    @property
    def counts(self) -> dict:
        return self.head["counts"]

    def _blob(self, where):
        off, n = where
        with open(self.path, "rb") as f:
            f.seek(self._start + off)
            return marshal.loads(f.read(n))

    def theme(self, tid: str) -> dict | None:
        where = self.head["toc"].get(tid)
        return None if where is None else self._blob(where)

    def theme_works(self, page: dict, limit: int | None) -> list[dict]:
        """The first ``limit`` (None: all) work rows of a theme page."""
        if limit and 0 < limit <= len(page["first"]):
            return page["first"][:limit]
        if len(page["first"]) == len(page["works"]):
            return page["first"]
        rows = self._blob(self.head["works"])
        return [rows[i] for i in (page["works"][:limit] if limit else page["works"])]

    def names(self) -> dict:
        """(name key -> thinker IRI) and the thinker toc."""
        if self._names is None:
            self._names = self._blob(self.head["names"])
        return self._names

    def thinker(self, p: str) -> dict | None:
        where = self.names()["toc"].get(p)
        return None if where is None else self._blob(where)


def read(out: str | Path, store_name: str) -> Digest | None:
    p = path_for(out, store_name)
    try:
        with open(p, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            head = marshal.loads(f.read(n))
    except (OSError, EOFError, ValueError, TypeError, struct.error):
        return None
    if not isinstance(head, dict) or head.get("version") != VERSION \
            or head.get("store") != store_name:
        return None
    return Digest(p, head, 8 + n)


# --------------------------------------------------------------------------- writing

def write(out: str | Path, store, store_name: str | None = None) -> Path | None:
    """Make the digest of ``store`` (the published store of ``out``) and write it atomically.

    ``store_name`` defaults to the one in out/manifest.json.  Older digests are removed.
    Returns the file written (None when out/ has no manifest).
    """
    from .store import read_manifest, write_atomic

    out = Path(out)
    if store_name is None:
        m = read_manifest(out)
        if not m or not m.get("store"):
            return None
        store_name = m["store"]
    data = build(store, store_name)
    p = path_for(out, store_name)
    write_atomic(p, data)
    for old in out.glob("digest-*.bin"):
        if old != p:
            old.unlink(missing_ok=True)
    return p


def build(store, store_name: str) -> bytes:
    """The digest file's bytes."""
    from .query import Library

    lib = Library(store=store)
    index = lib.theme_index()
    g = _Graph(lib)
    blobs: list[bytes] = []
    pos = 0

    def put(obj) -> tuple[int, int]:
        nonlocal pos
        b = marshal.dumps(obj)
        blobs.append(b)
        pos += len(b)
        return (pos - len(b), len(b))

    toc = {}
    for tid in index:
        page = g.theme_page(lib.subtree(tid))
        if page is not None:
            toc[tid] = put(page)
    names = lib.thinker_names()
    ttoc = {}
    for p in sorted(set(names.values())):
        page = g.thinker_page(p)
        if page is not None:
            ttoc[p] = put(page)
    names_at = put({"names": names, "toc": ttoc})
    works_at = put(g.work_rows)
    head = marshal.dumps({"version": VERSION, "store": store_name, "themes": index,
                          "works": works_at,
                          "counts": g.theme_counts(), "toc": toc, "names": names_at})
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


_P = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <https://schema.org/>
PREFIX cito: <http://purl.org/spar/cito/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX kgo: <https://kg.example/ontology#>
PREFIX bibo: <http://purl.org/ontology/bibo/>
"""
_SUBJECTS = _P + """SELECT ?x ?theme ?kind WHERE {
  ?x dcterms:subject ?theme .
  OPTIONAL { ?x a ?kind FILTER(?kind IN (kgo:Work, kgo:Quote, kgo:Claim, kgo:Thinker)) } }"""
_NAMES = _P + "SELECT ?p ?name WHERE { ?p foaf:name ?name }"
_CREATORS = _P + "SELECT ?w ?p WHERE { ?w dcterms:creator ?p }"
_WORKS = _P + """SELECT ?work ?key ?title ?year ?annotation WHERE {
  ?work a kgo:Work ; dcterms:identifier ?key .
  OPTIONAL { ?work dcterms:title ?title }
  OPTIONAL { ?work kgo:year ?year }
  OPTIONAL { ?work dcterms:description ?annotation } }"""
_QUOTES = _P + """SELECT DISTINCT ?quote ?key ?text ?speaker ?speakerName ?source ?sourceTitle
  ?locator ?language ?status WHERE {
  ?quote a kgo:Quote ; dcterms:identifier ?key ; rdf:value ?text .
  OPTIONAL { ?quote kgo:speaker ?speaker . ?speaker foaf:name ?speakerName }
  OPTIONAL { ?quote dcterms:source ?source . OPTIONAL { ?source dcterms:title ?sourceTitle } }
  OPTIONAL { ?quote kgo:locator ?locator }
  OPTIONAL { ?quote dcterms:language ?language }
  OPTIONAL { ?quote kgo:status ?st BIND(STRAFTER(STR(?st), "#") AS ?status) }
} ORDER BY ?key"""
_CLAIMS = _P + """SELECT ?claim ?key ?statement ?figure ?unit ?date
  (GROUP_CONCAT(DISTINCT ?sourceKey; SEPARATOR=", ") AS ?sources) ?state ?note WHERE {
  ?claim a kgo:Claim ; dcterms:identifier ?key ; rdf:value ?statement .
  OPTIONAL { ?claim kgo:figure ?figure }
  OPTIONAL { ?claim kgo:unit ?unit }
  OPTIONAL { ?claim dcterms:date ?date }
  OPTIONAL { ?claim cito:citesAsEvidence/dcterms:identifier ?sourceKey }
  OPTIONAL { ?claim kgo:status ?st BIND(STRAFTER(STR(?st), "#") AS ?state) }
  OPTIONAL { ?claim kgo:note ?note }
} GROUP BY ?claim ?key ?statement ?figure ?unit ?date ?state ?note ORDER BY ?key"""
_AUTHORS = _P + """SELECT ?work (GROUP_CONCAT(?name; SEPARATOR="; ") AS ?authors) WHERE {
  ?work dcterms:creator ?p . ?p foaf:name ?name .
} GROUP BY ?work"""
_ROLES = _P + """SELECT ?work ?p ?thinker WHERE {
  ?work ?p ?thinker . ?work a kgo:Work .
  VALUES ?p { dcterms:creator bibo:editor bibo:translator } }"""
_SPEAKERS = _P + "SELECT ?q ?p WHERE { ?q kgo:speaker ?p }"
_SOURCES = _P + "SELECT ?q ?w WHERE { ?q dcterms:source ?w }"
_THINKERS = _P + "SELECT ?thinker WHERE { ?thinker a kgo:Thinker }"


class _Unsure(Exception):
    """This page cannot be reproduced exactly from the scans: leave it to SPARQL."""


class _Graph:
    """The whole-graph scans, grouped for the pages."""

    def __init__(self, lib):
        from .query import select

        s = lib.store

        def rows(text):
            return select(s, text).plain()

        self.lib = lib
        self.tagged: dict[str, list[tuple[str, str | None]]] = {}  # theme -> [(x, kind)]
        kinds: dict[str, set] = {}
        self.subjects: dict[str, list[str]] = {}  # x -> themes
        for r in rows(_SUBJECTS):
            kinds.setdefault(r["x"], set())
            if r["kind"]:
                kinds[r["x"]].add(r["kind"])
            self.subjects.setdefault(r["x"], [])
            if r["theme"] not in self.subjects[r["x"]]:
                self.subjects[r["x"]].append(r["theme"])
        self.kinds = kinds
        self.names: dict[str, list[str]] = {}
        for r in rows(_NAMES):
            self.names.setdefault(r["p"], []).append(r["name"])
        self.creators: dict[str, list[str]] = {}
        self.created: dict[str, list[str]] = {}  # thinker -> works (dcterms:creator)
        for r in rows(_CREATORS):
            self.creators.setdefault(r["w"], []).append(r["p"])
            self.created.setdefault(r["p"], []).append(r["w"])
        self.info: dict[str, list[dict]] = {}
        for r in lib.run("thinker").plain():
            self.info.setdefault(r["thinker"], []).append(r)
        self.works: dict[str, list[dict]] = {}
        for r in rows(_WORKS):
            self.works.setdefault(r["work"], []).append(r)
        self.quotes: dict[str, list[dict]] = {}
        for r in rows(_QUOTES):
            self.quotes.setdefault(r["quote"], []).append(r)
        self.claims: dict[str, list[dict]] = {}
        for r in rows(_CLAIMS):
            self.claims.setdefault(r["claim"], []).append(r)
        self.authors = {r["work"]: r["authors"] for r in rows(_AUTHORS)}
        self.made: dict[str, list[tuple[str, str]]] = {}  # thinker -> [(work, role)]
        role = {"http://purl.org/dc/terms/creator": "author",
                "http://purl.org/ontology/bibo/editor": "editor",
                "http://purl.org/ontology/bibo/translator": "translator"}
        for r in rows(_ROLES):
            self.made.setdefault(r["thinker"], []).append((r["work"], role[r["p"]]))
        self.speakers: dict[str, list[str]] = {}
        self.said: dict[str, list[str]] = {}
        for r in rows(_SPEAKERS):
            self.speakers.setdefault(r["q"], []).append(r["p"])
            self.said.setdefault(r["p"], []).append(r["q"])
        self.quoted_from: dict[str, list[str]] = {}  # work -> quotes taking it as source
        for r in rows(_SOURCES):
            self.quoted_from.setdefault(r["w"], []).append(r["q"])
        self.thinkers = {r["thinker"] for r in rows(_THINKERS)}
        self.by_theme: dict[str, list[str]] = {}
        for x, ts in self.subjects.items():
            for t in ts:
                self.by_theme.setdefault(t, []).append(x)
        self.index = lib.theme_index()
        self._relators: dict[str, set] = {}
        self.work_rows: list = []  # every work row once; theme pages refer to them by number
        self._work_no: dict = {}

    def relators(self, t: str) -> set:
        """Thinkers tagged with theme t, and speakers of anything tagged with it."""
        if t not in self._relators:
            out = set()
            for x in self.by_theme.get(t, ()):
                if x in self.thinkers:
                    out.add(x)
                out.update(self.speakers.get(x, ()))
            self._relators[t] = out
        return self._relators[t]

    # themes -----------------------------------------------------------------
    def theme_counts(self) -> dict:
        out: dict[str, dict] = {}
        for t, xs in self.by_theme.items():
            tid = t.removeprefix(THEME_NS)
            c = out.setdefault(tid, {"works": 0, "quotes": 0, "claims": 0})
            for x in xs:
                for k in self.kinds.get(x, ()):
                    if k in _KIND:
                        c[_KIND[k]] += 1
        return out

    def theme_page(self, subtree: list[str]) -> dict | None:
        try:
            return self._theme_page(subtree)
        except _Unsure:
            return None

    def _theme_page(self, subtree: list[str]) -> dict:
        xs: dict[str, None] = {}
        for tid in subtree:
            for x in self.by_theme.get(self.index[tid]["iri"], ()):
                xs[x] = None
        counts = {"works": 0, "quotes": 0, "claims": 0}
        for x in xs:
            for k in self.kinds.get(x, ()):
                if k in _KIND:
                    counts[_KIND[k]] += 1
        works_of: dict[str, set] = {}
        for x in xs:
            if KGO + "Work" in self.kinds[x]:
                for p in self.creators.get(x, ()):
                    works_of.setdefault(p, set()).add(x)
            if KGO + "Thinker" in self.kinds[x]:
                works_of.setdefault(x, set())
        thinkers = []
        for p, ws in works_of.items():
            for name in self.names.get(p, ()):
                thinkers.append({"thinker": p.removeprefix(PERSON_NS), "name": name,
                                 "works": len(ws)})
        thinkers.sort(key=lambda r: (-r["works"], r["name"]))
        _no_ties(thinkers, lambda r: (r["works"], r["name"]))
        counts["thinkers"] = len(thinkers)
        works = []
        for x in xs:
            for r in self.works.get(x, ()):
                works.append({"key": r["key"], "year": r["year"], "title": r["title"],
                              "authors": self.authors.get(x) or None,
                              "annotation": r["annotation"]})
        works = _sorted(works, lambda r: (_num(r["year"]), r["key"]))
        numbers = []
        for r in works:
            k = tuple(r.values())
            if k not in self._work_no:
                self._work_no[k] = len(self.work_rows)
                self.work_rows.append(r)
            numbers.append(self._work_no[k])
        quotes = [r for x in xs for r in self.quotes.get(x, ())]
        quotes = _sorted(quotes, lambda r: r["key"], ties_ok=True)
        claims = [r for x in xs for r in self.claims.get(x, ())]
        claims = _sorted(claims, lambda r: r["key"])
        return {"counts": counts, "thinkers": thinkers, "works": numbers,
                "first": works[:HEAD],
                "quotes": [_quote_row(r) for r in quotes],
                "claims": [_claim_row(r) for r in claims]}

    # thinkers ---------------------------------------------------------------
    def thinker_page(self, p: str) -> dict | None:
        try:
            return self._thinker_page(p)
        except _Unsure:
            return None

    def _thinker_page(self, p: str) -> dict:
        info = self.info.get(p, [])
        if len(info) > 1:
            raise _Unsure
        if not info:
            return {"info": None}
        i = info[0]
        info = {"id": p.removeprefix(PERSON_NS), "name": i["name"], "birth": i["birth"],
                "death": i["death"], "nationality": i["nationality"],
                "description": i["description"], "sameAs": i["sameAs"]}
        works = []
        for w, role in self.made.get(p, ()):
            for r in self.works.get(w, ()):
                works.append({"key": r["key"], "year": r["year"], "title": r["title"],
                              "role": role})
        works = _sorted(works, lambda r: (_num(r["year"]), r["key"]))
        items: dict[str, set] = {}
        for w, _ in self.made.get(p, ()):
            if KGO + "Work" in self.kinds.get(w, ()):
                for t in self.subjects.get(w, ()):
                    items.setdefault(t, set()).add(w)
        for q in self.said.get(p, ()):
            for t in self.subjects.get(q, ()):
                items.setdefault(t, set()).add(q)
        for t in self.subjects.get(p, ()):
            items.setdefault(t, set()).add(p)
        themes = []
        for t, xs in items.items():
            tid = t.removeprefix(THEME_NS)
            if tid not in self.index or "fr" not in self.index[tid]["labels"]:
                raise _Unsure
            themes.append({"id": tid, "items": len(xs)})
        themes.sort(key=lambda r: (-r["items"], THEME_NS + r["id"]))
        quotes = []
        for q in self.said.get(p, ()):
            quotes += [dict(r, relation="by") for r in self.quotes.get(q, ())]
        said = set(self.said.get(p, ()))
        seen = set()
        for w in self.created.get(p, ()):
            for q in self.quoted_from.get(w, ()):
                if q not in said and q not in seen:
                    seen.add(q)
                    quotes += [dict(r, relation="about") for r in self.quotes.get(q, ())]
        rows = {}
        for r in quotes:  # DISTINCT over the variables thinker-quotes selects
            k = (r["quote"], r["key"], r["text"], r["relation"], r["speakerName"], r["locator"])
            rows.setdefault(k, {"key": r["key"], "relation": r["relation"], "text": r["text"],
                                "speaker": r["speakerName"], "locator": r["locator"]})
        quotes = _sorted(list(rows.values()), lambda r: (r["relation"], r["key"]), ties_ok=True)
        related = []
        if themes:
            shared: dict[str, set] = {}
            for t in (THEME_NS + r["id"] for r in themes):
                for o in self.relators(t):
                    shared.setdefault(o, set()).add(t)
            for o, ts in shared.items():
                if o == p:
                    continue
                for name in self.names.get(o, ()):
                    related.append({"thinker": o.removeprefix(PERSON_NS), "name": name,
                                    "sharedThemes": len(ts)})
            related.sort(key=lambda r: (-r["sharedThemes"], r["name"]))
            _no_ties(related[:16], lambda r: (r["sharedThemes"], r["name"]))
            related = related[:15]
        return {"info": info, "works": works, "themes": themes, "quotes": quotes,
                "related": related}


def _num(year):
    if year is None:
        return (0, 0)
    if isinstance(year, bool) or not isinstance(year, int):
        raise _Unsure
    return (1, year)


def _sorted(rows: list, key, ties_ok: bool = False) -> list:
    rows.sort(key=key)
    if not ties_ok:
        _no_ties(rows, key)
    return rows


def _no_ties(rows: list, key) -> None:
    """Rows equal on the sort key come in an order SPARQL does not fix: not reproducible."""
    keys = [key(r) for r in rows]
    if len(set(keys)) != len(keys):
        raise _Unsure


def _quote_row(r: dict) -> dict:
    return {"key": r["key"], "text": r["text"], "speaker": r["speakerName"],
            "source": r["source"].removeprefix(WORK_NS) if r["source"] else None,
            "locator": r["locator"], "language": r["language"], "status": r["status"]}


def _claim_row(r: dict) -> dict:
    return {"key": r["key"], "statement": r["statement"], "figure": r["figure"],
            "unit": r["unit"], "date": r["date"], "sources": r["sources"] or None,
            "status": r["state"], "note": r["note"]}
