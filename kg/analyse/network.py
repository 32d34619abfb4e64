"""Understand a reading list: centrality, communities, paths and similarity with networkx.

The RDF graph becomes a ``networkx.MultiDiGraph`` (:func:`load_nx`): one node per thinker,
work, theme, quote and claim, keyed by its IRI, with ``type``, ``label`` (``label_fr`` and
``label_en`` for themes), ``key`` and ``aliases``; one edge per relation, keyed by its name
(kg.core.vocab.RELATIONS: the names `kg viz` and `kg work` show too):

=============  ===================  ============================================
relation       from -> to           RDF
=============  ===================  ============================================
author         thinker -> work      dcterms:creator on a work
editor         thinker -> work      bibo:editor
translator     thinker -> work      bibo:translator
contributor    thinker -> work      dcterms:contributor
speaker        thinker -> quote     kgo:speaker (and dcterms:creator of a quote/claim)
theme          any -> theme         dcterms:subject
source         quote -> work        dcterms:source
citedIn        quote -> work        kgo:citedIn
evidence       work -> claim        cito:citesAsEvidence (read backwards)
statedIn       claim -> work        kgo:statedIn
broader        theme -> theme       skos:broader (and skos:narrower read backwards)
partOf         work -> work         dcterms:isPartOf
related        work -> work         dcterms:relation
=============  ===================  ============================================

Measures are plain dicts keyed by node IRI.  networkx is imported inside the functions (it
costs about 0.3 s), so ``import kg.analyse.network`` stays cheap.
"""
from __future__ import annotations

import io
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from kg.core.errors import NotFoundError, QueryError
from kg.core.latex import fold
from kg.core.names import name_index
from kg.core.names import resolve as resolve_name
from kg.core.vocab import BIBO, CITO, DCT, FOAF, ID, KGO, RDF, RELATIONS, ROLES, SKOS

TYPES = ("thinker", "work", "theme", "quote", "claim")
FORMATS = ("table", "json", "csv")
GRAPH_FORMATS = ("graphml", "gexf", "json")
#: seed of Louvain: the same graph always gives the same communities
SEED = 42
#: above this many nodes betweenness is estimated from a seeded sample of sources
EXACT_BETWEENNESS_MAX = 2000

#: (other authors, kgo:Contributor, are people nodes like thinkers: kg.core.model.THINKER_RULE)
_CLASS_TYPE = {KGO.Thinker: "thinker", KGO.Contributor: "thinker", KGO.Work: "work",
               SKOS.Concept: "theme", KGO.Quote: "quote", KGO.Claim: "claim"}
#: the predicates read into edges (dcterms:creator aside), in this order
_PREDICATES = (BIBO.editor, BIBO.translator, DCT.contributor, KGO.speaker, DCT.subject,
               DCT.source, KGO.citedIn, CITO.citesAsEvidence, KGO.statedIn, SKOS.broader,
               SKOS.narrower, DCT.isPartOf, DCT.relation)
#: the predicates whose edge runs object -> subject (a thinker -> the work they edited)
_BACKWARDS = {BIBO.editor, BIBO.translator, DCT.contributor, KGO.speaker, CITO.citesAsEvidence,
              SKOS.narrower}
#: predicate -> (relation, reversed?) ; reversed: the edge runs object -> subject
#: (skos:narrower is "broader" read backwards)
_RELATIONS = {p: (RELATIONS.get(p, RELATIONS[SKOS.broader]), p in _BACKWARDS)
              for p in _PREDICATES}
#: relation -> (phrase read forwards, phrase read backwards), for paths told in words; a path
#: that could be told by several relations is told by the first of them here
PHRASES = {
    "author": ("wrote", "written by"), "editor": ("edited", "edited by"),
    "translator": ("translated", "translated by"),
    "contributor": ("contributed to", "with contributions by"),
    "speaker": ("said", "said by"), "theme": ("which treats", "also treated by"),
    "source": ("quoted from", "the source of"), "citedIn": ("cited in", "which cites"),
    "evidence": ("which backs", "backed by"), "statedIn": ("stated in", "which states"),
    "broader": ("a narrower theme of", "a broader theme than"),
    "partOf": ("part of", "which contains"), "related": ("related to", "related to"),
}
_AUTHORSHIP = ROLES  # what a thinker wrote, edited, translated, contributed to or said
_TREATS = RELATIONS[DCT.subject]
_QUOTES_FROM = RELATIONS[DCT.source]
#: relations that link a work to another work directly, or through a quote or claim
_WORK_TO_WORK = (RELATIONS[DCT.isPartOf], RELATIONS[DCT.relation])
_THROUGH = (RELATIONS[DCT.source], RELATIONS[KGO.citedIn], RELATIONS[CITO.citesAsEvidence],
            RELATIONS[KGO.statedIn])
