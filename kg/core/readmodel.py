"""The read model: one SQLite file (``read.sqlite``) the query commands answer from.

The build writes it from the same records it turns into triples (kg.core.model.Record and
Person, the thesaurus), so the graph and the read model never disagree; an incremental build
updates it by key.  It lives here, in the core layer, because both sides use it: the builder
writes rows, kg.read reads them, and neither may import the other upward.

Tables (every value as the graph gives it, so that SQL answers equal the named queries')::

    meta(name, value)                 schema version, base IRI of the graph
    themes(id, iri, labels, alt, broader, narrower, fr)   the thesaurus (JSON lists/dicts)
    works(key, iri, title, year, annotation, shown, issued)
                                      shown: the year as outputs show it
                                      (kg.core.values.shown_year: 1988, "1965?", "2022–");
                                      issued: the date as written (dcterms:issued)
    quotes(key, iri, text, locator, language, status)
    claims(key, iri, statement, figure, unit, date, status, note, correction)
                                      figure: the number as read (kg.core.values:
                                      figure_literal its literal, figure_number its value)
    sources(item, source, pos, iri)   a quote's or claim's source keys (dcterms:source, cito)
                                      and the IRI the graph links to
    subjects(item, kind, theme)       dcterms:subject of a work, quote or claim (theme IRI)
    roles(item, kind, person, role)   author | speaker | editor | translator (person slug)
    people(slug, iri, name, sort, key, birth, death, nationality, description, same_as,
           description_en, thinker)   thinker: 1 a thinker, 0 another author
                                      (kg.core.model.THINKER_RULE, as rdf:type kgo:Thinker)
    aliases(slug, alias, pos), person_themes(slug, theme)
    lines(id, kind, key, iri, weight, text) + search (FTS5 over lines.text); id: the record's
                                      number times SLOTS plus the line's place (line_ids)
    vocabulary(term)                  the words search indexes (search_terms, kept as a table)
    theme_tree(ancestor, theme)       a theme id and the IRIs of its subtree (itself included)
    -- aggregates, refreshed after every write (refresh_aggregates):
    theme_counts(theme, works, quotes, claims)   direct counts per theme id
    theme_pages(theme, works, quotes, claims)    counts over a theme's subtree
    theme_thinkers(theme, person, works)         creators of works in a subtree, how many
    theme_works(theme, pos, key)                 a subtree's first HEAD works (year, key)
    theme_speakers(theme, person)                who speaks in the records on a theme IRI
    theme_names(name, theme)                     folded name -> the theme it names
    thinker_names(name, person, pos)             folded name -> the people it names
                                                 (kg.core.names.people_keys)
    named_results(name, json)    parameterless aggregate named queries: their SPARQL 1.1
                                 JSON results, computed by their .rq on the built store
                                 (when the build was given the function; see kg.api)

The subtree aggregates make `kg theme` cost the same on a theme of ten works and on one of
ten thousand (a broad theme of a large library); an incremental build refreshes those of the
themes its records are on.

Search lines hold the folded text (kg.core.latex.fold, whitespace collapsed), and the FTS5
table indexes its words (unicode61 over text fold() has already folded: accents and case as
fold() folds them, which unicode61's remove_diacritics does not do for œ, ß or ligatures).
A search word matches anywhere in a word, as it always did in kg (``numér`` finds
"numérique" and "dénumérer"): the words of the index's vocabulary that hold it are looked up,
the way the earlier digest's posting lists were, and the lines found are then checked and
counted.  The vocabulary is kept as a table, refreshed by every write: listing fts5vocab's
terms walks every posting list (50 ms at 50,000 entries, in each search), the table a few
hundred microseconds.  A whole-word index costs a ninth of a trigram one to
build (0.9 s against 7.9 s for 150,000 lines).  detail=none: half the size and the build
time.  Nothing here is pickled or marshalled: rows are plain SQL values.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kg.core import vocab
from kg.core.vocab import PERSON_NS, RDF, SKOS, THEME_NS, WD

NAME = "read.sqlite"
VERSION = 17
HEAD = 50  # works kept per theme in theme_works: enough for every default listing (20)

#: search weights: titles count most, then quotes and claims, then annotations
TITLE, TEXT, ANNOTATION = 3, 2, 1
#: a search line's id is its record's number times SLOTS plus its place in the record
SLOTS = 8

SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE themes(id TEXT PRIMARY KEY, iri TEXT NOT NULL, labels TEXT, alt TEXT,
                    broader TEXT, narrower TEXT, fr TEXT);
-- joined on its IRI by a thinker's themes: without it, every row scanned every theme (a
-- library's own keywords make thousands of them: 0.27 s for `kg thinker` at 50,000 entries)
CREATE INDEX themes_by_iri ON themes(iri);
CREATE TABLE works(key TEXT PRIMARY KEY, iri TEXT NOT NULL, title TEXT, year INTEGER,
                   annotation TEXT, shown, issued TEXT);
CREATE TABLE quotes(key TEXT PRIMARY KEY, iri TEXT NOT NULL, text TEXT, locator TEXT,
                    language TEXT, status TEXT);
CREATE TABLE claims(key TEXT PRIMARY KEY, iri TEXT NOT NULL, statement TEXT, figure TEXT,
                    unit TEXT, date TEXT, status TEXT, note TEXT, correction TEXT);
CREATE INDEX works_by_iri ON works(iri);
-- a work's title by its key, read from the index alone (a quote's source in the quotes named
-- query, 7,500 of them at 50,000 entries: the table's rows hold the long annotations)
CREATE INDEX works_titles ON works(key, title);
CREATE INDEX quotes_by_iri ON quotes(iri);
CREATE INDEX claims_by_iri ON claims(iri);
CREATE TABLE sources(item TEXT NOT NULL, source TEXT NOT NULL, pos INTEGER, iri TEXT,
                     PRIMARY KEY(item, source)) WITHOUT ROWID;
CREATE INDEX sources_by_source ON sources(source);
CREATE TABLE subjects(item TEXT NOT NULL, kind TEXT NOT NULL, theme TEXT NOT NULL,
                      PRIMARY KEY(theme, item)) WITHOUT ROWID;
CREATE INDEX subjects_by_item ON subjects(item);
CREATE TABLE roles(item TEXT NOT NULL, kind TEXT NOT NULL, person TEXT NOT NULL,
                   role TEXT NOT NULL, PRIMARY KEY(item, person, role)) WITHOUT ROWID;
CREATE INDEX roles_by_person ON roles(person);
CREATE TABLE people(slug TEXT PRIMARY KEY, iri TEXT NOT NULL, name TEXT, sort TEXT, key TEXT,
                    birth TEXT, death TEXT, nationality TEXT, description TEXT, same_as TEXT,
                    description_en TEXT, thinker INTEGER NOT NULL);
-- a thinker asked for by IRI (every named query of a thinker): without it, a scan of every
-- person (30,520 at 50,000 entries); with the names, every name of every person in IRI order
-- without reading the table (NAME_SQL, the thinker-names named query)
CREATE INDEX people_by_iri ON people(iri, name, sort, key);
-- a person's name and IRI by slug, read from the index alone (a quote's speaker)
CREATE INDEX people_names ON people(slug, name, iri);
CREATE TABLE aliases(slug TEXT NOT NULL, alias TEXT NOT NULL, pos INTEGER);
CREATE TABLE person_themes(slug TEXT NOT NULL, theme TEXT NOT NULL,
                           PRIMARY KEY(slug, theme)) WITHOUT ROWID;
CREATE INDEX person_themes_by_theme ON person_themes(theme);
CREATE TABLE lines(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
                   iri TEXT NOT NULL, weight INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX lines_by_key ON lines(key);
CREATE VIRTUAL TABLE search USING fts5(text, content='lines', content_rowid='id',
                                       tokenize='unicode61 remove_diacritics 0', detail=none);
CREATE VIRTUAL TABLE search_terms USING fts5vocab(search, 'row');
CREATE TABLE vocabulary(term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE theme_tree(ancestor TEXT NOT NULL, theme TEXT NOT NULL,
                        PRIMARY KEY(ancestor, theme)) WITHOUT ROWID;
CREATE INDEX theme_tree_by_theme ON theme_tree(theme);
CREATE TABLE theme_counts(theme TEXT PRIMARY KEY, works INTEGER, quotes INTEGER,
                          claims INTEGER);
CREATE TABLE theme_pages(theme TEXT PRIMARY KEY, works INTEGER, quotes INTEGER,
                         claims INTEGER);
CREATE TABLE theme_thinkers(theme TEXT NOT NULL, person TEXT NOT NULL, works INTEGER,
                            PRIMARY KEY(theme, person)) WITHOUT ROWID;
CREATE TABLE theme_speakers(theme TEXT NOT NULL, person TEXT NOT NULL,
                            PRIMARY KEY(theme, person)) WITHOUT ROWID;
CREATE TABLE theme_works(theme TEXT NOT NULL, pos INTEGER NOT NULL, key TEXT NOT NULL,
                         PRIMARY KEY(theme, pos)) WITHOUT ROWID;
CREATE TABLE theme_names(name TEXT PRIMARY KEY, theme TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE thinker_names(name TEXT NOT NULL, person TEXT NOT NULL, pos INTEGER);
CREATE INDEX thinker_names_name ON thinker_names(name);
CREATE TABLE named_results(name TEXT PRIMARY KEY, json TEXT NOT NULL);
"""

