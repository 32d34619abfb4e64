"""A real OpenLink Virtuoso server on loopback for the Share tests (issue 19).

Not a test module: tests/conftest.py starts one for the session (fixture ``virtuoso``).
Debian's ``virtuoso-opensource`` (7.2) gives ``/usr/bin/virtuoso-t`` (the server) and
``/usr/bin/isql-vt`` (its SQL console).  Each server gets a throwaway database folder, a
generated ``virtuoso.ini`` with free loopback ports (HTTP and ISQL), and, through isql:

- ``SPARQL_UPDATE`` granted to the anonymous ``SPARQL`` user, so that ``/sparql-graph-crud``
  (the Graph Store without authentication) takes uploads, as an open test server does;
- a user ``kg-writer`` (``SPARQL_UPDATE``) and a user ``kg-reader`` (``SPARQL_SELECT`` only)
  for the authenticated endpoints ``/sparql-auth`` and ``/sparql-graph-crud-auth`` (HTTP
  Digest);
- a random password for ``dba`` in place of the well-known default.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from remote_server import HOST, free_port

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {host}:{isql}
DisableUnixSocket = 1
DisableTcpSocket = 0
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {db}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
MaxQueryMem = 200M
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
MaxClientConnections = 10

[HTTPServer]
ServerPort = {host}:{http}
ServerRoot = {db}/vsp
ServerThreads = 10
MaxClientConnections = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
; the Debian package's values: the tests meet what a user of the package meets
ResultSetMaxRows = 10000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = {seconds}
"""

WRITER, READER = "kg-writer", "kg-reader"


def virtuoso_binaries() -> tuple[str, str]:
    """(virtuoso-t, isql-vt) of Debian's virtuoso-opensource.

    Missing: the test fails when CI=true, is skipped otherwise.
    """
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server is None or isql is None:
        msg = "Virtuoso is not installed (apt-get install virtuoso-opensource)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return server, isql


class Virtuoso:
    """`virtuoso-t +foreground` on 127.0.0.1 with its own database, started and stopped by the
    tests."""

    def __init__(self, folder: Path, buffers: int = 10_000, seconds: int = 60):
        """``buffers``: NumberOfBuffers (8 KB pages of cache; 10,000 for the tests, about
        170,000 per 2 GB of memory for a large graph, as virtuoso.ini advises); ``seconds``:
        MaxQueryExecutionTime, after which Virtuoso answers with what it has found so far."""
        self.binary, self.isql_binary = virtuoso_binaries()
        self.buffers, self.seconds = buffers, seconds
        self.folder = folder
        self.port, self.isql_port = free_port(), free_port()
        while self.isql_port == self.port:
            self.isql_port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.query = self.base + "/sparql"
        self.store = self.base + "/sparql-graph-crud"
        self.auth_query = self.base + "/sparql-auth"
        self.auth_store = self.base + "/sparql-graph-crud-auth"
        self.dba_password = "dba"
        self.writer_password = "w-" + secrets.token_hex(8)
        self.reader_password = "r-" + secrets.token_hex(8)
        self.proc = None
        self.log = None

    def start(self) -> Virtuoso:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "vsp").mkdir(exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(INI.format(db=self.folder, host=HOST, isql=self.isql_port,
                                  http=self.port, buffers=self.buffers,
                                  dirty=self.buffers * 3 // 4, seconds=self.seconds))
        self.log = open(self.folder / "stdout.log", "wb")
        self.proc = subprocess.Popen([self.binary, "+foreground", "+configfile", str(ini)],
                                     cwd=self.folder, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: "
                                   f"{self._log_tail()}")
            try:
                self.ask("ASK { }")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("Virtuoso did not answer on /sparql within 120 s: "
                                       f"{self._log_tail()}") from None
                time.sleep(0.2)
        new_dba = "dba-" + secrets.token_hex(8)
        self.sql(f"GRANT SPARQL_UPDATE TO \"SPARQL\";"
                 f"DB.DBA.USER_CREATE('{WRITER}', '{self.writer_password}');"
                 f"GRANT SPARQL_UPDATE TO \"{WRITER}\";"
                 f"DB.DBA.USER_CREATE('{READER}', '{self.reader_password}');"
                 f"GRANT SPARQL_SELECT TO \"{READER}\";"
                 f"DB.DBA.USER_CHANGE_PASSWORD('dba', 'dba', '{new_dba}');")
        self.dba_password = new_dba
        return self

    def _log_tail(self) -> str:
        text = ""
        for name in ("virtuoso.log", "stdout.log"):
            p = self.folder / name
            if p.exists():
                text += p.read_text(errors="replace")[-1500:]
        return text

    def sql(self, statements: str) -> str:
        """Run SQL statements through isql-vt as dba; an error stops the tests."""
        r = subprocess.run([self.isql_binary, f"{HOST}:{self.isql_port}", "dba",
                            self.dba_password, "VERBOSE=OFF", "BANNER=OFF",
                            f"exec={statements}"], capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or "*** Error" in r.stdout + r.stderr:
            raise RuntimeError(f"isql-vt failed ({r.returncode}): {r.stdout[-1000:]} "
                               f"{r.stderr[-1000:]}")
        return r.stdout

    def ask(self, text: str) -> bytes:
        data = urllib.parse.urlencode({"query": text}).encode()
        req = urllib.request.Request(self.query, data=data, method="POST", headers={
            "Accept": "application/sparql-results+json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=10) as r:
            return r.read()

    def version(self) -> str:
        r = subprocess.run([self.binary, "-?"], capture_output=True, text=True, timeout=30)
        return next((line for line in (r.stdout + r.stderr).splitlines()
                     if line.startswith("Version")), "")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log is not None:
            self.log.close()
            self.log = None
