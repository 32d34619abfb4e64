"""A digest of the built graph: per-theme and per-thinker answers, read with one seek.

``kg theme``, ``kg thinker``, ``kg themes``, ``kg quotes``, ``kg claims``, ``kg search`` and the
named queries that are aggregates (works-per-theme, theme-counts, quotes-by-language,
claims-without-source, when run by name without parameters) answer from here instead of joining
thousands of rows in the store at each call: none of them opens the store.  The digest is one
file next to the store it was made from::

    out/digest-<store name>.bin
        8 bytes     length H of the head (little-endian)
        H bytes     head: marshal of {version, store, themes (index), counts, theme toc, ...}
        ...         blobs: marshal of one theme page / of the thinker names and toc /
                    of one thinker page / of the theme relators / of the work rows /
                    of all quotes, all claims, the claims of each status / of the named
                    queries' rows, each at (offset, length) given by a toc
        ...         the search index (raw, not marshal): folded texts "\n"-joined (UTF-8),
                    each line's subject number (int32) and weight (byte), per subject the
                    offset (int64) of its details (marshal: IRI, kind, key, title, texts),
                    each line's offset (int64) in the texts; the words: marshal of (the
                    whole words of the lines, sorted, "\n"-joined; each word's offset in
                    that (int32); each word's posting offset (int64); each posting's count
                    width (byte)), and the postings: per word the lines holding it (int32)
                    then how often it occurs in each (uint8 or uint32, per the width)

It is keyed by the store name (a new build makes a new store name), so it is never stale; a
digest of another store is ignored and removed.

It is made from what the build already has in memory, never from the store: each chunk of
records gives a compact :func:`part` (in the build's worker processes), and
:func:`write_from_parts` merges them with the thinkers and the ontology into the file.  An
output built without a digest gets one lazily (:func:`write`: the inputs are interpreted again,
the same code path).  Every list is grouped, ordered and counted the way the named queries
(kg/queries/*.rq) do it, each of them with a total order; tests check that both agree for
every theme and every thinker.
"""
from __future__ import annotations

import marshal
import os
import struct
from pathlib import Path

VERSION = 7
ID = "https://kg.example/id/"
KGO = "https://kg.example/ontology#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
THEME_NS = ID + "theme/"
PERSON_NS = ID + "person/"
WORK_NS = ID + "work/"
HEAD = 50  # work rows kept in each theme page: enough for every default listing (20)
RELATED = 15  # thinker-related.rq: LIMIT 15


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

    def raw(self, where) -> bytes:
        off, n = where
        with open(self.path, "rb") as f:
            f.seek(self._start + off)
            return f.read(n)

    def rows(self, which: str) -> list[dict]:
        """A whole-library list: "quotes", "claims" or "claims-<status>" (named-query rows)."""
        return self._blob(self.head["lists"][which])

    def named(self, name: str):
        """The rows of a named query answered from here, as a kg.read.query.Result (else None)."""
        from kg.read.query import Result, Term

        got = self._blob(self.head["named"]).get(name)
        if got is None:
            return None
        names, rows = got
        return Result(vars=list(names), rows=[
            {v: Term(*t) for v, t in zip(names, r) if t is not None} for r in rows])

    def said(self, p: str) -> list[dict] | None:
        """quotes.rq rows with ?speaker bound to thinker IRI p (None: not a thinker here)."""
        where = self.names()["toc"].get(p)
        return None if where is None else self._blob(where)["said"]

    def names(self) -> dict:
        """(name key -> thinker IRI) and the thinker toc."""
        if self._names is None:
            self._names = self._blob(self.head["names"])
        return self._names

    def thinker(self, p: str) -> dict | None:
        where = self.names()["toc"].get(p)
        if where is None:
            return None
        page = self._blob(where)
        if page["info"] is not None:
            page["related"] = self._related(p, page["themes"])
        return page

    def _related(self, p: str, themes: list[dict]) -> list[dict]:
        """thinker-related.rq: others tagged with, or quoted on, the thinker's themes."""
        if not themes:
            return []
        relators = self._blob(self.head["relators"])
        shared: dict[tuple, int] = {}
        for tid in {r["id"] for r in themes}:
            for o in relators.get(tid, ()):
                if o[0] != p:
                    shared[o] = shared.get(o, 0) + 1
        rows = sorted(shared.items(), key=lambda x: (-x[1], x[0][1], x[0][0]))[:RELATED]
        return [{"thinker": o.removeprefix(PERSON_NS), "name": name, "sharedThemes": n}
                for (o, name), n in rows]


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


# --------------------------------------------------------------------------- one chunk

_ROLE = {"author": "a", "speaker": "s", "editor": "e", "translator": "t"}


