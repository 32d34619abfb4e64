"""The browsable graph: one self-contained HTML page (vis-network inlined, no request at all).

    data = graph_data(store, "fr", theme="surveillance", depth=2)
    write_html("view.html", data, "fr")

``graph_data`` reads the graph (a pyoxigraph store, or a ``kg.core.model.Model``) into plain
node and edge dicts, with positions computed here (igraph's Fruchterman-Reingold: a
5,000-node graph is laid out in well under a second, where the browser's physics would take
minutes).
``write_html`` puts the data into the page as JSON inside ``<script type="application/json">``;
the page's own script renders every text with textContent, never as markup, and a strict
Content-Security-Policy forbids any fetch. Every string of the .bib is data.

Node data is open to other measures: ``size`` (node -> number, default the degree) and ``group``
(node -> community) may be passed in, keyed by node IRI or node id.

Each node also says how the page shows it: ``level`` 0 for the map of ideas (themes, thinkers,
works), 1 for the detail the page reveals on zoom, focus or filter (quotes, claims, and the
other authors, type ``contributor``: those of one work only are folded into it, ``leaf``, the
work's ``leaves``), with its ``anchor`` (the
node it sits beside), its ``rank`` (which labels are drawn first) and ``weight`` (links within
the map: its drawn size); a claim's or quote's ``status`` and ``locator``; a person's ``roles``;
a work's ``key``, ``bibtex`` (the entry as written) and, once ``add_csl`` has run (every page
does: `kg build`'s, `kg viz`'s), its ``csl``, the CSL-JSON item `kg export --format csl`
writes; once ``add_references`` has run (`kg viz` does), its ``cite`` and ``intext`` in each
style of kg.browse.cite.STYLES, exactly as `kg cite KEY --style S` prints them.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from kg.browse import cite
from kg.core.csp import policy
from kg.core.errors import QueryError
from kg.core.latex import fold
from kg.core.names import THEMES_HOW, THINKERS_HOW, name_index, resolve
from kg.core.vocab import (
    BIBO,
    CITO,
    DCT,
    FIELD,
    FOAF,
    KGO,
    OWL,
    RDF,
    RELATIONS,
    SCHEMA,
    SKOS,
    THEME_NS,
    WORK_ROLES,
)

TYPES = ("thinker", "contributor", "work", "theme", "quote", "claim")
#: the node types of people: thinkers and other authors (kg.core.model.THINKER_RULE)
PEOPLE = ("thinker", "contributor")
#: shape and colour of each node type (the page's legend shows them); every colour stands out
#: at 3:1 at least from both backgrounds of SCHEMES (WCAG's contrast for graphics)
STYLE = {
    "thinker": {"shape": "dot", "color": "#c9463d", "symbol": "●"},
    "contributor": {"shape": "hexagon", "color": "#a9746e", "symbol": "⬢"},
    "work": {"shape": "square", "color": "#3478c0", "symbol": "■"},
    "theme": {"shape": "diamond", "color": "#2e8b47", "symbol": "◆"},
    "quote": {"shape": "triangle", "color": "#c06a00", "symbol": "▲"},
    "claim": {"shape": "star", "color": "#a057c7", "symbol": "★"},
}
#: a claim's status and a quote's provenance, seen on the graph (colour, hollow or dashed
#: outline), in the legend, the search results and the status filter
STATUS_STYLE = {
    "sourced": {"type": "claim", "color": "#a057c7"},
    "unsourced": {"type": "claim", "color": "#878787", "hollow": True},
    "contested": {"type": "claim", "color": "#d63384", "dashed": True},
    "verbatim": {"type": "quote", "color": "#c06a00"},
    "attributed": {"type": "quote", "color": "#c06a00", "dashed": True},
    "paraphrase": {"type": "quote", "color": "#878787", "hollow": True},
}
STATUS_ORDER = list(STATUS_STYLE)
#: the page's two colour schemes; it follows the system's (prefers-color-scheme)
SCHEMES = {
    "light": {"background": "#ffffff", "text": "#1a1a1a", "halo": "rgba(255,255,255,0.92)",
              "edge": "#8c8c8c", "badge": "#1a1a1a", "badgeText": "#ffffff",
              "font": "system-ui, 'DejaVu Sans', sans-serif"},
    "dark": {"background": "#1b1b1b", "text": "#ececec", "halo": "rgba(27,27,27,0.92)",
             "edge": "#7a7a7a", "badge": "#ececec", "badgeText": "#1b1b1b",
             "font": "system-ui, 'DejaVu Sans', sans-serif"},
}
#: colours of communities, when a grouping is passed in: none is a type's or a status's colour
PALETTE = ["#00897b", "#8d6e63", "#7c8a1a", "#5c6bc0", "#b0487f", "#0288d1", "#5f8f00",
           "#9e7a00", "#e0603a", "#607d8b", "#26a69a", "#8e6cc0", "#a1887f", "#3f8f8f",
           "#c2185b", "#6a7fdb", "#b5651d", "#4caf50", "#d81b60", "#78909c"]
MAX_DEPTH = 2
SPACING = 110  # px of room per node in the layout

#: predicate -> relation name (kg.core.vocab); the edge goes from the subject to the object
EDGE_PREDICATES = RELATIONS

TEXT = {
    "fr": {
        "title": "Graphe de la bibliographie",
        "types": {"thinker": "Penseur", "contributor": "Autre auteur", "work": "Œuvre",
                  "theme": "Thème", "quote": "Citation", "claim": "Affirmation"},
        "typesPlural": {"thinker": "Penseurs", "contributor": "Autres auteurs",
                        "work": "Œuvres", "theme": "Thèmes", "quote": "Citations",
                        "claim": "Affirmations"},
        "relations": {"author": "auteur de", "editor": "éditeur de",
                      "translator": "traducteur de", "contributor": "contributeur de",
                      "speaker": "dite par", "theme": "thème", "source": "extraite de",
                      "citedIn": "citée dans", "evidence": "appuyée sur",
                      "statedIn": "énoncée dans", "partOf": "partie de", "related": "liée à",
                      "broader": "thème plus large"},
        "inverse": {"author": "auteur", "editor": "éditeur", "translator": "traducteur",
                    "contributor": "contributeur", "speaker": "citation de",
                    "theme": "sur ce thème", "source": "citation extraite",
                    "citedIn": "citation rapportée", "evidence": "source de",
                    "statedIn": "affirmation énoncée", "partOf": "contient",
                    "related": "liée à", "broader": "thème plus précis"},
        "fields": {"dates": "Dates", "nationality": "Nationalité", "description": "Description",
                   "kind": "Nature", "reference": "Référence", "annotation": "Annotation",
                   "note": "Note", "themes": "Thèmes", "link": "Lien", "doi": "DOI",
                   "text": "Texte", "speaker": "Dite par", "locator": "Emplacement",
                   "status": "Statut", "source": "Source", "citedIn": "Citée dans",
                   "statement": "Énoncé", "figure": "Chiffre", "date": "Date",
                   "place": "Lieu", "statedIn": "Énoncée dans", "definition": "Définition",
                   "broader": "Thème plus large", "wikidata": "Wikidata",
                   "neighbours": "Voisins", "id": "Identifiant", "group": "Communauté",
                   "size": "Mesure", "folded": "Noms repliés", "roles": "Rôles"},
        "status": {"verbatim": "vérifiée (mot pour mot)", "attributed": "attribuée",
                   "paraphrase": "paraphrase", "sourced": "sourcée", "unsourced": "non sourcée",
                   "contested": "contestée"},
        "kinds": {"person": "personne", "organization": "organisation"},
        "ui": {"search": "Rechercher…", "noResult": "Aucun résultat", "allThemes":
               "Tous les thèmes", "types": "Types", "theme": "Thème", "focus": "Voisinage",
               "depth": "profondeur", "reset": "Tout afficher", "physics": "Physique",
               "legend": "Légende", "close": "Fermer le panneau", "unknown": "inconnu",
               "shown": "nœuds affichés", "edges": "liens", "colorGroup":
               "couleur : communauté", "selectFirst": "Choisissez d'abord un nœud",
               "notFound": "Nœud introuvable :", "menu": "Filtres et outils",
               "status": "Statut", "fit": "Ajuster à l'écran",
               "details": "Afficher le détail", "detailsHelp": "Les citations, les affirmations "
               "et les autres auteurs, montrés sinon au zoom",
               "othersHelp": "Auteurs, éditeurs et traducteurs qui ne sont pas des penseurs "
               "(ni entrée @thinker, ni citation, ni thème) : montrés au zoom ou avec le détail",
               "style": "Style", "copyView": "Copier la vue", "viewHelp":
               "Les références des œuvres que montrent les filtres",
               "copy": "Copier la référence", "copied": "Copié dans le presse-papiers",
               "intext": "Dans le texte", "styleHelp": "Les références telles que les écrit "
               "kg cite CLÉ --style STYLE --locale ",
               "noWork": "Aucune œuvre dans la sélection", "noLocator": "sans emplacement",
               "works": "œuvres", "work": "œuvre", "foldedNames": "autres auteurs de cette "
               "seule œuvre, montrés au zoom", "masked": "masqué par les filtres",
               "maskedAll": "résultat(s) masqué(s) par les filtres : choisissez-en un pour "
               "tout afficher",
               "emptyFilter": "Aucun nœud ne répond aux filtres choisis.",
               "emptyFocusTheme": "Aucun nœud du voisinage choisi n'est dans ce thème."},
    },
    "en": {
        "title": "Bibliography graph",
        "types": {"thinker": "Thinker", "contributor": "Other author", "work": "Work",
                  "theme": "Theme", "quote": "Quote", "claim": "Claim"},
        "typesPlural": {"thinker": "Thinkers", "contributor": "Other authors", "work": "Works",
                        "theme": "Themes", "quote": "Quotes", "claim": "Claims"},
        "relations": {"author": "author of", "editor": "editor of",
                      "translator": "translator of", "contributor": "contributor to",
                      "speaker": "said by", "theme": "theme", "source": "quoted from",
                      "citedIn": "cited in", "evidence": "backed by", "statedIn": "stated in",
                      "partOf": "part of", "related": "related to", "broader": "broader theme"},
        "inverse": {"author": "author", "editor": "editor", "translator": "translator",
                    "contributor": "contributor", "speaker": "quote of",
                    "theme": "on this theme", "source": "quote from it",
                    "citedIn": "quote reported", "evidence": "evidence for",
                    "statedIn": "claim stated", "partOf": "contains", "related": "related to",
                    "broader": "narrower theme"},
        "fields": {"dates": "Dates", "nationality": "Nationality", "description": "Description",
                   "kind": "Kind", "reference": "Reference", "annotation": "Annotation",
                   "note": "Note", "themes": "Themes", "link": "Link", "doi": "DOI",
                   "text": "Text", "speaker": "Said by", "locator": "Locator",
                   "status": "Status", "source": "Source", "citedIn": "Cited in",
                   "statement": "Statement", "figure": "Figure", "date": "Date",
                   "place": "Place", "statedIn": "Stated in", "definition": "Definition",
                   "broader": "Broader theme", "wikidata": "Wikidata",
                   "neighbours": "Neighbours", "id": "Identifier", "group": "Community",
                   "size": "Measure", "folded": "Names folded in", "roles": "Roles"},
        "status": {"verbatim": "verbatim (checked)", "attributed": "attributed",
                   "paraphrase": "paraphrase", "sourced": "sourced", "unsourced": "unsourced",
                   "contested": "contested"},
        "kinds": {"person": "person", "organization": "organisation"},
        "ui": {"search": "Search…", "noResult": "No result", "allThemes": "All themes",
               "types": "Types", "theme": "Theme", "focus": "Neighbourhood", "depth": "depth",
               "reset": "Show all", "physics": "Physics", "legend": "Legend",
               "close": "Close the panel",
               "unknown": "unknown", "shown": "nodes shown", "edges": "edges",
               "colorGroup": "colour: community", "selectFirst": "Select a node first",
               "notFound": "Node not found:", "menu": "Filters and tools",
               "status": "Status", "fit": "Fit to screen",
               "details": "Show the detail", "detailsHelp": "Quotes, claims and the other "
               "authors, otherwise shown when zoomed in",
               "othersHelp": "Authors, editors and translators who are not thinkers (no "
               "@thinker entry, quote or theme): shown when zoomed in or with the detail",
               "style": "Style", "copyView": "Copy the view", "viewHelp":
               "The references of the works the filters show",
               "copy": "Copy the reference", "copied": "Copied to the clipboard",
               "intext": "In the text", "styleHelp": "The references as written by "
               "kg cite KEY --style STYLE --locale ",
               "noWork": "No work in the selection", "noLocator": "no locator",
               "works": "works", "work": "work", "foldedNames": "other authors of this work "
               "only, shown when zoomed in", "masked": "hidden by the filters",
               "maskedAll": "result(s) hidden by the filters: pick one to show everything",
               "emptyFilter": "No node matches the chosen filters.",
               "emptyFocusTheme": "No node of the chosen neighbourhood is in this theme."},
    },
}

_PREDICATES = sorted({
    RDF.type, RDF.first, RDF.value, DCT.identifier, DCT.title, KGO.subtitle, DCT.issued,
    DCT.publisher, KGO.publicationPlace, KGO.journalTitle, KGO.bookTitle, BIBO.volume,
    BIBO.issue, BIBO.pages, BIBO.uri, BIBO.doi, DCT.description, KGO.note, KGO.originalTitle,
    KGO.originalDate, KGO.entryType, BIBO.edition, FOAF.name, KGO.sortName, KGO.alias,
    SCHEMA.birthDate, SCHEMA.deathDate, SCHEMA.nationality, SCHEMA.description, OWL.sameAs,
    KGO.locator, KGO.status, KGO.figure, KGO.unit, DCT.date, DCT.spatial, SKOS.prefLabel,
    SKOS.altLabel, SKOS.definition, DCT.language, KGO.fieldOrder, *EDGE_PREDICATES})
_CLASSES = {KGO.Thinker: "thinker", KGO.Contributor: "contributor",
            KGO.Work: "work", KGO.Quote: "quote", KGO.Claim: "claim", SKOS.Concept: "theme"}
_ROLE_ORDER = {r: i for i, r in enumerate(WORK_ROLES)}


def _lang(lang: str) -> str:
    if lang not in TEXT:
        raise QueryError(f"unknown language {lang!r}: use one of {', '.join(TEXT)}")
    return lang


# --------------------------------------------------------------------------- reading the graph

def _store_of(source):
    """A pyoxigraph store: the one given, or one made from a Model (and its thesaurus)."""
    if hasattr(source, "query"):
        return source
    from kg.core.graph import model_store

    return model_store(source)


def _triples(store) -> dict[str, dict[str, list]]:
    """subject IRI -> predicate -> [objects] for the predicates the page shows: each
    predicate's statements read from the store's index, without a SPARQL query to plan and
    evaluate (half the time: 0.20 s -> 0.10 s for the 1,241 entries of the real export)."""
    import pyoxigraph as ox

    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    default = ox.DefaultGraph()
    for p in _PREDICATES:
        for q in store.quads_for_pattern(None, ox.NamedNode(p), None, default):
            if isinstance(q.subject, ox.NamedNode):
                o = q.object
                props[q.subject.value][p].append(o if isinstance(o, ox.Literal) else o.value)
    return props


def _raw_fields(store) -> dict[str, dict[str, str]]:
    """work IRI -> BibTeX field name -> the raw value as the .bib wrote it (with its braces)."""
    from urllib.parse import unquote

    q = (f"SELECT ?s ?p ?o WHERE {{ ?s a <{KGO.Work}> ; ?p ?o . "
         f"FILTER(STRSTARTS(STR(?p), \"{FIELD}\")) }}")
    raw: dict[str, dict[str, str]] = defaultdict(dict)
    for sol in store.query(q):
        raw[sol["s"].value][unquote(sol["p"].value[len(FIELD):])] = sol["o"].value
    return raw


def _text(v) -> str:
    return v if isinstance(v, str) else v.value


def _first(props: dict, pred: str, lang: str | None = None) -> str:
    vals = props.get(pred, [])
    if lang:
        for v in vals:
            if getattr(v, "language", None) == lang:
                return v.value
        for v in vals:
            if getattr(v, "language", None) == "fr":
                return v.value
    return _text(vals[0]) if vals else ""


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _short(s: str, n: int = 40) -> str:
    """At most ``n`` characters, cut after a whole word."""
    s = " ".join(s.split())
    if len(s) <= n:
        return s
    head = s[: n - 1]
    if " " in head[n // 2:] and s[n - 1] != " ":
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:–—-") + "…"


_TITLE_BREAK = re.compile(r"\s*(?:\s:|:\s|\s[—–]\s|(?<=[?!])\s|\.\s)")


def _short_title(s: str, n: int) -> str:
    """A short title: the main title when the whole one is too long (what comes before its
    subtitle), else the start of it."""
    s = " ".join(s.split())
    if len(s) <= n:
        return s
    m = _TITLE_BREAK.search(s)
    if m and 10 <= m.start() <= n:
        return s[: m.start()]
    return _short(s, n)


def _year(date: str) -> str:
    m = re.match(r"\d{4}", date or "")
    return m.group() if m else ""


def _safe_url(u: str) -> str:
    u = u.strip()
    return u if re.match(r"https?://[^\s<>\"']+$", u, re.IGNORECASE) else ""


class _Graph:
    """Nodes and edges read from the store, before any filtering or layout."""

    def __init__(self, store, lang: str):
        self.lang = lang
        props = _triples(store)
        self.raw = _raw_fields(store)
        self.nodes: dict[str, dict] = {}
        kinds: dict[str, str] = {}
        for s, p in props.items():
            for t in p.get(RDF.type, []):
                if t in _CLASSES and (t != SKOS.Concept or s.startswith(THEME_NS)):
                    if kinds.get(s) != "thinker":  # a thinker is never demoted
                        kinds[s] = _CLASSES[t]
        # ordered authors: work#authors-N cells
        author_pos: dict[tuple[str, str], int] = {}
        for s, p in props.items():
            m = re.match(r"(.*)#authors-(\d+)$", s)
            if m and p.get(RDF.first):
                author_pos[(m.group(1), p[RDF.first][0])] = int(m.group(2))
        self.edges: dict[tuple[str, str], list[str]] = {}
        for s, kind in kinds.items():
            p = props[s]
            for pred, rel in EDGE_PREDICATES.items():
                for o in p.get(pred, []):
                    if o not in kinds or o == s:
                        continue
                    if kind == "quote" and pred == DCT.creator and o in p.get(KGO.speaker, []):
                        continue  # the speaker is also the quote's creator: one edge
                    if kinds[o] in PEOPLE and rel in _ROLE_ORDER:
                        src, dst = o, s  # "X author of W": thinker -> work
                    else:
                        src, dst = s, o
                    rels = self.edges.setdefault((src, dst), [])
                    if rel not in rels:
                        rels.append(rel)
        self.kinds = kinds
        self.props = props
        self.author_pos = author_pos
        self.adj: dict[str, set[str]] = defaultdict(set)
        #: person -> role -> works (author, editor, translator, contributor)
        self.roles: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (a, b), rels in self.edges.items():
            self.adj[a].add(b)
            self.adj[b].add(a)
            if kinds[a] in PEOPLE:
                for r in rels:
                    if r in _ROLE_ORDER:
                        self.roles[a][r] += 1

    # ---------------------------------------------------------------- node details

    def node(self, iri: str) -> dict:
        kind, p, lang = self.kinds[iri], self.props[iri], self.lang
        n = {"iri": iri, "type": kind, "fields": []}
        f = n["fields"]

        def add(name: str, value, link: str = "", ids: list | None = None):
            if value or ids:
                f.append({"k": name, "v": value, **({"url": link} if link else {}),
                          **({"ids": ids} if ids else {})})

        themes = sorted(o for o in p.get(DCT.subject, []) if self.kinds.get(o) == "theme")
        if kind in PEOPLE:
            name = _first(p, FOAF.name) or _local(iri)
            n["label"] = name
            n["keys"] = [_local(iri), _first(p, DCT.identifier), _first(p, KGO.sortName),
                         *sorted(_text(a) for a in p.get(KGO.alias, []))]
            birth, death = _first(p, SCHEMA.birthDate), _first(p, SCHEMA.deathDate)
            if birth or death:
                add("dates", f"{birth or '?'} – {death}" if death else f"{birth or '?'} –")
            org = FOAF.Organization in p.get(RDF.type, [])
            add("kind", TEXT[lang]["kinds"]["organization" if org else "person"])
            roles = sorted(self.roles.get(iri, {}).items(), key=lambda r: _ROLE_ORDER[r[0]])
            n["roles"] = [r for r, _ in roles]
            t = TEXT[lang]
            add("roles", ", ".join(
                f"{t['inverse'][r]} ({k} {t['ui']['works' if k > 1 else 'work']})"
                for r, k in roles))
            add("nationality", _first(p, SCHEMA.nationality))
            add("description", _first(p, SCHEMA.description))
            wd = _first(p, OWL.sameAs)
            if wd:
                add("wikidata", _local(wd), _safe_url(wd))
        elif kind == "work":
            title = _first(p, DCT.title) or _first(p, DCT.identifier) or _local(iri)
            n["label"], n["name"] = _short(title), title
            n["keys"] = [_first(p, DCT.identifier), title]
            add("reference", self.reference(iri))
            add("annotation", _first(p, DCT.description))
            add("note", _first(p, KGO.note))
            url = _first(p, BIBO.uri)
            add("link", url, _safe_url(url))
            doi = _first(p, BIBO.doi)
            add("doi", doi, _safe_url("https://doi.org/" + doi) if doi else "")
            n["key"] = key = _first(p, DCT.identifier) or _local(iri)
            order = _first(p, KGO.fieldOrder).split()
            raw = self.raw.get(iri, {})
            n["bibtex"] = cite.bibtex_entry(
                _first(p, KGO.entryType) or "misc", key,
                [(f, raw[f]) for f in [*order, *sorted(set(raw) - set(order))] if f in raw])
            n["year"] = _year(_first(p, DCT.issued))
            n["by"] = self.by(iri)
        elif kind == "theme":
            label = _first(p, SKOS.prefLabel, lang) or _local(iri)
            n["label"] = label
            n["keys"] = [_local(iri), *sorted(_text(v) for v in p.get(SKOS.prefLabel, [])),
                         *sorted(_text(v) for v in p.get(SKOS.altLabel, []))]
            add("definition", _first(p, SKOS.definition, lang))
        elif kind == "quote":
            text = _first(p, RDF.value)
            n["label"] = "« " + _short(text, 30) + " »" if text else _local(iri)
            n["name"] = text or _local(iri)
            n["keys"] = [_first(p, DCT.identifier), text]
            add("text", text)
            add("speaker", "", ids=p.get(KGO.speaker, []))
            add("source", "", ids=p.get(DCT.source, []))
            add("locator", _first(p, KGO.locator))
            add("status", self.status(p))
            n["status"] = self.status_code(p)
            n["locator"] = _first(p, KGO.locator)
            add("citedIn", "", ids=p.get(KGO.citedIn, []))
            add("note", _first(p, KGO.note))
        else:  # claim
            text = _first(p, RDF.value)
            n["label"] = _short(text, 30) if text else _local(iri)
            n["name"] = text or _local(iri)
            n["keys"] = [_first(p, DCT.identifier), text]
            add("statement", text)
            figure = _first(p, KGO.figure)
            if figure:
                add("figure", f"{figure} {_first(p, KGO.unit)}".strip())
            add("date", _first(p, DCT.date))
            add("place", _first(p, DCT.spatial))
            add("source", "", ids=p.get(CITO.citesAsEvidence, []))
            add("locator", _first(p, KGO.locator))
            add("status", self.status(p))
            n["status"] = self.status_code(p)
            n["locator"] = _first(p, KGO.locator)
            n["figure"] = f"{figure} {_first(p, KGO.unit)}".strip() if figure else ""
            n["place"] = _first(p, DCT.spatial)
            n["date"] = _first(p, DCT.date)
            add("statedIn", "", ids=p.get(KGO.statedIn, []))
            add("note", _first(p, KGO.note))
        if kind != "theme":
            add("themes", "", ids=themes)
        else:
            add("broader", "", ids=p.get(SKOS.broader, []))
        n["themes"] = themes if kind != "theme" else []
        n["keys"] = [k for k in dict.fromkeys(n["keys"]) if k]
        n.setdefault("name", n["label"])
        return n

    def status(self, p: dict) -> str:
        s = self.status_code(p)
        return TEXT[self.lang]["status"].get(s, s)

    @staticmethod
    def status_code(p: dict) -> str:
        """verbatim, attributed, paraphrase (quotes); sourced, unsourced, contested (claims)."""
        return _local(_first(p, KGO.status)) if p.get(KGO.status) else ""

    def persons(self, iri: str, pred: str) -> tuple[cite.Person, ...]:
        ps = sorted(self.props[iri].get(pred, []),
                    key=lambda x: self.author_pos.get((iri, x), 10**6))
        out = []
        for x in ps:
            q = self.props.get(x, {})
            out.append(cite.person(_first(q, FOAF.name) or _local(x), _first(q, KGO.sortName),
                                   FOAF.Organization in q.get(RDF.type, [])))
        return tuple(out)

    def by(self, iri: str) -> str:
        """Who a work is by, in a few words: "Ellul", "Latour, Woolgar", "Rockström et al."."""
        people = self.persons(iri, DCT.creator) or self.persons(iri, BIBO.editor)
        names = [p.literal or p.family for p in people]
        if len(names) > 2:
            return names[0] + " et al."
        return ", ".join(names)

    def people(self, iri: str, pred: str) -> list[str]:
        ps = self.props[iri].get(pred, [])
        ps = sorted(ps, key=lambda x: self.author_pos.get((iri, x), 10**6))
        return [_first(self.props.get(x, {}), FOAF.name) or _local(x) for x in ps]

    def reference(self, iri: str) -> str:
        """A plain-text reference: authors (date). Title: subtitle. Container. Place: publisher."""
        p, lang = self.props[iri], self.lang
        authors = self.people(iri, DCT.creator)
        editors = self.people(iri, BIBO.editor)
        who = ", ".join(authors) or (", ".join(editors) + (" (dir.)" if lang == "fr" else
                                                            " (ed.)") if editors else "")
        date = _first(p, DCT.issued)
        title = _first(p, DCT.title)
        sub = _first(p, KGO.subtitle)
        parts = [f"{who} ({date})." if who and date else (f"{who}." if who else
                                                           (f"({date})." if date else ""))]
        parts.append((f"{title} : {sub}" if lang == "fr" else f"{title}: {sub}")
                     if sub else title)
        container = _first(p, KGO.journalTitle) or _first(p, KGO.bookTitle)
        if container:
            bits = [("in " if lang == "en" else "dans ") + container]
            for pred, pre in ((BIBO.volume, "vol. "), (BIBO.issue, "n° " if lang == "fr" else
                                                        "no. "), (BIBO.pages, "p. ")):
                v = _first(p, pred)
                if v:
                    bits.append(pre + v)
            parts.append(", ".join(bits))
        elif _first(p, BIBO.pages):
            parts.append("p. " + _first(p, BIBO.pages))
        tr = self.people(iri, BIBO.translator)
        if tr:
            parts.append(("trad. " if lang == "fr" else "transl. ") + ", ".join(tr))
        place, pub = _first(p, KGO.publicationPlace), _first(p, DCT.publisher)
        if place or pub:
            parts.append(f"{place} : {pub}" if place and pub and lang == "fr" else
                         f"{place}: {pub}" if place and pub else place or pub)
        orig = _first(p, KGO.originalTitle)
        if orig:
            od = _first(p, KGO.originalDate)
            parts.append(f"[{orig}{', ' + od if od else ''}]")
        return " ".join(x.rstrip(".") + "." for x in parts if x)


# --------------------------------------------------------------------------- public API

def graph_data(source, lang: str = "fr", theme: str | None = None, thinker: str | None = None,
               depth: int = 1, size: dict | None = None, group: dict | None = None,
               layout: bool = True) -> dict:
    """Nodes and edges of the graph (or of one theme's / one thinker's neighbourhood).

    ``source``: a pyoxigraph store of the built graph or a ``kg.core.model.Model`` (the works'
    CSL-JSON comes from :func:`add_csl`). ``theme`` (id or label) and ``thinker`` (name,
    family name or key) keep the nodes within ``depth`` links of it. ``size`` and ``group``
    map node IRIs (or ids) to a measure and a community.
    """
    lang = _lang(lang)
    if not 1 <= depth <= MAX_DEPTH:
        raise QueryError(f"depth must be 1 or 2 (got {depth})")
    g = _Graph(_store_of(source), lang)
    roots = [_match(g, kind, name) for kind, name in (("theme", theme), ("thinker", thinker))
             if name]
    keep = set().union(*(_ball(g.adj, r, depth) for r in roots)) if roots else \
        set(g.kinds) - _unused_themes(g)
    ids = _ids(g, list(g.kinds))  # over the whole graph: a node's id never depends on the view
    order = sorted(keep, key=lambda i: (TYPES.index(g.kinds[i]), i))
    nodes = [_page_node(g, iri, ids, len(g.adj[iri] & keep)) for iri in order]
    edges = [{"from": ids[a], "to": ids[b], "rel": rels}
             for (a, b), rels in g.edges.items() if a in keep and b in keep]
    _map_of_ideas(g, nodes, keep, ids, set(roots))
    _distinct_labels(nodes)
    _measures(nodes, size, group)
    data = {"lang": lang, "nodes": nodes, "edges": edges, "roots": [ids[r] for r in roots],
            "grouped": bool(group),
            "title": TEXT[lang]["title"] + (" — " + ", ".join(
                _node_label(g, r) for r in roots) if roots else "")}
    if layout:
        positions(data)
    return data


def _unused_themes(g: _Graph) -> set[str]:
    """The themes nothing of the library is about: neither a work, quote, claim or person
    links to them nor to a narrower theme of theirs.  A library built with the shipped
    thesaurus but tagged with its own keywords is drawn with its themes and the broader ones
    of those it uses, not with the lecture's 38 standing alone."""
    themes = {i for i, k in g.kinds.items() if k == "theme"}
    broader: dict[str, set[str]] = defaultdict(set)
    for (a, b), rels in g.edges.items():
        if "broader" in rels and a in themes and b in themes:
            broader[a].add(b)
    todo = [t for t in themes if any(x not in themes for x in g.adj[t])]
    used: set[str] = set()
    while todo:
        t = todo.pop()
        if t not in used:
            used.add(t)
            todo.extend(broader[t])
    return themes - used


