"""Incremental builds: after a few works, quotes or claims are edited, redo only those.

A full build of a large library leaves, beside the store and the flat graph.ttl /
graph.jsonld, an index (``index.sqlite``, kg.builder.index): for every piece of the .bib its
SHA-1 and the print of its keywords fields, for every work, quote and claim the length of its
block in each file, its problems (lines relative to the entry) and the people it names, and the
library's own concepts as they were made.  The next build compares the pieces:

- when anything else changed (the ontology, a @string, a @thinker, a @comment, a crossref
  parent, the list of keys, an entry kg could not scan alone, the library's own concepts), it
  falls back to a full build;
- otherwise it re-interprets the changed entries only (their keywords fields as they were: the
  own concepts made again from the index, the rest of the file not read for keywords), copies
  the store (a RocksDB checkpoint: hard links), removes their old triples and adds the new
  ones, keeps the thinkers when the edited entries name the same people as before (else makes
  them again), writes the files by copying the unchanged byte ranges of the previous ones (in
  a thread), and updates copies of the read model and of the index by key
  (kg.builder.tables.update, kg.builder.index.update_index); a process of its own then removes
  the previous generation (kg.builder.store.drop_later).

The result is the graph and read model a full build gives (tested), in a fraction of the
time.  A previous output without a read model means a full build.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from kg.builder import store as st
from kg.builder import triplestore
from kg.builder.index import (
    INDEX,
    Chunk,
    Index,
    PeopleTail,
    absolute,
    index_row,
    ontology_sha,
    piece_sha,
    read_index,
    update_index,
)
from kg.builder.index import (
    Name as IndexName,
)
from kg.builder.stages import (
    PAGE_MAX_ENTRIES,
    Block,
    BuildResult,
    gate_rules,
    keep_good,
    page_warnings,
    publish,
    refuse,
    stage_page,
)
from kg.core.errors import KgError

if TYPE_CHECKING:
    from kg.core.bib import Joined


def rebuild(text: str, read_problems, bibs: Joined, onto_path: Path, onto_bytes: bytes,
            thesaurus, out: Path, strict: bool, page=None, aggregates=None, adopted=None):
    """The incremental build, or None when a full build is needed.  It reads the live
    generation of ``out`` (held, so no other build removes it meanwhile), and only files of it
    that are as their build wrote them (``page``, ``aggregates``: see
    kg.builder.pipeline.build).  ``bibs``: the .bib file(s) ``text`` was read from (what
    the build finds moved to its own file and line before it is reported).

    ``onto_bytes`` and ``thesaurus``: the ontology's, before the library's own concepts.
    When the edited entries' keywords fields are as the previous build recorded them, the
    concepts it adopted are made again from its index (Thesaurus.replay, on a copy);
    otherwise ``adopted()`` reads every keyword of ``text`` (Thesaurus.adopt, on
    ``thesaurus``) and returns the ontology's bytes with them."""
    try:
        held = st.hold(out)
    except KgError:
        return None
    with held:
        return _rebuild(text, read_problems, bibs, onto_path, onto_bytes, thesaurus, out,
                        strict, page, aggregates, held, adopted)


def _rebuild(text, read_problems, bibs, onto_path, onto_bytes, thesaurus, out, strict, page,
             aggregates, held, adopted):
    from kg.core.bib import _chunks
    from kg.core.graph import own_concepts
    from kg.core.readmodel import is_current
    from kg.core.themes import keywords_print

    old = held.folder
    m = st.manifest_of(old)
    if m is None or not all(st.intact(old, name)
                            for name in (INDEX, "graph.ttl", "graph.jsonld", st.READ_MODEL)):
        return None
    if not is_current(old / st.READ_MODEL):
        return None
    if not st.unchanged(m["ontology"], onto_path):
        return None
    index = read_index(old / INDEX)
    if index is None or not index.usable:
        return None
    pieces = list(_chunks(text))
    if len(pieces) != len(index.chunks):
        return None
    changed: list[int] = []
    parents = set(index.parents)
    for i, ((chunk, _), was) in enumerate(zip(pieces, index.chunks)):
        if piece_sha(chunk) != was.sha:
            if was.key is None or was.key in parents:
                return None  # context changed: full build
            changed.append(i)
    # the library's own concepts: those of the previous build when the edited entries'
    # keywords fields are as they were (the whole file's are, then), else read again
    if all(keywords_print(pieces[i][0]) == index.chunks[i].keywords for i in changed):
        thesaurus = thesaurus.copy()
        onto_bytes += own_concepts(thesaurus.replay(index.own))
    else:
        onto_bytes = adopted()
    if ontology_sha(onto_bytes) != index.ontology:
        return None  # the ontology, or the library's own concepts, changed: a full build
    return _apply(text, read_problems, pieces, changed, index, bibs, onto_path, thesaurus,
                  out, strict, m, held, page, aggregates)


