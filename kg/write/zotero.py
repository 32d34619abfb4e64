"""Zotero both ways: a Zotero library read into BibLaTeX entries kg reads (``kg import zotero``),
and works written as Zotero RDF, the format Zotero imports with notes, tags and collections
(``kg export --format zotero-rdf``).

In: a Zotero data folder (its ``zotero.sqlite``, opened read-only and immutable, so a running
Zotero's lock does not matter and nothing is written there) or a Better BibTeX JSON export.
Each regular item becomes a BibLaTeX entry with its citation key (Zotero's ``citationKey``
field, else the ``Citation Key:`` line of Extra, else one made from the first creator and the
year), its tags as ``keywords`` (kg's themes; ``a/b`` tags keep their hierarchy), its child
notes as ``annotation`` (HTML made text); each highlight or underline of Zotero's PDF reader
becomes a ``@quote`` of its item, verbatim, with the page label as locator and the reader's
comment as its note; a note annotation (a comment with no highlighted text) joins the item's
annotation, with its page. The notes kg wrote (below) go back where they came from: the
annotation and note fields, and each quote or claim to its own entry, read from the note's
code block.

Out: the RDF/XML that Zotero's RDF import translator reads (zotero/translators RDF.js): the
item type (``z:itemType``), creators as ``bib:authors``/``bib:editors``/``z:translators``
sequences, the container (journal, book) and series as ``dcterms:isPartOf`` nodes, publisher
and place, identifiers, the citation key and the original title, date and language as lines of
Extra (``dc:description``), every keyword as a tag (``dc:subject``), the annotation, the note,
and the quotes and claims whose source the work is as child notes (``bib:Memo``; headed
``kg · …``, a quote or claim ending with its entry in a code block: the notes of
:func:`kg.write.export.work_notes`, which the RIS export carries too), and the themes as
collections nested as their hierarchy (an item is in the collections of its themes).
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from kg.core import vocab
from kg.core.errors import InputError, NotFoundError
from kg.core.latex import slug
from kg.core.vocab import LANG
from kg.write.export import (
    CSL_OTHERS,
    ET_AL,
    MARK,
    Selection,
    csl_item,
    extra_lines,
    keywords,
    load,
    select,
    tex,
    work_notes,
)

# --- Zotero in ---------------------------------------------------------------------------------

#: Zotero item type -> biblatex entry type (and entrysubtype)
ENTRY_TYPE = {
    "book": "book", "bookSection": "incollection", "journalArticle": "article",
    "magazineArticle": "article", "newspaperArticle": "article", "thesis": "thesis",
    "report": "report", "webpage": "online", "blogPost": "online", "forumPost": "online",
    "conferencePaper": "inproceedings", "encyclopediaArticle": "inreference",
    "dictionaryEntry": "inreference", "film": "video", "videoRecording": "video",
    "tvBroadcast": "video", "audioRecording": "audio", "podcast": "audio",
    "radioBroadcast": "audio", "letter": "letter", "email": "letter", "manuscript": "unpublished",
    "computerProgram": "software", "dataset": "dataset", "patent": "patent",
    "statute": "legislation", "case": "jurisdiction", "artwork": "artwork",
    "standard": "standard", "preprint": "online", "document": "misc", "interview": "misc",
    "presentation": "misc", "map": "misc", "hearing": "misc", "bill": "legislation",
    "instantMessage": "misc",
}
_SUBTYPE = {"magazineArticle": "magazine", "newspaperArticle": "newspaper",
            "interview": "interview", "presentation": "presentation", "map": "map"}
#: Zotero field -> biblatex field (the same for every type unless a type says otherwise)
FIELD = {
    "title": "title", "shortTitle": "shorttitle", "abstractNote": "abstract",
    "publicationTitle": "journaltitle", "bookTitle": "booktitle",
    "proceedingsTitle": "booktitle", "encyclopediaTitle": "booktitle",
    "dictionaryTitle": "booktitle", "websiteTitle": "organization", "blogTitle": "organization",
    "forumTitle": "organization", "journalAbbreviation": "shortjournal", "volume": "volume",
    "issue": "number", "pages": "pages", "numPages": "pagetotal",
    "numberOfVolumes": "volumes", "edition": "edition", "series": "series",
    "seriesNumber": "number", "place": "location", "publisher": "publisher",
    "university": "institution", "institution": "institution", "reportType": "type",
    "thesisType": "type", "websiteType": "type", "manuscriptType": "type",
    "reportNumber": "number", "url": "url", "DOI": "doi", "ISBN": "isbn", "ISSN": "issn",
    "conferenceName": "eventtitle", "versionNumber": "version", "company": "publisher",
    "label": "publisher", "studio": "publisher", "distributor": "publisher",
    "network": "publisher", "repository": "publisher", "archiveID": "eprint",
}
#: Zotero creator type -> biblatex name field
CREATOR = {
    "author": "author", "editor": "editor", "translator": "translator",
    "bookAuthor": "bookauthor", "director": "author", "artist": "author",
    "composer": "author", "programmer": "author", "inventor": "author", "podcaster": "author",
    "presenter": "author", "cartographer": "author", "interviewee": "author",
    "sponsor": "author", "performer": "author",
}
#: Zotero's reader: annotation types (Zotero.Annotations.ANNOTATION_TYPE_*)
ANNOTATION_TYPES = {1: "highlight", 2: "note", 3: "image", 4: "ink", 5: "underline", 6: "text"}
_VERBATIM_FIELDS = {"url", "doi", "eprint"}
#: the names Zotero writes for "and others"
_OTHERS = {"et al.", "et al", "others"}


class Creator(NamedTuple):
    role: str  # Zotero creator type
    first: str
    last: str
    single: bool  # one-field name (an organisation)


class Annotation(NamedTuple):
    """A mark of Zotero's PDF reader: its type (highlight, underline, note...), the text
    marked, the reader's comment, the page label and Zotero's key (stable)."""

    kind: str
    text: str
    comment: str
    page: str
    key: str
    tags: tuple[str, ...] = ()


@dataclass
class Item:
    """A regular Zotero item, as read."""

    key: str  # Zotero's item key
    type: str
    fields: dict[str, str] = field(default_factory=dict)
    library: int = 1
    creators: list[Creator] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # HTML
    annotations: list[Annotation] = field(default_factory=list)


class ImportReport(NamedTuple):
    """What `kg import zotero` wrote and what it could not carry over."""

    text: str  # the BibLaTeX entries
    items: int
    notes: int
    quotes: int
    warnings: list[str]
    records: int = 0  # the quotes and claims kg had written into notes, read back


def _connect(db: Path) -> sqlite3.Connection:
    """Zotero's database, read-only and immutable: no lock taken, nothing written, even with
    Zotero running."""
    uri = db.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
        con.execute("SELECT 1 FROM items LIMIT 1")
    except sqlite3.DatabaseError as e:
        raise InputError(f"{db}: not a Zotero database ({e})") from None
    return con


def read_sqlite(db: Path) -> list[Item]:
    """The regular items of a zotero.sqlite (trash, feeds, notes, attachments left out), with
    their fields, creators, tags, child notes and the annotations of their attachments; and
    the citation keys Better BibTeX keeps in better-bibtex.sqlite beside it, if any."""
    con = _connect(db)
    try:
        items = _read(con)
    except sqlite3.DatabaseError as e:
        raise InputError(f"{db}: cannot read it as a Zotero database ({e})") from None
    finally:
        con.close()
    keys = bbt_keys(db.parent / "better-bibtex.sqlite")
    for it in items:
        k = keys.get((it.library, it.key))
        if k and not it.fields.get("citationKey"):
            it.fields["citationKey"] = k
    return items


def bbt_keys(path: Path) -> dict[tuple[int, str], str]:
    """Better BibTeX's citation keys by (library, item key), from its database (table
    ``citationkey``; the keys it shows and exports, pinned or not); {} without one."""
    if not path.is_file():
        return {}
    try:
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)
        try:
            rows = con.execute("SELECT libraryID, itemKey, citationKey FROM citationkey")
            return {(lib or 1, k): ck for lib, k, ck in rows if k and ck}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return {}  # another version of Better BibTeX: keys from Extra, else made


def _has(con, table: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                       (table,)).fetchone() is not None


def _read(con: sqlite3.Connection) -> list[Item]:
    deleted = ("SELECT itemID FROM deletedItems" if _has(con, "deletedItems")
               else "SELECT NULL WHERE 0")
    feeds = ("SELECT libraryID FROM libraries WHERE type = 'feed'" if _has(con, "libraries")
             else "SELECT NULL WHERE 0")
    rows = con.execute(f"""
        SELECT i.itemID, i.key, t.typeName, i.libraryID FROM items i
        JOIN itemTypes t USING (itemTypeID)
        WHERE t.typeName NOT IN ('note', 'attachment', 'annotation')
          AND i.itemID NOT IN ({deleted}) AND i.libraryID NOT IN ({feeds})
        ORDER BY i.itemID""").fetchall()
    items = {iid: Item(key, typ, library=lib) for iid, key, typ, lib in rows}
    for iid, name, value in con.execute("""
            SELECT d.itemID, f.fieldName, v.value FROM itemData d
            JOIN fields f USING (fieldID) JOIN itemDataValues v USING (valueID)"""):
        if iid in items and value is not None and str(value).strip():
            items[iid].fields[name] = str(value)
    for iid, first, last, mode, role in con.execute("""
            SELECT ic.itemID, c.firstName, c.lastName, c.fieldMode, ct.creatorType
            FROM itemCreators ic JOIN creators c USING (creatorID)
            JOIN creatorTypes ct USING (creatorTypeID) ORDER BY ic.itemID, ic.orderIndex"""):
        if iid in items:
            items[iid].creators.append(Creator(role, first or "", last or "", mode == 1))
    tags: dict[int, list[str]] = {}
    for iid, name in con.execute("""SELECT it.itemID, t.name FROM itemTags it
                                    JOIN tags t USING (tagID) ORDER BY it.itemID, t.name"""):
        tags.setdefault(iid, []).append(name)
    for iid, item in items.items():
        item.tags = tags.get(iid, [])
    for parent, note in con.execute(f"""
            SELECT n.parentItemID, n.note FROM itemNotes n
            JOIN items i USING (itemID) JOIN itemTypes t USING (itemTypeID)
            WHERE t.typeName = 'note' AND n.parentItemID IS NOT NULL
              AND n.itemID NOT IN ({deleted}) ORDER BY n.itemID"""):
        if parent in items and note:
            items[parent].notes.append(note)
    if _has(con, "itemAnnotations"):
        for aid, akey, kind, text, comment, page, parent in con.execute(f"""
                SELECT a.itemID, i.key, a.type, a.text, a.comment, a.pageLabel,
                       att.parentItemID
                FROM itemAnnotations a JOIN items i USING (itemID)
                JOIN itemAttachments att ON att.itemID = a.parentItemID
                WHERE att.parentItemID IS NOT NULL AND a.itemID NOT IN ({deleted})
                  AND a.parentItemID NOT IN ({deleted})
                ORDER BY att.parentItemID, a.parentItemID, a.sortIndex"""):
            if parent in items:
                items[parent].annotations.append(Annotation(
                    ANNOTATION_TYPES.get(kind, str(kind)), text or "", comment or "",
                    page or "", akey, tuple(tags.get(aid, []))))
    return list(items.values())


def read_bbt_json(path: Path) -> list[Item]:
    """The items of a Better BibTeX JSON export (``items``: Zotero's item JSON with
    ``citationKey``, ``notes``, attachments with their annotations)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a Better BibTeX JSON export ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise InputError(f"{path}: not a Better BibTeX JSON export (no 'items' list)")
    out: list[Item] = []
    for raw in data["items"]:
        if not isinstance(raw, dict) or raw.get("itemType") in ("note", "attachment",
                                                                 "annotation", None):
            continue
        it = Item(str(raw.get("key") or raw.get("itemKey") or raw.get("itemID") or ""),
                  raw["itemType"])
        for k, v in raw.items():
            if isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip():
                it.fields[k] = str(v)
        for c in raw.get("creators") or []:
            single = "name" in c
            it.creators.append(Creator(c.get("creatorType", "author"), c.get("firstName", ""),
                                       c.get("name") if single else c.get("lastName", ""),
                                       single))
        it.tags = [t["tag"] if isinstance(t, dict) else str(t) for t in raw.get("tags") or []]
        it.notes = [n["note"] if isinstance(n, dict) else str(n) for n in raw.get("notes") or []]
        for att in raw.get("attachments") or []:
            for a in att.get("annotations") or [] if isinstance(att, dict) else []:
                it.annotations.append(Annotation(
                    str(a.get("annotationType", "")), a.get("annotationText") or "",
                    a.get("annotationComment") or "", a.get("annotationPageLabel") or "",
                    str(a.get("key", "")),
                    tuple(t["tag"] if isinstance(t, dict) else str(t)
                          for t in a.get("tags") or [])))
        out.append(it)
    return out


