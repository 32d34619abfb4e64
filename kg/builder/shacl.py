"""The SHACL validation of `kg check` and `kg build`: the graph is validated with pySHACL
against ``shapes.ttl`` (shipped with kg).

pySHACL is slow (about 0.8 s per 15,000 triples, rdflib underneath), so the whole graph is
validated only when it is small; above ``SHACL_FULL_MAX`` nodes of a class, a deterministic
sample of ``SHACL_SAMPLE`` nodes per class is validated with their own triples and the types of
what they link to (the report says so).  SHACL checks the shape of what the graph builder
writes, which a sample exercises.

Imports only from kg.core: the build (kg.builder.pipeline) and `kg check` (kg.builder.check)
both use it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kg.builder.inputs import shipped
from kg.core.errors import InputError, Problem
from kg.core.vocab import ID, KGO, PREFIXES, RDF, SKOS, XSD, rebase

#: validate every node of a class with SHACL up to this many; sample above
SHACL_FULL_MAX = 1000
SHACL_SAMPLE = 200
SHAPES_NAME = "shapes.ttl"


@dataclass
class ShaclSummary:
    conforms: bool
    nodes: int  # focus nodes validated
    total_nodes: int  # focus nodes in the graph
    triples: int  # triples handed to pySHACL
    sampled: bool
    seconds: float

    def text(self) -> str:
        scope = (f"a sample of {self.nodes:,} of {self.total_nodes:,} nodes" if self.sampled
                 else f"all {self.nodes:,} nodes")
        verdict = "conforms" if self.conforms else "does not conform"
        return (f"SHACL (shapes.ttl): {scope} ({self.triples:,} triples) validated in "
                f"{self.seconds:.1f}s: {verdict}")

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class ShaclInput(NamedTuple):
    """What :func:`shacl_data` selects from a store for pySHACL: it crosses into the forked
    child that validates while the build goes on."""

    data: bytes  # N-Triples
    by_class: dict  # class IRI -> the nodes validated
    total: int  # focus nodes in the graph
    sampled: bool
    hashes: dict | None = None  # node IRI -> the hash of what SHACL sees of it (validated)
    kept: tuple = ()  # the hashes of the nodes not validated again: known to conform


class ShaclResult(NamedTuple):
    problems: list[Problem]
    summary: ShaclSummary


def shapes_path() -> Path:
    """shapes.ttl as shipped."""
    return shipped(SHAPES_NAME)


def graph_store(model, ontology: bytes):
    """An in-memory Oxigraph store of the graph a build would write."""
    import pyoxigraph as ox

    from kg.core.graph import to_ntriples

    store = ox.Store()
    store.bulk_load(input=ontology, format=ox.RdfFormat.TURTLE)
    store.bulk_load(input=to_ntriples(model).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


_TARGETS = (KGO.Work, KGO.Thinker, KGO.Contributor, KGO.Quote, KGO.Claim, SKOS.Concept, KGO.macro)


def shacl_data(store, full_max: int | None = None, sample: int | None = None,
               known: frozenset | set = frozenset()) -> ShaclInput:
    """N-Triples of the nodes to validate: every node of a small class, a sample of a large one.

    A node brings its own triples and the rdf:type of every node it links to (for sh:class):
    all that the shapes read of it (they look no further), so a node whose star (those
    lines, hashed) is in ``known`` (stars that conformed in the previous build, see
    :func:`read_known`) gives the same answer again and is not validated again.
    """
    import pyoxigraph as ox

    full_max = SHACL_FULL_MAX if full_max is None else full_max
    sample = SHACL_SAMPLE if sample is None else sample
    rdf_type = ox.NamedNode(RDF.type)
    dg = ox.DefaultGraph()
    by_class: dict[str, list] = {}
    total, sampled = 0, False
    for cls in _TARGETS:
        nodes = sorted((q.subject for q in store.quads_for_pattern(None, rdf_type,
                                                                   ox.NamedNode(cls), dg)),
                       key=lambda n: n.value)
        total += len(nodes)
        if len(nodes) > full_max:
            step = len(nodes) / sample
            nodes = [nodes[int(i * step)] for i in range(sample)]
            sampled = True
        by_class[cls] = nodes
    focus = list(dict.fromkeys(n for nodes in by_class.values() for n in nodes))
    if not sampled:  # entry nodes of no target class (none today) are validated too
        entry_type = ox.NamedNode(KGO.entryType)
        focus = list(dict.fromkeys(focus + [q.subject for q in store.quads_for_pattern(
            None, entry_type, None, dg)]))
    lines: list[str] = []
    linked: set = set()
    types: dict = {}  # linked node -> its rdf:type lines

    def types_of(o) -> list[str]:
        if o not in types:
            types[o] = [f"{q.subject} {q.predicate} {q.object} .\n"
                        for q in store.quads_for_pattern(o, rdf_type, None, dg)]
        return types[o]

    hashes: dict[str, str] = {}
    kept: list[str] = []
    validated: set = set()
    for node in focus:
        own, links = [], []
        for q in store.quads_for_pattern(node, None, None, dg):
            own.append(f"{q.subject} {q.predicate} {_bounded(q.object)} .\n")
            if isinstance(q.object, ox.NamedNode) and q.predicate != rdf_type:
                links.append(q.object)
        links = sorted(set(links) - {node}, key=lambda n: n.value)
        star = "".join(sorted(own)) + "".join(t for o in links for t in types_of(o))
        digest = hashlib.blake2b(star.encode("utf-8"), digest_size=16).hexdigest()
        if digest in known:
            kept.append(digest)
            continue
        hashes[node.value] = digest
        validated.add(node)
        lines.extend(own)
        linked.update(links)
    for o in sorted(linked - validated, key=lambda n: n.value):
        lines.extend(types_of(o))
    if kept:
        by_class = {cls: [n for n in nodes if n in validated] for cls, nodes in by_class.items()}
    return ShaclInput("".join(lines).encode("utf-8"), by_class, total, sampled, hashes,
                      tuple(kept))


#: longer literals are cut for SHACL (no shape looks past this; rdflib's N-Triples parser is
#: quadratic-ish on a 20 MB literal)
SHACL_MAX_LITERAL = 10_000


def _bounded(term):
    import pyoxigraph as ox

    if isinstance(term, ox.Literal) and len(term.value) > SHACL_MAX_LITERAL:
        cut = term.value[:SHACL_MAX_LITERAL]
        return ox.Literal(cut, language=term.language) if term.language else ox.Literal(
            cut, datatype=term.datatype)
    return term


def _target_sample(shapes, by_class: dict[str, list], data) -> None:
    """Point the shapes at the sampled nodes (sh:targetNode) instead of whole classes.

    The sample carries the rdf:type of the nodes it links to (for sh:class); with class
    targets those nodes would be validated without their own triples.  (pySHACL's
    ``focus_nodes`` option does the same job but also filters nested shapes, which breaks
    sh:qualifiedValueShape, and is quadratic.)
    """
    from rdflib import URIRef
    from rdflib.namespace import SH

    entry_nodes = set(data.subjects(URIRef(KGO.entryType), None))
    for shape, cls in list(shapes.subject_objects(SH.targetClass)):
        shapes.remove((shape, SH.targetClass, cls))
        for n in by_class.get(str(cls), []):
            shapes.add((shape, SH.targetNode, URIRef(n.value)))
    for shape, prop in list(shapes.subject_objects(SH.targetSubjectsOf)):
        shapes.remove((shape, SH.targetSubjectsOf, prop))
        for n in entry_nodes:
            shapes.add((shape, SH.targetNode, n))


def validate(store, model=None) -> ShaclResult:
    """SHACL validation of a pyoxigraph store holding the graph; problems tied to entries."""
    import time

    t0 = time.perf_counter()
    return validate_data(shacl_data(store), model, t0)


def validate_data(selected: ShaclInput, model=None, t0: float | None = None) -> ShaclResult:
    """SHACL validation of what :func:`shacl_data` selected (no store needed: a forked process
    can do it while the build goes on)."""
    import time

    t0 = time.perf_counter() if t0 is None else t0
    if not selected.data:
        return ShaclResult([], ShaclSummary(True, 0, selected.total, 0, selected.sampled,
                                            time.perf_counter() - t0))
    import pyshacl
    import rdflib

    by_class, sampled = selected.by_class, selected.sampled
    g = rdflib.Graph()
    g.addN(_rdflib_quads(selected.data, g))
    shapes = rdflib.Graph()
    try:
        shapes.parse(data=rebase(shapes_path().read_bytes()), format="turtle")
    except FileNotFoundError:
        raise InputError(f"{shapes_path()}: SHACL shapes not found (reinstall kg)") from None
    if sampled or selected.kept:  # the nodes selected, not whole classes
        _target_sample(shapes, by_class, g)
    _conforms, results, _text = pyshacl.validate(g, shacl_graph=shapes, inference="none",
                                                 advanced=False, allow_warnings=True)
    problems = _results(results, model)
    conforms = not any(p.level == "error" for p in problems)
    nodes = len({n for nodes in by_class.values() for n in nodes})
    summary = ShaclSummary(conforms, nodes, selected.total, len(g), sampled,
                           time.perf_counter() - t0)
    return ShaclResult(problems, summary)


_XSD_STRING = XSD.string


def _rdflib_quads(data: bytes, graph):
    """The N-Triples ``data`` as rdflib terms, as rdflib's own parser makes them (a plain
    literal for xsd:string), read by Oxigraph's parser: a third of the time of rdflib's on
    long literals.  Each IRI made once.  ``lenient`` as the loader reads them: an IRI under
    a base that ends with '#' holds a second '#', which rdflib takes."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    iris: dict[str, URIRef] = {}

    def node(t):
        if isinstance(t, ox.NamedNode):
            u = iris.get(t.value)
            if u is None:
                u = iris[t.value] = URIRef(t.value)
            return u
        return BNode(t.value)

    for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES, lenient=True):
        o = t.object
        if isinstance(o, ox.Literal):
            dt = o.datatype.value
            obj = (Literal(o.value, lang=o.language) if o.language else
                   Literal(o.value) if dt == _XSD_STRING else
                   Literal(o.value, datatype=node(o.datatype)))
        else:
            obj = node(o)
        yield node(t.subject), node(t.predicate), obj, graph


