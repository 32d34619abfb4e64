"""`kg check`: lint the bibliography and validate the graph against the SHACL shapes.

Two layers:

- lint rules: small functions ``rule(model) -> Iterable[Problem]`` over the decoded model
  (every entry, linear time), added to what the reader and the model already report (syntax,
  duplicate keys and fields, unknown themes, quotes without locator, unsourced claims, unknown
  crossref/related keys);
- SHACL: the graph the build writes is validated with pySHACL against ``shapes.ttl`` (beside
  ``ontology.ttl``).  pySHACL is slow (about 0.8 s per 15,000 triples, rdflib underneath), so the
  whole graph is validated only when it is small; above ``SHACL_FULL_MAX`` nodes of a class, a
  deterministic sample of ``SHACL_SAMPLE`` nodes per class is validated with their own triples
  and the types of what they link to (the report says so).  The lint rules still see every
  entry; SHACL checks the shape of what the graph builder writes, which a sample exercises.

``gate(model)`` is the fast subset ``kg build`` runs before publishing: the rules whose errors
mean the new graph would be wrong, plus SHACL.
"""
from __future__ import annotations

import calendar
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.errors import InputError, KgError, Problem

#: validate every node of a class with SHACL up to this many; sample above
SHACL_FULL_MAX = 1000
SHACL_SAMPLE = 200
SHAPES_NAME = "shapes.ttl"


# ------------------------------------------------------------------------------- the report

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


@dataclass
class CheckReport:
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)  # model counts: works, thinkers...
    shacl: ShaclSummary | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def by_kind(self) -> list[tuple[str, str, int]]:
        """(level, kind of problem, count), errors first, most frequent first."""
        c = Counter((p.level, kind(p.message)) for p in self.problems)
        return sorted(((lv, k, n) for (lv, k), n in c.items()),
                      key=lambda t: (t[0] != "error", -t[2], t[1]))

    def text(self) -> str:
        lines: list[str] = []
        for title, group in (("Errors", self.errors), ("Warnings", self.warnings)):
            if group:
                lines.append(f"{title} ({len(group)}):")
                lines.extend(str(p) for p in group)
                lines.append("")
        if self.problems:
            lines.append("Counts:")
            lines.extend(f"  {n:>6}  {lv}: {k}" for lv, k, n in self.by_kind())
        if self.shacl:
            lines.append(self.shacl.text())
        c = self.counts
        what = ", ".join(f"{c[k]} {k}" for k in ("works", "thinkers", "quotes", "claims",
                                                 "themes") if k in c)
        lines.append(f"{'Clean' if not self.problems else 'Checked'}: {what}; "
                     f"{len(self.errors)} error(s), {len(self.warnings)} warning(s).")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
        return {
            "problems": [p.as_dict() for p in self.problems],
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings),
                       "by_kind": [{"level": lv, "kind": k, "count": n}
                                   for lv, k, n in self.by_kind()]},
            "entries": self.counts,
            "shacl": self.shacl.as_dict() if self.shacl else None,
            "exit_code": self.exit_code,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"


def kind(message: str) -> str:
    """The kind of a problem: its message up to the first quoted value or colon."""
    return message.split(":")[0].split("'")[0].split("(")[0].strip()


# ------------------------------------------------------------------------------- the API

def check(bib=None, ontology=None, out=None, shacl: bool = True) -> CheckReport:
    """Lint the bibliography and validate its graph; raise InputError when it cannot be read.

    ``out``: a built output folder; when it was built from these very inputs its store is
    validated instead of building the graph again in memory.
    """
    from kg.builder.pipeline import default_inputs, load_model

    bib_path, onto_path = default_inputs(bib, ontology)
    model = load_model(bib_path, onto_path)
    problems = list(model.problems)
    for rule in RULES:
        problems.extend(rule(model))
    summary = None
    if shacl and (model.records or model.persons):
        store = _built_store(out, bib_path, onto_path) if out else None
        if store is None:
            store = graph_store(model, onto_path.read_bytes())
        shacl_problems, summary = validate(store, model)
        problems.extend(shacl_problems)
    return CheckReport(_sorted(problems), model.counts(), summary)