def read_zotero(path: str | Path) -> list[Item]:
    """A Zotero data folder (its zotero.sqlite), a zotero.sqlite, or a Better BibTeX JSON."""
    p = Path(path)
    if p.is_dir():
        db = p / "zotero.sqlite"
        if not db.is_file():
            raise InputError(f"{p}: no zotero.sqlite in this folder (give Zotero's data "
                             "folder, see Zotero's Settings > Advanced > Files and Folders)")
        return read_sqlite(db)
    if not p.is_file():
        raise InputError(f"{p}: no such file or folder")
    with p.open("rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        return read_sqlite(p)
    return read_bbt_json(p)


class _Text(HTMLParser):
    """HTML of a Zotero note -> plain text: paragraphs apart, line breaks kept; and, apart,
    the text of its code blocks and of its first heading when the note starts with one."""

    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr"}
    HEADING = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.body: list[str] = []  # the parts without the first heading
        self.pre: list[list[str]] = []
        self.in_pre = 0
        self.heading: str | None = None
        self._head: list[str] | None = None
        self._started = False  # text seen (a heading after it is no note's heading)

    def _add(self, s: str) -> None:
        self.parts.append(s)
        if self._head is not None:
            self._head.append(s)
        else:
            self.body.append(s)

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._add("\n")
            if self.in_pre:
                self.pre[-1].append("\n")
        elif tag in self.BLOCK:
            self._add("\n\n")
        if tag == "pre":
            self.in_pre += 1
            self.pre.append([])
        elif tag in self.HEADING and self.heading is None and not self._started:
            self._head = []

    def handle_endtag(self, tag):
        if tag in self.HEADING and self._head is not None:
            self.heading = "".join(self._head)
            self._head = None
        if tag == "pre" and self.in_pre:
            self.in_pre -= 1
        if tag in self.BLOCK:
            self._add("\n\n")

    def handle_data(self, data):
        if data.strip():
            self._started = True
        if self.in_pre:
            self.pre[-1].append(data)
        self._add(data)


def _clean(text: str) -> str:
    text = text.replace("\xa0", " ")
    paras = [re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t]+", " ", b)).strip()
             for b in re.split(r"\n\s*\n", text)]
    return "\n\n".join(b for b in paras if b)


