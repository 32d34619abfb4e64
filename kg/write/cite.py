"""Formatted citations and bibliographies (CSL styles through pandoc's citeproc) and quote banks.

pandoc's citeproc is the engine: a complete CSL processor (full given names, MLA's in-text
form, 1990a/1990b disambiguation, no forced title case on French titles, escaped HTML), and
the tool essay writers use anyway.  The four shipped styles live in ``kg/styles/`` (CC BY-SA,
see LICENSE.md); any other ``.csl`` file can be given by path.  The ``pypandoc-binary`` wheel
ships pandoc; a ``pandoc`` on PATH is used otherwise.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from kg.core.errors import InputError, KgError, NotFoundError
from kg.core.vocab import KGO, QUOTE_NS, SPEAKER, VERBATIM

STYLES_DIR = Path(__file__).resolve().parent / "styles"
#: short names -> shipped style files
STYLES = {
    "apa": "apa.csl",
    "chicago": "chicago-author-date.csl",
    "chicago-author-date": "chicago-author-date.csl",
    "mla": "modern-language-association.csl",
    "modern-language-association": "modern-language-association.csl",
    "iso690": "iso690-author-date-fr-no-abstract.csl",
    "iso690-fr": "iso690-author-date-fr-no-abstract.csl",
    "iso690-author-date-fr": "iso690-author-date-fr-no-abstract.csl",
}
FORMATS = ("text", "markdown", "html")
_WRITER = {"text": "plain", "markdown": "markdown-raw_html-native_divs-native_spans"
           "-bracketed_spans-fenced_divs-link_attributes-citations",
           "html": "html"}


class PandocError(KgError):
    """pandoc is missing or failed."""


def pandoc_path() -> str:
    """The pandoc binary: the one of the pypandoc-binary wheel, else pandoc on PATH."""
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        if path and Path(path).exists():
            return str(path)
    except (ImportError, OSError):
        pass
    found = shutil.which("pandoc")
    if found:
        return found
    raise PandocError("pandoc is not installed: `pip install pypandoc-binary` (it ships pandoc) "
                      "or install pandoc from your distribution")


def style_path(style: str) -> Path:
    """A shipped style by short name (apa, chicago, mla, iso690), or a .csl file by path."""
    if style.lower() in STYLES:
        return STYLES_DIR / STYLES[style.lower()]
    p = Path(style)
    if p.suffix == ".csl" or os.sep in style or "/" in style:
        if not p.is_file():
            raise InputError(f"{style}: no such CSL style file")
        return p
    raise NotFoundError(f"no style '{style}': use one of apa, chicago, mla, iso690, or the path "
                        "of a .csl file")


def _check_locale(locale: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", locale or ""):
        raise InputError(f"locale {locale!r} is not a language tag such as fr-FR or en-US")
    return locale


class PandocOutput(NamedTuple):
    text: str  # stdout
    warnings: str  # stderr


def run_pandoc(args: list[str], stdin: str, cwd: str | Path | None = None) -> PandocOutput:
    """Run pandoc; returns its output and its warnings (stderr)."""
    try:
        p = subprocess.run([pandoc_path(), *args], input=stdin.encode("utf-8"),
                           capture_output=True, cwd=cwd, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        raise PandocError("pandoc did not finish in 300 s") from None
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise PandocError(f"pandoc failed: {err.strip()}")
    return PandocOutput(p.stdout.decode("utf-8"), err)


# -- citations ----------------------------------------------------------------------------

class Spec(NamedTuple):
    """A citation asked for: a citekey and a locator ("p. 12"; empty for none)."""

    key: str
    locator: str


def parse_spec(spec: str) -> Spec:
    """'ellul1988@p.12' -> ('ellul1988', 'p. 12'); a bare number is a page."""
    key, _, loc = spec.partition("@")
    key, loc = key.strip(), loc.strip()
    if not key:
        raise InputError(f"'{spec}' has no citekey: write KEY or KEY@LOCATOR (ellul1988@p.12)")
    if loc and re.fullmatch(r"\d+([-–]\d+)?", loc):
        loc = ("pp. " if re.search(r"[-–]", loc) else "p. ") + loc
    elif loc:
        loc = re.sub(r"\s+", " ", re.sub(r"^([^\W\d_]+)\.\s*(?=\S)", r"\1. ", loc))
    return Spec(key, loc)


def md_citation(key: str, locator: str = "", prefix: str = "", extra: str = "") -> str:
    """Pandoc Markdown citation: [@key, p. 12]."""
    loc = f", {md_escape(locator)}" if locator else ""
    pre = f"{md_escape(prefix)} " if prefix else ""
    return f"[{pre}@{{{key}}}{loc}{extra}]"


class Rendered(NamedTuple):
    citations: list[str]
    entries: list[str]  # the bibliography, sorted as the style says
    warnings: list[str]  # pandoc's


def render(items: list[dict], groups: list[list[Spec]], style: str = "apa",
           locale: str = "fr-FR", fmt: str = "text", all_items: bool = False,
           ids: list[str] | None = None) -> Rendered:
    """Render citation groups [[(key, locator)...]...] and the bibliography.

    Returns (citations, bibliography entries, pandoc warnings), each citation and entry in
    ``fmt`` (text, markdown or html), the entries sorted as the style says.  ``ids``, when
    given, receives the citekeys of the entries in that order.
    """
    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    css = style_path(style)
    _check_locale(locale)
    known = {it["id"] for it in items}
    for g in groups:
        for key, _ in g:
            if key not in known:
                raise NotFoundError(f"no work with key {key}")
    body = ["---", 'nocite: "@*"', "---", ""] if all_items else []
    for g in groups:
        body += ["[" + "; ".join(f"@{{{k}}}" + (f", {md_escape(loc)}" if loc else "")
                                 for k, loc in g) + "]", ""]
    body += ["::: {#refs}", ":::", ""]
    with tempfile.TemporaryDirectory(prefix="kg-cite-") as tmp:
        bib = Path(tmp) / "items.json"
        bib.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        ast, warn = run_pandoc(["-f", "markdown", "-t", "json", "--citeproc",
                                f"--csl={css}", f"--bibliography={bib}",
                                "-M", f"lang={locale}", "-M", "link-citations=false"],
                               "\n".join(body))
    doc = json.loads(ast)
    blocks = doc["blocks"]
    cite_blocks = [b for b in blocks if b["t"] == "Para"][:len(groups)]
    refs = next((b for b in blocks if b["t"] == "Div" and b["c"][0][0] == "refs"), None)
    entries = [b for b in (refs["c"][1] if refs else []) if b["t"] == "Div"]
    if ids is not None:
        ids[:] = [e["c"][0][0].removeprefix("ref-") for e in entries]
    pieces = [_uncite([b]) for b in cite_blocks] + [_unwrap(e) for e in entries]
    texts = _write(doc, pieces, fmt)
    warnings = [w for w in warn.splitlines() if w.strip()]
    return Rendered(texts[:len(cite_blocks)], texts[len(cite_blocks):], warnings)


def _uncite(node):
    """Replace every Cite by its rendered text (so Markdown output does not re-cite)."""
    if isinstance(node, dict):
        return {k: _uncite(v) for k, v in node.items()}
    if isinstance(node, list):
        out = []
        for x in node:
            if isinstance(x, dict) and x.get("t") == "Cite":
                out.extend(_uncite(x["c"][1]))
            else:
                out.append(_uncite(x))
        return out
    return node


def _unwrap(div) -> list:
    """A csl-entry Div -> its blocks, with the style's inner Divs/Spans flattened."""
    out = []
    for b in div["c"][1]:
        if b["t"] == "Div":
            out.extend(_unwrap(b))
        else:
            out.append(b)
    return out


