"""Raw entries -> works, thinkers, quotes and claims (decoded, linked, checked)."""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from kg.core.bib import BibFile, RawEntry, text
from kg.core.cycles import find_cycles
from kg.core.errors import Place, Problem
from kg.core.latex import decode, slug
from kg.core.themes import Thesaurus
from kg.core.values import value_problems
from kg.core.vocab import (
    CLAIM_STATUSES,
    CONTESTED,
    QUOTE_STATUSES,
    SOURCED,
    SPEAKER,
    UNSOURCED,
    VERBATIM,
)

#: name fields and the role each gives its people
NAME_FIELDS = {
    "author": "author", "editor": "editor", "translator": "translator",
    "bookauthor": "author", "editora": "editor", "editorb": "editor", "editorc": "editor",
    "commentator": "contributor", "annotator": "contributor", "introduction": "contributor",
    "foreword": "contributor", "afterword": "contributor", "holder": "contributor",
    "speaker": "speaker",
}
#: fields a child inherits from its crossref parent, renamed (biblatex's defaults)
_INHERIT_AS = {"title": "booktitle", "subtitle": "booksubtitle", "author": "bookauthor"}
_NO_INHERIT = {"ids", "crossref", "xref", "entryset", "entrysubtype", "execute", "label",
               "options", "presort", "related", "relatedoptions", "relatedstring",
               "relatedtype", "shorthand", "shorthandintro", "sortkey", "keywords",
               "annotation", "annote"}


@dataclass(frozen=True)
class Name:
    given: str
    family: str  # von part included
    suffix: str = ""
    organization: bool = False

    @property
    def display(self) -> str:
        out = f"{self.given} {self.family}".strip()
        return f"{out}, {self.suffix}" if self.suffix else out

    @property
    def sort(self) -> str:
        out = ", ".join(p for p in (self.family, self.given) if p)
        return f"{out}, {self.suffix}" if self.suffix else out

    @functools.cached_property
    def slug(self) -> str:
        return slug(" ".join(p for p in (self.family, self.given, self.suffix) if p)) or "x"


@dataclass
class Person:
    slug: str
    name: Name
    key: str = ""  # citekey of its @thinker entry, if any
    birth: str = ""
    death: str = ""
    nationality: str = ""
    description: str = ""
    description_en: str = ""  # the description in English (--lang en), when given
    wikidata: str = ""
    aliases: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    entry: RawEntry | None = None
    concepts: list = field(default_factory=list)  # the library's own concepts of its themes
    thinker: bool = False  # a thinker, or another author (THINKER_RULE; mark_thinkers)

    @property
    def kind(self) -> str:
        return "organization" if self.name.organization else "person"

    @property
    def standing(self) -> str:
        """"thinker" or "contributor" (THINKER_RULE), the word every output gives it."""
        return THINKER if self.thinker else CONTRIBUTOR


#: Who is a thinker, the one place the rule is written (the graph's rdf:type kgo:Thinker or
#: kgo:Contributor and the read model's people.thinker come from Person.thinker)
THINKER_RULE = """\
A thinker is a person or organisation that has a @thinker entry, that is the speaker of a
quote or claim, or that is tagged with a theme (keywords of its @thinker entry).  Every other
name (an author, editor or translator met only in the name fields of works) is another author
(a contributor): it stays in the graph with its roles, and `kg thinker` finds it too."""
THINKER, CONTRIBUTOR = "thinker", "contributor"


def is_thinker(p: Person, speakers) -> bool:
    """THINKER_RULE for one person; ``speakers``: the slugs of the speakers of every quote
    and claim of the library."""
    return p.entry is not None or bool(p.themes) or p.slug in speakers


def mark_thinkers(persons, speakers) -> None:
    """Mark the thinkers among these persons (THINKER_RULE).  Only ever marks: a model of
    some records (a build's chunk) leaves the marks of the others' speakers."""
    speakers = set(speakers)
    for p in persons:
        p.thinker = p.thinker or is_thinker(p, speakers)


