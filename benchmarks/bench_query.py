"""Wall time of each query command, as a ratio to a floor measured in the same run.

    python benchmarks/bench_query.py                 # shipped corpus, 1k, 10k, 50k entries
    python benchmarks/bench_query.py --sizes 1000 --repeat 3
    python benchmarks/bench_query.py --keywords free    # free keywords, none in the thesaurus

The floor is `python -c "import rdflib"` in a fresh process.  Goal: every command within
1.5x the floor at 50,000 entries, within 1.2x on the shipped corpus.  Libraries come from
benchmarks/generate.py; each is built once (not timed), then every command runs once to warm
the OS cache, then is timed.  `kg build` writes the read model (read.sqlite,
kg/core/readmodel.py) the commands answer from with SQL; `work` also opens the store, and the
named queries are SPARQL on the store (the parameterless aggregates cached by the build).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

COMMANDS = [
    ["themes"],
    ["theme", "surveillance"],
    ["theme", "democratie"],
    ["thinker", "ellul"],
    ["work", "{work}"],
    ["quotes", "--theme", "surveillance"],
    ["claims", "--status", "contested"],
    ["search", "surveillance numerique"],
    ["query", "works-per-theme"],
    ["query", "thinkers-by-century"],
]


def wall(cmd: list[str], env: dict, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", default=None, help="keep the generated libraries here")
    ap.add_argument("--keywords", choices=("themes", "free"), default="themes",
                    help="generate.py's keywords: themes of the thesaurus, or free ones")
    a = ap.parse_args()
    from generate import generate, themes

    print(f"generator: benchmarks/generate.py --keywords {a.keywords}")

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    py = sys.executable
    work = Path(a.workdir or tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    onto = ROOT / "ontology.ttl"
    libs = [("corpus", ROOT / "references.bib", "ellul1988")]
    for n in [int(x) for x in a.sizes.split(",") if x]:
        bib = work / f"lib{n}-{a.keywords}.bib"
        if not bib.exists():
            bib.write_text(generate(n, 1, themes(onto), a.keywords), encoding="utf-8")
        libs.append((f"{n}", bib, "w1"))
    floor = wall([py, "-c", "import rdflib"], env, a.repeat)
    print(f"floor (python -c 'import rdflib'): {floor:.3f} s")
    print(f"{'command':40}" + "".join(f"{name:>10}" for name, _, _ in libs))
    results = {}
    for name, bib, key in libs:
        out = work / f"out-{name}"
        subprocess.run([py, "-m", "kg.cli", "build", str(bib), "--ontology", str(onto),
                        "-o", str(out), "-q"], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for c in COMMANDS:
            args = [x.replace("{work}", key) for x in c]
            cmd = [py, "-m", "kg.cli", *args, "--out", str(out), "--bib", str(bib),
                   "--ontology", str(onto)]
            wall(cmd, env, 1)  # warm: OS cache, search index
            results[(" ".join(c), name)] = wall(cmd, env, a.repeat) / floor
    for c in COMMANDS:
        label = " ".join(c)
        print(f"{label:40}" + "".join(f"{results[(label, n)]:>9.2f}x" for n, _, _ in libs))
    worst = {n: max(results[(" ".join(c), n)] for c in COMMANDS) for n, _, _ in libs}
    print("worst ratio per library: " + ", ".join(f"{n} {w:.2f}x" for n, w in worst.items()))


if __name__ == "__main__":
    main()
