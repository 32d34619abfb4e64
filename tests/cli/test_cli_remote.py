"""kg push and --endpoint on every query command, against real Oxigraph and Virtuoso servers on
loopback."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from remote_server import (
    BAD_CREDENTIALS,
    ENGINES,
    URLS_WITH_CREDENTIALS,
    Endless,
    Oxigraph,
    Stub,
    Target,
    echoes_password,
    free_port,
    no_credentials,  # noqa: F401  (autouse: a clean environment)
)

from kg.cli import main
from kg.share import remote

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Zz-very-secret-9"
GRAPH = "https://kg.example/graph/reading-group"


@pytest.fixture(scope="session")
def built(shipped_corpus):
    return shipped_corpus.opts()


def kg(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


CLI_CORPUS = "https://kg.example/graph/cli-corpus"


@pytest.fixture(scope="session", params=ENGINES)
def server(request, tmp_path_factory, built):
    """A read-write server with the corpus pushed through `kg push`: into Oxigraph's default
    graph, or a named graph of Virtuoso (which has no writable default graph); and into GRAPH."""
    if request.param == "virtuoso":
        v = request.getfixturevalue("virtuoso")
        s, stop = Target("virtuoso", v.query, v.query, v.store, CLI_CORPUS), None
    else:
        ox = Oxigraph(tmp_path_factory.mktemp("oxigraph-cli") / "db").start()
        s, stop = Target("oxigraph", ox.base, ox.query, ox.store), ox.stop
    try:
        r = kg("push", *s.opts(), *built)
        assert r.exit_code == 0, r.output
        r2 = kg("push", "--endpoint", s.query, "--graph", GRAPH, *built)
        assert r2.exit_code == 0, r2.output
        s.push_output = r.output
        yield s
    finally:
        if stop:
            stop()


@pytest.fixture(scope="session", params=ENGINES)
def read_only(request, tmp_path_factory, built):
    """Oxigraph's serve-read-only, or Virtuoso's Digest endpoints for a SPARQL_SELECT user."""
    if request.param == "virtuoso":
        from virtuoso_server import READER

        v = request.getfixturevalue("virtuoso")
        remote.push(Path(built[1]) / "graph.ttl", v.store, CLI_CORPUS + "-ro")
        yield Target("virtuoso", v.auth_query, v.auth_query, v.auth_store, CLI_CORPUS + "-ro",
                     {remote.ENV_USER: READER, remote.ENV_PASSWORD: v.reader_password})
        return
    s = Oxigraph(tmp_path_factory.mktemp("oxigraph-cli-ro") / "db", read_only=True,
                 preload=Path(built[1]) / "graph.ttl").start()
    yield Target("oxigraph", s.base, s.query, s.store)
    s.stop()


def test_push_reports_what_the_server_holds(server, built):
    from kg.builder.store import read_manifest

    n = read_manifest(built[1])["triples"]
    into = f"<{server.graph}>" if server.graph else "the default graph"
    assert f"Replaced {into} at" in server.push_output
    assert f"({n} triples" in server.push_output
    assert f"The server holds {n} triples in {into}." in server.push_output


COMMANDS = [
    ["themes"], ["themes", "--lang", "en"],
    ["theme", "surveillance"], ["theme", "controler", "--limit", "0"],
    ["thinker", "ellul"], ["thinker", "Quadrature"],
    ["work", "ellul1988"],
    ["quotes"], ["quotes", "--thinker", "ellul"], ["quotes", "--theme", "surveillance"],
    ["claims"], ["claims", "--status", "contested"], ["claims", "--theme", "surveillance"],
    ["search", "surveillance"], ["search", "société technicienne"],
    ["query", "works-per-theme"], ["query", "theme-thinkers", "-p", "theme=surveillance"],
    ["query", ("SELECT ?t (COUNT(?w) AS ?n) WHERE { ?w <http://purl.org/dc/terms/subject> ?t } "
              "GROUP BY ?t ORDER BY DESC(?n) ?t")],
    ["query", "ASK { ?w <http://purl.org/dc/terms/identifier> ?k }", "-p", "k=ellul1988"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_remote_answers_equal_local(server, built, args, fmt):
    local = kg(*args, "--format", fmt, *built)
    assert local.exit_code == 0, local.output
    remote_ = kg(*args, "--format", fmt, *server.opts(), *built)
    assert remote_.exit_code == 0, remote_.output
    assert remote_.output == local.output


@pytest.mark.parametrize("args", [["themes"], ["thinker", "ellul"], ["search", "surveillance"]],
                         ids=" ".join)
def test_named_graph_equals_local(server, built, args):
    local = kg(*args, "--format", "json", *built)
    remote_ = kg(*args, "--format", "json", "--endpoint", server.query, "--graph", GRAPH, *built)
    assert remote_.exit_code == 0, remote_.output
    assert remote_.output == local.output


def test_construct_same_triples(server, built):
    q = ("CONSTRUCT { ?q ?p ?o } WHERE { ?q a <https://kg.example/ontology#Quote> ; ?p ?o }")
    local = kg("query", q, *built)
    remote_ = kg("query", q, *server.opts(), *built)
    assert remote_.exit_code == 0 and local.exit_code == 0
    assert sorted(remote_.output.splitlines()) == sorted(local.output.splitlines())
    assert local.output.strip()


@pytest.mark.parametrize("fmt", ["latex", "pandoc"])
def test_quote_bank_remote(server, built, fmt):
    local = kg("quotes", "--theme", "surveillance", "--format", fmt, *built)
    remote_ = kg("quotes", "--theme", "surveillance", "--format", fmt, *server.opts(), *built)
    assert remote_.exit_code == 0, remote_.output
    assert remote_.output == local.output


def test_remote_does_not_need_a_local_build(server, tmp_path):
    """Against a server, nothing is built or read locally."""
    out = tmp_path / "nothing-here"
    r = kg("themes", "--format", "json", *server.opts(), "--out", out,
           "--bib", tmp_path / "missing.bib")
    assert r.exit_code == 0, r.output
    assert '"surveillance"' in r.output and not out.exists()


def test_update_refused_remotely(server, built):
    r = kg("query", "INSERT DATA { <https://kg.example/x> <https://kg.example/y> 1 }",
           *server.opts(), *built)
    assert r.exit_code != 0 and "read-only" in r.output
    assert remote.count(server.query, server.graph) == remote.count(server.query, GRAPH)


def test_not_found_names_same_as_local(server, built):
    local = kg("thinker", "nobody-at-all", *built)
    remote_ = kg("thinker", "nobody-at-all", *server.opts(), *built)
    assert local.exit_code == remote_.exit_code != 0
    assert remote_.output == local.output


# --------------------------------------------------------------------------- push

def test_push_merge_keeps_what_was_there(server, built, tmp_path):
    g = "https://kg.example/graph/merge-cli"
    extra = tmp_path / "extra.ttl"
    extra.write_text('<https://kg.example/a> <https://kg.example/b> "kept" .\n')
    remote.push(extra, server.store, g)
    r = kg("push", "--endpoint", server.base, "--graph", g, "--merge", *built)
    assert r.exit_code == 0 and f"Merged into <{g}>" in r.output
    n = remote.count(server.query, server.graph)
    assert f"holds {n + 1} triples" in r.output
    r = kg("push", "--store-url", server.store, "--graph", g, *built)  # replace, no count
    assert r.exit_code == 0 and "Replaced" in r.output and "holds" not in r.output
    assert remote.count(server.query, g) == n


def test_read_only_server_refuses_push(read_only, built, monkeypatch):
    read_only.apply(monkeypatch)
    r = kg("push", *read_only.opts(), *built)
    assert r.exit_code == 1
    assert r.output.startswith("Error: the server refuses writes (read-only?)")
    assert "Traceback" not in r.output


def test_push_needs_a_target(built):
    r = kg("push", *built)
    assert r.exit_code == 2 and "--endpoint" in r.output


def test_push_unknown_layout_asks_for_store_url(built):
    r = kg("push", "--endpoint", "http://127.0.0.1:9/my-sparql", *built)
    assert r.exit_code == 2 and "--store-url" in r.output


# --------------------------------------------------------------------------- failures

@pytest.mark.parametrize("cmd", [["themes"], ["search", "x"], ["query", "ASK {}"],
                                 ["thinker", "ellul"]], ids=" ".join)
def test_server_down(built, cmd):
    url = f"http://127.0.0.1:{free_port()}"
    r = kg(*cmd, "--endpoint", url, *built)
    assert r.exit_code == 1
    assert "connection refused (is the server running?)" in r.output
    assert "Traceback" not in r.output


def test_push_server_down(built):
    r = kg("push", "--endpoint", f"http://127.0.0.1:{free_port()}", *built)
    assert r.exit_code == 1 and "the upload failed: cannot connect" in r.output


def test_wrong_url_on_a_live_server(server, built):
    r = kg("themes", "--endpoint", server.query.rsplit("/", 1)[0] + "/no-such-path", *built)
    assert r.exit_code == 1 and "nothing at" in r.output and "HTTP 404" in r.output
    r = kg("themes", "--endpoint", server.store, *built)  # the Graph Store, not the query URL
    assert r.exit_code == 1 and "does not take SPARQL queries" in r.output


def test_not_a_sparql_server(built):
    with Stub(200, "text/html", b"<html><h1>Welcome to nginx!</h1></html>") as stub:
        r = kg("themes", "--endpoint", stub.url + "/query", *built)
    assert r.exit_code == 1 and "did not answer with SPARQL JSON results" in r.output


def test_graph_without_endpoint(built):
    r = kg("themes", "--graph", GRAPH, *built)
    assert r.exit_code == 2 and "--endpoint" in r.output


def test_credentials_never_in_output(monkeypatch, built):
    monkeypatch.setenv(remote.ENV_USER, "alice")
    monkeypatch.setenv(remote.ENV_PASSWORD, SECRET)
    body = lambda h: f"bad login {h.headers.get('Authorization')} ({SECRET})".encode()
    with Stub(403, "text/plain", body) as stub:
        runs = [kg("themes", "--endpoint", stub.url + "/query", *built),
                kg("push", "--store-url", stub.url + "/store", *built)]
        stub.status = 401
        runs.append(kg("query", "ASK {}", "--endpoint", stub.url + "/query", *built))
    assert all(a[2].get("Authorization", "").startswith("Basic ") for a in stub.seen)
    import base64

    blob = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    for r in runs:
        assert r.exit_code == 1, r.output
        assert SECRET not in r.output and blob not in r.output
    assert "refuses writes" in runs[1].output and "refused the credentials" in runs[2].output


# --------------------------------------------------------------------------- issue 18, CLI
# the shared credential tables of tests/remote_server.py (test_trust.py runs them on the API)

@pytest.mark.parametrize("url", URLS_WITH_CREDENTIALS)
@pytest.mark.parametrize("cmd", [["themes", "--endpoint"], ["push", "--endpoint"],
                                 ["push", "--store-url"], ["query", "ASK {}", "--endpoint"]],
                         ids=" ".join)
def test_url_with_password_never_echoed(built, url, cmd):
    r = kg(*cmd, url, *built)
    assert r.exit_code == 2, r.output
    assert r.output.startswith("Error: ") and not echoes_password(r.output)
    assert "usable" in r.output or "KG_ENDPOINT_USER" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("env, said", BAD_CREDENTIALS)
@pytest.mark.parametrize("cmd", [["themes"], ["push"], ["query", "ASK {}"]], ids=" ".join)
def test_bad_credentials_are_a_clean_error(monkeypatch, built, env, said, cmd):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with Stub(200, remote.JSON_RESULTS, b'{"head":{},"boolean":true}') as stub:
        r = kg(*cmd, "--endpoint", stub.url + "/query", *built)
        assert stub.seen == []  # refused before any traffic
    assert r.exit_code == 1 and r.output.startswith(f"Error: {said}")
    assert not echoes_password(r.output) and "Traceback" not in r.output


def test_one_character_password_mangles_nothing(monkeypatch, built):
    monkeypatch.setenv(remote.ENV_USER, "bob")
    monkeypatch.setenv(remote.ENV_PASSWORD, "e")
    with Stub(500, "text/plain", b"the server keeps every letter e here") as stub:
        r = kg("themes", "--endpoint", stub.url + "/query", *built)
    assert r.exit_code == 1
    assert "***" not in r.output and "the query failed on the server" in r.output
    assert stub.url.split("//")[1] in r.output  # our own words and the URL untouched
    assert "letter e here" not in r.output  # the server's text held the password: withheld


def test_huge_answer_is_capped_and_the_client_stays_small(monkeypatch, built):
    """A server that never stops answering: kg stops at KG_ENDPOINT_MAX_BYTES, its memory grows
    by about that much, never by what the server sends."""
    monkeypatch.setenv(remote.ENV_MAX_BYTES, "4M")
    with Endless() as srv:
        tracemalloc.start()
        try:
            r = kg("query", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", srv.url, *built)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert r.exit_code == 1 and "larger than the limit of 4 MiB" in r.output
    assert peak < 16 << 20, peak
    assert srv.sent[0] < 48 << 20  # the client stopped reading long before the end


def test_push_that_the_server_kept_in_part_is_an_error(built):
    """After a replacing push, the server must hold the triples sent: a server that kept part
    of them (or counts part) makes kg push fail instead of reporting success."""
    from kg.builder.store import read_manifest

    n = read_manifest(built[1])["triples"]
    body = ('{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", '
            '"value": "%d", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}')
    with Stub(200, remote.JSON_RESULTS, (body % (n - 250)).encode()) as stub:
        r = kg("push", "--endpoint", stub.url + "/query", *built)
        assert r.exit_code == 1 and f"holds {n - 250} triples in the default graph, not the " \
            f"{n} sent" in r.output
        stub.body = (body % n).encode()
        r = kg("push", "--endpoint", stub.url + "/query", *built)
        assert r.exit_code == 0 and f"The server holds {n} triples" in r.output


# --------------------------------------------------------------------------- a large library

LARGE = "https://kg.example/graph/large-library"


@pytest.fixture(scope="session")
def large_library(tmp_path_factory):
    """A generated 10,000-entry library, built (about 320,000 triples: seven requests of
    KG_ENDPOINT_BATCH's 50,000; benchmarks/bench_remote.py measures 50,000 entries)."""
    import subprocess
    import sys

    from kg.api import build

    folder = tmp_path_factory.mktemp("large-library")
    lib = folder / "lib10k.bib"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "10000", "-o",
                    str(lib)], check=True, capture_output=True, timeout=600)
    build(lib, ROOT / "ontology.ttl", folder / "out")
    return ["--bib", str(lib), "--ontology", str(ROOT / "ontology.ttl"), "--out",
            str(folder / "out")]


@pytest.mark.slow
def test_large_library_pushed_whole(server, large_library):
    """kg push of 10,000 entries in requests of 50,000 triples: replace a named graph, then
    merge the same graph into it again: each time the server holds exactly the local graph's
    triples (kg push itself fails when it does not)."""
    from kg.builder.store import read_manifest

    n = read_manifest(large_library[-1])["triples"]
    assert n > 3 * remote.DEFAULT_BATCH
    target = ["--endpoint", server.query, "--graph", LARGE, "--timeout", "600"]
    requests = -(-n // remote.DEFAULT_BATCH)
    for extra in ([], ["--merge"]):
        r = kg("push", *target, *extra, *large_library)
        assert r.exit_code == 0, r.output
        assert f"({n} triples" in r.output and f"in {requests} requests" in r.output
        assert f"The server holds {n} triples in <{LARGE}>." in r.output
    assert remote.count(server.query, LARGE) == n
    assert remote.count(server.query, server.graph) != n  # the corpus's graph untouched