def _page_node(g: _Graph, iri: str, ids: dict[str, str], degree: int) -> dict:
    """A node as the page shows it: its details, the ids of the nodes it names, the text it is
    searched by."""
    n = g.node(iri)
    n["id"] = ids[iri]
    n["keys"] = [k for k in dict.fromkeys([n["id"], *n["keys"]]) if k]
    who = g.people(iri, DCT.creator) if n["type"] in ("work", "quote", "claim") else []
    n["search"] = fold(" ".join([n["label"], *n["keys"], *who]))
    n["themes"] = [ids[t] for t in n["themes"] if t in ids]
    for fld in n["fields"]:
        if "ids" in fld:
            iris = [x for x in fld["ids"] if x in g.kinds]
            fld["ids"] = [ids[x] for x in iris]
            fld["names"] = [_node_label(g, x) for x in iris]
    n["degree"] = degree
    return n


#: node types drawn only when zoomed in, focused or filtered (the map of ideas comes first)
DETAIL_TYPES = ("contributor", "quote", "claim")
LABEL_CHARS = 34


def _map_of_ideas(g: _Graph, nodes: list[dict], keep: set[str], ids: dict[str, str],
                  roots: set[str]) -> None:
    """Sort the nodes into the map of ideas (level 0: themes, thinkers, works) and the detail
    (level 1: quotes, claims, and other authors: names of works that are not thinkers, with no
    theme, quote or @thinker entry, kg.core.model.THINKER_RULE; those tied to one work only are
    folded into it, ``leaf``); give each an importance (``rank``, which labels are drawn first)
    and, for the detail, the node it sits beside (``anchor``)."""
    by_iri = {n["iri"]: n for n in nodes}
    for n in nodes:
        iri = n["iri"]
        leaf = (n["type"] == "contributor" and len(g.adj[iri]) == 1
                and g.kinds[next(iter(g.adj[iri]))] == "work")
        n["level"] = 1 if n["type"] in DETAIL_TYPES and iri not in roots else 0
        if leaf:
            n["leaf"] = True
    for n in nodes:
        iri = n["iri"]
        near = [by_iri[m] for m in g.adj[iri] & keep]
        mapped = [m for m in near if m["level"] == 0]
        n["weight"] = len(mapped)  # links within the map: claims do not swell the lecture
        if n.get("leaf"):
            work = by_iri.get(next(iter(g.adj[iri])))
            if work is not None:
                work["leaves"] = work.get("leaves", 0) + 1
        bonus = {"theme": 3, "thinker": 2 if g.props[iri].get(DCT.identifier) else 1,
                 "work": 1}.get(n["type"], 0)
        n["rank"] = (1000 if iri in roots else 0) + n["weight"] + bonus - 5 * n["level"]
        if n["level"] and mapped:
            # beside its own source rather than the lecture that states every claim
            pref = {"work": 0, "thinker": 1, "theme": 2}  # an other author: beside a work
            n["anchor"] = min(mapped, key=lambda m: (pref.get(m["type"], 3),
                                                     len(g.adj[m["iri"]]), m["id"]))["id"]