#: the secondary indexes of SCHEMA (a statement a line): a whole read model makes them once its
#: rows are in, each index sorted once instead of kept in order row after row (50,000 entries:
#: 3.1 -> 2.8 s for the writer, the last process of a build to end)
INDEXES = [line for line in SCHEMA.splitlines() if line.startswith("CREATE INDEX")]

#: the tables that hold rows of one record (deleted by key on an incremental build)
RECORD_TABLES = {"works": "key", "quotes": "key", "claims": "key", "sources": "item",
                 "subjects": "item", "roles": "item"}


# --------------------------------------------------------------------------- row types

class WorkRow(NamedTuple):
    key: str
    iri: str
    title: str | None
    year: int | None
    annotation: str | None
    shown: int | str | None  # the year shown, uncertainty kept (kg.core.values.shown_year)
    issued: str | None  # the date as the graph has it (dcterms:issued; typed by date_type)


class QuoteRow(NamedTuple):
    key: str
    iri: str
    text: str | None
    locator: str | None
    language: str | None
    status: str | None  # verbatim | attributed | paraphrase


class ClaimRow(NamedTuple):
    key: str
    iri: str
    statement: str | None
    figure: str | None  # the number as read (kg.core.model.parse_number)
    unit: str | None
    date: str | None
    status: str | None  # sourced | unsourced | contested
    note: str | None
    correction: str | None  # a contested claim's correct fact (kgo:correction)