class Part(list):
    """The rows of one chunk (a list), with ``words``: the chunk's inverted index of whole
    words, word -> (chunk line numbers, occurrences in each line), lines numbered in the
    order of the records and of their searchable texts."""

    words: dict


def _words(lines) -> dict:
    """word -> (line numbers, occurrences in each) over these folded, " "-joined lines."""
    from collections import Counter

    inv: dict[str, tuple[list, list]] = {}
    get = inv.get
    for j, f in enumerate(lines):
        for w, c in Counter(f.split(" ")).items():
            e = get(w)
            if e is None:
                inv[w] = e = ([], [])
            e[0].append(j)
            e[1].append(c)
    inv.pop("", None)
    return inv


def part(records, mb=None) -> Part:
    """What one chunk of records brings to the digest: per record a compact tuple of the
    values the graph gives it (picklable; no store, no other record needed).

    ``(kind, key, themes, people, values)``: people are (role letter, slug) with the roles that
    give dcterms:creator ("a", "s": also kgo:speaker), bibo:editor ("e"), bibo:translator
    ("t"); values are what kg/graph.py writes, as the named queries read them back.
    """
    from kg.core.graph import language_code, year_of
    from kg.core.model import parse_number

    out = []
    for rec in records:
        v = rec.values
        people = tuple(dict.fromkeys((_ROLE[r], s) for r, s, _ in rec.people if r in _ROLE))
        if rec.kind == "work":
            date = v.get("date") or v.get("year", "")
            vals = (v.get("title") or None, year_of(date) if date else None,
                    v.get("annotation") or v.get("annote") or None)
        elif rec.kind == "quote":
            status = v.get("status", "").lower()
            vals = (v.get("quote") or None, tuple(dict.fromkeys(rec.refs.get("source", []))),
                    v.get("locator") or v.get("pages") or None,
                    (language_code(v["langid"]) or None) if v.get("langid") else None,
                    status if status in ("verbatim", "attributed", "paraphrase") else None)
        else:
            status = v.get("status", "").lower()
            number = parse_number(v.get("figure", "")) if v.get("figure") else None
            date = v.get("date", "").strip()
            vals = (v.get("statement") or None, _figure(number), v.get("unit") or None,
                    date or None, tuple(dict.fromkeys(rec.refs.get("source", []))),
                    status if status in ("sourced", "unsourced", "contested") else None,
                    v.get("note") or None)
        if rec.kind == "work":
            texts = ((3, v.get("title", "")), (3, v.get("subtitle", "")),
                     (1, v.get("annotation") or v.get("annote", "")))
        else:
            texts = ((2, vals[0] or ""),)
        found = tuple((w, fold_words(t)) for w, t in texts if t)
        out.append((rec.kind, rec.key, tuple(rec.themes), people, vals, found))
    out = Part(out)
    out.words = _words([f for r in out for _, f in r[5]])
    return out


_FOLDED_WORDS: dict[str, str] = {}  # word as written -> folded (a bounded cache)


def fold_words(text: str) -> str:
    """``" ".join(fold(text).split())``, a word at a time: a library repeats its words, and
    folding is done per character (whitespace stays whitespace), so each is folded once."""
    from kg.core.latex import fold

    out = []
    for word in text.split():
        f = _FOLDED_WORDS.get(word)
        if f is None:
            f = " ".join(fold(word).split())
            if len(_FOLDED_WORDS) < 200_000:
                _FOLDED_WORDS[word] = f
        if f:
            out.append(f)
    return " ".join(out)


def _figure(number: str | None):
    """kgo:figure as Term.py() reads it back (xsd:decimal, or xsd:double with an exponent)."""
    if number is None:
        return None
    f = float(number)
    return int(f) if f.is_integer() and "e" not in number.lower() else f


# --------------------------------------------------------------------------- the whole file

def write_from_parts(out: str | Path, store_name: str, parts, persons,
                     onto_bytes: bytes) -> Path:
    """Merge the chunks' parts (in file order) with the thinkers (slug -> kg.core.model.Person) and
    the ontology, and write ``out/digest-<store_name>.bin`` atomically, its two halves by two
    forked processes at once.  Returns its path.  (A build starts the halves itself, to go on
    meanwhile: ``merge``, ``write_half``, ``join_halves``.)"""
    writers, halves = start_halves(out, merge(parts, persons, onto_bytes))
    try:
        for w in writers:
            w.wait()
        return join_halves(out, store_name, halves)
    except BaseException:
        for w in writers:
            w.kill()
        for h in halves:
            h.unlink(missing_ok=True)
        raise


