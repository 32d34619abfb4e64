"""Model -> RDF, written as N-Triples text (fast to produce, loaded by Oxigraph in bulk).

Every IRI is minted here, from citekeys and normalised names: stable across builds, and no
blank node for a work, a person, a theme, a quote or a claim.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from kg.core.model import Model, Person, Record, parse_number
from kg.core.values import (
    _ISBN_PREFIX,
    date_type,
    doi_of,
    figure_literal,
    isbn_ok,
    isbns,
    url_ok,
    year_of,
)
from kg.core.vocab import (  # noqa: F401  (the IRIs of kg.core.vocab)
    AUTHOR,
    BIBLIOGRAPHY,
    BIBO,
    BIBO_CLASS,
    CITO,
    CLAIM_STATUSES,
    DCT,
    FIELD,
    FOAF,
    ID,
    KGO,
    LANG,
    OWL,
    PREDICATES,
    QUOTE_STATUSES,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    SPEAKER,
    WD,
    XSD,
    _seg,
    theme_iri,
)


def work_iri(key: str) -> str:
    return f"{ID}work/{_seg(key)}"


def record_iri(rec: Record) -> str:
    return f"{ID}{rec.kind}/{_seg(rec.key)}"


def person_iri(slug: str) -> str:
    return f"{ID}person/{_seg(slug)}"


_FIELD_IRIS: dict[str, str] = {}


def field_iri(name: str) -> str:
    iri = _FIELD_IRIS.get(name)
    if iri is None:
        iri = FIELD + _seg(name)
        if len(_FIELD_IRIS) < 10_000:
            _FIELD_IRIS[name] = iri
    return iri


_CTRL = re.compile(r"[\x00-\x1f\x7f]")
_CTRL_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _ctrl(m: re.Match) -> str:
    c = m.group()
    return _CTRL_NAMES.get(c) or f"\\u{ord(c):04X}"


def escape(value: str) -> str:
    """N-Triples string escape; the result is also a valid JSON string body."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if '"' in value:
        value = value.replace('"', '\\"')
    if _CTRL.search(value):
        value = _CTRL.sub(_ctrl, value)
    return value


def lit(value: str, dt: str | None = None, lang: str | None = None) -> str:
    s = '"' + escape(value) + '"'
    if lang:
        return f"{s}@{lang}"
    return f"{s}^^<{dt}>" if dt else s


def iri(value: str) -> str:
    return f"<{value}>"


def date_literal(value: str) -> str:
    """A biblatex date -> typed literal when exact, plain text otherwise."""
    v = value.strip()
    return lit(v, date_type(v))


def language_code(value: str) -> str:
    v = value.strip()
    return LANG.get(v, LANG.get(v.lower(), v.lower()))


_UNSAFE = re.compile(r'[\\"\x00-\x1f\x7f]')  # what escape() changes