def _apply(text, read_problems, pieces, changed, index: Index, bibs, onto_path, thesaurus,
           out, strict, manifest, held, page, aggregates=None):
    import pyoxigraph as ox

    from kg.core import graph
    from kg.core.bib import BibFile, _check_macros, parse_pieces
    from kg.core.model import (
        ModelBuilder,
        Name,
        Person,
        mark_thinkers,
        speakers_of,
        thinker_counts,
    )
    from kg.core.readmodel import speakers
    from kg.core.themes import keywords_print

    old_chunks = index.chunks
    # The file-wide context: every piece without a key (strings, thinkers, comments...),
    # the crossref parents, and the changed entries, parsed together.
    parents = set(index.parents)
    edited = set(changed)
    keep = [i for i, (_, key, _) in enumerate(old_chunks)
            if key is None or key in parents or i in edited]
    # each kept piece with its own line: every line number is the real one
    sub = BibFile(bibs.name)
    parse_pieces(sub, [pieces[i] for i in keep], range(len(keep)), {})
    _check_macros(sub)
    for e in sub.entries:  # positions in the whole file, not in this partial text
        e.position = index.positions.get(e.key, e.position)
    changed_keys = [old_chunks[i][1] for i in changed]
    got = {e.key for e in sub.entries}
    if any(k not in got for k in changed_keys):
        return None  # an edited entry no longer scans alone, or changed its key
    if any(p.level == "error" and p.key in changed_keys and "duplicate" in p.message
           for p in sub.problems):
        return None
    for e in sub.entries:
        if e.key in changed_keys and e.names().get("crossref") and \
                e.fields[e.names()["crossref"]].strip('{}" ') not in parents:
            return None  # a new crossref parent changes the context

    all_keys = set(index.positions)
    positions = index.positions
    mb = ModelBuilder(sub, thesaurus, keys=all_keys)
    new_blocks: dict[str, Block] = {}
    redone = []  # the records interpreted again
    for e in sub.entries:
        if e.key not in changed_keys:
            continue
        before = len(mb.problems)
        rec = mb.record(e)
        redone.append(rec)
        blocking = gate_rules(mb, [rec])
        problems = mb.problems[before:] + blocking
        del mb.problems[before:]
        problems += [p for p in sub.problems if p.key == e.key]
        nt, js, _ = graph.record_blocks([rec], jsonld=True)[0]
        new_blocks[e.key] = Block(e.key, rec.kind, nt, js, problems,
                                  [s for _, s, _ in rec.people], blocking)

    # Thinkers in the order a full build meets them: @thinker entries, then names by entry.
    persons = {s: p for s, p in mb.persons.items() if p.entry is not None}
    records = index.records
    for key, b in new_blocks.items():
        if set(records[key].slugs()) - set(b.people):
            return None  # a person no longer named here may have been spelled as it did
    entry_line = {key: line for (_, line), (_, key, _) in zip(pieces, old_chunks)
                  if key is not None}
    # the speakers of the records redone and of those kept, as the previous build had them
    speakers_before, speakers_kept = speakers(held.folder / st.READ_MODEL, changed_keys)
    if _same_people(index, new_blocks, mb.persons, redone, speakers_before):
        persons = None  # the previous build's, its thinkers' triples, rows and counts kept
        people_print = index.people_tail.print
    else:
        for (_, key, _) in old_chunks:
            if key is None:
                continue
            if key in new_blocks:
                for slug in new_blocks[key].people:
                    persons.setdefault(slug, mb.persons[slug])
                continue
            for slug in records[key].slugs():
                if slug not in persons:
                    given, family, suffix, org = index.people[slug]
                    persons[slug] = Person(slug, Name(given, family, suffix, org))
        mb.persons = persons
        # thinkers or other authors (THINKER_RULE): the speakers of the records kept and of
        # those redone
        mark_thinkers(persons.values(), speakers_kept | speakers_of(redone))
        people_print = graph.persons_print(persons.values())
    pos_bib = BibFile(bibs.name, entries=sub.entries, strings=sub.strings,
                      preambles=sub.preambles, comments=sub.comments)
    # the thinkers' triples: kept from the previous files when made from the same persons
    same_people = people_print == index.people_tail.print
    if same_people:
        people_nt = people_js = b""  # read from the previous files below
    else:
        people = graph.persons_out(persons.values(), jsonld=True)
        people_nt = people.ntriples().encode("utf-8")
        people_js = "".join(",\n" + n for n in people.jsonld_nodes()).encode("utf-8")
    order = sorted(positions, key=positions.__getitem__)  # the keys in file order
    files = graph.file_out(pos_bib, mb.unplaced, jsonld=True, order=order)
    files_nt = files.ntriples().encode("utf-8")
    files_js = "".join(",\n" + n for n in files.jsonld_nodes()).encode("utf-8")

    # problems: the file's, the context's, each record's (kept or new), at today's lines
    problems = list(read_problems)
    problems += [p for p in mb.problems]
    problems += [p for p in sub.problems if p.key not in records]
    for key, row in records.items():
        if key in new_blocks:
            problems += new_blocks[key].problems
        elif row.problems:
            problems += [absolute(bibs.name, key, entry_line[key], rel)
                         for rel in row.own_problems()]
    problems = sorted(bibs.moved(set(problems)), key=bibs.order)
    counts = dict(index.counts)
    for key, b in new_blocks.items():
        counts[records[key].kind + "s"] -= 1
        counts[b.kind + "s"] += 1
    if persons is not None:
        counts.update(thinker_counts(persons.values()))
    refuse(problems, counts, strict, bibs, out)
    keep_good(bibs.moved(p for b in new_blocks.values() for p in b.blocking), out)

    old = held.folder  # the generation this build starts from
    if triplestore.later(manifest):  # its store made after its build: not made yet
        triplestore.make_store(old)
        manifest = st.manifest_of(old)  # with the store, and its exact count of statements
    stage = st.staging(out)
    spliced = None
    try:
        old_store = ox.Store.read_only(str(old / manifest["store"]))
        old_store.backup(str(stage / "store"))
        del old_store
        store = ox.Store(str(stage / "store"))
        old_ttl, old_js = old / "graph.ttl", old / "graph.jsonld"
        spans = _spans(index, old_chunks, new_blocks)
        with open(old_ttl, "rb") as f:
            old_tail_nt = _read(f, spans["tail"][0], index.tails[0])
            removed = b"".join(_read(f, spans[k][0], records[k].nt) for k in new_blocks)
        if same_people:
            people_nt = old_tail_nt[:index.people_tail.nt]
            with open(old_js, "rb") as f:
                people_js = _read(f, spans["tail"][1], index.people_tail.js)
        tail_nt, tail_js = people_nt + files_nt, people_js + files_js
        gained, predicates = _replace(store, *_changed(
            removed, b"".join(b.nt for b in new_blocks.values()), old_tail_nt, tail_nt))
        triples = manifest["triples"] + gained
        if page is not None and len(positions) <= PAGE_MAX_ENTRIES:
            from kg.core.bib import parse
            from kg.core.model import build_model

            # the whole generation: its page too, with every work's CSL from the whole file
            stage_page(stage, store, page, problems,
                       build_model(parse(text, bibs.name), thesaurus))
        store.flush()
        named = _named(old, store, predicates, aggregates)  # here: no fork once a store is open
        del store
        # the graph files spliced in a thread while the index and the read model are updated:
        # the kernel copies their unchanged bytes (360 MB at 49,640 entries) without the GIL
        spliced = _Thread(lambda: (
            _splice(old_ttl, stage / "graph.ttl", index, spans, new_blocks, 0, tail_nt, b""),
            _splice(old_js, stage / "graph.jsonld", index, spans, new_blocks, 1, tail_js,
                    b"\n]\n")))
        try:
            update_index(
                old / INDEX, stage / INDEX,
                {i: Chunk(piece_sha(pieces[i][0]), old_chunks[i].key,
                          keywords_print(pieces[i][0])) for i in edited},
                [index_row(key, b.kind, len(b.nt), len(b.js), b.problems, entry_line[key],
                           b.people) for key, b in new_blocks.items()],
                {} if same_people else
                {s: p for s, p in persons.items() if index.people.get(s) != IndexName.of(p)},
                counts, (len(tail_nt), len(tail_js)),
                PeopleTail(people_print, len(people_nt), len(people_js)))
            _update_read_model(old, stage, redone, None if same_people else persons, named)
        except BaseException:
            spliced.wait()  # its own error comes second
            raise
        spliced.join()  # its error, if any, raised here
        held.release()  # read: the old generation may go once the new one is live
        publish(out, stage, bibs, onto_path, counts, triples, problems, drop_now=False)
        problems.extend(page_warnings(out, len(positions)))
    except BaseException:
        if spliced is not None:  # not removed under it (Ctrl-C while it copies)
            spliced.wait()
        st.discard(stage)
        raise
    result = BuildResult(out, counts, problems, triples)
    result.incremental = True
    return result


