"""`kg build`: references.bib + ontology.ttl -> out/ (store, Turtle, JSON-LD, manifest)."""
from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kg.builder import store as st
from kg.builder import tables, triplestore
from kg.builder.index import PeopleTail, Row, index_row, ontology_sha, piece_sha, write_index
from kg.builder.inputs import (
    bib_paths,
    default_inputs,
)
from kg.builder.inputs import thesaurus as _thesaurus
from kg.builder.loading import Loaded, child_env
from kg.builder.stages import (
    PAGE_MAX_ENTRIES,
    Aggregates,
    BuildResult,
    Page,
    flat_heads,
    gate,
    gate_rules,
    keep_good,
    page_warnings,
    publish,
    refuse,
    stage_page,
)
from kg.core import rows as readrows
from kg.core import vocab
from kg.core.errors import BuildError, KgError, Problem
from kg.core.forked import NICE, Forked
from kg.core.graph import own_concepts
from kg.core.model import mark_thinkers, thinker_counts
from kg.core.rows import RecordRows
from kg.core.themes import Field, Made
from kg.core.vocab import PREFIXES, SPEAKER

if TYPE_CHECKING:
    from kg.core.bib import Joined

#: above this many triples (about 2,000 entries) a library is built as a large one: graph.ttl
#: and graph.jsonld written flat (one statement per line / node objects as generated) instead of
#: pretty-printed by Oxigraph, an index kept for incremental builds, SHACL left to `kg check`
#: (at 8,000 entries the pretty dumps and SHACL took 3 s of a 4.5 s build; flat: 1.5 s in all)
PRETTY_MAX_TRIPLES = 60_000
CHUNK = 2000
#: when a large library's full build makes its SPARQL store (see :func:`build`)
STORE_MODES = ("build", "after", "first-use")


def build(bib: str | Path | None = None, ontology: str | Path | None = None,
          out: str | Path = "out", strict: bool = False, progress: bool = False,
          incremental: bool = True, page: Page | None = None,
          aggregates: Aggregates | None = None, store: str = "after") -> BuildResult:
    """Build the graph and publish it into ``out`` atomically.

    ``page(store, path)``, when given, writes the interactive page of the new store
    (kg.browse.render.write_page; the build layer does not import the page's layer).
    ``aggregates(store)``, when given, runs the parameterless aggregate named queries on the
    new store; the read model keeps their results (kg.read.query.aggregate_results).

    A large library whose previous build is in ``out`` is rebuilt incrementally when only
    works, quotes or claims changed (see kg.builder.incremental); the result is the same graph.

    ``store``: when a large library's full build makes its SPARQL store (kg.builder.triplestore;
    a small library's build always does): "build" (in the build), "after" (by a process
    started once the build is published) or "first-use" (by the first command that needs it).
    """
    if store not in STORE_MODES:
        raise ValueError(f"store must be one of {', '.join(STORE_MODES)}, not {store!r}")
    t0 = time.perf_counter()
    bib_path, onto_path = default_inputs(bib, ontology)
    out = Path(out)
    st.check_out(out)  # before any work: a folder kg must not write into is refused
    thesaurus, onto_bytes = _thesaurus(onto_path)
    from kg.core.bib import read_texts

    bibs = read_texts(bib_paths(bib_path))  # several files: one text, problems moved back
    text, read_problems = bibs.text, bibs.problems
    own = _Own(thesaurus, text, onto_bytes)
    if incremental:
        from kg.builder import incremental as inc

        result = inc.rebuild(text, read_problems, bibs, onto_path, onto_bytes, thesaurus,
                             out, strict, page=page, aggregates=aggregates, adopted=own)
        if result is not None:
            result.seconds = time.perf_counter() - t0
            return result
    triplestore.stop_makers(out)  # the store of the graph this build replaces
    result = _full(text, read_problems, bibs, onto_path, own, thesaurus, out, strict,
                   progress, page=page, aggregates=aggregates, store_mode=store)
    result.seconds = time.perf_counter() - t0
    if result.store_later == "after":
        triplestore.make_later(st.current(out))
    return result


