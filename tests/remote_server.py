"""Real Oxigraph servers on loopback for the Share tests (issue 9), a scripted stub server, and
the engine-independent view of a server (:class:`Target`; Virtuoso: tests/virtuoso_server.py).

Not a test module: tests/share/test_remote.py and tests/cli/test_cli_remote.py start their own servers with it.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HOST = "127.0.0.1"


def oxigraph_binary() -> str:
    """The `oxigraph` executable of `pip install oxigraph`: next to python, else on PATH.

    Missing: the test fails when CI=true, is skipped otherwise.
    """
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if found is None:
        msg = "the oxigraph server is not installed (pip install oxigraph, in the [test] extras)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Oxigraph:
    """`oxigraph serve` (or serve-read-only) on 127.0.0.1, started and stopped by the tests."""

    def __init__(self, location: Path, read_only: bool = False, preload: Path | None = None):
        self.binary = oxigraph_binary()
        self.location = location
        self.read_only = read_only
        self.preload = preload
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.query = self.base + "/query"
        self.store = self.base + "/store"
        self.proc = None

    def start(self) -> Oxigraph:
        if self.preload is not None:  # serve-read-only needs an existing database
            subprocess.run([self.binary, "load", "--location", str(self.location), "--file",
                            str(self.preload)], check=True, capture_output=True, timeout=120)
        cmd = "serve-read-only" if self.read_only else "serve"
        self.log = open(self.location.parent / f"oxigraph-{self.port}.log", "wb")
        self.proc = subprocess.Popen([self.binary, cmd, "--location", str(self.location),
                                      "--bind", f"{HOST}:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited with {self.proc.returncode}: "
                                   f"{Path(self.log.name).read_text(errors='replace')[-2000:]}")
            try:
                self.ask("ASK { }")
                return self
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("oxigraph did not answer on /query within 30 s") from None
                time.sleep(0.05)

    def ask(self, text: str) -> bytes:
        req = urllib.request.Request(self.query, data=text.encode(), method="POST", headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=5) as r:
            return r.read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch):
    """No KG_ENDPOINT_* setting of the person running the tests, and no Digest challenge
    learnt from another test's server.  Autouse in every module that imports it."""
    from kg.share import remote

    for k in (remote.ENV_USER, remote.ENV_PASSWORD, remote.ENV_TOKEN, remote.ENV_TIMEOUT,
              remote.ENV_MAX_BYTES, remote.ENV_BATCH):
        monkeypatch.delenv(k, raising=False)
    remote._DIGEST.clear()
    remote._PROBED.clear()


class Quiet(BaseHTTPRequestHandler):
    """A request handler that logs nothing (the test reports what matters)."""

    def log_message(self, *a):
        pass