def speakers_of(records) -> set[str]:
    """The slugs of the speakers of these records."""
    return {c.slug for r in records for c in r.people if c.role == SPEAKER}


class Credit(NamedTuple):
    """A person named in an entry: in which role (kg.core.vocab.ROLES, or "bookauthor"), who
    (the person's slug) and at which place among the entry's names (from 1)."""

    role: str
    slug: str
    position: int


@dataclass
class Record:
    """A work, a quote or a claim: its entry, decoded values, themes and people."""

    entry: RawEntry
    kind: str  # work | quote | claim
    values: dict[str, str]  # lower-case field -> decoded text (crossref fields inherited)
    themes: list[str] = field(default_factory=list)
    people: list[Credit] = field(default_factory=list)
    refs: dict[str, list[str]] = field(default_factory=dict)  # source/citedin/... -> keys
    #: the library's own concepts (kg.core.themes.Theme) its themes are, with their broader
    #: ones: its triples describe them (the ontology does not)
    concepts: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.entry.key

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Model:
    records: list[Record]
    persons: dict[str, Person]
    thesaurus: Thesaurus
    bib: BibFile
    problems: list[Problem] = field(default_factory=list)
    unplaced: list[RawEntry] = field(default_factory=list)  # kept as written, for export

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def counts(self) -> dict[str, int]:
        c = {"works": 0, "quotes": 0, "claims": 0}
        for r in self.records:
            c[r.kind + "s"] += 1
        c.update(thinker_counts(self.persons.values()))
        c["themes"] = len(self.thesaurus)
        return c


def thinker_counts(persons) -> dict[str, int]:
    """{"thinkers": n, "contributors": m}: the build's summary counts (THINKER_RULE)."""
    persons = list(persons)
    n = sum(p.thinker for p in persons)
    return {"thinkers": n, "contributors": len(persons) - n}


def parse_names(raw_text: str) -> list[Name]:
    """BibTeX name list (LaTeX not yet decoded) -> names, parts decoded after splitting."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    out: list[Name] = []
    for one in split_multiple_persons_names(raw_text):
        one = one.strip()
        if one and one != "others":
            out.append(_parse_one(one))
    return out


@functools.lru_cache(maxsize=65536)
def _parse_one(one: str) -> Name:
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    if one.startswith("{") and one.endswith("}") and _balanced_whole(one):
        return Name("", _clean(one), organization=True)
    if _EXTENDED.match(one):
        extended = _extended_name(one)
        if extended is not None:
            return extended
    try:
        parts = parse_single_name_into_parts(one, strict=False)
    except (InvalidNameError, ValueError, IndexError):
        return Name("", _clean(one))
    family = " ".join(parts.von + parts.last)
    return Name(_clean(" ".join(parts.first)), _clean(family), _clean(" ".join(parts.jr)))


#: biber's extended name format, as Better BibTeX writes it:
#: ``family=Dijk, given=Marten, prefix=van, useprefix=true``
_EXTENDED = re.compile(r"\s*(?:family|given|prefix|suffix)\s*=", re.IGNORECASE)
_EXTENDED_PART = re.compile(r"\s*([A-Za-z-]+)\s*=\s*(\{(?:[^{}]|\{[^{}]*\})*\}|[^,]*)\s*(?:,|$)")


def _extended_name(one: str) -> Name | None:
    """A name in biber's extended format, or None when it is not one after all."""
    parts: dict[str, str] = {}
    pos = 0
    while pos < len(one):
        m = _EXTENDED_PART.match(one, pos)
        if not m or m.end() == pos:
            return None
        value = m.group(2).strip()
        if value[:1] == "{" and value[-1:] == "}":
            value = value[1:-1]
        parts[m.group(1).lower()] = value
        pos = m.end()
    if "family" not in parts and "given" not in parts:
        return None
    family = " ".join(p for p in (parts.get("prefix", ""), parts.get("family", "")) if p)
    return Name(_clean(parts.get("given", "")), _clean(family), _clean(parts.get("suffix", "")))


