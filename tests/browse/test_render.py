"""kg.browse.render: the graph read into nodes and edges, and the page written around them."""
from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.browse import render
from kg.core.errors import NotFoundError, QueryError

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile.bib"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, ontology_path):
    """The shipped corpus built once into a temporary out/."""
    from kg.api import build

    base = tmp_path_factory.mktemp("render-corpus")
    bib = base / "references.bib"
    shutil.copyfile(ROOT / "references.bib", bib)
    result = build(bib, ontology_path, base / "out")
    return result


@pytest.fixture(scope="session")
def store(corpus):
    from kg.builder.triplestore import open_store

    return open_store(corpus.out)


@pytest.fixture(scope="session")
def data(store, corpus, ontology_path):
    """The corpus page's data, as `kg build` writes it (kg.browse.render.write_page)."""
    from kg.write.export import load

    d = render.graph_data(store, "fr")
    render.add_csl(d, load(corpus.out.parent / "references.bib", ontology_path))
    return d


@pytest.fixture(scope="session")
def hostile_page(tmp_path_factory, ontology_path):
    from kg.api import build

    base = tmp_path_factory.mktemp("render-hostile")
    bib = base / "hostile.bib"
    shutil.copyfile(HOSTILE, bib)
    build(bib, ontology_path, base / "out")
    return render.build_page(base / "out")


def node(data, nid):
    return next(n for n in data["nodes"] if n["id"] == nid)


def field(n, k):
    return next(f for f in n["fields"] if f["k"] == k)


# ------------------------------------------------------------------ the data

def test_every_node_of_the_graph_once(data, corpus):
    c = corpus.counts
    people = c["thinkers"] + c["contributors"]  # the page shows thinkers and other authors
    assert len(data["nodes"]) == people + c["works"] + c["quotes"] + c["claims"] \
        + c["themes"]
    ids = [n["id"] for n in data["nodes"]]
    assert len(ids) == len(set(ids))
    by_type = {t: sum(n["type"] == t for n in data["nodes"]) for t in render.TYPES}
    # issue 14: thinkers and other authors apart, as the build's summary counts them
    assert by_type == {"thinker": c["thinkers"], "contributor": c["contributors"],
                       "work": c["works"], "theme": c["themes"], "quote": c["quotes"],
                       "claim": c["claims"]}
    assert (c["thinkers"], c["contributors"]) == (26, 102)


def test_edges_join_nodes_and_carry_relations(data):
    ids = {n["id"] for n in data["nodes"]}
    assert data["edges"]
    for e in data["edges"]:
        assert e["from"] in ids and e["to"] in ids and e["from"] != e["to"]
        assert e["rel"] and set(e["rel"]) <= set(render.TEXT["fr"]["relations"])
    pairs = [(e["from"], e["to"]) for e in data["edges"]]
    assert len(pairs) == len(set(pairs))
    assert ("ellul", "ellul1988") in pairs  # thinker -> work, "auteur de"


def test_a_work_has_its_full_reference_annotation_and_themes(data):
    w = node(data, "ellul1988")
    assert w["type"] == "work" and w["name"] == "Le bluff technologique"
    assert w["label"] == "Le bluff technologique (Ellul, 1988)"  # author and year tell it apart
    assert field(w, "reference")["v"] == ("Jacques Ellul (1988). Le bluff technologique. "
                                          "Paris : Hachette.")
    assert field(w, "annotation")["v"].startswith("Dernier volet")
    assert "non-neutralite-technique" in field(w, "themes")["ids"]
    assert "Non-neutralité de la technique" in field(w, "themes")["names"]


def test_a_thinker_has_dates_and_description(data):
    t = node(data, "ellul")
    assert t["label"] == "Jacques Ellul"
    assert field(t, "dates")["v"] == "1912-01-06 – 1994-05-19"
    assert "société technicienne" in field(t, "description")["v"]
    assert "ellul" in t["search"]


