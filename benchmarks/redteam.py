"""A red-team run: hostile, broken and interrupted input through every command, counted.

    python benchmarks/redteam.py [--mutations 60] [--kills 12] [--seed 1]

Each run is a `kg` command in a fresh process on a throwaway copy of its input.  What is
counted (the README's reliability section reports these figures):

- inputs tried and commands run;
- tracebacks (a Python traceback on stderr), crashes (killed by a signal) and hangs (past the
  time limit of a run);
- requests made: a listener on a loopback port that every hostile URL, SPARQL ``SERVICE``
  and endpoint of the inputs points at counts the connections it receives (a command that
  is not asked to talk to a server must make none);
- data lost: an input file changed by a command, or an output folder that is neither the old
  nor a whole new generation after a kill;
- secrets shown: an endpoint password or token printed by a command;
- raw control characters: an ESC or other C0/C1 control character of the input in a
  command's table output (terminal escape sequences must be neutralised).

The inputs: every fixture of tests/data/bad and tests/data/hostile.bib; mutations of the
shipped corpus (a brace deleted or added, a cut, bytes that are not UTF-8, control and
escape sequences, a field of 2 MB, an entry repeated, a quote character in a key); hostile
SPARQL (updates in disguise, SERVICE, deep nesting, invalid UTF-8); endpoint URLs with
credentials in every broken form; and kill -9 of `kg build` at random instants.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PASSWORD = "s3cr3t-Pa55w0rd"
TOKEN = "tok-9f8e7d6c5b4a"
LIMIT = 120  # seconds a run may take
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")


class Listener:
    """A TCP listener on loopback that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()


class Tally:
    def __init__(self) -> None:
        self.inputs = 0
        self.runs = 0
        self.tracebacks: list[str] = []
        self.crashes: list[str] = []
        self.hangs: list[str] = []
        self.lost: list[str] = []
        self.secrets: list[str] = []
        self.control: list[str] = []
        self.exits: dict[int, int] = {}

    def report(self, requests: int) -> str:
        rows = [("inputs tried", self.inputs), ("commands run", self.runs),
                ("tracebacks", len(self.tracebacks)), ("crashes (signal)", len(self.crashes)),
                ("hangs", len(self.hangs)), ("requests made", requests),
                ("data lost", len(self.lost)), ("secrets shown", len(self.secrets)),
                ("raw control characters shown", len(self.control))]
        out = [f"{name:32} {n}" for name, n in rows]
        out.append("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.exits.items())))
        for name, items in [("traceback", self.tracebacks), ("crash", self.crashes),
                            ("hang", self.hangs), ("lost", self.lost),
                            ("secret", self.secrets), ("control", self.control)]:
            out += [f"  {name}: {x}" for x in items[:20]]
        return "\n".join(out)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def kg(tally: Tally, label: str, args: list[str], cwd: Path, env: dict | None = None,
       stdin: bytes | None = None) -> subprocess.CompletedProcess | None:
    """Run one kg command and count what went wrong."""
    tally.runs += 1
    e = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "", "NO_COLOR": "1", **(env or {})}
    try:
        p = subprocess.run([sys.executable, "-m", "kg.cli", *args], cwd=cwd, env=e,
                           input=stdin, capture_output=True, timeout=LIMIT)
    except subprocess.TimeoutExpired:
        tally.hangs.append(f"{label}: kg {' '.join(args)[:80]}")
        return None
    tally.exits[p.returncode] = tally.exits.get(p.returncode, 0) + 1
    err = p.stderr.decode("utf-8", "replace")
    out = p.stdout.decode("utf-8", "replace")
    where = f"{label}: kg {' '.join(args)[:80]}"
    if "Traceback (most recent call last)" in err or "Traceback (most recent call last)" in out:
        tally.tracebacks.append(where + " :: " + err.strip().splitlines()[-1][:120])
    if p.returncode < 0:
        tally.crashes.append(f"{where} (signal {-p.returncode})")
    if PASSWORD in err + out or TOKEN in err + out:
        tally.secrets.append(where)
    fmt = args[args.index("--format") + 1] if "--format" in args else "table"
    if fmt in ("table", "csv", "markdown") and CONTROL.search(out):
        tally.control.append(where + f" :: {CONTROL.search(out).group()!r}")
    return p


