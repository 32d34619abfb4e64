"""What a value of an entry means, and whether it validates: dates (ISO 8601 / EDTF level 1
as biblatex reads them), ISBNs, DOIs, URLs.

A value that does not validate is a data-quality warning, never an error: it is kept as written
(the raw field), and only a value that validates is typed in the graph (kg.core.graph).  The
model reports these warnings for every entry; `kg check` (kg.builder.rules) reports the same.
"""
from __future__ import annotations

import calendar
import functools
import re

from kg.core.vocab import XSD

DATE_FIELDS = ("date", "origdate", "eventdate", "urldate", "birthdate", "deathdate")
#: one date of EDTF level 1 as biblatex reads it: digits or X/u (unspecified), a season as
#: month 21-24, a time, and a qualifier ? ~ % (uncertain, approximate, both)
_PART = re.compile(r"(-?[0-9Xu]{4}|Y-?\d{5,})(?:-([0-9Xu]{2})(?:-([0-9Xu]{2}))?)?"
                   r"(?:T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?[?~%]?")
#: what an open or unknown end of a range is written as (EDTF 2019, and the draft before it)
_OPEN_ENDS = ("", "..", "unknown", "open")
_JS_DATE = re.compile(r"(?:[A-Z][a-z]{2},? )?([A-Z][a-z]{2}) (\d{1,2}),? (\d{4})\b.*")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def figure_literal(number: str) -> tuple[str, str]:
    """A claim's figure (kg.core.model.parse_number's text) as the literal the graph writes:
    its lexical form and XSD type (xsd:double when written with an exponent, else
    xsd:decimal), in the one form an RDF store gives back for that value: Oxigraph reads a
    number as a value and writes it out canonically ("1.50" came back "1.5", "+45" "45",
    "2e6"^^xsd:double "2000000"), so a figure written otherwise read differently from the
    store and from the read model. No sign but a minus, no leading or trailing zero, a double's
    digits written out in full (INF when it overflows)."""
    from decimal import Decimal

    if "e" not in number.lower():  # by hand: every digit kept (a Decimal rounds to 28)
        sign = "-" if number.startswith("-") else ""
        whole, _, part = number.lstrip("+-").partition(".")
        whole, part = whole.lstrip("0") or "0", part.rstrip("0")
        if whole == "0" and not part:
            return "0", str(XSD.decimal)
        return sign + whole + ("." + part if part else ""), str(XSD.decimal)
    f = float(number)
    if f in (float("inf"), float("-inf")):
        return ("INF" if f > 0 else "-INF"), str(XSD.double)
    text = format(Decimal(repr(f)), "f")  # the shortest digits that read back as f
    return (text.rstrip("0").rstrip(".") if "." in text else text), str(XSD.double)


def figure_number(number: str | None) -> int | float | None:
    """A claim's figure as a number, as a SPARQL result gives it back (its literal,
    :func:`figure_literal`, read as kg.read.query.Term.py reads one: a whole value an int)."""
    if number is None:
        return None
    f = float(figure_literal(number)[0].replace("INF", "inf"))
    return int(f) if f.is_integer() else f


