"""`kg dossier THEME`: an essay kit in one folder.

``dossier.md`` (definition, thinkers, works and annotations, quotes, claims with figures and
warnings, and a place for the bibliography), ``dossier.json`` (CSL-JSON) and ``dossier.bib``
(the entries as written), ``style.csl`` (the style with its current CSL locale),
``dossier-head.html`` (the Content-Security-Policy of the page) and ``dossier.html``, which
pandoc made from the rest.  Nothing is frozen: the bibliography and every citation are pandoc's
(``kg pandoc``: the pandoc kg ships), so a change of style (``--csl``), of entries or of
``link-citations`` is one pandoc run, the one ``DOSSIER_COMMAND`` says.

Every text of the .bib and of the thesaurus reaches pandoc as data: Markdown-escaped in the
body, serialized (JSON, which is YAML) in the metadata block, as CSL-JSON for the entries; and
the page forbids every script, request and form, as the graph page does.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.csp import meta, policy
from kg.core.errors import InputError
from kg.core.vocab import AUTHOR, DOUBTFUL, SPEAKER
from kg.write.cite import (
    check_locale,
    effective_locale,
    localized_style,
    md_citation,
    md_escape,
    md_key,
    pandoc_items,
    quote_bank,
    quotes_of,
    style_path,
)

#: how kg renders the kit, and how to render it again from inside the folder
DOSSIER_COMMAND = ("dossier.md", "--citeproc", "--standalone", "--to=html5", "--wrap=none",
                   "--include-in-header=dossier-head.html", "--output=dossier.html")

TEXT = {
    "fr": {"title": "Dossier : {}", "definition": "Définition", "no-definition":
           "Le thésaurus ne donne pas de définition de ce thème.", "broader": "Thème plus large",
           "narrower": "Thèmes plus précis", "thinkers": "Penseurs", "works": "Œuvres",
           "quotes": "Citations", "claims": "Affirmations et chiffres",
           "bibliography": "Bibliographie", "none": "Aucun(e) dans le graphe.",
           "unknown-dates": "dates inconnues", "sources": "Sources",
           "unsourced": "⚠ **Non sourcée** : aucune source n'appuie cette affirmation ; ne pas "
                        "la reprendre sans la vérifier.",
           "contested": "⚠ **Contestée** : l'affirmation telle qu'énoncée est inexacte.",
           "stated-in": "énoncée dans", "no-annotation": "Pas d'annotation.",
           "note": "Note"},
    "en": {"title": "Dossier: {}", "definition": "Definition", "no-definition":
           "The thesaurus gives no definition of this theme.", "broader": "Broader theme",
           "narrower": "Narrower themes", "thinkers": "Thinkers", "works": "Works",
           "quotes": "Quotes", "claims": "Claims and figures", "bibliography": "Bibliography",
           "none": "None in the graph.", "unknown-dates": "dates unknown", "sources": "Sources",
           "unsourced": "⚠ **Unsourced**: no source supports this claim; check it before "
                        "using it.",
           "contested": "⚠ **Contested**: the claim as stated is wrong.",
           "stated-in": "stated in", "no-annotation": "No annotation.", "note": "Note"},
}


@dataclass
class Dossier:
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the pandoc arguments that render the kit again, from inside the folder
    command: tuple[str, ...] = DOSSIER_COMMAND


def _year(date: str) -> str:
    m = re.match(r"\s*(-?\d{1,4})([?~]?)", date or "")
    return (m.group(1) + m.group(2)) if m else ""


def _lifespan(p, t) -> str:
    b, d = _year(p.birth), _year(p.death)
    if not b and not d:
        return t["unknown-dates"]
    return f"{b or '?'}–{d}" if (b and d) or d else f"{b}–"


def build_markdown(model, theme, tids: list[str], keys: list[str], locale: str = "fr-FR",
                   csl_name: str = "style.csl", style: str = "apa") -> tuple[str, dict[str, int]]:
    """The dossier's Markdown (pandoc citations; the YAML header names its .json and .csl)."""
    lang = locale.split("-")[0].lower()
    t = TEXT.get(lang, TEXT["en"])
    wanted = set(tids)
    works = {r.key: r for r in model.of_kind("work")}
    people = _thinkers(model, wanted)
    theme_works = [k for k in keys if wanted & set(works[k].themes)]
    quotes = quotes_of(model, tids)
    claims = [r for r in model.of_kind("claim") if wanted & set(r.themes)]
    md = (_header(t, theme, lang, locale, csl_name)
          + _definition(t, theme, model.thesaurus, lang)
          + _thinkers_section(t, people)
          + _works_section(t, works, theme_works)
          + [f"## {t['quotes']}", "",
             quote_bank(quotes, "markdown", locale) if quotes else t["none"], ""]
          + _claims_section(t, claims, works)
          + [f"## {t['bibliography']}", "", "::: {#refs}", ":::", ""])
    counts = {"thinkers": len(people), "works": len(theme_works), "quotes": len(quotes),
              "claims": len(claims), "references": len(keys)}
    return "\n".join(md), counts


