"""Give the bibliography back from the graph: every entry, field for field, as written."""
from __future__ import annotations

import html
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

from kg.core.errors import KgError, NotFoundError, QueryError
from kg.core.names import THEMES_HOW, THINKERS_HOW, name_index, resolve
from kg.core.vocab import AUTHOR, DCT, EDITOR, FIELD, KGO, PREFIXES, RDF, SKOS, TRANSLATOR, WORK_NS

if TYPE_CHECKING:
    from kg.read.query import Result

_ENTRIES = f"""
SELECT ?node ?type ?key ?order WHERE {{
  ?node <{KGO.entryType}> ?type ; <{KGO.fieldOrder}> ?order ; <{DCT.identifier}> ?key .
}}"""
_ORDER = f"SELECT ?keys WHERE {{ ?file <{KGO.entryOrder}> ?keys }}"


def _in_file_order(store, rows) -> list:
    """Entry rows in the order of the file (kgo:entryOrder; keys it lacks last, by key)."""
    rank: dict[str, int] = {}
    for r in store.query(_ORDER):
        for k in r["keys"].value.split():
            rank.setdefault(k, len(rank))
    return sorted(rows, key=lambda r: (rank.get(r["key"].value, len(rank)), r["key"].value))
_ITEMS = f"""
SELECT ?kind ?value WHERE {{ ?node a ?kind ; <{RDF.value}> ?value ; <{KGO.position}> ?pos . }}
ORDER BY ?pos"""
_MACROS = f"""
SELECT ?name ?value WHERE {{
  ?node a <{KGO.macro}> ; <{SKOS.prefLabel}> ?name ; <{RDF.value}> ?value ; <{KGO.position}> ?pos .
}} ORDER BY ?pos"""


def bibtex(store, keys: list[str] | None = None) -> str:
    """BibTeX text of the entries of a store (all, or those of ``keys``, in file order).

    A selection carries the @string definitions its entries use and the @preamble blocks, so
    that it stands alone.
    """
    import pyoxigraph as ox

    from kg.core.bib import macro_refs

    wanted = set(keys) if keys else None
    entries: list[str] = []
    used: set[str] = set()
    found: set[str] = set()
    for row in _in_file_order(store, store.query(_ENTRIES)):
        key = row["key"].value
        if wanted is not None and key not in wanted:
            continue
        found.add(key)
        values = {unquote(q.predicate.value[len(FIELD):]): q.object.value
                  for q in store.quads_for_pattern(row["node"], None, None)
                  if q.predicate.value.startswith(FIELD)}
        lines = [f"@{row['type'].value}{{{key},"]
        for name in row["order"].value.split():
            if name in values:
                lines.append(f"  {name} = {values[name]},")
                if wanted is not None:
                    used |= macro_refs(values[name])
        entries.append("\n".join(lines) + "\n}\n\n")
    if wanted is not None and wanted - found:
        missing = ", ".join(sorted(wanted - found))
        raise NotFoundError(f"no entry with key {missing}")
    macros = [(r["name"].value, r["value"].value) for r in store.query(_MACROS)]
    if wanted is not None:  # the macros the selection uses, and those they use in turn
        for name, value in reversed(macros):
            if name.lower() in used:
                used |= macro_refs(value)
        macros = [(n, v) for n, v in macros if n.lower() in used]
    parts = [f"@string{{{name} = {value}}}\n" for name, value in macros]
    blocks = (("preamble", "@preamble{{{}}}\n"), ("comment", "@comment{{{}}}\n"))
    for kind, fmt in blocks if wanted is None else blocks[:1]:  # a selection keeps preambles
        rows = store.query(_ITEMS, substitutions={ox.Variable("kind"):
                                                  ox.NamedNode(KGO.term(kind))})
        parts.extend(fmt.format(r["value"].value) for r in rows)
    if parts:
        parts.append("\n")
    return "".join(parts + entries).rstrip("\n") + "\n"


# --- Write: selection, CSL-JSON and RIS (the bibtex path above stays as written) -------------

