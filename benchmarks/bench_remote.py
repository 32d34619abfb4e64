"""Share (issues 9 and 19): remote queries and uploads against local Oxigraph and Virtuoso
servers, as ratios.

    python benchmarks/bench_remote.py                        # both engines, 50,000 entries
    python benchmarks/bench_remote.py --engines oxigraph --entries 5000 --repeat 3
    python benchmarks/bench_remote.py --built /tmp/out50k   # push an existing build
    python benchmarks/bench_remote.py --repeat 3 --push-repeat 3   # the README's figures

1. Every query command on the shipped corpus, in process, against the server (``--endpoint``,
   plus ``--graph`` on Virtuoso, which has no writable default graph) vs the local build: the
   ratio remote / local (the answers are the same: tests/cli/test_cli_remote.py checks them).
2. ``kg push`` of a generated library of ``--entries`` entries (benchmarks/generate.py, built
   once, not timed): replace a named graph, merge the same graph into it again, and on
   Oxigraph replace the default graph (the first replace of a graph fills it empty, the next
   runs replace or merge into what the run before left); each the seconds of the ``kg push``
   process (upload, then the count of triples on the server, which must equal the local
   graph's) and its peak resident memory (``wait4``, through a small launcher).  The floor:
   ``curl`` sending the same N-Triples requests (written to files beforehand) into an empty
   graph of the same server, against the first ``kg push``.
The load average is printed with each table: figures measured on a loaded machine are rough.
Everything runs on 127.0.0.1; Virtuoso needs ``apt-get install virtuoso-opensource``.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

COMMANDS = [["themes"], ["theme", "surveillance"], ["thinker", "ellul"], ["work", "ellul1988"],
            ["quotes", "--theme", "surveillance"], ["claims", "--status", "contested"],
            ["search", "surveillance numerique"], ["query", "works-per-theme"]]
GRAPH = "https://kg.example/graph/bench"
VIRTUOSO_BUFFERS = 170_000  # virtuoso.ini's advice for 2 GB of memory (the tests use 10,000)


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def start(engine: str, folder: Path):
    """(server, target): the running server and where the tests' Target says to push."""
    from remote_server import Oxigraph, Target

    folder.mkdir(parents=True, exist_ok=True)
    if engine == "virtuoso":
        from virtuoso_server import Virtuoso

        v = Virtuoso(folder / "virtuoso", buffers=VIRTUOSO_BUFFERS).start()
        print(f"({v.version()}, NumberOfBuffers = {VIRTUOSO_BUFFERS})", flush=True)
        return v, Target("virtuoso", v.query, v.query, v.store, GRAPH)
    s = Oxigraph(folder / "oxigraph").start()
    return s, Target("oxigraph", s.base, s.query, s.store)


# Linux keeps a process's peak memory across fork and exec: a child forked from this process
# (which holds the corpus and the servers' clients) would report this process's peak.  A
# small launcher forks the measured command instead, and reports its peak on the last line.
LAUNCHER = """
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(f"@@ {os.waitstatus_to_exitcode(status)} {time.perf_counter() - t0} {usage.ru_maxrss}")
"""


def run_child(cmd: list[str]) -> tuple[float, float, str]:
    """(seconds, peak resident MB, output) of a child process (started by LAUNCHER)."""
    p = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    out = p.stdout.decode(errors="replace")
    out, _, last = out.rstrip("\n").rpartition("\n@@ ")
    code, seconds, peak_kb = last.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}): {out[-2000:]}")
    return float(seconds), int(peak_kb) / 1024, out


