"""Benchmark of the graph page at scale: a ~5,000-node graph from benchmarks/generate.py.

    python benchmarks/bench_viz.py            # ~5,000 nodes (4,650 entries)
    python benchmarks/bench_viz.py --entries 300 --runs 3

Prints, with the floors measured in the same run:
  - page generation (graph_data + layout + write_html), as a ratio of `kg build` on the same .bib;
  - the layout alone;
  - file size, as a ratio of vis-network's own script;
  - time to first draw in headless Chromium (file://, network blocked), as a ratio of Chromium
    opening an empty page; then a search + focus and a type filter on the drawn page.
"""
from __future__ import annotations

import argparse
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


def timed(f):
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def open_page(browser, url: str, ready: str | None) -> tuple[float, object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
               else r.abort())
    t = time.perf_counter()
    page.goto(url)
    if ready:
        page.wait_for_function(ready, timeout=300_000)
    return time.perf_counter() - t, (ctx, page)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=4650)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()

    from generate import generate, themes
    from playwright.sync_api import sync_playwright

    from kg.api import build
    from kg.browse import render
    from kg.builder.store import open_store

    tmp = Path(tempfile.mkdtemp(prefix="bench-viz-"))
    bib = tmp / "lib.bib"
    bib.write_text(generate(a.entries, 1, themes(ROOT / "ontology.ttl")), encoding="utf-8")
    _, t_build = timed(lambda: build(bib, ROOT / "ontology.ttl", tmp / "out"))
    store = open_store(tmp / "out")

    gen, lay = [], []
    for _ in range(a.runs):
        data, t_data = timed(lambda: render.graph_data(store, "fr", layout=False))
        _, t_lay = timed(lambda d=data: render.positions(d))
        _, t_write = timed(lambda d=data: render.write_html(tmp / "graph.html", d, "fr"))
        gen.append(t_data + t_lay + t_write)
        lay.append(t_lay)
    page = tmp / "graph.html"
    empty = tmp / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title><body></body>", encoding="utf-8")
    size = page.stat().st_size
    vis_size = len(render._asset("vis-network.min.js").encode())

    floor, draw, search, filt = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        open_page(browser, empty.as_uri(), None)[1][0].close()  # warm-up
        for _ in range(a.runs):
            t, (ctx, _) = open_page(browser, empty.as_uri(), "document.readyState==='complete'")
            floor.append(t)
            ctx.close()
            t, (ctx, pg) = open_page(browser, page.as_uri(), "document.body.dataset.ready==='1'")
            draw.append(t)
            t0 = time.perf_counter()
            pg.fill("#search", "w17")
            pg.press("#search", "Enter")
            pg.wait_for_function("document.getElementById('panel').dataset.node === 'w17'")
            search.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pg.locator('#typefilter input[data-type="claim"]').uncheck()
            pg.evaluate("kgNetwork.redraw()")
            filt.append(time.perf_counter() - t0)
            ctx.close()
        browser.close()

    med = statistics.median
    n, e = len(data["nodes"]), len(data["edges"])
    print(f"graph: {n} nodes, {e} edges ({a.entries} entries), median of {a.runs} runs")
    print(f"kg build (floor):           {med([t_build]):7.2f} s")
    print(f"page generation:            {med(gen):7.2f} s   = {med(gen) / t_build:5.2f} x kg build")
    print(f"  of which layout (igraph): {med(lay):7.2f} s   = {med(lay) / t_build:5.2f} x kg build")
    print(f"file size:                  {size / 1e6:7.2f} MB  = {size / vis_size:5.2f} x "
          f"vis-network.min.js ({vis_size / 1e3:.0f} kB)")
    print(f"chromium, empty page:       {med(floor):7.3f} s")
    print(f"first draw:                 {med(draw):7.2f} s   = {med(draw) / med(floor):5.1f} x "
          "empty page")
    print(f"search + focus + panel:     {med(search):7.3f} s   = "
          f"{med(search) / med(floor):5.1f} x empty page")
    print(f"type filter (hide claims):  {med(filt):7.3f} s   = "
          f"{med(filt) / med(floor):5.1f} x empty page")


if __name__ == "__main__":
    main()