#: biblatex entry type (or @misc entrysubtype) -> CSL item type
CSL_TYPE = {
    "book": "book", "mvbook": "book", "collection": "book", "mvcollection": "book",
    "reference": "book", "mvreference": "book", "manual": "book", "proceedings": "book",
    "mvproceedings": "book", "booklet": "pamphlet", "inbook": "chapter",
    "bookinbook": "chapter", "incollection": "chapter", "suppbook": "chapter",
    "suppcollection": "chapter", "inreference": "entry-encyclopedia",
    "article": "article-journal", "periodical": "periodical", "suppperiodical": "article",
    "inproceedings": "paper-conference", "conference": "paper-conference",
    "online": "webpage", "www": "webpage", "electronic": "webpage",
    "video": "motion_picture", "movie": "motion_picture", "audio": "song", "music": "song",
    "report": "report", "techreport": "report", "thesis": "thesis", "phdthesis": "thesis",
    "mastersthesis": "thesis", "legislation": "legislation", "jurisdiction": "legal_case",
    "patent": "patent", "unpublished": "manuscript", "letter": "personal_communication",
    "standard": "standard", "software": "software", "dataset": "dataset",
    "image": "graphic", "artwork": "graphic", "performance": "performance", "misc": "document",
    "review": "review", "interview": "interview", "newspaper": "article-newspaper",
    "magazine": "article-magazine",
}
#: CSL type -> RIS type
RIS_TYPE = {
    "book": "BOOK", "chapter": "CHAP", "article-journal": "JOUR", "article": "JOUR",
    "article-newspaper": "NEWS", "article-magazine": "MGZN", "webpage": "ELEC",
    "motion_picture": "VIDEO", "song": "SOUND", "report": "RPRT", "thesis": "THES",
    "legislation": "STAT", "legal_case": "CASE", "patent": "PAT", "manuscript": "UNPB",
    "paper-conference": "CPAPER", "software": "COMP", "dataset": "DATA", "standard": "STAND",
    "entry-encyclopedia": "ENCYC", "graphic": "ART", "pamphlet": "PAMP",
    "personal_communication": "PCOMM",
}
#: literal text of an open-ended date ("2022/"), by locale language
_OPEN_END = {"fr": "{} ou après", "en": "{} or later", "de": "{} oder später"}
_OPEN_START = {"fr": "{} ou avant", "en": "{} or earlier", "de": "{} oder früher"}
_EDTF_PART = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%]?)$")


@dataclass
class Selection:
    """What to export: the union of every selector; nothing given means every work."""

    themes: list[str] = field(default_factory=list)
    thinkers: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    #: how the SPARQL of ``queries`` runs: kg.read.query.ask on the graph, bounded in time
    #: (the CLI's); None: kg.read.query.select on the store given, in this process
    ask: Callable[[str], Result] | None = None

    def empty(self) -> bool:
        return not (self.themes or self.thinkers or self.keys or self.queries)


def load(bib=None, ontology=None):
    """The model of the bibliography the graph is built from (decoded values, names)."""
    from kg.builder.inputs import default_inputs, load_model

    return load_model(*default_inputs(bib, ontology))


def theme_ids(model, names: list[str]) -> list[str]:
    """Theme ids (with every narrower theme) of names given by id or label."""
    out: list[str] = []
    for name in names:
        t = model.thesaurus.find(name, THEMES_HOW)
        out += [d for d in model.thesaurus.descendants(t.id) if d not in out]
    return out


def find_thinker(model, name: str):
    """A thinker by @thinker key, name ('Jacques Ellul', 'Ellul, Jacques'), alias or family
    name (kg.core.names.resolve: the rule of every command)."""
    persons = model.persons
    names = name_index((n, p.slug) for p in persons.values()
                       for n in [p.key, p.slug, p.name.display, p.name.sort, p.name.family,
                                 *p.aliases])
    return persons[resolve(name, names, "thinker", THINKERS_HOW,
                           show=lambda s: persons[s].name.display)]


#: the roles that put a work in a thinker's selection
_WROTE = (AUTHOR, EDITOR, TRANSLATOR, "bookauthor")


def select(model, sel: Selection, store=None) -> list[str]:
    """Citekeys of the selected works, in file order (crossref parents included)."""
    works = {r.key: r for r in model.of_kind("work")}
    wanted: set[str] = set()
    if sel.empty():
        wanted = set(works)
    missing = [k for k in sel.keys if k not in works]
    if missing:
        raise NotFoundError(f"no work with key {', '.join(missing)}")
    wanted |= set(sel.keys)
    if sel.themes:
        tids = set(theme_ids(model, sel.themes))
        for r in model.records:
            if tids & set(r.themes):
                if r.kind == "work":
                    wanted.add(r.key)
                else:  # a quote's or a claim's sources belong to the theme's reading
                    wanted |= {k for ref in ("source", "citedin", "statedin")
                               for k in r.refs.get(ref, []) if k in works}
    for name in sel.thinkers:
        p = find_thinker(model, name)
        wanted |= {r.key for r in works.values()
                   if any(c.slug == p.slug and c.role in _WROTE for c in r.people)}
    for q in sel.queries:
        wanted |= query_keys(store, q, works, sel.ask)
    for key in list(wanted):  # biber needs the parent of a crossref child
        for parent in works[key].refs.get("crossref", []) + works[key].refs.get("xref", []):
            if parent in works:
                wanted.add(parent)
    return [k for k in works if k in wanted]