def gate(model_or_graph, ontology: bytes | None = None, store=None) -> list[Problem]:
    """The errors that make a graph broken: `kg build` must not publish it over a good out/.

    ``model_or_graph``: a :class:`kg.core.model.Model` (gate rules + SHACL), or a pyoxigraph Store
    holding the built graph (SHACL only).  ``store``: with a Model, the store the build has
    already loaded (ontology + graph), validated instead of building one in memory.  Returns
    error-level problems only; fast (SHACL on every node of a small corpus, on a sample of a
    large one).
    """
    from kg.core.model import Model

    problems: list[Problem] = []
    if isinstance(model_or_graph, Model):
        model = model_or_graph
        for rule in GATE_RULES:
            problems.extend(p for p in rule(model) if p.level == "error")
        if not (model.records or model.persons):
            return problems
        if store is None:
            if ontology is None:
                from kg.builder.pipeline import shipped
                ontology = shipped("ontology.ttl").read_bytes()
            store = graph_store(model, ontology)
    else:
        store, model = model_or_graph, None
    shacl_problems, _ = validate(store, model)
    problems.extend(p for p in shacl_problems if p.level == "error")
    return _sorted(problems)


def _sorted(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in sorted(problems, key=lambda p: (p.file, p.line, p.key, p.level != "error")):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


# ------------------------------------------------------------------------------- lint rules

Rule = Callable[[object], Iterable[Problem]]


def _problem(e, fname: str, level: str, msg: str) -> Problem:
    return Problem(e.file, e.field_lines.get(e.names().get(fname, fname), e.line), e.key,
                   level, msg)


#: biblatex's mandatory fields (blx-dm.def) by entry type; a tuple means one of them
REQUIRED: dict[str, list] = {
    "article": ["author", "title", ("journaltitle", "journal")],
    "book": ["author", "title"], "mvbook": ["author", "title"],
    "inbook": ["author", "title", "booktitle"], "bookinbook": ["author", "title", "booktitle"],
    "suppbook": ["author", "title", "booktitle"],
    "booklet": [("author", "editor"), "title"],
    "collection": ["editor", "title"], "mvcollection": ["editor", "title"],
    "reference": ["editor", "title"], "mvreference": ["editor", "title"],
    "incollection": ["author", "editor", "title", "booktitle"],
    "suppcollection": ["author", "editor", "title", "booktitle"],
    "inreference": ["author", "editor", "title", "booktitle"],
    "dataset": ["title"], "manual": ["title"], "misc": ["title"], "software": ["title"],
    "online": ["title", ("url", "doi", "eprint")],
    "patent": ["author", "title", "number"], "periodical": ["editor", "title"],
    "proceedings": ["title"], "mvproceedings": ["title"],
    "inproceedings": ["author", "title", "booktitle"],
    "report": ["author", "title", "type", ("institution", "school")],
    "thesis": ["author", "title", "type", ("institution", "school")],
    "unpublished": ["author", "title"],
}
_ALIAS = {"conference": "inproceedings", "electronic": "online", "www": "online",
          "mastersthesis": "thesis", "phdthesis": "thesis", "techreport": "report"}
_DATED = {"article", "book", "inbook", "bookinbook", "suppbook", "booklet", "collection",
          "incollection", "suppcollection", "manual", "misc", "mvbook", "mvcollection",
          "online", "patent", "periodical", "suppperiodical", "proceedings", "inproceedings",
          "reference", "inreference", "report", "thesis", "unpublished"}


def rule_required_fields(model) -> Iterable[Problem]:
    """Fields biblatex requires for the entry type (inherited ones through crossref count)."""
    for rec in model.records:
        if rec.kind != "work":
            continue
        raw_type = rec.entry.entry_type
        t = _ALIAS.get(raw_type, raw_type)
        need = list(REQUIRED.get(t, []))
        if (t == "thesis" and raw_type != "thesis") or (t == "report" and raw_type != "report"):
            need = [n for n in need if n != "type"]  # implied by @phdthesis, @techreport...
        if t in _DATED:
            need.append(("date", "year"))
        missing = []
        for n in need:
            alts = n if isinstance(n, tuple) else (n,)
            if not any(rec.values.get(a) for a in alts):
                missing.append("/".join(alts))
        if missing:
            yield _problem(rec.entry, "", "warning",
                           f"missing required field{'s' if len(missing) > 1 else ''}: "
                           f"{', '.join(missing)} (biblatex's data model for @{raw_type}; leave "
                           "it out only when it is truly unknown)")


def rule_duplicate_works(model) -> Iterable[Problem]:
    """Two works with the same normalised title, authors and year."""
    from kg.core.graph import year_of
    from kg.core.latex import slug

    first: dict[tuple, object] = {}
    for rec in model.records:
        if rec.kind != "work" or not rec.get("title"):
            continue
        authors = tuple(sorted(s for role, s, _ in rec.people if role in ("author", "editor")))
        year = year_of(rec.get("date") or rec.get("year"))
        sig = (slug(rec.get("title")), authors, year)
        if sig in first:
            other = first[sig]
            if rec.get("crossref") == other.key or other.get("crossref") == rec.key:
                continue
            yield _problem(rec.entry, "title", "warning",
                           f"likely duplicate of '{other.key}' (line {other.entry.line}): same "
                           "title, authors and year; merge them or link them with related")
        else:
            first[sig] = rec


def rule_thinker_dates(model) -> Iterable[Problem]:
    """@thinker entries for a person without birth or death date."""
    for p in model.persons.values():
        if p.entry is None or p.kind != "person" or p.birth or p.death:
            continue
        yield _problem(p.entry, "name", "warning",
                       "thinker has no dates: add birthdate (and deathdate) when known")


_DATE_FIELDS = ("date", "origdate", "eventdate", "urldate", "birthdate", "deathdate")
_PART = re.compile(r"(-?[0-9X]{4})(?:-([0-9X]{2})(?:-([0-9X]{2}))?)?"
                   r"(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?[?~%]?")


def date_error(value: str) -> str | None:
    """Why a biblatex (ISO 8601/EDTF) date is malformed, or None when it is fine."""
    v = value.strip()
    if not v:
        return "empty date"
    parts = v.split("/")
    if len(parts) > 2:
        return "more than one '/'"
    if len(parts) == 2 and not any(p not in ("", "..") for p in parts):
        return "a range needs at least one end"
    for p in parts:
        if p in ("", "..") and len(parts) == 2:
            continue
        m = _PART.fullmatch(p)
        if not m:
            return "expected YYYY, YYYY-MM or YYYY-MM-DD (EDTF markers ? ~ and ranges a/b allowed)"
        y, mo, d = m.groups()
        if mo and "X" not in mo:
            if not (1 <= int(mo) <= 12 or 21 <= int(mo) <= 24):
                return f"month {mo} out of range"
            if (d and "X" not in d and "X" not in y and int(mo) <= 12
                    and not 1 <= int(d) <= calendar.monthrange(abs(int(y)) or 2000, int(mo))[1]):
                return f"day {d} does not exist in {y}-{mo}"
    return None


def rule_dates(model) -> Iterable[Problem]:
    """Dates that are not ISO 8601/EDTF as biblatex reads them; years that are not numbers."""
    for e, values in _entries(model):
        for f in _DATE_FIELDS:
            if values.get(f):
                why = date_error(values[f])
                if why:
                    yield _problem(e, f, "error", f"malformed date '{values[f]}' in {f}: {why}")
        y = values.get("year", "")
        if y and not re.fullmatch(r"-?\d{1,4}", y.strip()):
            yield _problem(e, "year", "warning",
                           f"year '{y}' is not a number: write it in date (EDTF) or note")


def isbn_ok(value: str) -> bool:
    s = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{9}[\dX]", s):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(s))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", s):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(s)) % 10 == 0
    return False