_SEP = "\u2063KG-SEP\u2063"


def _write(doc: dict, pieces: list[list], fmt: str) -> list[str]:
    """Write several block lists in one pandoc call, split at separator paragraphs."""
    if not pieces:
        return []
    sep = {"t": "Para", "c": [{"t": "Str", "c": _SEP}]}
    blocks: list = []
    for p in pieces:
        blocks += p + [sep]
    out, _ = run_pandoc(["-f", "json", "-t", _WRITER[fmt], "--wrap=none"],
                        json.dumps({**doc, "blocks": blocks, "meta": {}}))
    parts = out.split(_SEP)[:-1]
    cleaned = []
    for part in parts:
        part = part.strip()
        if fmt == "html":
            part = re.sub(r"^</p>\s*|\s*<p>$", "", part).strip()
            part = re.sub(r"^<p>(.*)</p>$", r"\1", part, flags=re.DOTALL) if part.count(
                "<p>") == 1 else part
        cleaned.append(part.strip())
    return cleaned


def bibliography(items: list[dict], style: str = "apa", locale: str = "fr-FR",
                 fmt: str = "text") -> str:
    """The formatted bibliography of ``items`` in a CSL style, sorted as the style says."""
    entries = render(items, [], style, locale, fmt, all_items=True).entries
    if fmt == "html":
        return ('<div class="csl-bib-body">\n'
                + "".join(f'<div class="csl-entry">{e}</div>\n' for e in entries) + "</div>\n")
    return "\n\n".join(entries) + "\n"