_LABEL_MAX = 70


# --------------------------------------------------------------------------- loading

def load_nx(source):
    """The typed graph of a pyoxigraph ``Store`` (as built) or of a ``kg.core.model.Model``."""
    import networkx as nx

    store = _store_of_model(source) if hasattr(source, "records") else source
    G = nx.MultiDiGraph()
    types = _node_types(store)
    # nodes in a stable order: type, then IRI (Louvain depends on insertion order)
    order = {t: i for i, t in enumerate(TYPES)}
    for iri in sorted(types, key=lambda i: (order[types[i]], i)):
        G.add_node(iri, type=types[iri], key=_key(iri))
    _describe(G, _Texts(store, types))
    _add_edges(G, store, types)
    return G


def _node_types(store) -> dict[str, str]:
    """IRI -> node type, of every thinker, work, theme, quote and claim of the store."""
    types: dict[str, str] = {}
    for cls, typ in _CLASS_TYPE.items():
        for q in store.quads_for_pattern(None, _nn(RDF.type), _nn(cls)):
            if _is_iri(q.subject):
                types.setdefault(q.subject.value, typ)
    return types


class _Texts:
    """The values of one predicate for the graph's nodes, read once: ``texts[pred][iri]``."""

    def __init__(self, store, types: dict[str, str]):
        self.store, self.types = store, types
        self._by_pred: dict[str, dict[str, list]] = {}

    def __getitem__(self, pred: str) -> dict[str, list]:
        if pred not in self._by_pred:
            out: dict[str, list] = defaultdict(list)
            for q in self.store.quads_for_pattern(None, _nn(pred), None):
                if q.subject.value in self.types:
                    out[q.subject.value].append(q.object)
            self._by_pred[pred] = out
        return self._by_pred[pred]

    def values(self, iri: str, *preds: str) -> list[str]:
        return [o.value for p in preds for o in self[p].get(iri, [])]


def _describe(G, texts: _Texts) -> None:
    """Each node's key, label and aliases (other names it is known by), and a work's year."""
    for iri, d in G.nodes(data=True):
        ids = texts[DCT.identifier].get(iri)
        if ids:
            d["entry" if d["type"] == "thinker" else "key"] = ids[0].value
        label, extra = _LABELS.get(d["type"], _label_of_text)(iri, d, texts)
        d["label"] = label
        d["aliases"] = " | ".join(dict.fromkeys(e for e in extra if e and e != label))


def _label_of_thinker(iri: str, d: dict, texts: _Texts) -> tuple[str, list[str]]:
    return (_first(texts[FOAF.name].get(iri)) or d["key"],
            texts.values(iri, FOAF.familyName, KGO.sortName, KGO.alias, DCT.identifier))


def _label_of_work(iri: str, d: dict, texts: _Texts) -> tuple[str, list[str]]:
    years = texts[KGO.year].get(iri)
    if years:
        d["year"] = int(years[0].value)
    return _first(texts[DCT.title].get(iri)) or d["key"], texts.values(iri, KGO.originalTitle)


def _label_of_theme(iri: str, d: dict, texts: _Texts) -> tuple[str, list[str]]:
    by_lang = {getattr(o, "language", None) or "fr": o.value
               for o in texts[SKOS.prefLabel].get(iri, [])}
    d["label_fr"] = by_lang.get("fr") or next(iter(by_lang.values()), d["key"])
    d["label_en"] = by_lang.get("en") or d["label_fr"]
    return d["label_fr"], texts.values(iri, SKOS.altLabel)


def _label_of_text(iri: str, d: dict, texts: _Texts) -> tuple[str, list[str]]:
    """A quote's or a claim's label: the start of its text."""
    return _short(_first(texts[RDF.value].get(iri)) or d["key"]), []


_LABELS = {"thinker": _label_of_thinker, "work": _label_of_work, "theme": _label_of_theme}


def _add_edges(G, store, types: dict[str, str]) -> None:
    """One edge per relation between two nodes (kg.core.vocab.RELATIONS names)."""
    for q in store.quads_for_pattern(None, _nn(DCT.creator), None):
        s, o = q.subject.value, q.object.value
        if s in types and types.get(o) == "thinker":
            rel = RELATIONS[DCT.creator] if types[s] == "work" else RELATIONS[KGO.speaker]
            G.add_edge(o, s, key=rel, relation=rel)
    for pred, (rel, back) in _RELATIONS.items():
        for q in store.quads_for_pattern(None, _nn(pred), None):
            s, o = q.subject.value, q.object.value
            if s not in types or o not in types or s == o:
                continue
            u, v = (o, s) if back else (s, o)
            G.add_edge(u, v, key=rel, relation=rel)


