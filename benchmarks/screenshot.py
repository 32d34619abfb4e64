"""Screenshot of the real graph page of the shipped corpus, for the README.

    python benchmarks/screenshot.py [-o docs/graph.png] [--node ellul1988]

Builds the corpus into a temporary folder, writes its graph.html, opens it in headless Chromium
from file:// (network blocked) with a deep link to one node, and saves a PNG.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "docs" / "graph.png"))
    ap.add_argument("--node", default="ellul1988")
    ap.add_argument("--lang", default="fr", choices=["fr", "en"])
    a = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from kg.api import build
    from kg.browse import render

    tmp = Path(tempfile.mkdtemp(prefix="kg-shot-"))
    build(ROOT / "references.bib", ROOT / "ontology.ttl", tmp / "out")
    page_path = render.build_page(tmp / "out", lang=a.lang)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                   else r.abort())
        page.goto(page_path.as_uri() + "#" + a.node)
        page.wait_for_function("document.body.dataset.ready === '1'")
        page.evaluate("kgNetwork.focus(kgNetwork.getSelectedNodes()[0], "
                      "{scale: 0.8, animation: false, offset: {x: -210, y: 0}})")
        page.wait_for_timeout(300)
        Path(a.output).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=a.output)
        browser.close()
    print(a.output)


if __name__ == "__main__":
    main()
