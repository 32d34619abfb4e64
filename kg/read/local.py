"""The local answers: SQL over the read model (read.sqlite, kg.core.readmodel).

Every function returns the rows the named query of the same answer gives (kg/read/queries),
grouped, ordered and counted the same way: SQL's NULLs sort first as SPARQL's unbound values
do, and its BINARY collation is code point order, as SPARQL's string order is.
tests/core/test_readmodel.py checks both on the shipped corpus and a generated library.

Opened read-only: the build publishes a new file by rename, never writing a live one, so the
connection is also ``immutable`` (no locks, no journal looked for).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from kg.core.errors import KgError
from kg.core.readmodel import HEAD, NAME, NAME_SQL, SLOTS, VERSION, name_rows
from kg.core.vocab import PERSON_NS, THEME_NS

RELATED = 15  # thinker-related.rq: LIMIT 15


def connect(folder: Path) -> sqlite3.Connection:
    """The read model of a live generation folder, read-only; KgError when there is none."""
    path = Path(folder) / NAME
    if not path.is_file():
        raise KgError(f"no read model in {folder}/ ({NAME}): run `kg build`")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True,
                               check_same_thread=False)
        # pages read from the file's memory map, not copied by a read each: the first answer
        # of a process reads them all from the OS (7,500 quotes with their speakers and
        # sources: 0.075 -> 0.067 s)
        conn.execute("PRAGMA mmap_size = 1073741824")
        conn.execute("PRAGMA temp_store = MEMORY")  # a large answer sorted in memory: 3 ms less
        got = conn.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
    except sqlite3.DatabaseError as e:
        raise KgError(f"cannot read {path} ({e}): run `kg build`") from None
    if got is None or got[0] != str(VERSION):
        raise KgError(f"{path} was written by another version of kg: run `kg build`")
    return conn


def _opt(v):
    """A sort key for a value SPARQL may leave unbound (unbound first)."""
    return (0, "") if v is None else (1, v)


def _dicts(cur: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur]


# --------------------------------------------------------------------------- themes

class ThemeRows(Mapping):
    """Library.theme_index() of a read model: id -> {id, iri, labels, alt, broader,
    narrower}, in theme IRI order; a theme is read when asked for, all of them only when
    they are gone through.  A library's own keywords make thousands of themes: reading them
    all (15,000 rows of JSON, 0.15 s at 50,000 entries) for the few a command shows cost
    `kg work` a third of its time."""

    _COLS = "SELECT id, iri, labels, alt, broader, narrower FROM themes"

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._rows: dict[str, dict] = {}
        self._all = False

    def _read(self, sql: str, args: tuple = ()) -> None:
        for tid, iri, labels, alt, broader, narrower in self._db.execute(sql, args):
            self._rows[tid] = {"id": tid, "iri": iri, "labels": json.loads(labels),
                               "alt": json.loads(alt), "broader": json.loads(broader),
                               "narrower": json.loads(narrower)}

    def __getitem__(self, tid: str) -> dict:
        if tid not in self._rows and not self._all:
            self._read(self._COLS + " WHERE id = ?", (tid,))
        return self._rows[tid]

    def _every(self) -> dict[str, dict]:
        if not self._all:
            self._rows.clear()
            self._read(self._COLS + " ORDER BY iri")
            self._all = True
        return self._rows

    def __iter__(self):
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


def theme_name(db: sqlite3.Connection, key: str) -> str | None:
    """The id of the theme a folded name names (kg.core.names.theme_keys), or None."""
    got = db.execute("SELECT theme FROM theme_names WHERE name = ?", (key,)).fetchone()
    return got[0] if got else None


def theme_counts(db: sqlite3.Connection) -> dict[str, dict]:
    """Direct works, quotes and claims per theme id (the theme-counts named query)."""
    return {t: {"works": w, "quotes": q, "claims": c}
            for t, w, q, c in db.execute("SELECT theme, works, quotes, claims FROM theme_counts")}


_ITEMS = "SELECT DISTINCT s.item FROM theme_tree t JOIN subjects s ON s.theme = t.theme " \
         "WHERE t.ancestor = ? AND s.kind = ?"


def on_theme(kind: str, tid: str) -> tuple[str, tuple]:
    """(SQL, arguments) selecting the keys of the records of ``kind`` on a theme's subtree."""
    return _ITEMS, (tid, kind)