def _parsed(note_html: str) -> _Text:
    p = _Text()
    p.feed(note_html)
    p.close()
    return p


def note_text(note_html: str) -> str:
    """A Zotero note (HTML) as plain text."""
    return _clean("".join(_parsed(note_html).parts))


_RECORD = re.compile(r"^@(quote|claim)\s*\{", re.I)
#: the heading of a work's field kg wrote as a note (MARK, spaces as the note editor left them)
_MARKED_FIELD = re.compile(r"^\s*" + r"\s*".join(map(re.escape, MARK.split()))
                           + r"\s*(annotation|note)\s*$", re.I)


def kg_note(note_html: str) -> tuple[str, str]:
    """What a Zotero note is: ("quote" | "claim", the entry) for a quote or claim kg wrote
    (its code block); ("annotation" | "note", text) for a work's field kg wrote (its
    heading); else ("", the note's text)."""
    p = _parsed(note_html)
    for block in p.pre:
        # Zotero's editor writes two spaces as a space and a no-break space: undone
        text = "".join(block).replace(" \xa0", "  ").strip()
        m = _RECORD.match(text)
        if m:
            return m.group(1).lower(), text
    m = _MARKED_FIELD.match(p.heading or "")
    if m:
        return m.group(1).lower(), _clean("".join(p.body))
    return "", _clean("".join(p.parts))