def rule_identifiers(model) -> Iterable[Problem]:
    """ISBN (checksum), DOI and URL syntax."""
    from urllib.parse import urlsplit

    for e, values in _entries(model):
        isbn = values.get("isbn", "")
        if isbn:
            for one in re.split(r"[;,]|\s{2,}", isbn):
                if one.strip() and not isbn_ok(one):
                    yield _problem(e, "isbn", "error",
                                   f"invalid ISBN '{one.strip()}': wrong length or checksum "
                                   "(copy it again from the book or a library catalogue)")
        doi = values.get("doi", "")
        if doi:
            if re.match(r"(?i)(https?://(dx\.)?doi\.org/|doi:)", doi):
                yield _problem(e, "doi", "warning",
                               f"DOI '{doi}' written as a link: write the bare DOI (10.xxxx/...)")
            elif not re.fullmatch(r"10\.\d{4,9}/\S+", doi):
                yield _problem(e, "doi", "error",
                               f"malformed DOI '{doi}': a DOI looks like 10.1234/abc")
        for f in ("url",):
            url = values.get(f, "")
            if not url:
                continue
            try:
                u = urlsplit(url)
                good = (u.scheme in ("http", "https", "ftp") and bool(u.netloc)
                        and not re.search(r"\s", url))
            except ValueError:
                good = False
            if not good:
                yield _problem(e, f, "error",
                               f"malformed URL '{url[:200]}': expected http(s)://host/...")


