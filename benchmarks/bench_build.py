"""Build speed: `kg build` against bibtexparser's own parse of the same file (the floor).

    python benchmarks/bench_build.py [1000 10000 50000] [--repeat 3] [--keywords free]
    python benchmarks/bench_build.py --real tests/data/real/zotero-better-bibtex/big-whopping-library.bib [0 10000 50000]

For each size: a synthetic library (benchmarks/generate.py), then, each in a fresh process,
the floor `bibtexparser.parse_file(path)` (default middleware stack) and `kg build`, one after
the other (``--repeat`` times each, in turn: a machine that slows down or speeds up during the
run weighs on both alike); prints the
median wall times, their ratio, peak memory, the 50k/10k cost ratio, and the incremental
rebuild after one entry is edited, as a ratio to the full build, and the first query after
it (``kg theme surveillance``, from the read model the incremental build updated); the last
columns are ratios of CPU times, steadier than wall times on a loaded machine: the build's to
the floor's, and the edited build's to the full build's.
Every process runs with Python's bytecode cache on (PYTHONDONTWRITEBYTECODE is dropped), as an
installed kg runs: kg's modules are compiled once, before the first measure.

With ``--real PATH`` the library is a real export instead: the file as it is (size 0), and the
file replicated to about each size (``replicate``: every entry copied with its key renamed
KEY_r1, KEY_r2..., and crossref/xref/xdata/related targets renamed the same way), which keeps
its real field forms and keywords; the query after the edit is ``kg theme`` on the file's most
frequent keyword.

The column ``store`` is the store's share alone: a fresh process that bulk-loads the built
graph (its N-Triples, dumped from the built store beforehand, in batches of
kg.builder.loading.LOAD_BATCH as the build's loader loads them) into an empty Oxigraph store,
as a ratio of wall times to the floor: what a build that loads its store (``kg build --store
build``, and every library up to 3,000 entries) cannot avoid, and what the process a large
library's build leaves running costs.

The column ``+store`` is the wall time until the SPARQL store is ready, over the floor: a large
library's `kg build` (above 3,000 entries: no page) returns once the graph, its files and the
read model are published, and leaves its store to a process of its own
(kg.builder.triplestore), which the benchmark waits for (``_READY``) before it measures
anything else; for a smaller library it equals the build's ratio.

``--stages`` builds each library once more and prints where its CPU time goes: the build's
process (its named stages included), the parsing workers, the store's loader and the forked
children (read model, SHACL).
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

_HEAD = re.compile(r"(?m)^[ \t]*@[ \t]*(\w+)[ \t]*[{(]")
_KEY = re.compile(r"[ \t]*([^,\s]+)[ \t]*,")
_LINKS = re.compile(r"(?im)^([ \t]*(?:crossref|xref|xdata|related)[ \t]*=[ \t]*[{\"])([^}\"]*)")
_NOT_ENTRIES = {"comment", "string", "preamble"}


def replicate(text: str, size: int) -> tuple[str, int]:
    """A real .bib text grown to about ``size`` entries (as is when ``size`` <= its own count):
    copies of its entries with keys renamed KEY_r1, KEY_r2... (links to other entries renamed
    alike); @comment, @string and @preamble kept once.  Returns the text and its entry count."""
    heads = list(_HEAD.finditer(text))
    starts = [m.start() for m in heads] + [len(text)]
    blocks = []  # (entry text, offset of the key's end in it, key)
    for i, m in enumerate(heads):
        key = _KEY.match(text, m.end())
        if m.group(1).lower() not in _NOT_ENTRIES and key:
            blocks.append((text[m.start():starts[i + 1]], key.end(1) - m.start(), key.group(1)))
    keys = {k for _, _, k in blocks}
    copies = max(1, round(size / len(keys))) if keys else 1
    parts = [text]
    for r in range(1, copies):
        suffix = f"_r{r}"

        def links(m: re.Match, suffix=suffix) -> str:
            named = re.split(r"(\s*,\s*)", m.group(2))
            return m.group(1) + "".join(k + suffix if k.strip() in keys else k for k in named)

        for block, key_end, _ in blocks:
            parts.append(block[:key_end] + suffix + _LINKS.sub(links, block[key_end:]))
    return "".join(parts), len(keys) * copies


def top_keyword(text: str) -> str:
    """The most frequent keyword of a .bib text (for the query after the edit)."""
    from collections import Counter

    found = Counter(k.strip() for v in re.findall(r"(?im)^\s*keywords\s*=\s*\{([^}]*)\}", text)
                    for k in v.split(",") if k.strip())
    return found.most_common(1)[0][0] if found else "surveillance"


def run(cmd: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system, with the processes it
    started) of a command in a fresh process.  On a loaded machine the CPU time is the steadier
    figure.  What earlier runs wrote is first flushed to the disk (os.sync): an edit timed just
    after a full build and its store (800 MB written at 50,000 entries) otherwise waits on
    their write-back, 1.5 s one time and 2.1 s the next for the same edit."""
    os.sync()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**env, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    return wall, max(usage.ru_maxrss, after.ru_maxrss), cpu