def query_keys(store, query: str, works, ask: Callable[[str], Result] | None = None
               ) -> set[str]:
    """Citekeys of the works a SPARQL SELECT returns (first column: work IRIs or citekeys),
    the query run by ``ask`` (else in this process, on ``store``)."""
    from kg.read.query import select

    if store is None and ask is None:
        raise QueryError("--query needs the built graph")
    head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                   if f"PREFIX {p}:" not in query)
    try:
        result = ask(head + query) if ask is not None else select(store, head + query)
    except QueryError as e:
        syntax = str(e).removeprefix("SPARQL syntax error: ")
        if syntax == str(e):
            raise
        raise QueryError(f"the query is not valid SPARQL: {syntax}") from None
    if result.boolean is not None or result.triples is not None:
        raise QueryError("--query must be a SELECT query returning works")
    var = result.vars[0] if result.vars else None
    out: set[str] = set()
    prefix = WORK_NS
    for row in result.rows:
        term = row.get(var) if var is not None else None
        if term is None:
            continue
        v = term.value
        key = v[len(prefix):] if term.type == "uri" and v.startswith(prefix) else v
        from urllib.parse import unquote
        key = unquote(key)
        if key not in works:
            raise QueryError(f"the query returned {v!r}, which is not a work: the first "
                             "column must be works (?w a kgo:Work) or their citekeys")
        out.add(key)
    return out


# -- names and dates --------------------------------------------------------------------------

def entry_names(model, rec, fname: str):
    """Names of a name field as written in the entry (or its crossref parent)."""
    return name_list(model, rec, fname).names


class NameList(NamedTuple):
    """The names of a name field, and whether the list ends with "and others" (a list
    the entry says is longer than the names it gives)."""

    names: list
    others: bool


def name_list(model, rec, fname: str) -> NameList:
    """A name field as written in the entry (or its crossref parent), "and others" kept."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    from kg.core.bib import resolve
    from kg.core.model import parse_names

    macros = model.bib.macros()
    entries = {e.key: e for e in model.bib.entries}
    for e in (rec.entry, *(entries[k] for k in rec.refs.get("crossref", []) if k in entries)):
        real = e.names().get(fname)
        if real:
            raw = resolve(e.fields[real], macros)[0]
            parts = [p.strip() for p in split_multiple_persons_names(raw)]
            return NameList(parse_names(raw), bool(parts) and parts[-1] == "others")
    return NameList([], False)


#: how a list ending with "and others" is written: CSL-JSON as pandoc writes biblatex's
#: "and others" (a literal name "others", which pandoc's citeproc prints "et al."); RIS and
#: Zotero, which have no such marker, get a last name "et al." (its own single-field name)
CSL_OTHERS = {"literal": "others"}
ET_AL = "et al."


def keywords(rec) -> list[str]:
    """The entry's keywords as written (themes or not), in order, once each."""
    out: list[str] = []
    for k in re.split(r"[,;]", rec.values.get("keywords", "")):
        k = k.strip()
        if k and k not in out:
            out.append(k)
    return out


def csl_name(n) -> dict:
    if n.organization or (not n.given and " " in n.family and not n.family[:1].islower()):
        return {"literal": n.family}
    out: dict = {}
    words = n.family.split(" ")
    i = 0
    while i < len(words) - 1 and words[i][:1].islower():
        i += 1
    if i:
        out["non-dropping-particle"] = " ".join(words[:i])
    out["family"] = " ".join(words[i:])
    if n.given:
        out["given"] = n.given
    if n.suffix:
        out["suffix"] = n.suffix
    return out


def _part(s: str):
    m = _EDTF_PART.match(s.strip())
    if not m:
        return None, ""
    parts = [int(m.group(1))] + [int(g) for g in m.group(2, 3) if g]
    return parts, m.group(4)