def start_halves(folder: str | Path, merged, fork: bool = True, nice: int = 0):
    """Start writing the HALVES of a merged digest into ``folder``, each by a forked process
    (kg.builder.forked.Forked; ``fork`` false: here, at once).  Returns the writers, to wait for or
    kill, and the files, for ``join_halves``."""
    from kg.builder.forked import Forked

    halves = [Path(folder) / f".digest-{which}-{os.getpid()}" for which in HALVES]
    writers: list = []
    try:
        for which, half in zip(HALVES, halves):
            writers.append(Forked(lambda w=which, h=half: write_half(h, w, merged),
                                  "writing the query digest", fork, nice))
    except BaseException:
        for w in writers:
            w.kill()
        raise
    return writers, halves


#: the digest in two halves that two processes can write at once: the search index and the
#: thinkers (whose toc holds offsets: first in the file), then the theme pages and the lists
HALVES = ("index", "pages")


def merge(parts, persons, onto_bytes: bytes):
    """The parts merged (what ``write_half`` writes from)."""
    return _Merged(parts, persons, onto_bytes)


def write_half(path: str | Path, which: str, merged) -> None:
    """One of HALVES, to a file of its own (``join_halves`` makes the digest of them)."""
    head, blob = merged.half(which)
    head = marshal.dumps(head)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        f.write(blob)


def join_halves(out: str | Path, store_name: str, halves: list[Path]) -> Path:
    """The digest made of the files ``write_half`` wrote (in HALVES order), atomically;
    the halves are removed."""
    import os

    from kg.builder.store import write_atomic

    heads, starts, sizes = [], [], []
    for h in halves:
        with open(h, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            heads.append(marshal.loads(f.read(n)))
        starts.append(8 + n)
        sizes.append(os.path.getsize(h) - 8 - n)
    p = path_for(out, store_name)
    write_atomic(p, _head(store_name, heads, sizes), then=list(zip(halves, starts, sizes)))
    for h in halves:
        Path(h).unlink()
    return p


def _head(store_name: str, heads: list[dict], sizes: list[int]) -> bytes:
    """The length-prefixed head of the digest, each half's offsets moved past the halves
    before it."""
    head = {"version": VERSION, "store": store_name}
    base = 0
    for h, size in zip(heads, sizes):
        head.update(_shifted(h, base))
        base += size
    b = marshal.dumps(head)
    return struct.pack("<Q", len(b)) + b


_OFFSETS = {"toc", "lists", "named", "works", "search", "names", "relators"}


def _shifted(head: dict, base: int) -> dict:
    """A half's head with every (offset, length) of its blobs moved by ``base``."""
    def move(v):
        if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, int) for x in v):
            return (v[0] + base, v[1])
        if isinstance(v, tuple):
            return tuple(move(x) for x in v)
        return {k: move(x) for k, x in v.items()}

    return {k: move(v) if k in _OFFSETS and base else v for k, v in head.items()}


# --------------------------------------------------------------------------- parts kept

#: a large build keeps its parts (and thinkers) beside the index: after an incremental build,
#: whose changed records are in DELTA, the first query merges them instead of interpreting
#: the whole library again (marshal: plain values only, nothing executable in out/)
PARTS = "digest.parts"
DELTA = "digest.delta"


def _person_row(p) -> tuple:
    return (p.name.display, p.name.sort, list(p.aliases), p.entry.key if p.entry else None,
            list(p.themes), p.birth, p.death, p.nationality, p.description, p.wikidata)


def _person_of(row):
    """What the merge reads of a kg.core.model.Person, from _person_row."""
    from types import SimpleNamespace as NS

    display, sort, aliases, key, themes, birth, death, nationality, description, wd = row
    return NS(name=NS(display=display, sort=sort), aliases=aliases,
              entry=NS(key=key) if key is not None else None, themes=themes, birth=birth,
              death=death, nationality=nationality, description=description, wikidata=wd)


def write_parts(path: str | Path, store_name: str, parts, persons) -> None:
    """Keep a build's parts and thinkers (``store_name``: the store they were made with):
    a small head ({"store": ...}), then the data."""
    with open(path, "wb") as f:
        marshal.dump({"store": store_name}, f)
        marshal.dump({"parts": [(list(pt), pt.words) for pt in parts],
                      "persons": {s: _person_row(p) for s, p in persons.items()}}, f)


def write_delta(path: str | Path, out: str | Path, store_name: str, records, mb) -> bool:
    """After an incremental build (new store ``store_name``): the digest rows of the records
    it redid, with those of the earlier incremental builds since the last full one, and the
    thinkers now.  False (nothing written) when ``out`` keeps no parts."""
    base = _load(Path(out) / PARTS, whole=False)
    if base is None:
        return False
    old = _load(Path(out) / DELTA)
    rows = old["records"] if old and old.get("base") == base["store"] else {}
    rows.update((r[1], r) for r in part(records, mb))
    data = marshal.dumps({"base": base["store"], "store": store_name, "records": rows,
                          "persons": {s: _person_row(p) for s, p in mb.persons.items()}})
    with open(path, "wb") as f:
        f.write(data)
    return True