class _Own:
    """The library's own themes of a build's text (Thesaurus.adopt), read once: called, the
    ontology's bytes with them.  :meth:`start` has a forked child read them (a large library:
    1 s at 50,000 entries with their own keywords) while this process reads the file's
    context; the child sends back the concepts as made, which this process makes again
    (Thesaurus.replay: the same concepts in the same order), where adopt found the keywords
    fields, and the heads of the flat files (the ontology with them, as N-Triples and JSON-LD:
    the dumps of a large ontology)."""

    def __init__(self, thesaurus, text: str, base: bytes):
        self.thesaurus, self.text, self.base = thesaurus, text, base
        self.bytes: bytes | None = None
        self.heads: tuple[bytes, bytes] | None = None
        self.child = None

    def start(self) -> None:
        from kg.core.forked import Child, can_fork

        if self.bytes is None and self.child is None and can_fork():
            self.child = Child.fork(_adopt_words, self.thesaurus, self.text, self.base)

    def __call__(self) -> bytes:
        if self.bytes is None:
            got = self._wait()
            if got is None:
                self.thesaurus.adopt(self.text)
            else:
                self.thesaurus.replay(got.made)
                self.thesaurus.fields = got.fields
            self.bytes = self.base + own_concepts(self.thesaurus.own())
            if got is not None and got.ontology == ontology_sha(self.bytes):
                self.heads = got.heads  # (else made from other bytes: made again here)
        return self.bytes

    def _wait(self) -> Adopted | None:
        """What the child sent (None: no child, or it failed: adopt here, which says why)."""
        child, self.child = self.child, None
        if child is None:
            return None
        ended = child.wait()
        return ended.reply.value if ended.reply is not None and ended.reply.ok else None

    def close(self) -> None:
        """The child stopped if it still runs (the build failed before it was needed)."""
        if self.child is not None:
            self.child.kill()
            self.child = None


class Adopted(NamedTuple):
    """What the child of _Own.start sends back."""

    made: list[Made]  # the library's own concepts, as made (Thesaurus.replay)
    fields: list[Field]  # the keywords fields found (kg.builder.index.keyword_prints)
    heads: tuple[bytes, bytes]  # the flat files' heads (the ontology with those concepts)
    ontology: str  # ontology_sha of the bytes the heads were made from


def _adopt_words(thesaurus, text: str, base: bytes) -> Adopted:
    """(In the child of _Own.start.) Every keyword of the text read: the concepts made, the
    keywords fields found, and the flat files' heads."""
    thesaurus.adopt(text)
    data = base + own_concepts(thesaurus.own())
    return Adopted(thesaurus.adopted_made, thesaurus.fields, flat_heads(data),
                   ontology_sha(data))