def csl_date(value: str, lang: str = "fr") -> dict | None:
    """A biblatex/EDTF date -> CSL date; uncertain or open dates never gain precision."""
    v = value.strip()
    if not v:
        return None
    if "/" in v:
        a, _, b = v.partition("/")
        pa, fa = _part(a) if a.strip() not in ("", "..") else (None, "")
        pb, fb = _part(b) if b.strip() not in ("", "..") else (None, "")
        if pa and pb:
            out = {"date-parts": [pa, pb]}
            if fa or fb:
                out["circa"] = True
            return out
        if pa and b.strip() in ("", ".."):
            return {"literal": _OPEN_END.get(lang, _OPEN_END["en"]).format(a.strip())}
        if pb and a.strip() in ("", ".."):
            return {"literal": _OPEN_START.get(lang, _OPEN_START["en"]).format(b.strip())}
        return {"literal": v}
    parts, flag = _part(v)
    if parts is None:
        return {"literal": v}
    out = {"date-parts": [parts]}
    if flag:
        out["circa"] = True  # '?' uncertain, '~' approximate: CSL has one marker for both
    return out


def _lang(value: str) -> str:
    from kg.core.graph import language_code

    return language_code(value) if value else ""


def _title(v: dict, main: str, sub: str, lang: str) -> str:
    t, s = v.get(main, ""), v.get(sub, "")
    if not s:
        return t
    return f"{t}{' : ' if lang == 'fr' else ': '}{s}"


# -- CSL-JSON ---------------------------------------------------------------------------------

def csl_item(model, rec, locale: str = "fr-FR") -> dict:
    """One work as a CSL-JSON item (what pandoc --citeproc and Zotero read)."""
    v = rec.values
    etype = rec.entry.entry_type
    sub = v.get("entrysubtype", "").lower()
    ctype = CSL_TYPE.get(sub if etype == "misc" and sub in CSL_TYPE else etype, "document")
    lang = _lang(v.get("langid") or v.get("language", ""))  # unknown: none ("und" is no data)
    loc_lang = locale.split("-")[0].lower()
    item: dict = {"id": rec.key, "citation-key": rec.key, "type": ctype}
    for fname, var in (("author", "author"), ("editor", "editor"),
                       ("translator", "translator"), ("bookauthor", "container-author")):
        names, others = name_list(model, rec, fname)
        if names:
            item[var] = [csl_name(n) for n in names] + ([dict(CSL_OTHERS)] if others else [])
    if etype == "collection" or etype == "mvcollection":
        item.setdefault("editor", [])
    if item.get("editor") == []:
        del item["editor"]
    title = _title(v, "title", "subtitle", lang)
    if title:
        item["title"] = title
    container = (v.get("journaltitle") or v.get("journal")
                 or _title(v, "booktitle", "booksubtitle", lang)
                 or (v.get("organization") if ctype == "webpage" else ""))
    if container:
        item["container-title"] = container
    if v.get("shortjournal"):
        item["container-title-short"] = v["shortjournal"]
    if v.get("shorttitle"):
        item["title-short"] = v["shorttitle"]
    date = v.get("date") or v.get("year", "")
    if date and not v.get("date") and v.get("month", "").isdigit():
        date = f"{date}-{int(v['month']):02d}"
    for var, raw in (("issued", date), ("original-date", v.get("origdate", "")),
                     ("accessed", v.get("urldate", "")), ("event-date", v.get("eventdate", ""))):
        d = csl_date(raw, loc_lang)
        if d:
            item[var] = d
    publisher = v.get("publisher") or v.get("institution") or (
        v.get("organization") if ctype != "webpage" else "")
    simple = {
        "publisher": publisher,
        "publisher-place": v.get("location") or v.get("address", ""),
        "original-title": v.get("origtitle", ""),
        "language": lang,
        "collection-title": v.get("series", ""),
        "volume": v.get("volume", ""),
        "issue": v.get("number", "") if ctype.startswith("article") else "",
        "number": (v.get("eid", "") if ctype.startswith("article")
                   else v.get("number", "")),
        "edition": v.get("edition", ""),
        "page": v.get("pages", "").replace("--", "–"),
        "number-of-pages": v.get("pagetotal", ""),
        "number-of-volumes": v.get("volumes", ""),
        "DOI": v.get("doi", ""),
        "ISBN": v.get("isbn", ""),
        "ISSN": v.get("issn", ""),
        "URL": v.get("url", "") or (
            f"https://arxiv.org/abs/{v['eprint']}"
            if v.get("eprint") and v.get("eprinttype", "").lower() == "arxiv" else ""),
        "genre": v.get("type", ""),
        "medium": v.get("howpublished", ""),
        "event-title": v.get("eventtitle", ""),
        "event-place": v.get("venue", ""),
        "note": "\n".join(x for x in (v.get("note", ""), v.get("addendum", "")) if x),
        "annote": v.get("annotation") or v.get("annote", ""),
        "abstract": v.get("abstract", ""),
        "keyword": ", ".join(keywords(rec)),
    }
    for var, val in simple.items():
        if val:
            item[var] = val
    orig = _lang(v.get("origlanguage", ""))
    if orig:  # CSL has no variable for it: the schema's place for data without one
        item["custom"] = {"original-language": orig}
    return item