class _Out:
    """Triples as N-Triples lines and, optionally, as JSON-LD node objects (same escapes)."""

    def __init__(self, jsonld: bool = False, keep: frozenset[str] | None = None) -> None:
        self.lines: list[str] = []
        #: the predicates whose lines are also collected in ``kept`` (see :func:`record_blocks`)
        self.keep = keep
        self.kept: list[str] = []
        self.nodes: dict[str, dict[str, list[str]]] | None = {} if jsonld else None
        self._s: str | None = None  # the last subject and its properties (most come in runs)
        self._props: dict[str, list[str]] = {}

    def _add(self, s: str, p: str, js: str) -> None:
        if s != self._s:
            self._s = s
            self._props = self.nodes.setdefault(s, {})
        objs = self._props.get(p)
        if objs is None:
            self._props[p] = [js]
        else:
            objs.append(js)

    def link(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> <{p}> <{o}> .\n")
        if self.keep is not None and p in self.keep:
            self.kept.append(self.lines[-1])
        if self.nodes is not None:
            self._add(s, p, f'{{"@id":"{o}"}}')

    def text(self, s: str, p: str, value: str, dt: str | None = None,
             keep_empty: bool = False) -> None:
        if not value and not keep_empty:
            return
        v = escape(value) if _UNSAFE.search(value) else value
        if dt:
            self.lines.append(f'<{s}> <{p}> "{v}"^^<{dt}> .\n')
            if self.nodes is not None:
                self._add(s, p, f'{{"@value":"{v}","@type":"{dt}"}}')
        else:
            self.lines.append(f'<{s}> <{p}> "{v}" .\n')
            if self.nodes is not None:
                self._add(s, p, f'{{"@value":"{v}"}}')
        if self.keep is not None and p in self.keep:
            self.kept.append(self.lines[-1])

    def lang_text(self, s: str, p: str, value: str, lang: str) -> None:
        """A literal in a language (none when ``lang`` is empty)."""
        if not lang:
            self.text(s, p, value)
            return
        self.lines.append(f"<{s}> <{p}> {lit(value, lang=lang)} .\n")
        if self.keep is not None and p in self.keep:
            self.kept.append(self.lines[-1])
        if self.nodes is not None:
            self._add(s, p, f'{{"@value":"{escape(value)}","@language":"{escape(lang)}"}}')

    def date(self, s: str, p: str, value: str) -> None:
        v = value.strip()
        self.text(s, p, v, date_type(v))

    def ntriples(self) -> str:
        return "".join(self.lines)

    def jsonld_nodes(self) -> list[str]:
        """Each subject as a JSON-LD node object (expanded form), as JSON text."""
        out = []
        for s, props in (self.nodes or {}).items():
            body = ",".join(f'"{p}":[{",".join(objs)}]' for p, objs in props.items())
            out.append(f'{{"@id":"{s}",{body}}}')
        return out


def records_out(records: list[Record], jsonld: bool = False,
                keep: frozenset[str] | None = None) -> _Out:
    """The triples of some works, quotes and claims (independent of the other records)."""
    out = _Out(jsonld, keep)
    for rec in records:
        node = record_iri(rec)
        _raw(out, node, rec.entry)
        if rec.kind == "work":
            _work(out, node, rec)
        elif rec.kind == "quote":
            _quote(out, node, rec)
        else:
            _claim(out, node, rec)
        for tid in rec.themes:
            out.link(node, DCT.subject, theme_iri(tid))
        for t in rec.concepts:
            concept(out, t)
    return out


def own_concepts(themes) -> bytes:
    """The N-Triples of the library's own concepts (kg.core.themes.Thesaurus.adopt): what a
    build appends to the ontology's bytes, so that the store, the flat files and the read
    model hold them like the ontology's concepts."""
    out = _Out()
    for t in themes:
        concept(out, t)
    return ("\n" + out.ntriples()).encode("utf-8") if out.lines else b""


def concept(out: _Out, t) -> None:
    """A concept of the library's own scheme (kg.core.themes.OWN_SCHEME): a keyword the
    ontology does not have.  Written with each record tagged with it (the store keeps one copy):
    every record's triples stay independent of the others'."""
    if out.nodes is None and out.keep is None:  # N-Triples only: the lines made once
        lines = t.__dict__.get("_lines")
        if lines is None:
            once = _Out()
            _concept(once, t)
            lines = t.__dict__["_lines"] = once.lines
        out.lines.extend(lines)
    else:
        _concept(out, t)


def _concept(out: _Out, t) -> None:
    from kg.core.themes import OWN_SCHEME, OWN_SCHEME_LABELS

    out.link(t.iri, RDF.type, SKOS.Concept)
    for lang, label in t.labels.items():
        out.lang_text(t.iri, SKOS.prefLabel, label, lang)
    for label in t.alt:
        out.text(t.iri, SKOS.altLabel, label)
    out.link(t.iri, SKOS.inScheme, OWN_SCHEME)
    for b in t.broader:
        out.link(t.iri, SKOS.broader, theme_iri(b))
    if not t.broader:
        out.link(t.iri, SKOS.topConceptOf, OWN_SCHEME)
    out.link(OWN_SCHEME, RDF.type, SKOS.ConceptScheme)
    for lang, label in OWN_SCHEME_LABELS.items():
        out.lang_text(OWN_SCHEME, SKOS.prefLabel, label, lang)


class RecordBlock(NamedTuple):
    """One record's statements: N-Triples, JSON-LD node objects (',\n'-led, when asked), and
    the N-Triples lines of the predicates asked for (``keep``)."""

    nt: bytes
    js: bytes
    kept: bytes


def record_blocks(records: list[Record], jsonld: bool = False,
                  keep: frozenset[str] | None = None) -> list[RecordBlock]:
    """Each record's statements as separate byte blocks; ``keep``: predicates (IRIs) whose lines
    are also given apart (what the build's aggregate named queries read)."""
    blocks = []
    for rec in records:
        out = records_out([rec], jsonld, keep)
        js = "".join(",\n" + node for node in out.jsonld_nodes()) if jsonld else ""
        blocks.append(RecordBlock(out.ntriples().encode("utf-8"), js.encode("utf-8"),
                            "".join(out.kept).encode("utf-8")))
    return blocks


def persons_out(persons, jsonld: bool = False) -> _Out:
    """The triples of the thinkers (their @thinker entries included)."""
    out = _Out(jsonld)
    for p in persons:
        _person(out, p)
        if p.entry is not None:
            _raw(out, person_iri(p.slug), p.entry)
    return out


def persons_print(persons) -> str:
    """What :func:`persons_out` makes the thinkers' triples from (every field of each
    person, in order, and the base of the IRIs), as a hash: an incremental build whose
    thinkers print as its previous build's keeps their triples as they are (at 50,000
    entries with 30,000 people, writing them again took 1-2 s of an edit)."""
    import hashlib

    h = hashlib.sha1(ID.encode("utf-8"))
    for p in persons:
        e, n = p.entry, p.name
        h.update(repr((
            p.slug, n.given, n.family, n.suffix, n.organization, p.key, p.birth, p.death,
            p.nationality, p.description, p.description_en, p.wikidata, p.aliases, p.themes,
            p.thinker, [t.id for t in p.concepts],
            None if e is None else (e.raw_type or e.entry_type, e.key, list(e.fields.items()))
        )).encode("utf-8"))
    return h.hexdigest()


def file_out(bib, unplaced=(), jsonld: bool = False, order=None) -> _Out:
    """@string macros, @preamble and @comment blocks, the entries that stand for nothing
    (a @thinker without name, a second @thinker for one person): kept for a faithful export;
    and the order of the entries in the file (``order``: every key in file order; default:
    the entries of ``bib``).

    The order is one statement of the file's node, kgo:entryOrder (the keys in file order,
    space-separated), not a position on each entry: inserting an entry then changes its own
    statements and that one, never those of every entry after it."""
    out = _Out(jsonld)
    if order is None:
        order = [e.key for e in sorted(bib.entries, key=lambda e: e.position)]
    keys = " ".join(dict.fromkeys(order))
    if keys:
        out.text(BIBLIOGRAPHY, KGO.entryOrder, keys)
    _file(out, bib)
    for e in unplaced:
        node = f"{ID}entry/{_seg(e.key)}"
        out.link(node, RDF.type, KGO.Entry)
        _raw(out, node, e)
    return out


def model_store(model: Model):
    """An in-memory Oxigraph store of a model's graph and its thesaurus (what a build loads,
    for callers that have a Model and no built output)."""
    import pyoxigraph as ox

    out = _Out()
    for t in model.thesaurus.themes.values():
        if t.scheme:
            concept(out, t)
            continue
        out.link(t.iri, RDF.type, SKOS.Concept)
        for lang, label in t.labels.items():
            out.lines.append(f"<{t.iri}> <{SKOS.prefLabel}> {lit(label, lang=lang)} .\n")
        for label in t.alt:
            out.text(t.iri, SKOS.altLabel, label)
        for lang, d in t.definitions.items():
            out.lines.append(f"<{t.iri}> <{SKOS.definition}> {lit(d, lang=lang)} .\n")
        for b in t.broader:
            out.link(t.iri, SKOS.broader, theme_iri(b))
        for n in t.narrower:
            out.link(t.iri, SKOS.narrower, theme_iri(n))
    store = ox.Store()
    store.bulk_load(input=(to_ntriples(model) + out.ntriples()).encode("utf-8"),
                    format=ox.RdfFormat.N_TRIPLES)
    return store


def to_ntriples(model: Model) -> str:
    """The whole graph of a model as N-Triples text."""
    return "".join(o.ntriples() for o in (records_out(model.records),
                                          persons_out(model.persons.values()),
                                          file_out(model.bib, model.unplaced)))


def _raw(out: _Out, node: str, e) -> None:
    """Every field as written: the graph can give back the .bib it was built from."""
    out.text(node, KGO.entryType, e.raw_type or e.entry_type)
    out.text(node, DCT.identifier, e.key)
    out.text(node, KGO.fieldOrder, " ".join(e.fields), keep_empty=True)
    for name, raw in e.fields.items():
        out.text(node, field_iri(name), raw, keep_empty=True)


def _file(out: _Out, bib) -> None:
    for i, (name, raw) in enumerate(bib.strings.items()):
        node = f"{ID}macro/{i}"
        out.link(node, RDF.type, KGO.macro)
        out.text(node, SKOS.prefLabel, name)
        out.text(node, RDF.value, raw, keep_empty=True)
        out.text(node, KGO.position, str(i), XSD.integer)
    for kind, values in (("preamble", bib.preambles), ("comment", bib.comments)):
        for i, raw in enumerate(values):
            node = f"{ID}{kind}/{i}"
            out.link(node, RDF.type, KGO.term(kind))
            out.text(node, RDF.value, raw, keep_empty=True)
            out.text(node, KGO.position, str(i), XSD.integer)


def _people(out: _Out, node: str, rec: Record) -> None:
    authors = [c.slug for c in rec.people if c.role == AUTHOR]
    for c in rec.people:
        out.link(node, PREDICATES.get(c.role, DCT.contributor), person_iri(c.slug))
        if c.role == SPEAKER:
            out.link(node, DCT.creator, person_iri(c.slug))
        schema = _SCHEMA_ROLE.get(c.role)
        if schema:
            out.link(node, schema, person_iri(c.slug))
    if authors:
        cells = [f"{node}#authors-{i}" for i in range(1, len(authors) + 1)]
        out.link(node, BIBO.authorList, cells[0])
        for i, (cell, s) in enumerate(zip(cells, authors)):
            out.link(cell, RDF.first, person_iri(s))
            out.link(cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil)


#: the schema.org property of a person's role (what tools querying schema.org ask)
_SCHEMA_ROLE = {AUTHOR: SCHEMA.author, "editor": SCHEMA.editor, "translator": SCHEMA.translator,
                SPEAKER: SCHEMA.author}
#: BIBO class -> schema.org class (every work is also a schema:CreativeWork)
SCHEMA_CLASS = {
    "Book": "Book", "EditedBook": "Book", "BookSection": "Chapter",
    "AcademicArticle": "ScholarlyArticle", "Article": "Article", "Webpage": "WebPage",
    "Website": "WebSite", "AudioVisualDocument": "VideoObject", "Film": "Movie",
    "AudioDocument": "AudioObject", "Report": "Report", "Thesis": "Thesis",
    "Legislation": "Legislation", "Periodical": "Periodical", "Manuscript": "Manuscript",
    "Letter": "Message", "Collection": "Collection",
}


def label_of(text: str, width: int = 80) -> str:
    """A short label (rdfs:label) of a quote's or claim's text: whole when short, else cut at
    a word and ended with '…'."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0] if " " in text[:width - 1] else text[:width - 1]
    return cut.rstrip(" ,;:.") + "…"


def bibo_class(rec: Record) -> str:
    """The BIBO class of a work; @misc refined by its entrysubtype (video, legislation...)."""
    t = rec.entry.entry_type
    if t == "misc" and rec.get("entrysubtype").lower() in BIBO_CLASS:
        t = rec.get("entrysubtype").lower()
    return BIBO_CLASS.get(t, "Document")


def _work(out: _Out, node: str, rec: Record) -> None:
    v = rec.values
    out.link(node, RDF.type, KGO.Work)
    cls = bibo_class(rec)
    out.link(node, RDF.type, BIBO.term(cls))
    out.link(node, RDF.type, SCHEMA.CreativeWork)
    if cls in SCHEMA_CLASS:
        out.link(node, RDF.type, SCHEMA.term(SCHEMA_CLASS[cls]))
    out.text(node, DCT.title, v.get("title", ""))
    out.text(node, SCHEMA.name, v.get("title", ""))
    out.text(node, KGO.subtitle, v.get("subtitle", ""))
    _people(out, node, rec)
    date = v.get("date") or v.get("year", "")
    if date:
        out.date(node, DCT.issued, date)
        out.date(node, SCHEMA.datePublished, date)
        y = year_of(date)
        if y is not None:
            out.text(node, KGO.year, str(y), XSD.integer)
    out.text(node, DCT.publisher, v.get("publisher", ""))
    out.text(node, KGO.publicationPlace, v.get("location") or v.get("address", ""))
    if v.get("langid") or v.get("language"):
        code = language_code(v.get("langid") or v["language"])
        out.text(node, DCT.language, code)
        out.text(node, SCHEMA.inLanguage, code)
    out.text(node, KGO.originalTitle, v.get("origtitle", ""))
    if v.get("origdate"):
        out.date(node, KGO.originalDate, v["origdate"])
    if v.get("origlanguage"):
        out.text(node, KGO.originalLanguage, language_code(v["origlanguage"]))
    for one in isbns(v.get("isbn", "")) if v.get("isbn") else ():
        if isbn_ok(one):  # typed only when it validates; the field keeps what is written
            digits = re.sub(r"[^0-9X]", "", _ISBN_PREFIX.sub("", one.replace(" ", "")).upper())
            out.text(node, BIBO.isbn13 if len(digits) == 13 else BIBO.isbn10, digits)
        else:  # as written (a wrong checksum, a typo): shown, never claimed an ISBN-10/13
            out.text(node, BIBO.isbn, one)
    if v.get("doi"):
        out.text(node, BIBO.doi, doi_of(v["doi"]) or v["doi"])
    if v.get("url"):
        out.text(node, BIBO.uri, v["url"], XSD.anyURI if url_ok(v["url"]) else None)
    out.text(node, KGO.urlDate, v.get("urldate", ""))
    out.text(node, DCT.description, v.get("annotation") or v.get("annote", ""))
    out.text(node, KGO.note, v.get("note", ""))
    out.text(node, KGO.journalTitle, v.get("journaltitle") or v.get("journal", ""))
    out.text(node, KGO.bookTitle, v.get("booktitle", ""))
    out.text(node, BIBO.volume, v.get("volume", ""))
    out.text(node, BIBO.issue, v.get("number", ""))
    out.text(node, BIBO.pages, v.get("pages", ""))
    out.text(node, BIBO.edition, v.get("edition", ""))
    for key in rec.refs.get("crossref", []):
        out.link(node, DCT.isPartOf, work_iri(key))
    for key in rec.refs.get("related", []):
        out.link(node, DCT.relation, work_iri(key))
    out.text(node, KGO.relatedType, v.get("relatedtype", ""))



def _quote(out: _Out, node: str, rec: Record) -> None:
    v = rec.values
    out.link(node, RDF.type, KGO.Quote)
    out.link(node, RDF.type, SCHEMA.Quotation)
    out.text(node, RDF.value, v.get("quote", ""))
    out.text(node, SCHEMA.text, v.get("quote", ""))
    if v.get("quote"):
        out.text(node, RDFS.label, label_of(v["quote"]))
    if v.get("langid"):
        out.text(node, DCT.language, language_code(v["langid"]))
    out.text(node, KGO.locator, v.get("locator") or v.get("pages", ""))
    status = v.get("status", "").lower()
    if status in QUOTE_STATUSES:
        out.link(node, KGO.status, KGO.term(status))
    for key in rec.refs.get("source", []):
        out.link(node, DCT.source, work_iri(key))
    for key in rec.refs.get("citedin", []):
        out.link(node, KGO.citedIn, work_iri(key))
    out.text(node, KGO.note, v.get("note", ""))
    _people(out, node, rec)


def _claim(out: _Out, node: str, rec: Record) -> None:
    v = rec.values
    out.link(node, RDF.type, KGO.Claim)
    out.link(node, RDF.type, SCHEMA.Claim)
    out.text(node, RDF.value, v.get("statement", ""))
    out.text(node, SCHEMA.text, v.get("statement", ""))
    if v.get("statement"):
        out.text(node, RDFS.label, label_of(v["statement"]))
    number = parse_number(v.get("figure", "")) if v.get("figure") else None
    if number is not None:
        out.text(node, KGO.figure, *figure_literal(number))
    out.text(node, KGO.unit, v.get("unit", ""))
    if v.get("date"):
        out.date(node, DCT.date, v["date"])
    out.text(node, DCT.spatial, v.get("location", ""))
    out.text(node, KGO.locator, v.get("locator", ""))
    out.text(node, KGO.correction, v.get("correction", ""))
    status = v.get("status", "").lower()
    if status in CLAIM_STATUSES:
        out.link(node, KGO.status, KGO.term(status))
    for key in rec.refs.get("source", []):
        out.link(node, CITO.citesAsEvidence, work_iri(key))
    for key in rec.refs.get("statedin", []):
        out.link(node, KGO.statedIn, work_iri(key))
    out.text(node, KGO.note, v.get("note", ""))
    if v.get("langid"):
        out.text(node, DCT.language, language_code(v["langid"]))
    _people(out, node, rec)


def _person(out: _Out, p: Person) -> None:
    node = person_iri(p.slug)
    out.link(node, RDF.type, KGO.Thinker if p.thinker else KGO.Contributor)
    org = p.kind == "organization"
    out.link(node, RDF.type, FOAF.Organization if org else FOAF.Person)
    out.link(node, RDF.type, SCHEMA.Organization if org else SCHEMA.Person)
    out.text(node, FOAF.name, p.name.display)
    out.text(node, SCHEMA.name, p.name.display)
    out.text(node, KGO.sortName, p.name.sort)
    if p.kind == "person":
        out.text(node, FOAF.givenName, p.name.given)
        out.text(node, FOAF.familyName, p.name.family)
    for pred, value in ((SCHEMA.birthDate, p.birth), (SCHEMA.deathDate, p.death)):
        if value:
            out.date(node, pred, value)
    out.text(node, SCHEMA.nationality, p.nationality)
    out.text(node, SCHEMA.description, p.description)
    if p.description_en:
        out.lang_text(node, SCHEMA.description, p.description_en, "en")
    if p.wikidata:
        out.link(node, OWL.sameAs, WD + p.wikidata)
    for a in p.aliases:
        out.text(node, KGO.alias, a)
    for tid in p.themes:
        out.link(node, DCT.subject, theme_iri(tid))
    for t in p.concepts:
        concept(out, t)