def _where(model) -> dict[str, tuple[str, int, str]]:
    """Node IRI -> (file, line, key) of the entry it comes from."""
    where: dict[str, tuple[str, int, str]] = {}
    if model is not None:
        from kg.core.graph import person_iri, record_iri
        for rec in model.records:
            where[record_iri(rec)] = (rec.entry.file, rec.entry.line, rec.key)
        for p in model.persons.values():
            if p.entry is not None:
                where[person_iri(p.slug)] = (p.entry.file, p.entry.line, p.entry.key)
    return where


def _results(results, model) -> list[Problem]:
    from rdflib import Namespace, URIRef

    SH = Namespace("http://www.w3.org/ns/shacl#")
    where = _where(model)
    out: list[Problem] = []
    for r in results.subjects(URIRef(SH.resultSeverity), None):
        node = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        msg = results.value(r, SH.resultMessage)
        sev = results.value(r, SH.resultSeverity)
        level = "error" if sev == SH.Violation else "warning"
        file, line, key = where.get(str(node), ("graph", 0, ""))
        if not key:
            key = _short(str(node))
        text = f"SHACL: {_short(str(node))}"
        if path is not None:
            text += f" {_short(str(path))}"
        if value is not None:
            text += f" = {str(value)[:80]!r}"
        text += f": {msg}" if msg else ""
        out.append(Problem(file, line, key, level, text))
    return out