def queries(engine: str, tmp: Path, loc: list[str], repeat: int) -> None:
    from click.testing import CliRunner

    from kg.cli import main as kg
    from kg.share import remote

    server, target = start(engine, tmp / "q")
    try:
        remote.push(tmp / "out" / "graph.ttl", target.store, target.graph)

        def run(cmd, extra=()):
            r = CliRunner().invoke(kg, [*cmd, "--format", "json", *extra, *loc])
            assert r.exit_code == 0, r.output
            return r.output

        print(f"\n{engine}: query commands on the shipped corpus, median of {repeat}, in "
              f"process; {load()}")
        print("| command | local ms | remote ms | remote / local |\n|---|---|---|---|")
        for cmd in COMMANDS:
            assert run(cmd) == run(cmd, target.opts())  # warm up, and the same answer
            a = timed(lambda c=cmd: run(c), repeat)
            b = timed(lambda c=cmd: run(c, target.opts()), repeat)
            print(f"| {' '.join(cmd)} | {a * 1000:.0f} | {b * 1000:.0f} | {b / a:.2f}x |",
                  flush=True)
        print(f"({load()})")
    finally:
        server.stop()


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def pushes(engine: str, tmp: Path, lib: Path, onto: Path, out: Path, timeout: float,
           floor: bool = True, repeat: int = 1) -> None:
    """``kg push`` of the large build: replace a named graph, merge the same graph into it
    again, and (Oxigraph) replace the default graph; each a child process whose peak memory
    is read; the server must then hold exactly the local graph's triples."""
    from kg.builder.store import read_manifest
    from kg.share import remote

    ttl = (out / "graph.ttl").resolve()
    size = ttl.stat().st_size
    triples = read_manifest(out)["triples"]
    server, target = start(engine, tmp / f"push-{engine}")
    print(f"\n{engine}: kg push of {lib.name} ({triples:,} triples, graph.ttl "
          f"{size / 1e6:.0f} MB; {remote.batch_size():,} triples per request, "
          f"{remote.ENV_BATCH}); {load()}", flush=True)
    print("| push | seconds | peak client memory | requests | triples on the server |\n"
          "|---|---|---|---|---|", flush=True)
    base = [sys.executable, "-m", "kg.cli", "push", "--endpoint", target.query, "--timeout",
            str(timeout), "--bib", str(lib), "--ontology", str(onto), "--out", str(out)]
    runs = [("replace, named graph", ["--graph", GRAPH]),
            ("merge of the same graph", ["--graph", GRAPH, "--merge"])]
    if engine == "oxigraph":  # Virtuoso has no writable default graph
        runs.append(("replace, default graph", []))
    try:
        kg_s = None
        for label, extra in runs:
            times, peaks = [], []
            for _ in range(repeat):
                secs, peak, said = run_child(base + extra)
                graph = GRAPH if extra else None
                held = remote.count(target.query, graph, timeout)
                assert held == triples, (held, triples, said)
                times.append(secs)
                peaks.append(peak)
            m = re.search(r"in (\d+) requests", said)
            each = f" (median of {', '.join(f'{t:.1f}' for t in times)})" if repeat > 1 else ""
            print(f"| {label} | {statistics.median(times):.1f}{each} | {max(peaks):.0f} MB | "
                  f"{m.group(1) if m else 1} | {held:,} (local: {triples:,}) |", flush=True)
            kg_s = times[0] if kg_s is None else kg_s  # the first: into an empty graph
        if not floor:
            return
        # the floor: the same N-Triples requests, written beforehand, sent by curl
        parts = tmp / f"parts-{engine}"
        parts.mkdir()
        files = []
        for i, (_, body) in enumerate(remote._batches(ttl, "text/turtle",
                                                      remote.batch_size())):
            files.append(parts / f"{i:04d}.nt")
            files[-1].write_bytes(body)
        floor_graph = "https://kg.example/graph/curl"
        url = f"{target.store}?graph={quote(floor_graph, safe='')}"
        t0 = time.perf_counter()
        for i, f in enumerate(files):
            subprocess.run(["curl", "-sf", "-o", "/dev/null", "-m", str(int(timeout)), "-X",
                            "PUT" if i == 0 else "POST", "-H",
                            "Content-Type: application/n-triples", "--data-binary", f"@{f}",
                            url], check=True)
        curl_s = time.perf_counter() - t0
        assert remote.count(target.query, floor_graph, timeout) == triples
        print(f"floor: curl sending the same {len(files)} requests (written beforehand) into "
              f"an empty graph {curl_s:.1f} s; the first kg push (replace, into an empty graph, "
              f"{kg_s:.1f} s) / curl = {kg_s / curl_s:.2f}x; {load()}", flush=True)
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="oxigraph,virtuoso")
    ap.add_argument("--repeat", type=int, default=5, help="0: no query benchmark")
    ap.add_argument("--no-floor", dest="floor", action="store_false",
                    help="no curl upload of the large graph (it takes as long as kg push)")
    ap.add_argument("--entries", type=int, default=50_000, help="0: no push benchmark")
    ap.add_argument("--push-repeat", type=int, default=1, help="runs of each kg push (median)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--built", metavar="OUT", help="push this build of a large library instead "
                    "of generating and building --entries entries")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    from kg.api import build

    tmp = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    try:
        bib, onto = tmp / "references.bib", tmp / "ontology.ttl"
        shutil.copyfile(ROOT / "references.bib", bib)
        shutil.copyfile(ROOT / "ontology.ttl", onto)
        build(bib, onto, tmp / "out")
        loc = ["--out", str(tmp / "out"), "--bib", str(bib), "--ontology", str(onto)]
        for engine in engines if args.repeat else ():
            queries(engine, tmp, loc, args.repeat)
        if args.built:  # an existing build of a large library (its manifest names the .bib)
            from kg.builder.store import read_manifest

            big = Path(args.built)
            man = read_manifest(big)
            for engine in engines:
                pushes(engine, tmp, Path(man["bib"]["path"]), Path(man["ontology"]["path"]),
                       big, args.timeout, args.floor, args.push_repeat)
        elif args.entries:
            lib = tmp / f"lib{args.entries // 1000}k.bib"
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"),
                            str(args.entries), "-o", str(lib)], check=True)
            t0 = time.perf_counter()
            build(lib, onto, tmp / "out-big")
            print(f"\n(built {lib.name} in {time.perf_counter() - t0:.0f} s, not measured here)")
            for engine in engines:
                pushes(engine, tmp, lib, onto, tmp / "out-big", args.timeout, args.floor,
                       args.push_repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