def csl_items(model, keys: list[str], locale: str = "fr-FR") -> list[dict]:
    recs = {r.key: r for r in model.of_kind("work")}
    return [csl_item(model, recs[k], locale) for k in keys]


def csl_json(model, keys: list[str], locale: str = "fr-FR") -> str:
    return json.dumps(csl_items(model, keys, locale), ensure_ascii=False, indent=2) + "\n"


# -- RIS --------------------------------------------------------------------------------------

def _ris_name(n: dict) -> str:
    if "literal" in n:
        return n["literal"]
    fam = " ".join(x for x in (n.get("non-dropping-particle"), n["family"]) if x)
    return ", ".join(x for x in (fam, n.get("given", ""), n.get("suffix", "")) if x)


def _ris_date(d: dict) -> tuple[str, str]:
    """(PY, DA) of a CSL date: DA is YYYY/MM/DD/other, 'other' carrying any uncertainty."""
    if "literal" in d:
        m = re.match(r"-?\d{4}", d["literal"])
        return (m.group(0) if m else ""), f"///{d['literal']}"
    first = d["date-parts"][0]
    y, mo, day = (list(first) + ["", ""])[:3]
    other = "circa" if d.get("circa") else ""
    if len(d["date-parts"]) > 1:
        other = "/".join("-".join(f"{x:02d}" if i else str(x) for i, x in enumerate(p))
                         for p in d["date-parts"])
    da = f"{y}/{f'{mo:02d}' if mo else ''}/{f'{day:02d}' if day else ''}/{other}"
    return str(y), da


#: RIS name tags by role.  Zotero's RIS translator reads A2 on a book as its series editor and
#: A3 as its editor (on a chapter or an article A2 is the editor, A3 the series editor); an
#: edited book without authors is EDBOOK with its editors as AU, as EndNote writes it (Zotero
#: and Citavi read them back as editors).
_RIS_EDITOR = {"BOOK": "A3"}


def _ris_names(it: dict, var: str) -> list[str]:
    return [ET_AL if n == CSL_OTHERS else _ris_name(n) for n in it.get(var, [])]


#: a line RIS readers take for a new tag ("TY  - ", "ER  -"): Zotero's RIS.js reads a line as
#: a tag when it matches ``^([A-Z][A-Z0-9]) {1,2}-(?: (.*))?$``, else as the value's next line
_RIS_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9] {1,2}-(?: |$)")
#: what Zotero's RIS.js (ProCiteCleaner) reads as ProCite data in a note: when the first
#: "Words:" of a note (letters, commas and spaces right before a colon) are one of these, the
#: note becomes that field (or loses its beginning)
_PROCITE = {"Author, Subsidiary", "Author, Monographic", "Artist Role", "Series Editor Role",
            "Cartographer Role", "Composer Role", "Producer Role",
            "Director Role", "Performer Role", "Author Role", "Record ID", "Record Number",
            "Notes", "Connective Phrase", "Extent of Work", "Packaging Method", "Call Number",
            "Edition", "ISBN", "Language", "Publisher Name", "Series Title",
            "Proceedings Title", "Volume ID", "Issue ID", "Issue Identification",
            "Series Volume ID", "Scale", "Place of Publication", "Histroy", "Size"}
#: RIS.js's /([A-Za-z,\s]+)\s*:/ finds the first run of these characters that ends at a colon,
#: whole (the run, from its first character): the same match, in linear time
_PROCITE_SPLIT = re.compile(r"(?<![A-Za-z,\s])([A-Za-z,\s]+):")


def ris_note(note: str) -> str:
    """A note (HTML, see :func:`work_notes`) as the value of an ``N1``, on several lines as
    Zotero writes notes in RIS: a line that would read as a tag, and a colon that would make
    the note ProCite data, are written as character references (the same HTML)."""
    while True:  # RIS.js looks at the first "Words:" only, so: until it is no ProCite name
        m = _PROCITE_SPLIT.search(note)
        if not m or m.group(1) not in _PROCITE:
            break
        note = note[:m.end() - 1] + "&#58;" + note[m.end():]
    return "\n".join(f"&#{ord(line[0])};{line[1:]}" if _RIS_TAG_LINE.match(line) else line
                     for line in note.split("\n"))