def _distinct_labels(nodes: list[dict]) -> None:
    """Labels that tell apart what they name: a work's author and year, a claim's figure or
    place and date; labels still alike lose the start they share, then gain their id."""
    for n in nodes:
        if n["type"] == "work":
            tail = ", ".join(x for x in (n.get("by", ""), n.get("year", "")) if x)
            n["tail"] = f" ({tail})" if tail else ""
        elif n["type"] == "claim":
            tail = n.get("figure") or ", ".join(x for x in (n.get("place", ""),
                                                             n.get("date", "")) if x)
            n["tail"] = f" — {tail}" if tail else ""
        else:
            n["tail"] = ""
        n["label"] = _label_of(n, n["name"]) + n["tail"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for n in nodes:
        groups[n["label"]].append(n)
    for same in groups.values():
        if len(same) < 2:
            continue
        texts = [n["name"] for n in same]
        cut = len(_common_words(texts))
        for n in same:
            rest = n["name"][cut:].strip()
            if cut and rest:
                n["label"] = "…" + _label_of(n, rest).lstrip("« ") + n["tail"]
    seen: dict[str, int] = defaultdict(int)
    for n in nodes:
        seen[n["label"]] += 1
    for n in nodes:
        if seen[n["label"]] > 1:
            n["label"] += f" [{n['id']}]"
    for n in nodes:
        del n["tail"]


def _label_of(n: dict, text: str) -> str:
    if n["type"] == "quote":
        return "« " + _short(text, LABEL_CHARS - 4) + " »"
    if n["type"] == "work":
        return _short_title(text, LABEL_CHARS + 4)
    if n["type"] == "claim":
        return _short(text, LABEL_CHARS + 4)
    return n["label"]


def _common_words(texts: list[str]) -> str:
    """The longest start, in whole words, that all ``texts`` share."""
    first = min(texts, key=len)
    i = 0
    while i < len(first) and all(t[i] == first[i] for t in texts):
        i += 1
    head = first[:i]
    return head if i == len(first) or not head or head[-1] == " " else head.rsplit(" ", 1)[0] \
        if " " in head else ""


def _node_label(g: _Graph, iri: str) -> str:
    if iri not in g.kinds:
        return _local(iri)
    p, kind = g.props[iri], g.kinds[iri]
    if kind in PEOPLE:
        return _first(p, FOAF.name) or _local(iri)
    if kind == "theme":
        return _first(p, SKOS.prefLabel, g.lang) or _local(iri)
    if kind == "work":
        return _first(p, DCT.title) or _local(iri)
    return _short(_first(p, RDF.value), 60) or _local(iri)


def _ids(g: _Graph, order: list[str]) -> dict[str, str]:
    """Short, unique node ids: citekeys for entries, thinker keys or slugs, theme ids."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    # entries first: their citekeys are the ids people link to (graph.html#ellul1988)
    for iri in sorted(order, key=lambda i: g.kinds[i] == "theme" or (
            g.kinds[i] in PEOPLE and not g.props[i].get(DCT.identifier))):
        kind = g.kinds[iri]
        want = _first(g.props[iri], DCT.identifier) or _local(iri)
        nid = want if want not in taken else f"{kind}:{want}"
        ids[iri] = nid
        taken.add(nid)
    return ids


def _match(g: _Graph, kind: str, name: str) -> str:
    """The node of one theme or thinker named (kg.core.names.resolve: the rule of every
    command), among the labels and keys of the graph's nodes of that kind (a thinker: any
    person, thinker or other author, as `kg thinker` finds both)."""
    kinds = PEOPLE if kind == "thinker" else (kind,)
    names = name_index((k, i) for i, t in g.kinds.items() if t in kinds
                       for n in [g.node(i)] for k in [n["label"], *n["keys"]])
    how = {"theme": THEMES_HOW, "thinker": THINKERS_HOW}[kind]
    return resolve(name, names, kind, how, show=lambda i: _node_label(g, i))


def _ball(adj: dict, root: str, depth: int) -> set[str]:
    seen = {root}
    frontier = deque([(root, 0)])
    while frontier:
        n, d = frontier.popleft()
        if d == depth:
            continue
        for m in adj[n]:
            if m not in seen:
                seen.add(m)
                frontier.append((m, d + 1))
    return seen


def _measures(nodes: list[dict], size: dict | None, group: dict | None) -> None:
    """``value`` drives the drawn size (degree unless a measure is given); ``group`` colours."""
    palette: dict = {}
    def look(m: dict, n: dict):
        return m.get(n["iri"], m.get(n["id"]))

    for n in nodes:
        v = look(size, n) if size else None
        n["value"] = float(v) if v is not None else float(n["degree"])
        n["measure"] = "size" if size and v is not None else "degree"
        if group:
            gv = look(group, n)
            if gv is not None:
                n["group"] = str(gv)
                palette.setdefault(n["group"], PALETTE[len(palette) % len(PALETTE)])
                n["groupColor"] = palette[n["group"]]


def positions(data: dict, seed: int = 1) -> None:
    """Give every node x, y. The map of ideas (level 0, and any node with nothing of the map
    beside it) is laid out by igraph's Fruchterman-Reingold with about SPACING px per node, but
    for the nodes tied to nothing else of it (an entry with no theme and no thinker), which
    stand in columns on its right; each detail node (quote, claim, leaf contributor) sits on a
    small spiral around its anchor, so that it appears beside what it belongs to when the page
    reveals it. The page then makes room for the themes' labels (graph.js, makeRoom)."""
    import math
    import random

    nodes, edges = data["nodes"], data["edges"]
    if not nodes:
        return
    placed = {n["id"]: n for n in nodes}
    mapped = [n for n in nodes if not n.get("anchor") or n["anchor"] not in placed]
    ids = {n["id"] for n in mapped}
    linked = {x for e in edges if e["from"] in ids and e["to"] in ids and e["from"] != e["to"]
              for x in (e["from"], e["to"])}
    # what is tied to nothing of the map (an entry with no theme and no thinker) waits in rows
    # beside it, rather than spread by the layout all over the screen around it
    core = [n for n in mapped if n["id"] in linked] or mapped
    loose = [n for n in mapped if n["id"] not in linked] if len(core) < len(mapped) else []
    index = {n["id"]: i for i, n in enumerate(core)}
    pairs = [(index[e["from"]], index[e["to"]]) for e in edges
             if e["from"] in index and e["to"] in index]
    rnd = random.Random(seed)
    # igraph's own start spreads nodes over a sqrt(n) square: a tighter start is 20x slower
    half = max(1.0, len(core) ** 0.5 / 2)
    start = [[rnd.uniform(-half, half), rnd.uniform(-half, half)] for _ in core]
    if len(core) == 1:
        coords = [(0.0, 0.0)]
    else:
        import igraph

        g = igraph.Graph(n=len(core), edges=pairs)
        # igraph draws its jitter from Python's global random: one of its own, the same page
        # from one build to the next
        igraph.set_random_number_generator(random.Random(seed))
        try:
            coords = g.layout_fruchterman_reingold(seed=start, niter=500).coords
        finally:
            igraph.set_random_number_generator(random)
    # scale: about SPACING px of room per node on average (labels stay readable at zoom 1)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    area = max((max(xs) - min(xs)) * (max(ys) - min(ys)), 1e-9)
    k = SPACING / (area / len(core)) ** 0.5 if len(core) > 1 else 1.0
    for n, (x, y) in zip(core, coords):
        n["x"], n["y"] = round(x * k, 1), round(y * k, 1)
    if loose:  # columns on the right of the map, as tall as it, half the spacing apart
        top, bottom = min(n["y"] for n in core), max(n["y"] for n in core)
        step = SPACING / 2
        rows = max(1, int((bottom - top) / step) + 1)
        left = max(n["x"] for n in core) + 2 * SPACING
        loose.sort(key=lambda n: (TYPES.index(n["type"]), -n.get("rank", 0),
                                  fold(n.get("label", "")), n["id"]))
        for i, n in enumerate(loose):
            n["x"], n["y"] = round(left + step * (i // rows), 1), round(top + step * (i % rows), 1)
    golden = math.pi * (3 - math.sqrt(5))
    count: dict[str, int] = defaultdict(int)
    for n in nodes:
        if n["id"] in ids:
            continue
        a = placed[n["anchor"]]
        i = count[a["id"]]
        count[a["id"]] += 1
        r = 30 + 22 * math.sqrt(i)
        n["x"] = round(a["x"] + r * math.cos(i * golden), 1)
        n["y"] = round(a["y"] + r * math.sin(i * golden), 1)


# --------------------------------------------------------------------------- the page

def _asset(name: str) -> str:
    return (resources.files("kg.browse") / "assets" / name).read_text(encoding="utf-8")


_JSON_ESC = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
             "\u2029": "\\u2029"}


def script_json(obj) -> str:
    """JSON safe inside a <script> element: nothing in it can close the element."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESC[m.group()], s)


def page_data(data: dict, physics: bool = False) -> dict:
    """What the page's script reads: the graph, the styles and the labels of one language."""
    lang = data["lang"]
    t = TEXT[lang]
    return {**data, "physics": bool(physics), "styles": STYLE, "types": list(TYPES),
            "statusStyles": STATUS_STYLE, "statusOrder": STATUS_ORDER, "schemes": SCHEMES,
            "citeStyles": data.get("citeStyles", {}),
            "text": {k: t[k] for k in ("types", "typesPlural", "relations", "inverse", "fields",
                                       "ui", "status")}}


def html(data: dict, physics: bool = False) -> str:
    """The whole page as text (vis-network, style, script and data inline)."""
    from html import escape

    vis = _asset("vis-network.min.js")
    app = _asset("graph.js")
    css = _asset("graph.css")
    csp = policy(scripts=(vis, app), styles=(css,))
    fills = {"LANG": escape(data["lang"]), "CSP": escape(csp), "TITLE": escape(data["title"]),
             "CSS": css, "VIS": vis, "APP": app,
             "DATA": script_json(page_data(data, physics))}
    template = _asset("graph.html")
    return re.sub(r"\{\{([A-Z]+)\}\}", lambda m: fills[m.group(1)], template)


def write_html(path: str | Path, data: dict, lang: str | None = None,
               physics: bool = False) -> Path:
    """Write the page atomically.  ``lang`` re-labels nothing: it must match the data's."""
    from kg.builder.store import write_atomic

    if lang is not None and _lang(lang) != data["lang"]:
        raise QueryError(f"the data was read in {data['lang']!r}, not {lang!r}: call "
                         f"graph_data(..., lang={lang!r})")
    p = Path(path)
    if p.parent and not p.parent.is_dir():
        p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, html(data, physics))
    return p