def _load(path: Path, whole: bool = True) -> dict | None:
    """A marshal file of dicts (PARTS: its head, and with ``whole`` its data too)."""
    try:
        with open(path, "rb") as f:
            data = marshal.load(f)
            if whole and path.name == PARTS:
                data = {**data, **marshal.load(f)}
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _from_parts(out: Path, store_name: str):
    """(parts, persons) of the build whose store is ``store_name``, from the parts kept and
    the delta of the incremental builds since; None when they do not describe that store."""
    base = _load(out / PARTS)
    if base is None:
        return None
    persons, changed = base["persons"], {}
    if base["store"] != store_name:
        delta = _load(out / DELTA)
        if not delta or delta.get("base") != base["store"] or delta.get("store") != store_name:
            return None
        persons, changed = delta["persons"], delta["records"]
    parts = []
    for recs, words in base["parts"]:
        pt = Part(changed.get(r[1], r) for r in recs)
        pt.words = words
        if any(r[1] in changed for r in recs):
            pt.words = _words([f for r in pt for _, f in r[5]])
        parts.append(pt)
    return parts, {s: _person_of(row) for s, row in persons.items()}


def write(out: str | Path, store=None, store_name: str | None = None) -> Path | None:
    """An output built without a digest: make it now, from the inputs recorded in the
    manifest (interpreted again, as the build did), and remove older digests.

    Returns the file written (None when out/ has no manifest or its inputs are gone).
    """
    from kg.builder.pipeline import CHUNK, _thesaurus
    from kg.builder.store import read_manifest

    out = Path(out)
    m = read_manifest(out)
    if not m or not m.get("store"):
        return None
    store_name = store_name or m["store"]
    bib, onto = Path(m["bib"]["path"]), Path(m["ontology"]["path"])
    if not bib.is_file() or not onto.is_file():
        return None
    thesaurus, onto_bytes = _thesaurus(onto)
    kept = _from_parts(out, store_name)
    if kept is not None:  # after an incremental build: seconds, not the whole library again
        parts, persons = kept
    else:
        from kg.core.bib import load
        from kg.core.model import ModelBuilder

        bib_file = load(bib)
        mb = ModelBuilder(bib_file, thesaurus)
        parts = []
        entries = bib_file.entries
        for i in range(0, len(entries), CHUNK):
            recs = [r for r in map(mb.record, entries[i:i + CHUNK]) if r is not None]
            parts.append(part(recs, mb))
        persons = mb.persons
    p = write_from_parts(out, store_name, parts, persons, onto_bytes)
    for old in out.glob("digest-*.bin"):
        if old != p:
            old.unlink(missing_ok=True)
    return p


def _sorted_join(joined, sep):
    from kg.read.query import _sorted_join as f
    return f(joined, sep)


def _opt(v):
    """A sort key for a value SPARQL may leave unbound (unbound first)."""
    return (0, "") if v is None else (1, v)


def _theme_index(onto_bytes: bytes) -> tuple[dict, dict]:
    """The theme index exactly as Library.theme_index() reads it (same named query on the
    ontology alone), and each theme's French preferred labels (thinker-themes.rq)."""
    import pyoxigraph as ox

    from kg.read.query import Library, select

    s = ox.Store()
    s.load(onto_bytes, ox.RdfFormat.TURTLE)
    index = Library(store=s).theme_index()
    fr: dict[str, list[str]] = {}
    for r in select(s, _FR_LABELS).rows:
        fr.setdefault(r["theme"].value, []).append(r["label"].value)
    return index, fr