def test_quotes_and_claims_have_their_details(data):
    quotes = [n for n in data["nodes"] if n["type"] == "quote"]
    claims = [n for n in data["nodes"] if n["type"] == "claim"]
    assert quotes and claims
    for q in quotes:
        assert field(q, "text")["v"] and field(q, "status")["v"]
    for c in claims:
        assert field(c, "statement")["v"] and field(c, "status")["v"] in (
            "sourcée", "non sourcée", "contestée")
    assert any(any(f["k"] == "figure" for f in c["fields"]) for c in claims)
    assert any(any(f["k"] == "speaker" and f["ids"] for f in q["fields"]) for q in quotes)


def test_sizes_default_to_degree_and_positions_are_finite(data):
    for n in data["nodes"]:
        assert n["value"] == n["degree"] and n["measure"] == "degree"
        assert math.isfinite(n["x"]) and math.isfinite(n["y"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) > len(data["nodes"]) * 0.9


def test_the_layout_is_the_same_from_one_build_to_the_next(store, data):
    """igraph draws its jitter from Python's global random: the page seeds its own."""
    import random

    random.seed(7)  # whatever the state of the process's random
    again = render.graph_data(store, "fr")
    assert [(n["id"], n["x"], n["y"]) for n in again["nodes"]] == [
        (n["id"], n["x"], n["y"]) for n in data["nodes"]]


def test_what_is_tied_to_nothing_of_the_map_waits_beside_it():
    """A library's entries with no theme and no thinker (most of a Zotero export) stand in
    columns on the right of the map, not spread by the layout all around it."""
    def n(i, t="work"):
        return {"id": i, "type": t, "label": i, "rank": 1, "level": 0}

    nodes = [n("t1", "theme"), n("t2", "theme"), n("w1"), n("w2"), n("w3")] + [
        n(f"lone{i:02d}") for i in range(30)]
    edges = [{"from": "w1", "to": "t1"}, {"from": "w2", "to": "t1"}, {"from": "w2", "to": "t2"},
             {"from": "w3", "to": "t2"}]
    data = {"nodes": nodes, "edges": edges}
    render.positions(data)
    core, lone = nodes[:5], nodes[5:]
    right = max(m["x"] for m in core)
    assert all(m["x"] >= right + render.SPACING for m in lone)
    top, bottom = min(m["y"] for m in core), max(m["y"] for m in core)
    assert all(top <= m["y"] <= bottom for m in lone)
    assert len({(m["x"], m["y"]) for m in lone}) == 30  # each its own place
    # nothing tied at all: the layout spreads every node as before
    alone = {"nodes": [n(f"x{i}") for i in range(5)], "edges": []}
    render.positions(alone)
    assert len({(m["x"], m["y"]) for m in alone["nodes"]}) == 5


def test_a_measure_and_communities_can_be_passed_in(store):
    iri = "https://kg.example/id/person/ellul-jacques"
    d = render.graph_data(store, "fr", size={iri: 0.25, "ellul1988": 3}, group={iri: 1,
                          "ellul1988": 1, "illich1973": 2}, layout=False)
    e, w, i = node(d, "ellul"), node(d, "ellul1988"), node(d, "illich1973")
    assert (e["value"], e["measure"]) == (0.25, "size") and w["value"] == 3
    assert e["group"] == w["group"] == "1" and i["group"] == "2"
    assert e["groupColor"] == w["groupColor"] != i["groupColor"]
    assert d["grouped"] is True
    assert "x" not in e  # layout=False


def test_english_labels(store):
    en = render.graph_data(store, "en", layout=False)
    fr = render.graph_data(store, "fr", layout=False)
    label = {n["id"]: n["label"] for n in en["nodes"]}
    assert label["technocritique"] == "Critique of technology" or \
        label["technocritique"] != node(fr, "technocritique")["label"]
    assert en["title"] == "Bibliography graph"
    with pytest.raises(QueryError, match="unknown language"):
        render.graph_data(store, "de")


@pytest.mark.parametrize("kwargs, root", [
    ({"theme": "surveillance"}, "surveillance"),
    ({"theme": "SURVEILLANCE"}, "surveillance"),
    ({"thinker": "Ellul"}, "ellul"),
    ({"thinker": "jacques ellul"}, "ellul"),
    ({"thinker": "Ellul, Jacques"}, "ellul"),
], ids=["theme-id", "theme-case", "family-name", "full-name", "sort-name"])
def test_neighbourhoods(store, data, kwargs, root):
    d1 = render.graph_data(store, "fr", depth=1, layout=False, **kwargs)
    d2 = render.graph_data(store, "fr", depth=2, layout=False, **kwargs)
    assert d1["roots"] == [root]
    ids1 = {n["id"] for n in d1["nodes"]}
    neighbours = {e["to"] for e in data["edges"] if e["from"] == root} | {
        e["from"] for e in data["edges"] if e["to"] == root}
    assert ids1 == neighbours | {root}
    assert ids1 < {n["id"] for n in d2["nodes"]} <= {n["id"] for n in data["nodes"]}
    for e in d1["edges"]:
        assert e["from"] in ids1 and e["to"] in ids1


def test_theme_accents_ignored(store):
    d = render.graph_data(store, "fr", theme="Non-neutralite de la technique", layout=False)
    assert d["roots"] == ["non-neutralite-technique"]


def test_unknown_or_ambiguous_names_are_errors(store):
    with pytest.raises(NotFoundError, match="no theme matches 'survelliance'; did you mean "
                                            "Surveillance"):
        render.graph_data(store, "fr", theme="survelliance")
    with pytest.raises(NotFoundError, match="no thinker matches 'Zzyzx'"):
        render.graph_data(store, "fr", thinker="Zzyzx")
    with pytest.raises(QueryError, match="depth must be 1 or 2"):
        render.graph_data(store, "fr", theme="surveillance", depth=3)


def test_ambiguous_thinker(model_of):
    m = model_of("@book{a, author={Dupont, Jean}, title={A}}\n"
                 "@book{b, author={Dupont, Marie}, title={B}}\n")
    with pytest.raises(NotFoundError, match="'Dupont' matches several thinkers: Jean Dupont, "
                                            "Marie Dupont; be more precise"):
        render.graph_data(m, "fr", thinker="Dupont")
    assert render.graph_data(m, "fr", thinker="Marie Dupont")["roots"] == ["dupont-marie"]


def test_a_model_gives_the_same_graph_as_its_store(small_model, built_small):
    from kg.builder.triplestore import open_store

    a = render.graph_data(small_model, "fr", layout=False)
    b = render.graph_data(open_store(built_small.out), "fr", layout=False)
    strip = lambda d: sorted(json.dumps(n, sort_keys=True) for n in d["nodes"])
    assert strip(a) == strip(b)
    assert sorted(map(str, a["edges"])) == sorted(map(str, b["edges"]))


def test_safe_urls_only():
    assert render._safe_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    for bad in ["javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x", "//evil.example",
                'https://x.org/"onmouseover="x', "vbscript:x", " java\nscript:x"]:
        assert render._safe_url(bad) == ""


# ------------------------------------------------------------------ the page

@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c) | st.dictionaries(st.text(), c), max_leaves=20))
def test_script_json_round_trips_and_cannot_close_the_script(value):
    s = render.script_json(value)
    assert json.loads(s) == value
    assert not re.search("[<>&\u2028\u2029]", s)