def _verbatim(s: str) -> str:
    """A verbatim field (url, doi): as written, braces balanced by percent-encoding them."""
    return s.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def zotero_date(value: str) -> str:
    """Zotero's stored date ('2004-05-00 May 2004': parsed part, then as typed) -> EDTF."""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?: (.*))?$", value.strip())
    if not m:
        return value.strip()
    y, mo, d = m.group(1, 2, 3)
    if y == "0000":
        return (m.group(4) or "").strip()
    out = y
    if mo != "00":
        out += f"-{mo}"
        if d != "00":
            out += f"-{d}"
    return out


_LANGID = {code: name for name, code in reversed(list(LANG.items()))}


def langid(value: str) -> tuple[str, str]:
    """Zotero's language ('en', 'fr-FR', 'French') -> (biblatex field, value)."""
    v = value.strip()
    code = v.split("-")[0].split("_")[0].lower()
    if code in _LANGID:
        return "langid", _LANGID[code]
    if v.lower() in LANG:
        return "langid", v.lower()
    return "language", v


#: Extra lines kg reads back: 'Citation Key: x' (Better BibTeX, Zotero 7), the CSL variables
#: Zotero reads from Extra, and Better BibTeX's 'tex.field: value'
_EXTRA_FIELD = {"original-title": "origtitle", "original-date": "origdate",
                "original-language": "origlanguage"}
_EXTRA_LINE = re.compile(r"^\s*([A-Za-z][\w .-]*?)\s*:\s*(.*?)\s*$")


