"""What the page offers to copy and download for a work, computed when the page is written.

The page works offline and asks nothing of anyone, so each work carries its own:

- ``bibtex``: the entry as the .bib wrote it (the raw fields the graph keeps, in their order);
- ``csl``: a CSL-JSON item (what Zotero and pandoc --citeproc read);
- ``cite``: a plain-text reference in a few styles (APA, Chicago author-date, MLA).

The styles are a small formatter of the fields the graph holds, not a CSL processor (kg.write.cite
runs pandoc's citeproc for `kg cite`; the page cannot run pandoc, and the build must not wait on
it): authors, date, title, container, volume, issue, pages, place, publisher, DOI or URL. Nothing
the entry does not give is written (no page, publisher or date is made up).
"""
from __future__ import annotations

import re
from typing import NamedTuple

#: the styles the page offers, in the order of its menu
STYLES = {"apa": "APA 7", "chicago": "Chicago author-date", "mla": "MLA 9"}

#: biblatex entry type -> CSL item type
CSL_TYPE = {"article": "article-journal", "book": "book", "mvbook": "book",
            "inbook": "chapter", "incollection": "chapter", "collection": "book",
            "mvcollection": "book", "proceedings": "book", "inproceedings": "paper-conference",
            "thesis": "thesis", "phdthesis": "thesis", "mastersthesis": "thesis",
            "report": "report", "techreport": "report", "online": "webpage",
            "www": "webpage", "video": "motion_picture", "movie": "motion_picture",
            "audio": "song", "patent": "patent", "periodical": "periodical",
            "unpublished": "manuscript", "manual": "book", "booklet": "pamphlet",
            "dataset": "dataset", "software": "software", "misc": "document"}
_ARTICLE = {"article-journal", "chapter", "paper-conference", "webpage"}


class Person(NamedTuple):
    """A name as CSL writes it: family and given, or one literal (an organisation)."""

    family: str
    given: str = ""
    literal: str = ""
    suffix: str = ""


class Work(NamedTuple):
    """The fields of a work a reference is written from (strings, empty when not given)."""

    key: str
    type: str  # the biblatex entry type
    title: str
    subtitle: str = ""
    authors: tuple[Person, ...] = ()
    editors: tuple[Person, ...] = ()
    translators: tuple[Person, ...] = ()
    date: str = ""
    container: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    place: str = ""
    publisher: str = ""
    doi: str = ""
    url: str = ""
    edition: str = ""
    language: str = ""


