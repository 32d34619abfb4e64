"""Share (issue 9): remote queries and uploads against a local Oxigraph server, as ratios.

    python benchmarks/bench_remote.py                   # shipped corpus + a 64 MB upload
    python benchmarks/bench_remote.py --upload-mb 200 --repeat 5

1. Every query command, in process, against the server (``--endpoint``) vs the local store:
   the ratio remote / local (same answers, checked).
2. ``kg.share.remote.push`` of a synthetic N-Triples file into a named graph vs ``curl -T`` of the
   same file into another (the floor: the same server work with a C client); and the
   client's peak memory growth during the upload as a fraction of the file size (streamed: ~0).
Everything runs on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

COMMANDS = [["themes"], ["theme", "surveillance"], ["thinker", "ellul"], ["work", "ellul1988"],
            ["quotes", "--theme", "surveillance"], ["claims", "--status", "contested"],
            ["search", "surveillance numerique"], ["query", "works-per-theme"]]

PUSH_CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from kg.share import remote
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
remote.push({file!r}, {store!r}, "https://kg.example/graph/bench")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after)
"""


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--upload-mb", type=int, default=16)
    args = ap.parse_args()

    from click.testing import CliRunner
    from remote_server import Oxigraph

    from kg.api import build
    from kg.cli import main as kg
    from kg.share import remote

    tmp = Path(tempfile.mkdtemp(prefix="bench-remote-"))
    try:
        bib, onto = tmp / "references.bib", tmp / "ontology.ttl"
        shutil.copyfile(ROOT / "references.bib", bib)
        shutil.copyfile(ROOT / "ontology.ttl", onto)
        build(bib, onto, tmp / "out")
        loc = ["--out", str(tmp / "out"), "--bib", str(bib), "--ontology", str(onto)]
        server = Oxigraph(tmp / "db").start()
        try:
            remote.push(tmp / "out" / "graph.ttl", server.store)

            def run(cmd, extra=()):
                r = CliRunner().invoke(kg, [*cmd, "--format", "json", *extra, *loc])
                assert r.exit_code == 0, r.output
                return r.output

            print(f"Query commands on the shipped corpus, median of {args.repeat}, in process:")
            print("| command | local ms | remote ms | remote / local |\n|---|---|---|---|")
            for cmd in COMMANDS:
                run(cmd), run(cmd, ["--endpoint", server.base])  # warm up (answers: tests/)
                a = timed(lambda c=cmd: run(c), args.repeat)
                b = timed(lambda c=cmd: run(c, ["--endpoint", server.base]), args.repeat)
                print(f"| {' '.join(cmd)} | {a * 1000:.0f} | {b * 1000:.0f} | {b / a:.2f}x |")

            big = tmp / "big.nt"
            target = args.upload_mb * 1_000_000
            with open(big, "w") as f:
                i = 0
                while f.tell() < target:
                    f.write(f'<https://kg.example/s{i}> <https://kg.example/p{i % 50}> '
                            f'"a literal of some length, number {i}, to fill the file" .\n')
                    i += 1
            size = big.stat().st_size
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", PUSH_CHILD.format(
                root=str(ROOT), file=str(big), store=server.store)], capture_output=True,
                text=True, check=True).stdout.split()
            push_s = time.perf_counter() - t0
            grew_kb = int(out[1]) - int(out[0])
            n = remote.count(server.query, "https://kg.example/graph/bench")
            assert n == i, (n, i)
            t0 = time.perf_counter()
            subprocess.run(["curl", "-sf", "-o", "/dev/null", "-X", "PUT", "-H",
                            "Content-Type: application/n-triples", "-T", str(big),
                            server.store + "?graph=https%3A%2F%2Fkg.example%2Fgraph%2Fcurl"],
                           check=True)
            load_s = time.perf_counter() - t0
        finally:
            server.stop()
        print(f"\nUpload of {size / 1e6:.0f} MB of N-Triples ({i} triples):")
        print(f"  kg.share.remote.push (process) {push_s:.1f} s vs curl {load_s:.1f} s: "
              f"{push_s / load_s:.2f}x")
        print(f"  client peak memory growth during the upload: {grew_kb / 1024:.1f} MB = "
              f"{grew_kb * 1024 / size:.3f} of the file size")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
