"""The rows of the read model (kg.core.readmodel) made from records, people and the
thesaurus: named types, plain SQL values, what a build's worker process sends the read
model's writer (kg.builder.tables).  Made from kg.core.model.Record and Person as
kg/core/graph.py turns them into triples, so that the SQL answers equal the named queries'."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from kg.core.readmodel import ANNOTATION, TEXT, TITLE
from kg.core.vocab import RDF, SKOS, THEME_NS, WD


class WorkRow(NamedTuple):
    key: str
    iri: str
    title: str | None
    year: int | None
    annotation: str | None
    shown: int | str | None  # the year shown, uncertainty kept (kg.core.values.shown_year)
    issued: str | None  # the date as the graph has it (dcterms:issued; typed by date_type)


class QuoteRow(NamedTuple):
    key: str
    iri: str
    text: str | None
    locator: str | None
    language: str | None
    status: str | None  # verbatim | attributed | paraphrase


class ClaimRow(NamedTuple):
    key: str
    iri: str
    statement: str | None
    figure: str | None  # the number as read (kg.core.model.parse_number)
    unit: str | None
    date: str | None
    status: str | None  # sourced | unsourced | contested
    note: str | None
    correction: str | None  # a contested claim's correct fact (kgo:correction)


class SourceRow(NamedTuple):
    item: str  # a quote's or claim's key
    source: str  # the key it names as source
    pos: int
    iri: str  # the IRI the graph links it to (kg.core.graph.work_iri)


class SubjectRow(NamedTuple):
    item: str
    kind: str  # work | quote | claim
    theme: str  # the theme's IRI


class RoleRow(NamedTuple):
    item: str
    kind: str
    person: str  # the person's slug
    role: str  # author | speaker | editor | translator


class LineRow(NamedTuple):
    """One searchable text of a record, folded."""

    kind: str
    key: str
    iri: str
    weight: int
    text: str


class PersonRow(NamedTuple):
    slug: str
    iri: str
    name: str | None
    sort: str | None
    key: str | None  # citekey of its @thinker entry
    birth: str | None
    death: str | None
    nationality: str | None
    description: str | None
    same_as: str | None
    description_en: str | None  # schema:description in English
    thinker: int  # 1: a thinker (kgo:Thinker), 0: another author (kgo:Contributor)


class AliasRow(NamedTuple):
    slug: str
    alias: str
    pos: int


class PersonThemeRow(NamedTuple):
    slug: str
    theme: str  # IRI


class ThemeRow(NamedTuple):
    id: str
    iri: str
    labels: str  # JSON {lang: label}
    alt: str  # JSON [label]
    broader: str  # JSON [id]
    narrower: str  # JSON [id]
    fr: str  # JSON [French preferred labels], sorted


@dataclass
class RecordRows:
    """The rows of some works, quotes and claims (one build chunk, or the records an
    incremental build redid): what crosses from a worker process to the writer."""

    works: list[WorkRow] = field(default_factory=list)
    quotes: list[QuoteRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    subjects: list[SubjectRow] = field(default_factory=list)
    roles: list[RoleRow] = field(default_factory=list)
    lines: list[LineRow] = field(default_factory=list)

    def keys(self) -> list[str]:
        return [r.key for r in (*self.works, *self.quotes, *self.claims)]


@dataclass
class PeopleRows:
    people: list[PersonRow] = field(default_factory=list)
    aliases: list[AliasRow] = field(default_factory=list)
    themes: list[PersonThemeRow] = field(default_factory=list)


# --------------------------------------------------------------------------- records -> rows

_ROLES = {"author": "author", "speaker": "speaker", "editor": "editor",
          "translator": "translator"}
_QUOTE_STATUS = ("verbatim", "attributed", "paraphrase")
_CLAIM_STATUS = ("sourced", "unsourced", "contested")


def record_rows(records: Iterable) -> RecordRows:
    """The rows of these kg.core.model.Record objects: what kg/core/graph.py writes of them,
    as the named queries read it back (no other record needed: a worker can do it)."""
    from kg.core.graph import record_iri, theme_iri

    out = RecordRows()
    for rec in records:
        iri = record_iri(rec)
        for t in dict.fromkeys(rec.themes):
            out.subjects.append(SubjectRow(rec.key, rec.kind, theme_iri(t)))
        for role, slug in dict.fromkeys((r, s) for r, s, _ in rec.people if r in _ROLES):
            out.roles.append(RoleRow(rec.key, rec.kind, slug, role))
        if rec.kind == "work":
            _work(rec, iri, out)
        elif rec.kind == "quote":
            _quote(rec, iri, out)
        else:
            _claim(rec, iri, out)
    return out


def _work(rec, iri: str, out: RecordRows) -> None:
    from kg.core.graph import year_of
    from kg.core.values import shown_year

    v = rec.values
    date = (v.get("date") or v.get("year", "")).strip()
    out.works.append(WorkRow(rec.key, iri, v.get("title") or None,
                             year_of(date) if date else None,
                             v.get("annotation") or v.get("annote") or None,
                             shown_year(date) if date else None, date or None))
    for weight, text in ((TITLE, v.get("title", "")), (TITLE, v.get("subtitle", "")),
                         (ANNOTATION, v.get("annotation") or v.get("annote", ""))):
        if text:
            out.lines.append(LineRow("work", rec.key, iri, weight, fold_words(text)))


def _sources(rec, out: RecordRows) -> None:
    from kg.core.graph import work_iri

    for i, k in enumerate(dict.fromkeys(rec.refs.get("source", []))):
        out.sources.append(SourceRow(rec.key, k, i, work_iri(k)))


def _quote(rec, iri: str, out: RecordRows) -> None:
    from kg.core.graph import language_code

    v = rec.values
    status = v.get("status", "").lower()
    text = v.get("quote") or None
    out.quotes.append(QuoteRow(
        rec.key, iri, text, v.get("locator") or v.get("pages") or None,
        (language_code(v["langid"]) or None) if v.get("langid") else None,
        status if status in _QUOTE_STATUS else None))
    _sources(rec, out)
    if text:
        out.lines.append(LineRow("quote", rec.key, iri, TEXT, fold_words(text)))


def _claim(rec, iri: str, out: RecordRows) -> None:
    from kg.core.model import parse_number

    v = rec.values
    status = v.get("status", "").lower()
    number = parse_number(v.get("figure", "")) if v.get("figure") else None
    statement = v.get("statement") or None
    out.claims.append(ClaimRow(
        rec.key, iri, statement, number, v.get("unit") or None,
        v.get("date", "").strip() or None, status if status in _CLAIM_STATUS else None,
        v.get("note") or None, v.get("correction") or None))
    _sources(rec, out)
    if statement:
        out.lines.append(LineRow("claim", rec.key, iri, TEXT, fold_words(statement)))


_FOLDED_WORDS: dict[str, str] = {}  # word as written -> folded (a bounded cache)


def fold_words(text: str) -> str:
    """``" ".join(fold(text).split())``, a word at a time: a library repeats its words, and
    folding is done per character (whitespace stays whitespace), so each is folded once."""
    from kg.core.latex import fold

    out = []
    for word in text.split():
        f = _FOLDED_WORDS.get(word)
        if f is None:
            f = " ".join(fold(word).split())
            if len(_FOLDED_WORDS) < 200_000:
                _FOLDED_WORDS[word] = f
        if f:
            out.append(f)
    return " ".join(out)


def people_rows(persons: dict) -> PeopleRows:
    """The rows of every thinker (slug -> kg.core.model.Person)."""
    from kg.core.graph import person_iri, theme_iri

    out = PeopleRows()
    for s, p in persons.items():
        out.people.append(PersonRow(
            s, person_iri(s), p.name.display or None, p.name.sort or None,
            p.entry.key if p.entry is not None else None, p.birth.strip() or None,
            p.death.strip() or None, p.nationality or None, p.description or None,
            WD + p.wikidata if p.wikidata else None, p.description_en or None,
            int(p.thinker)))
        out.aliases.extend(AliasRow(s, a, i) for i, a in enumerate(p.aliases))
        out.themes.extend(PersonThemeRow(s, theme_iri(t)) for t in dict.fromkeys(p.themes))
    return out


def theme_rows(onto_bytes: bytes) -> list[ThemeRow]:
    """Every skos:Concept of the ontology as the theme-labels named query gives it (read
    from the same triples): preferred labels by language, alternative labels by language
    then label, broader themes by IRI, narrower ones (the inverse of broader) sorted."""
    import pyoxigraph as ox

    concepts: set[str] = set()
    pref: dict[str, list] = {}
    alt: dict[str, list] = {}
    broader: dict[str, set] = {}
    for t in ox.parse(onto_bytes, format=ox.RdfFormat.TURTLE):
        s, p, o = t.subject, t.predicate.value, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if p == RDF_TYPE and o.value == SKOS.Concept:
            concepts.add(s.value)
        elif p in (SKOS.prefLabel, SKOS.altLabel) and isinstance(o, ox.Literal):
            (pref if p.endswith("prefLabel") else alt).setdefault(s.value, []).append(
                (o.language or "", o.value))
        elif p == SKOS.broader and not isinstance(o, ox.Literal):
            broader.setdefault(s.value, set()).add(o.value)
    ids = {c: c.removeprefix(THEME_NS) for c in concepts}
    narrower: dict[str, set] = {}
    for c in concepts:
        for b in broader.get(c, ()):
            if b in concepts:
                narrower.setdefault(b, set()).add(ids[c])
    out = []
    for c in sorted(concepts):
        labels = dict((lang or "fr", v) for lang, v in sorted(set(pref.get(c, ()))))
        out.append(ThemeRow(
            ids[c], c, _json(labels), _json([v for _, v in sorted(set(alt.get(c, ())))]),
            _json([b.removeprefix(THEME_NS) for b in sorted(broader.get(c, ()))]),
            _json(sorted(narrower.get(c, ()))),
            _json(sorted(v for lang, v in set(pref.get(c, ())) if lang == "fr"))))
    return out


RDF_TYPE = RDF.type


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