def _same_people(index: Index, new_blocks: dict, persons: dict, redone: list,
                 speakers_before: set[str]) -> bool:
    """Whether the thinkers are those of the previous build, without making them again: the
    redone records name the same people in the same order (the order a full build meets
    them), spelled as the index has them, with the same speakers (a quote's speaker is a
    thinker); the context (the @thinker entries) is as it was, or the build is a full one.
    Making the 30,000 people of 50,000 entries again, and their print, took 0.2 s of an edit."""
    from kg.core.model import speakers_of

    for key, b in new_blocks.items():
        if b.people != index.records[key].slugs():
            return False
        if any(index.people.get(s) != IndexName.of(persons[s]) for s in b.people):
            return False
    return speakers_of(redone) == speakers_before


def _update_read_model(old: Path, stage: Path, redone: list, persons: dict | None,
                       named: dict[str, str] | None) -> None:
    """The read model of generation ``old`` copied into the stage, the redone records replaced
    by key, the thinkers rewritten (``persons`` None: they are as they were) and the
    aggregates refreshed: equal to a full build's."""
    from kg.builder import tables
    from kg.core.rows import people_rows, record_rows

    shutil.copyfile(old / st.READ_MODEL, stage / st.READ_MODEL)
    tables.update(stage / st.READ_MODEL, [r.key for r in redone], record_rows(redone),
                  None if persons is None else people_rows(persons))
    tables.write_named(stage / st.READ_MODEL, named or {})


