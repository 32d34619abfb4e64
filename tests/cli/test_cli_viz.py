"""`kg viz`: the graph page on demand, through the CLI."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(tmp_path_factory, ontology_path):
    """The shipped corpus built once; returns the CLI options that point at it."""
    from kg.api import build

    base = tmp_path_factory.mktemp("viz")
    bib = base / "references.bib"
    shutil.copyfile(ROOT / "references.bib", bib)
    build(bib, ontology_path, base / "out")
    return base, ["--bib", str(bib), "--ontology", str(ontology_path), "--out",
                  str(base / "out")]


def run(args):
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    return r


def page_data(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="kg-data">(.*?)</script>', text, re.DOTALL).group(1))


def test_viz_writes_the_whole_graph(built):
    base, opts = built
    r = run(["viz", *opts])
    assert r.exit_code == 0, r.output
    page = base / "out" / "graph.html"
    d = page_data(page)
    assert r.output.strip() == f"{page}: {len(d['nodes'])} nodes, {len(d['edges'])} edges"
    assert d["lang"] == "fr" and d["physics"] is False and not d["roots"]


def test_viz_theme_depth_and_output(built, tmp_path):
    _, opts = built
    dest = tmp_path / "surv.html"
    r = run(["viz", *opts, "--theme", "surveillance", "--depth", "2", "-o", str(dest)])
    assert r.exit_code == 0, r.output
    d = page_data(dest)
    assert d["roots"] == ["surveillance"]
    r1 = run(["viz", *opts, "--theme", "surveillance", "-o", str(tmp_path / "s1.html")])
    assert len(page_data(tmp_path / "s1.html")["nodes"]) < len(d["nodes"])
    assert r1.exit_code == 0


def test_viz_thinker_default_name_and_english(built):
    base, opts = built
    r = run(["viz", *opts, "--thinker", "Ellul", "--lang", "en", "--physics"])
    assert r.exit_code == 0, r.output
    page = base / "out" / "graph-ellul.html"
    d = page_data(page)
    assert d["roots"] == ["ellul"] and d["lang"] == "en" and d["physics"] is True
    assert d["text"]["ui"]["reset"] == "Show all"
    assert '<html lang="en">' in page.read_text(encoding="utf-8")
    assert "ellul1988" in {n["id"] for n in d["nodes"]}


@pytest.mark.parametrize("args, message", [
    (["--theme", "survelliance"], "Error: no theme matches 'survelliance'; did you mean "
                                  "Surveillance"),
    (["--thinker", "Nobody"], "Error: no thinker matches 'Nobody'"),
], ids=["theme", "thinker"])
def test_viz_unknown_names(built, args, message):
    _, opts = built
    r = CliRunner().invoke(main, ["viz", *opts, *args])
    assert r.exit_code == 1
    assert message in r.output
    assert "Traceback" not in r.output


def test_viz_rejects_depth_3_and_unknown_language(built):
    _, opts = built
    assert CliRunner().invoke(main, ["viz", *opts, "--thinker", "Ellul", "--depth", "3"]) \
        .exit_code == 2
    assert CliRunner().invoke(main, ["viz", *opts, "--lang", "de"]).exit_code == 2


def test_viz_help_lists_the_options():
    r = run(["viz", "--help"])
    for opt in ("--theme", "--thinker", "--depth", "--lang", "--physics", "--output"):
        assert opt in r.output


def test_viz_sizes_by_a_measure_and_colours_by_community(built, tmp_path):
    """Issue 7: the page sizes nodes by a chosen measure of kg.analyse.network and colours them by
    Louvain community; the values are those `kg.analyse.network.measures` computes."""
    from kg.analyse.network import load_nx, measures
    from kg.builder.triplestore import open_store

    base, opts = built
    page = tmp_path / "pr.html"
    r = run(["viz", *opts, "--size-by", "pagerank", "--colour-by-community", "-o", str(page)])
    assert r.exit_code == 0, r.output
    nodes = page_data(page)["nodes"]
    m = measures(load_nx(open_store(base / "out")))
    assert {n["measure"] for n in nodes} == {"size"}
    for n in nodes:
        assert n["value"] == pytest.approx(m[n["iri"]]["pagerank"])
        assert n["group"] == str(m[n["iri"]]["community"])
    assert len({n["group"] for n in nodes}) > 1
    assert len({n["groupColor"] for n in nodes}) > 1
    # the default stays degree, coloured by type
    page2 = tmp_path / "deg.html"
    assert run(["viz", *opts, "-o", str(page2)]).exit_code == 0
    assert {n["measure"] for n in page_data(page2)["nodes"]} == {"degree"}
    assert not any("group" in n for n in page_data(page2)["nodes"])


def test_viz_page_carries_what_kg_cite_prints(built, tmp_path):
    """Issue 17: a work's references on the page are `kg cite KEY --style S` output, in the
    page's locale; its thinkers and other authors are counted apart (issue 14)."""
    from conftest import need

    from kg.write.cite import PandocError, pandoc_path

    try:
        pandoc_path()
    except PandocError:
        need(False, "pandoc (the pypandoc-binary wheel)")
    _, opts = built
    page = tmp_path / "t.html"
    assert run(["viz", *opts, "--thinker", "Deleuze", "-o", str(page)]).exit_code == 0
    nodes = {n["id"]: n for n in page_data(page)["nodes"]}
    for key in ("deleuze1990", "deleuze1990-pourparlers"):  # one author, one year: no letters
        for style in ("apa", "iso690"):
            out = run(["cite", key, "--style", style, *opts]).output
            assert out == nodes[key]["intext"][style] + "\n\n" + nodes[key]["cite"][style] + "\n"
    en = tmp_path / "en.html"
    assert run(["viz", *opts, "--thinker", "Deleuze", "--lang", "en", "-o", str(en)]).exit_code == 0
    w = next(n for n in page_data(en)["nodes"] if n["id"] == "deleuze1990")
    assert page_data(en)["citeLocale"] == "en-US"
    assert run(["cite", "deleuze1990", "--style", "chicago", "--locale", "en-US", *opts]) \
        .output.split("\n\n")[1].strip() == w["cite"]["chicago"]