def rule_undefined_links(model) -> Iterable[Problem]:
    """xdata/ids targets that are not keys (crossref, related, source... the model reports)."""
    keys = None  # every key of the file, gathered only if a record has xdata
    for rec in model.records:
        xdata = rec.entry.names().get("xdata")
        if not xdata:
            continue
        if keys is None:
            keys = {e.key for e in model.bib.entries}
        for k in re.split(r"[,;]", rec.get("xdata")):
            if k.strip() and k.strip() not in keys:
                yield _problem(rec.entry, "xdata", "error",
                               f"xdata '{k.strip()}' is not a key of the bibliography")


def rule_unsourced_claims(model) -> Iterable[Problem]:
    """Contested claims with no source (sourced/unsourced ones are reported by the model)."""
    for rec in model.records:
        if rec.kind == "claim" and rec.get("status").lower() == "contested" \
                and not rec.get("source"):
            yield _problem(rec.entry, "status", "warning",
                           "contested claim has no source: cite the source of the correct fact")


def rule_stray_latex(model) -> Iterable[Problem]:
    """LaTeX macros the decoder does not know: they would stay as '\\name' in the graph."""
    from kg.core.bib import VERBATIM_FIELDS, resolve
    from kg.core.latex import unknown_macros

    macros = model.bib.macros()
    for e in model.bib.entries:
        for name, raw in e.fields.items():
            if "\\" not in raw or name.lower() in VERBATIM_FIELDS:
                continue
            unknown = unknown_macros(resolve(raw, macros)[0])
            if unknown:
                yield Problem(e.file, e.field_lines.get(name, e.line), e.key, "warning",
                              f"unknown LaTeX macro {', '.join(chr(92) + u for u in unknown)} "
                              f"in {name}: kept as written in the graph (write the character "
                              "itself, or brace it)")


def rule_control_characters(model) -> Iterable[Problem]:
    """Control characters (other than tab and newline) in a value."""
    bad = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    for e in model.bib.entries:
        for name, raw in e.fields.items():
            m = bad.search(raw)
            if m:
                yield Problem(e.file, e.field_lines.get(name, e.line), e.key, "warning",
                              f"control character U+{ord(m.group()):04X} in {name}: kept as "
                              "data; remove it unless it is meant")


def _entries(model):
    """(entry, decoded values) of every entry: records and @thinker entries."""
    for rec in model.records:
        yield rec.entry, rec.values
    macros = None
    for p in model.persons.values():
        if p.entry is not None:
            if macros is None:
                macros = model.bib.macros()
            from kg.core.bib import text
            yield p.entry, {k.lower(): text(v, macros, k) for k, v in p.entry.fields.items()}


RULES: list[Rule] = [rule_required_fields, rule_duplicate_works, rule_thinker_dates, rule_dates,
                     rule_identifiers, rule_undefined_links, rule_unsourced_claims,
                     rule_stray_latex, rule_control_characters]
#: rules whose errors mean the graph would carry wrong values (typed dates, ISBN, DOI, URL)
GATE_RULES: list[Rule] = [rule_dates, rule_identifiers, rule_undefined_links]


# ------------------------------------------------------------------------------- SHACL

def shapes_path() -> Path:
    from kg.builder.pipeline import shipped
    return shipped(SHAPES_NAME)