def _balanced_whole(s: str) -> bool:
    depth = 0
    for i, c in enumerate(s):
        depth += (c == "{") - (c == "}")
        if depth == 0 and i < len(s) - 1:
            return False
    return True


def _clean(s: str) -> str:
    return re.sub(r"[ \t\n]+", " ", decode(s)).strip()


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]


class ModelBuilder:
    """Interprets entries one at a time, once the file-wide context is known.

    The context is what one entry's meaning depends on beyond its own fields: @string macros,
    @thinker entries (names, aliases), crossref parents and the set of keys.  With it, each
    entry becomes a Record independently of the others (in any order, in any chunk).
    """

    def __init__(self, bib: BibFile, thesaurus: Thesaurus, keys: set[str] | None = None,
                 extra: list[RawEntry] = ()):
        """``keys``: every key of the file, when ``bib`` holds only part of it; ``extra``:
        entries read for their values only (the crossref parents of a partial read)."""
        self.bib = bib
        self.thesaurus = thesaurus.copy()  # the library's own concepts stay the model's
        self.macros = bib.macros()
        self.problems: list[Problem] = []
        self.persons: dict[str, Person] = {}
        self.alias: dict[str, str] = {}  # slug of an alias -> slug of the thinker
        self.by_key = {e.key: e for e in [*extra, *bib.entries]}
        self.keys = keys if keys is not None else set(self.by_key)  # every key of the file
        self.unplaced: list[RawEntry] = []  # entries that stand for nothing (kept for export)
        parents = {self._crossref_key(e) for e in bib.entries} - {""} | {e.key for e in extra}
        self.parents = {k: self.decode(self.by_key[k]) for k in parents if k in self.by_key}
        self._cycles()
        for e in bib.entries:
            if e.entry_type == "thinker":
                self._thinker(e)

    def _cycles(self) -> None:
        """Crossref cycles (a -> b -> a: each inherits from the other, biber refuses them) are
        errors; skos:broader cycles of the thesaurus, warnings (kg.core.themes)."""
        links = {k: [p] for k, e in self.by_key.items()
                 if (p := self._crossref_key(e)) in self.by_key}
        for cycle in find_cycles(links):
            self.warn(self.by_key[cycle[0]], "crossref", "error",
                      f"crossref '{cycle[0]}' is the entry itself: remove it" if len(cycle) == 2
                      else "crossref cycle " + " -> ".join(f"'{k}'" for k in cycle)
                      + ": an entry cannot inherit from itself (biber refuses it; kg inherits "
                        "one step only): remove the crossref of one of them")
        self.problems.extend(self.thesaurus.cycle_problems())

    @staticmethod
    def _crossref_key(e: RawEntry) -> str:
        name = e.names().get("crossref")
        return e.fields[name].strip('{}" ') if name else ""

    def decode(self, e: RawEntry) -> dict[str, str]:
        return {k.lower(): text(v, self.macros, k) for k, v in e.fields.items()}

    def warn(self, e: RawEntry, name: str, level: str, msg: str, at: Place | None = None) -> None:
        """A problem of entry ``e``; ``at``: the other place ``msg`` names where it says {at}."""
        real = e.names().get(name, name)
        file, line = e.file or self.bib.path, e.field_lines.get(real, e.line)
        self.problems.append(Problem.citing(file, line, e.key, level, msg, at) if at else
                             Problem(file, line, e.key, level, msg))

    def _thinker(self, e: RawEntry) -> None:
        vals = self.decode(e)
        names = parse_names(_raw_text(e, "name", self.macros)) if "name" in vals else []
        if not names:
            self.warn(e, "name", "error", "@thinker has no 'name' field: add name = {Last, First}")
            self.unplaced.append(e)
            return
        name = names[0]
        if vals.get("thinkertype", "").lower() in ("organization", "organisation"):
            name = dataclasses.replace(name, organization=True)
        slug = self.alias.get(name.slug, name.slug)
        if slug in self.persons and self.persons[slug].entry is not None:
            first = self.persons[slug].entry
            self.warn(e, "name", "error",
                      f"@thinker for {name.display!r} again (first: '{first.key}' at "
                      "{at}): merge the two entries; this one is ignored",
                      Place(first.file or self.bib.path, first.line))
            self.unplaced.append(e)
            return
        p = self.persons.get(name.slug) or Person(name.slug, name)
        self.persons[name.slug] = p
        p.key, p.entry, p.name = e.key, e, name
        p.birth, p.death = vals.get("birthdate", ""), vals.get("deathdate", "")
        p.nationality = vals.get("nationality", "")
        p.description = vals.get("description", "")
        p.description_en = vals.get("description_en", "")
        p.wikidata = vals.get("wikidata", "")
        if p.wikidata and not re.fullmatch(r"Q[1-9][0-9]*", p.wikidata):
            self.warn(e, "wikidata", "error",
                      f"wikidata id {p.wikidata!r} is not of the form Q123")
            p.wikidata = ""
        if "alias" in vals:
            for a in parse_names(_raw_text(e, "alias", self.macros)):
                self.alias[a.slug] = name.slug
                p.aliases.append(a.display)
        p.themes = _themes(e, vals, self.thesaurus, self.warn)
        p.concepts = self.thesaurus.chain(p.themes)
        for fname, msg in value_problems(vals):
            self.warn(e, fname, "warning", msg)

    def person(self, n: Name) -> str:
        s = self.alias.get(n.slug, n.slug)
        if s not in self.persons:
            self.persons[s] = Person(s, n)
        return s

    def record(self, e: RawEntry) -> Record | None:
        """The work, quote or claim an entry stands for (None for @thinker entries)."""
        if e.entry_type == "thinker":
            return None
        vals = self.decode(e)
        inherited: dict[str, str] = {}  # field -> name of the parent's field it came from
        parent_key = vals.get("crossref", "")
        if parent_key:
            parent = self.parents.get(parent_key)
            if parent is None:
                self.warn(e, "crossref", "error",
                          f"crossref '{parent_key}' is not a key of the bibliography")
            else:
                for k, v in parent.items():
                    if k in _NO_INHERIT:
                        continue
                    target = _INHERIT_AS.get(k, k) if e.entry_type.startswith("in") else k
                    if target not in vals:
                        vals[target] = v
                        inherited[target] = k
        kind = e.entry_type if e.entry_type in ("quote", "claim") else "work"
        rec = Record(e, kind, vals)
        rec.themes = _themes(e, vals, self.thesaurus, self.warn)
        if rec.themes:
            rec.concepts = self.thesaurus.chain(rec.themes)
        pos = 0
        for fname, role in NAME_FIELDS.items():
            if fname not in vals:
                continue
            if fname in inherited:
                raw = _raw_text(self.by_key[parent_key], inherited[fname], self.macros)
            else:
                raw = _raw_text(e, fname, self.macros)
            for n in parse_names(raw):
                pos += 1
                rec.people.append(Credit(role if fname != "bookauthor" else "bookauthor",
                                         self.person(n), pos))
        for ref in ("source", "citedin", "statedin", "related", "crossref", "xref", "xdata"):
            if ref in vals:
                keys = _split_list(vals[ref])
                rec.refs[ref] = keys
                for k in keys:
                    if k not in self.keys and ref != "crossref":  # reported above
                        self.warn(e, ref, "error" if ref in ("crossref", "related", "xdata") else
                                  "warning", f"{ref} '{k}' is not a key of the bibliography")
        _check_record(rec, self.warn)
        for fname, msg in value_problems(vals):  # data quality: warnings, values kept
            self.warn(e, fname, "warning", msg)
        return rec

    def model(self, records: list[Record]) -> Model:
        """The model of these records; its persons marked thinkers or not by these records
        (and the @thinker entries)."""
        mark_thinkers(self.persons.values(), speakers_of(records))
        return Model(records, self.persons, self.thesaurus, self.bib, self.problems,
                     self.unplaced)


