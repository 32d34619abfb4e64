"""The lint rules of `kg check`: small functions ``rule(model) -> Iterable[Problem]`` over the
decoded model (every entry, linear time), added to what the reader and the model already report
(syntax, duplicate keys and fields, unknown themes, quotes without locator, unsourced claims,
unknown crossref/related keys).

``GATE_RULES`` are those whose errors would stop `kg build` from publishing: none since the
data-quality findings became warnings (the build publishes what it could read).
Imports only from kg.core (the build and `kg check` both use it).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from kg.core.errors import Place, Problem
from kg.core.values import DATE_FIELDS as _DATE_FIELDS
from kg.core.values import date_error, isbn_ok, value_problems  # noqa: F401 (kg.builder.check)
from kg.core.vocab import AUTHOR, CONTESTED, EDITOR

Rule = Callable[[object], Iterable[Problem]]


def _problem(e, fname: str, level: str, msg: str, at: Place | None = None) -> Problem:
    """A problem of entry ``e`` at field ``fname``; ``at``: the other place ``msg`` names
    where it says {at} (Problem.citing)."""
    line = e.field_lines.get(e.names().get(fname, fname), e.line)
    if at is not None:
        return Problem.citing(e.file, line, e.key, level, msg, at)
    return Problem(e.file, line, e.key, level, msg)


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
        authors = tuple(sorted(c.slug for c in rec.people if c.role in (AUTHOR, EDITOR)))
        year = year_of(rec.get("date") or rec.get("year"))
        sig = (slug(rec.get("title")), authors, year)
        if sig in first:
            other = first[sig]
            if rec.get("crossref") == other.key or other.get("crossref") == rec.key:
                continue
            yield _problem(rec.entry, "title", "warning",
                           f"likely duplicate of '{other.key}' ({{at}}): same "
                           "title, authors and year; merge them or link them with related",
                           Place(other.entry.file, other.entry.line))
        else:
            first[sig] = rec


def rule_thinker_dates(model) -> Iterable[Problem]:
    """@thinker entries for a person without birth or death date."""
    for p in model.persons.values():
        if p.entry is None or p.kind != "person" or p.birth or p.death:
            continue
        yield _problem(p.entry, "name", "warning",
                       "thinker has no dates: add birthdate (and deathdate) when known")


def rule_dates(model) -> Iterable[Problem]:
    """Dates that are not ISO 8601/EDTF as biblatex reads them; years that are not numbers.
    Warnings: the value is kept as written (a plain literal in the graph, never typed)."""
    for e, values in _entries(model):
        for f, msg in value_problems(values):
            if f in _DATE_FIELDS or f == "year":
                yield _problem(e, f, "warning", msg)


def rule_identifiers(model) -> Iterable[Problem]:
    """ISBN (form and checksum; several in a field allowed), DOI (long, short, as a link)
    and URL syntax.  Warnings: the value is kept as written, only one that validates is typed
    in the graph."""
    for e, values in _entries(model):
        for f, msg in value_problems(values):
            if f in ("isbn", "doi", "url"):
                yield _problem(e, f, "warning", msg)


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
        if rec.kind == "claim" and rec.get("status").lower() == CONTESTED \
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
#: rules whose errors would stop `kg build` from publishing (kg.builder.pipeline runs them on
#: every record).  None: the build publishes whatever it could read (``--strict`` refuses
#: on any error).  What these rules find in a value (a date biblatex would not read, an ISBN
#: checksum, a DOI or URL form) is a warning: the value is kept as written and only one that
#: validates is typed in the graph (kg.core.graph), so the graph is never wrong because of it.
#: A link to a missing key (crossref, related, xdata...) is an error the model reports.
GATE_RULES: list[Rule] = []