_FR_LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?theme ?label WHERE { ?theme skos:prefLabel ?label FILTER(LANG(?label) = "fr") }
ORDER BY ?theme ?label"""


class _Merged:
    """The parts merged: the few relations the pages are made of."""

    def __init__(self, parts, persons, onto_bytes: bytes):
        from kg.core.graph import _seg, person_iri, theme_iri

        self.index, self.fr = _theme_index(onto_bytes)
        self.tid_of = {t["iri"]: tid for tid, t in self.index.items()}
        self.parts = parts
        self.recs = [r for pt in parts for r in pt]
        self.persons = persons
        self.piri = {s: person_iri(s) for s in persons}
        self.pname = {self.piri[s]: (p.name.display or None) for s, p in persons.items()}
        tiri = {t: theme_iri(t) for t in {t for r in self.recs for t in r[2]}}
        self.theme_iri = lambda t: tiri.get(t) or theme_iri(t)
        self.seg = _seg
        self.work_of = {r[1]: i for i, r in enumerate(self.recs) if r[0] == "work"}
        # theme IRI -> record numbers / tagged thinkers
        self.by_theme: dict[str, list[int]] = {}
        for i, r in enumerate(self.recs):
            for t in r[2]:
                self.by_theme.setdefault(tiri[t], []).append(i)
        self.tagged: dict[str, list[str]] = {}  # theme IRI -> thinker IRIs
        for s, p in persons.items():
            for t in dict.fromkeys(p.themes):
                self.tagged.setdefault(theme_iri(t), []).append(self.piri[s])
        self.made: dict[str, list[tuple[int, str]]] = {}  # thinker IRI -> [(work, role)]
        self.created: dict[str, list[int]] = {}  # thinker IRI -> works (dcterms:creator)
        self.said: dict[str, list[int]] = {}  # thinker IRI -> anything they are speaker of
        for i, r in enumerate(self.recs):
            roles: dict[str, set] = {}
            for role, s in r[3]:
                o = self.piri[s]
                if role in "as":
                    roles.setdefault(o, set()).add("author")
                else:
                    roles.setdefault(o, set()).add("editor" if role == "e" else "translator")
                if role == "s":
                    self.said.setdefault(o, []).append(i)
            if r[0] == "work":
                for o, rs in roles.items():
                    for role in rs:
                        self.made.setdefault(o, []).append((i, role))
                    if "author" in rs:
                        self.created.setdefault(o, []).append(i)
        self.quoted_from: dict[int, list[int]] = {}  # work -> quotes taking it as source
        for i, r in enumerate(self.recs):
            if r[0] == "quote":
                for k in r[4][1]:
                    w = self.work_of.get(k)
                    if w is not None:
                        self.quoted_from.setdefault(w, []).append(i)
        self._creators = [list(dict.fromkeys(self.piri[s] for role, s in r[3] if role in "as"))
                          for r in self.recs]
        self._speakers = [list(dict.fromkeys(self.piri[s] for role, s in r[3] if role == "s"))
                          for r in self.recs]
        # every work, quote and claim once in the order of its named query: a theme's lists
        # are these orders filtered (no sort per theme)
        kinds = {"work": [], "quote": [], "claim": []}
        for i, r in enumerate(self.recs):
            kinds[r[0]].append(i)
        recs = self.recs
        kinds["work"].sort(key=lambda i: (recs[i][4][1] is not None, recs[i][4][1] or 0,
                                          recs[i][1]))
        kinds["quote"].sort(key=lambda i: recs[i][1])
        kinds["claim"].sort(key=lambda i: recs[i][1])
        self.order = kinds
        self._quote_rows: dict[int, list[dict]] = {}
        self._claim_rows: dict[int, dict | None] = {}
        self.work_rows: list = []
        self._work_no: dict = {}

    # records ------------------------------------------------------------------
    def creators(self, i: int) -> list[str]:
        return self._creators[i]

    def speakers(self, i: int) -> list[str]:
        return self._speakers[i]

    def authors(self, i: int) -> str | None:
        """work-authors.rq: the creators' names, ordered by name then IRI, joined by "; "."""
        names = [self.pname[p] for p in self.creators(i) if self.pname[p] is not None]
        return _sorted_join("; ".join(names), "; ") or None

    def work_row(self, i: int) -> dict:
        _, key, _, _, (title, year, annotation) = self.recs[i][:5]
        return {"key": key, "year": year, "title": title, "authors": self.authors(i),
                "annotation": annotation}

    def quote_rows(self, i: int) -> list[dict]:
        """quotes.rq: one row per (speaker, source) of a quote, DISTINCT, in ORDER BY order."""
        if i not in self._quote_rows:
            _, key, _, _, (text, sources, locator, language, status) = self.recs[i][:5]
            rows = []
            if text is not None:
                sp = [(self.pname[p], p) for p in self.speakers(i) if self.pname[p] is not None]
                for name, p in sp or [(None, None)]:
                    for k in sources or (None,):
                        rows.append({"key": key, "text": text, "speaker": name,
                                     "source": k and self.seg(k), "locator": locator,
                                     "language": language, "status": status, "_p": p})
                rows.sort(key=lambda r: (_opt(r["speaker"]), _opt(r["_p"]),
                                         _opt(r["source"] and WORK_NS + r["source"])))
                for r in rows:
                    del r["_p"]
            self._quote_rows[i] = rows
        return self._quote_rows[i]

    def claim_row(self, i: int) -> dict | None:
        _, key, _, _, (stmt, figure, unit, date, sources, status, note) = self.recs[i][:5]
        if stmt is None:
            return None
        keys = ", ".join(dict.fromkeys(k for k in sources if k in self.work_of))
        return {"key": key, "statement": stmt, "figure": figure, "unit": unit, "date": date,
                "sources": _sorted_join(keys, ", ") or None, "status": status, "note": note}

    # themes -------------------------------------------------------------------
    def theme_counts(self) -> dict:
        out: dict[str, dict] = {}
        for t, xs in self.by_theme.items():
            c = out.setdefault(self.tid_of.get(t, t.removeprefix(THEME_NS)),
                               {"works": 0, "quotes": 0, "claims": 0})
            for i in xs:
                c[self.recs[i][0] + "s"] += 1
        return out

    def subtree(self, tid: str) -> list[str]:
        from kg.read.query import subtree

        return subtree(self.index, tid)

    def theme_page(self, tid: str) -> dict:
        iris = [self.index[t]["iri"] for t in self.subtree(tid)]
        xs = {i for t in iris for i in self.by_theme.get(t, ())}
        ws, qs, cs = ([i for i in self.order[k] if i in xs] if len(xs) * 8 > len(self.order[k])
                      else [i for i in sorted(xs) if self.recs[i][0] == k] for k in
                      ("work", "quote", "claim"))
        counts = {"works": len(ws), "quotes": len(qs), "claims": len(cs)}
        works_of: dict[str, set] = {}
        for i in ws:
            for p in self._creators[i]:
                works_of.setdefault(p, set()).add(i)
        for t in iris:
            for p in self.tagged.get(t, ()):
                works_of.setdefault(p, set())
        thinkers = [{"thinker": p.removeprefix(PERSON_NS), "name": self.pname[p],
                     "works": len(ws)} for p, ws in works_of.items()
                    if self.pname[p] is not None]
        thinkers.sort(key=lambda r: (-r["works"], r["name"], r["thinker"]))
        counts["thinkers"] = len(thinkers)
        if len(xs) * 8 <= len(self.order["work"]):  # few: sorted here
            ws.sort(key=lambda i: (_opt(self.recs[i][4][1]), self.recs[i][1]))
            qs.sort(key=lambda i: self.recs[i][1])
            cs.sort(key=lambda i: self.recs[i][1])
        numbers, first = [], []
        for i in ws:
            if i not in self._work_no:
                self._work_no[i] = len(self.work_rows)
                self.work_rows.append(self.work_row(i))
            numbers.append(self._work_no[i])
            if len(first) < HEAD:
                first.append(self.work_rows[self._work_no[i]])
        return {"counts": counts, "thinkers": thinkers, "works": numbers, "first": first,
                "quotes": [r for i in qs for r in self.quote_rows(i)],
                "claims": [r for r in map(self._claim, cs) if r is not None]}

    def _claim(self, i: int) -> dict | None:
        if i not in self._claim_rows:
            self._claim_rows[i] = self.claim_row(i)
        return self._claim_rows[i]

    # thinkers -----------------------------------------------------------------
    def names(self) -> dict[str, str]:
        """Library.thinker_names() over thinker-names.rq rows, in that query's order."""
        from kg.read.query import _key

        rank = {"name": 0, "sort": 1, "alias": 2, "key": 3}
        rows = set()
        for s, p in self.persons.items():
            o = self.piri[s]
            for kind, n in [("name", p.name.display), ("sort", p.name.sort),
                            *(("alias", a) for a in p.aliases),
                            ("key", p.entry.key if p.entry is not None else "")]:
                if n:
                    rows.add((rank[kind], o, n, kind))
        names: dict[str, str] = {}
        for _, o, n, kind in sorted(rows):
            names.setdefault(_key(n), o)
            if kind == "sort":
                names.setdefault(_key(n.split(",")[0]), o)
            if o.startswith(PERSON_NS):
                names.setdefault(_key(o[len(PERSON_NS):]), o)
        return names

    def relators(self) -> dict[str, list[tuple[str, str]]]:
        """theme id -> (thinker IRI, name) of those tagged with it or speakers on it."""
        out = {}
        for t in set(self.tagged) | set(self.by_theme):
            ps = set(self.tagged.get(t, ()))
            for i in self.by_theme.get(t, ()):
                ps.update(self.speakers(i))
            rows = sorted((p, self.pname[p]) for p in ps if self.pname[p] is not None)
            if rows:
                out[self.tid_of.get(t, t.removeprefix(THEME_NS))] = rows
        return out

    def thinker_page(self, s: str) -> dict:
        from kg.core.vocab import WD

        p, o = self.persons[s], self.piri[s]
        if self.pname[o] is None:
            return {"info": None, "said": self.speaker_rows(o)}
        info = {"id": o.removeprefix(PERSON_NS), "name": self.pname[o],
                "birth": p.birth.strip() or None, "death": p.death.strip() or None,
                "nationality": p.nationality or None, "description": p.description or None,
                "sameAs": WD + p.wikidata if p.wikidata else None}
        made = self.made.get(o, [])
        works = []
        for i, role in made:
            _, key, _, _, (title, year, _) = self.recs[i][:5]
            works.append({"key": key, "year": year, "title": title, "role": role})
        works.sort(key=lambda r: (_opt(r["year"]), r["key"], r["role"]))
        items: dict[str, set] = {}
        for i, _ in made:
            for t in self.recs[i][2]:
                items.setdefault(self.theme_iri(t), set()).add(i)
        said = self.said.get(o, [])
        for i in said:
            for t in self.recs[i][2]:
                items.setdefault(self.theme_iri(t), set()).add(i)
        for t in p.themes:
            items.setdefault(self.theme_iri(t), set()).add(-1)
        themes = []
        for t, xs in items.items():
            for label in self.fr.get(t, ()):
                themes.append((-len(xs), t, label))
        themes = [{"id": self.tid_of.get(t, t.removeprefix(THEME_NS)), "items": -n}
                  for n, t, _ in sorted(themes)]
        rows = {}
        for i in said:
            if self.recs[i][0] == "quote":
                self._said_rows(rows, i, "by")
        own = set(said)
        for w in self.created.get(o, ()):
            for q in self.quoted_from.get(w, ()):
                if q not in own:
                    self._said_rows(rows, q, "about")
        quotes = sorted(rows.values(), key=lambda r: (r["relation"], r["key"],
                                                      _opt(r["speaker"])))
        return {"info": info, "works": works, "themes": themes, "quotes": quotes,
                "said": self.speaker_rows(o)}

    def speaker_rows(self, o: str) -> list[dict]:
        """quotes.rq with ?speaker bound to thinker o: one row per source, by key then source."""
        rows = []
        name = self.pname[o]
        for i in sorted(self.said.get(o, ()), key=lambda i: self.recs[i][1]):
            _, key, _, _, (text, sources, locator, language, status) = self.recs[i][:5]
            if self.recs[i][0] != "quote" or text is None:
                continue
            srcs = sorted({self.seg(k) for k in sources}, key=lambda k: WORK_NS + k)
            for k in srcs or [None]:
                rows.append({"key": key, "text": text, "speaker": name, "source": k,
                             "locator": locator, "language": language, "status": status})
        return rows

    # whole-library lists and the named queries answered from here -------------
    def all_quotes(self) -> list[dict]:
        return [r for i in self.order["quote"] for r in self.quote_rows(i)]

    def all_claims(self) -> list[dict]:
        return [r for r in map(self._claim, self.order["claim"]) if r is not None]

    def named(self) -> dict:
        """Named queries (kg/queries/*.rq) that are aggregates over these records: their
        rows as SPARQL gives them, terms as (type, value, lang, datatype) tuples."""
        def lit(v, lang=None, dt=None):
            return ("literal", v, lang, dt)

        def num(n):
            return lit(str(n), None, XSD_INTEGER)

        kinds = {"work": KGO + "Work", "quote": KGO + "Quote", "claim": KGO + "Claim"}
        per_theme = {t: sorted(set(xs)) for t, xs in self.by_theme.items()}
        out = {}
        rows = []
        for t, xs in per_theme.items():
            n = sum(1 for i in xs if self.recs[i][0] == "work")
            if n:
                for label in sorted(set(self.fr.get(t, ()))):
                    rows.append((-n, t, label))
        rows.sort()
        out["works-per-theme"] = (["theme", "label", "works"], [
            (("uri", t, None, None), lit(label, "fr"), num(-n)) for n, t, label in rows])
        rows = []
        for t, xs in sorted(per_theme.items()):
            c: dict[str, int] = {}
            for i in xs:
                c[kinds[self.recs[i][0]]] = c.get(kinds[self.recs[i][0]], 0) + 1
            rows += [(("uri", t, None, None), ("uri", k, None, None), num(c[k]))
                     for k in sorted(c)]
        out["theme-counts"] = (["theme", "kind", "n"], rows)
        langs: dict[str, int] = {}
        for i in self.order["quote"]:
            lang = self.recs[i][4][3] or "unknown"
            langs[lang] = langs.get(lang, 0) + 1
        out["quotes-by-language"] = (["language", "quotes"], [
            (lit(lang), num(n)) for lang, n in sorted(langs.items(), key=lambda x: (-x[1],
                                                                                  x[0]))])
        rows = []
        for i in self.order["claim"]:
            _, key, _, _, (stmt, _, _, _, sources, status, note) = self.recs[i][:5]
            if stmt is None or sources:
                continue
            rows.append((("uri", ID + "claim/" + self.seg(key), None, None), lit(key),
                         lit(stmt), status and lit(status), note and lit(note)))
        out["claims-without-source"] = (["claim", "key", "statement", "status", "note"], rows)
        return out

    def search(self):
        """The full-text index: subjects numbered in IRI order, one line per text (folded,
        "\n"-joined), each line's subject number and weight, and per subject its details
        (IRI, kind, key, title, texts in the order title, description, value)."""
        from array import array
        from itertools import accumulate

        subjects = []
        for i, r in enumerate(self.recs):
            if r[5]:
                subjects.append((ID + r[0] + "/" + self.seg(r[1]), i))
        subjects.sort()
        lines, sid, weight, details = [], array("i"), bytearray(), []
        first = [0] * len(self.recs)  # record -> number of its first line
        for n, (s, i) in enumerate(subjects):
            kind, key, _, _, vals, found = self.recs[i]
            first[i] = len(lines)
            for w, f in found:
                lines.append(f)
                sid.append(n)
                weight.append(w)
            if kind == "work":
                title, texts = vals[0], [vals[0], vals[2]]
            else:
                title, texts = None, [vals[0]]
            details.append(marshal.dumps((s, kind, key, title,
                                          list(dict.fromkeys(t for t in texts if t)))))
        at, pos = array("q"), 0
        for d in details:
            at.append(pos)
            pos += len(d)
        at.append(pos)
        text = "\n".join(lines).encode("utf-8")
        # each line's offset in text (and one past the end)
        starts = array("q", accumulate(map((1).__add__, map(len, text.split(b"\n"))) if lines
                                       else (), initial=0))
        return (text, sid.tobytes(), bytes(weight), at.tobytes(), b"".join(details),
                starts.tobytes(), *self._postings(first))

    def _postings(self, first: list[int]) -> tuple[bytes, bytes]:
        """The whole-word index of the search lines (see the module doc): the chunks'
        indexes, their line numbers mapped to the file's."""
        from array import array

        post: dict[str, tuple] = {}
        i = 0
        for pt in self.parts:
            words = getattr(pt, "words", None)
            if words is None:
                words = _words([f for r in pt for _, f in r[5]])
            glob = []
            for r in pt:
                if r[5]:
                    f0 = first[i]
                    glob.extend(range(f0, f0 + len(r[5])))
                i += 1
            at = glob.__getitem__
            for w, (js, cs) in words.items():
                e = post.get(w)
                if e is None:
                    post[w] = e = (array("i"), [])
                e[0].extend(map(at, js))
                e[1].extend(cs)
        vocab = sorted(post)
        wat, pat, width, blobs = array("i"), array("q"), bytearray(), []
        wpos = ppos = 0
        for w in vocab:
            js, cs = post[w]
            wide = max(cs) > 255
            b = js.tobytes() + (array("I", cs).tobytes() if wide else bytes(cs))
            wat.append(wpos)
            wpos += len(w.encode("utf-8")) + 1
            pat.append(ppos)
            ppos += len(b)
            width.append(4 if wide else 1)
            blobs.append(b)
        wat.append(wpos)
        pat.append(ppos)
        head = marshal.dumps(("\n".join(vocab).encode("utf-8"), wat.tobytes(), pat.tobytes(),
                              bytes(width)))
        return head, b"".join(blobs)

    def _said_rows(self, rows: dict, i: int, relation: str) -> None:
        """thinker-quotes.rq rows of quote i (DISTINCT over the selected variables)."""
        _, key, _, _, (text, _, locator, _, _) = self.recs[i][:5]
        if text is None:
            return
        names = [self.pname[p] for p in self.speakers(i) if self.pname[p] is not None]
        for name in names or [None]:
            rows.setdefault((i, relation, name), {"key": key, "relation": relation,
                                                  "text": text, "speaker": name,
                                                  "locator": locator})

    # the file -----------------------------------------------------------------
    def half(self, which: str) -> tuple[dict, bytes]:
        """One of HALVES: its head entries (offsets from the half's start) and its blobs."""
        blobs: list[bytes] = []
        pos = 0

        def put(obj) -> tuple[int, int]:
            return raw(marshal.dumps(obj))

        def raw(b: bytes) -> tuple[int, int]:
            nonlocal pos
            blobs.append(b)
            pos += len(b)
            return (pos - len(b), len(b))

        if which == "index":  # the thinker toc inside "names" holds offsets: this half is first
            search_at = tuple(raw(b) for b in self.search())
            ttoc = {self.piri[s]: put(self.thinker_page(s)) for s in sorted(self.persons)}
            head = {"search": search_at, "names": put({"names": self.names(), "toc": ttoc}),
                    "relators": put(self.relators())}
        else:
            toc = {tid: put(self.theme_page(tid)) for tid in self.index}
            claims = self.all_claims()
            lists = {"quotes": put(self.all_quotes()), "claims": put(claims)}
            for st in ("sourced", "unsourced", "contested"):
                lists["claims-" + st] = put([r for r in claims if r["status"] == st])
            head = {"themes": self.index, "counts": self.theme_counts(), "toc": toc,
                    "lists": lists, "named": put(self.named()), "works": put(self.work_rows)}
        return head, b"".join(blobs)