class Loopback:
    """An HTTP server of the test's own on a free loopback port, served by a thread:
    ``with Loopback(Handler, "/query") as srv: ... srv.url``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], path: str = ""):
        self.server = ThreadingHTTPServer((HOST, 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Stub(Loopback):
    """A scripted HTTP server on 127.0.0.1: answers every request with (status, type, body).

    ``seen`` records (method, path, headers, body length) of each request, ``bodies`` their
    bodies; ``delay`` seconds are waited before answering.  ``body`` may be a function of the
    request handler (it may change ``status`` for this answer and the next).
    """

    def __init__(self, status=200, ctype="text/html", body=b"<html><p>hello</p></html>",
                 delay=0.0):
        self.status, self.ctype, self.body, self.delay = status, ctype, body, delay
        self.seen = []
        self.bodies: list[bytes] = []
        self.headers: dict[str, str] = {}
        stub = self

        class Handler(Quiet):
            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n) if n else b""
                stub.seen.append((self.command, self.path, dict(self.headers), len(data)))
                stub.bodies.append(data)
                time.sleep(stub.delay)
                body = stub.body(self) if callable(stub.body) else stub.body
                try:
                    self.send_response(stub.status)
                    self.send_header("Content-Type", stub.ctype)
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in stub.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = _answer

        super().__init__(Handler)


class Endless(Loopback):
    """A SPARQL server on 127.0.0.1 whose answer never ends (bounded: it stops after ``cap``
    bytes), announcing ``announce`` bytes or no Content-Length; it sends one reused block at a
    time, so that its own memory stays small (tests measure the client's).  ``sent[0]``: what
    it sent."""

    def __init__(self, announce: int | None = None, cap: int = 64 << 20):
        from kg.share import remote

        sent = self.sent = [0]
        block = b" " * 65536

        class Handler(Quiet):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", remote.JSON_RESULTS)
                if announce is not None:
                    self.send_header("Content-Length", str(announce))
                self.end_headers()
                try:
                    self.wfile.write(b'{"head":{"vars":["x"]},"results":{"bindings":[')
                    while sent[0] < cap:
                        self.wfile.write(block)
                        sent[0] += len(block)
                except OSError:  # the client stopped reading
                    pass

        super().__init__(Handler, "/query")


@dataclass
class Target:
    """One SPARQL server as the Share tests use it, whatever the engine.

    ``base`` is what a user gives as ``--endpoint``; ``graph`` the graph that holds the corpus
    (None: the default graph; Virtuoso has no writable default graph, so a named one);
    ``env`` the credentials to set in the environment (KG_ENDPOINT_*).
    """

    engine: str
    base: str
    query: str
    store: str
    graph: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def opts(self) -> list[str]:
        """The CLI options that point a query command at the corpus on this server."""
        return ["--endpoint", self.base] + (["--graph", self.graph] if self.graph else [])

    def apply(self, monkeypatch) -> None:
        for k, v in self.env.items():
            monkeypatch.setenv(k, v)


ENGINES = ["oxigraph", "virtuoso"]


# --------------------------------------------------------------------------- credential cases
# One table for the API tests (test_trust.py) and the CLI tests (tests/cli/test_cli_remote.py): each
# case is run at both levels, so a case added here is tried everywhere.

PASSWORD = "hunter2-Secret"

URLS_WITH_CREDENTIALS = [
    pytest.param(f"http://alice:{PASSWORD}@127.0.0.1:7878/query", id="valid"),
    pytest.param(f"http://alice:{PASSWORD}@127.0.0.1:99999/query", id="bad-port"),
    pytest.param(f"http://alice:{PASSWORD}@127.0.0.1:port/query", id="port-not-a-number"),
    pytest.param(f"ftp://alice:{PASSWORD}@127.0.0.1/query", id="ftp"),
    pytest.param(f"http://alice:{PASSWORD}@/query", id="no-host"),
    pytest.param(f"alice:{PASSWORD}@127.0.0.1:7878/query", id="no-scheme"),
    pytest.param(f"http://alice:{PASSWORD}@[::1/query", id="broken-ipv6"),
    pytest.param(f"http://alice:{PASSWORD[:4]}/{PASSWORD[4:]}@127.0.0.1/query",
                 id="slash-in-password"),
]
"""URLs with a user and password written in them: refused, and never echoed (no part of
PASSWORD in any message)."""


def echoes_password(text: str) -> bool:
    return any(part in text for part in (PASSWORD, PASSWORD[4:], "hunter"))


BAD_CREDENTIALS = [
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok-{PASSWORD}\n"}, "KG_ENDPOINT_TOKEN holds a line feed "
                 "(LF) at its end", id="token-LF"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok-{PASSWORD}\r"}, "KG_ENDPOINT_TOKEN holds a carriage "
                 "return (CR) at its end", id="token-CR"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok-{PASSWORD}\r\n"}, "KG_ENDPOINT_TOKEN holds a "
                 "carriage return (CR) at its end", id="token-CRLF"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok-{PASSWORD}\r\nX-Evil: 1"}, "KG_ENDPOINT_TOKEN holds "
                 f"a carriage return (CR) at character {len(PASSWORD) + 5}",
                 id="token-header-injection"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok\x01{PASSWORD}"}, "KG_ENDPOINT_TOKEN holds the "
                 "control character U+0001 at character 4", id="token-U+0001"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok\x1b[31m{PASSWORD}"}, "KG_ENDPOINT_TOKEN holds the "
                 "control character U+001B", id="token-escape"),
    pytest.param({"KG_ENDPOINT_TOKEN": f"tok\x85{PASSWORD}"}, "KG_ENDPOINT_TOKEN holds the "
                 "control character U+0085", id="token-NEL"),
    pytest.param({"KG_ENDPOINT_USER": "alice", "KG_ENDPOINT_PASSWORD": PASSWORD + "\n"},
                 "KG_ENDPOINT_PASSWORD holds a line feed (LF) at its end", id="password-LF"),
    pytest.param({"KG_ENDPOINT_USER": "alice", "KG_ENDPOINT_PASSWORD": "\t" + PASSWORD},
                 "KG_ENDPOINT_PASSWORD holds a tab at character 1", id="password-tab"),
    pytest.param({"KG_ENDPOINT_USER": "al\nice", "KG_ENDPOINT_PASSWORD": PASSWORD},
                 "KG_ENDPOINT_USER holds a line feed (LF) at character 3", id="user-LF"),
]
"""Credentials in the environment that cannot go into an HTTP header: (environment, the
start of the error), refused before any request and without showing them."""