def parse_extra(extra: str) -> tuple[str, dict[str, str], list[str]]:
    """(citation key, biblatex fields, other lines) of a Zotero Extra field."""
    key, fields, rest = "", {}, []
    for line in extra.splitlines():
        m = _EXTRA_LINE.match(line)
        name = m.group(1).lower() if m else ""
        if m and name in ("citation key", "bibtex"):
            key = key or m.group(2)
        elif m and name in _EXTRA_FIELD:
            fields[_EXTRA_FIELD[name]] = m.group(2)
        elif m and name.startswith("tex.") and len(name) > 4:
            fields[name[4:].strip()] = m.group(2)
        elif line.strip():
            rest.append(line.strip())
    return key, fields, rest


def _name(c: Creator) -> str:
    if c.single or not c.first:
        return "{" + tex(c.last or c.first) + "}"
    return f"{tex(c.last)}, {tex(c.first)}"


_KEY_OK = re.compile(r"[^A-Za-z0-9_:.+/-]")


def _made_key(item: Item) -> str:
    """A key for an item Zotero gives none: first creator's family name and year (ASCII),
    the way Better BibTeX's default formula starts."""
    who = next((c.last for c in item.creators if c.last), "") or item.fields.get("title", "")
    year = (re.search(r"\d{4}", zotero_date(item.fields.get("date", ""))) or [""])[0]
    word = slug(who).split("-")[0] if slug(who) else "item"
    return f"{word}{year}" or "item"


def entries(items: list[Item]) -> ImportReport:
    """BibLaTeX entries (works, then their @quote entries) of Zotero items."""
    used: set[str] = set()
    works: list[str] = []
    quotes: list[str] = []
    warnings: list[str] = []
    records: dict[str, tuple[str, str]] = {}  # key -> (entry, the work it came with)
    n_notes = 0
    for item in items:
        extra_key, extra_fields, extra_rest = parse_extra(item.fields.get("extra", ""))
        key = _KEY_OK.sub("", item.fields.get("citationKey", "") or extra_key)
        if not key:
            key = _made_key(item)
        base, n = key, 1
        while key in used:
            n += 1
            key = f"{base}{chr(ord('a') + n - 2)}" if n <= 27 else f"{base}-{n}"
        if key != base and (item.fields.get("citationKey") or extra_key):
            warnings.append(f"Zotero item {item.key}: citation key '{base}' is used twice; "
                            f"this one is '{key}'")
        used.add(key)
        fields: list[tuple[str, str]] = []
        etype = ENTRY_TYPE.get(item.type, "misc")
        roles = {c.role for c in item.creators}
        if etype == "book" and "editor" in roles and "author" not in roles:
            etype = "collection"
        if etype == "incollection" and "bookAuthor" in roles:
            etype = "inbook"
        names: dict[str, list[str]] = {}
        for c in item.creators:
            fname = CREATOR.get(c.role)
            if fname is None:
                warnings.append(f"{key}: creator type '{c.role}' ({c.first} {c.last}) has no "
                                "BibLaTeX field: left out")
                continue
            names.setdefault(fname, []).append(
                "others" if (c.last.strip() in _OTHERS and not c.first) else _name(c))
        for fname, ns in names.items():
            fields.append((fname, " and ".join(ns)))
        values: dict[str, str] = {}
        for zname, value in item.fields.items():
            target = FIELD.get(zname)
            if zname == "date":
                values["date"] = zotero_date(value)
            elif zname == "accessDate":
                values["urldate"] = zotero_date(value.split(" ")[0] + " ")
            elif zname == "language":
                lf, lv = langid(value)
                values[lf] = lv
            elif target and target not in values:
                values[target] = value.replace("-", "--") if target == "pages" and \
                    "--" not in value else value
        for k, v in extra_fields.items():
            values.setdefault(k, v)
        if extra_rest:
            values["note"] = "; ".join(extra_rest)
        if item.type in _SUBTYPE:
            values["entrysubtype"] = _SUBTYPE[item.type]
        if item.tags:
            clean = []
            for t in item.tags:
                if re.search(r"[,;]", t):
                    warnings.append(f"{key}: tag '{t}' holds , or ; (keyword separators): "
                                    "written with spaces")
                    t = re.sub(r"\s*[,;]\s*", " ", t).strip()
                if t and t not in clean:
                    clean.append(t)
            values["keywords"] = ", ".join(clean)
        texts: list[str] = []
        field_texts: dict[str, list[str]] = {"annotation": [], "note": []}
        for n in item.notes:
            kind, text = kg_note(n)
            if kind in ("quote", "claim"):
                if not _record(text, key, item, records, warnings):
                    texts.append(note_text(n))
            elif kind:
                field_texts[kind].append(text)
            else:
                texts.append(text)
        comments = [f"p. {a.page} : {a.comment.strip()}" if a.page else a.comment.strip()
                    for a in item.annotations
                    if a.kind in ("note", "text") and a.comment.strip()]
        texts = field_texts["annotation"] + texts
        annotation = "\n\n".join(t for t in texts + comments if t)
        n_notes += sum(1 for t in texts + field_texts["note"] if t) + len(comments)
        if annotation:
            values["annotation"] = annotation
        note = "\n\n".join(t for t in [*field_texts["note"], values.get("note", "")] if t)
        if note:
            values["note"] = note
        for k, v in values.items():
            fields.append((k, _verbatim(v) if k in _VERBATIM_FIELDS else tex(v)))
        works.append(_entry(etype, key, fields))
        lang = values.get("langid", "")
        for a in item.annotations:
            if a.kind in ("highlight", "underline") and a.text.strip():
                q = [("quote", tex(a.text.strip())), ("source", key)]
                if a.page.strip():
                    q.append(("locator", tex(f"p. {a.page.strip()}")))
                q.append(("status", "verbatim"))
                if lang:
                    q.append(("langid", lang))
                if a.tags:
                    q.append(("keywords", tex(", ".join(a.tags))))
                if a.comment.strip():
                    q.append(("note", tex(a.comment.strip())))
                qkey = f"q-{key}-{(a.key or str(len(quotes))).lower()}"
                quotes.append(_entry("quote", qkey, q))
            elif a.kind in ("image", "ink"):
                warnings.append(f"{key}: {a.kind} annotation {a.key}"
                                f"{' (p. ' + a.page + ')' if a.page else ''} has no text: "
                                "left out")
    back = []
    for k, (text, _) in records.items():
        if k in used:
            warnings.append(f"{k}: a quote or claim of a Zotero note has the key of a work: "
                            "left out")
        else:
            back.append(text + "\n\n")
    return ImportReport("".join(works + quotes + back), len(works), n_notes, len(quotes),
                        warnings, len(back))