def build_model(bib: BibFile, thesaurus: Thesaurus) -> Model:
    """Decode every entry, merge people into thinkers, resolve themes and links."""
    mb = ModelBuilder(bib, thesaurus)
    records = [r for r in map(mb.record, bib.entries) if r is not None]
    return mb.model(records)


def _raw_text(e: RawEntry, name: str, macros: dict[str, str]) -> str:
    from kg.core.bib import resolve
    real = e.names().get(name)
    return resolve(e.fields[real], macros)[0] if real else ""


def _themes(e: RawEntry, vals: dict[str, str], thesaurus: Thesaurus, warn) -> list[str]:
    """The theme ids of an entry's keywords (Thesaurus.keyword: once per distinct keyword)."""
    out: list[str] = []
    for kw in _split_list(vals.get("keywords", "")):
        tids, warning = thesaurus.keyword(kw)
        if warning:
            warn(e, "keywords", "warning", warning)
        for tid in tids:
            if tid not in out:
                out.append(tid)
    return out


def _check_record(rec: Record, warn) -> None:
    e, v = rec.entry, rec.values
    if rec.kind == "quote":
        if not v.get("quote"):
            warn(e, "quote", "error", "@quote has no 'quote' field (the quoted text)")
        status = v.get("status", "").lower()
        if status not in QUOTE_STATUSES:
            warn(e, "status", "error" if status else "warning",
                 f"quote status {status!r} is not one of {', '.join(QUOTE_STATUSES)}"
                 if status else "quote has no status: say verbatim, attributed or paraphrase")
        if not v.get("locator") and not v.get("pages"):
            if status == VERBATIM:  # checked word for word: against a page of a source
                warn(e, "status", "warning", "verbatim quote has no locator: a quote checked "
                     "against its source has a place in it; add pages or locator, or say "
                     "attributed")
            else:
                warn(e, "quote", "warning", "quote has no locator (page or chapter unknown)")
        if not v.get("speaker") and not v.get("source"):
            warn(e, "quote", "warning", "quote has neither speaker nor source")
    elif rec.kind == "claim":
        if not v.get("statement"):
            warn(e, "statement", "error", "@claim has no 'statement' field")
        status = v.get("status", "").lower()
        if status not in CLAIM_STATUSES:
            warn(e, "status", "error",
                 f"claim status {status!r} is not one of {', '.join(CLAIM_STATUSES)}")
        elif status == UNSOURCED and v.get("source"):
            warn(e, "status", "warning", f"claim is 'unsourced' but has a source "
                 f"({v['source']}): say sourced if it supports the claim, else move the "
                 "reference to note")
        elif status == UNSOURCED:
            warn(e, "status", "warning", "claim is unsourced")
        elif status == SOURCED and not v.get("source"):
            warn(e, "status", "error", "claim is 'sourced' but has no 'source' field")
        if status == CONTESTED and not v.get("note"):
            warn(e, "note", "warning", "contested claim without a note giving the correct fact")
        if v.get("figure") and parse_number(v["figure"]) is None:
            warn(e, "figure", "error", f"figure {v['figure']!r} is not a number (write 1200000 "
                                       "or 1.2)")
    elif not v.get("title"):
        warn(e, "title", "warning", "work has no title")


def parse_number(s: str) -> str | None:
    """'1,2' / '1 200 000' / '45' -> canonical decimal text, or None."""
    t = re.sub(r"[\s\u00a0\u202f]", "", s)
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    return t if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", t) else None