@functools.lru_cache(maxsize=65536)
def date_error(value: str) -> str | None:
    """Why a biblatex (ISO 8601/EDTF level 1) date is malformed, or None when biblatex reads
    it: unspecified digits (199X, 19uu, 1999-XX), seasons, qualifiers ? ~ %, ranges with an
    open or unknown end (2004/.., unknown/2006)."""
    v = value.strip()
    if not v:
        return "empty date"
    parts = v.split("/")
    if len(parts) > 2:
        return "more than one '/'"
    if len(parts) == 2 and all(p in _OPEN_ENDS for p in parts):
        return "a range needs at least one end"
    for p in parts:
        if p in _OPEN_ENDS and len(parts) == 2:
            continue
        m = _PART.fullmatch(p)
        if not m:
            js = _JS_DATE.fullmatch(p)
            if js and js.group(1).lower() in _MONTHS:
                iso = f"{js.group(3)}-{_MONTHS.index(js.group(1).lower()) + 1:02d}-" \
                      f"{int(js.group(2)):02d}"
                return f"a date as a web browser writes it: biblatex reads {iso}"
            return ("expected YYYY, YYYY-MM or YYYY-MM-DD (EDTF: X for an unspecified digit, "
                    "? ~ % qualifiers, ranges a/b with .. for an open end)")
        y, mo, d = m.groups()
        if mo and mo.isdigit():
            if not (1 <= int(mo) <= 12 or 21 <= int(mo) <= 24):
                return f"month {mo} out of range"
            if (d and d.isdigit() and y.lstrip("-").isdigit() and int(mo) <= 12
                    and not 1 <= int(d) <= calendar.monthrange(abs(int(y)) or 2000, int(mo))[1]):
                return f"day {d} does not exist in {y}-{mo}"
            if d and int(mo) > 12:
                return f"a season ({mo}) has no day"
    return None


_DATE = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def date_type(value: str) -> str | None:
    """The XSD type of an exact biblatex date that exists (1999, 1999-05, 1999-05-31); None
    for what is not exact (ranges, X/u digits, seasons, ? ~ %) or not a date: such a value
    is kept as written, a plain literal, never given a precision it does not have.  Nor is
    "-0000": XSD has no negative year zero (an RDF store would read it back as "0000")."""
    m = _DATE.fullmatch(value)
    if not m or value.startswith("-0000"):
        return None
    y, mo, d = m.groups()
    if mo is None:
        return XSD.gYear
    if not 1 <= int(mo) <= 12:
        return None  # a season (21-24), or no month
    if d is None:
        return XSD.gYearMonth
    import calendar
    return XSD.date if 1 <= int(d) <= calendar.monthrange(abs(int(y)) or 2000,
                                                          int(mo))[1] else None


_YEAR = re.compile(r"\s*(-?\d{1,4})(?![\dXxu])")


def year_of(value: str) -> int | None:
    """The year a date starts in, when its year is written whole (not 199X or 19uu)."""
    m = _YEAR.match(value)
    return int(m.group(1)) if m else None


_SHOWN_YEAR = re.compile(r"\s*(-?[\dXxu]{1,4})([^/]*)")
_OPEN_END = ("", "..", "open", "unknown")


def shown_year(value: str) -> int | str | None:
    """The year of an EDTF date as every output shows it, its uncertainty kept: ``1988`` ->
    1988 (an integer when the year is exact), ``1965?`` -> "1965?", ``1972~`` -> "1972~",
    ``199X``/``199u`` -> "199X", ``2022/`` -> "2022–", ``../2006`` -> "–2006",
    ``2004/2006`` -> "2004–2006"; None when no year is written."""
    v = (value or "").strip()
    if "/" in v:
        start, end = (part.strip() for part in v.split("/", 1))
        a = None if start.lower() in _OPEN_END else shown_year(start)
        b = None if end.lower() in _OPEN_END else shown_year(end)
        if a is None and b is None:
            return None
        if a == b or b is None and end.lower() not in _OPEN_END:
            return a
        return f"{'' if a is None else a}–{'' if b is None else b}"
    m = _SHOWN_YEAR.match(v)
    if not m:
        return None
    year = m.group(1).replace("u", "X").replace("x", "X")
    marks = "".join(c for c in "?~%" if c in m.group(2) or c in v[:1])
    if marks == "?~" or "%" in marks:
        marks = "%"  # uncertain and approximate
    if "X" in year or marks:
        return year + marks
    return int(year)


@functools.lru_cache(maxsize=65536)
def isbn_ok(value: str) -> bool:
    """Whether a text is one ISBN-10 or ISBN-13 with a right checksum (hyphens, spaces and
    an 'ISBN' prefix allowed)."""
    s = _ISBN_PREFIX.sub("", re.sub(r"[\s-]", "", value)).upper()
    if re.fullmatch(r"\d{9}[\dX]", s):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(s))
        return total % 11 == 0
    if re.fullmatch(r"97[89]\d{10}", s):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(s)) % 10 == 0
    return False