def _full(text: str, read_problems, bibs: Joined, onto_path: Path, own: _Own,
          thesaurus, out: Path, strict: bool, progress: bool,
          parallel: bool = True, page: Page | None = None,
          aggregates: Aggregates | None = None, store_mode: str = "build") -> BuildResult:
    """A whole build.  The main process reads the file-wide context (@string, @thinker,
    crossref parents, every key from the entry heads); the work, quote and claim pieces are
    parsed and interpreted in chunks, by two forked workers for a large library.

    Forks happen only while no thread of kg runs, and before this process opens the store
    (whose database runs threads of its own, which a forked child would inherit half-made):
    the loader is a process started, not forked, that owns the store while it loads; then the
    workers are forked (the pool's threads end with the map), then the read model's writer,
    then SHACL's child; only then does this process open the loaded store, read-only, for the
    aggregates and the page, while the loader, its store closed and opened again read-only,
    writes a small library's pretty graph.ttl and graph.jsonld.

    ``bibs``: the .bib file(s) ``text`` was read from; what the build finds is at a line of
    that text until, once, before anything reports it, moved to its own file and line.
    ``own``: the library's own themes (of ``thesaurus``), read by a child of their own while
    this process reads the context, for a large library."""
    import pyoxigraph as ox

    from kg.core.bib import BibFile, _check_macros, _chunks, parse_pieces
    from kg.core.model import ModelBuilder

    if parallel and text.count("\n@") >= PARALLEL_MIN_ENTRIES:
        own.start()
    try:
        pieces = list(_chunks(text)) if text.strip() else []
        plan = _plan(text, pieces)
        ctx = BibFile(bibs.name)
        if not pieces:
            ctx.problems.extend(bibs.empty())
        ctx.problems[:0] = read_problems
        piece_keys = dict(parse_pieces(ctx, pieces, plan.context, plan.first_line))
        _check_macros(ctx)
        parents = BibFile(bibs.name)
        parse_pieces(parents, pieces, plan.parents, dict(plan.first_line))
        onto_bytes = own()
    finally:
        own.close()
    piece_shas: dict[int, str] = {}  # the record pieces' hashes, made by the workers
    n = len(plan.records)
    bar = _Progress(progress and n >= 5000, n)
    mb = ModelBuilder(ctx, thesaurus, keys=set(plan.first_line), extra=parents.entries)
    large = n * 30 > PRETTY_MAX_TRIPLES
    paged = page is not None and n <= PAGE_MAX_ENTRIES
    # a large library without its page: the SPARQL store made after the build, the aggregate
    # named queries run by the loader on what they read, in memory (kg.builder.triplestore)
    later = large and not paged and store_mode != "build"
    workers = _workers(n) if parallel else None
    stage = st.staging(out)
    loader = flat = store = None
    writers: list[Forked] = []
    try:
        loader = _Loader(stage, onto_bytes, shacl=not large,  # started, not forked
                         known=None if large else _known(out), dump=not large, memory=later,
                         queries=aggregates.queries if later and aggregates else None)
        _share(mb, pieces, plan, stage, _kept(aggregates) if later else None)
        if workers:
            workers.start(loader.fd)  # then the workers, whose pool's threads end with the map
        keys: list[str] = []  # of the works, quotes and claims, in file order
        positions: list[int] = []
        counts = {"works": 0, "quotes": 0, "claims": 0}
        records, loose, read_rows, blocking, index_rows = [], [], [], [], []
        flat = _FlatWriter(stage, onto_bytes, own.heads) if large else None
        others = 0  # later: the statements not sent to the loader (each a record's own)
        # the records come back when this process needs them: SHACL (small), the page's CSL
        ranges = [_Range(i, min(i + CHUNK, n), large, paged or not large)
                  for i in range(0, n, CHUNK)]
        results = workers.map(_chunk, ranges) if workers else map(_chunk, ranges)
        for part in results:
            if part.files:  # large: the worker wrote its blocks to files in the stage
                flat.append(*part.files)
                if later:
                    part.files[0].unlink()
                    loader.put(part.kept)
                    others += part.others
                else:
                    loader.put(part.files[0])
            else:
                loader.put(part.nt)
            read_rows.append(part.rows)
            records.extend(part.recs)
            loose.extend(part.loose)
            piece_keys.update(part.piece_keys)
            piece_shas.update(part.piece_shas)
            keys.extend(part.keys)
            positions.extend(part.positions)
            mb.problems.extend(part.problems)
            blocking.extend(part.blocking)
            index_rows.append(part.index)
            for kind, k in part.counts.items():
                counts[kind] += k
            for p in part.persons:
                mb.persons.setdefault(p.slug, p)
            bar.update(CHUNK)
        if len(keys) + len(ctx.entries) != len({*keys, *(e.key for e in ctx.entries)}):
            raise _Sequential()  # a key the entry heads did not show: redo in order
        mark_thinkers(mb.persons.values(), {r.person for rows in read_rows
                                            for r in rows.roles if r.role == SPEAKER})
        order = [k for _, k in sorted([*((e.position, e.key) for e in ctx.entries),
                                       *zip(positions, keys)])]
        # the read model's writer first: the last process to end (8 s of CPU at 50,000
        # entries), it no longer waits for the thinkers' triples (1 s at 30,000 people)
        writers.append(_write_read_model(stage, onto_bytes, read_rows, mb.persons, large,
                                         last=later))
        del read_rows  # the child has its copy
        tail = _tail(mb, ctx, large, order)
        loader.put(tail.nt)
        counts.update(thinker_counts(mb.persons.values()), themes=len(thesaurus))
        thinker_model = mb.model([])
        blocking += [p for rule in gate() for p in rule(thinker_model) if p.level == "error"]
        if large:  # while the store finishes loading
            heads = flat.close(tail.nt, tail.js)
            write_index(stage / st.INDEX, pieces, piece_keys, piece_shas, keys, positions,
                        index_rows, ctx, plan.parent_keys, heads, (len(tail.nt), len(tail.js)),
                        tail.people, counts, mb.persons, thesaurus, onto_bytes)
        loaded = loader.close()  # with what SHACL validates, selected by the loader
        triples = loaded.triples + others
        page_problems: list[Problem] = []
        model = mb.model(records) if paged or not large else None
        if not large:  # SHACL on the whole graph (large ones: `kg check` samples), in a
            shacl = Forked(lambda: _validate(loaded.selected, model, stage),
                           "validating the graph (SHACL)", True)
            writers.append(shacl)
        if not later and (not large or aggregates is not None or paged):
            store = ox.Store.read_only(str(stage / "store"))  # after the last fork
        named = loaded.named if later else \
            aggregates.run(store, None, None) if aggregates is not None else None
        if paged:
            stage_page(stage, store, page, page_problems, model)
        if not large:  # the loader wrote the pretty files meanwhile
            loader.finish()
            blocking += shacl.wait()
        problems = sorted(bibs.moved({*ctx.problems, *mb.problems, *loose, *blocking,
                                      *page_problems}), key=bibs.order)
        refuse(problems, counts, strict, bibs, out)
        keep_good(bibs.moved(blocking), out)
        store = None  # closed before it is moved into place
        for w in writers:
            w.wait()
        if named is not None:
            tables.write_named(stage / st.READ_MODEL, named)
        publish(out, stage, bibs, onto_path, counts, triples, problems)
        problems.extend(page_warnings(out, n))
    except BaseException as e:
        for w in writers:
            w.kill()
        if flat:
            flat.close(b"", b"")
        if workers:
            workers.stop()
        if loader is not None:
            loader.abort()
        store = None  # closed before its folder goes: RocksDB may still be writing into it
        st.discard(stage)
        if isinstance(e, _Sequential) and parallel:
            bar.done()
            return _full(text, read_problems, bibs, onto_path, own, thesaurus, out,
                         strict, progress, parallel=False, page=page, aggregates=aggregates,
                         store_mode=store_mode)
        raise
    finally:
        bar.done()
    result = BuildResult(out, counts, problems, triples)
    result.store_later = store_mode if later else ""
    return result


