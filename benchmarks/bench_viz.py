"""Benchmark of the graph page: the shipped corpus and a ~5,000-node graph (benchmarks/generate.py),
beside the page pyvis writes for the same graph.

    python benchmarks/bench_viz.py            # the corpus, then ~5,000 nodes (4,650 entries)
    python benchmarks/bench_viz.py --entries 300 --runs 3
    python benchmarks/bench_viz.py --entries 1000 10000 --no-browser --runs 1   # generation only
    PYTHONPATH=/path/to/pyvis python benchmarks/bench_viz.py   # with the pyvis column

Prints, with the floors measured in the same run:
  - page generation (graph_data + layout + write_html), as a ratio of `kg build` on the same .bib;
  - the references `kg viz` adds (kg.browse.render.add_references: the bibliography read again,
    then one pandoc run per style, the four side by side, whatever the page's size), wall and
    CPU time (this process and its pandoc children), as a ratio of `kg build`'s and of the page
    generation's;
  - file size, as a ratio of vis-network's own script;
  - time to first draw in headless Chromium (file://, network blocked), as a ratio of Chromium
    opening an empty page; then a search + focus + panel and a type filter on the drawn page;
  - when pyvis is importable: the page pyvis writes for the same graph (read back from
    `kg export-graph --format graphml` with networkx, `Network().from_nx(G)`), its vis-network
    inlined (`cdn_resources="in_line"`; its default page loads vis-network from a CDN and draws
    nothing offline), timed until its stabilisation is done, 60 s at most. pyvis has no search.
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PYVIS_LIMIT = 60.0


def timed(f):
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def open_page(browser, url: str, ready: str | None, timeout: float = 300.0):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
               else r.abort())
    t = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    if ready:
        deadline = t + timeout
        while not page.evaluate(ready):  # polled from here: the page's CSP forbids eval
            if time.perf_counter() > deadline:
                return None, (ctx, page)
            page.wait_for_timeout(20)
    return time.perf_counter() - t, (ctx, page)


def pyvis_page(store, dest: Path) -> Path | None:
    """The page pyvis writes for the graph (None when pyvis is not installed)."""
    try:
        from pyvis.network import Network
    except ImportError:
        return None
    import networkx as nx

    from kg.analyse.network import export_graph, load_nx

    G = nx.read_graphml(io.BytesIO(export_graph(load_nx(store), "graphml",
                                                with_measures=False)))
    net = Network(cdn_resources="in_line")
    net.from_nx(G)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(net.generate_html(notebook=False), encoding="utf-8")
    return dest


def pyvis_time(page: Path) -> float | None:
    """Seconds until the pyvis page's stabilisation is done, or None past PYVIS_LIMIT. Measured
    in a child process that is killed at the limit: the page's script holds the browser's main
    thread, so nothing can ask it anything meanwhile."""
    import subprocess

    try:
        out = subprocess.run([sys.executable, __file__, "--probe", str(page)], check=True,
                             capture_output=True, text=True, timeout=PYVIS_LIMIT + 20).stdout
    except subprocess.TimeoutExpired:
        return None
    t = float(out.strip().splitlines()[-1])
    return t if t <= PYVIS_LIMIT else None


def probe(page: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        t, (ctx, _) = open_page(
            browser, page.as_uri(), "document.getElementById('text') !== null && "
            "document.getElementById('text').textContent === '100%'", PYVIS_LIMIT + 10)
        print(t if t is not None else PYVIS_LIMIT + 1)
        browser.close()


def cpu() -> float:
    """CPU seconds of this process and of its finished children (pandoc)."""
    import resource

    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def cpu_timed(f):
    c, t = cpu(), time.perf_counter()
    r = f()
    return r, time.perf_counter() - t, cpu() - c


def bench(name: str, bib: Path, tmp: Path, runs: int, search: str, browser) -> dict:
    from kg.api import build
    from kg.browse import render
    from kg.builder.triplestore import open_store
    from kg.write.export import load

    _, t_build, c_build = cpu_timed(lambda: build(bib, ROOT / "ontology.ttl", tmp / "out"))
    store = open_store(tmp / "out")
    gen, refs = [], []
    for _ in range(runs):
        data, t_data = timed(lambda: render.graph_data(store, "fr", layout=False))
        _, t_lay = timed(lambda d=data: render.positions(d))
        _, t_refs, c_refs = cpu_timed(lambda d=data: render.add_references(
            d, load(bib, ROOT / "ontology.ttl")))
        refs.append((t_refs, c_refs))
        _, t_write = timed(lambda d=data: render.write_html(tmp / "graph.html", d, "fr"))
        gen.append(t_data + t_lay + t_write)
    page = tmp / "graph.html"
    works = sum(n["type"] == "work" for n in data["nodes"])
    cited = sum("cite" in n for n in data["nodes"])
    med = statistics.median
    common = {"name": name, "nodes": len(data["nodes"]), "edges": len(data["edges"]),
              "build": t_build, "build_cpu": c_build, "gen": med(gen),
              "refs": med(r[0] for r in refs), "refs_cpu": med(r[1] for r in refs),
              "works": works, "cited": cited, "size": page.stat().st_size,
              "vis": len(render._asset("vis-network.min.js").encode())}
    if browser is None:
        return common
    empty = tmp / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title><body></body>", encoding="utf-8")
    pv = pyvis_page(store, tmp / "pyvis" / "pyvis.html")
    floor, draw, found, filt, pdraw = [], [], [], [], []
    for _ in range(runs):
        t, (ctx, _) = open_page(browser, empty.as_uri(), "document.readyState==='complete'")
        floor.append(t)
        ctx.close()
        t, (ctx, pg) = open_page(browser, page.as_uri(), "!!document.body && document.body.dataset.ready==='1'")
        draw.append(t)
        t0 = time.perf_counter()
        pg.fill("#search", search)
        pg.press("#search", "Enter")
        pg.wait_for_function("document.getElementById('panel').dataset.node !== undefined")
        found.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pg.locator('#typefilter input[data-type="work"]').uncheck()
        pg.evaluate("kgNetwork.redraw()")
        filt.append(time.perf_counter() - t0)
        ctx.close()
        if pv is not None and len(pdraw) < 1:  # one run: it may take the full minute
            pdraw.append(pyvis_time(pv))
    return {**common, "floor": med(floor), "draw": med(draw), "search": med(found),
            "filter": med(filt), "pyvis": pdraw[0] if pdraw else "absent"}


def report(r: dict, runs: int) -> None:
    f = r.get("floor")
    print(f"\n{r['name']}: {r['nodes']} nodes, {r['edges']} edges, median of {runs} runs")
    print(f"kg build (floor):           {r['build']:7.2f} s")
    print(f"page generation:            {r['gen']:7.2f} s   = {r['gen'] / r['build']:5.2f} x "
          "kg build")
    print(f"references ({r['cited']}/{r['works']} works, 4 styles): {r['refs']:7.2f} s   = "
          f"{r['refs'] / r['build']:5.2f} x kg build;  CPU {r['refs_cpu']:7.2f} s = "
          f"{r['refs_cpu'] / r['build_cpu']:5.2f} x kg build's CPU")
    print(f"  = {r['refs'] / r['gen']:5.2f} x page generation;  per style and 1,000 works: "
          f"{r['refs_cpu'] / 4 / max(r['cited'], 1) * 1000:5.2f} s CPU")
    print(f"file size:                  {r['size'] / 1e6:7.2f} MB  = {r['size'] / r['vis']:5.2f} x "
          f"vis-network.min.js ({r['vis'] / 1e3:.0f} kB)")
    if "floor" not in r:
        return
    print(f"chromium, empty page:       {f:7.3f} s")
    print(f"first draw:                 {r['draw']:7.2f} s   = {r['draw'] / f:5.1f} x empty page")
    print(f"search + focus + panel:     {r['search']:7.3f} s   = {r['search'] / f:5.1f} x "
          "empty page")
    print(f"type filter (hide works):   {r['filter']:7.3f} s   = {r['filter'] / f:5.1f} x "
          "empty page")
    p = r["pyvis"]
    if p == "absent":
        print("pyvis page:                 (pyvis not installed)")
    elif p is None:
        print(f"pyvis page, stabilised:     not within {PYVIS_LIMIT:.0f} s "
              f"(> {PYVIS_LIMIT / f:.0f} x empty page)")
    else:
        print(f"pyvis page, stabilised:     {p:7.2f} s   = {p / f:5.1f} x empty page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, nargs="+", default=[4650])
    ap.add_argument("--no-browser", action="store_true",
                    help="page generation and references only (no Chromium, no pyvis)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-corpus", action="store_true", help="only the generated graph")
    ap.add_argument("--probe", help=argparse.SUPPRESS)  # the pyvis page, in a child process
    a = ap.parse_args()
    if a.probe:
        probe(Path(a.probe))
        return

    from generate import generate, themes

    tmp = Path(tempfile.mkdtemp(prefix="bench-viz-"))

    def run(browser) -> None:
        if not a.no_corpus:
            (tmp / "corpus").mkdir()
            shutil.copyfile(ROOT / "references.bib", tmp / "corpus" / "references.bib")
            report(bench("the shipped corpus", tmp / "corpus" / "references.bib",
                         tmp / "corpus", a.runs, "Jacques Ellul", browser), a.runs)
        for n in a.entries:
            (tmp / f"gen{n}").mkdir()
            bib = tmp / f"gen{n}" / "lib.bib"
            bib.write_text(generate(n, 1, themes(ROOT / "ontology.ttl")), encoding="utf-8")
            report(bench(f"generated library ({n} entries)", bib, tmp / f"gen{n}", a.runs,
                         "w17", browser), a.runs)

    try:
        if a.no_browser:
            run(None)
            return
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context()
            ctx.new_page().goto("about:blank")  # warm-up
            ctx.close()
            run(browser)
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