def theme_page(db: sqlite3.Connection, tid: str, limit: int | None) -> dict:
    """Counts, thinkers, works (the first ``limit``), quotes and claims (the first ``limit``
    rows) of a theme and its narrower themes (theme-size, theme-thinkers, theme-works +
    work-authors, quotes, claims): counts, thinkers and the first works from the build's
    aggregates."""
    got = db.execute("SELECT works, quotes, claims FROM theme_pages WHERE theme = ?",
                     (tid,)).fetchone() or (0, 0, 0)
    counts = dict(zip(("works", "quotes", "claims"), got))
    people = {1: [], 0: []}  # thinkers, other authors (kg.core.model.THINKER_RULE)
    for iri, name, n, thinker in db.execute("""
        SELECT p.iri, p.name, max(x.n) AS n, p.thinker
        FROM (SELECT person, works AS n FROM theme_thinkers WHERE theme = ?1
              UNION ALL SELECT slug, 0 FROM person_themes
              WHERE theme IN (SELECT theme FROM theme_tree WHERE ancestor = ?1)) x
        JOIN people p ON p.slug = x.person
        WHERE p.name IS NOT NULL GROUP BY p.slug ORDER BY n DESC, p.name, p.iri""", (tid,)):
        people[thinker].append({"thinker": iri.removeprefix(PERSON_NS), "name": name,
                                "works": n})
    thinkers, contributors = people[1], people[0]
    counts["thinkers"] = len(thinkers)
    counts["contributors"] = len(contributors)
    if limit and 0 < limit <= HEAD:
        works = work_rows(db, """SELECT w.key, w.shown, w.title, w.annotation
            FROM theme_works t JOIN works w ON w.key = t.key
            WHERE t.theme = ? ORDER BY t.pos LIMIT ?""", (tid, limit))
    else:
        works = work_rows(db, f"""SELECT w.key, w.shown, w.title, w.annotation
            FROM ({_ITEMS}) x JOIN works w ON w.key = x.item
            ORDER BY w.year, w.key{_take(limit)}""", (tid, "work"))
    return {"counts": counts, "thinkers": thinkers, "contributors": contributors,
            "works": works,
            "quotes": quote_rows(db, *on_theme("quote", tid), limit=limit),
            "claims": claim_rows(db, *on_theme("claim", tid), limit=limit)}


def work_rows(db: sqlite3.Connection, sql: str, args: tuple) -> list[dict]:
    """Work rows (key, year as shown, title, annotation selected by ``sql``), with their authors:
    the creators' names sorted and joined by "; " (work-authors.rq)."""
    rows = [{"key": k, "year": y, "title": t, "authors": None, "annotation": a}
            for k, y, t, a in db.execute(sql, args)]
    if rows:
        names: dict[str, list[str]] = {}
        for key, name in db.execute("""
                SELECT r.item, p.name FROM roles r JOIN people p ON p.slug = r.person
                WHERE r.item IN (SELECT value FROM json_each(?))
                  AND r.role IN ('author', 'speaker') AND p.name IS NOT NULL
                GROUP BY r.item, r.person""", (json.dumps([r["key"] for r in rows]),)):
            names.setdefault(key, []).append(name)
        for r in rows:
            if r["key"] in names:
                r["authors"] = "; ".join(sorted("; ".join(names[r["key"]]).split("; ")))
    return rows


def _take(limit: int | None) -> str:
    return f" LIMIT {int(limit)}" if limit and limit > 0 else ""


def quote_rows(db: sqlite3.Connection, keys_sql: str = "SELECT key FROM quotes",
               args: tuple = (), limit: int | None = None) -> list[dict]:
    """quotes.rq rows of the quotes whose keys ``keys_sql`` selects: one per (named
    speaker, source), by key, speaker name, speaker, source (``limit``: the first rows)."""

    quotes = db.execute(f"""SELECT key, text, locator, language, status FROM quotes
        WHERE key IN ({keys_sql}) AND text IS NOT NULL ORDER BY key{_take(limit)}""",
                        args).fetchall()
    keys = (json.dumps([q[0] for q in quotes]),)
    speakers: dict[str, list] = {}
    for item, name, iri in db.execute("""
            SELECT r.item, p.name, p.iri FROM roles r JOIN people p ON p.slug = r.person
            WHERE r.item IN (SELECT value FROM json_each(?)) AND r.role = 'speaker'
              AND p.name IS NOT NULL""", keys):
        speakers.setdefault(item, []).append((name, iri))
    sources = _sources(db, keys)
    rows = []
    for key, text, locator, language, status in quotes:
        for name, _ in sorted(speakers.get(key, [(None, None)]),
                              key=lambda x: (_opt(x[0]), _opt(x[1]))):
            for s in sorted(sources.get(key, [None]), key=_opt):
                rows.append({"key": key, "text": text, "speaker": name, "source": s,
                             "locator": locator, "language": language, "status": status})
    return rows[:limit] if limit and limit > 0 else rows