def _kept(aggregates: Aggregates | None) -> frozenset[str]:
    """The predicates whose statements a large build without its store gives its loader: what
    the aggregate named queries read, and every predicate of a concept's statements (a
    record may repeat its themes' concepts: the loader's store keeps one copy, and the count
    of statements stays exact)."""
    from kg.core.vocab import RDF, SKOS

    return frozenset({*(aggregates.predicates if aggregates else ()), RDF.type,
                      SKOS.prefLabel, SKOS.altLabel, SKOS.inScheme, SKOS.broader,
                      SKOS.topConceptOf})


def _known(out: Path) -> Path | None:
    """The previous build's file of the nodes SHACL found conforming (kg.builder.shacl), when
    it is as that build wrote it."""
    from kg.builder.shacl import KNOWN_NAME

    try:
        gen = st.current(out)
    except KgError:
        return None
    return gen / KNOWN_NAME if st.intact(gen, KNOWN_NAME) else None


def _validate(selected, model, stage: Path) -> list[Problem]:
    """SHACL's errors on what the loader selected; the stars that conform are written into
    the stage for the next build."""
    from kg.builder import shacl

    errors = [p for p in shacl.validate_data(selected, model)[0] if p.level == "error"]
    shacl.write_known(stage / shacl.KNOWN_NAME, selected, errors, model)
    return errors


class _Sequential(Exception):
    """The parallel build met a file it cannot split safely; the sequential one follows."""


@dataclass
class _Plan:
    context: list[int]  # pieces the main process parses (no work/quote/claim head)
    records: list[int]  # pieces with a work, quote or claim head
    parents: list[int]  # pieces of crossref/xref parents (also among `records`)
    parent_keys: list[str]
    first_line: dict[str, int]  # key -> line of its first entry head


# may also match inside a value: an extra parent costs nothing, a missed one would
_PARENT = re.compile(r"(?i)\b(?:crossref|xref)\s*=\s*[{\"]?\s*([^,}\"\s]+)")
_REF = re.compile(r"[rR][eE][fF]\s*=\s*[{\"]?\s*([^,}\"\s]+)")  # the same, from 'ref'
_WORD = re.compile(r"\w")


