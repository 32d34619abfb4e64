"""Build speed: `kg build` against bibtexparser's own parse of the same file (the floor).

    python benchmarks/bench_build.py [1000 10000 50000] [--repeat 3] [--keywords free]

For each size: a synthetic library (benchmarks/generate.py), then, each in a fresh process,
the floor `bibtexparser.parse_file(path)` (default middleware stack) and `kg build`; prints the
median wall times, their ratio, peak memory, the 50k/10k cost ratio, and the incremental
rebuild after one entry is edited, as a ratio to the full build, and the first query after
it (``kg theme surveillance``, from the read model the incremental build updated).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import KEYWORDS, generate, themes  # noqa: E402


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of a command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    return wall, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def median(cmd: list[str], repeat: int) -> tuple[float, int]:
    runs = [run(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keywords", choices=KEYWORDS, default="themes",
                    help="generate.py's keywords: themes of the thesaurus, or free ones")
    a = ap.parse_args()
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    ids = themes(ROOT / "ontology.ttl")
    full: dict[int, float] = {}
    print(f"generator: benchmarks/generate.py --keywords {a.keywords}")
    print(f"{'entries':>8} {'floor s':>8} {'build s':>8} {'ratio':>6} {'peak MB':>8} "
          f"{'edit s':>7} {'edit/full':>9} {'query s':>8}")
    try:
        for n in a.sizes:
            bib = tmp / f"lib{n}.bib"
            bib.write_text(generate(n, 1, ids, a.keywords), encoding="utf-8")
            floor, _ = median([py, "-c", "import sys, bibtexparser; "
                               "bibtexparser.parse_file(sys.argv[1])", str(bib)], a.repeat)
            out = tmp / f"out{n}"
            builds = []
            peak = 0
            for _ in range(a.repeat):
                shutil.rmtree(out, ignore_errors=True)
                wall, rss = run([py, "-m", "kg.cli", "build", str(bib), "--ontology",
                                 str(ROOT / "ontology.ttl"), "-o", str(out), "-q"])
                builds.append(wall)
                peak = max(peak, rss)
            full[n] = statistics.median(builds)
            text = bib.read_text(encoding="utf-8")
            edits, queries = [], []
            for i in range(a.repeat):
                text = re.sub(r"(@book\{w0,\n  author = \{[^}]*\},\n  title = \{)",
                              rf"\g<1>Edit {i} ", text, count=1)
                bib.write_text(text, encoding="utf-8")
                edits.append(run([py, "-m", "kg.cli", "build", str(bib), "--ontology",
                                  str(ROOT / "ontology.ttl"), "-o", str(out), "-q"])[0])
                # the first query after it
                queries.append(run([py, "-m", "kg.cli", "theme", "surveillance", "--bib",
                                    str(bib), "--ontology", str(ROOT / "ontology.ttl"),
                                    "--out", str(out)])[0])
            edit = statistics.median(edits)
            print(f"{n:>8} {floor:>8.2f} {full[n]:>8.2f} {full[n] / floor:>6.2f} "
                  f"{peak / 1024:>8.0f} {edit:>7.2f} {edit / full[n]:>9.2f} "
                  f"{statistics.median(queries):>8.2f}", flush=True)
        if 10000 in full and 50000 in full:
            print(f"linearity: build(50k) / build(10k) = {full[50000] / full[10000]:.2f} "
                  "(goal <= 5.5)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