QUERY_COMMANDS = [["themes"], ["theme", "surveillance"], ["thinker", "ellul"],
                  ["search", "surveillance"], ["quotes"], ["claims"],
                  ["export", "--format", "bibtex"], ["export", "--format", "csl-json"],
                  ["export", "--format", "ris"], ["query", "works-per-theme"]]


def library_runs(tally: Tally, name: str, text: bytes, work: Path, full: bool) -> None:
    """A library through build, check and (``full``) every query command; its file must be
    left as it was."""
    tally.inputs += 1
    d = work / f"lib-{tally.inputs}"
    d.mkdir()
    bib = d / "lib.bib"
    bib.write_bytes(text)
    before = sha(bib)
    kg(tally, name, ["build", str(bib), "-q"], d)
    kg(tally, name, ["check", str(bib), "--no-shacl"], d)
    if full:
        for c in QUERY_COMMANDS:
            kg(tally, name, [*c, "--bib", str(bib)], d)
    if sha(bib) != before:
        tally.lost.append(f"{name}: the .bib was changed")
    shutil.rmtree(d, ignore_errors=True)


def mutations(corpus: bytes, n: int, rnd: random.Random, port: int) -> list[tuple[str, bytes]]:
    """``n`` broken or hostile variants of the corpus."""
    text = corpus
    keys = re.findall(rb"@\w+\{([^,\s]+),", text)

    def at() -> int:
        return rnd.randrange(len(text))

    kinds = [
        ("brace deleted", lambda: (lambda i: text[:i] + text[i + 1:])(text.index(b"}", at()))),
        ("brace added", lambda: (lambda i: text[:i] + b"{" + text[i:])(at())),
        ("cut", lambda: text[:at()]),
        ("bytes not UTF-8", lambda: (lambda i: text[:i] + bytes([0xff, 0xfe, 0xc3]) + text[i:])(at())),
        ("escape sequences", lambda: text.replace(
            b"title = {", b"title = {\x1b]52;c;cHduZWQ=\x07\x1b[31m\x9b2J", 3)),
        ("control characters", lambda: text.replace(b"annotation = {",
                                                    b"annotation = {\x00\x08\x0b\x7f\r", 5)),
        ("field of 2 MB", lambda: text.replace(b"annotation = {",
                                               b"annotation = {" + b"bla " * 500_000, 1)),
        ("entry repeated", lambda: text + text[:text.index(b"\n}\n", len(text) // 2) + 3]),
        ("quote in a key", lambda: text.replace(b"{" + keys[rnd.randrange(len(keys))] + b",",
                                                b'{k"ey,', 1)),
        ("hostile urls", lambda: text.replace(
            b"title = {", f"url = {{http://127.0.0.1:{port}/pixel}}, title = {{".encode(), 5)),
        ("formula cells", lambda: text.replace(b"title = {", b"title = {=HYPERLINK(\"x\")", 5)),
        ("deep nesting", lambda: text.replace(b"title = {", b"title = {" + b"{" * 3000 +
                                              b"x" + b"}" * 3000, 1)),
        ("impossible dates", lambda: re.sub(rb"date = \{\d{4}\}", b"date = {2021-02-29}", text,
                                            count=5)),
        ("crossref cycle", lambda: text + b"\n@book{cyc-a, crossref = {cyc-b}, title = {A}}\n"
                                          b"@book{cyc-b, crossref = {cyc-a}, title = {B}}\n"),
    ]
    out = []
    for i in range(n):
        name, make = kinds[i % len(kinds)]
        out.append((f"mutation {i} ({name})", make()))
    return out


def sparql_runs(tally: Tally, work: Path, bib: Path, port: int) -> None:
    """Hostile SPARQL through kg query (text and -f)."""
    hostile = {
        "update behind a prefix": "PREFIX select: <urn:x:> INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "lower-case update": "insert data { <urn:a> <urn:b> <urn:c> }",
        "service": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "service silent": f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> "
                          "{ ?s ?p ?o } }",
        "nested parentheses": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "nested unions": "SELECT * WHERE { " + "{ ?s ?p ?o } UNION " * 10000 + "{ ?s ?p ?o } }",
        "nested groups": "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000,
        "syntax error": "SELECT * WHERE { ?s ?p }",
        "load": f"LOAD <http://127.0.0.1:{port}/data.ttl>",
    }
    for name, q in hostile.items():
        tally.inputs += 1
        if len(q) < 4000:  # inline, as typed
            kg(tally, f"sparql {name}", ["query", q, "--bib", str(bib)], work)
        else:  # a command line holds at most 128 KiB: from a file
            f = work / "hostile.rq"
            f.write_text(q, encoding="utf-8")
            kg(tally, f"sparql {name}", ["query", "-f", str(f), "--bib", str(bib)], work)
    for name, data in {"query file not UTF-8": b"SELECT * WHERE { ?s ?p \xff\xfe }",
                       "query file empty": b""}.items():
        tally.inputs += 1
        f = work / "q.rq"
        f.write_bytes(data)
        kg(tally, f"sparql {name}", ["query", "-f", str(f), "--bib", str(bib)], work)


def endpoint_runs(tally: Tally, work: Path, bib: Path, port: int) -> None:
    """Endpoint URLs and credentials in every broken form: never shown."""
    urls = [f"http://user:{PASSWORD}@127.0.0.1:99999/query",
            f"ftp://user:{PASSWORD}@127.0.0.1/query",
            f"http://user:{PASSWORD}@/query",
            f"http://user:{PASSWORD}@127.0.0.1:{port}/query",
            f"http://127.0.0.1:{port}/query"]
    envs = [{}, {"KG_ENDPOINT_USER": "u", "KG_ENDPOINT_PASSWORD": PASSWORD},
            {"KG_ENDPOINT_TOKEN": TOKEN + "\r\n"}, {"KG_ENDPOINT_TOKEN": TOKEN + "é€"},
            {"KG_ENDPOINT_USER": "u", "KG_ENDPOINT_PASSWORD": "x"}]
    for url in urls:
        for env in envs:
            tally.inputs += 1
            kg(tally, f"endpoint {url[:30]} {sorted(env)}",
               ["theme", "surveillance", "--endpoint", url], work, env=env)


def kill_runs(tally: Tally, work: Path, corpus: bytes, n: int, rnd: random.Random) -> None:
    """kill -9 of `kg build` at random instants: the next command must succeed and out/
    must hold one whole generation (the manifest's files as it says)."""
    d = work / "kills"
    d.mkdir()
    bib = d / "lib.bib"
    bib.write_bytes(corpus)
    kg(tally, "kill setup", ["build", str(bib), "-q"], d)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i in range(n):
        tally.inputs += 1
        text = re.sub(rb"(\n\s*title\s*=\s*\{)", rb"\g<1>V%d " % i, corpus, count=1)
        bib.write_bytes(text)
        p = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(bib), "-q"], cwd=d,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        time.sleep(rnd.uniform(0.2, 4.0))
        with_children = p.poll() is None
        if with_children:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        tally.runs += 1
        q = kg(tally, f"after kill {i}", ["search", f"V{i}", "--bib", str(bib), "--format", "json"],
               d)
        if q is None or q.returncode != 0 or f"V{i}".lower() not in q.stdout.decode().lower():
            tally.lost.append(f"kill {i}: the next query did not see the edit "
                              f"(exit {None if q is None else q.returncode})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mutations", type=int, default=60)
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="the fixtures alone, no queries")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    trap = Listener()  # what no command may reach: hostile URLs, SERVICE, LOAD
    endpoint = Listener()  # what --endpoint names (connections expected, no answer given)
    tally = Tally()
    work = Path(tempfile.mkdtemp(prefix="kg-redteam-"))
    t0 = time.perf_counter()
    try:
        corpus = (ROOT / "references.bib").read_bytes()
        fixtures = sorted((DATA / "bad").glob("*.bib")) + [DATA / "hostile.bib"]
        for f in fixtures:
            library_runs(tally, f.name, f.read_bytes(), work, full=not a.quick)
        if not a.quick:
            for name, text in mutations(corpus, a.mutations, rnd, trap.port):
                library_runs(tally, name, text, work, full=name.endswith("(escape sequences)")
                             or name.endswith("(formula cells)")
                             or name.endswith("(hostile urls)"))
            base = work / "base"
            base.mkdir()
            bib = base / "references.bib"
            bib.write_bytes(corpus)
            kg(tally, "base", ["build", str(bib), "-q"], base)
            sparql_runs(tally, base, bib, trap.port)
            endpoint_runs(tally, base, bib, endpoint.port)
            kill_runs(tally, work, corpus, a.kills, rnd)
        print(f"red-team run: {time.perf_counter() - t0:.0f} s, seed {a.seed}")
        print(tally.report(trap.hits))
        print(f"(connections to the endpoint named with --endpoint: {endpoint.hits}, asked for)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
