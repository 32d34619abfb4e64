"""`kg dossier`: the essay kit renders with pandoc as it is."""
from __future__ import annotations

import json
import os
import re
from html import unescape as html_unescape
from pathlib import Path

import pytest
from conftest import require_pandoc  # noqa: E402

from kg.write import cite as kc
from kg.write import dossier as kd

ROOT = Path(__file__).resolve().parents[2]

require_pandoc()

HOSTILE_LABEL = 'Reco <img src=x onerror="alert(1)">\\"\nheader-includes: <script>alert(2)</script>'


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture
def model_of_hostile_label():
    class Theme:
        def label(self, lang):
            return HOSTILE_LABEL

    return Theme()


@pytest.fixture(scope="module")
def built(shipped_corpus):
    c = shipped_corpus
    from kg.api import open_graph

    return {"store": open_graph(c.out, c.bib, c.onto), "bib": c.bib, "ontology": c.onto}


@pytest.fixture(scope="module")
def kit(built, tmp_path_factory):
    return kd.make("reconnaissance-faciale", tmp_path_factory.mktemp("kit") / "d", **built)


def test_files(kit):
    assert set(kit.files) == {"dossier.md", "dossier.html", "dossier.bib", "dossier.json",
                              "style.csl", "dossier-head.html"}
    assert kit.warnings == []
    assert kit.counts["claims"] > 0 and kit.counts["works"] > 0


def test_markdown_sections_and_warnings(kit):
    md = (kit.folder / "dossier.md").read_text(encoding="utf-8")
    for heading in ("## Définition", "## Penseurs", "## Œuvres", "## Citations",
                    "## Affirmations et chiffres", "## Bibliographie"):
        assert heading in md
    assert "Dispositifs de reconnaissance faciale" in md  # the SKOS definition
    assert "⚠ **Contestée**" in md  # c-metz-stade is contested
    assert "[@{siniecki2020-metz}; @{labecedaire2020-metz}]" in md
    # no frozen bibliography: a place where pandoc writes it
    assert "::: {#refs}\n:::" in md and ".csl-entry" not in md
    assert "suppress-bibliography" not in md


def test_every_citation_resolves(kit):
    md = (kit.folder / "dossier.md").read_text(encoding="utf-8")
    import re

    cited = set(re.findall(r"@\{([^}]+)\}", md))
    ids = {it["id"] for it in json.loads((kit.folder / "dossier.json").read_text("utf-8"))}
    bib = (kit.folder / "dossier.bib").read_text("utf-8")
    assert cited <= ids
    assert all(f"{{{k}," in bib for k in ids)


@pytest.mark.parametrize("extra", [[], ["--bibliography=dossier.bib"]])
def test_pandoc_renders_the_kit(kit, extra):
    args = ["dossier.md", "--citeproc", "-t", "html"]
    if extra:  # the .bib in place of the CSL-JSON gives the same document
        args += ["-M", "bibliography=dossier.bib"]
    html, err = kc.run_pandoc(args, "", cwd=kit.folder)
    assert err == ""
    assert "[@" not in html and "ref-siniecki2020-metz" in html
    assert re.search(r'\(<a\s+href="#ref-siniecki2020-metz"[^>]*>Siniecki,\s+2020</a>\)', html)