def _spans(index: Index, old_chunks, keys) -> dict:
    """Byte offsets (ttl, jsonld) in the previous files of the blocks of the records ``keys``
    and of the tail: the records' lengths summed in file order (accumulate: 40 -> 10 ms at
    49,640 entries)."""
    from itertools import accumulate

    rows = [index.records[key] for _, key, _ in old_chunks if key is not None]
    t = list(accumulate((r.nt for r in rows), initial=index.heads[0]))
    j = list(accumulate((r.js for r in rows), initial=index.heads[1]))
    spans = {r.key: (t[i], j[i]) for i, r in enumerate(rows) if r.key in keys}
    spans["tail"] = (t[-1], j[-1])
    return spans


class _Thread:
    """``work`` run in a thread (started at once); ``join`` waits for it and raises what it
    raised.  Nothing forks while it runs (the build forks before it opens its store)."""

    def __init__(self, work):
        import threading

        self.error: BaseException | None = None

        def run() -> None:
            try:
                work()
            except BaseException as e:  # noqa: BLE001 (raised again by join)
                self.error = e

        self.thread = threading.Thread(target=run, name="kg-splice", daemon=True)
        self.thread.start()

    def wait(self) -> None:
        """Wait for it, its error (if any) left aside: another one is being raised."""
        self.thread.join()

    def join(self) -> None:
        self.wait()
        if self.error is not None:
            raise self.error