def parent_keys(text: str) -> list[str]:
    """What ``_PARENT.findall(text)`` finds, ten times faster: each 'ref' is found in the
    text's UTF-8 bytes lowered (ASCII only: fast, where lowering the text itself took 0.55 s
    on a 38 MB library with accents), then the pattern is tried there, on the text."""
    # ignoring case, a long s (U+017F) matches 's', which the lowered bytes miss: the only
    # character but their own letters that crossref and xref match (tests/builder)
    if "\u017f" in text:
        return _PARENT.findall(text)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _PARENT.findall(text)
    low = data.lower()
    keys: list[str] = []
    pos = chars = done = 0  # the text is searched from pos; data[:done] is text[:chars]
    at = low.find(b"ref")
    while at != -1:
        chars += len(data[done:at].decode("utf-8"))
        done = at
        m = _REF.match(text, chars) if chars >= pos else None
        if m:
            for head in ("cross", "x"):
                j = m.start() - len(head)
                if j >= 0 and text[j:m.start()].lower() == head and not (
                        j and _WORD.match(text, j - 1)):
                    keys.append(m.group(1))
                    pos = m.end()
                    break
        at = low.find(b"ref", at + 1)
    return keys


def _plan(text: str, pieces: list[tuple[str, int]]) -> _Plan:
    from kg.core.bib import _HEAD, _NOT_ENTRY

    parents = sorted(set(parent_keys(text)))
    wanted = set(parents)
    plan = _Plan([], [], [], parents, {})
    for i, (chunk, line) in enumerate(pieces):
        m = _HEAD.match(chunk)
        kind = m.group(1).lower() if m else ""
        if m:
            plan.first_line.setdefault(m.group(3), line)
        if not m or kind in _NOT_ENTRY or kind == "thinker":
            plan.context.append(i)
            continue
        plan.records.append(i)
        if m.group(3) in wanted:
            plan.parents.append(i)
    return plan


class Tail(NamedTuple):
    """The thinkers, then the file-level nodes: the end of graph.ttl and graph.jsonld."""

    nt: bytes
    js: bytes  # ',\n'-led node objects
    people: PeopleTail  # the thinkers' part (an incremental build may keep it)


def _tail(mb, bib_file, large: bool, order: list[str]) -> Tail:
    """``order``: every key in file order."""
    from kg.core import graph

    nt, js = [], []
    for part in (graph.persons_out(mb.persons.values(), jsonld=large),
                 graph.file_out(bib_file, mb.unplaced, jsonld=large, order=order)):
        nt.append(part.ntriples().encode("utf-8"))
        js.append("".join(",\n" + node for node in part.jsonld_nodes()).encode("utf-8")
                  if large else b"")
    people = PeopleTail(graph.persons_print(mb.persons.values()) if large else "",
                        len(nt[0]), len(js[0]))
    return Tail(b"".join(nt), b"".join(js), people)


#: libraries of at least this many entries are interpreted by two processes (2 cores)
PARALLEL_MIN_ENTRIES = 4000
_SHARED: dict = {}  # what a forked worker inherits: ModelBuilder, pieces, plan, staging folder


@dataclass
class _Part:
    """What a worker sends back for one chunk of records: the triples to write and to load
    (in files for a large build: the kernel copies them, no pipe, no pickle), and as few
    objects as possible (each costs its unpickling in the main process)."""

    nt: bytes  # the records' N-Triples (small builds)
    files: tuple[Path, Path] | None  # large builds: the files of their N-Triples and JSON-LD
    keys: list[str]
    positions: list[int]
    counts: dict[str, int]  # "works", "quotes", "claims" -> how many
    problems: list[Problem]  # the records' problems
    blocking: list[Problem]  # those that make the graph wrong
    index: list[Row]  # the records' rows of the incremental index, if large
    persons: list  # persons first seen in this part
    recs: list  # the records themselves (SHACL needs them, and the page its works' CSL)
    loose: list[Problem]  # problems of pieces that gave no record
    piece_keys: list[tuple[int, str | None]]
    piece_shas: list[tuple[int, str]]  # large builds: the pieces' hashes for the index
    rows: RecordRows  # the records' rows of the read model
    kept: bytes = b""  # large builds without their store: the lines the loader is given
    others: int = 0  # and how many lines were not


