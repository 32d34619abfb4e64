"""Zotero both ways (kg.write.zotero): `kg import zotero` on a database made from Zotero's own
schema (tests/data/zotero, vendored from zotero/zotero) with real-looking items, notes, tags and
PDF annotations, the .bib it writes built by kg; `kg export --format zotero-rdf` read back with
rdflib the way Zotero's RDF import translator (zotero/translators RDF.js) reads it."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import need  # noqa: E402

from kg.cli import main
from kg.write import export as ex
from kg.write import zotero as zo

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests/data/zotero/userdata-subset.sql"
ONTO = ROOT / "ontology.ttl"

#: every type kg writes (kg.write.zotero.ZOTERO_TYPE) and the child items
ITEM_TYPES = sorted({"annotation", "attachment", "note", "document"}
                    | {t for t, _, _ in zo.ZOTERO_TYPE.values()})
FIELDS = ["title", "date", "publisher", "place", "extra", "abstractNote", "shortTitle",
          "publicationTitle", "journalAbbreviation", "volume", "issue", "pages", "DOI",
          "language", "bookTitle", "url", "accessDate", "ISBN", "citationKey", "series",
          "numPages"]
CREATOR_TYPES = ["author", "contributor", "editor", "translator", "seriesEditor", "bookAuthor"]


class Zot:
    """A zotero.sqlite written the way Zotero writes it (ids by name, values shared)."""

    def __init__(self, path: Path):
        self.con = sqlite3.connect(path)
        self.con.executescript(SCHEMA.read_text(encoding="utf-8"))
        self.con.execute("INSERT INTO version VALUES ('userdata', 123)")
        self.con.executemany("INSERT INTO libraries (libraryID, type, editable, filesEditable) "
                             "VALUES (?, ?, 1, 1)", [(1, "user"), (2, "feed")])
        # ids as Zotero's global schema numbers them do not matter: kg joins by name
        self.types = {n: i for i, n in enumerate(ITEM_TYPES, 1)}
        self.fields = {n: i for i, n in enumerate(FIELDS, 1)}
        self.ctypes = {n: i for i, n in enumerate(CREATOR_TYPES, 1)}
        self.con.executemany("INSERT INTO itemTypes (itemTypeID, typeName) VALUES (?, ?)",
                             [(i, n) for n, i in self.types.items()])
        self.con.executemany("INSERT INTO fields (fieldID, fieldName) VALUES (?, ?)",
                             [(i, n) for n, i in self.fields.items()])
        self.con.executemany("INSERT INTO creatorTypes VALUES (?, ?)",
                             [(i, n) for n, i in self.ctypes.items()])
        self.next_key = 0

    def _id(self, table: str, names: dict, name: str) -> int:
        """The id of a type or field Zotero's global schema has and this database does not
        yet: added as Zotero's schema update adds it."""
        if name not in names:
            names[name] = max(names.values(), default=0) + 1
            self.con.execute(f"INSERT INTO {table} VALUES (?, ?{', NULL' * (table != 'creatorTypes')}"
                             f"{', 1' * (table == 'itemTypes')})", (names[name], name))
        return names[name]

    def item(self, typ: str, fields: dict | None = None, creators=(), tags=(),
             library: int = 1) -> int:
        self._id("itemTypes", self.types, typ)
        for name in fields or {}:
            self._id("fields", self.fields, name)
        for role, _, _ in creators:
            self._id("creatorTypes", self.ctypes, role)
        self.next_key += 1
        key = f"K{self.next_key:07d}"
        cur = self.con.execute("INSERT INTO items (itemTypeID, libraryID, key) VALUES (?, ?, ?)",
                               (self.types[typ], library, key))
        iid = cur.lastrowid
        for name, value in (fields or {}).items():
            self.con.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
            vid = self.con.execute("SELECT valueID FROM itemDataValues WHERE value = ?",
                                   (value,)).fetchone()[0]
            self.con.execute("INSERT INTO itemData VALUES (?, ?, ?)",
                             (iid, self.fields[name], vid))
        for i, (role, first, last) in enumerate(creators):
            mode = 1 if first is None else 0
            self.con.execute("INSERT OR IGNORE INTO creators (firstName, lastName, fieldMode) "
                             "VALUES (?, ?, ?)", (first or "", last, mode))
            cid = self.con.execute("SELECT creatorID FROM creators WHERE firstName = ? AND "
                                   "lastName = ? AND fieldMode = ?",
                                   (first or "", last, mode)).fetchone()[0]
            self.con.execute("INSERT INTO itemCreators VALUES (?, ?, ?, ?)",
                             (iid, cid, self.ctypes[role], i))
        for t in tags:
            self.con.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (t,))
            tid = self.con.execute("SELECT tagID FROM tags WHERE name = ?", (t,)).fetchone()[0]
            self.con.execute("INSERT INTO itemTags VALUES (?, ?, 0)", (iid, tid))
        return iid

    def key(self, iid: int) -> str:
        return self.con.execute("SELECT key FROM items WHERE itemID = ?", (iid,)).fetchone()[0]

    def note(self, parent: int | None, html: str) -> int:
        nid = self.item("note")
        self.con.execute("INSERT INTO itemNotes (itemID, parentItemID, note, title) "
                         "VALUES (?, ?, ?, '')", (nid, parent, html))
        return nid

    def pdf(self, parent: int) -> int:
        aid = self.item("attachment", {"title": "Full Text PDF"})
        self.con.execute("INSERT INTO itemAttachments (itemID, parentItemID, linkMode, "
                         "contentType, path) VALUES (?, ?, 1, 'application/pdf', "
                         "'storage:book.pdf')", (aid, parent))
        return aid

    def annotation(self, pdf: int, kind: int, text: str | None, comment: str | None,
                   page: str, sort: str, tags=()) -> int:
        nid = self.item("annotation", tags=tags)
        self.con.execute(
            "INSERT INTO itemAnnotations (itemID, parentItemID, type, authorName, text, "
            "comment, color, pageLabel, sortIndex, position, isExternal) "
            "VALUES (?, ?, ?, '', ?, ?, '#ffd400', ?, ?, ?, 0)",
            (nid, pdf, kind, text, comment, page, sort,
             json.dumps({"pageIndex": 3, "rects": [[100.0, 200.0, 300.0, 212.0]]})))
        return nid

    def trash(self, iid: int) -> None:
        self.con.execute("INSERT INTO deletedItems (itemID) VALUES (?)", (iid,))

    def close(self) -> None:
        self.con.commit()
        self.con.close()


