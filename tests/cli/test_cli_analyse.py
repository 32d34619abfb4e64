"""`kg analyse` / `stats`, `path`, `related`, `export-graph` on the shipped corpus."""
from __future__ import annotations

import csv
import io
import json
import shutil

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import ONTOLOGY, ROOT

from kg.cli import main


@pytest.fixture(scope="session")
def corpus_args(tmp_path_factory):
    """--bib/--ontology/--out options of the shipped corpus, built once."""
    from kg.api import build

    base = tmp_path_factory.mktemp("corpus-cli-analyse")
    bib, onto = base / "references.bib", base / "ontology.ttl"
    shutil.copyfile(ROOT / "references.bib", bib)
    shutil.copyfile(ONTOLOGY, onto)
    build(bib, onto, base / "out")
    return ["--bib", str(bib), "--ontology", str(onto), "--out", str(base / "out")]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_analyse_table(corpus_args):
    r = run("analyse", *corpus_args)
    assert r.exit_code == 0, r.output
    for heading in ("Counts: ", "Most central thinkers", "Most central works",
                    "Most central themes", "Communities (Louvain, seed 42)", "Bridges",
                    "Weakly linked"):
        assert heading in r.output
    assert "Jacques Ellul" in r.output and "Surveillance" in r.output


def test_stats_is_analyse(corpus_args):
    assert run("stats", *corpus_args).output == run("analyse", *corpus_args).output


def test_analyse_json_and_csv(corpus_args):
    data = json.loads(run("analyse", *corpus_args, "--format", "json", "--top", "3").output)
    assert set(data) >= {"counts", "central", "communities", "bridges", "weak"}
    assert len(data["central"]["thinker"]["pagerank"]["ranking"]) == 3
    rows = list(csv.DictReader(io.StringIO(run("analyse", *corpus_args, "--format",
                                               "csv").output)))
    sections = {r["section"] for r in rows}
    assert sections >= {"counts", "central", "community", "bridge"}
    assert any(r["section"] == "counts" and r["type"] == "theme" and r["value"] == "38"
               for r in rows)


def test_analyse_seed_changes_nothing_when_repeated(corpus_args):
    a = run("analyse", *corpus_args, "--format", "json", "--seed", "7").output
    assert a == run("analyse", *corpus_args, "--format", "json", "--seed", "7").output


def test_path(corpus_args):
    r = run("path", "illich", "ELLUL", *corpus_args)
    assert r.exit_code == 0
    assert r.output.startswith("Ivan Illich ") and r.output.rstrip().endswith("Jacques Ellul")
    r = run("path", "Kafka", "surveillance", "--all", "-k", "3", *corpus_args)
    assert [line[:3] for line in r.output.splitlines()] == ["1. ", "2. ", "3. "]
    data = json.loads(run("path", "Kafka", "surveillance", "--format", "json",
                          *corpus_args).output)
    assert data[0]["nodes"][0]["label"] == "Franz Kafka"
    assert data[0]["steps"][0]["relation"] == "theme"
    rows = list(csv.DictReader(io.StringIO(run("path", "Kafka", "surveillance", "--format",
                                               "csv", *corpus_args).output)))
    assert rows[0]["from"] == "Franz Kafka" and rows[-1]["to"] == "Surveillance"


def test_path_unknown_name(corpus_args):
    r = CliRunner().invoke(main, ["path", "Elul", "Illich", *corpus_args])
    assert r.exit_code == 1
    assert "Error: no thinker, work, theme, quote or claim matches 'Elul'; did you mean " \
           "Jacques Ellul (person:ellul-jacques)" in r.output
    assert "Traceback" not in r.output


def test_related(corpus_args):
    r = run("related", "Ellul", "-n", "5", *corpus_args)
    assert r.exit_code == 0
    assert r.output.startswith("Most similar to Jacques Ellul")
    assert "Ivan Illich" in r.output
    data = json.loads(run("related", "Ellul", "--format", "json", *corpus_args).output)
    assert all(set(d) == {"score", "type", "key", "label", "shared_themes", "shared_works"}
               for d in data)
    rows = list(csv.DictReader(io.StringIO(run("related", "ellul1988", "--format", "csv",
                                               *corpus_args).output)))
    assert rows and all(r["type"] == "work" for r in rows)


@pytest.mark.parametrize("fmt, reader", [
    ("graphml", lambda p: nx.read_graphml(p, force_multigraph=True)),
    ("gexf", nx.read_gexf),
    ("json", lambda p: nx.node_link_graph(json.loads(p.read_text("utf-8")), edges="edges")),
])
def test_export_graph(corpus_args, tmp_path, fmt, reader):
    dest = tmp_path / f"g.{fmt}"
    r = run("export-graph", "--format", fmt, "--output", dest, *corpus_args)
    assert r.exit_code == 0 and r.output == ""
    G = reader(dest)
    ellul = G.nodes["https://kg.example/id/person/ellul-jacques"]
    assert ellul["type"] == "thinker" and ellul["label"] == "Jacques Ellul"
    assert {"degree", "pagerank", "betweenness", "community"} <= set(ellul)
    assert ("https://kg.example/id/person/ellul-jacques",
            "https://kg.example/id/work/ellul1988") in {(u, v) for u, v in G.edges()}


def test_export_graph_stdout(corpus_args):
    r = run("export-graph", "--format", "graphml", "--no-measures", *corpus_args)
    assert r.output.startswith("<?xml") and "pagerank" not in r.output