def write_page(store, path: str | Path, model) -> Path:
    """The whole graph's page (French labels): what ``kg build`` publishes as graph.html.
    ``model``: the bibliography's (kg.core.model.Model), for the works' CSL-JSON."""
    data = graph_data(store, "fr")
    add_csl(data, model)
    return write_html(Path(path), data, "fr")


def build_page(out_dir: str | Path = "out", lang: str = "fr", physics: bool = False,
               bib=None, ontology=None) -> Path:
    """Read the published store of ``out_dir`` and write ``out_dir/graph.html``; ``bib`` and
    ``ontology``: the inputs it was built from (default: those its manifest names), read
    again for the works' CSL-JSON."""
    from kg.builder.store import read_manifest
    from kg.builder.triplestore import open_store
    from kg.write.export import load

    store = open_store(out_dir)
    m = read_manifest(out_dir) or {}
    if bib is None and m.get("bibs"):
        bib = [b["path"] for b in m["bibs"]]
    if ontology is None and m.get("ontology"):
        ontology = m["ontology"]["path"]
    data = graph_data(store, lang)
    add_csl(data, load(bib, ontology))
    return write_html(Path(out_dir) / "graph.html", data, lang, physics)


def add_csl(data: dict, model) -> list[dict]:
    """Give each work of ``data`` the CSL-JSON item `kg export --format csl` writes for it
    (kg.write.export.csl_items: one writer of CSL for every output of kg), in the locale of
    the page's language (cite.LOCALES); returns those works.  ``model``: the bibliography's
    (kg.core.model.Model), the graph's inputs read again; a work it does not hold gets none."""
    from kg.write.export import csl_items

    known = {r.key for r in model.of_kind("work")}
    works = [n for n in data["nodes"] if n["type"] == "work" and n["key"] in known]
    for n, item in zip(works, csl_items(model, [n["key"] for n in works],
                                        cite.LOCALES[data["lang"]])):
        n["csl"] = item
    return works