def _read(f, offset: int, length: int) -> bytes:
    f.seek(offset)
    return f.read(length)


def _changed(removed: bytes, added: bytes, old_tail: bytes,
             new_tail: bytes) -> tuple[set[bytes], set[bytes]]:
    """The N-Triples lines only in the old graph (the redone records' old blocks and the old
    tail: the thinkers and the file's own statements) and those only in the new one.  The
    whole tails are compared (a statement of a record may also be a thinker's); a tail as it
    was (the people as they were) is read for the few lines that changed only, not made into a
    set (300,000 lines at 30,000 people: 0.2 s of an edit)."""
    if old_tail != new_tail:
        old, new = set((removed + old_tail).splitlines()), set((added + new_tail).splitlines())
        return old - new, new - old
    old, new = set(removed.splitlines()), set(added.splitlines())
    gone, fresh = old - new, new - old
    if len(gone) + len(fresh) > 64:
        tail = set(old_tail.splitlines())
        return gone - tail, fresh - tail
    padded = b"\n" + old_tail + (b"" if old_tail.endswith(b"\n") else b"\n")
    return ({x for x in gone if b"\n" + x + b"\n" not in padded},
            {x for x in fresh if b"\n" + x + b"\n" not in padded})


def _replace(store, gone: set[bytes], fresh_lines: set[bytes]) -> tuple[int, set[str]]:
    """Remove the statements of the N-Triples lines ``gone``, add those of ``fresh_lines``;
    returns how many statements the store gained (negative: lost), and the predicates of those
    removed or added."""
    import pyoxigraph as ox

    change = 0
    predicates: set[str] = set()
    for t in ox.parse(b"\n".join(gone) + b"\n", format=ox.RdfFormat.N_TRIPLES):
        q = ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
        if q in store:
            store.remove(q)
            predicates.add(t.predicate.value)
            change -= 1
    fresh = [q for t in ox.parse(b"\n".join(fresh_lines) + b"\n", format=ox.RdfFormat.N_TRIPLES)
             if (q := ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())) not in store]
    predicates.update(q.predicate.value for q in fresh)
    store.extend(fresh)
    return change + len(fresh), predicates


def _named(old: Path, store, predicates: set[str], aggregates) -> dict[str, str] | None:
    """The cached named query results for the updated ``store`` (None: no aggregates): those
    of generation ``old``, the queries that read a changed predicate run again
    (kg.read.query.aggregate_results).  In this process: it has the store open, and a child
    forked from a process whose store database runs threads could hang opening one."""
    if aggregates is None:
        return None
    from kg.core import readmodel

    return aggregates.run(store, predicates, readmodel.read_named(old / st.READ_MODEL))


def _splice(old_path: Path, new_path: Path, index, spans, new_blocks, which: int,
            tail: bytes, end: bytes) -> None:
    """The new file: the previous one's bytes up to each redone record's block (copied by the
    kernel), that block rewritten, and so on; then the tail (``which``: 0 graph.ttl, 1
    graph.jsonld)."""
    with open(old_path, "rb") as src, open(new_path, "wb") as dst:
        at = 0
        for key in sorted(new_blocks, key=lambda k: spans[k][which]):  # in file order
            st.copy_range(src, dst, at, spans[key][which] - at)
            row, block = index.records[key], new_blocks[key]
            dst.write(block.js if which else block.nt)
            at = spans[key][which] + (row.js if which else row.nt)
        st.copy_range(src, dst, at, spans["tail"][which] - at)
        dst.write(tail)
        dst.write(end)
