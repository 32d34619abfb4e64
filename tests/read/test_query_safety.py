"""A person's SPARQL cannot reach the network, write, crash kg or run forever (issue 18).

- SERVICE clauses are refused locally (read by the grammar, not searched for): checked with a
  real HTTP listener on loopback that counts the requests made, and with Oxigraph itself as the
  oracle that each refused text is a SERVICE clause to it;
- the read-only guard parses the prologue: tricky texts are checked against rdflib's and
  Oxigraph's parsers, and an update never reaches a remote endpoint;
- nesting is bounded before any parser sees it: the process ends with `Error:`, not SIGSEGV;
- a query stops at its --timeout and at once on Ctrl-C (exit 130, no process left behind);
- `kg query -f` reads at most a few MiB of anything and names a bad byte's line.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.api import open_library
from kg.cli import main
from kg.core.errors import InputError, QueryError
from kg.read import query as Q
from kg.read import sparql

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
#: minutes on the shipped corpus: three unbound patterns joined with nothing in common
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="session")
def corpus(shipped_corpus):
    c = shipped_corpus
    return open_library(c.out, c.bib, c.onto)


@pytest.fixture(scope="session")
def opts(shipped_corpus):
    return shipped_corpus.opts()


def kg(opts, *args, **kw):
    r = CliRunner().invoke(main, [*args, *opts], **kw)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


def run_kg(opts, *args, timeout=120, **kw):
    """`kg ARGS` in a process of its own (a signal would end the test run otherwise)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([PY, "-m", "kg.cli", *args, *opts], capture_output=True, text=True,
                          timeout=timeout, env=env, **kw)


class Listener:
    """An HTTP server on loopback that counts every request and answers empty SPARQL results."""

    def __init__(self):
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                outer.requests.append(f"{self.command} {self.path}")
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        return len(self.requests)


@pytest.fixture
def listener():
    s = Listener()
    yield s
    s.server.shutdown()
    s.server.server_close()


def oxigraph_requests(listener, text: str) -> int:
    """How many requests Oxigraph itself makes running ``text`` on a store of three triples
    (the oracle of what a SERVICE clause is)."""
    import pyoxigraph as ox

    store = ox.Store()
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store.extend([ox.Quad(s, p, o) for o in (ox.Literal(1), ox.Literal(True), ox.Literal("x"))])
    before = listener.count()
    try:
        res = store.query(text)
        if not isinstance(res, ox.QueryBoolean):
            list(res)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return listener.count() - before


# --------------------------------------------------------------------------- SERVICE

def service_texts(url: str) -> list[str]:
    """SERVICE clauses as people write them, and as Oxigraph also reads them."""
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT*{{SERVICE<{url}>{{?s ?p ?o}}}}",
        f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICESILENT<{url}> {{ ?s ?p ?o }} }}",  # no space needed
        f"PREFIX ex: <{url}#> SELECT * {{ SERVICE ex:x {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{url}#> SELECT * {{ SERVICEex:x {{ ?s ?p ?o }} }}",
        f"PREFIX : <{url}#> SELECT * {{ SERVICE:x {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE # a comment\n <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ ?s ?p 1SERVICE <{url}> {{ ?s ?p ?o }} }}",  # 1, then SERVICE
        f"SELECT * {{ ?s ?p trueSERVICE <{url}> {{ ?s ?p ?o }} }}",  # true, then SERVICE
        f"SELECT * {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * {{ SERVICE <> {{ ?s ?p ?o }} }}",
        f'SELECT * {{ ?s ?p "x" SERVICE <{url}> {{ ?s ?p ?o }} }}',
    ]


def harmless_texts(url: str) -> list[str]:
    """Texts with SERVICE in them that are no SERVICE clause."""
    return [
        f'SELECT * {{ BIND("SERVICE <{url}> {{ }}" AS ?x) }}',
        f"SELECT * {{ BIND('''\nSERVICE <{url}> {{ }}''' AS ?x) }}",
        f"SELECT * {{ ?s ?p ?o }} # SERVICE <{url}> {{ }}",
        f"SELECT * {{ <{url}/SERVICE> ?p ?o }}",
        "SELECT ?service { ?service ?p ?o } LIMIT 1",
        f"PREFIX service: <{url}#> SELECT * {{ ?s service:p ?o }} LIMIT 1",
        f"PREFIX ex: <{url}#> SELECT * {{ ?s ex:SERVICE ?o }} LIMIT 1",
        f"PREFIX ex: <{url}#> SELECT * {{ ?s ?p ex:a\\'b }}",
        'SELECT * { ?s ?p "x"@en-SERVICE }',
        "SELECT * { ?s ?p _:SERVICE }",
        # URLs Oxigraph does not fetch: datasets and graphs are the store's
        f"SELECT * FROM <{url}> FROM NAMED <{url}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * {{ GRAPH <{url}> {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{url}>",
    ]