def graph_store(model, ontology: bytes):
    """An in-memory Oxigraph store of the graph a build would write."""
    import pyoxigraph as ox

    from kg.core.graph import to_ntriples

    store = ox.Store()
    store.bulk_load(input=ontology, format=ox.RdfFormat.TURTLE)
    store.bulk_load(input=to_ntriples(model).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _built_store(out, bib_path: Path, onto_path: Path):
    from kg.builder import store as st

    try:
        gen = st.keep(out)  # one generation: the manifest checked is its store's
    except KgError:
        return None
    m = st.manifest_of(gen)
    if m and st.unchanged(m["bib"], bib_path) and st.unchanged(m["ontology"], onto_path):
        try:
            return st.open_store(gen)
        except Exception:
            return None
    return None


_TARGETS = ("https://kg.example/ontology#Work", "https://kg.example/ontology#Thinker",
            "https://kg.example/ontology#Quote", "https://kg.example/ontology#Claim",
            "http://www.w3.org/2004/02/skos/core#Concept", "https://kg.example/ontology#macro")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def shacl_data(store, full_max: int | None = None, sample: int | None = None):
    """N-Triples of the nodes to validate: every node of a small class, a sample of a large one.

    A node brings its own triples and the rdf:type of every node it links to (for sh:class).
    Returns (bytes, {class IRI: validated nodes}, total nodes, sampled).
    """
    import pyoxigraph as ox

    full_max = SHACL_FULL_MAX if full_max is None else full_max
    sample = SHACL_SAMPLE if sample is None else sample
    rdf_type = ox.NamedNode(_RDF_TYPE)
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
        entry_type = ox.NamedNode("https://kg.example/ontology#entryType")
        focus = list(dict.fromkeys(focus + [q.subject for q in store.quads_for_pattern(
            None, entry_type, None, dg)]))
    lines: list[str] = []
    linked: set = set()
    for node in focus:
        for q in store.quads_for_pattern(node, None, None, dg):
            lines.append(f"{q.subject} {q.predicate} {_bounded(q.object)} .\n")
            if isinstance(q.object, ox.NamedNode) and q.predicate != rdf_type:
                linked.add(q.object)
    for o in linked - set(focus):
        for q in store.quads_for_pattern(o, rdf_type, None, dg):
            lines.append(f"{q.subject} {q.predicate} {q.object} .\n")
    return "".join(lines).encode("utf-8"), by_class, total, sampled


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

    entry_nodes = set(data.subjects(URIRef("https://kg.example/ontology#entryType"), None))
    for shape, cls in list(shapes.subject_objects(SH.targetClass)):
        shapes.remove((shape, SH.targetClass, cls))
        for n in by_class.get(str(cls), []):
            shapes.add((shape, SH.targetNode, URIRef(n.value)))
    for shape, prop in list(shapes.subject_objects(SH.targetSubjectsOf)):
        shapes.remove((shape, SH.targetSubjectsOf, prop))
        for n in entry_nodes:
            shapes.add((shape, SH.targetNode, n))


def validate(store, model=None) -> tuple[list[Problem], ShaclSummary]:
    """SHACL validation of a pyoxigraph store holding the graph; problems tied to entries."""
    import time

    t0 = time.perf_counter()
    return validate_data(shacl_data(store), model, t0)


def validate_data(selected, model=None, t0: float | None = None
                  ) -> tuple[list[Problem], ShaclSummary]:
    """SHACL validation of what :func:`shacl_data` selected (no store needed: a forked process
    can do it while the build goes on)."""
    import time

    t0 = time.perf_counter() if t0 is None else t0
    import pyshacl
    import rdflib

    data, by_class, total, sampled = selected
    g = rdflib.Graph()
    g.parse(data=data, format="nt")
    shapes = rdflib.Graph()
    try:
        shapes.parse(shapes_path(), format="turtle")
    except FileNotFoundError:
        raise InputError(f"{shapes_path()}: SHACL shapes not found (reinstall kg)") from None
    if sampled:
        _target_sample(shapes, by_class, g)
    _conforms, results, _text = pyshacl.validate(g, shacl_graph=shapes, inference="none",
                                                 advanced=False, allow_warnings=True)
    problems = _results(results, model)
    conforms = not any(p.level == "error" for p in problems)
    nodes = len({n for nodes in by_class.values() for n in nodes})
    summary = ShaclSummary(conforms, nodes, total, len(g), sampled, time.perf_counter() - t0)
    return problems, summary


def _results(results, model) -> list[Problem]:
    from rdflib import Namespace, URIRef

    SH = Namespace("http://www.w3.org/ns/shacl#")
    where: dict[str, tuple[str, int, str]] = {}
    if model is not None:
        from kg.core.graph import person_iri, record_iri
        for rec in model.records:
            where[record_iri(rec)] = (rec.entry.file, rec.entry.line, rec.key)
        for p in model.persons.values():
            if p.entry is not None:
                where[person_iri(p.slug)] = (p.entry.file, p.entry.line, p.entry.key)
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


_SHORT = {"https://kg.example/id/": "", "https://kg.example/ontology#": "kgo:",
          "http://purl.org/dc/terms/": "dcterms:", "http://purl.org/ontology/bibo/": "bibo:",
          "http://xmlns.com/foaf/0.1/": "foaf:", "https://schema.org/": "schema:",
          "http://www.w3.org/2004/02/skos/core#": "skos:", "http://purl.org/spar/cito/": "cito:",
          "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
          "http://www.w3.org/2002/07/owl#": "owl:"}


def _short(iri: str) -> str:
    for ns, p in _SHORT.items():
        if iri.startswith(ns):
            return p + iri[len(ns):]
    return iri