def ris(model, keys: list[str], locale: str = "fr-FR") -> str:
    """RIS records (Zotero, EndNote, Citavi, Mendeley, RefWorks...), one per work.

    The citation key is the record's ``ID`` (EndNote, Citavi) and a ``Citation Key:`` line of
    Zotero's Extra field (``M2``, which Zotero's RIS import appends to Extra, where Better
    BibTeX and Zotero 7 read the key); the original title, date and language go there too, as
    the CSL variables Zotero reads from Extra.  The abstract is ``AB``, every keyword one
    ``KW``; the notes of Zotero RDF (:func:`work_notes`: the annotation, the note, the quotes
    and the claims) are one ``N1`` each, their HTML on several lines as Zotero writes notes."""
    out: list[str] = []
    recs = {r.key: r for r in model.of_kind("work")}
    notes = work_notes(model, keys, locale)
    for key in keys:
        rec = recs[key]
        it = csl_item(model, rec)
        ty = RIS_TYPE.get(it["type"], "GEN")
        authors, editors = _ris_names(it, "author"), _ris_names(it, "editor")
        if ty == "BOOK" and editors and not authors:
            ty, authors, editors = "EDBOOK", editors, []
        lines = [("TY", ty), ("ID", key)]
        lines += [("AU", n) for n in authors]
        lines += [(_RIS_EDITOR.get(ty, "A2"), n) for n in editors]
        lines += [("A4", n) for n in _ris_names(it, "translator")]
        if ty == "CHAP":
            lines += [("C2", n) for n in _ris_names(it, "container-author")]  # book author
        lines.append(("TI", it.get("title", "")))
        lines.append(("ST", it.get("title-short", "")))
        lines.append(("T2", it.get("container-title", "")))
        lines.append(("J2", it.get("container-title-short", "")))
        lines.append(("T3", it.get("collection-title", "")))
        if "issued" in it:
            py, da = _ris_date(it["issued"])
            lines += [("PY", py), ("DA", da)]
        if "original-date" in it:
            lines.append(("OP", _ris_date(it["original-date"])[0] + (
                f" ({it['original-title']})" if it.get("original-title") else "")))
        elif it.get("original-title"):
            lines.append(("OP", it["original-title"]))
        for tag, var in (("PB", "publisher"), ("CY", "publisher-place"), ("LA", "language"),
                         ("VL", "volume"), ("IS", "issue"), ("ET", "edition"),
                         ("NV", "number-of-volumes"), ("DO", "DOI"), ("UR", "URL"),
                         ("SN", "ISBN"), ("M3", "genre"), ("AB", "abstract")):
            lines.append((tag, it.get(var, "")))
        if it.get("page"):
            sp, _, ep = it["page"].partition("–")
            lines += [("SP", sp.strip()), ("EP", ep.strip())]
        if "accessed" in it:
            lines.append(("Y2", _ris_date(it["accessed"])[1]))
        lines += [("M2", line) for line in extra_lines(rec, it)]
        lines += [("KW", k) for k in keywords(rec)]
        text = "".join(f"{t}  - {' '.join(str(v).split())}\n" for t, v in lines if v)
        text += "".join(f"N1  - {ris_note(n)}\n" for n in notes[key])
        out.append(text + "ER  - \n")
    return "\n".join(out)


def extra_lines(rec, it: dict) -> list[str]:
    """The lines of Zotero's Extra field for a work: its citation key as Better BibTeX and
    Zotero 7 read it, and the CSL variables Zotero has no field for (original title and date,
    as Zotero's citeproc reads them from Extra), and the original language."""
    out = [f"Citation Key: {rec.key}"]
    if it.get("original-title"):
        out.append(f"original-title: {it['original-title']}")
    od = rec.values.get("origdate", "")
    if od:
        out.append(f"original-date: {od}")
    if it.get("custom", {}).get("original-language"):
        out.append(f"original-language: {it['custom']['original-language']}")
    return out