@pytest.fixture
def zotero_dir(tmp_path) -> Path:
    """A Zotero data folder with a small, real-looking library."""
    folder = tmp_path / "Zotero"
    folder.mkdir()
    z = Zot(folder / "zotero.sqlite")
    illich = z.item("book", {
        "title": "La Convivialité", "date": "1973-00-00 1973", "publisher": "Seuil",
        "place": "Paris", "language": "fr",
        "extra": "Citation Key: illich1973\noriginal-title: Tools for Conviviality\n"
                 "original-date: 1973\nPMID: 123"},
        creators=[("author", "Ivan", "Illich"), ("translator", "Luce", "Giard")],
        tags=["convivialite", "Sociology/Media", "Smith, Adam"])
    z.note(illich, "<p>Illich distingue l&#39;outil convivial &amp; l&#39;outil qui asservit."
                   "</p><p>Second <b>paragraphe</b>,<br/>ligne 2.</p>")
    pdf = z.pdf(illich)
    z.annotation(pdf, 1, "L'outil convivial est celui qui laisse à chacun la plus grande "
                 "latitude", "Définition centrale", "24", "00003|001200|00100",
                 tags=["autonomie"])
    z.annotation(pdf, 5, "Au-delà d'un certain seuil, l'outil devient une fin", None, "xii",
                 "00001|000100|00100")
    z.annotation(pdf, 2, None, "Comparer avec Ellul, Le bluff", "30", "00004|000000|00000")
    z.annotation(pdf, 3, None, None, "31", "00005|000000|00000")
    gone = z.annotation(pdf, 1, "Supprimé", None, "40", "00006|000000|00000")
    z.trash(gone)
    z.item("journalArticle", {
        "title": "The Netflix Recommender System: Algorithms & {Business} Value",
        "citationKey": "gomezuribe2015", "date": "2015-12-00 December 2015",
        "publicationTitle": "ACM Transactions on Management Information Systems",
        "journalAbbreviation": "ACM TMIS", "volume": "6", "issue": "4",
        "pages": "13:1-13:19", "DOI": "10.1145/2843948", "language": "en-US",
        "url": "https://example.org/a_b%20c", "accessDate": "2020-12-09 13:49:01"},
        creators=[("author", "Carlos A.", "Gomez-Uribe"), ("author", "Neil", "Hunt"),
                  ("author", None, "et al.")],
        tags=["recommandation-attention"])
    z.item("bookSection", {"title": "Le chapitre", "date": "2001-00-00 2001",
                           "bookTitle": "Le livre"},
           creators=[("author", "Anne", "Dupont"), ("bookAuthor", "Paul", "Durand")])
    z.item("book", {"title": "Le gouvernement des technosciences",
                    "date": "2014-00-00 2014", "publisher": "La Découverte"},
           creators=[("editor", "Dominique", "Pestre")], tags=["science-recherche"])
    thesis = z.item("thesis", {"title": "Une thèse", "date": "2019-00-00 2019",
                               "extra": "Thèse soutenue à Lyon"},
                    creators=[("author", "Marie", "Martin")])
    trashed = z.item("book", {"title": "À la corbeille", "date": "2000-00-00 2000"})
    z.trash(trashed)
    z.item("journalArticle", {"title": "Un article de flux RSS"}, library=2)
    z.note(None, "<p>Une note indépendante</p>")
    thesis_key = z.key(thesis)
    z.close()
    # Better BibTeX keeps the keys it shows (pinned or not) in its own database, beside
    bbt = sqlite3.connect(folder / "better-bibtex.sqlite")
    bbt.execute("CREATE TABLE citationkey (itemID NOT NULL PRIMARY KEY, itemKey NOT NULL, "
                "libraryID NOT NULL, citationKey NOT NULL, pinned, lastPinned)")
    bbt.execute("INSERT INTO citationkey VALUES (?, ?, 1, 'martin2019these', 0, NULL)",
                (thesis, thesis_key))
    bbt.commit()
    bbt.close()
    return folder


