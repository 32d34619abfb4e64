"""Wall time of each query command, as a ratio to a floor measured in the same run.

    python benchmarks/bench_query.py                 # shipped corpus, 1k, 10k, 50k entries
    python benchmarks/bench_query.py --sizes 1000 --repeat 3
    python benchmarks/bench_query.py --keywords free    # free keywords, none in the thesaurus:
                                                        # {theme} is the most frequent one
    python benchmarks/bench_query.py --real tests/data/real/zotero-better-bibtex/big-whopping-library.bib

The floor is `python -c "import rdflib"` in a fresh process, timed again beside every command
(the same number of runs, just after it): each ratio is to the floor of its own moment, so a
machine whose speed drifts during the run (a shared VM) does not bend the ratios; the
floor's range over the run is printed.  Goal: every command within 1.5x the floor at 50,000
entries, within 1.2x on the shipped corpus.  Libraries come from
benchmarks/generate.py; each is built once (not timed), then every command runs once to warm
the OS cache, then is timed.  `kg build` writes the read model (read.sqlite,
kg/core/readmodel.py) the commands answer from with SQL; `work` also opens the store.  The
named queries are SPARQL on the store, the parameterless ones cached by the build, but those
whose answer grows with the library (kg.read.local.NAMED: the works and themes of a thinker,
the works and people of a theme; asked here of the library's largest theme and most frequent
author), which the read model answers; a person's SPARQL runs in a process of its own that
opens the store (kg.read.query.ask), stopped at its timeout or on Ctrl-C.

With ``--real PATH`` the libraries are a real export: as it is (size 0) and replicated to about
each size (bench_build.replicate: keys renamed KEY_r1, KEY_r2...); the commands ask for the
file's own most frequent keywords, author and title word instead of the shipped themes.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
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
    ["theme", "{theme}"],
    ["theme", "{theme2}"],
    ["thinker", "{thinker}"],
    ["work", "{work}"],
    ["quotes", "--theme", "{theme}"],
    ["claims", "--status", "contested"],
    ["search", "{search}"],
    ["query", "works-per-theme"],
    ["query", "thinkers-by-century"],
    ["query", "thinker-works", "--param", "thinker={thinker}"],
    ["query", "thinker-themes", "--param", "thinker={thinker}"],
    ["query", "theme-works", "--param", "theme={theme}"],
    ["query", "theme-thinkers", "--param", "theme={theme}"],
    ["query", "claims"],
    ["query", "quotes"],
    ["query", "claims", "--param", "theme={theme}"],
    ["query", "quotes", "--param", "theme={theme}"],
    ["query", "thinker-names"],
]
#: what the commands ask of the shipped corpus and the generated libraries
SHIPPED = {"theme": "surveillance", "theme2": "democratie", "thinker": "ellul",
           "search": "surveillance numerique"}


def real_terms(text: str) -> dict[str, str]:
    """What the commands ask of a real export: its two most frequent keywords, its most
    frequent author's family name, its most frequent title word (6 letters or more), its first
    entry's key."""
    from collections import Counter

    from bench_build import top_keyword

    def field(name: str) -> list[str]:
        return re.findall(rf"(?im)^\s*{name}\s*=\s*\{{(.*)\}},?\s*$", text)

    keywords = Counter(k.strip() for v in field("keywords") for k in v.split(",") if k.strip())
    top = top_keyword(text)
    second = next((k for k, _ in keywords.most_common() if k != top), top)
    authors = Counter(a.split(",")[0].strip("{} ") for v in field("author")
                      for a in re.split(r"\s+and\s+", v) if "," in a)
    words = Counter(w.lower() for v in field("title") for w in re.findall(r"\w{6,}", v))
    key = re.search(r"(?m)^@\w+\{([^,\s]+),", text)
    return {"theme": top, "theme2": second, "thinker": authors.most_common(1)[0][0],
            "search": words.most_common(1)[0][0], "work": key.group(1) if key else "w1"}


def top_author(text: str) -> str:
    """The most frequent author of a generated library, as a person types the name ("Jacques
    Ellul"): the family name alone is shared by several people there (Jacques and Ivan Ellul),
    which `kg thinker` answers with the list of them."""
    from collections import Counter

    found = Counter(a.strip() for v in re.findall(r"(?m)^\s*author = \{(.*)\},?$", text)
                    for a in v.split(" and ") if "{" not in a and "," in a)
    family, given = found.most_common(1)[0][0].split(", ", 1)
    return f"{given} {family}"


CPU: dict[tuple, float] = {}  # median CPU seconds (user + system) of each command run by wall()