_ISBN_PREFIX = re.compile(r"^ISBN(?:-?1[03])?:?", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def isbns(value: str) -> tuple[str, ...]:
    """The ISBNs of a field as written, one text each: Zotero writes several separated by a
    space (``978-3-642-13189-9 978-3-642-13190-5``), others by ',' or ';'; an ISBN may be
    written with spaces between its groups, and followed by a note such as ``(pbk.)``."""
    out: list[str] = []
    for part in re.split(r"[;,]", value):
        cur: list[str] = []
        for tok in part.split():
            if _ISBN_PREFIX.fullmatch(tok) or not re.search(r"\d", tok):
                continue  # "ISBN", "ISBN-13:", "(pbk.)"
            cur.append(tok)
            digits = re.sub(r"[^\dXx]", "", "".join(cur))
            want = 13 if digits.startswith(("978", "979")) else 10
            if len(digits) >= want or len(cur[-1].replace("-", "")) >= 10:
                out.append(" ".join(cur))
                cur = []
        if cur:
            out.append(" ".join(cur))
    return tuple(out)


_DOI = re.compile(r"10\.\d{4,9}/\S+|10/[a-z0-9]+", re.IGNORECASE)
#: a DOI link: doi.org, dx.doi.org and the publishers' resolvers named doi.* (doi.acm.org,
#: doi.wiley.com: JabRef's and BibDesk's ACM imports write them)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.[a-z.]+/|doi:\s*)", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def doi_of(value: str) -> str | None:
    """The bare DOI a field holds (10.1234/abc, or a short DOI 10/abc), written bare, as a
    link (https://doi.org/...) or with a ``doi:`` prefix; None when it is not a DOI."""
    v = _DOI_PREFIX.sub("", value.strip())
    if v.lower().startswith("10") and "%2f" in v.lower()[:16]:
        from urllib.parse import unquote
        v = unquote(v)
    return v if _DOI.fullmatch(v) else None


@functools.lru_cache(maxsize=65536)
def url_ok(url: str) -> bool:
    """Whether a text is an absolute http(s) or ftp URL without spaces."""
    from urllib.parse import urlsplit

    try:
        u = urlsplit(url)
    except ValueError:
        return False
    return u.scheme in ("http", "https", "ftp") and bool(u.netloc) and not re.search(r"\s", url)


def value_problems(values: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message) of every value of an entry that does not validate (warnings)."""
    out: list[tuple[str, str]] = []
    for f in DATE_FIELDS:
        if values.get(f):
            why = date_error(values[f])
            if why:
                out.append((f, f"malformed date '{values[f]}' in {f}: {why} (kept as written, "
                                "not typed as a date): correct it from the source"))
    y = values.get("year", "")
    if y and not re.fullmatch(r"-?\d{1,4}", y.strip()):
        out.append(("year", f"year '{y}' is not a number: write it in date (EDTF) or note"))
    isbn = values.get("isbn", "")
    if isbn:
        for one in isbns(isbn):
            if not isbn_ok(one):
                out.append(("isbn", f"invalid ISBN '{one}': wrong length or checksum (kept as "
                                    "written; copy it again from the book or a library "
                                    "catalogue)"))
    doi = values.get("doi", "")
    if doi:
        bare = doi_of(doi)
        if bare is None:
            out.append(("doi", f"malformed DOI '{doi}': a DOI looks like 10.1234/abc or 10/abc "
                               "(kept as written)"))
        elif bare != doi.strip():
            out.append(("doi", f"DOI '{doi}' written as a link: write the bare DOI ({bare}); "
                               "biblatex adds https://doi.org/ itself"))
    url = values.get("url", "")
    if url and not url_ok(url):
        out.append(("url", f"malformed URL '{url[:200]}': expected http(s)://host/... (kept as "
                           "written)"))
    return out