def test_service_texts_are_service_clauses_to_oxigraph(listener):
    """The oracle: Oxigraph makes a request for every text the tests below expect refused."""
    for text in service_texts(listener.url):
        assert oxigraph_requests(listener, text) >= 1, text
    for text in harmless_texts(listener.url):
        assert oxigraph_requests(listener, text) == 0, text


def test_service_is_refused_with_no_request(opts, listener):
    for text in service_texts(listener.url):
        r = kg(opts, "query", text)
        assert r.exit_code == 1, (text, r.output)
        assert "Error: the query calls another SPARQL service (SERVICE at line" in r.output
        assert "--allow-service" in r.output
    assert listener.count() == 0, listener.requests


def test_service_in_strings_iris_comments_names_is_no_service(listener):
    for text in harmless_texts(listener.url):
        assert sparql.services(text) == [], text
        Q.check(text)  # not refused


def test_allow_service_fetches(opts, listener):
    r = kg(opts, "query", "--allow-service", service_texts(listener.url)[0])
    assert r.exit_code == 0, r.output
    assert listener.count() >= 1


def test_export_query_refuses_service(opts, listener):
    q = f"SELECT ?w WHERE {{ SERVICE <{listener.url}> {{ ?w ?p ?o }} }}"
    r = kg(opts, "export", "--query", q)
    assert r.exit_code == 1 and "SERVICE" in r.output and "--allow-service" in r.output
    assert listener.count() == 0


def test_service_refused_in_a_cli_process(opts, listener):
    """The command as a person runs it: its own process, no request made."""
    r = run_kg(opts, "query", service_texts(listener.url)[4])
    assert r.returncode == 1 and r.stderr.startswith("Error: ") and "Traceback" not in r.stderr
    assert listener.count() == 0


_PIECES = ["SERVICE", "service", "SILENT", "SERVICESILENT", "<{url}>", "?e", "ex:x", ":x",
           "ex:", "{", "}", "{ ?s ?p ?o }", " ", "\n", "#", '"', "'", "\\", "true", "1", ".",
           "(", ")", "BIND(<{url}> AS ?e)", "FILTER EXISTS", "OPTIONAL", "x", "a", "<", ">"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=14))
def test_what_passes_the_guard_makes_no_request(pieces):
    """Any text the guard lets through, Oxigraph runs without a request (the property that
    matters: the guard may refuse too much on nonsense, never too little)."""
    s = _FUZZ_LISTENER
    body = "".join(p.replace("{url}", s.url) for p in pieces)
    text = f"PREFIX ex: <{s.url}#> PREFIX : <{s.url}#> SELECT * {{ {body} }}"
    try:
        Q.check(text)
    except QueryError:
        return
    assert oxigraph_requests(s, text) == 0, text


_FUZZ_LISTENER: Listener


@pytest.fixture(scope="module", autouse=True)
def _fuzz_listener():
    global _FUZZ_LISTENER
    _FUZZ_LISTENER = Listener()
    yield
    _FUZZ_LISTENER.server.shutdown()
    _FUZZ_LISTENER.server.server_close()


# --------------------------------------------------------------------------- read-only guard

#: (text, what it is): prefixes named like keywords, comments, strings, case, BASE, no spaces
TRICKY = [
    ("PREFIX select: <urn:x:> INSERT DATA { <a:b> <a:c> <a:d> }", "update"),
    ("PREFIX ask: <urn:x:> PREFIX construct: <urn:y:> DELETE WHERE { ?s ?p ?o }", "update"),
    ("# SELECT * { }\nINSERT DATA { <a:b> <a:c> <a:d> }", "update"),
    ("INSERT DATA { <a:b> <a:c> 'SELECT * WHERE { }' }", "update"),
    ("BASE <urn:select> PREFIX : <urn:describe#> CLEAR ALL", "update"),
    ("PREFIXe:<urn:x>INSERT DATA{<a:b><a:c><a:d>}", "update"),
    ("prefix select: <urn:x:> insert data { <a:b> <a:c> <a:d> }", "update"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "update"),
    ("LOAD SILENT <http://127.0.0.1:9/x.ttl>", "update"),
    ("PREFIX select: <urn:x:> DROP SILENT GRAPH <urn:g>", "update"),
    ("CREATE GRAPH <urn:select>", "update"),
    ("SELECT * WHERE { ?s ?p ?o } # INSERT DATA { }", "query"),
    ('select ?x where { BIND("INSERT DATA { }" AS ?x) }', "query"),
    ("PREFIX insert: <urn:x:> PREFIX delete: <urn:y:> SELECT * { ?s insert:p delete:o }",
     "query"),
    ("BASE <urn:insert/> ASK { <x> ?p ?o }", "query"),
    ("# DROP ALL\nask {}", "query"),
    ("PREFIXdrop:<urn:x>SELECT*{}", "query"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "query"),
    ("DESCRIBE <urn:clear>", "query"),
    ("PREFIX load: <urn:x:>\n# LOAD <http://x>\nSELECT * { ?s load:p ?o }", "query"),
]