class Citations(NamedTuple):
    citations: list[str]  # one per spec, in order
    entries: list[str]  # the bibliography they need


def cite(items: list[dict], specs: list[str], style: str = "apa", locale: str = "fr-FR",
         fmt: str = "text") -> Citations:
    """In-text citations of 'KEY[@locator]' specs, and the bibliography entries they need."""
    r = render(items, [[parse_spec(s)] for s in specs], style, locale, fmt)
    return Citations(r.citations, r.entries)


# -- quote bank ---------------------------------------------------------------------------

LABELS = {
    "fr": {"attributed": "citation attribuée, non vérifiée dans la source",
           "paraphrase": "paraphrase, pas le texte exact",
           "unknown-status": "statut non indiqué",
           "cited-in": "cité dans", "no-source": "source inconnue",
           "unknown-speaker": "auteur inconnu"},
    "en": {"attributed": "attributed quotation, not checked against the source",
           "paraphrase": "paraphrase, not the exact words",
           "unknown-status": "status not given",
           "cited-in": "cited in", "no-source": "source unknown",
           "unknown-speaker": "speaker unknown"},
}


def labels(locale: str = "fr-FR") -> dict[str, str]:
    return LABELS.get(locale.split("-")[0].lower(), LABELS["en"])


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#@$~^|])")


def md_escape(s: str) -> str:
    """Text as literal pandoc Markdown (no emphasis, citation, HTML or math by accident)."""
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"^(\s*)(\d+)([.)])", r"\1\2\\\3", re.sub(r"^(\s*)([-+:=])", r"\1\\\2", s,
                                                          flags=re.MULTILINE), flags=re.MULTILINE)


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}"}


def tex_escape(s: str) -> str:
    return "".join(_TEX.get(c, c) for c in s)


def _get(q, *names, default=""):
    for n in names:
        v = q.get(n) if isinstance(q, dict) else getattr(q, n, None)
        if v:
            return v
    return default


def _first(v) -> str:
    if isinstance(v, (list, tuple)):
        return v[0] if v else ""
    return str(v).split(",")[0].strip() if v else ""


def _postnote(locator: str) -> str:
    """biblatex postnote: 'p. 12' -> '12' (biblatex adds p.), other labels kept."""
    m = re.fullmatch(r"pp?\.\s*(\d+)(?:\s*[-–]+\s*(\d+))?", locator.strip())
    if m:
        return m.group(1) + (f"--{m.group(2)}" if m.group(2) else "")
    out = tex_escape(locator)
    return f"{{{out}}}" if "]" in out or "[" in out else out  # a ] would end \cite[...]