def _inline(page: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.DOTALL)


def test_page_is_self_contained_with_a_strict_csp(data):
    page = render.html(data)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp
    policy = csp.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in policy and "unsafe" not in policy
    scripts = _inline(page, "script")
    assert len(scripts) == 2  # vis-network and ours; the data is a JSON block
    for code in scripts + _inline(page, "style"):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    outside_data = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.DOTALL)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", outside_data, re.IGNORECASE)
    assert "@license" in page  # vis-network's licence header is kept
    assert '<html lang="fr">' in page


def test_hostile_bibliography_stays_data(hostile_page):
    page = hostile_page.read_text(encoding="utf-8")
    head, rest = page.split('<script type="application/json" id="kg-data">', 1)
    payload, tail = rest.split("</script>", 1)
    assert "__kgPwned" not in head and "__kgPwned" not in tail
    assert not re.search("[<>]", payload)
    d = json.loads(payload)
    titles = [n["name"] for n in d["nodes"]]
    assert any("<script>window.__kgPwned = 3</script>" in t for t in titles)
    links = [f for n in d["nodes"] for f in n["fields"] if "url" in f]
    assert all(f["url"].startswith(("https://", "http://")) for f in links)
    assert not any("evil.example" in f.get("url", "") or "javascript" in f.get("url", "")
                   for f in links)
    assert page.count("<script") == 3 + 1  # ours, and one "<script>" string inside vis


