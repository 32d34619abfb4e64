"""The read model: one SQLite file (``read.sqlite``) the query commands answer from.

The build writes it from the same records it turns into triples (kg.core.model.Record and
Person, the thesaurus), so the graph and the read model never disagree; an incremental build
updates it by key.  This module is what both sides agree on: the schema, its version, the
constants and the statements that reading needs; it lives in the core layer because both use
it, and neither may import the other upward.  The rows made from records are
kg.core.rows (a worker process makes them), their writing kg.builder.tables; a query imports
neither (4 ms of row types at each start).

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
                                      number times SLOTS plus the line's place
                                      (kg.builder.tables.line_ids)
    vocabulary(term)                  the words search indexes (search_terms, kept as a table)
    theme_tree(ancestor, theme)       a theme id and the IRIs of its subtree (itself included)
    -- aggregates, refreshed after every write (kg.builder.tables.refresh_aggregates):
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
from pathlib import Path

from kg.core import vocab

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


def speakers(path: str | Path, keys: Iterable[str]) -> tuple[set[str], set[str]]:
    """The slugs of the speakers of a read model's records ``keys``, and of its other records
    (an incremental build: the people of the records it redoes and of those it keeps), in one
    read."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        mine: set[str] = set()
        others: set[str] = set()
        for person, redone in conn.execute(
                "SELECT DISTINCT person, item IN (SELECT value FROM json_each(?)) FROM roles "
                "WHERE role = 'speaker'", (json.dumps(list(keys)),)):
            (mine if redone else others).add(person)
        return mine, others
    finally:
        conn.close()


def read_named(path: str | Path) -> dict[str, str]:
    """The cached named query results of a read model (name -> SPARQL JSON)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT name, json FROM named_results"))
    finally:
        conn.close()


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