class _Range(NamedTuple):
    """What a worker is sent: the record pieces [start, end) of the plan to interpret."""

    start: int
    end: int
    large: bool  # a large build: the blocks written to files, the index's rows made
    keep: bool  # the records sent back (SHACL, the page's CSL-JSON)


def _chunk(args: _Range) -> _Part:
    """Parse and interpret one range of record pieces."""

    from kg.core import graph
    from kg.core.bib import BibFile, _check_macros, parse_pieces

    i, j, large, keep = args
    mb, pieces, plan = _SHARED["mb"], _SHARED["pieces"], _SHARED["plan"]
    part = BibFile(mb.bib.path)
    piece_keys = parse_pieces(part, pieces, plan.records[i:j], plan.first_line)
    _check_macros(part, mb.macros)
    known = set(mb.persons)
    own: dict[str, list[Problem]] = {}
    for p in part.problems:
        own.setdefault(p.key, []).append(p)
    recs, entries, problems = [], [], []
    for e in part.entries:
        before = len(mb.problems)
        rec = mb.record(e)
        if rec is None:
            continue
        problems.append(own.pop(e.key, []) + mb.problems[before:])
        del mb.problems[before:]  # handed over with the record
        recs.append(rec)
        entries.append(e)
    gate = gate_rules(mb, recs)
    by_key = {rec.key: ps for rec, ps in zip(recs, problems)}
    for p in gate:
        by_key[p.key].append(p)
    kept = _SHARED["kept"]
    blocks = graph.record_blocks(recs, jsonld=large, keep=kept)
    counts = {"works": 0, "quotes": 0, "claims": 0}
    rows = []
    for rec, e, (nt, js, _), ps in zip(recs, entries, blocks, problems):
        counts[rec.kind + "s"] += 1
        if large:
            rows.append(index_row(rec.key, rec.kind, len(nt), len(js), ps, e.line,
                                  [slug for _, slug, _ in rec.people]))
    nt, files = b"".join(b.nt for b in blocks), None
    lines = b"".join(b.kept for b in blocks) if kept is not None else b""
    others = nt.count(b"\n") - lines.count(b"\n") if kept is not None else 0
    if large:
        files = (_SHARED["stage"] / f".chunk-{i:09d}.nt", _SHARED["stage"] / f".chunk-{i:09d}.js")
        files[0].write_bytes(nt)
        files[1].write_bytes(b"".join(b.js for b in blocks))
        nt = b""
    return _Part(
        nt, files, [rec.key for rec in recs], [e.position for e in entries], counts,
        [p for ps in problems for p in ps], gate,
        rows,
        [p for s, p in mb.persons.items() if s not in known], recs if keep else [],
        [p for ps in own.values() for p in ps], piece_keys,
        [(k, piece_sha(pieces[k][0])) for k in plan.records[i:j]] if large else [],
        readrows.record_rows(recs), lines, others)


def _write_read_model(stage: Path, onto_bytes: bytes, rows: list[RecordRows], persons: dict,
                      fork: bool, last: bool) -> Forked:
    """read.sqlite of the build, written by a forked child (``fork``: a large library) while
    the store finishes loading: the chunks' rows in file order, the thinkers, the themes.
    ``last``: the writer is the build's longest task left (the store is made after the
    build), one core idle while it ends, so it does not yield the processor (50,000 entries,
    medians of three builds: 13.21 s niced, 12.96 s not; builds vary by 0.3 s)."""
    def write() -> None:
        tables.write(stage / st.READ_MODEL, readrows.theme_rows(onto_bytes), rows,
                     readrows.people_rows(persons))

    return Forked(write, "writing the read model", fork, 0 if last else NICE)


def _share(mb, pieces, plan, stage, kept: frozenset[str] | None) -> None:
    _SHARED.update(mb=mb, pieces=pieces, plan=plan, stage=stage, kept=kept)