#: namespace -> how messages write it (our own ids without a prefix: work/ellul1988)
_SHORT = {ID: "", **{PREFIXES[p]: p + ":" for p in ("kgo", "dcterms", "bibo", "foaf", "schema",
                                                     "skos", "cito", "rdf", "owl")}}


def _short(iri: str) -> str:
    for ns, p in _SHORT.items():
        if iri.startswith(ns):
            return p + iri[len(ns):]
    return iri


# ------------------------------------------------------------- what the previous build validated

#: a generation's file: the stars (hashes, see shacl_data) of the nodes that conformed
KNOWN_NAME = "shacl-known.json"
KNOWN_VERSION = 1


def shapes_key() -> str:
    """What the known stars hold for: these shapes under this base IRI, cut literals alike,
    validated by this version of pySHACL."""
    from importlib import metadata

    try:
        shapes = rebase(shapes_path().read_bytes())
        validator = metadata.version("pyshacl")
    except (OSError, metadata.PackageNotFoundError):
        return ""
    return hashlib.sha256(shapes + f"|{SHACL_MAX_LITERAL}|{KNOWN_VERSION}|{validator}".encode()
                          ).hexdigest()


def read_known(path: Path) -> frozenset[str]:
    """The stars known to conform, from a previous build's file (none when it is missing,
    unreadable or made for other shapes)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return frozenset()
    key = shapes_key()
    if not key or not isinstance(data, dict) or data.get("shapes") != key:
        return frozenset()
    ok = data.get("ok")
    return frozenset(h for h in ok if isinstance(h, str)) if isinstance(ok, list) else frozenset()


def write_known(path: Path, selected: ShaclInput, errors: list[Problem], model=None) -> None:
    """The stars that conform after this validation: those known before, and those validated
    now whose node has no error (a node is named in a problem by its entry key, else by its
    short IRI: a key shared by two nodes keeps both out, which only costs a validation)."""
    where = _where(model)
    failed = {p.key for p in errors}
    ok = list(selected.kept)
    for iri, digest in (selected.hashes or {}).items():
        key = where.get(iri, ("", 0, ""))[2] or _short(iri)
        if key not in failed:
            ok.append(digest)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"shapes": shapes_key(), "ok": sorted(set(ok))}, f)