@pytest.mark.parametrize("text,kind", TRICKY, ids=[t[:40] for t, _ in TRICKY])
def test_query_or_update_by_the_grammar(text, kind):
    assert sparql.form(text).kind == kind
    assert Q.is_update(text) == (kind == "update")
    # the oracles: Oxigraph's query parser, and rdflib's where it reads the text
    import pyoxigraph as ox

    try:
        ox.Store().query(text)
        ox_kind = "query"
    except SyntaxError:
        ox_kind = "update"
    assert ox_kind == kind
    from rdflib.plugins.sparql import parser

    if "PREFIXe:" not in text and "PREFIXdrop:" not in text:  # rdflib wants a space there
        (parser.parseQuery if kind == "query" else parser.parseUpdate)(text)


@pytest.mark.parametrize("text", [t for t, k in TRICKY if k == "update"])
def test_update_never_reaches_an_endpoint(opts, listener, text):
    r = kg(opts, "query", "--endpoint", listener.url, text)
    assert r.exit_code == 1 and "read-only" in r.output, r.output
    assert listener.count() == 0


def test_remote_store_refuses_update_itself(listener):
    from kg.share.remote import RemoteStore

    with pytest.raises(QueryError, match="read-only"):
        RemoteStore(listener.url).select_remote(TRICKY[0][0])
    assert listener.count() == 0


def test_every_shipped_query_reads_as_a_query():
    for nq in Q.named_queries().values():
        assert sparql.form(nq.text).kind == "query", nq.name
        assert sparql.services(nq.text) == [] and sparql.shape(nq.text).depth < 10


def test_not_a_query_is_said_clearly():
    with pytest.raises(QueryError, match="not a SPARQL query.*not 'HELLO'"):
        Q.check("PREFIX a: <urn:a> HELLO { }")
    with pytest.raises(QueryError, match="PREFIX declaration at line 1, column 1 is unfinished"):
        Q.check("PREFIX a <urn:a> SELECT * { }")


# --------------------------------------------------------------------------- nesting

def deep(kind: str, n: int) -> str:
    return {
        "parentheses": "SELECT * { FILTER(" + "(" * n + "1" + ")" * n + ") }",
        "groups": "SELECT * { " + "{" * n + "?s ?p ?o" + "}" * n + " }",
        "unions": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
        "negations": "SELECT * { FILTER(" + "!" * n + "true) }",
        "collection": "SELECT * { ?s ?p (" + " 1" * n + " ) }",
        "exists": "SELECT * { " + "FILTER EXISTS { " * n + "?s ?p ?o" + " }" * n + " }",
    }[kind]


#: each crashed Oxigraph with SIGSEGV, the process ending with no message, before the bound
CRASHERS = [("parentheses", 5_000), ("groups", 5_000), ("unions", 10_000),
            ("negations", 10_000), ("collection", 30_000), ("exists", 2_000)]


@pytest.mark.parametrize("kind,n", CRASHERS, ids=[k for k, _ in CRASHERS])
def test_deep_nesting_is_a_clean_error(opts, tmp_path, kind, n):
    f = tmp_path / "deep.rq"
    f.write_text(deep(kind, n), encoding="utf-8")
    r = run_kg(opts, "query", "-f", str(f))
    assert r.returncode == 1, (r.returncode, r.stderr[-300:])  # not -11 (SIGSEGV)
    assert r.stderr.startswith("Error: the query ") and "Traceback" not in r.stderr
    assert f"at most {sparql.MAX_DEPTH}" in r.stderr or f"at most {sparql.MAX_TERMS:,}" \
        in r.stderr