def person(name: str, sort_name: str = "", organisation: bool = False) -> Person:
    """A person from the graph's name and sort name ("Ellul, Jacques")."""
    if not organisation and "," in sort_name:
        family, given, *suffix = [x.strip() for x in sort_name.split(",")]
        return Person(family, given, "", ", ".join(suffix))
    if organisation or not name.strip():
        return Person("", "", (name or sort_name).strip())
    parts = name.split()
    return Person(parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else Person("", "",
                                                                                   name)


def _year(date: str) -> str:
    m = re.match(r"\d{4}", date or "")
    return m.group() if m else ""


def _full_title(w: Work, sep: str = ": ") -> str:
    return f"{w.title}{sep}{w.subtitle}" if w.subtitle else w.title


def _end(s: str) -> str:
    s = s.strip()
    return s if not s or s[-1] in ".?!…»\"”" else s + "."


def _initials(given: str) -> str:
    out = []
    for part in given.split():
        bits = [b for b in part.split("-") if b]
        out.append("-".join(b[0] + "." for b in bits))
    return " ".join(out)


def _link(w: Work) -> str:
    return f"https://doi.org/{w.doi}" if w.doi else w.url


def _csl_type(w: Work) -> str:
    return CSL_TYPE.get(w.type.lower(), "document")


# --------------------------------------------------------------------------- styles

def apa(w: Work, lang: str = "fr") -> str:
    def one(p: Person) -> str:
        return p.literal or (f"{p.family}, {_initials(p.given)}" if p.given else p.family)

    names = [one(p) for p in w.authors]
    if len(names) > 20:  # APA 7: the first 19, an ellipsis, the last
        names = names[:19] + ["… " + names[-1]]
    amp = "&" if lang == "en" else "et"
    who = (names[0] if len(names) == 1 else
           ", ".join(names[:-1]) + (", " if names[-1].startswith("…") else f", {amp} ")
           + names[-1] if names else "")
    year = _year(w.date) or ("n.d." if lang == "en" else "s. d.")
    parts = [f"{who} ({year})." if who else ""]
    title = _full_title(w)
    if not who:
        parts = [_end(title), f"({year})."]
    else:
        parts.append(_end(title))
    if w.container:
        c = w.container
        if w.volume:
            c += f", {w.volume}" + (f"({w.issue})" if w.issue else "")
        if w.pages:
            c += f", {w.pages}"
        parts.append(_end(c))
    if w.publisher and _csl_type(w) not in ("article-journal",):
        parts.append(_end(w.publisher))
    parts.append(_link(w))
    return " ".join(p for p in parts if p)


def _names_full(people: tuple[Person, ...], lang: str) -> str:
    if not people:
        return ""
    def first(p: Person) -> str:
        return p.literal or (f"{p.family}, {p.given}" if p.given else p.family)

    def other(p: Person) -> str:
        return p.literal or f"{p.given} {p.family}".strip()

    names = [first(people[0])] + [other(p) for p in people[1:]]
    if len(names) > 3:
        return names[0] + ", et al."
    conj = " and " if lang == "en" else " et "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + "," + conj + names[-1]


def chicago(w: Work, lang: str = "fr") -> str:
    who = _names_full(w.authors, lang)
    year = _year(w.date) or ("n.d." if lang == "en" else "s. d.")
    article = _csl_type(w) in _ARTICLE and w.container
    title = f"“{_end(_full_title(w))}”" if article else _end(_full_title(w))
    parts = [_end(who), _end(year), title] if who else [title, _end(year)]
    if article:
        c = w.container + (f" {w.volume}" if w.volume else "") + (
            f" ({w.issue})" if w.issue else "") + (f": {w.pages}" if w.pages else "")
        parts.append(_end(c))
    if w.place or w.publisher:
        parts.append(_end(": ".join(x for x in (w.place, w.publisher) if x)))
    parts.append(_link(w))
    return " ".join(p for p in parts if p)


def mla(w: Work, lang: str = "fr") -> str:
    who = _names_full(w.authors, lang)
    article = _csl_type(w) in _ARTICLE and w.container
    title = f"“{_end(_full_title(w))}”" if article else _end(_full_title(w))
    bits = []
    if article:
        bits.append(w.container)
        if w.volume:
            bits.append(f"vol. {w.volume}")
        if w.issue:
            bits.append(f"no. {w.issue}")
    if w.publisher and not _csl_type(w) == "article-journal":
        bits.append(w.publisher)
    if _year(w.date):
        bits.append(w.date if re.fullmatch(r"\d{4}", w.date) else _year(w.date))
    if w.pages:
        bits.append(("pp. " if re.search(r"[-–]", w.pages) else "p. ") + w.pages)
    parts = [_end(who), title, _end(", ".join(bits)) if bits else "", _link(w)]
    return " ".join(p for p in parts if p)


FORMATTERS = {"apa": apa, "chicago": chicago, "mla": mla}


def citations(w: Work, lang: str = "fr") -> dict[str, str]:
    """The work's reference in every style of STYLES."""
    return {name: FORMATTERS[name](w, lang) for name in STYLES}


# --------------------------------------------------------------------------- data formats

def _csl_date(date: str) -> dict | None:
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", date or "")
    if m:
        return {"date-parts": [[int(x) for x in m.groups() if x]]}
    return {"literal": date} if date else None  # an uncertain or open date, as written


def csl_item(w: Work) -> dict:
    """The work as a CSL-JSON item (only the fields it has)."""
    def names(people):
        return [({"literal": p.literal} if p.literal else
                 {"family": p.family, **({"given": p.given} if p.given else {}),
                  **({"suffix": p.suffix} if p.suffix else {})})
                for p in people]

    item = {"id": w.key, "type": _csl_type(w), "title": _full_title(w)}
    for k, people in (("author", w.authors), ("editor", w.editors),
                      ("translator", w.translators)):
        if people:
            item[k] = names(people)
    issued = _csl_date(w.date)
    if issued:
        item["issued"] = issued
    for k, v in (("container-title", w.container), ("volume", w.volume), ("issue", w.issue),
                 ("page", w.pages), ("publisher-place", w.place), ("publisher", w.publisher),
                 ("DOI", w.doi), ("URL", w.url), ("edition", w.edition)):
        if v:
            item[k] = v
    if w.language:
        item["language"] = w.language
    return item


def bibtex_entry(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    """An entry as the .bib wrote it: ``fields`` are (name, raw value with its delimiters)."""
    lines = [f"@{entry_type}{{{key},"] + [f"  {name} = {value}," for name, value in fields]
    return "\n".join(lines) + "\n}\n"