def test_import_zotero_reads_keys_tags_notes_and_highlights(zotero_dir, tmp_path):
    dest = tmp_path / "zotero.bib"
    r = CliRunner().invoke(main, ["import", "zotero", str(zotero_dir), "-o", str(dest)])
    assert r.exit_code == 0, r.output
    assert "5 works, 2 notes, 2 quotes" in r.stdout
    model = ex.load(dest, ONTO)
    assert [p for p in model.problems if p.level == "error"] == []
    works = {w.key: w for w in model.of_kind("work")}
    # keys: Better BibTeX's line of Extra, Zotero 7's field, Better BibTeX's database, else
    # made; the trash and feeds left out
    assert set(works) == {"illich1973", "gomezuribe2015", "dupont2001", "pestre2014",
                          "martin2019these"}
    assert works["martin2019these"].entry.entry_type == "thesis"
    assert works["martin2019these"].values["note"] == "Thèse soutenue à Lyon"
    illich, netflix = works["illich1973"], works["gomezuribe2015"]
    assert illich.entry.entry_type == "book" and works["pestre2014"].entry.entry_type == \
        "collection"
    assert works["dupont2001"].entry.entry_type == "inbook"
    # tags -> keywords -> themes (an ontology theme by id; a/b keeps its hierarchy)
    assert "convivialite" in illich.themes
    media = next(t for t in illich.themes if model.thesaurus.themes[t].label() == "Media")
    assert model.thesaurus.themes[media].broader == ["sociology"]
    assert "Smith Adam" in illich.values["keywords"]
    # notes -> annotation (HTML made text: paragraphs apart in the file, as TeX reads them),
    # then the reader's note annotation with its page
    assert illich.values["annotation"] == (
        "Illich distingue l'outil convivial & l'outil qui asservit. Second paragraphe, "
        "ligne 2. p. 30 : Comparer avec Ellul, Le bluff")
    assert "asservit.\n\nSecond paragraphe,\nligne 2.\n\np. 30" in dest.read_text("utf-8")
    # fields as kg reads them back
    v = illich.values
    assert (v["date"], v["publisher"], v["location"], v["langid"]) == (
        "1973", "Seuil", "Paris", "french")
    assert (v["origtitle"], v["origdate"], v["note"]) == ("Tools for Conviviality", "1973",
                                                         "PMID: 123")
    assert [p.slug for p in illich.people] == ["illich-ivan", "giard-luce"]
    nv = netflix.values
    assert nv["title"] == "The Netflix Recommender System: Algorithms & {Business} Value"
    assert (nv["date"], nv["pages"], nv["shortjournal"], nv["langid"], nv["urldate"]) == (
        "2015-12", "13:1\u201313:19", "ACM TMIS", "english", "2020-12-09")  # -- read as a dash
    assert nv["url"] == "https://example.org/a_b%20c"
    assert ex.name_list(model, netflix, "author").others  # "et al." is "and others" again
    # highlights and underlines -> @quote, verbatim, page label as locator, item as source
    quotes = {q.values["quote"]: q for q in model.of_kind("quote")}
    assert set(quotes) == {
        "L'outil convivial est celui qui laisse à chacun la plus grande latitude",
        "Au-delà d'un certain seuil, l'outil devient une fin"}
    q = quotes["L'outil convivial est celui qui laisse à chacun la plus grande latitude"]
    assert q.refs["source"] == ["illich1973"] and q.values["locator"] == "p. 24"
    assert q.values["status"] == "verbatim" and q.values["note"] == "Définition centrale"
    assert "autonomie" in q.themes and q.values["langid"] == "french"
    u = quotes["Au-delà d'un certain seuil, l'outil devient une fin"]
    assert u.values["locator"] == "p. xii" and "note" not in u.values
    assert "image annotation" in r.stderr and "p. 31" in r.stderr
    assert "Smith, Adam" in r.stderr


@pytest.mark.slow
def test_import_builds_with_kg_alongside_a_library(zotero_dir, tmp_path):
    from kg.api import build

    dest = tmp_path / "zotero.bib"
    zo.import_zotero(zotero_dir, dest)
    result = build(dest, ONTO, tmp_path / "out", progress=False)
    assert result.errors == []
    assert result.counts["works"] == 5 and result.counts["quotes"] == 2


def test_import_never_overwrites_without_force_and_reads_only(zotero_dir, tmp_path):
    db = zotero_dir / "zotero.sqlite"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    dest = tmp_path / "z.bib"
    dest.write_text("% mine\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["import", "zotero", str(zotero_dir), "-o", str(dest)])
    assert r.exit_code == 2 and "exists" in r.output and "--force" in r.output
    assert dest.read_text(encoding="utf-8") == "% mine\n"
    # Zotero running: its exclusive lock does not stop a read-only, immutable reader
    lock = sqlite3.connect(db)
    lock.execute("PRAGMA locking_mode = EXCLUSIVE")
    lock.execute("BEGIN EXCLUSIVE")
    try:
        r = CliRunner().invoke(main, ["import", "zotero", str(db), "-o", str(dest), "--force"])
    finally:
        lock.rollback()
        lock.close()
    assert r.exit_code == 0, r.output
    assert "@book{illich1973," in dest.read_text(encoding="utf-8")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in zotero_dir.iterdir()) == ["better-bibtex.sqlite",
                                                            "zotero.sqlite"]


