"""Model -> RDF, written as N-Triples text (fast to produce, loaded by Oxigraph in bulk).

Every IRI is minted here, from citekeys and normalised names: stable across builds, and no
blank node for a work, a person, a theme, a quote or a claim.
"""
from __future__ import annotations

import re
from urllib.parse import quote as _pct

from .model import Model, Person, Record, parse_number
from .vocab import (BIBO, BIBO_CLASS, CITO, DCT, FIELD, FOAF, ID, KGO, LANG, OWL, RDF, SCHEMA,
                    SKOS, WD, XSD)


_SAFE = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]*")


def _seg(s: str) -> str:
    return s if _SAFE.fullmatch(s) else _pct(s, safe="-._~:@!$&'()*+,;=")


def work_iri(key: str) -> str:
    return f"{ID}work/{_seg(key)}"


def record_iri(rec: Record) -> str:
    return f"{ID}{rec.kind}/{_seg(rec.key)}"


def person_iri(slug: str) -> str:
    return f"{ID}person/{_seg(slug)}"


def theme_iri(tid: str) -> str:
    return f"{ID}theme/{_seg(tid)}"


def field_iri(name: str) -> str:
    return FIELD + _seg(name)


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


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def date_literal(value: str) -> str:
    """A biblatex date -> typed literal when exact, plain text otherwise (ranges, '?', '~')."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        return lit(value)
    if m.group(3):
        return lit(value.strip(), XSD.date)
    if m.group(2):
        return lit(value.strip(), XSD.gYearMonth)
    return lit(value.strip(), XSD.gYear)


def year_of(value: str) -> int | None:
    m = re.match(r"\s*(-?\d{1,4})", value)
    return int(m.group(1)) if m else None


def language_code(value: str) -> str:
    v = value.strip()
    return LANG.get(v, LANG.get(v.lower(), v.lower()))


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> <{p}> {o} .\n")

    def text(self, s: str, p: str, value: str, dt: str | None = None) -> None:
        if value:
            self.lines.append(f"<{s}> <{p}> {lit(value, dt)} .\n")


def to_ntriples(model: Model) -> str:
    """The whole graph of a model as N-Triples text."""
    out = _Out()
    position = {e.key: i for i, e in enumerate(model.bib.entries)}
    for rec in model.records:
        node = record_iri(rec)
        _raw(out, node, rec.entry, position[rec.key])
        if rec.kind == "work":
            _work(out, node, rec, model)
        elif rec.kind == "quote":
            _quote(out, node, rec)
        else:
            _claim(out, node, rec, model)
        for tid in rec.themes:
            out.add(node, DCT.subject, iri(theme_iri(tid)))
    for p in model.persons.values():
        _person(out, p)
        if p.entry is not None:
            _raw(out, person_iri(p.slug), p.entry, position[p.entry.key])
    _file(out, model)
    return "".join(out.lines)


def _raw(out: _Out, node: str, e, pos: int) -> None:
    """Every field as written: the graph can give back the .bib it was built from."""
    out.text(node, KGO.entryType, e.raw_type or e.entry_type)
    out.add(node, KGO.position, lit(str(pos), XSD.integer))
    out.add(node, KGO.line, lit(str(e.line), XSD.integer))
    out.add(node, DCT.identifier, lit(e.key))
    out.add(node, KGO.fieldOrder, lit(" ".join(e.fields)))
    for name, raw in e.fields.items():
        out.add(node, field_iri(name), lit(raw))


def _file(out: _Out, model: Model) -> None:
    bib = model.bib
    for i, (name, raw) in enumerate(bib.strings.items()):
        node = f"{ID}macro/{i}"
        out.add(node, RDF.type, iri(KGO.macro))
        out.text(node, SKOS.prefLabel, name)
        out.add(node, RDF.value, lit(raw))
        out.add(node, KGO.position, lit(str(i), XSD.integer))
    for kind, values in (("preamble", bib.preambles), ("comment", bib.comments)):
        for i, raw in enumerate(values):
            node = f"{ID}{kind}/{i}"
            out.add(node, RDF.type, iri(KGO.term(kind)))
            out.add(node, RDF.value, lit(raw))
            out.add(node, KGO.position, lit(str(i), XSD.integer))


def _people(out: _Out, node: str, rec: Record) -> None:
    authors = [s for role, s, _ in rec.people if role == "author"]
    for role, s, _ in rec.people:
        pred = {"author": DCT.creator, "editor": BIBO.editor, "translator": BIBO.translator,
                "speaker": KGO.speaker}.get(role, DCT.contributor)
        out.add(node, pred, iri(person_iri(s)))
        if role == "speaker":
            out.add(node, DCT.creator, iri(person_iri(s)))
        if role in ("author", "editor", "translator"):
            out.add(person_iri(s), FOAF.made, iri(node))
    if authors:
        cells = [f"{node}#authors-{i}" for i in range(1, len(authors) + 1)]
        out.add(node, BIBO.authorList, iri(cells[0]))
        for i, (cell, s) in enumerate(zip(cells, authors)):
            out.add(cell, RDF.first, iri(person_iri(s)))
            out.add(cell, RDF.rest, iri(cells[i + 1] if i + 1 < len(cells) else RDF.nil))


def bibo_class(rec: Record) -> str:
    """The BIBO class of a work; @misc refined by its entrysubtype (video, legislation...)."""
    t = rec.entry.entry_type
    if t == "misc" and rec.get("entrysubtype").lower() in BIBO_CLASS:
        t = rec.get("entrysubtype").lower()
    return BIBO_CLASS.get(t, "Document")


def _work(out: _Out, node: str, rec: Record, model: Model) -> None:
    v = rec.values
    out.add(node, RDF.type, iri(KGO.Work))
    out.add(node, RDF.type, iri(BIBO.term(bibo_class(rec))))
    out.text(node, DCT.title, v.get("title", ""))
    out.text(node, KGO.subtitle, v.get("subtitle", ""))
    _people(out, node, rec)
    date = v.get("date") or v.get("year", "")
    if date:
        out.add(node, DCT.issued, date_literal(date))
        y = year_of(date)
        if y is not None:
            out.add(node, KGO.year, lit(str(y), XSD.integer))
    out.text(node, DCT.publisher, v.get("publisher", ""))
    out.text(node, KGO.publicationPlace, v.get("location") or v.get("address", ""))
    if v.get("langid") or v.get("language"):
        out.text(node, DCT.language, language_code(v.get("langid") or v["language"]))
    out.text(node, KGO.originalTitle, v.get("origtitle", ""))
    if v.get("origdate"):
        out.add(node, KGO.originalDate, date_literal(v["origdate"]))
    if v.get("origlanguage"):
        out.text(node, KGO.originalLanguage, language_code(v["origlanguage"]))
    isbn = re.sub(r"[^0-9Xx]", "", v.get("isbn", ""))
    if len(isbn) == 13:
        out.text(node, BIBO.isbn13, isbn)
    elif len(isbn) == 10:
        out.text(node, BIBO.isbn10, isbn)
    out.text(node, BIBO.doi, v.get("doi", ""))
    out.text(node, BIBO.uri, v.get("url", ""), XSD.anyURI)
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
        out.add(node, DCT.isPartOf, iri(work_iri(key)))
    for key in rec.refs.get("related", []):
        out.add(node, DCT.relation, iri(work_iri(key)))
    out.text(node, KGO.relatedType, v.get("relatedtype", ""))



def _quote(out: _Out, node: str, rec: Record) -> None:
    v = rec.values
    out.add(node, RDF.type, iri(KGO.Quote))
    out.text(node, RDF.value, v.get("quote", ""))
    if v.get("langid"):
        out.text(node, DCT.language, language_code(v["langid"]))
    out.text(node, KGO.locator, v.get("locator") or v.get("pages", ""))
    status = v.get("status", "").lower()
    if status in ("verbatim", "attributed", "paraphrase"):
        out.add(node, KGO.status, iri(KGO.term(status)))
    for key in rec.refs.get("source", []):
        out.add(node, DCT.source, iri(work_iri(key)))
    for key in rec.refs.get("citedin", []):
        out.add(node, KGO.citedIn, iri(work_iri(key)))
    out.text(node, KGO.note, v.get("note", ""))
    _people(out, node, rec)


def _claim(out: _Out, node: str, rec: Record, model: Model) -> None:
    v = rec.values
    out.add(node, RDF.type, iri(KGO.Claim))
    out.text(node, RDF.value, v.get("statement", ""))
    number = parse_number(v.get("figure", "")) if v.get("figure") else None
    if number is not None:
        out.add(node, KGO.figure, lit(number, XSD.decimal if "e" not in number.lower()
                                      else "http://www.w3.org/2001/XMLSchema#double"))
    out.text(node, KGO.unit, v.get("unit", ""))
    if v.get("date"):
        out.add(node, DCT.date, date_literal(v["date"]))
    out.text(node, DCT.spatial, v.get("location", ""))
    out.text(node, KGO.locator, v.get("locator", ""))
    status = v.get("status", "").lower()
    if status in ("sourced", "unsourced", "contested"):
        out.add(node, KGO.status, iri(KGO.term(status)))
    for key in rec.refs.get("source", []):
        out.add(node, CITO.citesAsEvidence, iri(work_iri(key)))
    for key in rec.refs.get("statedin", []):
        out.add(node, KGO.statedIn, iri(work_iri(key)))
    out.text(node, KGO.note, v.get("note", ""))
    if v.get("langid"):
        out.text(node, DCT.language, language_code(v["langid"]))
    _people(out, node, rec)


def _person(out: _Out, p: Person) -> None:
    node = person_iri(p.slug)
    out.add(node, RDF.type, iri(KGO.Thinker))
    out.add(node, RDF.type, iri(FOAF.Organization if p.kind == "organization" else FOAF.Person))
    out.text(node, FOAF.name, p.name.display)
    out.text(node, KGO.sortName, p.name.sort)
    if p.kind == "person":
        out.text(node, FOAF.givenName, p.name.given)
        out.text(node, FOAF.familyName, p.name.family)
    for pred, value in ((SCHEMA.birthDate, p.birth), (SCHEMA.deathDate, p.death)):
        if value:
            out.add(node, pred, date_literal(value))
    out.text(node, SCHEMA.nationality, p.nationality)
    out.text(node, SCHEMA.description, p.description)
    if p.wikidata:
        out.add(node, OWL.sameAs, iri(WD + p.wikidata))
    for a in p.aliases:
        out.text(node, KGO.alias, a)
    for tid in p.themes:
        out.add(node, DCT.subject, iri(theme_iri(tid)))
