"""Share on OpenLink Virtuoso (issue 19): HTTP Digest, and what differs from Oxigraph.

The remote tests shared with Oxigraph (push, every query command remote == local, read-only
refusal, errors) run on both engines in tests/share/test_remote.py and tests/cli/test_cli_remote.py; this file holds
what is Virtuoso's own: its Digest-protected endpoints, its Graph Store without a default
graph, its row limit, and the Digest client itself (RFC 7616 vectors, a fake Digest server).
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from remote_server import (
    Loopback,
    Quiet,
    Stub,
    no_credentials,  # noqa: F401  (autouse: a clean environment)
)

from kg.cli import main
from kg.read.query import select
from kg.share import remote

GRAPH = "https://kg.example/graph/virtuoso-auth"


def kg(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r


# --------------------------------------------------------------------------- Digest client

RFC_CHALLENGE = dict(realm="http-auth@example.org",
                     nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                     opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop="auth")
RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


@pytest.mark.parametrize("alg, response", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_digest_answer_matches_rfc_7616_example(alg, response):
    """RFC 7616 section 3.9.1: Mufasa / Circle of Life, GET /dir/index.html."""
    ch = remote.DigestChallenge(algorithm=alg, **RFC_CHALLENGE)
    header = ch.answer("GET", "http://www.example.org/dir/index.html", "Mufasa",
                       "Circle of Life", cnonce=RFC_CNONCE)
    assert f'response="{response}"' in header
    assert 'uri="/dir/index.html"' in header and "nc=00000001" in header
    assert f'opaque="{RFC_CHALLENGE["opaque"]}"' in header and "qop=auth" in header
    assert "Circle of Life" not in header
    second = ch.answer("GET", "http://www.example.org/dir/index.html", "Mufasa",
                       "Circle of Life", cnonce=RFC_CNONCE)
    assert "nc=00000002" in second  # the nonce count grows with each use


def test_parse_digest_challenges():
    from email.message import Message

    def headers(*values):
        m = Message()
        for v in values:
            m["WWW-Authenticate"] = v
        return m

    virtuoso = ('Digest realm="SPARQL", domain="/sparql-graph-crud-auth", nonce="bb5bf6", '
                'opaque="5ebe22", stale="false", qop="auth", algorithm="MD5"')
    ch = remote.parse_digest(headers('Basic realm="x"', virtuoso))
    assert (ch.realm, ch.nonce, ch.opaque, ch.qop, ch.algorithm, ch.stale) == (
        "SPARQL", "bb5bf6", "5ebe22", "auth", "MD5", False)
    assert remote.parse_digest(headers('Digest realm="r", nonce="n", qop="auth-int"')) is None
    assert remote.parse_digest(headers('Digest realm="r", nonce="n", algorithm=SHA-1')) is None
    assert remote.parse_digest(headers('Basic realm="r"')) is None
    assert remote.parse_digest(headers('Digest realm="r", nonce="n\x01\x7fX-Evil: 1"')) is None
    old = remote.parse_digest(headers('Digest realm="a \\"b\\"", nonce="n", stale=TRUE'))
    assert old.realm == 'a "b"' and old.qop is None and old.stale
    assert "response=" in old.answer("POST", "http://h/x?y=1", "u", "p")


class DigestServer(Loopback):
    """A fake SPARQL server on 127.0.0.1 that takes only HTTP Digest (MD5, qop=auth), checked
    with its own code; a nonce serves ``uses`` requests, then is answered as stale."""

    def __init__(self, user: str, password: str, uses: int = 3):
        self.seen: list[tuple[str, str]] = []  # (method, Authorization header)
        self.bodies: list[int] = []
        srv = self
        self.nonces: dict[str, int] = {}
        self.counter = 0
        self.stale = 0

        def new_nonce() -> str:
            srv.counter += 1
            n = hashlib.md5(f"nonce{srv.counter}".encode()).hexdigest()
            srv.nonces[n] = 0
            return n

        def check(method: str, header: str) -> str:
            """'' when the header is right, else 'stale' or 'wrong'."""
            if not header.startswith("Digest "):
                return "wrong"
            p = remote._auth_params(header[7:])
            h = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
            ha1 = h(f"{user}:SPARQL:{password}")
            ha2 = h(f"{method}:{p.get('uri')}")
            want = h(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:auth:{ha2}")
            if p.get("response") != want or p.get("username") != user:
                return "wrong"
            if p["nonce"] not in srv.nonces:
                return "wrong"
            srv.nonces[p["nonce"]] += 1
            return "stale" if srv.nonces[p["nonce"]] > uses else ""

        class Handler(Quiet):
            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                header = self.headers.get("Authorization", "")
                srv.seen.append((self.command, header))
                verdict = check(self.command, header) if header else "wrong"
                if verdict:
                    srv.stale += verdict == "stale"
                    self.send_response(401)
                    stale = ', stale="true"' if verdict == "stale" else ""
                    self.send_header("WWW-Authenticate", f'Digest realm="SPARQL", nonce='
                                     f'"{new_nonce()}", opaque="op", qop="auth", '
                                     f'algorithm="MD5"{stale}')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                srv.bodies.append(len(body))
                out = b""
                if self.command == "POST" and self.path.startswith("/sparql"):
                    out = json.dumps({"head": {}, "boolean": True}).encode()
                self.send_response(200 if out else 201)
                self.send_header("Content-Type", remote.JSON_RESULTS)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

        super().__init__(Handler)


SECRET = "Digest-Pa55-word"


def test_digest_server_never_receives_the_password(monkeypatch, tmp_path):
    """Queries and a streamed upload to a Digest-only server: the HEAD without credentials
    learns the scheme, no request carries Basic, a stale nonce is renewed, the body is sent
    whole."""
    monkeypatch.setenv(remote.ENV_USER, "alice")
    monkeypatch.setenv(remote.ENV_PASSWORD, SECRET)
    data = tmp_path / "g.nt"
    data.write_text("".join(f'<https://kg.example/s{i}> <https://kg.example/p> "{i}" .\n'
                            for i in range(40_000)))
    with DigestServer("alice", SECRET, uses=2) as srv:
        for _ in range(5):  # beyond the nonce's uses: renewed once stale
            assert select(remote.RemoteStore(srv.url + "/sparql-auth"), "ASK {}").boolean
        remote.push(data, srv.url + "/sparql-graph-crud-auth", "https://kg.example/g")
        assert srv.bodies[-1] == data.stat().st_size
        del srv.bodies[:]
        r = remote.push(data, srv.url + "/sparql-graph-crud-auth", "https://kg.example/g",
                        batch=10_000)  # in requests: each answers its own challenge
    basic = base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert all(basic not in h and SECRET not in h and not h.startswith("Basic")
               for _, h in srv.seen)
    assert [m for m, h in srv.seen if not h] == ["HEAD", "HEAD"]  # one probe per URL
    assert srv.stale >= 1  # a stale nonce was answered with a new one, and the query went on
    assert r.requests == len(srv.bodies) == 4 and r.sent == 40_000  # each taken once


def test_digest_refused_is_clear_and_silent(monkeypatch):
    monkeypatch.setenv(remote.ENV_USER, "alice")
    monkeypatch.setenv(remote.ENV_PASSWORD, "not-the-" + SECRET)
    with DigestServer("alice", SECRET) as srv:
        with pytest.raises(remote.RemoteError) as e:
            select(remote.RemoteStore(srv.url + "/sparql-auth"), "ASK {}")
    msg = str(e.value)
    assert "refused the credentials from the environment (it asks for Digest)" in msg
    assert SECRET not in msg
    assert len([h for _, h in srv.seen if h]) == 1  # a fresh nonce refused: no second try


def test_select_distinct_rows_are_distinct():
    """A server repeating rows of a SELECT DISTINCT (Virtuoso 7.2 does, with VALUES and
    OPTIONAL) gives each row once, in its order; a plain SELECT keeps its repeats."""
    row = lambda v: {"x": {"type": "literal", "value": v}}  # noqa: E731
    body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        row("b"), row("b"), row("a"), row("b")]}}).encode()
    with Stub(200, remote.JSON_RESULTS, body) as stub:
        store = remote.RemoteStore(stub.url + "/sparql")
        d = select(store, "# SELECT ?x\nPREFIX s: <urn:x#> SELECT  DISTINCT ?x WHERE { ?x ?p ?o }")
        plain = select(store, "SELECT ?x WHERE { { SELECT DISTINCT ?x WHERE { ?x ?p ?o } } }")
    assert [r["x"].value for r in d.rows] == ["b", "a"]
    assert [r["x"].value for r in plain.rows] == ["b", "b", "a", "b"]


def test_capped_answer_is_an_error():
    """Virtuoso marks an answer it cut at ResultSetMaxRows with X-SPARQL-MaxRows."""
    body = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}'
    with Stub(200, remote.JSON_RESULTS, body) as stub:
        stub.headers["X-SPARQL-MaxRows"] = "10000"
        with pytest.raises(remote.RemoteError, match=r"stops at the server's limit of 10000 rows"
                                                     r".*ResultSetMaxRows"):
            select(remote.RemoteStore(stub.url + "/sparql"), "SELECT ?x WHERE { ?x ?p ?o }")


def test_anytime_answer_is_an_error():
    """Virtuoso answers a query that reached MaxQueryExecutionTime with the rows found so far,
    marked X-SQL-State: S1TAT: kg refuses the partial answer."""
    body = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", ' \
           b'"value": "1080450"}}]}}'
    with Stub(200, remote.JSON_RESULTS, body) as stub:
        stub.headers["X-SQL-State"] = "S1TAT"
        stub.headers["X-SQL-Message"] = "RC...: Returning incomplete results"
        with pytest.raises(remote.RemoteError, match=r"incomplete.*MaxQueryExecutionTime"):
            remote.count(stub.url + "/sparql")


# --------------------------------------------------------------------------- real Virtuoso

@pytest.fixture(scope="module")
def built(shipped_corpus):
    return shipped_corpus.opts()


def _writer(virtuoso, monkeypatch):
    from virtuoso_server import WRITER

    monkeypatch.setenv(remote.ENV_USER, WRITER)
    monkeypatch.setenv(remote.ENV_PASSWORD, virtuoso.writer_password)


@pytest.mark.slow
def test_digest_push_and_queries_on_virtuoso(virtuoso, built, monkeypatch):
    """/sparql-graph-crud-auth and /sparql-auth: with the user and password, kg push and the
    query commands succeed (same answers as locally); without them, or with a wrong password,
    a clear error; never the password in the output."""
    auth = ["--endpoint", virtuoso.auth_query, "--graph", GRAPH]
    runs = []
    # without credentials
    for args in (["push", *auth], ["themes", *auth], ["query", "ASK {}", *auth]):
        r = kg(*args, *built)
        assert r.exit_code == 1, r.output
        assert "(HTTP 401): the server wants credentials (it asks for Digest)" in r.output
    # with them
    _writer(virtuoso, monkeypatch)
    r = kg("push", *auth, *built)
    assert r.exit_code == 0, r.output
    assert "sparql-graph-crud-auth" in r.output and "The server holds" in r.output
    runs.append(r)
    for args in (["themes"], ["thinker", "ellul"], ["search", "surveillance"],
                 ["quotes", "--theme", "surveillance"], ["query", "works-per-theme"]):
        remote_ = kg(*args, "--format", "json", *auth, *built)
        runs.append(remote_)
        monkeypatch.delenv(remote.ENV_USER)
        local = kg(*args, "--format", "json", *built)
        _writer(virtuoso, monkeypatch)
        assert remote_.exit_code == 0 == local.exit_code, remote_.output
        assert remote_.output == local.output
    # a wrong password
    monkeypatch.setenv(remote.ENV_PASSWORD, "wrong-" + virtuoso.writer_password)
    for args in (["push", *auth], ["themes", *auth]):
        r = kg(*args, *built)
        runs.append(r)
        assert r.exit_code == 1
        assert "refused the credentials from the environment (it asks for Digest)" in r.output
    for r in runs:
        assert virtuoso.writer_password not in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_read_only_user_on_virtuoso(virtuoso, built, monkeypatch):
    from virtuoso_server import READER

    remote.push(Path(built[1]) / "graph.ttl", virtuoso.store, GRAPH + "-reader")
    monkeypatch.setenv(remote.ENV_USER, READER)
    monkeypatch.setenv(remote.ENV_PASSWORD, virtuoso.reader_password)
    r = kg("push", "--endpoint", virtuoso.auth_query, "--graph", GRAPH + "-reader", *built)
    assert r.exit_code == 1 and r.output.startswith("Error: the server refuses writes")
    assert "Permission denied" in r.output and virtuoso.reader_password not in r.output
    r = kg("claims", "--format", "json", "--endpoint", virtuoso.auth_query, "--graph",
           GRAPH + "-reader", *built)
    assert r.exit_code == 0 and '"status"' in r.output


def test_push_without_graph_explains_virtuoso(virtuoso, built):
    r = kg("push", "--endpoint", virtuoso.query, *built)
    assert r.exit_code == 1
    assert "Virtuoso has no default graph to write into" in r.output
    assert "--graph IRI" in r.output


@pytest.mark.slow
def test_row_limit_of_virtuoso_is_an_error(virtuoso, built, tmp_path):
    """Debian's Virtuoso stops every answer at 10,000 rows (ResultSetMaxRows): kg says so
    instead of answering with part of the rows."""
    big = tmp_path / "rows.nt"
    big.write_text("".join(f'<https://kg.example/r{i}> <https://kg.example/p> "{i}" .\n'
                           for i in range(12_000)))
    g = "https://kg.example/graph/rows"
    remote.push(big, virtuoso.store, g)
    args = ["--endpoint", virtuoso.query, "--graph", g, "--format", "csv", *built]
    r = kg("query", "SELECT ?s WHERE { ?s ?p ?o }", *args)
    assert r.exit_code == 1 and "stops at the server's limit of 10000 rows" in r.output
    r = kg("query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 9999", *args)
    assert r.exit_code == 0 and len(r.output.splitlines()) == 10_000  # header + rows
    assert remote.count(virtuoso.query, g) == 12_000