def test_html_is_standalone(kit):
    html = (kit.folder / "dossier.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>Dossier : Reconnaissance faciale" in html
    assert 'id="ref-siniecki2020-metz"' in html  # the bibliography pandoc made
    assert 'href="#ref-siniecki2020-metz"' in html  # link-citations works


def test_html_has_the_graph_pages_policy(kit):
    """The same Content-Security-Policy as the graph page: no script at all, only pandoc's
    own style, no request of any kind."""
    from kg.core.csp import policy

    html = (kit.folder / "dossier.html").read_text("utf-8")
    head = (kit.folder / "dossier-head.html").read_text("utf-8")
    assert head.strip() in html
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    assert styles and html_unescape(head.split('content="')[1].split('"')[0]) == \
        policy(styles=styles)
    assert "script-src &#x27;none&#x27;" in head and "connect-src &#x27;none&#x27;" in head


def test_rerun_command_gives_the_same_page(kit, tmp_path):
    """The command the kit names renders it again, identically, with the bundled pandoc."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "copy"
    shutil.copytree(kit.folder, copy)
    (copy / "dossier.html").unlink()
    p = subprocess.run([sys.executable, "-m", "kg.cli", "pandoc", *kd.DOSSIER_COMMAND],
                       cwd=copy, capture_output=True, text=True, env=_env())
    assert p.returncode == 0, p.stderr
    assert (copy / "dossier.html").read_text("utf-8") == \
        (kit.folder / "dossier.html").read_text("utf-8")


def test_another_style_is_one_pandoc_run(kit):
    """--csl changes the citations and the bibliography together (nothing frozen)."""
    chicago = kc.style_path("chicago")
    apa, _ = kc.run_pandoc(["dossier.md", "--citeproc", "-t", "plain", "--wrap=none"], "",
                           cwd=kit.folder)
    chi, err = kc.run_pandoc(["dossier.md", "--citeproc", "-t", "plain", "--wrap=none",
                              f"--csl={chicago}"], "", cwd=kit.folder)
    assert "(Siniecki, 2020)" in apa and "Siniecki, T. (2020, janvier 24)." in apa
    assert "(Siniecki 2020)" in chi and "Siniecki, Thomas. 2020." in chi


def test_open_dates_printed_once(built, tmp_path):
    """'2022 ou après' once, as citeproc-js prints it (pandoc printed it twice in APA)."""
    d = kd.make("technocritique", tmp_path / "t", **built)
    text, _ = kc.run_pandoc(["dossier.md", "--citeproc", "-t", "plain", "--wrap=none"], "",
                            cwd=d.folder)
    assert "(2022 ou après)" in text
    assert "ou après, 2022" not in text and "ou après, 2019" not in text


def test_cli_prints_the_command_and_kg_pandoc_runs_it(shipped_corpus, tmp_path):
    import subprocess
    import sys

    c = shipped_corpus
    p = subprocess.run([sys.executable, "-m", "kg.cli", "dossier", "reconnaissance-faciale",
                        "-o", str(tmp_path / "k"), *c.opts()], capture_output=True, text=True,
                       env=_env())
    assert p.returncode == 0, p.stderr
    line = [x for x in p.stdout.splitlines() if "kg pandoc" in x][0]
    assert f"cd {tmp_path / 'k'} && kg pandoc " + " ".join(kd.DOSSIER_COMMAND) in line
    p = subprocess.run([sys.executable, "-m", "kg.cli", "pandoc", "--version"],
                       capture_output=True, text=True, env=_env())
    assert p.returncode == 0 and p.stdout.startswith("pandoc ")
    p = subprocess.run([sys.executable, "-m", "kg.cli", "pandoc", "no-such-file.md"],
                       capture_output=True, text=True, env=_env())
    assert p.returncode != 0  # pandoc's own exit status comes back


def test_metadata_is_data_not_yaml(model_of_hostile_label):
    """A theme label with a quote, a newline and markup stays one literal title: no
    header-includes, no raw HTML."""
    md = "\n".join(kd._header(kd.TEXT["fr"], model_of_hostile_label, "fr", "fr-FR",
                               "style.csl"))
    html, _ = kc.run_pandoc(["-f", "markdown", "-t", "html5", "--standalone"], md + "\nx\n")
    assert "<script" not in html and "<img" not in html
    assert "header-includes" in html  # as text of the title, escaped
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert "&lt;img src=x onerror=" in title


def test_quotes_in_dossier(built, tmp_path):
    d = kd.make("non-neutralite-technique", tmp_path / "q", style="chicago", **built)
    md = (d.folder / "dossier.md").read_text("utf-8")
    assert d.counts["quotes"] >= 1 and "--- Jacques Ellul" in md
    assert "citation attribuée" in md
    assert d.warnings == []


def test_english_and_errors(built, tmp_path):
    from kg.core.errors import NotFoundError

    d = kd.make("surveillance", tmp_path / "en", locale="en-US", style="mla", **built)
    assert "## Claims and figures" in (d.folder / "dossier.md").read_text("utf-8")
    with pytest.raises(NotFoundError, match="no theme matches 'nothing-like-this'"):
        kd.make("nothing-like-this", tmp_path / "x", **built)


def test_links_in_the_folder_are_replaced_not_followed(built, tmp_path):
    """A link planted as style.csl (or any file of the kit) is replaced; its target is kept."""
    folder, victim = tmp_path / "d", tmp_path / "victim.txt"
    folder.mkdir()
    victim.write_text("keep me", encoding="utf-8")
    for name in ("style.csl", "dossier.md"):
        (folder / name).symlink_to(victim)
    kit = kd.make("reconnaissance-faciale", folder, **built)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (folder / "style.csl").is_symlink()
    assert (folder / "style.csl").read_text("utf-8") == kc.localized_style("apa", "fr-FR")
    assert kit.files["dossier.md"].read_text(encoding="utf-8").startswith("---")


# -- a hostile bibliography, opened in a real browser -----------------------------------------

HOSTILE_BIB = r"""
@book{x<script>alert(1)</script>,
  author     = {Mallory, Eve},
  title      = {<script>window.__kgPwned=2</script>Titre <img src=x onerror="window.__kgPwned=3">},
  date       = {2022/},
  publisher  = {<img src="http://127.0.0.1:9/pixel.png">},
  url        = {javascript:window.__kgPwned=4},
  keywords   = {reconnaissance-faciale},
  annotation = {<iframe src="javascript:window.__kgPwned=5"></iframe> [lien](javascript:window.__kgPwned=6) <style>body{background:url(http://127.0.0.1:9/bg.png)}</style>},
  langid     = {french},
}

@quote{q-hostile,
  quote    = {<script>window.__kgPwned=7</script>« Citation » <img src=x onerror=window.__kgPwned=8> ::: {#x}},
  speaker  = {Mallory, Eve},
  source   = {x<script>alert(1)</script>},
  locator  = {p. <b onmouseover="window.__kgPwned=9">12</b>},
  status   = {verbatim},
  keywords = {reconnaissance-faciale},
}

@claim{c-hostile,
  statement = {<svg onload="window.__kgPwned=10"></svg> 70 pour cent},
  figure    = {70},
  unit      = {<script>window.__kgPwned=11</script>},
  source    = {x<script>alert(1)</script>},
  status    = {unsourced},
  note      = {<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/">},
  keywords  = {reconnaissance-faciale},
}
"""
HOSTILE_THEME = ('"Reconnaissance <img src=x onerror=\\"window.__kgPwned=12\\">\\\\\\"\\n'
                 'header-includes: <script>window.__kgPwned=13</script>"@fr')


@pytest.fixture(scope="module")
def hostile_kit(tmp_path_factory):
    from kg.api import build, open_graph

    base = tmp_path_factory.mktemp("hostile-dossier")
    bib, onto = base / "hostile.bib", base / "ontology.ttl"
    bib.write_text(HOSTILE_BIB, encoding="utf-8")
    text = (ROOT / "ontology.ttl").read_text(encoding="utf-8")
    text = text.replace('skos:prefLabel "Reconnaissance faciale"@fr',
                        f"skos:prefLabel {HOSTILE_THEME}")
    assert HOSTILE_THEME in text
    onto.write_text(text, encoding="utf-8")
    build(bib, onto, base / "out")
    store = open_graph(base / "out", bib, onto)
    return kd.make("reconnaissance-faciale", base / "kit", store, bib=bib, ontology=onto)


def test_hostile_kit_markdown_is_inert(hostile_kit):
    md = (hostile_kit.folder / "dossier.md").read_text("utf-8")
    header = md.split("\n---\n", 1)[0]
    assert "\nheader-includes" not in header and header.count("\n") == 6  # "---" and 6 keys, one a line
    html = (hostile_kit.folder / "dossier.html").read_text("utf-8")
    body = html.split("<body>", 1)[1]
    for raw in ("<script", "<img", "<iframe", "<svg", "<style", "<meta", "onerror=\"",
                'href="javascript:'):
        assert raw not in body, raw
    assert hostile_kit.counts["works"] == 1 and hostile_kit.counts["quotes"] == 1


@pytest.mark.slow  # a real browser (Chromium through Playwright)
def test_hostile_kit_in_chromium(hostile_kit):
    """dossier.html opened in headless Chromium: no script runs, no request leaves, no
    dialog opens, nothing is written to the console but nothing at all."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright Python package")
    _need(Path(CHROMIUM).exists(), CHROMIUM)
    page_url = (hostile_kit.folder / "dossier.html").as_uri()
    requests, dialogs, errors = [], [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = b.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda route: route.continue_() if route.request.url == page_url
                       else route.abort())
            page.goto(page_url)
            page.wait_for_timeout(500)
            for sel in ("b", "svg", "img", "a"):  # hover and click whatever could react
                for el in page.query_selector_all(sel)[:20]:
                    el.hover()
            assert page.evaluate("window.__kgPwned") is None
            assert "Reconnaissance <img src=x" in page.title()
            text = page.inner_text("body")
            assert "<script>window.__kgPwned=7</script>" in text  # shown, as text
        finally:
            b.close()
    assert requests == [page_url]
    assert dialogs == [] and errors == []


from conftest import CHROMIUM  # noqa: E402
from conftest import CHROMIUM_ARGS as BROWSER_ARGS  # noqa: E402
from conftest import need as _need  # noqa: E402