def _record(text: str, work: str, item: Item, records: dict, warnings: list[str]) -> bool:
    """A quote or claim kg wrote into a Zotero note (the entry of its code block): kept once
    (it is a note of each of its sources), checked to be one readable entry; False when it
    is not."""
    from kg.core.bib import parse

    bib = parse(text, f"Zotero note of {work}")
    errors = [p for p in bib.problems if p.level == "error"]
    if errors or len(bib.entries) != 1:
        why = errors[0].message if errors else "not one entry"
        warnings.append(f"{work}: a note of Zotero item {item.key} holds a kg entry that "
                        f"cannot be read ({why}): kept as annotation text")
        return False
    e = bib.entries[0]
    width = max((len(k) for k in e.fields), default=0)
    body = "".join(f"  {k.ljust(width)} = {v},\n" for k, v in e.fields.items())
    entry = f"@{e.raw_type or e.entry_type}{{{e.key},\n{body}}}"
    seen = records.get(e.key)
    if seen is None:
        records[e.key] = (entry, work)
    elif seen[0] != entry:
        warnings.append(f"{e.key}: its notes under {seen[1]} and {work} differ: the one "
                        f"under {seen[1]} kept")
    return True


def _entry(etype: str, key: str, fields: list[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in fields), default=0)
    body = "".join(f"  {k.ljust(width)} = {{{v}}},\n" for k, v in fields)
    return f"@{etype}{{{key},\n{body}}}\n\n"


def import_zotero(path: str | Path, dest: str | Path, force: bool = False) -> ImportReport:
    """`kg import zotero PATH -o FILE.bib`: the library's items as BibLaTeX in ``dest``,
    written atomically; an existing file is replaced only with ``force``."""
    from kg.builder.store import write_atomic

    d = Path(dest)
    if d.exists() and not force:
        raise InputError(f"{d} exists: choose another file, or --force to replace it")
    if d.is_dir():
        raise InputError(f"{d} is a folder: give the .bib file to write")
    report = entries(read_zotero(path))
    name = re.sub(r"[{}\\]", "_", Path(path).name)  # the comment's braces stay balanced
    head = (f"@comment{{Written by kg import zotero from {name}: "
            f"{report.items} items, {report.quotes} quotes from the PDF reader.}}\n\n")
    write_atomic(d, head + report.text)
    return report


# --- Zotero out: Zotero RDF --------------------------------------------------------------------

Z = "http://www.zotero.org/namespaces/export#"
BIB = "http://purl.org/net/biblio#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = str(vocab.DCT)  # the namespaces kg writes too: from kg.core.vocab, once
FOAF = str(vocab.FOAF)
PRISM = "http://prismstandard.org/namespaces/1.2/basic/"
VCARD = "http://nwalsh.com/rdf/vCard#"