def test_build_page_writes_graph_html(corpus, tmp_path):
    path = render.build_page(corpus.out)
    assert path == corpus.out / "graph.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(corpus.out.glob(".graph.html.*"))  # no temporary file left


def test_build_page_needs_a_build(tmp_path):
    from kg.core.errors import StaleStoreError

    with pytest.raises(StaleStoreError):
        render.build_page(tmp_path)


def test_write_html_checks_the_language(data, tmp_path):
    with pytest.raises(QueryError, match="read in 'fr', not 'en'"):
        render.write_html(tmp_path / "x.html", data, "en")
    p = render.write_html(tmp_path / "sub" / "x.html", data, "fr", physics=True)
    d = json.loads(re.search(r'id="kg-data">(.*?)</script>', p.read_text(), re.DOTALL).group(1))
    assert d["physics"] is True and d["text"]["ui"]["reset"] == "Tout afficher"


# ------------------------------------------------------------------ issue 16: a map to read

def _contrast(a: str, b: str) -> float:
    def lum(h):
        r, g, b = (int(h[i:i + 2], 16) / 255 for i in (1, 3, 5))
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_colour_stands_out_at_3_to_1_in_both_schemes():
    """WCAG's 3:1 for graphics: the quote orange was 1.95:1 and the theme green 2.48:1."""
    colours = [s["color"] for s in render.STYLE.values()] + [
        s["color"] for s in render.STATUS_STYLE.values()]
    for scheme in render.SCHEMES.values():
        for c in colours:
            assert _contrast(c, scheme["background"]) >= 3, (c, scheme["background"])


def test_community_palette_repeats_no_type_or_status_colour():
    taken = {s["color"].lower() for s in render.STYLE.values()} | {
        s["color"].lower() for s in render.STATUS_STYLE.values()}
    assert not taken & {c.lower() for c in render.PALETTE}
    assert len(set(render.PALETTE)) == len(render.PALETTE)


def test_labels_tell_apart_what_they_name(data):
    """Issue 16: 8 groups of identical labels (seven "Un levier pour lutter contre…")."""
    labels = [n["label"] for n in data["nodes"]]
    assert len(labels) == len(set(labels))
    levers = [n["label"] for n in data["nodes"] if n["id"].startswith("c-ia-climat")]
    assert len(levers) == 7 and not any(x.startswith("Un levier") for x in levers)
    assert node(data, "anders1956")["label"] != node(data, "anders1980")["label"]
    assert node(data, "c-portable-80")["label"].endswith("— 80 %")  # a claim's figure


def test_map_of_ideas_and_detail(data):
    """Quotes, claims and other authors (names of works with no theme, quote or @thinker entry)
    are the detail: folded into what they belong to at first sight; the map shows themes,
    thinkers and works."""
    by = {n["id"]: n for n in data["nodes"]}
    for n in data["nodes"]:
        if n["type"] in ("quote", "claim", "contributor"):
            assert n["level"] == 1 and n["anchor"] in by
        if n["type"] in ("theme", "work", "thinker"):
            assert n["level"] == 0
        if n["type"] == "contributor":
            assert by[n["anchor"]]["type"] == "work"
    leaves = [n for n in data["nodes"] if n.get("leaf")]
    assert leaves and all(n["type"] == "contributor" for n in leaves)
    assert node(data, "ellul")["level"] == 0  # a thinker with an entry, quotes, several works
    rock = node(data, "rockstrom2009")
    assert rock["leaves"] == sum(1 for n in leaves if n["anchor"] == "rockstrom2009") > 20
    # the lecture states every claim: within the map its weight is that of an ordinary work
    lecture = node(data, "conference-data-scientist")
    assert lecture["degree"] > 100 and lecture["weight"] < 60
    # the detail sits beside what it belongs to
    for n in data["nodes"]:
        if n["level"] and n.get("anchor"):
            a = by[n["anchor"]]
            assert math.hypot(n["x"] - a["x"], n["y"] - a["y"]) < 400