class _Workers:
    """Forked processes that inherit the file-wide context instead of receiving it.

    The pool forks its workers before it starts its own threads; ``map`` joins them when it
    ends, before the build forks again."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool = None

    def start(self, loader_fd: int | None = None) -> None:
        """Fork the workers; each closes ``loader_fd`` (the loader's end, the main process's
        alone: the loader sees the end of its input when the main process is gone)."""
        import multiprocessing

        self.pool = multiprocessing.get_context("fork").Pool(
            self.processes, initializer=_close, initargs=(loader_fd,))

    def map(self, fn, items):
        """fn over items in order.  A worker that dies (the out-of-memory killer, a signal)
        loses its task and the pool waits for it for ever: watched for, it is an error."""
        import multiprocessing

        try:
            results = self.pool.imap(fn, items)
            started = self._processes()
            n = len(items)
            while n:
                try:
                    yield results.next(timeout=1.0)
                    n -= 1
                except multiprocessing.TimeoutError:
                    if self._processes() != started:
                        raise BuildError("a worker process died while building (killed: out "
                                         "of memory?); nothing was written") from None
        finally:
            self.stop()

    def _processes(self) -> set:
        """The pool's worker processes (replaced ones are gone from it)."""
        return {(p.pid, p.exitcode) for p in getattr(self.pool, "_pool", ())}

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
            _threads_gone()


def _threads_gone(seconds: float = 0.5) -> None:
    """Wait until the threads the pool joined are gone from the OS too (a joined thread still
    exits a moment later), so that the next fork is of a one-thread process (Linux; elsewhere
    nothing to read)."""
    import threading

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if len(os.listdir("/proc/self/task")) <= threading.active_count():
                return
        except OSError:
            return
        time.sleep(0.001)


def _close(fd: int | None) -> None:
    import contextlib
    import os

    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def _workers(n: int):
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if n < PARALLEL_MIN_ENTRIES or (cpus or 1) < 2:
        return None
    return _Workers(min(cpus, 2))


class _FlatWriter:
    """Large graphs: Turtle as prefixes + one statement per line; JSON-LD node objects.

    Written block by block as the records come; ``close`` returns the length of each file's
    head (before the first record's block): with the block sizes, an incremental build finds
    every record's bytes in these files.
    """

    def __init__(self, stage: Path, onto_bytes: bytes,
                 heads: tuple[bytes, bytes] | None = None):
        head_ttl, head_js = heads or flat_heads(onto_bytes)
        self.heads = (len(head_ttl), len(head_js))
        self.ttl = open(stage / "graph.ttl", "wb")  # noqa: SIM115 (closed in close())
        self.js = open(stage / "graph.jsonld", "wb")  # noqa: SIM115
        self.ttl.write(head_ttl)
        self.js.write(head_js)

    def append(self, nt: Path, js: Path) -> None:
        """Copy a chunk's files (the JSON-LD one is then removed)."""
        st.append_file(self.ttl, nt)
        st.append_file(self.js, js)
        js.unlink()

    def close(self, tail_nt: bytes, tail_js: bytes) -> tuple[int, int]:
        if not self.ttl.closed:
            self.ttl.write(tail_nt)
            self.js.write(tail_js + b"\n]\n")
            self.ttl.close()
            self.js.close()
        return self.heads