# -- notes for reference managers: the notes kg writes in Zotero RDF and in RIS ----------------
# Written here, once, for both; kg.write.zotero reads them back (kg_note).  They are
# recognisable by their text, the one thing every Zotero keeps: Zotero's note editor
# (zotero/note-editor, its ProseMirror schema) rewrites a note when it is edited and keeps
# headings, paragraphs, block quotes and code blocks (<pre>, whitespace kept) but drops data-*
# attributes on them (only the note's own <div data-schema-version> keeps its own).  So:
#  - the work's annotation and note fields are notes headed "kg · annotation" / "kg · note";
#  - a quote or a claim is a note headed "kg · <label> <key>" showing the text, and ending
#    with the entry itself, as written in the .bib, in a code block: `kg import zotero` reads
#    that entry back, whole (text, locator, sources, speaker, language, status, themes, note).
# One block a line, so that the HTML reads as text where it is shown raw (EndNote, Citavi).
MARK = "kg \u00b7 "

_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}"}


def tex(s: str) -> str:
    """Text as a BibLaTeX value that decodes back to it."""
    return "".join(_TEX.get(c, c) for c in s)


def _esc(s: str) -> str:
    """Text as HTML text: &, < and > escaped (an apostrophe stays one, readable where the
    HTML is shown as it is)."""
    return html.escape(s, quote=False)


def _p(text: str) -> str:
    """Plain text as note HTML: paragraphs, one a line."""
    return "\n".join(f"<p>{_esc(b).replace(chr(10), '<br/>')}</p>"
                     for b in re.split(r"\n\s*\n", text.strip()) if b.strip())


def field_note(name: str, text: str) -> str:
    """The annotation or note field of a work as a Zotero note, headed so that it comes back
    to the same field."""
    return f"<h2>{MARK}{name}</h2>\n{_p(text)}"


def entry_as_written(rec) -> str:
    """A quote or claim entry as written in the .bib (a value that uses @string macros is
    written as its text, so the entry stands alone)."""
    from kg.core.bib import macro_refs

    e = rec.entry
    lines = [f"@{e.raw_type or e.entry_type}{{{e.key},"]
    for name, raw in e.fields.items():
        if macro_refs(raw) or not raw.startswith(("{", '"')):
            raw = "{" + tex(rec.values.get(name.lower(), "")) + "}"
        lines.append(f"  {name} = {raw},")
    return "\n".join(lines) + "\n}"


def _tail(rec) -> str:
    return f"\n<pre>{_esc(entry_as_written(rec))}</pre>"


def quote_note(q, speaker: str, lab: dict[str, str]) -> str:
    """A kg quote as the HTML of a note: heading, the quote, who said it where, and the entry
    kg reads back."""
    v = q.values
    status = v.get("status", "").lower()
    tail = ", ".join(x for x in (speaker, v.get("locator") or v.get("pages", ""),
                                 lab.get(status, status)) if x)
    return (f"<h2>{MARK}{_esc(lab['quote'])} {_esc(q.key)}</h2>\n"
            f"<blockquote>{_p(v.get('quote', ''))}</blockquote>\n"
            f"<p>\u2014 {_esc(tail)}</p>" + _tail(q))


def claim_note(c, lab: dict[str, str]) -> str:
    """A kg claim as the HTML of a note: heading, the statement, its facts, and the entry kg
    reads back."""
    v = c.values
    out = (f"<h2>{MARK}{_esc(lab['claim'])} {_esc(c.key)}</h2>\n"
           f"<p><strong>{_esc(v.get('statement', ''))}</strong>"
           f" ({_esc(v.get('status', ''))})</p>")
    facts = " \u00b7 ".join(x for x in (" ".join(y for y in (v.get("figure", ""),
                                                              v.get("unit", "")) if y),
                                        v.get("date", ""), v.get("location", ""),
                                        v.get("locator", "")) if x)
    if facts:
        out += f"\n<p>{_esc(facts)}</p>"
    return out + _tail(c)


#: the words of the notes, by language of the locale
NOTE_LABELS = {
    "fr": {"claim": "affirmation", "quote": "citation", "verbatim": "texte vérifié",
           "attributed": "citation attribuée, non vérifiée", "paraphrase": "paraphrase"},
    "en": {"claim": "claim", "quote": "quote", "verbatim": "checked against the source",
           "attributed": "attributed, not checked", "paraphrase": "paraphrase"}}