def _header(t: dict, theme, lang: str, locale: str, csl_name: str) -> list[str]:
    """The YAML metadata block, each value written by a serializer (a JSON string is a YAML
    string) and Markdown-escaped (pandoc reads metadata strings as Markdown): a label such
    as ``"\nheader-includes: <script>`` stays one inert string."""
    values = {"title": md_escape(t["title"].format(theme.label(lang))), "lang": locale,
              "bibliography": "dossier.json", "csl": csl_name, "link-citations": True,
              "nocite": "@*"}  # every entry of dossier.json: crossref parents too
    return ["---", *(f"{k}: {json.dumps(v, ensure_ascii=True)}" for k, v in values.items()),
            "---", ""]


def _definition(t: dict, theme, th, lang: str) -> list[str]:
    """The theme's definition, then its broader and narrower themes."""
    md = [f"## {t['definition']}", ""]
    definition = theme.definitions.get(lang) or next(iter(theme.definitions.values()), "")
    md += [md_escape(definition) if definition else f"*{t['no-definition']}*", ""]
    for key, ids in (("broader", theme.broader), ("narrower", theme.narrower)):
        if ids:
            md += [f"{t[key]} : " + ", ".join(md_escape(th.themes[i].label(lang))
                                              for i in ids if i in th.themes), ""]
    return md


def _thinkers(model, wanted: set[str]) -> list:
    """Thinkers tagged with the theme, or authors/speakers of its works and quotes."""
    slugs = {p.slug for p in model.persons.values() if wanted & set(p.themes)}
    for r in model.records:
        if r.kind in ("work", "quote") and wanted & set(r.themes):
            slugs |= {c.slug for c in r.people if c.role in (AUTHOR, SPEAKER)}
    return sorted((model.persons[s] for s in slugs), key=lambda p: p.name.sort.lower())


def _thinkers_section(t: dict, people: list) -> list[str]:
    md = [f"## {t['thinkers']}", ""]
    for p in people:
        desc = f" — {md_escape(p.description)}" if p.description else ""
        md.append(f"- **{md_escape(p.name.display)}** ({_lifespan(p, t)}){desc}")
    return md + ([""] if people else [t["none"], ""])


def _works_section(t: dict, works: dict, theme_works: list[str]) -> list[str]:
    md = [f"## {t['works']}", ""]
    for k in theme_works:
        r = works[k]
        ann = r.get("annotation") or r.get("annote")
        md += [f"**{md_escape(r.get('title') or k)}** {md_citation(k)}", "",
               md_escape(ann) if ann else f"*{t['no-annotation']}*", ""]
    return md + ([] if theme_works else [t["none"], ""])


def _claims_section(t: dict, claims: list, works: dict) -> list[str]:
    md = [f"## {t['claims']}", ""]
    for c in claims:
        md += _claim(t, c, works)
    return md + ([] if claims else [t["none"], ""])


def _claim(t: dict, c, works: dict) -> list[str]:
    """One claim: figure and statement, its sources, where it is stated, a warning if it is
    unsourced or contested, its note."""
    return [_claim_line(c)] + _claim_sources(t, c, works) + _claim_note(t, c) + [""]