def _store_of_model(model):
    """An in-memory store of a model's graph plus its thesaurus (what a build would load)."""
    from kg.core.graph import model_store

    return model_store(model)


def _nn(iri: str):
    import pyoxigraph as ox
    return ox.NamedNode(iri)


def _is_iri(term) -> bool:
    return type(term).__name__ == "NamedNode"


def _first(objs) -> str:
    return objs[0].value if objs else ""


def _short(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= _LABEL_MAX else s[:_LABEL_MAX - 1].rstrip() + "…"


def _key(iri: str) -> str:
    from urllib.parse import unquote
    return unquote(iri.rsplit("/", 1)[-1]) if iri.startswith(ID) else iri


def of_type(G, typ: str) -> list[str]:
    return [n for n, d in G.nodes(data=True) if d.get("type") == typ]


def label(G, n: str) -> str:
    return G.nodes[n].get("label", n)


# --------------------------------------------------------------------------- projections

def core_graph(G):
    """Undirected simple graph of every node; ``weight`` = number of relations between two."""
    import networkx as nx

    H = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    for u, v, rel in G.edges(keys=True):
        if H.has_edge(u, v):
            H[u][v]["weight"] += 1
            H[u][v]["relations"].append(Step(u, rel, v))
        else:
            H.add_edge(u, v, weight=1, relations=[Step(u, rel, v)])
    return H


def themes_of(G, n: str) -> set[str]:
    """Themes a node treats directly."""
    return {v for _, v, k in G.out_edges(n, keys=True) if k == _TREATS}


def thinker_items(G, t: str) -> set[str]:
    """Works and quotes a thinker wrote, edited, translated, contributed to or said."""
    return {v for _, v, k in G.out_edges(t, keys=True) if k in _AUTHORSHIP}


def thinker_themes(G, t: str) -> Counter:
    """Themes of a thinker (own, of their works, of their quotes) with how often."""
    c = Counter(themes_of(G, t))
    for item in thinker_items(G, t):
        c.update(themes_of(G, item))
    return c


def thinker_theme(G):
    """Bipartite thinker–theme graph; weight = number of the thinker's items on the theme."""
    import networkx as nx

    B = nx.Graph()
    for t in of_type(G, "thinker"):
        B.add_node(t, bipartite=0)
        for th, w in thinker_themes(G, t).items():
            B.add_node(th, bipartite=1)
            B.add_edge(t, th, weight=w)
    return B


def work_theme(G):
    """Bipartite work–theme graph."""
    import networkx as nx

    B = nx.Graph()
    for w in of_type(G, "work"):
        B.add_node(w, bipartite=0)
        for th in themes_of(G, w):
            B.add_node(th, bipartite=1)
            B.add_edge(w, th, weight=1)
    return B


def theme_cooccurrence(G):
    """Themes linked when one work, quote or claim treats both.

    ``weight``: each item treating k themes adds 1/(k-1) to each of its pairs (Newman's
    weighting), so an item treating every theme does not make them all equally close;
    ``count``: how many items treat both; ``distance`` = 1/weight (for betweenness)."""
    import networkx as nx

    C = nx.Graph()
    C.add_nodes_from(of_type(G, "theme"))
    for n, d in G.nodes(data=True):
        if d["type"] not in ("work", "quote", "claim"):
            continue
        ths = sorted(themes_of(G, n))
        share = 1 / (len(ths) - 1) if len(ths) > 1 else 0
        for i, a in enumerate(ths):
            for b in ths[i + 1:]:
                if C.has_edge(a, b):
                    C[a][b]["weight"] += share
                    C[a][b]["count"] += 1
                else:
                    C.add_edge(a, b, weight=share, count=1)
    for _, _, d in C.edges(data=True):
        d["distance"] = 1 / d["weight"]
    return C


def thinker_cotheme(G):
    """Thinkers linked when they treat a common theme; weight = number of shared themes."""
    import networkx as nx

    P = nx.Graph()
    by_theme: dict[str, list[str]] = defaultdict(list)
    for t in of_type(G, "thinker"):
        P.add_node(t)
        for th in sorted(thinker_themes(G, t)):
            by_theme[th].append(t)
    for members in by_theme.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if P.has_edge(a, b):
                    P[a][b]["weight"] += 1
                else:
                    P.add_edge(a, b, weight=1)
    return P


# --------------------------------------------------------------------------- measures

def pagerank(H, weight: str | None = "weight") -> dict[str, float]:
    import networkx as nx

    if H.number_of_nodes() == 0:
        return {}
    if H.number_of_edges() == 0:
        return {n: 1 / H.number_of_nodes() for n in H}
    return nx.pagerank(H, weight=weight)


def betweenness(H, distance: str | None = None) -> dict[str, float]:
    """Normalised betweenness (edge attribute ``distance`` as length, if given); estimated
    from a seeded sample of 500 sources on graphs of more than 2,000 nodes."""
    import networkx as nx

    n = H.number_of_nodes()
    k = None if n <= EXACT_BETWEENNESS_MAX else 500
    return nx.betweenness_centrality(H, k=k, seed=SEED if k else None, normalized=True,
                                     weight=distance)


def communities(H, seed: int = SEED) -> list[set[str]]:
    """Louvain communities of an undirected graph, largest first (ties: smallest IRI)."""
    import networkx as nx

    if H.number_of_edges() == 0:
        return [{n} for n in sorted(H)]
    parts = nx.community.louvain_communities(H, weight="weight", seed=seed)
    return sorted((set(p) for p in parts), key=lambda p: (-len(p), min(p)))


def measures(G, seed: int = SEED) -> dict[str, dict]:
    """Per node IRI: degree, PageRank, betweenness (on the whole graph, undirected) and the
    number of its Louvain community (1 = the largest).  For the HTML graph: size nodes by a
    measure, colour them by community."""
    H = core_graph(G)
    pr, bc = pagerank(H), betweenness(H)
    comm = {n: i for i, part in enumerate(communities(H, seed), 1) for n in part}
    return {n: {"degree": H.degree(n), "pagerank": pr.get(n, 0.0),
                "betweenness": bc.get(n, 0.0), "community": comm.get(n, 0)} for n in H}


# --------------------------------------------------------------------------- analyse

MEASURE_NOTES = {
    "thinker": {"degree": "themes treated (thinker–theme graph)",
                "betweenness": "thinker–theme graph",
                "pagerank": "thinker co-theme graph, weighted by shared themes"},
    "work": {"degree": "themes treated (work–theme graph)",
             "betweenness": "work–theme graph", "pagerank": "work–theme graph"},
    "theme": {"degree": "co-occurrence strength: sum of 1/(k-1) over the items treating it "
                        "with k-1 other themes (theme co-occurrence graph)",
              "betweenness": "theme co-occurrence graph, distance 1/strength",
              "pagerank": "theme co-occurrence graph, weighted by co-occurrences"},
}


def analyse(G, top: int = 10, seed: int = SEED) -> dict:
    """Counts, central thinkers/works/themes, communities, bridges and weakly linked items."""
    H = core_graph(G)
    parts = communities(H, seed)
    bridges = _bridges(G, H, parts)
    return {"counts": _counts(G), "relations": _relation_counts(G),
            "central": _central(G, _scores(G), top),
            "communities": [_community(G, H, i, p) for i, p in enumerate(parts, 1)],
            "bridges": bridges[:top] if top else bridges, "weak": _weak(G, H), "seed": seed}


def _counts(G) -> dict[str, int]:
    counts = {t: len(of_type(G, t)) for t in TYPES}
    counts["relations"] = G.number_of_edges()
    return counts


def _relation_counts(G) -> dict[str, int]:
    return dict(sorted(Counter(k for _, _, k in G.edges(keys=True)).items()))


def _scores(G) -> dict[str, dict[str, dict]]:
    """type -> measure -> node -> value, each measure on the projection where it means
    something (MEASURE_NOTES)."""
    TT, WT, TC, TCo = thinker_theme(G), work_theme(G), theme_cooccurrence(G), thinker_cotheme(G)
    return {
        "thinker": {"degree": {t: TT.degree(t) for t in of_type(G, "thinker")},
                    "betweenness": betweenness(TT), "pagerank": pagerank(TCo)},
        "work": {"degree": {w: WT.degree(w) for w in of_type(G, "work")},
                 "betweenness": betweenness(WT), "pagerank": pagerank(WT, None)},
        "theme": {"degree": {t: _round(TC.degree(t, weight="weight"))
                             for t in of_type(G, "theme")},
                  "betweenness": betweenness(TC, "distance"), "pagerank": pagerank(TC)},
    }


def _central(G, scores: dict, top: int) -> dict[str, dict]:
    """The ``top`` nodes of each type by each measure, with what the measure means."""
    central: dict[str, dict] = {}
    for typ, by in scores.items():
        nodes = set(of_type(G, typ))
        central[typ] = {}
        for m, values in by.items():
            ranked = sorted((n for n in nodes if n in values),
                            key=lambda n: (-values[n], fold(label(G, n)), n))[:top]
            central[typ][m] = {"about": MEASURE_NOTES[typ][m],
                               "ranking": [_item(G, n, value=_round(values[n]))
                                           for n in ranked]}
    return central


def _community(G, H, i: int, p) -> dict:
    """Community ``i`` (its nodes ``p``), named after the themes most linked to it."""
    inner = H.subgraph(p)

    def best(typ, k=3):
        ns = [n for n in p if G.nodes[n]["type"] == typ]
        return sorted(ns, key=lambda n: (-inner.degree(n), fold(label(G, n)), n))[:k]

    themes = _community_themes(G, H, p)
    return {"id": i, "name": _community_name(G, p, themes), "size": len(p),
            "counts": {t: sum(G.nodes[n]["type"] == t for n in p) for t in TYPES},
            "themes": [_item(G, n) for n in themes],
            "thinkers": [_item(G, n) for n in best("thinker")],
            "works": [_item(G, n) for n in best("work")]}


def _community_themes(G, H, p) -> list[str]:
    """The three themes most linked to the nodes of ``p`` (its own first, on a tie)."""
    tscore = {t: sum(1 for m in H[t] if m in p) for t in of_type(G, "theme")}
    return sorted((t for t in tscore if tscore[t] or t in p),
                  key=lambda t: (-tscore[t], t not in p, fold(label(G, t)), t))[:3]


def _community_name(G, p, themes: list[str]) -> str:
    if not themes:
        return "(no theme) " + label(G, min(p))
    name = " / ".join(label(G, t) for t in themes)
    if not any(t in p for t in themes):
        name += " (themes of neighbouring communities)"
    return name


def _bridges(G, H, parts) -> list[dict]:
    """Thinkers and themes linked to several communities, the most spread first."""
    comm_of = {n: i for i, p in enumerate(parts, 1) for n in p}
    bridges = []
    for n in H:
        if G.nodes[n]["type"] not in ("thinker", "theme") or H.degree(n) == 0:
            continue
        reach = Counter(comm_of[m] for m in H[n])
        if len(reach) < 2:
            continue
        k = sum(reach.values())
        participation = 1 - sum((c / k) ** 2 for c in reach.values())
        bridges.append(_item(G, n, community=comm_of[n], communities=sorted(reach),
                             participation=_round(participation)))
    bridges.sort(key=lambda b: (-len(b["communities"]), -b["participation"],
                                fold(b["label"])))
    return bridges


def _weak(G, H) -> list[dict]:
    """Thinkers, works and themes weakly linked, the least linked first."""
    weak = []
    for n, d in G.nodes(data=True):
        typ = d["type"]
        if typ not in ("thinker", "work", "theme"):
            continue
        reason = _weakness(G, H, n, typ)
        if reason:
            weak.append(_item(G, n, reason=reason, links=H.degree(n)))
    order = {t: i for i, t in enumerate(TYPES)}
    weak.sort(key=lambda w: (w["links"], order[w["type"]], fold(w["label"])))
    return weak


def _weakness(G, H, n: str, typ: str) -> str:
    links = H.degree(n)
    if links == 0:
        return "isolated: no relation at all"
    if typ == "theme":
        users = [u for u, _, k in G.in_edges(n, keys=True) if k == _TREATS]
        if not users:
            return "no entry treats this theme (only its place in the hierarchy)"
        if len(users) == 1:
            return f"treated by one entry only ({label(G, users[0])})"
    if typ == "work":
        if not themes_of(G, n):
            return "no theme"
        if not any(G.nodes[m]["type"] in ("work", "quote", "claim") for m in H[n]):
            return "no quote, claim or other work refers to it"
    if typ == "thinker" and G.nodes[n].get("entry") and links == 1:
        (m,) = H[n]
        return f"has a @thinker entry but one relation only ({label(G, m)})"
    return ""


def _round(x: float) -> float:
    return round(x, 6) if isinstance(x, float) else x


def _item(G, n: str, **extra) -> dict:
    d = G.nodes[n]
    return {"iri": n, "type": d["type"], "key": d["key"], "label": d["label"], **extra}


# --------------------------------------------------------------------------- names

#: what `kg analyse`, `kg path` and `kg related` look a name up among
WHAT = "thinker, work, theme, quote or claim"
WHATS = "thinkers, works, themes, quotes or claims"
HOW = "`kg analyse` shows the names; person:KEY, work:KEY or theme:ID picks one"


def resolve(G, name: str) -> str:
    """The node a name designates, forgivingly: IRI, `work:key`, else by kg.core.names.resolve
    (the rule of every command) among citekeys, names, titles, family names, theme labels and
    alt labels (case and accents ignored), or a unique part of one."""
    q = name.strip()
    if q in G:
        return q
    m = re.fullmatch(r"(work|person|theme|quote|claim):(.+)", q)
    if m and f"{ID}{m.group(1)}/{m.group(2)}" in G:
        return f"{ID}{m.group(1)}/{m.group(2)}"
    return resolve_name(name, _name_index(G), WHAT, HOW, whats=WHATS,
                         show=lambda n: _qualified(G, n))


def _name_index(G) -> dict[str, list[str]]:
    idx = G.graph.get("_names")
    if idx is None:
        idx = name_index(
            (s, n) for n, d in G.nodes(data=True)
            for s in [d.get("key", ""), d.get("label", ""), d.get("label_fr", ""),
                      d.get("label_en", ""), *d.get("aliases", "").split(" | ")])
        G.graph["_names"] = idx
    return idx


def _qualified(G, n: str) -> str:
    d = G.nodes[n]
    prefix = {"thinker": "person"}.get(d["type"], d["type"])
    return f"{d['label']} ({prefix}:{d['key']})"


# --------------------------------------------------------------------------- paths

class Step(NamedTuple):
    """One edge of a path, in the graph's direction (which may run against the path's)."""

    source: str
    relation: str
    target: str


@dataclass
class Path:
    nodes: list[str]
    steps: list[Step]
    text: str

    def as_dict(self, G) -> dict:
        return {"length": len(self.steps), "text": self.text,
                "nodes": [_item(G, n) for n in self.nodes],
                "steps": [{"from": s.source, "relation": s.relation, "to": s.target}
                          for s in self.steps]}


def path(G, a: str, b: str, k: int = 1) -> list[Path]:
    """The k shortest connections between two named things, told in words.  Among paths of
    equal length, those through less connected nodes come first (they say more)."""
    import networkx as nx

    src, dst = resolve(G, a), resolve(G, b)
    if src == dst:
        raise QueryError(f"{a!r} and {b!r} are the same node ({_qualified(G, src)})")
    H = core_graph(G)
    try:
        gen = nx.shortest_simple_paths(H, src, dst)
        candidates, shortest = [], None
        for p in gen:
            if shortest is None:
                shortest = len(p)
            # keep every path as short as the k-th one, to order ties by meaning
            if len(candidates) >= max(k, 1) and len(p) > len(candidates[k - 1]):
                break
            candidates.append(p)
            if len(candidates) >= 50 * k:
                break
    except nx.NetworkXNoPath:
        raise NotFoundError(f"nothing connects {_qualified(G, src)} and "
                            f"{_qualified(G, dst)} in the graph") from None
    candidates.sort(key=lambda p: (len(p), sum(math.log(H.degree(n)) for n in p[1:-1]),
                                   [label(G, n) for n in p]))
    return [_explain(G, H, p) for p in candidates[:k]]


def _explain(G, H, nodes: list[str]) -> Path:
    steps = []
    text = _named(G, nodes[0])
    for i, (u, v) in enumerate(zip(nodes, nodes[1:])):
        rels = H[u][v]["relations"]
        fwd = [r for r in rels if r.source == u]
        step = sorted(fwd or rels, key=lambda r: list(PHRASES).index(r.relation))[0]
        s, rel = step.source, step.relation
        steps.append(step)
        phrase = PHRASES[rel][0 if s == u else 1]
        if phrase.startswith("which ") and G.nodes[u]["type"] == "thinker":
            phrase = "who " + phrase[6:]
        if i == 0:
            text += " " + re.sub(r"^(which|who) ", "", phrase)
        else:
            text += ", " + phrase
        text += " " + _named(G, v)
    return Path(nodes, steps, text)


def _named(G, n: str) -> str:
    d = G.nodes[n]
    if d["type"] in ("work", "theme"):
        return f"*{d['label']}*"
    if d["type"] in ("quote", "claim"):
        return f"the {d['type']} « {d['label']} »"
    return d["label"]


# --------------------------------------------------------------------------- related

def citation_links(G, n: str) -> set[str]:
    """Works a work is linked to by citation, in either direction: through a claim it states
    (and the claim's evidence), a quote it cites (and the quote's source), part-of, related."""
    out: set[str] = set()
    for u, v, k in list(G.in_edges(n, keys=True)) + list(G.out_edges(n, keys=True)):
        other = v if u == n else u
        typ = G.nodes[other]["type"]
        if typ == "work" and k in _WORK_TO_WORK:
            out.add(other)
        elif typ in ("quote", "claim"):
            for x, y, kk in list(G.in_edges(other, keys=True)) + list(
                    G.out_edges(other, keys=True)):
                w = y if x == other else x
                if w != n and G.nodes[w]["type"] == "work" and kk in _THROUGH:
                    out.add(w)
    return out


def features(G, n: str) -> tuple[set[str], set[str]]:
    """(themes, works) that describe a node for similarity.

    A work: its themes; itself and the works it cites or is cited by.  A thinker: the themes
    they and their works and quotes treat; the works they wrote, edited, translated or
    quoted from, and those works' citation links.  A theme: the themes it co-occurs with
    (itself included); the works that treat it."""
    typ = G.nodes[n]["type"]
    if typ == "work":
        return themes_of(G, n), {n} | citation_links(G, n)
    if typ == "thinker":
        items = thinker_items(G, n)
        works = {i for i in items if G.nodes[i]["type"] == "work"}
        works |= {v for i in items for _, v, k in G.out_edges(i, keys=True)
                  if k == _QUOTES_FROM}
        for w in list(works):
            works |= citation_links(G, w)
        return set(thinker_themes(G, n)), works
    if typ == "theme":
        users = [u for u, _, k in G.in_edges(n, keys=True) if k == _TREATS]
        themes = {n} | {t for u in users for t in themes_of(G, u)}
        return themes, {u for u in users if G.nodes[u]["type"] == "work"}
    return themes_of(G, n), {v for _, v, k in G.out_edges(n, keys=True)
                             if G.nodes[v]["type"] == "work"}


class Similar(NamedTuple):
    """What :func:`related` answers: the node X resolved to, and the rows most like it."""

    node: str
    rows: list[dict]


def related(G, x: str, n: int = 10) -> Similar:
    """The n nodes of the same type most similar to X.

    Similarity: the Jaccard index of the two feature sets (themes and works, see
    :func:`features`): |shared| / |together|, from 0 (nothing shared) to 1."""
    node = resolve(G, x)
    typ = G.nodes[node]["type"]
    th0, wk0 = features(G, node)
    mine = {("t", t) for t in th0} | {("w", w) for w in wk0}
    if not mine:
        return Similar(node, [])
    rows = []
    for other in of_type(G, typ):
        if other == node:
            continue
        th, wk = features(G, other)
        theirs = {("t", t) for t in th} | {("w", w) for w in wk}
        shared = mine & theirs
        if not shared:
            continue
        score = len(shared) / len(mine | theirs)
        rows.append(_item(G, other, score=round(score, 4),
                          shared_themes=sorted((label(G, t) for k, t in shared if k == "t"),
                                               key=fold),
                          shared_works=sorted((label(G, w) for k, w in shared if k == "w"),
                                              key=fold)))
    rows.sort(key=lambda r: (-r["score"], fold(r["label"]), r["iri"]))
    return Similar(node, rows[:n])


# --------------------------------------------------------------------------- export

def export_graph(G, fmt: str = "graphml", with_measures: bool = True,
                 seed: int = SEED) -> bytes:
    """The graph for Gephi, Cytoscape... : GraphML, GEXF or node-link JSON; node types,
    labels and (by default) degree, PageRank, betweenness and community as attributes.
    Node attributes: type, label (label_fr, label_en for themes), kg_key (citekey, person
    slug or theme id), aliases, year (works), entry (a thinker's @thinker key); edges carry
    their relation; an edge's key (its id in GraphML and GEXF) is unique, "e<n>-<relation>",
    since tools that draw the file (networkx -> pyvis, Gephi) take the id as the edge's name."""
    import networkx as nx

    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"unknown graph format {fmt!r}: use one of {', '.join(GRAPH_FORMATS)}")
    X = nx.MultiDiGraph()
    X.graph["name"] = "kg"
    for n, d in G.nodes(data=True):
        # `key` is renamed: GEXF readers and writers reserve it for multigraph edge keys
        X.add_node(n, **{("kg_key" if k == "key" else k): v for k, v in d.items()
                         if v not in ("", None)})
    X.add_edges_from((u, v, f"e{i}-{k}", {"relation": k})
                     for i, (u, v, k) in enumerate(G.edges(keys=True)))
    if with_measures:
        for n, ms in measures(G, seed).items():
            X.nodes[n].update(ms)
    if fmt == "json":
        data = nx.node_link_data(X, edges="edges")
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(X, buf, encoding="utf-8", prettyprint=True)
    else:
        nx.write_gexf(X, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- output

def format_rows(rows: list[dict], columns: list[str], fmt: str = "table") -> str:
    """Rows (dicts) as a text table, JSON (a list of objects) or CSV, through kg.core.output."""
    from kg.core import output

    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return output.rows([{c: r.get(c) for c in columns} for r in rows], fmt, columns)


def analyse_rows(result: dict) -> list[dict]:
    """The analysis flattened into one listing (for CSV): section, type, measure, rank..."""
    rows: list[dict] = []
    for typ, n in result["counts"].items():
        rows.append({"section": "counts", "type": typ, "value": n})
    for rel, n in result["relations"].items():
        rows.append({"section": "relations", "measure": rel, "value": n})
    for typ, by in result["central"].items():
        for m, r in by.items():
            for i, it in enumerate(r["ranking"], 1):
                rows.append({"section": "central", "type": typ, "measure": m, "rank": i,
                             "key": it["key"], "label": it["label"], "value": it["value"],
                             "detail": r["about"]})
    for c in result["communities"]:
        rows.append({"section": "community", "rank": c["id"], "label": c["name"],
                     "value": c["size"],
                     "detail": "thinkers: " + ", ".join(t["label"] for t in c["thinkers"])
                     + "; works: " + ", ".join(w["label"] for w in c["works"])})
    for i, b in enumerate(result["bridges"], 1):
        rows.append({"section": "bridge", "type": b["type"], "rank": i, "key": b["key"],
                     "label": b["label"], "value": b["participation"],
                     "detail": "communities " + ", ".join(map(str, b["communities"]))})
    for w in result["weak"]:
        rows.append({"section": "weak", "type": w["type"], "key": w["key"],
                     "label": w["label"], "value": w["links"], "detail": w["reason"]})
    return rows


ANALYSE_COLUMNS = ["section", "type", "measure", "rank", "key", "label", "value", "detail"]


def analyse_text(result: dict, weak_max: int = 20) -> str:
    """The analysis as readable text tables."""
    out = []
    c = result["counts"]
    out.append("Counts: " + ", ".join(f"{c[t]} {t}s" for t in TYPES)
               + f"; {c['relations']} relations")
    for typ, by in result["central"].items():
        out.append(f"\nMost central {typ}s")
        for m, r in by.items():
            out.append(f"  {m} — {r['about']}")
        ms = list(by)
        n = max(len(by[m]["ranking"]) for m in ms)
        rows = []
        for i in range(n):
            row = {"#": i + 1}
            for m in ms:
                rk = by[m]["ranking"]
                row[m] = (f"{_clip(rk[i]['label'], 34)} ({_num(rk[i]['value'])})"
                          if i < len(rk) else "")
            rows.append(row)
        out.append(_indent(format_rows(rows, ["#", *ms])))
    out.append(f"\nCommunities (Louvain, seed {result['seed']}), named by their dominant themes")
    rows = [{"#": x["id"], "size": x["size"], "themes": x["name"],
             "thinkers": ", ".join(_clip(t["label"], 24) for t in x["thinkers"])}
            for x in result["communities"]]
    out.append(_indent(format_rows(rows, ["#", "size", "themes", "thinkers"])))
    out.append("\nBridges: thinkers and themes linked to several communities")
    rows = [{"type": b["type"], "name": _clip(b["label"], 40), "community": b["community"],
             "links to": ", ".join(map(str, b["communities"])),
             "participation": b["participation"]} for b in result["bridges"]]
    out.append(_indent(format_rows(rows, ["type", "name", "community", "links to",
                                          "participation"])))
    weak = result["weak"]
    out.append(f"\nWeakly linked: {len(weak)} worth a look"
               + (f" (first {weak_max}; --format json for all)" if len(weak) > weak_max else ""))
    rows = [{"type": w["type"], "name": _clip(w["label"], 40), "why": w["reason"]}
            for w in weak[:weak_max]]
    out.append(_indent(format_rows(rows, ["type", "name", "why"])))
    return "\n".join(out)


def _num(v) -> str:
    return str(v) if isinstance(v, int) else f"{v:.3f}"


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def _indent(s: str) -> str:
    return "".join("  " + line if line.strip() else line
                   for line in s.rstrip("\n").splitlines(True)) + "\n"
