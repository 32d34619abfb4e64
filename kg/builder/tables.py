"""Writing the read model (kg.core.readmodel): a whole one from a build's rows (kg.core.rows),
an incremental build's change by key, and the aggregates refreshed after every write."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from kg.core import vocab
from kg.core.readmodel import (
    HEAD,
    INDEXES,
    NAME_SQL,
    RECORD_TABLES,
    SCHEMA,
    SLOTS,
    VERSION,
    name_rows,
)
from kg.core.rows import LineRow, PeopleRows, RecordRows, ThemeRow
from kg.core.vocab import PERSON_NS, THEME_NS


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


def _thinker_names(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Folded name -> the people it names (kg.core.names.people_keys), from every name of
    every person in the thinker-names order (name_rows)."""
    from kg.core.names import people_keys

    return people_keys(name_rows(*[conn.execute(sql).fetchall() for sql in NAME_SQL]),
                       PERSON_NS)
