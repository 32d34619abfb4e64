"""The graph page in a real browser: headless Chromium (Debian's), driven by Playwright.

Every page is loaded from file:// with the network blocked; every request is recorded, and the
console must stay free of errors (a CSP violation or a script error is one).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.browse import render

pytestmark = pytest.mark.slow  # a real browser (Chromium through Playwright)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile.bib"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


def _need(ok: bool, what: str) -> None:
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is required in CI")
        pytest.skip(f"{what} not available")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright Python package")
    _need(Path(CHROMIUM).exists(), CHROMIUM)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, ontology_path):
    from kg.api import build
    from kg.builder.store import open_store

    base = tmp_path_factory.mktemp("browser")
    bib = base / "references.bib"
    shutil.copyfile(ROOT / "references.bib", bib)
    result = build(bib, ontology_path, base / "out")
    page = render.build_page(result.out)
    data = render.graph_data(open_store(result.out), "fr", layout=False)
    return page, data, result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, ontology_path):
    from kg.api import build

    base = tmp_path_factory.mktemp("browser-hostile")
    bib = base / "hostile.bib"
    shutil.copyfile(HOSTILE, bib)
    build(bib, ontology_path, base / "out")
    return render.build_page(base / "out")


def wait_js(page, expression: str, arg=None, timeout: float = 60.0) -> None:
    """Wait until ``expression`` is true in the page, polling from here: Playwright's
    wait_for_function evaluates its predicate in a way the page's CSP (no 'unsafe-eval')
    refuses when it has to poll."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression!r}")
        page.wait_for_timeout(50)


class Opened:
    def __init__(self, browser, path: Path, fragment: str = ""):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.url = path.resolve().as_uri()

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                r.abort()

        self.page.route("**/*", route)
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(self.url + fragment)
        wait_js(self.page, "document.body.dataset.ready === '1'")

    def js(self, code: str, arg=None):
        return self.page.evaluate(code, arg)

    def panel(self) -> str:
        return self.page.locator("#panel").inner_text()

    def close(self) -> None:
        self.context.close()

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if u.split("#")[0] != self.url]


@pytest.fixture
def opened(browser):
    pages: list[Opened] = []

    def open_(path: Path, fragment: str = "") -> Opened:
        o = Opened(browser, path, fragment)
        pages.append(o)
        return o

    yield open_
    for o in pages:
        try:
            assert o.errors == [], f"console errors: {o.errors}"
            assert o.foreign_requests() == [], f"requests: {o.foreign_requests()}"
        finally:
            o.close()


def visible_nodes(o: Opened) -> int:
    return o.js("kgNetwork.body.data.nodes.get({filter: n => !n.hidden}).length")


def test_counts_equal_the_graph(corpus, opened):
    page, data, result = corpus
    o = opened(page)
    n, e = o.js("[kgNetwork.body.data.nodes.length, kgNetwork.body.data.edges.length]")
    assert n == len(data["nodes"]) == sum(result.counts.values())
    assert e == len(data["edges"])
    assert o.page.locator("#count").get_attribute("data-nodes") == str(n)
    assert o.page.locator("#count").get_attribute("data-edges") == str(e)
    assert o.js("document.title") == "Graphe de la bibliographie"
    assert "Penseur" in o.page.locator("#legend").inner_text()


def test_search_finds_ellul_accents_and_case_ignored(corpus, opened):
    o = opened(corpus[0])
    o.page.fill("#search", "ellul")
    items = o.page.locator("#results li").all_inner_texts()
    assert any("Jacques Ellul" in t for t in items)
    assert any("Le bluff technologique" in t for t in items)  # his work, found by its author
    o.page.fill("#search", "CONVIVIALITE")
    assert any("Convivialité" in t for t in o.page.locator("#results li").all_inner_texts())
    o.page.fill("#search", "Jacques Ellul")
    o.page.press("#search", "Enter")
    assert o.js("kgNetwork.getSelectedNodes()") == ["ellul"]
    assert "1912-01-06" in o.panel() and "Jacques Ellul" in o.panel()
    o.page.fill("#search", "zzzzqx")
    assert o.page.locator("#results li").all_inner_texts() == ["Aucun résultat"]