def test_nesting_bound_counts_syntax_only():
    at_bound = "SELECT * { " + "{" * (sparql.MAX_DEPTH - 1) + "}" * (sparql.MAX_DEPTH - 1) + "}"
    assert sparql.shape(at_bound).depth == sparql.MAX_DEPTH
    with pytest.raises(QueryError, match=f"more than {sparql.MAX_DEPTH} levels deep.*column"):
        sparql.shape("SELECT * { " + "{" * sparql.MAX_DEPTH + "}" * sparql.MAX_DEPTH + "}")
    # brackets in strings, IRIs and comments are no nesting
    quiet = ('SELECT * { ?s ?p "' + "(" * 5000 + '" . ?s ?p <urn:' + "(" * 5000 + "> }  # "
             + "{" * 5000)
    assert sparql.shape(quiet).depth == 1
    # VALUES rows are data, however many
    rows = " ".join(f"(<urn:w{i}> {i})" for i in range(30_000))
    many = f"SELECT * {{ VALUES (?w ?n) {{ {rows} }} ?w ?p ?o }}"
    assert sparql.shape(many).terms < 20
    with pytest.raises(QueryError, match="more than 20,000 terms"):
        sparql.shape(deep("unions", 5_000))


@pytest.mark.slow
@pytest.mark.parametrize("kind", [k for k, _ in CRASHERS])
def test_the_engine_survives_what_the_bound_lets_through(corpus, kind):
    """At the bound, the engine answers or times out: it never crashes."""
    n = 1
    while True:  # the largest of its kind within the bounds
        try:
            sparql.shape(deep(kind, n * 2))
        except QueryError:
            break
        n *= 2
    lo, hi = n, n * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            sparql.shape(deep(kind, mid))
            lo = mid
        except QueryError:
            hi = mid
    try:
        Q.ask(corpus.folder, deep(kind, lo), Q.Limits(timeout=5))
    except QueryError as e:
        assert "timed out" in str(e) or "syntax" in str(e), e


# --------------------------------------------------------------------------- time limit

@pytest.mark.slow
def test_timeout_stops_a_cartesian_product(opts):
    t = time.monotonic()
    r = run_kg(opts, "query", "--timeout", "1", CARTESIAN)
    took = time.monotonic() - t
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("Error: the query timed out after 1 s"), r.stderr
    assert took < 20, took  # minutes without the limit; ~1.5 s on an idle machine


def test_timeout_from_the_environment(corpus, monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "0.5")
    t = time.monotonic()
    with pytest.raises(QueryError, match=r"timed out after 0.5 s"):
        Q.run_query(CARTESIAN, lib=corpus)
    assert time.monotonic() - t < 15
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "soon")
    with pytest.raises(InputError, match="KG_QUERY_TIMEOUT must be a number of seconds"):
        Q.run_query("SELECT * { } ", lib=corpus)
    monkeypatch.delenv("KG_QUERY_TIMEOUT")
    assert Q.Limits().seconds() == 60 and Q.Limits(0).seconds() is None