def _sources(db: sqlite3.Connection, keys: tuple) -> dict[str, list[str]]:
    """Item key -> its sources' IRI segments (kgo work IRIs sort as these do)."""
    from kg.core.vocab import _seg

    out: dict[str, list[str]] = {}
    for item, source in db.execute(
            "SELECT item, source FROM sources WHERE item IN (SELECT value FROM json_each(?))",
            keys):
        out.setdefault(item, []).append(_seg(source))
    return out


def claim_rows(db: sqlite3.Connection, keys_sql: str = "SELECT key FROM claims",
               args: tuple = (), status: str | None = None,
               limit: int | None = None) -> list[dict]:
    """claims.rq rows of the claims whose keys ``keys_sql`` selects (of one status), by key;
    their sources: the keys of the works they cite, sorted, joined by ", "."""
    from kg.core.values import figure_number

    where = "" if status is None else " AND c.status = ?"
    rows = _dicts(db.execute(f"""
        SELECT c.key, c.statement, c.figure, c.unit, c.date,
               (SELECT group_concat(key, ', ') FROM (SELECT DISTINCT w.key FROM sources s
                  JOIN works w ON w.key = s.source WHERE s.item = c.key ORDER BY w.key))
               AS sources, c.status, c.note, c.correction
        FROM claims c WHERE c.key IN ({keys_sql}) AND c.statement IS NOT NULL{where}
        ORDER BY c.key{_take(limit)}""", (*args, *(() if status is None else (status,)))))
    for r in rows:
        r["figure"] = figure_number(r["figure"])
    return rows


# --------------------------------------------------------------------------- thinkers

def thinker_name(db: sqlite3.Connection, key: str) -> list[str]:
    """The people a folded name is exactly the name of (none: look further, thinker_names)."""
    return [p for (p,) in db.execute("SELECT person FROM thinker_names WHERE name = ? "
                                     "ORDER BY pos", (key,))]