def test_clicking_a_node_opens_its_panel(corpus, opened):
    o = opened(corpus[0])
    assert o.page.locator("#panel").is_hidden()
    o.js("kgNetwork.moveTo({position: kgNetwork.getPosition('ellul1988'), scale: 4})")
    box = o.page.locator("#graph").bounding_box()
    xy = o.js("(() => { const p = kgNetwork.canvasToDOM(kgNetwork.getPosition('ellul1988'));"
              " return [p.x, p.y]; })()")
    o.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    text = o.panel()
    assert o.page.locator("#panel").get_attribute("data-node") == "ellul1988"
    assert "Le bluff technologique" in text
    assert "Jacques Ellul (1988). Le bluff technologique. Paris : Hachette." in text
    assert "Dernier volet de la trilogie" in text
    assert "Non-neutralité de la technique" in text
    # a neighbour link moves to that node
    o.page.locator("#panel a", has_text="Jacques Ellul").first.click()
    wait_js(o.page, "document.getElementById('panel').dataset.node === 'ellul'")
    assert "Historien du droit" in o.panel()


def test_type_filter_hides_claims(corpus, opened):
    page, data, _ = corpus
    o = opened(page)
    claims = sum(n["type"] == "claim" for n in data["nodes"])
    o.page.locator('#typefilter input[data-type="claim"]').uncheck()
    assert visible_nodes(o) == len(data["nodes"]) - claims
    hidden = o.js("kgNetwork.body.data.nodes.get({filter: n => n.hidden}).map(n => n.id)")
    assert set(hidden) == {n["id"] for n in data["nodes"] if n["type"] == "claim"}
    o.page.click("#reset")
    assert visible_nodes(o) == len(data["nodes"])


def test_theme_filter_and_neighbourhood(corpus, opened):
    page, data, _ = corpus
    o = opened(page)
    o.page.select_option("#theme", "surveillance")
    shown = set(o.js("kgNetwork.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)"))
    assert "surveillance" in shown and len(shown) < len(data["nodes"])
    tagged = {n["id"] for n in data["nodes"] if "surveillance" in n["themes"]}
    assert tagged <= shown
    o.page.click("#reset")
    o.page.fill("#search", "Jacques Ellul")
    o.page.press("#search", "Enter")
    o.page.click("#focus")
    ball = {e["to"] for e in data["edges"] if e["from"] == "ellul"} | {
        e["from"] for e in data["edges"] if e["to"] == "ellul"} | {"ellul"}
    assert set(o.js("kgNetwork.body.data.nodes.get({filter: n => !n.hidden})"
                    ".map(n => n.id)")) == ball


def test_fragment_focuses_its_node(corpus, opened):
    o = opened(corpus[0], "#ellul1988")
    assert o.js("kgNetwork.getSelectedNodes()") == ["ellul1988"]
    assert o.page.locator("#panel").get_attribute("data-node") == "ellul1988"
    o.js("location.hash = '#illich1973'")
    wait_js(o.page, "document.getElementById('panel').dataset.node === 'illich1973'")
    assert "La Convivialité" in o.panel()


def test_hostile_bibliography_runs_nothing_and_fetches_nothing(hostile, opened):
    o = opened(hostile)
    ids = o.js("kgNetwork.body.data.nodes.getIds()")
    assert len(ids) > 5
    panels = []
    for nid in ids:  # open every panel: every field gets rendered
        o.js("id => { location.hash = '#' + encodeURIComponent(id); }", nid)
        wait_js(o.page, "id => document.getElementById('panel').dataset.node === id", nid)
        panels.append(o.panel())
        o.page.hover("#panel-title")
    o.page.fill("#search", "script")
    assert o.page.locator("#results li").count() > 0
    o.page.mouse.move(640, 400)
    assert o.js("typeof window.__kgPwned") == "undefined"
    assert o.js("document.querySelectorAll('iframe, img, object, embed, svg, link[href],"
                " meta[http-equiv=refresh], style').length") == 2  # our <style>, <link rel=icon>
    assert o.js("Array.from(document.querySelectorAll('link')).map(x => x.href)") == ["data:,"]
    assert o.js("document.scripts.length") == 3
    hrefs = o.js("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs)
    assert not any("evil.example" in h or "javascript" in h.lower() for h in hrefs)
    joined = "\n".join(panels)
    assert "<script>window.__kgPwned = 1</script>" in joined  # shown as text
    assert 'javascript:window.__kgPwned=7' in joined  # a non-http url is text, not a link
    assert o.foreign_requests() == []


def test_physics_option_and_english_page(corpus, browser, opened, tmp_path):
    from kg.builder.store import open_store

    result = corpus[2]
    data = render.graph_data(open_store(result.out), "en", thinker="Ellul")
    p = render.write_html(tmp_path / "en.html", data, "en", physics=True)
    o = opened(p)
    assert o.js("document.documentElement.lang") == "en"
    assert o.page.locator("#physics").is_checked()
    assert "Thinker" in o.page.locator("#legend").inner_text()
    assert o.js("kgNetwork.body.data.nodes.length") == len(data["nodes"])
