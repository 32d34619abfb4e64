"""`kg dossier`: the essay kit renders with pandoc as it is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import require_pandoc  # noqa: E402

from kg.write import cite as kc
from kg.write import dossier as kd

ROOT = Path(__file__).resolve().parent.parent

require_pandoc()


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
                              "style.csl"}
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
    assert "::: {#ref-siniecki2020-metz .csl-entry}" in md


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
    assert "(Siniecki" in html


def test_html_is_standalone(kit):
    html = (kit.folder / "dossier.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>Dossier : Reconnaissance faciale" in html


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
    assert (folder / "style.csl").read_bytes() == Path(kc.style_path("apa")).read_bytes()
    assert kit.files["dossier.md"].read_text(encoding="utf-8").startswith("---")