#: CSL type -> (Zotero item type, rdf:type in the bib namespace or "", container class)
ZOTERO_TYPE = {
    "book": ("book", "Book", ""), "chapter": ("bookSection", "BookSection", "Book"),
    "article-journal": ("journalArticle", "Article", "Journal"),
    "article": ("journalArticle", "Article", "Journal"),
    "article-magazine": ("magazineArticle", "Article", "Periodical"),
    "article-newspaper": ("newspaperArticle", "Article", "Newspaper"),
    "thesis": ("thesis", "Thesis", ""), "report": ("report", "Report", ""),
    "webpage": ("webpage", "Document", "z:Website"),
    "manuscript": ("manuscript", "Manuscript", ""),
    "motion_picture": ("film", "MotionPicture", ""), "song": ("audioRecording", "Recording", ""),
    "legislation": ("statute", "Legislation", ""), "patent": ("patent", "Patent", ""),
    "personal_communication": ("letter", "Letter", ""),
    "interview": ("interview", "Interview", ""), "graphic": ("artwork", "Illustration", ""),
    "software": ("computerProgram", "Data", ""),
    "paper-conference": ("conferencePaper", "", "Journal"),
    "entry-encyclopedia": ("encyclopediaArticle", "", "Book"),
    "legal_case": ("case", "", ""), "dataset": ("dataset", "", ""),
    "standard": ("standard", "", ""),
}