def add_references(data: dict, model, styles=tuple(cite.STYLES)) -> None:
    """Give each work of ``data`` its CSL-JSON item (:func:`add_csl`) and its reference and
    in-text citation in ``styles``, as `kg cite KEY --style S --locale L` prints them (L: the
    page's language, cite.LOCALES).  ``model``: the bibliography's (kg.write.export.load),
    which `kg cite` formats from.  Raises kg.write.cite.PandocError when there is no pandoc
    (the works have their CSL-JSON by then)."""
    locale = cite.LOCALES[data["lang"]]
    works = add_csl(data, model)
    refs = cite.references([n["csl"] for n in works], styles, locale)
    for n in works:
        r = refs.get(n["key"])
        if r and r["cite"]:
            n["cite"], n["intext"], n["citeOrder"] = r["cite"], r["intext"], r["order"]
    data["citeStyles"] = {s: cite.STYLES.get(s, s) for s in styles}
    data["citeLocale"] = locale


#: above this many works on a page, `kg viz` formats their references in the first style only
#: (APA, `kg cite`'s default): each style costs about 1 s of pandoc's CPU per 1,000 works
#: (benchmarks/bench_viz.py)
MAX_WORKS_ALL_STYLES = 3000


class Page(NamedTuple):
    """A page `kg viz` wrote: where, and the graph data it shows."""

    path: Path
    data: dict