def test_export_query_has_a_timeout(opts):
    q = "SELECT ?w WHERE { ?w ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = kg(opts, "export", "--query", q, "--timeout", "0.5")
    assert r.exit_code == 1 and "timed out after 0.5 s" in r.output, r.output


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_ctrl_c_stops_a_query_at_once(opts):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([PY, "-m", "kg.cli", "query", CARTESIAN, *opts], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _children(p.pid) and time.monotonic() < deadline:  # the query is running
            time.sleep(0.05)
        workers = _children(p.pid)
        assert workers, "the query's process never started"
        time.sleep(1)
        t = time.monotonic()
        p.send_signal(signal.SIGINT)  # to kg alone, as a signal from another program
        out, err = p.communicate(timeout=30)
        took = time.monotonic() - t
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip() == "Interrupted; the previous output is intact."
    assert took < 5, took  # ~0.1 s on an idle machine (it was 15 s to minutes)
    assert not any(_alive(w) for w in workers)  # nothing left running


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_killed_kg_leaves_no_query_running(opts):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([PY, "-m", "kg.cli", "query", "--timeout", "0", CARTESIAN, *opts],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _children(p.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(p.pid)
    assert workers
    p.kill()
    p.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


# --------------------------------------------------------------------------- same answers

def test_fork_and_fresh_process_give_the_in_process_answers(shipped_corpus):
    """Every named query, through a forked child (a fresh `kg query`) and through a fresh
    interpreter (a process with threads), answers exactly what select() answers in-process."""
    script = """
import json, sys
from kg.api import open_library
from kg.core.forked import can_fork
from kg.read import query as Q
lib = open_library(sys.argv[1], sys.argv[2], sys.argv[3], quiet=True)
cases = []
for nq in Q.named_queries().values():
    params = {p.name: p.example for p in nq.params if not p.optional}
    b = {k: Q.param_value(lib, {p.name: p for p in nq.params}[k], k, v) for k, v in params.items()}
    cases.append((nq.text_for(set(b)), b))
assert can_fork()
forked = [Q.ask(lib.folder, t, None, b) for t, b in cases]
store = lib.store  # the store open: threads, so a fresh interpreter from now on
assert not can_fork()
spawned = [Q.ask(lib.folder, t, None, b) for t, b in cases]
local = [Q.select(store, t, b) for t, b in cases]
assert forked == local and spawned == local, "answers differ"
print(json.dumps([len(r.rows) for r in local]))
"""
    c = shipped_corpus
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([PY, "-c", script, str(c.out), str(c.bib), str(c.onto)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sum(json.loads(r.stdout)) > 0


# --------------------------------------------------------------------------- query files

def test_invalid_utf8_query_file_names_line_and_byte(opts, tmp_path):
    f = tmp_path / "bad.rq"
    f.write_bytes(b"SELECT * WHERE {\n  ?s ?p \"caf\xe9\" }\n")
    r = run_kg(opts, "query", "-f", str(f))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (f"Error: {f}: not UTF-8 text (byte 0xE9): save the query as "
                                "UTF-8 (that byte is on line 2, byte 30 of the file)")


def test_query_file_reads_are_capped(opts, tmp_path):
    r = kg(opts, "query", "-f", "/dev/zero")
    assert r.exit_code == 2 and "/dev/zero: larger than 4 MiB" in r.output
    big = tmp_path / "big.rq"
    with open(big, "wb") as f:
        f.truncate(1 << 30)  # sparse: a gigabyte that is not read
    r = kg(opts, "query", "-f", str(big))
    assert r.exit_code == 2 and "larger than 4 MiB" in r.output
    r = kg(opts, "query", "-f", "-", input=b"x" * (5 << 20))
    assert r.exit_code == 2 and "standard input: larger than 4 MiB" in r.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_query_file_fifo(opts, tmp_path, monkeypatch):
    fifo = tmp_path / "q.fifo"
    os.mkfifo(fifo)
    monkeypatch.setattr(Q, "FIFO_WAIT", 0.3)
    r = kg(opts, "query", "-f", str(fifo))  # nobody writes: no hang
    assert r.exit_code == 2 and "a named pipe nothing was written to in 0.3 s" in r.output

    def write():
        with open(fifo, "w") as f:
            f.write("SELECT (1 AS ?one) { }")

    monkeypatch.setattr(Q, "FIFO_WAIT", 30)
    w = threading.Thread(target=write)
    w.start()
    r = kg(opts, "query", "-f", str(fifo), "--format", "json")
    w.join()
    assert r.exit_code == 0 and json.loads(r.output)["results"]["bindings"][0]["one"][
        "value"] == "1"


def test_query_file_with_byte_order_mark_and_folder(opts, tmp_path):
    f = tmp_path / "bom.rq"
    f.write_bytes("\ufeffSELECT (1 AS ?one) { }".encode())
    r = kg(opts, "query", "-f", str(f), "--format", "csv")
    assert r.exit_code == 0 and r.output.split() == ["one", "1"]
    r = kg(opts, "query", "-f", str(tmp_path))
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_every_shipped_query_passes_the_check():
    """Library.run skips the check for kg's own named queries (select(shipped=True)): each of
    them, with every parameter bound, must pass it."""
    from kg.read import query as Q

    for nq in Q.named_queries().values():
        for bound in (set(), {p.name for p in nq.params}):
            Q.check(nq.text_for(bound))


def test_shipped_queries_are_bound_where_the_grammar_binds():
    """bind(shipped=True) finds the WHERE group of kg's own queries with a simple pattern, not
    the grammar's (whose patterns take 20-50 ms to compile): the same text for every named
    query, with each set of its parameters bound; a person's query still uses the grammar."""
    from itertools import combinations

    from kg.read import query as Q

    value = Q.literal("x")
    for nq in Q.named_queries().values():
        names = [p.name for p in nq.params] + ["extra"]
        for n in range(1, len(names) + 1):
            for bound in combinations(names, n):
                text = nq.text_for(set(bound))
                b = {k: value for k in bound}
                assert Q.bind(text, b, shipped=True) == Q.bind(text, b), (nq.name, bound)
    tricky = 'PREFIX where: <urn:select#where> SELECT * WHERE { ?s ?p "} WHERE {" }'
    assert Q.bind(tricky, {"s": value}) == tricky.replace(
        "WHERE {", 'WHERE {\n  VALUES ?s { "x" }\n', 1)