def zotero_rdf(model, keys: list[str], locale: str = "fr-FR") -> str:
    """RDF/XML of the works of ``keys`` that Zotero's RDF import reads whole."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.container import Seq
    from rdflib.namespace import RDF

    from kg.core.graph import work_iri

    z, bib, dc, dct = Namespace(Z), Namespace(BIB), Namespace(DC), Namespace(DCTERMS)
    foaf, prism, vcard = Namespace(FOAF), Namespace(PRISM), Namespace(VCARD)
    g = Graph()
    for prefix, ns in (("z", Z), ("bib", BIB), ("dc", DC), ("dcterms", DCTERMS),
                       ("foaf", FOAF), ("prism", PRISM), ("vcard", VCARD)):
        g.bind(prefix, ns)
    lang = locale.split("-")[0].lower()
    works = {r.key: r for r in model.of_kind("work")}
    notes = work_notes(model, keys, locale)

    def names(node, prop, people):
        if not people:
            return
        seq_node = BNode()
        g.add((node, prop, seq_node))
        seq = Seq(g, seq_node)
        for n in people:
            person = BNode()
            g.add((person, RDF.type, foaf.Person))
            if n == CSL_OTHERS:
                g.add((person, foaf.surname, Literal(ET_AL)))
            elif "literal" in n:
                g.add((person, foaf.surname, Literal(n["literal"])))
            else:
                fam = " ".join(x for x in (n.get("non-dropping-particle"), n["family"]) if x)
                g.add((person, foaf.surname, Literal(fam)))
                given = ", ".join(x for x in (n.get("given", ""), n.get("suffix", "")) if x)
                if given:
                    g.add((person, foaf.givenName, Literal(given)))
            seq.append(person)

    nodes: dict[str, URIRef] = {}
    for key in keys:
        rec = works[key]
        it = csl_item(model, rec, locale)
        ztype, cls, container_cls = ZOTERO_TYPE.get(it["type"], ("document", "", ""))
        node = URIRef(work_iri(key))
        nodes[key] = node
        if cls:
            g.add((node, RDF.type, bib[cls]))
        g.add((node, z.itemType, Literal(ztype)))
        if it.get("title"):
            g.add((node, dc.title, Literal(it["title"])))
        names(node, bib.authors, it.get("author"))
        names(node, bib.editors, it.get("editor"))
        names(node, z.translators, it.get("translator"))
        names(node, z.bookAuthors, it.get("container-author"))
        container = None
        if container_cls and (it.get("container-title") or it.get("volume")
                              or it.get("issue") or it.get("ISSN")):
            container = BNode()
            g.add((node, dct.isPartOf, container))
            g.add((container, RDF.type, z.Website if container_cls == "z:Website"
                   else bib[container_cls]))
            if it.get("container-title"):
                g.add((container, dc.title, Literal(it["container-title"])))
            if it.get("container-title-short"):
                g.add((container, dct.alternative, Literal(it["container-title-short"])))
            if it.get("ISSN"):
                g.add((container, dc.identifier, Literal(f"ISSN {it['ISSN']}")))
        holder = container if container is not None else node
        if it.get("volume"):
            g.add((holder, prism.volume, Literal(str(it["volume"]))))
        if it.get("issue") and container is not None:  # RDF.js reads an issue in a container
            g.add((container, prism.number, Literal(str(it["issue"]))))
        number = "" if ztype.endswith("Article") else str(it.get("number", ""))
        if number and ztype == "report":
            g.add((node, z.reportNumber, Literal(number)))  # z:* fields are read as named
        elif number and it.get("collection-title"):
            g.add((node, z.seriesNumber, Literal(number)))
        if it.get("collection-title"):
            series = BNode()
            g.add((node, dct.isPartOf, series))
            g.add((series, RDF.type, bib.Series))
            g.add((series, dc.title, Literal(it["collection-title"])))
        if it.get("publisher") or it.get("publisher-place"):
            org = BNode()
            g.add((node, dc.publisher, org))
            g.add((org, RDF.type, foaf.Organization))
            if it.get("publisher"):
                g.add((org, foaf.name, Literal(it["publisher"])))
            if it.get("publisher-place"):
                adr = BNode()
                g.add((org, vcard.adr, adr))
                g.add((adr, RDF.type, vcard.Address))
                g.add((adr, vcard.locality, Literal(it["publisher-place"])))
        v = rec.values
        date = v.get("date") or v.get("year", "")
        if date:
            g.add((node, dc.date, Literal(date)))
        if v.get("urldate"):
            g.add((node, dct.dateSubmitted, Literal(v["urldate"])))
        book_like = ztype in ("book", "thesis", "manuscript")
        for prop, var in ((prism.edition, "edition"), (bib.pages, "page"),
                          (z.numPages, "number-of-pages"),
                          (z.numberOfVolumes, "number-of-volumes"),
                          (z.shortTitle, "title-short"), (dct.abstract, "abstract"),
                          (dc.language, "language")):
            if var == "number-of-pages" and not book_like:
                continue  # a field of books in Zotero; an article's extent is its pages
            if it.get(var):
                g.add((node, prop, Literal(str(it[var]))))
        if it.get("genre"):
            g.add((node, dc.type, Literal(it["genre"])))
        for label, var in (("ISBN", "ISBN"), ("DOI", "DOI")):
            if it.get(var):
                g.add((node, dc.identifier, Literal(f"{label} {it[var]}")))
        if it.get("ISSN") and container is None:
            g.add((node, dc.identifier, Literal(f"ISSN {it['ISSN']}")))
        if it.get("URL"):
            uri = BNode()
            g.add((node, dc.identifier, uri))
            g.add((uri, RDF.type, dct.URI))
            g.add((uri, RDF.value, Literal(it["URL"])))
        g.add((node, dc.description, Literal("\n".join(extra_lines(rec, it)))))
        for kw in keywords(rec):
            g.add((node, dc.subject, Literal(kw)))
        for i, text in enumerate(notes[key], 1):
            memo = URIRef(f"{work_iri(key)}#note-{i}")
            g.add((memo, RDF.type, bib.Memo))
            g.add((memo, RDF.value, Literal(text)))
            g.add((node, dct.isReferencedBy, memo))
    _collections(g, model, keys, nodes, lang)
    return g.serialize(format="xml")


def _collections(g, model, keys: list[str], nodes: dict, lang: str) -> None:
    """The themes of the works as Zotero collections, nested as the themes' hierarchy; a work
    is in the collection of each of its themes."""
    from rdflib import Literal, Namespace, URIRef
    from rdflib.namespace import RDF

    from kg.core.vocab import theme_iri

    z, dc, dct = Namespace(Z), Namespace(DC), Namespace(DCTERMS)
    th = model.thesaurus
    works = {r.key: r for r in model.of_kind("work")}
    members: dict[str, list[str]] = {}
    for key in keys:
        for tid in works[key].themes:
            members.setdefault(tid, []).append(key)
    used: set[str] = set()
    todo = list(members)
    while todo:
        tid = todo.pop()
        if tid in used or tid not in th.themes:
            continue
        used.add(tid)
        todo.extend(th.themes[tid].broader)
    for tid in sorted(used):
        t = th.themes[tid]
        col = URIRef(f"{theme_iri(tid)}#collection")
        g.add((col, RDF.type, z.Collection))
        g.add((col, dc.title, Literal(t.label(lang))))
        parent = next((b for b in t.broader if b in used), None)  # a collection has one
        if parent:
            g.add((URIRef(f"{theme_iri(parent)}#collection"), dct.hasPart, col))
        for key in members.get(tid, []):
            g.add((col, dct.hasPart, nodes[key]))


def export_rdf(sel, store=None, *, bib=None, ontology=None, locale: str = "fr-FR") -> str:
    """`kg export --format zotero-rdf`: the selected works as Zotero RDF."""
    model = load(bib, ontology)
    keys = select(model, sel or Selection(), store)
    if not keys:
        raise NotFoundError("no work matches the selection")
    return zotero_rdf(model, keys, locale)