def viz(store, out: str | Path = "out", output: str | Path | None = None,
        lang: str = "fr", theme: str | None = None, thinker: str | None = None,
        depth: int = 1, physics: bool = False, size_by: str | None = None,
        colour_by_community: bool = False, bib=None, ontology=None,
        styles: tuple[str, ...] | None = None) -> Page:
    """`kg viz`: the graph of ``store`` (or a neighbourhood of it) as a page, written into
    ``out`` unless ``output`` is given; returns its path and data.

    ``size_by``: degree, pagerank or betweenness (kg.analyse.network.measures, on the whole graph);
    ``colour_by_community``: one colour per Louvain community instead of per type.
    ``bib`` and ``ontology``: the inputs ``store`` was built from (default: kg's default
    inputs), read again for the works' CSL-JSON (add_csl) and the references of ``styles``
    (add_references; none: ``()``;
    default: every style of cite.STYLES, the first only above MAX_WORKS_ALL_STYLES works).
    Without pandoc the page has none; ``data["warnings"]`` says what the page lacks.
    """
    size = group = None
    if size_by or colour_by_community:
        from kg.analyse.network import load_nx, measures

        m = measures(load_nx(store))
        size = {iri: v[size_by] for iri, v in m.items()} if size_by else None
        group = {iri: v["community"] for iri, v in m.items()} if colour_by_community else None
    data = graph_data(store, lang, theme=theme, thinker=thinker, depth=depth, size=size,
                      group=group)
    warnings = []
    if styles is None:
        styles = tuple(cite.STYLES)
        works = sum(n["type"] == "work" for n in data["nodes"])
        if works > MAX_WORKS_ALL_STYLES:
            styles = styles[:1]
            warnings.append(
                f"{works:,} works on the page: their references in {cite.STYLES[styles[0]]} "
                f"only (every style up to {MAX_WORKS_ALL_STYLES:,} works); `kg cite KEY "
                "--style S` gives the others")
    from kg.write.export import load

    model = load(bib, ontology)
    if styles:
        from kg.write.cite import PandocError

        try:
            add_references(data, model, styles)  # the CSL-JSON first, then pandoc's part
        except PandocError as e:
            warnings.append(f"no formatted references on the page: {e}")
    else:
        add_csl(data, model)
    if warnings:
        data["warnings"] = warnings
    if output is None:
        from kg.core.latex import slug

        suffix = "-".join(slug(x) for x in (theme, thinker) if x)
        output = Path(out) / (f"graph-{suffix}.html" if suffix else "graph.html")
    return Page(write_html(output, data, lang, physics), data)
