"""What the page offers to copy and download for a work.

The page works offline and asks nothing of anyone, so each work carries its own:

- ``bibtex``: the entry as the .bib wrote it (the raw fields the graph keeps, in their order);
- ``csl``: its CSL-JSON item (what Zotero and pandoc --citeproc read), the one `kg export
  --format csl` writes: made by kg.write.export.csl_items from the bibliography's model, on
  every page (kg.browse.render.add_csl), the page `kg build` publishes included;
- ``cite`` and ``intext``: the reference and the in-text citation in each style of STYLES,
  exactly as `kg cite KEY --style S` prints them (:func:`references`: kg.write.cite, pandoc's
  citeproc with kg's parity fixes), when `kg viz` writes the page.  The page `kg build`
  publishes has none: a build does not wait on pandoc.

`kg cite KEY` formats one work alone, where a bibliography of several adds year letters
(1990a, 1990b) and MLA's "———" for a repeated author.  :func:`references` formats every work
of the page in one pandoc run per style, the style's rules across entries taken out
(:func:`lone_style`): each work gets what it gets alone, at the cost of one bibliography.
"""
from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

#: the styles whose references the page carries (kg.write.cite.STYLES), in its menu's order
STYLES = {"apa": "APA 7", "chicago": "Chicago author-date", "mla": "MLA 9",
          "iso690": "ISO 690"}
#: the CSL locale of each language of the page (what `kg cite --locale` is given)
LOCALES = {"fr": "fr-FR", "en": "en-US"}


class Person(NamedTuple):
    """A name as CSL writes it: family and given, or one literal (an organisation)."""

    family: str
    given: str = ""
    literal: str = ""
    suffix: str = ""


def person(name: str, sort_name: str = "", organisation: bool = False) -> Person:
    """A person from the graph's name and sort name ("Ellul, Jacques")."""
    if not organisation and "," in sort_name:
        family, given, *suffix = [x.strip() for x in sort_name.split(",")]
        return Person(family, given, "", ", ".join(suffix))
    if organisation or not name.strip():
        return Person("", "", (name or sort_name).strip())
    parts = name.split()
    return Person(parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else Person("", "",
                                                                                   name)


def bibtex_entry(entry_type: str, key: str, fields: list[tuple[str, str]]) -> str:
    """An entry as the .bib wrote it: ``fields`` are (name, raw value with its delimiters)."""
    lines = [f"@{entry_type}{{{key},"] + [f"  {name} = {value}," for name, value in fields]
    return "\n".join(lines) + "\n}\n"


# --------------------------------------------------------------------------- references

#: a style's options that tie an entry or a citation to the others of the same document
_ACROSS = re.compile(r'\s(?:subsequent-author-substitute(?:-rule)?|disambiguate-add-[a-z-]+'
                     r'|givenname-disambiguation-rule)="[^"]*"')
_DISAMBIGUATE = re.compile(r'\bdisambiguate="true"')


def lone_style(style: str, folder: Path) -> Path:
    """The CSL file of ``style`` (a short name or a path: kg.write.cite.style_path), written
    into ``folder`` without what ties an entry to the others of a document: year letters,
    names or given names added to tell citations apart, ``disambiguate="true"`` branches (made
    a test of a variable no item has) and the repeated author's "———".  None of them applies
    to one work alone, as `kg cite KEY` formats it: with this style, each work of a long list
    prints as it prints alone (tests/browse/test_browser.py checks every work of the corpus)."""
    from kg.write.cite import style_path

    src = style_path(style)
    text = _DISAMBIGUATE.sub('variable="kg-never-set"', _ACROSS.sub(
        "", src.read_text(encoding="utf-8")))
    dest = Path(folder) / f"lone-{len(list(Path(folder).iterdir()))}-{src.name}"
    dest.write_text(text, encoding="utf-8")
    return dest


def references(items: list[dict], styles=STYLES, locale: str = "fr-FR") -> dict[str, dict]:
    """citekey -> {"cite": {style: reference}, "intext": {style: in-text citation},
    "order": {style: place in the style's bibliography}} for CSL-JSON ``items``
    (kg.write.export.csl_items), each as `kg cite KEY --style STYLE --locale LOCALE` prints it.
    One pandoc run per style, the styles side by side; a key pandoc cannot cite
    (kg.write.cite.citable) gets nothing, as `kg cite` refuses it.  Raises
    kg.write.cite.PandocError when there is no pandoc."""
    from kg.write.cite import Spec, citable, pandoc_path, render

    items = [it for it in items if citable(it["id"])]
    keys = [it["id"] for it in items]
    out: dict[str, dict] = {k: {"cite": {}, "intext": {}, "order": {}} for k in keys}
    if not items or not styles:
        return out
    pandoc_path()  # pandoc is there, or PandocError before any thread starts
    with tempfile.TemporaryDirectory(prefix="kg-viz-cite-") as tmp:
        files = {s: lone_style(s, Path(tmp)) for s in styles}

        def one(style: str):
            ids: list[str] = []
            r = render(items, [[Spec(k, "")] for k in keys], str(files[style]), locale,
                       "text", ids=ids)
            return style, r, ids

        with ThreadPoolExecutor(max_workers=max(1, min(len(files), os.cpu_count() or 1))) as ex:
            for style, r, ids in ex.map(one, list(files)):
                for k, c in zip(keys, r.citations):
                    out[k]["intext"][style] = c
                for i, (k, e) in enumerate(zip(ids, r.entries)):
                    if k in out:
                        out[k]["cite"][style] = e
                        out[k]["order"][style] = i
    return out