def work_notes(model, keys: list[str], locale: str = "fr-FR") -> dict[str, list[str]]:
    """The notes (HTML) of each work of ``keys``, as Zotero RDF and RIS carry them: its
    annotation and its note, then each quote and claim whose source it is (else that was read
    in it), a quote or claim being a note of each of its works in ``keys``."""
    lab = NOTE_LABELS.get(locale.split("-")[0].lower(), NOTE_LABELS["en"])
    works = {r.key: r for r in model.of_kind("work")}
    notes: dict[str, list[str]] = {}
    for key in keys:
        v = works[key].values
        notes[key] = [field_note(name, text) for name, text in
                      (("annotation", v.get("annotation") or v.get("annote", "")),
                       ("note", v.get("note", ""))) if text.strip()]
    persons = model.persons
    for r in model.records:
        if r.kind not in ("quote", "claim"):
            continue
        read_in = "citedin" if r.kind == "quote" else "statedin"
        targets = ([k for k in r.refs.get("source", []) if k in notes]
                   or [k for k in r.refs.get(read_in, []) if k in notes])
        if not targets:
            continue
        if r.kind == "quote":
            speaker = next((persons[c.slug].name.display for c in r.people
                            if c.role == "speaker" and c.slug in persons), "")
            note = quote_note(r, speaker, lab)
        else:
            note = claim_note(r, lab)
        for k in dict.fromkeys(targets):
            notes[k].append(note)
    return notes


# -- the command ------------------------------------------------------------------------------

def run(fmt: str = "bibtex", sel: Selection | None = None, store=None, *, bib=None,
        ontology=None, style: str = "apa", locale: str = "fr-FR") -> str:
    """`kg export`: the selected works of the built ``store`` in one format (bibtex, csl-json,
    ris, text...)."""
    sel = sel or Selection()
    if fmt == "bibtex" and not (sel.themes or sel.thinkers or sel.queries):
        return bibtex(store, sel.keys or None)  # everything, or --key alone
    model = load(bib, ontology)
    keys = select(model, sel, store)
    if not keys:
        raise NotFoundError("no work matches the selection")
    if fmt == "bibtex":
        return bibtex(store, keys)  # with the @string macros the selection uses
    if fmt == "csl-json":
        return csl_json(model, keys, locale)
    if fmt == "ris":
        return ris(model, keys, locale)
    from kg.write.cite import bibliography

    return bibliography(csl_items(model, keys, locale), style=style, locale=locale, fmt=fmt)


# -- keeping an export in step with the library -------------------------------------------------

def _signature(paths) -> tuple:
    """What tells a file changed: its modification time and size (None: not there)."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def watch_export(dest, text_of, rebuild, *, bib=None, ontology=None, interval: float = 1.0,
                 say=print, stop=None, sleep=time.sleep) -> None:
    """`kg export ... --output FILE --watch`: write FILE, then rewrite it (atomically, only
    when its text changes) each time the .bib or the ontology changes, the way Better BibTeX's
    auto-export follows a Zotero library.

    ``rebuild()`` builds the graph (printing its warnings) and returns the build's errors;
    ``text_of(quiet)`` exports from the built graph.  An edit that brings new errors (an
    entry that cannot be read, a duplicate key...) leaves FILE as it was, the errors printed,
    until the library is right again; Ctrl-C (or ``stop()``) ends the watch."""
    from kg.builder.inputs import bib_paths, default_inputs
    from kg.builder.store import write_atomic

    bibs, onto = default_inputs(bib, ontology)
    paths = [*bib_paths(bibs), onto]  # every .bib file of the library, then the ontology

    def known(errors) -> set:
        return {(getattr(e, "key", ""), getattr(e, "message", str(e))) for e in errors}

    try:
        good = known(rebuild())
        sig = _signature(paths)
        text = text_of(True)
        write_atomic(dest, text)
        say(f"kg: {dest} written; watching {', '.join(map(str, paths[:-1]))} and {paths[-1]} "
            f"every {interval:g} s (Ctrl-C stops)")
        while stop is None or not stop():
            sleep(interval)
            now = _signature(paths)
            if now == sig:
                continue
            sleep(min(interval, 0.2))  # an editor may still be writing: wait until it is done
            if _signature(paths) != now:
                continue
            sig = now
            try:
                errors = known(rebuild())
                new = errors - good
                if new:
                    say(f"kg: {dest} kept as it was: the edit brings {len(new)} error(s) "
                        "(above); fix them and save again")
                    continue
                fresh = text_of(True)
            except KgError as e:
                say(f"Error: {e}")
                say(f"kg: {dest} kept as it was")
                continue
            good = errors
            if fresh != text:
                write_atomic(dest, fresh)
                text = fresh
                say(f"kg: {dest} updated")
    except KeyboardInterrupt:
        say(f"kg: stopped watching; {dest} holds the export of the last good build")
