"""The lint rules of `kg check`: small functions ``rule(model) -> Iterable[Problem]`` over the
decoded model (every entry, linear time), added to what the reader and the model already report
(syntax, duplicate keys and fields, unknown themes, quotes without locator, unsourced claims,
unknown crossref/related keys).

``GATE_RULES`` are those `kg build` runs before publishing: their errors mean the new graph
would carry wrong values.  Imports only from kg.core (the build and `kg check` both use it).
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable

from kg.core.errors import Problem
from kg.core.vocab import AUTHOR, CONTESTED, EDITOR

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
        authors = tuple(sorted(c.slug for c in rec.people if c.role in (AUTHOR, EDITOR)))
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
#: rules whose errors mean the graph would carry wrong values (typed dates, ISBN, DOI, URL)
GATE_RULES: list[Rule] = [rule_dates, rule_identifiers, rule_undefined_links]