def test_claims_and_quotes_carry_their_status_and_locator(data):
    claims = [n for n in data["nodes"] if n["type"] == "claim"]
    quotes = [n for n in data["nodes"] if n["type"] == "quote"]
    assert {n["status"] for n in claims} <= {"sourced", "unsourced", "contested"}
    assert {n["status"] for n in quotes} <= {"verbatim", "attributed", "paraphrase"}
    assert len({n["status"] for n in claims}) > 1
    assert any(not q["locator"] for q in quotes)


def test_each_work_carries_its_bibtex_and_csl(data):
    w = node(data, "ellul1988")
    assert "cite" not in w  # the references come from kg cite's formatter (add_references)
    assert w["bibtex"].startswith("@book{ellul1988,\n  author = {Ellul, Jacques},\n")
    assert "  publisher = {Hachette},\n" in w["bibtex"]
    assert w["csl"]["author"] == [{"family": "Ellul", "given": "Jacques"}]
    assert w["csl"]["issued"] == {"date-parts": [[1988]]} and w["csl"]["type"] == "book"
    r = node(data, "rockstrom2009")
    assert r["csl"]["type"] == "article-journal" and r["csl"]["DOI"] == "10.1038/461472a"
    assert {"family": "Chapin", "given": "F. Stuart", "suffix": "III"} in r["csl"]["author"]
    for n in data["nodes"]:
        if n["type"] == "work":
            assert n["bibtex"].startswith("@") and n["csl"]["id"] == n["id"]


@pytest.fixture(scope="session")
def referenced(store, corpus, ontology_path):
    """The corpus page's data with its references (what `kg viz` writes)."""
    from conftest import need

    from kg.write.cite import PandocError, pandoc_path
    from kg.write.export import load

    try:
        pandoc_path()
    except PandocError:
        need(False, "pandoc (the pypandoc-binary wheel)")

    d = render.graph_data(store, "fr", layout=False)
    render.add_references(d, load(corpus.out.parent / "references.bib", ontology_path))
    return d


def test_references_are_those_kg_cite_prints(referenced, corpus, ontology_path):
    """Issue 17: the page's references come from kg.write.cite, as `kg cite KEY` prints them:
    no year letter and no MLA "———" that only a bibliography of several works would add."""
    from kg.write.cite import cite
    from kg.write.export import csl_items, load

    w = node(referenced, "ellul1988")
    assert w["cite"] == {"apa": "Ellul, J. (1988). Le bluff technologique. Hachette.",
                         "chicago": "Ellul, Jacques. 1988. Le bluff technologique. Hachette.",
                         "mla": "Ellul, Jacques. Le bluff technologique. Hachette, 1988.",
                         "iso690": "ELLUL, Jacques, 1988. Le bluff technologique. "
                                   "Paris\u00a0: Hachette."}
    assert w["intext"] == {"apa": "(Ellul, 1988)", "chicago": "(Ellul 1988)", "mla": "(Ellul)",
                           "iso690": "(Ellul 1988)"}
    assert referenced["citeStyles"] == render.cite.STYLES and referenced["citeLocale"] == "fr-FR"
    model = load(corpus.out.parent / "references.bib", ontology_path)
    works = [n for n in referenced["nodes"] if n["type"] == "work"]
    assert len(works) > 10 and all(set(n["cite"]) == set(render.cite.STYLES) for n in works)
    # two works of one author in one year (PMO 2008), in the style that adds letters and
    # the one that writes "———": each as it is alone
    for key in ("pmo2008-portable", "pmo2008-terreur"):
        n = node(referenced, key)
        for style in ("iso690", "mla"):
            alone = cite(csl_items(model, [key]), [key], style)
            assert (n["intext"][style], n["cite"][style]) == (alone.citations[0],
                                                              alone.entries[0])
        assert "2008a" not in n["cite"]["iso690"] and "———" not in n["cite"]["mla"]
    # the CSL-JSON item is the one `kg export --format csl` writes
    assert w["csl"] == csl_items(model, ["ellul1988"])[0]
    # each style's bibliography order
    orders = sorted(n["citeOrder"]["apa"] for n in works)
    assert orders == list(range(len(works)))