def thinker_names(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Folded name -> the people it names (kg.core.names.people_keys)."""
    out: dict[str, list[str]] = {}
    for name, person in db.execute("SELECT name, person FROM thinker_names ORDER BY pos"):
        out.setdefault(name, []).append(person)
    return out


def _slug(db: sqlite3.Connection, iri: str) -> str | None:
    got = db.execute("SELECT slug FROM people WHERE iri = ?", (iri,)).fetchone()
    return got[0] if got else None


def thinker_info(db: sqlite3.Connection, iri: str) -> dict | None:
    """thinker.rq: None when the thinker has no name (not one to show)."""
    rows = _dicts(db.execute("""
        SELECT iri AS id, name, birth, death, nationality, description,
               description_en AS descriptionEn, same_as AS sameAs,
               CASE thinker WHEN 1 THEN 'thinker' ELSE 'contributor' END AS kind
        FROM people WHERE iri = ? AND name IS NOT NULL""", (iri,)))
    if not rows:
        return None
    rows[0]["id"] = rows[0]["id"].removeprefix(PERSON_NS)
    return rows[0]


def thinker_works(db: sqlite3.Connection, iri: str) -> list[dict]:
    """thinker-works (NAMED) as `kg thinker` lists it: each work with the thinker's role
    (speaker counts as author), its year as shown (uncertainty kept)."""
    _, rows = named(db, "thinker-works", {"thinker": iri})
    shown = dict(db.execute("SELECT key, shown FROM works WHERE key IN (SELECT value FROM "
                            "json_each(?))", (json.dumps([r[1] for r in rows]),)))
    return [{"key": key, "year": shown[key], "title": title, "role": role}
            for _, key, title, _, _, role in rows]


def thinker_themes(db: sqlite3.Connection, iri: str) -> list[dict]:
    """thinker-themes.rq (NAMED) as `kg thinker` lists it: each row's theme id and how many
    of the thinker's works (any role), sayings, or own tags are on it."""
    _, rows = named(db, "thinker-themes", {"thinker": iri})
    ids = dict(db.execute("SELECT iri, id FROM themes WHERE iri IN (SELECT value FROM "
                          "json_each(?))", (json.dumps([r[0] for r in rows]),)))
    return [{"id": ids[theme], "items": n} for theme, _, n in rows]


def thinker_quotes(db: sqlite3.Connection, slug: str) -> list[dict]:
    """thinker-quotes.rq: quotes by the thinker, and about (from a work the thinker
    created, not said by them); one row per named speaker."""
    rows = db.execute("""
        WITH mine AS (SELECT 'by' AS relation, item FROM roles
                      WHERE person = ?1 AND role = 'speaker' AND kind = 'quote'),
             about AS (SELECT DISTINCT 'about', s.item FROM roles r
                       JOIN works w ON w.key = r.item
                       JOIN sources s ON s.source = w.key
                       WHERE r.person = ?1 AND r.role IN ('author', 'speaker')
                         AND s.item NOT IN (SELECT item FROM mine)),
             x AS (SELECT * FROM mine UNION ALL SELECT * FROM about)
        SELECT DISTINCT x.relation, q.key, q.text, p.name, q.locator
        FROM x JOIN quotes q ON q.key = x.item
        -- the speakers of these quotes only (of every quote, scanned again for each row,
        -- they took 0.2 s at 50,000 entries)
        LEFT JOIN (SELECT r.item, p.name FROM roles r JOIN people p ON p.slug = r.person
                   WHERE r.role = 'speaker' AND p.name IS NOT NULL
                     AND r.item IN (SELECT item FROM x)) p ON p.item = q.key
        WHERE q.text IS NOT NULL""", (slug,)).fetchall()
    rows.sort(key=lambda r: (r[0], r[1], _opt(r[3])))
    return [{"key": k, "relation": rel, "text": t, "speaker": name, "locator": loc}
            for rel, k, t, name, loc in rows]


def thinker_related(db: sqlite3.Connection, iri: str, theme_ids: list[str]) -> list[dict]:
    """thinker-related.rq: the others tagged with, or speakers on, the thinker's themes."""
    if not theme_ids:
        return []
    iris = [r[0] for r in db.execute(
        "SELECT iri FROM themes WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(theme_ids),))]
    iris += [THEME_NS + t for t in theme_ids if not db.execute(
        "SELECT 1 FROM themes WHERE id = ?", (t,)).fetchone()]
    return [{"thinker": o.removeprefix(PERSON_NS), "name": name, "sharedThemes": n}
            for o, name, n in db.execute(f"""
        SELECT p.iri, p.name, count(DISTINCT x.theme) AS n FROM (
          SELECT slug AS person, theme FROM person_themes
          WHERE theme IN (SELECT value FROM json_each(?1))
          UNION SELECT person, theme FROM theme_speakers
          WHERE theme IN (SELECT value FROM json_each(?1))) x
        JOIN people p ON p.slug = x.person
        WHERE p.name IS NOT NULL AND p.iri != ?2
        GROUP BY p.slug ORDER BY n DESC, p.name, p.iri LIMIT {RELATED}""",
                                             (json.dumps(iris), iri))]


def thinker_page(db: sqlite3.Connection, iri: str) -> dict | None:
    """Everything `kg thinker` shows, before labels and limits; None: not a thinker here.
    ``info`` is None for a thinker without a name."""
    slug = _slug(db, iri)
    if slug is None:
        return None
    info = thinker_info(db, iri)
    if info is None:
        return {"info": None}
    themes = thinker_themes(db, iri)
    return {"info": info, "works": thinker_works(db, iri), "themes": themes,
            "quotes": thinker_quotes(db, slug),
            "related": thinker_related(db, iri, list(dict.fromkeys(r["id"] for r in themes)))}


def said(db: sqlite3.Connection, iri: str, tid: str | None = None) -> list[dict]:
    """quotes.rq with ?speaker bound to the thinker (and ?theme to these themes): one row per
    source, by key then source; the speaker's own name on each."""
    slug = _slug(db, iri)
    if slug is None:
        return []
    keys_sql = "SELECT item FROM roles WHERE person = ? AND role = 'speaker'"
    args: tuple = (slug,)
    if tid is not None:
        keys_sql += f" AND item IN ({_ITEMS})"
        args += (tid, "quote")
    rows = db.execute(f"""
        SELECT q.key, q.text, p.name, s.source, q.locator, q.language, q.status
        FROM quotes q JOIN people p ON p.slug = ?
        LEFT JOIN sources s ON s.item = q.key
        WHERE q.key IN ({keys_sql}) AND q.text IS NOT NULL""", (slug, *args)).fetchall()
    from kg.core.vocab import _seg

    rows.sort(key=lambda r: (r[0], _opt(r[3] and _seg(r[3]))))
    return [{"key": k, "text": t, "speaker": name, "source": s and _seg(s), "locator": loc,
             "language": lang, "status": st} for k, t, name, s, loc, lang, st in rows]


# --------------------------------------------------------------------------- search

def search(db: sqlite3.Connection, words: list[str],
           limit: int | None) -> tuple[list[tuple[str, float]], int]:
    """The ``limit`` best (subject IRI, score) for these folded words, best first (ties by
    IRI), and how many subjects match: kg search's ranking (rank_lines) of the lines that
    the word index finds.

    The word index gives the lines holding, for every word, a word of the library that holds
    it (see _match); they are checked and counted by rank_lines, as UTF-8 bytes (no
    decoding): Python's bytes.count is several times faster than SQLite's replace() and
    instr(), which count characters.  They are grouped by record with their ids
    (kg.builder.tables.line_ids: the record's number, id // SLOTS); only the records that may
    rank among the first are named (their IRIs read, ties being ordered by IRI)."""
    from itertools import repeat
    from operator import floordiv

    match = _match(db, words)
    if match == "":
        return [], 0  # a word no word of the library holds
    if match is not None:
        rows = db.execute(
            "SELECT l.id, l.weight, CAST(l.text AS BLOB) FROM search "
            "JOIN lines l ON l.id = search.rowid WHERE search MATCH ?", (match,)).fetchall()
    else:  # words held by a great many words of the library: every line
        rows = db.execute("SELECT id, weight, CAST(text AS BLOB) FROM lines").fetchall()
    if not rows:
        return [], 0
    ids, weight, lines = zip(*rows)
    return rank_lines([w.encode("utf-8") for w in words], lines,
                      list(map(floordiv, ids, repeat(SLOTS))), weight, limit,
                      lambda records: _iris(db, records))


def _iris(db: sqlite3.Connection, records: list[int]) -> dict[int, str]:
    """Record number (a search line's id // SLOTS) -> the record's IRI."""
    return dict(db.execute(
        f"SELECT l.id / {SLOTS}, l.iri FROM json_each(?) r JOIN lines l "
        f"ON l.id >= r.value * {SLOTS} AND l.id < (r.value + 1) * {SLOTS} GROUP BY r.value",
        (json.dumps(records),)))


#: above this many words of the library holding one search word, every line is read instead
MAX_TERMS = 2000


def _match(db: sqlite3.Connection, words: list[str]) -> str | None:
    """The FTS5 query of the lines holding every word anywhere in a word: for each word, the
    OR of the library's words (vocabulary) that hold it; "" when a word is in none, None
    when a word is in too many to list (read every line)."""
    groups = []
    for w in dict.fromkeys(words):
        terms = [t for (t,) in db.execute(
            "SELECT term FROM vocabulary WHERE instr(term, ?) > 0 LIMIT ?", (w, MAX_TERMS + 1))]
        if not terms:
            return ""
        if len(terms) > MAX_TERMS:
            return None
        groups.append("(" + " OR ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")")
    return " AND ".join(groups)


def rank_lines(words: list, lines, subject, weight, limit: int | None,
               names=None) -> tuple[list[tuple[str, float]], int]:
    """The ``limit`` best (subject's name, score) (None: all), best first, ties by name, and
    how many subjects have a line holding every word.  The one ranking of kg search (read
    model and store alike); words and lines both str, or both UTF-8 bytes (the same counts).
    ``names`` gives the names (IRIs) of a list of subjects as a dict; None: the subjects are
    their names.

    A subject's score sums, over its lines holding every word, the line's weight times the
    occurrences of the words (a word given twice counts twice), plus 3 when they occur
    together as written (always, for one word).

    A third of the lines of a large library may hold two common words: they are counted a
    word at a time and summed per subject with maps over the lines (no Python code per line,
    but for the subjects with several lines held); whether the words occur together is looked
    at only in the lines of the subjects that could reach the first ``limit`` with it."""
    from itertools import compress, repeat
    from operator import add, ge, mul

    count = bytes.count if isinstance(words[0], bytes) else str.count
    times = {w: words.count(w) for w in words}
    per = {w: list(map(count, lines, repeat(w))) for w in times}
    total = None
    for w, n in times.items():
        col = per[w] if n == 1 else list(map(mul, per[w], repeat(n)))
        total = col if total is None else list(map(add, total, col))
    if any(0 in col for col in per.values()):  # lines without every word: left out
        every = list(map(min, *per.values())) if len(per) > 1 else total
        held = list(compress(range(len(lines)), every))
        hs, hw = list(compress(subject, every)), list(compress(weight, every))
        total = list(compress(total, every))
    else:  # the word index's lines usually hold every word
        held, hs, hw = range(len(lines)), list(subject), list(weight)
    if len(words) == 1:  # the phrase is the word: each line held has the bonus
        scores = _sums(hs, list(map(mul, hw, map(add, total, repeat(3)))))[0]
        return _best(scores, limit, names), len(scores)
    # without the bonus, and a third of the most the bonus adds (same keys, same order)
    base, most = _sums(hs, list(map(mul, hw, total)), hw)
    which = base
    if limit and 0 < limit < len(base):
        floor = sorted(base.values())[-limit]  # limit subjects reach it without the bonus
        which = set(compress(base, map(ge, map(add, base.values(),
                                               map(mul, most.values(), repeat(3))),
                                       repeat(floor))))
    phrase = (b" " if isinstance(words[0], bytes) else " ").join(words)
    scores: dict = {}
    get = scores.get
    for i, j in compress(enumerate(held), map(which.__contains__, hs)):
        s = hs[i]
        scores[s] = get(s, 0) + hw[i] * (total[i] + (3 if phrase in lines[j] else 0))
    return _best(scores, limit, names), len(base)


def _sums(keys: list, *columns: list) -> list[dict]:
    """For each column of values, key -> the sum of its values (keys in order of first
    appearance).  A key seldom comes back, and then next to itself (the lines of one
    record): the dicts are made in C, the sums of the keys that repeat added to them; keys
    apart from their others are summed one by one."""
    from itertools import compress
    from operator import eq

    out = [dict(zip(keys, values)) for values in columns]  # the last value of each key
    if len(out[0]) == len(keys):
        return out
    again = list(map(eq, keys[1:], keys))  # again[i]: keys[i + 1] is keys[i]
    if len(out[0]) != len(keys) - sum(again):  # a key apart from its others
        out = [{} for _ in columns]
        for d, values in zip(out, columns):
            get = d.get
            for k, v in zip(keys, values):
                d[k] = get(k, 0) + v
        return out
    for d, values in zip(out, columns):
        for i in compress(range(len(again)), again):  # each value followed by its key's
            d[keys[i]] += values[i]
    return out


def _best(scores: dict, limit: int | None, names=None) -> list[tuple[str, float]]:
    """(name, score) of the subjects by score, best first, ties by name (the first
    ``limit``); ``names``: rank_lines'."""
    pool = list(scores)
    if limit and 0 < limit < len(scores):
        import heapq

        floor = heapq.nlargest(limit, scores.values())[-1]
        pool = [s for s, v in scores.items() if v >= floor]
    name = names(pool) if names is not None else dict(zip(pool, pool))
    pool.sort(key=lambda s: (-scores[s], name[s]))
    if limit and 0 < limit < len(pool):
        del pool[limit:]
    return [(name[s], float(scores[s])) for s in pool]


def search_details(db: sqlite3.Connection, iris: list[str]) -> dict[str, tuple]:
    """IRI -> (IRI, kind, key, title, texts) of search results: texts in the order title,
    annotation (works) or the text (quotes, claims)."""
    out = {}
    for iri, kind, key, title, a, b in db.execute("""
            SELECT iri, 'work', key, title, title, annotation FROM works
              WHERE iri IN (SELECT value FROM json_each(?1))
            UNION ALL SELECT iri, 'quote', key, NULL, text, NULL FROM quotes
              WHERE iri IN (SELECT value FROM json_each(?1))
            UNION ALL SELECT iri, 'claim', key, NULL, statement, NULL FROM claims
              WHERE iri IN (SELECT value FROM json_each(?1))""", (json.dumps(iris),)):
        out[iri] = (iri, kind, key, title, list(dict.fromkeys(t for t in (a, b) if t)))
    return out


# --------------------------------------------------------------------------- lists

def all_quotes(db: sqlite3.Connection) -> list[dict]:
    return quote_rows(db)


def all_claims(db: sqlite3.Connection, status: str | None = None) -> list[dict]:
    return claim_rows(db, status=status)


# --------------------------------------------------------------------------- named queries

class Named(NamedTuple):
    """A named query the read model answers: its SQL (named parameters: an IRI, or a JSON
    list of IRIs for a theme and its subthemes) and how its columns are typed as terms
    (``uri``; ``integer``; ``date``, typed by kg.core.values.date_type; ``fr``, a French
    label; ``class``, a record kind as its kgo class; ``number``, a figure's number as its
    literal, kg.core.values.figure_literal; any other, a plain literal).  A parameter the
    query takes as optional is NULL when it is not given."""

    sql: str | tuple[str, ...]  # several statements: their rows go to unfold
    types: dict[str, str]
    #: the answer's columns and rows made from the rows of each statement, when the answer is
    #: not the rows of one
    unfold: Callable[..., tuple[list[str], list[tuple]]] | None = None


def _names(people: list[tuple], aliases: list[tuple]) -> tuple[list[str], list[tuple]]:
    """thinker-names: every name of every person (kg.core.readmodel.name_rows)."""
    return ["thinker", "name", "kind"], name_rows(people, aliases)


def _by_year(works: list[tuple]) -> tuple[list[str], list[tuple]]:
    """theme-works: the works in the .rq's order (by year, those without one first, then by
    key; a year is a whole number, a key is compared as SQLite compares text), sorted here:
    SQLite's sort carried each row whole, its annotation included (12,733 works: 47 -> 40 ms
    in all)."""
    works.sort(key=lambda w: (w[3] is not None, w[3] or 0, w[1]))
    return ["work", "key", "title", "year", "issued", "annotation"], works


#: Named queries whose answer grows with a library, answered locally from the read model with
#: the rows, columns and order of their SPARQL (kg/read/queries; tests/core/test_readmodel.py
#: compares them for every thinker and theme of a library).  Oxigraph reads a row of them
#: with a look-up per value (0.1 ms): at 50,000 entries the 1,960 works of one author took
#: 0.58 s as SPARQL, the 11,542 works of one theme 2.4 s.  SPARQL still answers them from a
#: remote endpoint.
NAMED = {
    "thinker-works": Named("""
        SELECT DISTINCT w.iri AS work, w.key, w.title, w.year, w.issued,
               CASE r.role WHEN 'speaker' THEN 'author' ELSE r.role END AS role
        FROM roles r JOIN works w ON w.key = r.item
        WHERE r.person IN (SELECT slug FROM people WHERE iri = :thinker)
        ORDER BY w.year, w.key, role""",
                           {"work": "uri", "year": "integer", "issued": "date"}),
    "theme-works": Named(("""
        SELECT w.iri AS work, w.key, w.title, w.year, w.issued, w.annotation
        FROM works w WHERE w.key IN (SELECT item FROM subjects
                                     WHERE theme IN (SELECT value FROM json_each(:theme)))""",),
                         {"work": "uri", "year": "integer", "issued": "date"}, _by_year),
    # the people who wrote on the theme counted once each, then the thinkers tagged with it
    # who wrote nothing on it (one grouping, not two: 0.16 -> 0.09 s for 13,775 people)
    "theme-thinkers": Named("""
        WITH theme AS (SELECT value AS iri FROM json_each(:theme)),
        wrote AS (SELECT r.person, count(DISTINCT r.item) AS n FROM subjects s
                  JOIN roles r ON r.item = s.item AND r.role IN ('author', 'speaker')
                  WHERE s.kind = 'work' AND s.theme IN theme GROUP BY r.person)
        SELECT p.iri AS thinker, p.name, w.n AS works,
               CASE p.thinker WHEN 1 THEN 'thinker' ELSE 'contributor' END AS kind
        FROM wrote w JOIN people p ON p.slug = w.person WHERE p.name IS NOT NULL
        UNION ALL
        SELECT p.iri, p.name, 0, 'thinker' FROM people p
        WHERE p.thinker = 1 AND p.name IS NOT NULL
          AND p.slug IN (SELECT slug FROM person_themes WHERE theme IN theme)
          AND p.slug NOT IN (SELECT person FROM wrote)
        ORDER BY works DESC, name, thinker""",
                            {"thinker": "uri", "works": "integer"}),
    "thinker-themes": Named("""
        WITH me AS (SELECT slug FROM people WHERE iri = :thinker)
        SELECT x.theme, l.value AS label, count(DISTINCT x.item) AS items FROM (
          SELECT s.theme, s.item FROM roles r JOIN subjects s ON s.item = r.item
          WHERE r.person IN me AND (r.kind = 'work' OR r.role = 'speaker')
          UNION ALL SELECT theme, '' FROM person_themes WHERE slug IN me) x
        JOIN themes t ON t.iri = x.theme, json_each(t.fr) l
        GROUP BY x.theme, l.value ORDER BY items DESC, x.theme, l.value""",
                            {"theme": "uri", "label": "fr", "items": "integer"}),
    "theme-size": Named("""
        SELECT kind, n FROM (
          SELECT s.kind, count(DISTINCT s.item) AS n FROM subjects s
          WHERE s.theme IN (SELECT value FROM json_each(:theme)) GROUP BY s.kind)
        ORDER BY n DESC, kind""", {"kind": "class", "n": "integer"}),
    # every name of every person (62,000 rows at 50,000 entries), in one read of people
    "thinker-names": Named(NAME_SQL, {"thinker": "uri"}, _names),
    # claims.rq: each claim once, its sources' keys in key order (the .rq concatenates them
    # from rows sorted the same way), none when it has none (Oxigraph leaves the
    # concatenation of no value unbound); an optional parameter left out is NULL
    "claims": Named("""
        SELECT c.iri AS claim, c.key, c.statement, c.figure, c.unit, c.date,
               (SELECT group_concat(key, ', ') FROM (
                   SELECT DISTINCT w.key FROM sources s JOIN works w ON w.key = s.source
                   WHERE s.item = c.key ORDER BY w.key)) AS sources,
               c.status AS state, c.note, c.correction
        FROM claims c
        WHERE c.statement IS NOT NULL
          AND (:theme IS NULL OR c.key IN (SELECT item FROM subjects
               WHERE theme IN (SELECT value FROM json_each(:theme))))
          AND (:status IS NULL OR c.status = substr(:status, instr(:status, '#') + 1))
        ORDER BY c.key""", {"claim": "uri", "figure": "number", "date": "date"}),
    # quotes.rq: a row per speaker and source; without a speaker asked for, only speakers
    # with a name (the .rq binds them in an OPTIONAL with their name). The .rq's DISTINCT is
    # implied (a quote's speakers and sources are keys of their tables): one sort of the
    # rows fewer. Each quote's speakers and sources looked up from the quote, not gathered
    # first into tables of their own (7,500 quotes: 50 -> 46 ms; one speaker's: 19 -> 7 ms),
    # their names and titles from indexes that hold them (46 -> 37 ms: SQLite's planner,
    # without statistics, prefers the tables' keys; INDEXED BY fails if the index is gone)
    "quotes": Named("""
        SELECT q.iri AS quote, q.key, q.text, p.iri AS speaker, p.name AS speakerName,
               s.iri AS source, w.title AS sourceTitle, q.locator, q.language, q.status
        FROM quotes q
        LEFT JOIN roles r ON r.item = q.key AND r.role = 'speaker'
             AND (:speaker IS NOT NULL OR (SELECT name FROM people INDEXED BY people_names
                                           WHERE slug = r.person) IS NOT NULL)
        LEFT JOIN people p INDEXED BY people_names ON p.slug = r.person
        LEFT JOIN sources s ON s.item = q.key
        LEFT JOIN works w INDEXED BY works_titles ON w.key = s.source
        WHERE q.text IS NOT NULL
          AND (:theme IS NULL OR q.key IN (SELECT item FROM subjects
               WHERE theme IN (SELECT value FROM json_each(:theme))))
          AND (:speaker IS NULL OR p.iri = :speaker)
        ORDER BY q.key, speakerName, speaker, source""",
                   {"quote": "uri", "speaker": "uri", "source": "uri"}),
}


def named(db: sqlite3.Connection, name: str,
          args: dict[str, str | list[str]]) -> tuple[list[str], list[tuple]]:
    """The columns and rows of the named query ``name`` (in NAMED), its parameters bound to
    ``args`` (IRIs, lists of IRIs; None for an optional one not given)."""
    q = NAMED[name]
    args = {k: json.dumps(v) if isinstance(v, list) else v for k, v in args.items()}
    if q.unfold is None:
        cur = db.execute(q.sql, args)
        return [d[0] for d in cur.description], cur.fetchall()
    return q.unfold(*[db.execute(sql, args).fetchall() for sql in q.sql])