def test_import_errors_are_messages(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path in (bad, empty):
        r = CliRunner().invoke(main, ["import", "zotero", str(path), "-o",
                                      str(tmp_path / "o.bib")])
        assert r.exit_code == 2 and r.output.startswith("Error: ") and "Traceback" not in \
            r.output, r.output
    assert not (tmp_path / "o.bib").exists()


def test_import_better_bibtex_json(tmp_path, model_of):
    data = {"config": {}, "items": [
        {"itemType": "book", "key": "ABCD1234", "citationKey": "ellul1988",
         "title": "Le bluff technologique", "date": "1988", "publisher": "Hachette",
         "creators": [{"creatorType": "author", "firstName": "Jacques", "lastName": "Ellul"},
                      {"creatorType": "editor", "name": "Pièces et main d'œuvre"}],
         "tags": [{"tag": "technocritique"}, {"tag": "bluff", "type": 1}],
         "notes": [{"note": "<p>Une note &lt;importante&gt;</p>"}],
         "attachments": [{"annotations": [
             {"key": "ANN1", "annotationType": "highlight",
              "annotationText": "La technique n'est ni bonne, ni mauvaise",
              "annotationComment": "", "annotationPageLabel": "12"}]}]},
        {"itemType": "note", "note": "<p>standalone</p>"},
    ]}
    src = tmp_path / "library.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    dest = tmp_path / "bbt.bib"
    r = zo.import_zotero(src, dest)
    assert (r.items, r.quotes) == (1, 1)
    model = model_of(dest.read_text(encoding="utf-8"))
    w = model.of_kind("work")[0]
    assert w.key == "ellul1988" and w.values["annotation"] == "Une note <importante>"
    assert "technocritique" in w.themes
    assert w.values["editor"] == "Pièces et main d'œuvre"
    q = model.of_kind("quote")[0]
    assert q.values["quote"] == "La technique n'est ni bonne, ni mauvaise"
    assert q.refs["source"] == ["ellul1988"] and q.values["locator"] == "p. 12"


@pytest.mark.parametrize("value, want", [
    ("1973-00-00 1973", "1973"), ("2015-12-00 December 2015", "2015-12"),
    ("2020-04-21 21 avril 2020", "2020-04-21"), ("0000-00-00 printemps", "printemps"),
    ("vers 1900", "vers 1900"),
])
def test_zotero_dates(value, want):
    assert zo.zotero_date(value) == want


# --- Zotero out: Zotero RDF, read as Zotero's RDF import reads it --------------------------------

def zotero_import(rdf_xml: str) -> tuple[dict, list]:
    """Items and collections as Zotero's RDF import translator (RDF.js) makes them: items are
    the nodes with z:itemType that are no part of another; title dc:title; creators from the
    bib:authors/bib:editors/z:translators sequences (foaf:surname, foaf:givenName); container
    title from the dcterms:isPartOf node; Extra from dc:description; language dc:language;
    tags dc:subject literals; notes the bib:Memo of dcterms:isReferencedBy (rdf:value);
    collections z:Collection with dcterms:hasPart."""
    from rdflib import Graph, Namespace
    from rdflib.container import Seq
    from rdflib.namespace import RDF

    g = Graph()
    g.parse(data=rdf_xml, format="xml")
    z, bib, dc = Namespace(zo.Z), Namespace(zo.BIB), Namespace(zo.DC)
    dct, foaf, prism = Namespace(zo.DCTERMS), Namespace(zo.FOAF), Namespace(zo.PRISM)
    items = {}
    for node in g.subjects(z.itemType, None):
        if (None, dct.isPartOf, node) in g:
            continue
        it = {"itemType": str(g.value(node, z.itemType)), "title": str(g.value(node, dc.title)),
              "creators": [], "tags": sorted(str(t) for t in g.objects(node, dc.subject)),
              "extra": str(g.value(node, dc.description) or ""),
              "language": str(g.value(node, dc.language) or ""), "notes": []}
        for prop, role in ((bib.authors, "author"), (bib.editors, "editor"),
                           (z.translators, "translator")):
            for seq in g.objects(node, prop):
                for person in Seq(g, seq).items():
                    it["creators"].append((role, str(g.value(person, foaf.surname)),
                                           str(g.value(person, foaf.givenName) or "")))
        for part in g.objects(node, dct.isPartOf):
            kind = g.value(part, RDF.type)
            if kind in (bib.Journal, bib.Book):
                it["publicationTitle"] = str(g.value(part, dc.title))
                it["volume"] = str(g.value(part, prism.volume) or "")
            elif kind == bib.Series:
                it["series"] = str(g.value(part, dc.title))
        for memo in g.objects(node, dct.isReferencedBy):
            if (memo, RDF.type, bib.Memo) in g:
                it["notes"].append(str(g.value(memo, RDF.value)))
        key = next(line.split(": ", 1)[1] for line in it["extra"].splitlines()
                   if line.startswith("Citation Key: "))
        items[key] = it
    collections = []
    for col in g.subjects(RDF.type, z.Collection):
        parent = next(g.subjects(dct.hasPart, col), None)
        members = [str(m) for m in g.objects(col, dct.hasPart)
                   if (m, RDF.type, z.Collection) not in g]
        collections.append((str(g.value(col, dc.title)),
                            str(g.value(parent, dc.title)) if parent else None, members))
    return items, collections


@pytest.fixture(scope="module")
def corpus_model():
    return ex.load(ROOT / "references.bib", ONTO)


@pytest.mark.slow
def test_zotero_rdf_carries_keys_notes_tags_quotes_claims(corpus_model):
    model = corpus_model
    keys = ex.select(model, ex.Selection())
    items, collections = zotero_import(zo.zotero_rdf(model, keys))
    works = {w.key: w for w in model.of_kind("work")}
    assert set(items) == set(keys)  # every work, with its citation key
    for key, it in items.items():
        w = works[key]
        assert it["tags"] == sorted(ex.keywords(w))
        assert it["title"] == ex.csl_item(model, w)["title"]
        ann = w.values.get("annotation") or w.values.get("annote")
        if ann:
            assert any(ann.split("\n")[0][:40] in n.replace("&#x27;", "'") for n in it["notes"])
    orwell = items["orwell1949"]
    assert orwell["itemType"] == "book" and orwell["language"] == "fr"
    assert ("translator", "Audiberti", "Amélie") in orwell["creators"]
    assert "original-title: Nineteen Eighty-Four" in orwell["extra"]
    netflix = items["gomezuribe2015"]
    assert netflix["itemType"] == "journalArticle" and netflix["publicationTitle"]
    mckinney = next(it for it in items.values() if it["creators"] and it["creators"][0][1] ==
                    "McKinney")
    assert mckinney["creators"][-1] == ("author", "et al.", "")
    # every quote and claim is a note of each of its sources
    for r in model.records:
        if r.kind in ("quote", "claim"):
            srcs = r.refs.get("source") or r.refs.get("citedin" if r.kind == "quote"
                                                       else "statedin") or []
            for k in srcs:
                if k in items:
                    assert any(f"{ex.MARK}{'citation' if r.kind == 'quote' else 'affirmation'}"
                               f" {r.key}</h2>" in n and f"<pre>@{r.kind}{{{r.key}," in n
                               for n in items[k]["notes"]), (r.key, k)
    # themes as collections, nested as the hierarchy, holding their works
    by_title = {c[0]: c for c in collections}
    surv = model.thesaurus.themes["surveillance"]
    title, parent, members = by_title[surv.label("fr")]
    assert parent == model.thesaurus.themes[surv.broader[0]].label("fr")
    assert {m.rsplit("/", 1)[1] for m in members} == {
        w.key for w in works.values() if "surveillance" in w.themes}


def test_zotero_rdf_from_the_cli(tmp_path, shipped_corpus):
    dest = tmp_path / "kg.rdf"
    r = CliRunner().invoke(main, ["export", *shipped_corpus.opts(), "--format", "zotero-rdf",
                                  "--theme", "surveillance", "--output", str(dest)])
    assert r.exit_code == 0, r.output
    items, _ = zotero_import(dest.read_text(encoding="utf-8"))
    assert items and all(it["itemType"] for it in items.values())


def test_round_trip_through_zotero_keeps_keys_tags_notes(corpus_model, tmp_path):
    """kg -> Zotero RDF -> (Zotero's import, as above) -> Zotero's database -> kg import:
    keys, tags and notes come back."""
    model = corpus_model
    keys = ["ellul1988", "orwell1949", "gomezuribe2015", "pestre2014"]
    items, _ = zotero_import(zo.zotero_rdf(model, keys))
    folder = tmp_path / "Zotero"
    into_zotero(items, folder)
    dest = tmp_path / "back.bib"
    zo.import_zotero(folder, dest)
    back = {w.key: w for w in ex.load(dest, ONTO).of_kind("work")}
    assert set(back) == set(keys)
    works = {w.key: w for w in model.of_kind("work")}
    for k in keys:
        assert set(ex.keywords(back[k])) == set(ex.keywords(works[k]))
        assert works[k].values["annotation"][:60] in back[k].values["annotation"]
    assert back["orwell1949"].values["origtitle"] == "Nineteen Eighty-Four"


def into_zotero(items: dict, folder: Path) -> None:
    """Items as Zotero's RDF import makes them (zotero_import above), saved in a zotero.sqlite
    the way Zotero saves them (save_in_zotero): title, extra, language, creators of a type
    Zotero has, tags, child notes."""
    save_in_zotero(folder, [
        {"itemType": it["itemType"], "title": it["title"], "extra": it["extra"],
         "language": it["language"],
         "creators": [{"creatorType": role, "lastName": last,
                       **({"firstName": first} if first else {})}
                      for role, last, first in it["creators"] if role in CREATOR_TYPES],
         "tags": [{"tag": t} for t in it["tags"]], "notes": it["notes"]}
        for it in items.values()])


def _flat(s: str) -> str:
    return " ".join(s.split())


def assert_same_library(model, back, report) -> None:
    """``back`` (kg import zotero's file, read) holds every key, tag, annotation, note and
    language of the works of ``model``, and its quotes and claims, field for field."""
    assert [p for p in back.problems if p.level == "error"] == []
    works, again = ({w.key: w for w in m.of_kind("work")} for m in (model, back))
    assert set(again) == set(works)
    for k, w in works.items():
        b = again[k]
        assert set(ex.keywords(b)) == set(ex.keywords(w)), k
        assert ex.csl_item(back, b).get("language") == ex.csl_item(model, w).get("language"), k
        ann = w.values.get("annotation") or w.values.get("annote", "")
        assert _flat(b.values.get("annotation", "")) == _flat(ann), k
        assert _flat(b.values.get("note", "")) == _flat(w.values.get("note", "")), k
    mine = {r.key: r for r in model.records if r.kind in ("quote", "claim")}
    theirs = {r.key: r for r in back.records if r.kind in ("quote", "claim")}
    assert set(theirs) == set(mine)
    for k, r in mine.items():
        b = theirs[k]
        assert (b.kind, b.values, b.refs, b.themes) == (r.kind, r.values, r.refs, r.themes), k
        assert [(c.role, c.slug) for c in b.people] == [(c.role, c.slug) for c in r.people], k
    assert report.records == len(mine)


@pytest.mark.slow
def test_round_trip_of_the_corpus_keeps_keys_notes_tags_quotes_claims_languages(corpus_model,
                                                                                tmp_path):
    """kg -> Zotero RDF -> Zotero (its RDF import, its database) -> kg import zotero, on the
    whole shipped corpus: every key, note, tag and language of the works comes back, and every
    quote and claim comes back as the same @quote / @claim entry (text, locator, sources,
    speaker, language, status, themes, note), not as annotation text."""
    model = corpus_model
    keys = ex.select(model, ex.Selection())
    assert len(keys) == len(model.of_kind("work"))
    items, _ = zotero_import(zo.zotero_rdf(model, keys))
    into_zotero(items, tmp_path / "Zotero")
    dest = tmp_path / "back.bib"
    r = CliRunner().invoke(main, ["import", "zotero", str(tmp_path / "Zotero"), "-o", str(dest)])
    assert r.exit_code == 0 and r.stderr == "", r.output
    assert "103 quotes and claims from kg's notes" in r.stdout
    report = zo.entries(zo.read_zotero(tmp_path / "Zotero"))
    assert report.records == 103
    assert_same_library(model, ex.load(dest, ONTO), report)


def _as_zotero_editor_saves(note: str) -> str:
    """A note as Zotero's note editor saves it once edited (zotero/note-editor's schema): in
    its <div data-schema-version> container, attributes it does not know dropped, and two
    spaces written as a space and a no-break space."""
    import re

    note = re.sub(r"<(\w+)(?: [^>]*)?>", r"<\1>", note)
    note = re.sub(r">([^<]*)<", lambda m: ">" + m.group(1).replace("  ", " \u00a0") + "<",
                  note)
    return f'<div data-schema-version="9">{note}</div>'


def test_kg_notes_come_back_after_zoteros_editor(corpus_model, tmp_path):
    model = corpus_model
    lab = ex.NOTE_LABELS["fr"]
    quote = next(r for r in model.records if r.kind == "quote" and r.values.get("speaker"))
    claim = next(r for r in model.records if r.kind == "claim" and r.values.get("figure"))
    for rec, html in ((quote, ex.quote_note(quote, "Ellul, Jacques", lab)),
                      (claim, ex.claim_note(claim, lab))):
        assert "  " in ex.entry_as_written(rec)  # the entry's indentation
        kind, text = zo.kg_note(_as_zotero_editor_saves(html))
        assert (kind, text) == (rec.kind, ex.entry_as_written(rec))
    kind, text = zo.kg_note(_as_zotero_editor_saves(ex.field_note("note", "Vu p. 3.\n\nSuite")))
    assert (kind, text) == ("note", "Vu p. 3.\n\nSuite")
    # a person's own notes, headed or not, stay the annotation, heading included
    assert zo.kg_note("<h1>Résumé</h1><p>Texte</p>") == ("", "Résumé\n\nTexte")
    assert zo.kg_note("<p>kg · note</p>") == ("", "kg · note")
    # the same quote under two works, once edited in one of them; an entry made unreadable
    item = zo.Item("K1", "book", {"title": "Un livre", "citationKey": "a2020"})
    other = zo.Item("K2", "book", {"title": "Un autre", "citationKey": "b2020"})
    edited = ex.quote_note(quote, "", lab).replace("<pre>@quote{", "<pre>@quote{ ").replace(
        "status", "statut")
    item.notes = [ex.quote_note(quote, "", lab)]
    other.notes = [edited, "<h2>kg · citation q</h2><pre>@quote{q-broken, quote = {oops</pre>"]
    r = zo.entries([item, other])
    assert r.records == 1 and r.text.count(f"@quote{{{quote.key},") == 1
    assert any(f"{quote.key}: its notes under a2020 and b2020 differ" in w for w in r.warnings)
    assert any("cannot be read" in w and "b2020" in w for w in r.warnings)
    assert "q-broken" in r.text.split("@book{b2020,")[1].split("\n}\n")[0]  # kept as text


# --- Zotero's own import translators, run by node (tests/js/zotero-import.js) --------------------
# npm's zotero-translators (pinned in tests/js/package-lock.json, installed by .ci/run) bundles
# Zotero's translation runtime (Zotero 5.0's translation-server) with Zotero's translators of
# early 2019: RIS.js of 2017-10, BibTeX.js of 2019-02, RDF.js of 2018-10.

JS = ROOT / "tests/js"
SYNTHETIC = """
@book{smith2001,
  author = {Smith, Anne}, editor = {Jones, Bob and Brown, Carl}, title = {Collected Papers},
  date = {2001}, publisher = {Seuil}, location = {Paris}, langid = {french},
  keywords = {surveillance, mon mot}, annotation = {Une annotation.},
}
@incollection{doe2002,
  author = {Doe, Jane}, editor = {Roe, Richard}, title = {A Chapter}, booktitle = {The Book},
  date = {2002}, publisher = {Polity}, langid = {english},
}
@article{many2003,
  author = {Un, Alpha and Deux, Beta and others}, title = {Many Hands},
  journaltitle = {Journal of Things}, date = {2003}, volume = {4},
}
"""


def zotero_translates(label: str, path: Path) -> list[dict]:
    """The regular items Zotero's import translator ``label`` makes of the file, in Zotero's
    API JSON, each with the HTML of its child notes under "notes"."""
    need(shutil.which("node") is not None and (JS / "node_modules/zotero-translators").is_dir(),
         "node and npm's zotero-translators (cd tests/js && npm ci)")
    r = subprocess.run(["node", str(JS / "zotero-import.js"), label, str(path)], cwd=JS,
                       capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert out["translator"] == label
    items = {i["key"]: {**i, "notes": []} for i in out["items"] if i["itemType"] != "note"}
    for n in out["items"]:
        if n["itemType"] == "note":
            items[n["parentItem"]]["notes"].append(n["note"])
    return list(items.values())


def _extra_key(item: dict) -> str:
    return zo.parse_extra(item.get("extra", ""))[0]


def _creators(item: dict) -> list[tuple[str, str]]:
    return [(c["creatorType"], c.get("lastName") or c.get("name", "")) for c in item["creators"]]


def save_in_zotero(folder: Path, items: list[dict]) -> None:
    """Items of Zotero's API JSON saved in a new ``folder``/zotero.sqlite made from Zotero's
    schema, as Zotero saves them: each string field, the creators, tags and child notes (an
    item type Zotero lacks saved as a book)."""
    folder.mkdir()
    z = Zot(folder / "zotero.sqlite")
    skip = {"key", "version", "itemType", "creators", "tags", "notes", "collections",
            "relations"}
    for it in items:
        fields = {k: v for k, v in it.items() if k not in skip and isinstance(v, str) and v}
        typ = it["itemType"] if it["itemType"] in ITEM_TYPES else "book"
        iid = z.item(typ, fields,
                     creators=[(c["creatorType"], c.get("firstName") if "name" not in c
                                else None, c.get("lastName") or c.get("name"))
                               for c in it["creators"]],
                     tags=[t["tag"] for t in it["tags"]])
        for n in it["notes"]:
            z.note(iid, n)
    z.close()


def saved_and_read_back(items: list[dict], tmp_path: Path):
    """Items of Zotero's API JSON (an import translator's) saved in a Zotero database as
    Zotero saves them (fields, creators, tags, child notes), then read by kg import zotero:
    (its report, the model of the .bib it wrote)."""
    folder = tmp_path / "Zotero"
    save_in_zotero(folder, items)
    dest = tmp_path / "back.bib"
    report = zo.import_zotero(folder, dest)
    return report, ex.load(dest, ONTO)


@pytest.mark.slow
@pytest.mark.parametrize("translator, write, name", [
    ("RDF", lambda model, keys: zo.zotero_rdf(model, keys), "kg.rdf"),
    ("RIS", lambda model, keys: ex.ris(model, keys), "kg.ris"),
])
def test_zoteros_import_of_kg_and_back(corpus_model, tmp_path, translator, write, name):
    """The whole corpus as Zotero RDF or RIS, imported by Zotero's own translator (RDF.js,
    RIS.js), saved in a Zotero database as Zotero saves items, read back by kg import zotero:
    every key, tag, language, annotation, note, quote and claim comes back (the same notes
    either way, one N1 each in RIS)."""
    model = corpus_model
    keys = ex.select(model, ex.Selection())
    src = tmp_path / name
    src.write_text(write(model, keys), encoding="utf-8")
    items = zotero_translates(translator, src)
    assert sorted(_extra_key(i) for i in items) == sorted(keys)
    assert sum(len(i["notes"]) for i in items) == sum(
        len(n) for n in ex.work_notes(model, keys).values())
    report, back = saved_and_read_back(items, tmp_path)
    assert report.records == 103 and report.warnings == []
    assert_same_library(model, back, report)


@pytest.mark.slow
def test_zoteros_ris_import_of_kg(model_of, tmp_path):
    """kg's RIS, read by Zotero's own RIS translator: the editors of a book and of a chapter as
    editors, "and others" as a name Zotero keeps; a work of unknown language has no language
    (not "und"); notes whose text RIS.js would take for ProCite data ("ISBN: ...") or a line
    for a new tag ("ER  - ") come back whole through Zotero and kg import zotero."""
    small = model_of(SYNTHETIC + ODD_NOTES)
    keys = ["smith2001", "doe2002", "many2003", "nolang2004"]
    text = ex.ris(small, keys)
    assert "LA  - und" not in text and "\nER  - pas la fin" not in text
    src = tmp_path / "kg.ris"
    src.write_text(text, encoding="utf-8")
    found = zotero_translates("RIS", src)
    items = {_extra_key(i): i for i in found}
    assert _creators(items["smith2001"]) == [("author", "Smith"), ("editor", "Jones"),
                                             ("editor", "Brown")]
    assert items["doe2002"]["itemType"] == "bookSection"
    assert _creators(items["doe2002"]) == [("author", "Doe"), ("editor", "Roe")]
    assert _creators(items["many2003"])[-1] == ("author", "et al.")
    odd = items["nolang2004"]
    assert "language" not in odd and "ISBN" not in odd and len(odd["notes"]) == 4
    assert items["smith2001"]["language"] == "fr"
    report, back = saved_and_read_back(found, tmp_path)
    assert report.records == 2 and report.warnings == []
    assert_same_library(small, back, report)
    nolang = next(w for w in back.of_kind("work") if w.key == "nolang2004")
    assert "langid" not in nolang.values and "language" not in nolang.values


#: a work of unknown language whose notes look like ProCite data to RIS.js, and a quote and a
#: claim whose entries hold lines that look like RIS tags
ODD_NOTES = """
@book{nolang2004,
  author = {Sans, Langue}, title = {Un livre sans langue}, date = {2004},
  annotation = {ISBN: 2-07-036822-X, lu sur la couverture.

Notes: un second paragraphe.},
  note = {Language: inconnue.},
}
@quote{q-odd,
  quote = {Notes: une ligne
ER  - pas la fin du record
TY  - ni un autre},
  source = {nolang2004}, status = {verbatim},
}
@claim{c-odd,
  statement = {Edition: trois},
  source = {nolang2004}, status = {sourced},
  note = {Record ID: 12
AU  - Personne},
}
"""


@pytest.mark.slow
def test_zoteros_bibtex_import_of_kg(tmp_path):
    """kg's BibTeX (the library as written), read by Zotero's own BibTeX translator (of 2019):
    every work, its creators (editors as editors) and its keywords as tags come in; the
    citation key, langid and annotation do not (README: use Zotero RDF or RIS for Zotero)."""
    items = zotero_translates("BibTeX", ROOT / "references.bib")
    model = ex.load(ROOT / "references.bib", ONTO)
    works = model.of_kind("work")
    assert len(items) == len(works)
    for w, it in zip(sorted(works, key=lambda w: w.entry.line), items):  # in file order
        # title and subtitle joined by ": " (BibTeX.js) or " : " (kg, in French)
        assert it["title"].replace(" :", ":") == ex.csl_item(model, w)["title"].replace(
            " :", ":"), w.key
        assert sorted(t["tag"] for t in it["tags"]) == sorted(ex.keywords(w)), w.key
        assert not _extra_key(it) and not it.get("language")  # what this translator loses
    src = tmp_path / "small.bib"
    src.write_text(SYNTHETIC, encoding="utf-8")
    items = {i["title"]: i for i in zotero_translates("BibTeX", src)}
    assert _creators(items["Collected Papers"]) == [("author", "Smith"), ("editor", "Jones"),
                                                    ("editor", "Brown")]
    assert _creators(items["A Chapter"]) == [("author", "Doe"), ("editor", "Roe")]
    assert items["Collected Papers"]["notes"] == []  # the annotation is dropped
    assert _creators(items["Many Hands"])[-1] == ("author", "others")  # "and others": a name


def test_kg_notes_come_back_through_a_better_bibtex_json_export(corpus_model, tmp_path):
    """The same notes, in Zotero's library exported by Better BibTeX as JSON."""
    model = corpus_model
    items, _ = zotero_import(zo.zotero_rdf(model, ["ellul1988", "conference-data-scientist"]))
    data = {"items": [{"itemType": it["itemType"], "key": f"K{i}", "title": it["title"],
                       "extra": it["extra"], "tags": [{"tag": t} for t in it["tags"]],
                       "notes": [{"note": n} for n in it["notes"]]}
                      for i, it in enumerate(items.values())]}
    src = tmp_path / "library.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    report = zo.import_zotero(src, tmp_path / "bbt.bib")
    back = ex.load(tmp_path / "bbt.bib", ONTO)
    quotes = {q.key: q for q in back.of_kind("quote")}
    mine = {q.key: q for q in model.of_kind("quote")
            if "conference-data-scientist" in q.refs.get("citedin", [])}
    assert report.records >= len(mine) > 0 and set(mine) <= set(quotes)
    for k, q in mine.items():
        assert quotes[k].values == q.values and quotes[k].refs == q.refs
    ellul = next(w for w in back.of_kind("work") if w.key == "ellul1988")
    assert ellul.values["note"].startswith("Première édition")
