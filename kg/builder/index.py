"""The index of a large build (index.sqlite in its generation, SQLite): each piece's hash,
key and keywords fields (their print), each work's, quote's and claim's byte sizes in
graph.ttl and graph.jsonld, its problems and people, the people's names, the library's own
concepts as they were made; what an incremental build needs to redo only the entries that
changed (kg.builder.incremental), which updates a copy of it by key.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kg.builder import store as st
from kg.core.errors import Place, Problem
from kg.core.themes import Made

INDEX = st.INDEX
INDEX_VERSION = 6

_SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE chunks(pos INTEGER PRIMARY KEY, sha TEXT NOT NULL, key TEXT,
                    keywords TEXT NOT NULL);
CREATE TABLE records(key TEXT PRIMARY KEY, kind TEXT NOT NULL, nt INTEGER NOT NULL,
                     js INTEGER NOT NULL, problems TEXT, people TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE positions(key TEXT PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE people(slug TEXT PRIMARY KEY, given TEXT, family TEXT, suffix TEXT,
                    organization INTEGER NOT NULL) WITHOUT ROWID;
"""


class Chunk(NamedTuple):
    """A piece of the .bib as the index keeps it."""

    sha: str  # piece_sha of its text
    key: str | None  # the work, quote or claim it holds (None: context, or several entries)
    keywords: str  # kg.core.themes.keywords_print of its text ("*": see keyword_prints)


class Row(NamedTuple):
    """A work, quote or claim as the index keeps it (index_row)."""

    key: str
    kind: str
    nt: int  # the length of its block in graph.ttl
    js: int  # ... in graph.jsonld
    problems: str | None  # JSON: its problems, lines relative to its entry (None: none)
    people: str  # the slugs of its people, space-separated

    def slugs(self) -> list[str]:
        return self.people.split()

    def own_problems(self) -> list:
        return json.loads(self.problems) if self.problems else []


class Name(NamedTuple):
    """A person of the index: what kg.core.model.Name is made from again."""

    given: str
    family: str
    suffix: str
    organization: bool

    @classmethod
    def of(cls, person) -> Name:
        """The index's name of a kg.core.model.Person."""
        n = person.name
        return cls(n.given, n.family, n.suffix, bool(n.organization))


class PeopleTail(NamedTuple):
    """The thinkers' part of the flat files' tails (kg.core.graph.persons_out, before the
    file-level nodes): what it was made from (kg.core.graph.persons_print) and its lengths in
    graph.ttl and graph.jsonld; an incremental build keeps it when the print is the same."""

    print: str
    nt: int
    js: int


@dataclass
class Index:
    """What the previous build of a large library recorded (:func:`read_index`)."""

    usable: bool  # False: a piece held several entries, or none kg could scan alone
    parents: list[str]  # the crossref parents (context)
    chunks: list[Chunk]  # every piece, in file order
    positions: dict[str, int]  # every entry's position in the file
    records: dict[str, Row]
    people: dict[str, Name]
    heads: tuple[int, int]  # the lengths of graph.ttl's and graph.jsonld's heads (ontology)
    tails: tuple[int, int]  # ... of their tails (people, files)
    people_tail: PeopleTail  # the people's part of the tails
    counts: dict[str, int]
    ontology: str  # ontology_sha of the ontology's bytes with the library's own concepts
    own: list[Made]  # the library's own concepts as Thesaurus.adopt made them (replay)


_LINE = re.compile(r"\bline (\d+)")


_REL = re.compile(r"\bline \{(-?\d+)\}")


def relative(p: Problem, entry_line: int) -> list:
    """A problem of an entry, its line numbers (in the message too) relative to the entry;
    the place a message names (Problem.citing) kept as such."""
    if p.at is not None:
        return [p.line - entry_line, p.level, p.template, p.at.line - entry_line]
    msg = _LINE.sub(lambda m: f"line {{{int(m.group(1)) - entry_line}}}", p.message)
    return [p.line - entry_line, p.level, msg]


def absolute(path: str, key: str, entry_line: int, rel: list) -> Problem:
    line, level, msg, *at = rel
    if at:
        return Problem.citing(path, entry_line + line, key, level, msg,
                              Place(path, entry_line + at[0]))
    msg = _REL.sub(lambda m: f"line {int(m.group(1)) + entry_line}", msg)
    return Problem(path, entry_line + line, key, level, msg)


def ontology_sha(data: bytes) -> str:
    """The hash of the ontology's bytes with the library's own concepts: an incremental
    build whose ontology is not the same is a full one (its graph starts with it)."""
    return hashlib.sha1(data).hexdigest()


def piece_sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def index_row(key: str, kind: str, nt_size: int, js_size: int, problems: list[Problem],
              line: int, people: list[str]) -> Row:
    """What the index keeps of a work, quote or claim: its kind, the length of its blocks in
    graph.ttl and graph.jsonld, its problems (lines relative to its entry ``line``), the slugs
    of its people (their names are in the index's people table)."""
    return Row(key, kind, nt_size, js_size,
               json.dumps([relative(p, line) for p in problems], ensure_ascii=False)
               if problems else None, " ".join(people))


def _names(persons: dict):
    """The index's people rows of ``persons`` (slug -> kg.core.model.Person)."""
    return [(s, *Name.of(p)) for s, p in persons.items()]