def quote_bank(quotes, fmt: str = "markdown", locale: str = "fr-FR") -> str:
    """Quotes ready to paste into an essay: block quotation, speaker, citation with locator.

    ``quotes``: dicts (or objects) with ``quote`` (or ``text``), ``speaker`` (display name),
    ``source`` (citekey of the work), ``locator``, ``status`` (verbatim | attributed |
    paraphrase), ``citedin`` (citekey), ``key``.  ``fmt``: ``markdown`` (pandoc citations
    ``[@key, p. 12]``) or ``latex`` (csquotes ``displayquote`` with biblatex ``\\cite``).
    Attributed and paraphrased quotes say so.
    """
    if fmt not in ("markdown", "latex"):
        raise InputError(f"quote bank format {fmt!r}: use markdown or latex")
    lab = labels(locale)
    out: list[str] = []
    for q in quotes:
        text = _get(q, "quote", "text", "value")
        speaker = _get(q, "speaker", "speaker_name", default="") or lab["unknown-speaker"]
        source = _first(_get(q, "source", "source_key"))
        citedin = _first(_get(q, "citedin", "cited_in", "citedin_key"))
        locator = _get(q, "locator")
        status = str(_get(q, "status")).rsplit("#", 1)[-1].lower()
        key = _get(q, "key", "id")
        flag = lab.get(status, "") if status != VERBATIM else ""
        if not status:
            flag = lab["unknown-status"]
        if fmt == "markdown":
            lines = [f"> {md_escape(line)}" if line.strip() else ">"
                     for line in text.splitlines() or [""]]
            if source:
                extra = (f"; {md_escape(lab['cited-in'])} @{{{citedin}}}"
                         if citedin and citedin != source else "")
                cit = md_citation(source, locator, extra=extra)
            elif citedin:
                cit = md_citation(citedin, locator, prefix=lab["cited-in"])
            else:
                cit = md_escape(lab["no-source"])
            tail = f" *({md_escape(flag)})*" if flag else ""
            out.append("\n".join(lines) + f"\n>\n> --- {md_escape(speaker)} {cit}{tail}\n")
        else:
            if source:
                cit = (rf"\cite[{_postnote(locator)}]{{{source}}}" if locator
                       else rf"\cite{{{source}}}")
                if citedin and citedin != source:
                    cit += rf", {tex_escape(lab['cited-in'])} \cite{{{citedin}}}"
            elif citedin:
                cit = (rf"{tex_escape(lab['cited-in'])} \cite[{_postnote(locator)}]{{{citedin}}}"
                       if locator else rf"{tex_escape(lab['cited-in'])} \cite{{{citedin}}}")
            else:
                cit = tex_escape(lab["no-source"])
            tail = rf" \emph{{({tex_escape(flag)})}}" if flag else ""
            head = f"% {key}" + (f" ({status})" if status else "") + "\n" if key else ""
            out.append(f"{head}\\begin{{displayquote}}[{{{tex_escape(speaker)}, {cit}{tail}}}]\n"
                       f"{tex_escape(text)}\n\\end{{displayquote}}\n")
    return "\n".join(out)


def add_cited_in(store, rows: list[dict]) -> list[dict]:
    """Rows of `kg quotes` with the work each quote was read in (kgo:citedIn), for citing."""
    from urllib.parse import quote as pct

    import pyoxigraph as ox

    out = []
    for r in rows:
        node = ox.NamedNode(QUOTE_NS + pct(r["key"], safe="-._~:@!$&'()*+,;="))
        cited = [q.object.value.rsplit("/", 1)[-1] for q in
                 store.quads_for_pattern(node, ox.NamedNode(KGO.citedIn), None)]
        out.append({**r, "citedin": cited[0] if cited else ""})
    return out


def quotes_of(model, theme_ids: list[str] | None = None) -> list[dict]:
    """The quotes of the model (of some themes) as quote_bank() rows, in file order."""
    wanted = set(theme_ids) if theme_ids is not None else None
    out = []
    for r in model.of_kind("quote"):
        if wanted is not None and not wanted & set(r.themes):
            continue
        speakers = [model.persons[c.slug].name.display for c in r.people
                    if c.role == SPEAKER]
        out.append({"key": r.key, "quote": r.get("quote"), "speaker": ", ".join(speakers),
                    "source": _first(r.refs.get("source", [])),
                    "citedin": _first(r.refs.get("citedin", [])),
                    "locator": r.get("locator") or r.get("pages"),
                    "status": r.get("status").lower(), "note": r.get("note"),
                    "themes": list(r.themes)})
    return out