def _stages(py: str, bib: Path, out: Path) -> dict[str, float]:
    import json

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([py, str(Path(__file__).resolve()), "--stages-of", str(bib),
                           str(ROOT / "ontology.ttl"), str(out)], check=True,
                          capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout.splitlines()[-1])


#: a fresh process loading a built graph (its N-Triples, dumped from the built store
#: beforehand) into an empty store as a large build's store is made (kg.builder.loading.load_flat)
_STORE_ONLY = """
import sys
from pathlib import Path
from kg.builder.loading import load_flat
load_flat(Path(sys.argv[1]), sys.argv[2])
"""
_DUMP = """
import sys, pyoxigraph as ox
from kg.builder.triplestore import open_store
open_store(sys.argv[1]).dump(sys.argv[2], ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
"""


#: waits until the store of the live generation is made (by the process the build started,
#: or by this one if that one has not started yet): kg.builder.triplestore
_READY = """
import sys
from kg.builder import store as st, triplestore
with st.hold(sys.argv[1]) as held:
    triplestore.ensure(held.folder)
"""


def stages_of(bib: str, ontology: str, out: str) -> dict[str, float]:
    """CPU seconds of one ``kg build`` (run in this process) by where they are spent: the
    build's own process (``main``, and within it the stages named ``main: ...``), and the
    processes it starts, counted when each ends: the parsing workers, the store's loader, the
    forked children (read model, SHACL)."""
    import functools
    import time as t_

    from kg.builder import pipeline
    from kg.core import forked, themes
    from kg.read import query

    cpu: dict[str, float] = {}

    def own(owner, name: str, label: str) -> None:
        f = getattr(owner, name)

        @functools.wraps(f)
        def timed(*args, **kw):
            c = t_.process_time()
            try:
                return f(*args, **kw)
            finally:
                cpu[label] = cpu.get(label, 0.0) + t_.process_time() - c
        setattr(owner, name, timed)

    def children(owner, name: str, label: str) -> None:
        f = getattr(owner, name)

        def ended() -> float:
            t = os.times()
            return t.children_user + t.children_system

        @functools.wraps(f)
        def timed(*args, **kw):
            c = ended()
            try:
                return f(*args, **kw)
            finally:
                cpu[label] = cpu.get(label, 0.0) + ended() - c
        setattr(owner, name, timed)

    own(themes.Thesaurus, "adopt", "main: own themes")
    own(pipeline, "_plan", "main: plan")
    own(pipeline, "write_index", "main: index")
    own(pipeline, "stage_page", "main: page")
    own(query, "aggregate_results", "main: aggregates")
    children(pipeline._Workers, "stop", "workers")
    children(pipeline._Loader, "finish", "loader")  # where the loader is reaped
    children(forked.Forked, "wait", "forked")
    from kg.api import build

    start = t_.process_time()
    build(bib, ontology, out)
    return {"main": t_.process_time() - start, **cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=None,
                    help="entries (default 1000 10000 50000; with --real: 0 10000 50000, "
                         "0 being the file as it is)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keywords", choices=KEYWORDS, default="themes",
                    help="generate.py's keywords: themes of the thesaurus, or free ones")
    ap.add_argument("--real", type=Path, metavar="PATH",
                    help="a real .bib export, replicated to each size, instead of the generator")
    ap.add_argument("--stages", action="store_true",
                    help="one more build per size: its CPU seconds by process and stage")
    ap.add_argument("--stages-of", nargs=3, metavar=("BIB", "ONTOLOGY", "OUT"),
                    help=argparse.SUPPRESS)  # what --stages runs in a fresh process
    a = ap.parse_args()
    if a.stages_of:
        import json

        print(json.dumps(stages_of(*a.stages_of)))
        return
    sizes = a.sizes or ([0, 10000, 50000] if a.real else [1000, 10000, 50000])
    py = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    ids = themes(ROOT / "ontology.ttl")
    full: dict[int, float] = {}
    real = a.real.read_text(encoding="utf-8") if a.real else None
    theme = top_keyword(real) if real else "surveillance"
    stages: list[tuple[int, float, dict]] = []
    if real:
        print(f"real export: {a.real} (replicated with renamed keys); query: kg theme {theme!r}")
    else:
        print(f"generator: benchmarks/generate.py --keywords {a.keywords}")
    print(f"{'entries':>8} {'floor s':>8} {'build s':>8} {'ratio':>6} {'peak MB':>8} "
          f"{'edit s':>7} {'edit/full':>9} {'query s':>8} {'cpu ratio':>9} {'edit cpu':>9} "
          f"{'store':>6} {'+store':>6}")
    # kg's own modules compiled once, as an installed kg has them: with
    # PYTHONDONTWRITEBYTECODE set, each process (the build and its loader) compiled them
    # again, 0.2 s each, which the floor (an installed bibtexparser) never pays
    run([py, "-c", "import kg.cli, kg.api, kg.builder.pipeline, kg.builder.loading, "
         "kg.builder.shacl, kg.browse.render, kg.read.query, kg.builder.incremental"])
    try:
        for size in sizes:
            if real:
                text, n = replicate(real, size)
                bib = tmp / f"real{size}.bib"
                bib.write_text(text, encoding="utf-8", newline="")
            else:
                n = size
                bib = tmp / f"lib{n}.bib"
                bib.write_text(generate(n, 1, ids, a.keywords), encoding="utf-8")
            out = tmp / f"out{n}"
            builds, cpus, readies, floors = [], [], [], []
            peak = 0
            for _ in range(a.repeat):
                # the floor and the build in turn: both see the machine in the same state
                floors.append(run([py, "-c", "import sys, bibtexparser; "
                                   "bibtexparser.parse_file(sys.argv[1])", str(bib)]))
                shutil.rmtree(out, ignore_errors=True)
                wall, rss, cpu = run([py, "-m", "kg.cli", "build", str(bib), "--ontology",
                                      str(ROOT / "ontology.ttl"), "-o", str(out), "-q"])
                # a large library's store is made by a process the build leaves running:
                # waited for here (the next measure runs on a quiet machine)
                readies.append(wall + run([py, "-c", _READY, str(out)])[0])
                builds.append(wall)
                cpus.append(cpu)
                peak = max(peak, rss)
            full[size] = statistics.median(builds)
            floor = statistics.median(f[0] for f in floors)
            floor_cpu = statistics.median(f[2] for f in floors)
            text = bib.read_bytes().decode("utf-8")
            edits, edit_cpus, queries = [], [], []
            for i in range(a.repeat):
                pattern = (r"(@book\{w0,\n  author = \{[^}]*\},\n  title = \{)" if not real
                        else r"(?m)(^\s*title\s*=\s*\{)")  # the first entry's title
                text = re.sub(pattern, rf"\g<1>Edit {i} ", text, count=1)
                bib.write_text(text, encoding="utf-8", newline="")
                wall, _, cpu = run([py, "-m", "kg.cli", "build", str(bib), "--ontology",
                                    str(ROOT / "ontology.ttl"), "-o", str(out), "-q"])
                edits.append(wall)
                edit_cpus.append(cpu)
                # the first query after it
                queries.append(run([py, "-m", "kg.cli", "theme", theme, "--bib",
                                    str(bib), "--ontology", str(ROOT / "ontology.ttl"),
                                    "--out", str(out)])[0])
            edit = statistics.median(edits)
            stores = []
            run([py, "-c", _DUMP, str(out), str(tmp / "graph.nt")])
            for _ in range(a.repeat):
                shutil.rmtree(tmp / "store-only", ignore_errors=True)
                stores.append(run([py, "-c", _STORE_ONLY, str(tmp / "graph.nt"),
                                   str(tmp / "store-only")])[0])
            shutil.rmtree(tmp / "store-only", ignore_errors=True)
            print(f"{n:>8} {floor:>8.2f} {full[size]:>8.2f} {full[size] / floor:>6.2f} "
                  f"{peak / 1024:>8.0f} {edit:>7.2f} {edit / full[size]:>9.2f} "
                  f"{statistics.median(queries):>8.2f} "
                  f"{statistics.median(cpus) / floor_cpu:>9.2f} "
                  f"{statistics.median(edit_cpus) / statistics.median(cpus):>9.2f} "
                  f"{statistics.median(stores) / floor:>6.2f} "
                  f"{statistics.median(readies) / floor:>6.2f}", flush=True)
            if a.stages:
                stages.append((n, floor_cpu, _stages(py, bib, tmp / f"stages{n}")))
                run([py, "-c", _READY, str(tmp / f"stages{n}")])
        for n, floor_cpu, cpu in stages:
            print(f"{n:>8} CPU s (floor {floor_cpu:.2f}): " + ", ".join(
                f"{k} {v:.2f}" for k, v in cpu.items()))
        if 10000 in full and 50000 in full:
            print(f"linearity: build(50k) / build(10k) = {full[50000] / full[10000]:.2f} "
                  "(goal <= 5.5)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