class _Loader:
    """Loads N-Triples into the store in a process of its own (kg.builder.loading: started,
    not forked, so that no forked child ever opens a store); this process opens the store
    once the loader is done."""

    def __init__(self, stage: Path, onto_bytes: bytes, shacl: bool, known: Path | None = None,
                 dump: bool = False, memory: bool = False,
                 queries: dict[str, str] | None = None):
        """``memory``: the store held in memory, never written (``queries`` run on it)."""
        import json
        import os
        import subprocess

        self.stage = stage
        self.sent = 0
        self.dumping = dump
        onto = stage / ".load-ontology.ttl"
        onto.write_bytes(onto_bytes)
        spec = stage / ".load-dump.json"
        asked = stage / ".load-queries.json"
        if queries is not None:
            asked.write_text(json.dumps(queries), encoding="utf-8")
        if dump:  # the pretty files, written by the loader once the store is loaded
            spec.write_text(json.dumps({"turtle": str(stage / "graph.ttl"),
                                        "jsonld": str(stage / "graph.jsonld"),
                                        "prefixes": PREFIXES}), encoding="utf-8")
        self.errors = open(stage / ".load-errors", "w+b")  # noqa: SIM115 (closed in _end)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg.builder.loading", str(stage / "store"), str(onto),
             f"--parent={os.getpid()}", *(["--shacl"] if shacl else []),
             *([f"--known={known}"] if shacl and known else []),
             *([f"--dump={spec}"] if dump else []), *(["--memory"] if memory else []),
             *([f"--queries={asked}"] if queries is not None else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=child_env())
        self.fd: int | None = self.proc.stdin.fileno()

    def put(self, data: bytes | Path) -> None:
        """Queue N-Triples: bytes, or a file (removed once loaded)."""
        if isinstance(data, bytes):
            if not data:
                return
            path = self.stage / f".load-{self.sent:09d}.nt"
            path.write_bytes(data)
            data = path
        self.sent += 1
        try:
            self.proc.stdin.write(str(data).encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # the loader stopped: its error says why
            self.close()
            raise BuildError("loading the graph failed: the loader stopped") from None

    def close(self) -> Loaded:
        """Wait until everything is loaded (kg.builder.loading.Loaded).  The store is then
        closed by the loader and may be opened (read-only); a loader that writes the pretty
        files goes on with them (:meth:`finish` waits for them)."""
        import pickle

        try:
            self.proc.stdin.write(b"\n")
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass
        self.fd = None
        try:
            result = pickle.load(self.proc.stdout)
        except Exception:  # no answer: the loader stopped (its error says why)
            result = None
        if result is None or not self.dumping:
            self.finish()
        if result is None:
            raise BuildError("loading the graph failed: the loader gave no answer")
        return result

    def finish(self) -> None:
        """Wait until the loader is done (its files written); raise its error if it failed."""
        if self.errors.closed:
            return
        self.proc.stdout.read()
        self.proc.wait()
        self.proc.stdout.close()
        self.errors.seek(0)
        error = self.errors.read().decode("utf-8", "replace").strip()
        self.errors.close()
        for name in (".load-errors", ".load-ontology.ttl", ".load-dump.json",
                     ".load-queries.json"):
            (self.stage / name).unlink(missing_ok=True)
        if self.proc.returncode:
            raise BuildError(f"loading the graph failed: "
                             f"{error or f'exit status {self.proc.returncode}'}")

    def abort(self) -> None:
        import contextlib

        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()
        self.proc.wait()
        self.proc.stdout.close()
        self.errors.close()
        self.fd = None


def ensure_built(out: str | Path = "out", bib: str | Path | None = None,
                 ontology: str | Path | None = None, quiet: bool = False,
                 page: Page | None = None, aggregates: Aggregates | None = None,
                 previous_ok: bool = True) -> Path:
    """The output folder, rebuilt first when the bibliography or ontology changed.

    When that build fails and ``out`` holds a graph, a reader (``previous_ok``) gets the
    previous one, with one line on stderr saying so and why: one slip in the .bib never
    stops the questions.  ``previous_ok=False`` (kg push) lets the error through."""
    out = Path(out)
    bib_path, onto_path = default_inputs(bib, ontology)
    if st.built_from(out, bib_path, onto_path):
        return out
    m = st.read_manifest(out)
    same = st.made_from(m, bib_path, onto_path)
    if not quiet:
        shown = ", ".join(map(str, bib_paths(bib_path)))
        why = ("no graph built yet" if m is None else f"{shown} or {onto_path} changed"
               if not same else f"it was built by another kg or with another base IRI than "
               f"{vocab.BASE}")
        print(f"kg: {why}; building {out}/ …", file=sys.stderr)
    try:
        build(bib_path, onto_path, out, page=page, aggregates=aggregates)
    except KgError as e:
        if m is None or not previous_ok:
            raise
        why = str(e).splitlines()[0]
        print(f"kg: the new build failed, so this answer is from the previous build of {out}/ "
              f"({why})", file=sys.stderr)
    return out


class _Progress:
    """A progress bar on a terminal for large inputs; silent in pipes and with --quiet."""

    def __init__(self, enabled: bool, total: int):
        self.bar = None
        if enabled and sys.stderr.isatty():
            import click

            self.bar = click.progressbar(length=total, label="Building", file=sys.stderr)
            self.bar.__enter__()

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