def test_lone_style_drops_only_what_ties_entries_together(tmp_path):
    from kg.browse import cite
    from kg.write.cite import style_path

    mla = cite.lone_style("mla", tmp_path).read_text(encoding="utf-8")
    orig = style_path("mla").read_text(encoding="utf-8")
    assert "subsequent-author-substitute" in orig and "subsequent-author-substitute" not in mla
    assert 'disambiguate="true"' in orig and 'disambiguate="true"' not in mla
    assert "disambiguate-add-names" not in mla and 'et-al-min="3"' in mla
    iso = cite.lone_style("iso690", tmp_path).read_text(encoding="utf-8")
    assert "disambiguate-add-year-suffix" not in iso and 'default-locale="fr-FR"' in iso
    assert len(list(tmp_path.iterdir())) == 2


def test_references_need_pandoc_or_say_so(store, tmp_path, monkeypatch):
    from kg.write import cite as write_cite

    def missing():
        raise write_cite.PandocError("pandoc is not installed")

    monkeypatch.setattr(write_cite, "pandoc_path", missing)
    page = render.viz(store, tmp_path, theme="surveillance", bib=ROOT / "references.bib")
    assert "pandoc is not installed" in page.data["warnings"][0]
    assert not any("cite" in n for n in page.data["nodes"])
    assert "citeStyles" not in page.data and render.page_data(page.data)["citeStyles"] == {}
    works = [n for n in page.data["nodes"] if n["type"] == "work"]
    assert works and all(n["csl"]["id"] == n["key"] for n in works)  # CSL needs no pandoc


def test_bibtex_of_a_work_reads_back_as_the_same_entry(data):
    """The page's BibTeX is the entry as the .bib wrote it: it parses back to the same fields."""
    from kg.core.bib import parse

    original = {e.key: e for e in parse((ROOT / "references.bib").read_text("utf-8")).entries}
    works = [n for n in data["nodes"] if n["type"] == "work"]
    for w in works:
        [back] = parse(w["bibtex"]).entries
        assert back.key == w["id"]
        assert back.fields == original[w["id"]].fields
        assert back.entry_type == original[w["id"]].entry_type


def test_the_page_has_one_csl_writer(corpus, ontology_path):
    """The CSL-JSON the page `kg build` publishes is the one `kg export --format csl` writes
    (kg.write.export.csl_items, in the page's locale), for every work: no second writer."""
    from kg.write.export import csl_items, load

    page = (corpus.out / "graph.html").read_text(encoding="utf-8")
    d = json.loads(re.search(r'id="kg-data">(.*?)</script>', page, re.DOTALL).group(1))
    works = [n for n in d["nodes"] if n["type"] == "work"]
    model = load(corpus.out.parent / "references.bib", ontology_path)
    assert len(works) == len(model.of_kind("work")) > 10
    assert [n["csl"] for n in works] == csl_items(model, [n["key"] for n in works], "fr-FR")


def test_a_work_the_model_does_not_hold_gets_no_csl(store):
    """add_csl fills what the bibliography holds and invents nothing for the rest."""
    from types import SimpleNamespace

    d = render.graph_data(store, "fr", layout=False)
    assert render.add_csl(d, SimpleNamespace(of_kind=lambda kind: [])) == []
    assert not any("csl" in n for n in d["nodes"])