def wall(cmd: list[str], env: dict, repeat: int) -> float:
    """Median wall seconds of ``cmd``; its median CPU seconds go to CPU[tuple(cmd)] (the steadier
    figure on a loaded machine)."""
    times, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       check=True)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    CPU[tuple(cmd)] = statistics.median(cpus)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", default=None, help="keep the generated libraries here")
    ap.add_argument("--keywords", choices=("themes", "free"), default="themes",
                    help="generate.py's keywords: themes of the thesaurus, or free ones")
    ap.add_argument("--real", type=Path, metavar="PATH",
                    help="a real .bib export (as it is: size 0; else replicated to each size) "
                         "instead of the generator; --sizes defaults to 0,10000,50000")
    a = ap.parse_args()
    from bench_build import replicate, top_keyword
    from generate import generate, themes

    real = a.real.read_text(encoding="utf-8") if a.real else None
    if real:
        terms = real_terms(real)
        sizes = a.sizes if "--sizes" in sys.argv else "0,10000,50000"
        print(f"real export: {a.real} (replicated with renamed keys); asked: {terms}")
    else:
        sizes = a.sizes
        print(f"generator: benchmarks/generate.py --keywords {a.keywords}")

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # as installed: kg's modules compiled once (the warm-up run writes __pycache__), not
    # compiled again by every command as PYTHONDONTWRITEBYTECODE would have it
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    py = sys.executable
    work = Path(a.workdir or tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    onto = ROOT / "ontology.ttl"
    libs = [("corpus", ROOT / "references.bib", {**SHIPPED, "work": "ellul1988"})]
    for n in [int(x) for x in sizes.split(",") if x]:
        if real:
            text, count = replicate(real, n)
            bib = work / f"real{n}.bib"
            bib.write_text(text, encoding="utf-8", newline="")
            libs.append((f"real{count}", bib, terms))
            continue
        bib = work / f"lib{n}-{a.keywords}.bib"
        if not bib.exists():
            bib.write_text(generate(n, 1, themes(onto), a.keywords), encoding="utf-8")
        text = bib.read_text(encoding="utf-8")
        own = {"theme": top_keyword(text)} if a.keywords == "free" else {}
        libs.append((f"{n}", bib, {**SHIPPED, "work": "w1", "thinker": top_author(text),
                                   **own}))
    floor_cmd = [py, "-c", "import rdflib"]
    floor = wall(floor_cmd, env, a.repeat)
    floors = [floor]
    print(f"floor (python -c 'import rdflib'): {floor:.3f} s (CPU {CPU[tuple(floor_cmd)]:.3f} s) "
          "at the start")
    print(f"{'command':40}" + "".join(f"{name:>10}" for name, _, _ in libs))
    # what differs between the libraries is shown by name, its values listed once
    SHOWN = {"thinker": "{thinker}", **({"theme": "{theme}"} if a.keywords == "free" else {})}
    if not real:
        print("{thinker}: " + ", ".join(f"{n} {t['thinker']!r}" for n, _, t in libs))
        print("{theme}: " + ", ".join(f"{n} {t['theme']!r}" for n, _, t in libs))
    results, cpu = {}, {}
    for name, bib, asked in libs:
        out = work / f"out-{name}"
        subprocess.run([py, "-m", "kg.cli", "build", str(bib), "--ontology", str(onto),
                        "-o", str(out), "-q"], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from bench_build import _READY  # the store a large build leaves to a process: made

        subprocess.run([py, "-c", _READY, str(out)], env=env, check=False)
        for c in COMMANDS:
            args = [x.format(**asked) for x in c]
            cmd = [py, "-m", "kg.cli", *args, "--out", str(out), "--bib", str(bib),
                   "--ontology", str(onto)]
            wall(cmd, env, 1)  # warm: OS cache, search index
            took = wall(cmd, env, a.repeat)
            floors.append(wall(floor_cmd, env, a.repeat))  # the floor of this moment
            results[(" ".join(c), name)] = took / floors[-1]
            cpu[(" ".join(c), name)] = CPU[tuple(cmd)] / CPU[tuple(floor_cmd)]
    print(f"the floor beside the commands: {min(floors):.3f}-{max(floors):.3f} s "
          f"(median {statistics.median(floors):.3f} s)")
    for c in COMMANDS:
        label = " ".join(c)
        print(f"{(label if real else label.format(**{**SHIPPED, **SHOWN}, work='{work}')):40}"
              + "".join(f"{results[(label, n)]:>9.2f}x" for n, _, _ in libs))
    print("CPU time (user + system) as a ratio to the floor's:")
    for c in COMMANDS:
        label = " ".join(c)
        print(f"{(label if real else label.format(**{**SHIPPED, **SHOWN}, work='{work}')):40}"
              + "".join(f"{cpu[(label, n)]:>9.2f}x" for n, _, _ in libs))
    worst = {n: max(results[(" ".join(c), n)] for c in COMMANDS) for n, _, _ in libs}
    print("worst ratio per library: " + ", ".join(f"{n} {w:.2f}x" for n, w in worst.items()))
    worst = {n: max(cpu[(" ".join(c), n)] for c in COMMANDS) for n, _, _ in libs}
    print("worst CPU-time ratio per library: "
          + ", ".join(f"{n} {w:.2f}x" for n, w in worst.items()))


if __name__ == "__main__":
    main()