class SourceRow(NamedTuple):
    item: str  # a quote's or claim's key
    source: str  # the key it names as source
    pos: int
    iri: str  # the IRI the graph links it to (kg.core.graph.work_iri)


class SubjectRow(NamedTuple):
    item: str
    kind: str  # work | quote | claim
    theme: str  # the theme's IRI


class RoleRow(NamedTuple):
    item: str
    kind: str
    person: str  # the person's slug
    role: str  # author | speaker | editor | translator


class LineRow(NamedTuple):
    """One searchable text of a record, folded."""

    kind: str
    key: str
    iri: str
    weight: int
    text: str


class PersonRow(NamedTuple):
    slug: str
    iri: str
    name: str | None
    sort: str | None
    key: str | None  # citekey of its @thinker entry
    birth: str | None
    death: str | None
    nationality: str | None
    description: str | None
    same_as: str | None
    description_en: str | None  # schema:description in English
    thinker: int  # 1: a thinker (kgo:Thinker), 0: another author (kgo:Contributor)


class AliasRow(NamedTuple):
    slug: str
    alias: str
    pos: int


class PersonThemeRow(NamedTuple):
    slug: str
    theme: str  # IRI


class ThemeRow(NamedTuple):
    id: str
    iri: str
    labels: str  # JSON {lang: label}
    alt: str  # JSON [label]
    broader: str  # JSON [id]
    narrower: str  # JSON [id]
    fr: str  # JSON [French preferred labels], sorted