def keyword_prints(pieces, fields) -> list[str]:
    """Each piece's :func:`kg.core.themes.keywords_print`, from the keywords fields
    Thesaurus.adopt found in the whole text (``fields``: start, end, value), without reading
    the text again.  A field that runs past its piece (a brace left open) gives it, and the
    pieces it runs over, "*": no incremental build's print equals it."""
    from bisect import bisect_right

    from kg.core.themes import fields_print

    starts, at = [], 0
    for chunk, _ in pieces:
        starts.append(at)
        at += len(chunk)
    found: dict[int, list[str]] = {}
    spans: set[int] = set()
    for a, b, raw in fields:  # kg.core.themes.Field
        i = bisect_right(starts, a) - 1
        found.setdefault(i, []).append(raw)
        j = bisect_right(starts, b - 1) - 1
        if j != i:
            spans.update(range(i, j + 1))
    return ["*" if i in spans else fields_print(found.get(i, [])) for i in range(len(pieces))]


def write_index(path: Path, pieces, piece_keys: dict, piece_shas: dict, keys: list[str],
                positions: list[int], rows: list[list[Row]], ctx, parent_keys: list[str],
                heads: tuple[int, int], tails: tuple[int, int], people_tail: PeopleTail,
                counts: dict, persons: dict, thesaurus, ontology: bytes) -> None:
    """Record what the next build needs to redo only what changed.  ``keys`` and
    ``positions``: the works, quotes and claims in file order; ``rows``: their index rows,
    made by the workers, chunk by chunk; ``piece_shas``: the hashes of the pieces the workers
    read (the others are made here); ``thesaurus``: adopted (its own concepts as made, the
    keywords fields where it found them); ``ontology``: the ontology's bytes with those
    concepts."""
    chunk_keys = [piece_keys.get(i) for i in range(len(pieces))]
    prints = keyword_prints(pieces, thesaurus.fields)
    keyed = [k for k in chunk_keys if k is not None]
    simple = set(keyed) == set(keys) and len(keyed) == len(keys)
    at = {e.key: e.position for e in ctx.entries}
    at.update(zip(keys, positions))
    meta = {"version": INDEX_VERSION, "usable": simple, "parents": parent_keys,
            "heads": list(heads), "tails": list(tails), "people_tail": list(people_tail),
            "counts": counts,
            "ontology": ontology_sha(ontology), "own": thesaurus.adopted_made}
    db = _create(path)
    try:
        db.executemany("INSERT INTO meta VALUES (?, ?)", _meta(meta))
        db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?)",
                       ((i, piece_shas.get(i) or piece_sha(text), key, prints[i])
                        for i, ((text, _), key) in enumerate(zip(pieces, chunk_keys))))
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)",
                       (r for part in rows for r in part))
        db.executemany("INSERT INTO positions VALUES (?, ?)", at.items())
        db.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?)", _names(persons))
        db.commit()
    finally:
        db.close()


def _create(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path))
    db.execute("PRAGMA journal_mode=OFF")  # a file of the stage: published whole or not
    db.execute("PRAGMA synchronous=OFF")
    db.executescript(_SCHEMA)
    return db


def _meta(values: dict):
    return [(k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()]


def read_index(path: Path) -> Index | None:
    """The index a large build wrote; None when it cannot be read or is of another version
    (the next build is then a full one)."""
    try:
        db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT name, value FROM meta")}
        if meta.get("version") != INDEX_VERSION:
            return None
        # rows made by _make, in C (an edit at 50,000 entries reads them all: 95 -> 48 ms for
        # the pieces)
        return Index(
            meta["usable"], meta["parents"],
            list(map(Chunk._make, db.execute("SELECT sha, key, keywords FROM chunks "
                                             "ORDER BY pos"))),
            dict(db.execute("SELECT key, position FROM positions")),
            {r.key: r for r in map(Row._make, db.execute("SELECT * FROM records"))},
            {r[0]: Name(r[1], r[2], r[3], bool(r[4])) for r in db.execute("SELECT * FROM people")},
            tuple(meta["heads"]), tuple(meta["tails"]), PeopleTail(*meta["people_tail"]),
            meta["counts"], meta["ontology"],
            [Made(*m) for m in meta["own"]])
    except (sqlite3.Error, ValueError, KeyError):
        return None
    finally:
        db.close()


def update_index(old: Path, new: Path, chunks: dict[int, Chunk], rows: list[Row],
                 persons: dict, counts: dict, tails: tuple[int, int],
                 people_tail: PeopleTail) -> None:
    """The index of an incremental build: generation ``old``'s copied to ``new``, the edited
    pieces (``chunks``, by position) and records (``rows``) replaced by key, the people of
    ``persons`` added or replaced, the counts and the tails rewritten."""
    shutil.copyfile(old, new)
    db = sqlite3.connect(str(new))
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.executemany("UPDATE chunks SET sha = ?, key = ?, keywords = ? WHERE pos = ?",
                       [(*c, i) for i, c in chunks.items()])
        db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT OR REPLACE INTO people VALUES (?, ?, ?, ?, ?)", _names(persons))
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       _meta({"counts": counts, "tails": list(tails),
                              "people_tail": list(people_tail)}))
        db.commit()
    finally:
        db.close()