def test_short_labels_cut_at_a_word_or_before_the_subtitle():
    assert render._short("Peru says oil spill caused by Tonga waves is an disaster", 34) == \
        "Peru says oil spill caused by…"
    assert render._short_title("Intelligence artificielle : découvrez les 6 projets lauréats",
                               38) == "Intelligence artificielle"
    assert render._short_title("Je n'ai rien à cacher. En fait si, et vous également !", 38) \
        == "Je n'ai rien à cacher"
    assert render._short_title("Le bluff technologique", 38) == "Le bluff technologique"


def test_other_authors_are_apart_with_their_roles(data, store):
    """Issue 14: an other author (kgo:Contributor) is a node type of its own, drawn with its
    own shape and colour, with its roles; `--thinker` still finds one."""
    assert render.STYLE["contributor"]["shape"] != render.STYLE["thinker"]["shape"]
    assert render.STYLE["contributor"]["color"] != render.STYLE["thinker"]["color"]
    david = next(n for n in data["nodes"] if n["label"] == "Christophe David")
    assert david["type"] == "contributor" and david["roles"] == ["translator"]
    assert field(david, "roles")["v"].startswith("traducteur (")
    ellul = node(data, "ellul")
    assert ellul["type"] == "thinker" and ellul["roles"][0] == "author"
    assert field(ellul, "roles")["v"].startswith("auteur (")
    own = render.graph_data(store, "fr", thinker="Christophe David", layout=False)
    root = next(n for n in own["nodes"] if n["id"] in own["roots"])
    assert root["type"] == "contributor" and root["level"] == 0  # the page's root is shown
    assert render.TEXT["en"]["typesPlural"]["contributor"] == "Other authors"


def test_a_big_page_gets_the_first_style_only_and_says_so(referenced, store, tmp_path,
                                                          monkeypatch):
    """Above MAX_WORKS_ALL_STYLES works, `kg viz` formats APA only (the cost is pandoc's, about
    1 s per 1,000 works and style)."""
    monkeypatch.setattr(render, "MAX_WORKS_ALL_STYLES", 5)
    page = render.viz(store, tmp_path, theme="surveillance", bib=ROOT / "references.bib")
    works = [n for n in page.data["nodes"] if n["type"] == "work"]
    assert page.data["citeStyles"] == {"apa": "APA 7"}
    assert all(set(n["cite"]) == {"apa"} for n in works)
    assert page.data["warnings"] == [f"{len(works)} works on the page: their references in APA "
                                     "7 only (every style up to 5 works); `kg cite KEY --style "
                                     "S` gives the others"]


def test_themes_nothing_is_about_are_not_drawn(tmp_path, ontology_path):
    """A library tagged with its own keywords, built with the shipped thesaurus: the page draws
    its own themes and none of the lecture's, which nothing of it is about; a shipped theme it
    uses is drawn with the themes of its hierarchy.  The corpus keeps all of its 38."""
    from kg.api import build
    from kg.builder.triplestore import open_store

    bib = tmp_path / "mine.bib"
    bib.write_text("@book{a, author = {Doe, Jane}, title = {On gardens}, date = {2001},\n"
                   "  keywords = {jardins partagés, permaculture}}\n"
                   "@book{b, author = {Roe, Rick}, title = {On cameras}, date = {2003},\n"
                   "  keywords = {surveillance}}\n", encoding="utf-8")
    build(bib, ontology_path, tmp_path / "out")
    page = render.graph_data(open_store(tmp_path / "out"), "fr", layout=False)
    themes = {n["label"] for n in page["nodes"] if n["type"] == "theme"}
    # its own two, surveillance and the broader themes above it (the path to the top)
    assert {"jardins partagés", "permaculture", "Surveillance"} <= themes
    assert "Environnement" not in themes and "Métaux rares" not in themes
    assert len(themes) <= 2 + 3
    # the theme's own page still finds a shipped theme nothing is about
    assert render.graph_data(open_store(tmp_path / "out"), "fr", theme="ecologie",
                             layout=False)["nodes"]


def test_the_corpus_page_draws_every_theme(data):
    assert sum(n["type"] == "theme" for n in data["nodes"]) == 38