@dataclass
class RecordRows:
    """The rows of some works, quotes and claims (one build chunk, or the records an
    incremental build redid): what crosses from a worker process to the writer."""

    works: list[WorkRow] = field(default_factory=list)
    quotes: list[QuoteRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    roles: list[RoleRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)

    def keys(self) -> list[str]:
        return [r.key for r in (*self.works, *self.quotes, *self.claims)]


@dataclass
class PeopleRows:
    people: list[PersonRow] = field(default_factory=list)
    aliases: list[AliasRow] = field(default_factory=list)
    themes: list[PersonThemeRow] = field(default_factory=list)


# --------------------------------------------------------------------------- records -> rows

_ROLES = {"author": "author", "speaker": "speaker", "editor": "editor",
          "translator": "translator"}
_QUOTE_STATUS = ("verbatim", "attributed", "paraphrase")
_CLAIM_STATUS = ("sourced", "unsourced", "contested")


def record_rows(records: Iterable) -> RecordRows:
    """The rows of these kg.core.model.Record objects: what kg/core/graph.py writes of them,
    as the named queries read it back (no other record needed: a worker can do it)."""
    from kg.core.graph import record_iri, theme_iri

    out = RecordRows()
    for rec in records:
        iri = record_iri(rec)
        for t in dict.fromkeys(rec.themes):
            out.subjects.append(SubjectRow(rec.key, rec.kind, theme_iri(t)))
        for role, slug in dict.fromkeys((r, s) for r, s, _ in rec.people if r in _ROLES):
            out.roles.append(RoleRow(rec.key, rec.kind, slug, role))
        if rec.kind == "work":
            _work(rec, iri, out)
        elif rec.kind == "quote":
            _quote(rec, iri, out)
        else:
            _claim(rec, iri, out)
    return out


def _work(rec, iri: str, out: RecordRows) -> None:
    from kg.core.graph import year_of
    from kg.core.values import shown_year

    v = rec.values
    date = (v.get("date") or v.get("year", "")).strip()
    out.works.append(WorkRow(rec.key, iri, v.get("title") or None,
                             year_of(date) if date else None,
                             v.get("annotation") or v.get("annote") or None,
                             shown_year(date) if date else None, date or None))
    for weight, text in ((TITLE, v.get("title", "")), (TITLE, v.get("subtitle", "")),
                         (ANNOTATION, v.get("annotation") or v.get("annote", ""))):
        if text:
            out.lines.append(LineRow("work", rec.key, iri, weight, fold_words(text)))


def _sources(rec, out: RecordRows) -> None:
    from kg.core.graph import work_iri

    for i, k in enumerate(dict.fromkeys(rec.refs.get("source", []))):
        out.sources.append(SourceRow(rec.key, k, i, work_iri(k)))


def _quote(rec, iri: str, out: RecordRows) -> None:
    from kg.core.graph import language_code

    v = rec.values
    status = v.get("status", "").lower()
    text = v.get("quote") or None
    out.quotes.append(QuoteRow(
        rec.key, iri, text, v.get("locator") or v.get("pages") or None,
        (language_code(v["langid"]) or None) if v.get("langid") else None,
        status if status in _QUOTE_STATUS else None))
    _sources(rec, out)
    if text:
        out.lines.append(LineRow("quote", rec.key, iri, TEXT, fold_words(text)))


def _claim(rec, iri: str, out: RecordRows) -> None:
    from kg.core.model import parse_number

    v = rec.values
    status = v.get("status", "").lower()
    number = parse_number(v.get("figure", "")) if v.get("figure") else None
    statement = v.get("statement") or None
    out.claims.append(ClaimRow(
        rec.key, iri, statement, number, v.get("unit") or None,
        v.get("date", "").strip() or None, status if status in _CLAIM_STATUS else None,
        v.get("note") or None, v.get("correction") or None))
    _sources(rec, out)
    if statement:
        out.lines.append(LineRow("claim", rec.key, iri, TEXT, fold_words(statement)))


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


def people_rows(persons: dict) -> PeopleRows:
    """The rows of every thinker (slug -> kg.core.model.Person)."""
    from kg.core.graph import person_iri, theme_iri

    out = PeopleRows()
    for s, p in persons.items():
        out.people.append(PersonRow(
            s, person_iri(s), p.name.display or None, p.name.sort or None,
            p.entry.key if p.entry is not None else None, p.birth.strip() or None,
            p.death.strip() or None, p.nationality or None, p.description or None,
            WD + p.wikidata if p.wikidata else None, p.description_en or None,
            int(p.thinker)))
        out.aliases.extend(AliasRow(s, a, i) for i, a in enumerate(p.aliases))
        out.themes.extend(PersonThemeRow(s, theme_iri(t)) for t in dict.fromkeys(p.themes))
    return out


def theme_rows(onto_bytes: bytes) -> list[ThemeRow]:
    """Every skos:Concept of the ontology as the theme-labels named query gives it (read
    from the same triples): preferred labels by language, alternative labels by language
    then label, broader themes by IRI, narrower ones (the inverse of broader) sorted."""
    import pyoxigraph as ox

    concepts: set[str] = set()
    pref: dict[str, list] = {}
    alt: dict[str, list] = {}
    broader: dict[str, set] = {}
    for t in ox.parse(onto_bytes, format=ox.RdfFormat.TURTLE):
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if p == RDF_TYPE and o.value == SKOS.Concept:
            concepts.add(s.value)
        elif p in (SKOS.prefLabel, SKOS.altLabel) and isinstance(o, ox.Literal):
            (pref if p.endswith("prefLabel") else alt).setdefault(s.value, []).append(
                (o.language or "", o.value))
        elif p == SKOS.broader and not isinstance(o, ox.Literal):
            broader.setdefault(s.value, set()).add(o.value)
    ids = {c: c.removeprefix(THEME_NS) for c in concepts}
    narrower: dict[str, set] = {}
    for c in concepts:
        for b in broader.get(c, ()):
            if b in concepts:
                narrower.setdefault(b, set()).add(ids[c])
    out = []
    for c in sorted(concepts):
        labels = dict((lang or "fr", v) for lang, v in sorted(set(pref.get(c, ()))))
        out.append(ThemeRow(
            ids[c], c, _json(labels), _json([v for _, v in sorted(set(alt.get(c, ())))]),
            _json([b.removeprefix(THEME_NS) for b in sorted(broader.get(c, ()))]),
            _json(sorted(narrower.get(c, ()))),
            _json(sorted(v for lang, v in set(pref.get(c, ())) if lang == "fr"))))
    return out


RDF_TYPE = RDF.type


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- writing

def connect(path: str | Path, create: bool = False, indexes: bool = True) -> sqlite3.Connection:
    """A connection for writing (the build's staging copy: no journal, no sync; the file is
    published by rename once complete, so a crash leaves nothing half-written in sight).
    ``create``: the schema made, its secondary indexes (INDEXES) only if ``indexes``."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA temp_store=MEMORY")
    if create:
        conn.executescript(SCHEMA if indexes else "\n".join(
            line for line in SCHEMA.splitlines() if line not in INDEXES))
        conn.execute("INSERT INTO meta VALUES ('version', ?)", (str(VERSION),))
        conn.execute("INSERT INTO meta VALUES ('base', ?)", (vocab.BASE,))
    return conn


def write(path: str | Path, themes: list[ThemeRow], chunks: Iterable[RecordRows],
          people: PeopleRows) -> None:
    """A whole read model, from the rows of every chunk of records in file order."""
    conn = connect(path, create=True, indexes=False)
    try:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO themes VALUES (?,?,?,?,?,?,?)", themes)
        conn.executemany("INSERT INTO theme_tree VALUES (?,?)", _tree(themes))
        conn.executemany("INSERT INTO theme_names VALUES (?,?)", _theme_names(themes).items())
        for rows in chunks:
            insert_records(conn, rows)
        write_people(conn, people)
        for sql in INDEXES:  # before the aggregates, which read through them
            conn.execute(sql)
        refresh_aggregates(conn)
        conn.execute("COMMIT")
    finally:
        conn.close()


def update(path: str | Path, keys: Iterable[str], rows: RecordRows,
           people: PeopleRows | None) -> None:
    """An incremental build's change: the records of ``keys`` replaced by ``rows``, the
    people replaced (None: they are as they were), the aggregates refreshed (the result
    equals a full build's)."""
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        keys = list(keys)
        before = _shape(conn, keys)
        delete_records(conn, keys)
        insert_records(conn, rows)
        if people is not None:
            write_people(conn, people)
        after = _shape(conn, keys)
        refresh_aggregates(conn, set() if after == before else
                           {r[2] for r in (*before[0], *after[0])}, names=people is not None)
        conn.execute("COMMIT")
    finally:
        conn.close()


def insert_records(conn: sqlite3.Connection, rows: RecordRows) -> None:
    conn.executemany("INSERT INTO works VALUES (?,?,?,?,?,?,?)", rows.works)
    conn.executemany("INSERT INTO quotes VALUES (?,?,?,?,?,?)", rows.quotes)
    conn.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?)", rows.claims)
    conn.executemany("INSERT OR IGNORE INTO sources VALUES (?,?,?,?)", rows.sources)
    conn.executemany("INSERT OR IGNORE INTO subjects VALUES (?,?,?)", rows.subjects)
    conn.executemany("INSERT OR IGNORE INTO roles VALUES (?,?,?,?)", rows.roles)
    first = conn.execute("SELECT coalesce(max(id), -1) FROM lines").fetchone()[0] // SLOTS + 1
    conn.executemany("INSERT INTO lines VALUES (?,?,?,?,?,?)",
                     ((i, *r) for i, r in zip(line_ids(rows.lines, first), rows.lines)))
    conn.execute("INSERT INTO search(rowid, text) SELECT id, text FROM lines WHERE id >= ?",
                 (first * SLOTS,))


def line_ids(lines: list[LineRow], first: int) -> list[int]:
    """The ids of a record's search lines: its number (from ``first``, a record after
    another) times SLOTS, plus the line's place among the record's lines (title, subtitle,
    annotation): a search groups the lines it finds by record without reading their IRIs."""
    out, n, at, iri = [], first - 1, 0, None
    for line in lines:
        if line.iri != iri:
            n, at, iri = n + 1, 0, line.iri
        else:
            at += 1
        if at >= SLOTS:
            raise ValueError(f"{line.key}: more than {SLOTS} search lines")
        out.append(n * SLOTS + at)
    return out


def delete_records(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Every row of these records (works, quotes, claims, their links and search lines)."""
    keys = [(k,) for k in dict.fromkeys(keys)]
    conn.executemany("INSERT INTO search(search, rowid, text) SELECT 'delete', id, text "
                     "FROM lines WHERE key = ?", keys)
    conn.executemany("DELETE FROM lines WHERE key = ?", keys)
    for table, column in RECORD_TABLES.items():
        conn.executemany(f"DELETE FROM {table} WHERE {column} = ?", keys)


def write_people(conn: sqlite3.Connection, rows: PeopleRows) -> None:
    """Every thinker, replacing those there were (they are few, and derive from all the
    records: an incremental build rewrites them whole)."""
    for table in ("people", "aliases", "person_themes"):
        conn.execute(f"DELETE FROM {table}")
    conn.executemany("INSERT INTO people VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows.people)
    conn.executemany("INSERT INTO aliases VALUES (?,?,?)", rows.aliases)
    conn.executemany("INSERT OR IGNORE INTO person_themes VALUES (?,?)", rows.themes)


def write_named(path: str | Path, results: dict[str, str]) -> None:
    """Replace the cached named query results (name -> SPARQL 1.1 Query Results JSON)."""
    conn = connect(path)
    try:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM named_results")
        conn.executemany("INSERT INTO named_results VALUES (?, ?)", sorted(results.items()))
        conn.execute("COMMIT")
    finally:
        conn.close()


def is_current(path: str | Path) -> bool:
    """True when ``path`` is a read model of this VERSION and of this process's base IRI (an
    incremental build may update it; anything else means a full build)."""
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            got = dict(conn.execute(
                "SELECT name, value FROM meta WHERE name IN ('version', 'base')"))
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return got == {"version": str(VERSION), "base": vocab.BASE}


def speakers(path: str | Path, but: Iterable[str] = ()) -> set[str]:
    """The slugs of the speakers of a read model's records, but those of the records ``but``
    (an incremental build: the people of the records it did not redo)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return {s for (s,) in conn.execute(
            "SELECT DISTINCT person FROM roles WHERE role = 'speaker' AND item NOT IN "
            "(SELECT value FROM json_each(?))", (json.dumps(list(but)),))}
    finally:
        conn.close()


def read_named(path: str | Path) -> dict[str, str]:
    """The cached named query results of a read model (name -> SPARQL JSON)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT name, json FROM named_results"))
    finally:
        conn.close()


def _tree(themes: list[ThemeRow]) -> list[tuple[str, str]]:
    """(theme id, IRI of a theme in its subtree): the theme and its narrower ones, as
    kg.read.query.subtree walks them."""
    by_id = {t.id: t for t in themes}
    out = []
    for t in themes:
        seen, todo = [], [t.id]
        while todo:
            x = todo.pop(0)
            if x in seen or x not in by_id:
                continue
            seen.append(x)
            todo.extend(json.loads(by_id[x].narrower))
        out += [(t.id, by_id[x].iri) for x in seen]
    return out


def _shape(conn: sqlite3.Connection, keys: list[str]) -> tuple[list, list, list]:
    """What the theme aggregates read of these records: their subjects, roles and (key,
    year); an edit that leaves them as they were (a title, a note) refreshes none."""
    which = (json.dumps(keys),)
    return tuple(sorted(conn.execute(sql, which).fetchall(), key=repr) for sql in (
        "SELECT item, kind, theme FROM subjects WHERE item IN (SELECT value FROM json_each(?))",
        "SELECT * FROM roles WHERE item IN (SELECT value FROM json_each(?))",
        "SELECT key, year FROM works WHERE key IN (SELECT value FROM json_each(?))"))


def refresh_aggregates(conn: sqlite3.Connection, themes: set[str] | None = None,
                       names: bool = True) -> None:
    """Every aggregate, from the tables (after any write); the subtree ones only for the
    themes above these theme IRIs (None: all); the names of the people (thinker_names) unless
    ``names`` is False (the people are as they were: 2.5 s at 30,000 people)."""
    refresh_subtrees(conn, None if themes is None else {a for (a,) in conn.execute(
        "SELECT DISTINCT ancestor FROM theme_tree WHERE theme IN "
        "(SELECT value FROM json_each(?))", (json.dumps(sorted(themes)),))})
    refresh_speakers(conn, themes)
    conn.execute("DELETE FROM theme_counts")
    conn.execute("""
        INSERT INTO theme_counts
        SELECT coalesce(t.id, substr(s.theme, length(?) + 1)),
               sum(s.kind = 'work'), sum(s.kind = 'quote'), sum(s.kind = 'claim')
        FROM subjects s LEFT JOIN themes t ON t.iri = s.theme
        GROUP BY s.theme""", (THEME_NS,))
    if names:
        conn.execute("DELETE FROM thinker_names")
        rows = ((k, p) for k, ps in _thinker_names(conn).items() for p in ps)
        conn.executemany("INSERT INTO thinker_names VALUES (?,?,?)",
                         ((k, p, i) for i, (k, p) in enumerate(rows)))
    conn.execute("DELETE FROM vocabulary")
    conn.execute("INSERT INTO vocabulary SELECT term FROM search_terms")


def refresh_speakers(conn: sqlite3.Connection, themes: set[str] | None) -> None:
    """theme_speakers of these theme IRIs (None: all)."""
    if themes is None:
        conn.execute("DELETE FROM theme_speakers")
        where, args = "", ()
    else:
        args = (json.dumps(sorted(themes)),)
        conn.execute("DELETE FROM theme_speakers WHERE theme IN "
                     "(SELECT value FROM json_each(?))", args)
        where = " AND s.theme IN (SELECT value FROM json_each(?))"
    conn.execute(f"""INSERT INTO theme_speakers SELECT DISTINCT s.theme, r.person
        FROM subjects s JOIN roles r ON r.item = s.item AND r.role = 'speaker'{where}""",
                 args)


_TREE_ITEMS = ("SELECT t.ancestor, s.kind, s.item FROM theme_tree t "
               "JOIN subjects s ON s.theme = t.theme")


def refresh_subtrees(conn: sqlite3.Connection, ancestors: set[str] | None) -> None:
    """theme_pages, theme_thinkers and theme_works of these theme ids (None: all), from the
    items of each subtree read once: the counts, each author's works and the first HEAD works
    (by year, no year first, then key) made here.  (As three SQL statements, each grouping or
    ranking the 160,000 items of 3,500 subtrees again, it took 2.8 s at 50,000 entries with
    their own keywords: the longest part of the read model's writing, the end of a build.)"""
    import heapq
    from collections import defaultdict

    if ancestors is None:
        for table in ("theme_pages", "theme_thinkers", "theme_works"):
            conn.execute(f"DELETE FROM {table}")
        items = conn.execute(_TREE_ITEMS)
    else:
        which = (json.dumps(sorted(ancestors)),)
        for table in ("theme_pages", "theme_thinkers", "theme_works"):
            conn.execute(f"DELETE FROM {table} WHERE theme IN "
                         "(SELECT value FROM json_each(?))", which)
        items = conn.execute(_TREE_ITEMS + " WHERE t.ancestor IN (SELECT value FROM json_each(?))",
                             which)
    slot = {"work": 0, "quote": 1, "claim": 2}
    pages: dict[str, list[int]] = {}
    works: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple] = set()  # an item under two themes of a subtree counts once
    for row in items:
        if row in seen:
            continue
        seen.add(row)
        ancestor, kind, item = row
        counts = pages.get(ancestor)
        if counts is None:
            counts = pages[ancestor] = [0, 0, 0]
        if kind in slot:
            counts[slot[kind]] += 1
        if kind == "work":
            works[ancestor].append(item)
    conn.executemany("INSERT INTO theme_pages VALUES (?,?,?,?)",
                     ((t, *c) for t, c in pages.items()))
    if not works:
        return
    years: dict[str, tuple] = {}  # a work's place in a theme's list: no year first
    for key, year in conn.execute("SELECT key, year FROM works"):
        years[key] = (year is not None, year or 0, key)
    authors: dict[str, set[str]] = defaultdict(set)
    for item, person in conn.execute(
            "SELECT item, person FROM roles WHERE role IN ('author', 'speaker')"):
        authors[item].add(person)
    thinkers, firsts = [], []
    for ancestor, keys in works.items():
        n: dict[str, int] = defaultdict(int)
        for key in keys:
            for person in authors.get(key, ()):
                n[person] += 1
        thinkers.extend((ancestor, person, k) for person, k in n.items())
        ranked = heapq.nsmallest(HEAD, (years[k] for k in keys if k in years))
        firsts.extend((ancestor, i, key) for i, (_, _, key) in enumerate(ranked, 1))
    conn.executemany("INSERT INTO theme_thinkers VALUES (?,?,?)", thinkers)
    conn.executemany("INSERT INTO theme_works VALUES (?,?,?)", firsts)


def _theme_names(themes: list[ThemeRow]) -> dict[str, str]:
    """Folded name -> theme id, as Library.find_theme reads them (kg.core.names.theme_keys)."""
    from kg.core.names import theme_keys

    return theme_keys((t.id, [*json.loads(t.labels).values(), *json.loads(t.alt)])
                      for t in sorted(themes, key=lambda t: t.iri))


#: the statements of every name of every person (the thinker-names named query, unfolded by
#: name_rows): every person in IRI order, read from the index people_by_iri, which holds the
#: names; their aliases.  The kinds of name never repeat a row of another kind: only aliases
#: are made distinct
NAME_SQL = ("SELECT iri, name, sort, key FROM people ORDER BY iri",
            "SELECT DISTINCT p.iri, a.alias, 'alias' FROM aliases a JOIN people p USING (slug) "
            "WHERE a.alias != '' ORDER BY p.iri, a.alias")


def name_rows(people: list[tuple], aliases: list[tuple]) -> list[tuple[str, str, str]]:
    """(IRI, name, kind) of every name of every person, from the rows of NAME_SQL: each kind of
    name after the other, in the thinker-names query's order (kind, thinker, name; a person's
    IRI is unique, so its order is the whole order).  Three kinds read from one statement:
    62,040 rows in 28 ms, where a statement per kind took 41 (a row's IRI and kind made once,
    not once per row) and one statement sorting them 100."""
    rows = [(i, n, "name") for i, n, _, _ in people if n is not None]
    rows += [(i, s, "sort") for i, _, s, _ in people if s is not None]
    rows += aliases
    rows += [(i, k, "key") for i, _, _, k in people if k]
    return rows


def _thinker_names(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Folded name -> the people it names (kg.core.names.people_keys), from every name of
    every person in the thinker-names order (name_rows)."""
    from kg.core.names import people_keys

    return people_keys(name_rows(*[conn.execute(sql).fetchall() for sql in NAME_SQL]),
                       PERSON_NS)


def content(path: str | Path) -> dict[str, list]:
    """Every table's rows, sorted (search lines without their ids): for comparing two read
    models (an incremental build's and a full build's)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search%' "
            "AND name NOT LIKE 'sqlite%' ORDER BY name")]
        out = {}
        for t in tables:
            cols = "kind, key, iri, weight, text" if t == "lines" else "*"
            out[t] = sorted(conn.execute(f"SELECT {cols} FROM {t}").fetchall(), key=repr)
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search, 'row')")
        out["search"] = conn.execute("SELECT * FROM temp.terms ORDER BY term").fetchall()
        out["search-hits"] = sorted(conn.execute(
            "SELECT l.key, l.text FROM search JOIN lines l ON l.id = search.rowid "
            "WHERE search MATCH 'surveillance OR numerique'").fetchall())
        return out
    finally:
        conn.close()