def _claim_line(c) -> str:
    fig, unit = c.get("figure"), c.get("unit")
    head = f"**{md_escape(fig)}{(' ' + md_escape(unit)) if unit else ''}** — " if fig else ""
    when = ", ".join(md_escape(x) for x in (c.get("date"), c.get("location")) if x)
    return f"- {head}{md_escape(c.get('statement'))}" + (f" ({when})" if when else "")


def _claim_sources(t: dict, c, works: dict) -> list[str]:
    md = []
    srcs = [k for k in c.refs.get("source", []) if k in works]
    if srcs:
        loc = c.get("locator")
        cites = "; ".join(md_key(k) + (f", {md_escape(loc)}" if loc and len(srcs) == 1
                                         else "") for k in srcs)
        md.append(f"  {t['sources']} : [{cites}]")
    stated = [k for k in c.refs.get("statedin", []) if k in works]
    if stated:
        md.append(f"  ({t['stated-in']} {'; '.join(md_citation(k) for k in stated)})")
    return md


def _claim_note(t: dict, c) -> list[str]:
    status = c.get("status").lower()
    if status in DOUBTFUL:
        md = ["", f"  > {t[status]}"]
        if c.get("note"):
            md.append(f"  > {t['note']} : {md_escape(c.get('note'))}")
        return md
    if c.get("note"):
        return ["", f"  *{t['note']}* : {md_escape(c.get('note'))}"]
    return []


def dossier_keys(model, tids: list[str]) -> list[str]:
    """Works of the dossier's bibliography: the theme's works and every work its quotes and
    claims cite (sources, 'cited in', 'stated in'), crossref parents included."""
    from kg.write.export import Selection, select

    works = {r.key for r in model.of_kind("work")}
    keys = set()
    wanted = set(tids)
    for r in model.records:
        if not wanted & set(r.themes):
            continue
        if r.kind == "work":
            keys.add(r.key)
        for ref in ("source", "citedin", "statedin"):
            keys |= {k for k in r.refs.get(ref, []) if k in works}
    return select(model, Selection(keys=sorted(keys))) if keys else []


def make(theme_name: str, folder: str | Path, store, *, bib=None, ontology=None,
         style: str = "apa", locale: str = "fr-FR") -> Dossier:
    """Write the essay kit of a theme into ``folder`` (``store``: the built graph)."""
    from kg.builder.store import write_atomic
    from kg.write.cite import run_pandoc
    from kg.write.export import bibtex, csl_items, load, theme_ids

    check_locale(locale)
    model = load(bib, ontology)
    tids = theme_ids(model, [theme_name])
    theme = model.thesaurus.themes[tids[0]]
    keys = dossier_keys(model, tids)
    style_path(style)  # a clear error before anything is written
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    md, counts = build_markdown(model, theme, tids, keys, locale, style=style)
    d = Dossier(folder, counts=counts)
    items = pandoc_items(csl_items(model, keys, locale))
    files = {
        "dossier.md": md,
        "dossier.json": json.dumps(items, ensure_ascii=False, indent=2) + "\n",
        "dossier.bib": bibtex(store, keys) if keys else "",
        "style.csl": localized_style(style, effective_locale(style, locale)),
        "dossier-head.html": "",
    }
    for name, text in files.items():  # a link planted there is replaced, not followed
        write_atomic(folder / name, text)
        d.files[name] = folder / name
    # pandoc's own <style> is the only one the page may apply: render once to learn it
    html, _ = run_pandoc([a for a in DOSSIER_COMMAND if not a.startswith("--output")], "",
                         cwd=folder)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL)
    write_atomic(folder / "dossier-head.html", meta(policy(styles=styles)) + "\n")
    html, warn = run_pandoc([a for a in DOSSIER_COMMAND if not a.startswith("--output")], "",
                            cwd=folder)
    write_atomic(folder / "dossier.html", html)
    d.files["dossier.html"] = folder / "dossier.html"
    d.warnings = [w for w in warn.splitlines() if w.strip()]
    return d
