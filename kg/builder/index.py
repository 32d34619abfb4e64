"""The index of a large build (index.json in its generation): each piece's hash and key, each
record's byte sizes in graph.ttl and graph.jsonld, its problems and people; what an
incremental build needs to redo only the entries that changed (kg.builder.incremental).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from kg.builder import store as st
from kg.core.errors import Place, Problem

INDEX = st.INDEX


INDEX_VERSION = 3


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


def piece_sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def index_row(kind: str, nt_size: int, js_size: int, problems: list[Problem], line: int,
              people: list) -> list:
    """What the index keeps of a work, quote or claim: its kind, the length of its blocks in
    graph.ttl and graph.jsonld, its problems (lines relative to its entry), the slugs of its
    people (their names are in the index's "people" table)."""
    return [kind, nt_size, js_size, [relative(p, line) for p in problems], people]


def people_table(persons: dict) -> dict:
    """slug -> [given, family, suffix, organization] of every person (for the index)."""
    return {s: [p.name.given, p.name.family, p.name.suffix, p.name.organization]
            for s, p in persons.items()}


def write_index(path: Path, pieces, piece_keys: dict, piece_shas: dict, keys: list[str],
                positions: list[int],
                rows: list[str], ctx, parent_keys: list[str], heads: tuple[int, int],
                tails: tuple[int, int], counts: dict, persons: dict) -> None:
    """Record what the next build needs to redo only what changed.  ``keys`` and
    ``positions``: the works, quotes and claims in file order; ``rows``: their index rows
    as JSON object members (``"key":[...],...``), written by the workers, chunk by chunk;
    ``piece_shas``: the hashes of the pieces the workers read (the others are made here)."""
    chunk_keys = [piece_keys.get(i) for i in range(len(pieces))]
    keyed = [k for k in chunk_keys if k is not None]
    simple = set(keyed) == set(keys) and len(keyed) == len(keys)
    at = {e.key: e.position for e in ctx.entries}
    at.update(zip(keys, positions))
    index = {
        "version": INDEX_VERSION,
        "usable": simple,
        "parents": parent_keys,
        "chunks": [[piece_shas.get(i) or piece_sha(text), key]
                   for i, ((text, _), key) in enumerate(zip(pieces, chunk_keys))],
        "positions": at,
        "heads": list(heads),
        "tails": list(tails),
        "counts": counts,
        "people": people_table(persons),
    }
    head = json.dumps(index, ensure_ascii=False, separators=(",", ":"))  # C encoder
    with open(path, "w", encoding="utf-8") as f:
        f.write(head[:-1])
        f.write(',"records":{')
        f.write(",".join(r for r in rows if r))
        f.write("}}")
