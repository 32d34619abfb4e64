"""Formatted citations and bibliographies (CSL styles through pandoc's citeproc) and quote banks.

pandoc's citeproc is the engine: a complete CSL processor (full given names, MLA's in-text
form, 1990a/1990b disambiguation, no forced title case on French titles, escaped HTML), and
the tool essay writers use anyway.  The four shipped styles live in ``kg/write/styles/`` and
the current CSL locales in ``kg/write/locales/`` (CC BY-SA, see the LICENSE.md of each); any
other ``.csl`` file can be given by path.  The ``pypandoc-binary`` wheel ships pandoc; a
``pandoc`` on PATH is used otherwise.

What kg prints is what citeproc-js, Zotero's engine, prints from the same CSL-JSON, style and
locale (tests/write/test_citeproc.py compares the whole corpus): :func:`localized_style` hands
pandoc the style with the current locale merged in and a few of pandoc's departures guarded
against, :func:`pandoc_items` the items with what citeproc-js does to their text.
"""
from __future__ import annotations

import functools
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
#: current CSL locales (citation-style-language/locales, CC BY-SA 3.0, see LICENSE.md there)
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
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


def locale_file(locale: str) -> Path | None:
    """The shipped CSL locale for a language tag (fr-FR; fr -> its primary dialect fr-FR),
    or None when kg ships none for it (pandoc's built-in locale is used then)."""
    tag = check_locale(locale)
    lang, _, region = tag.partition("-")
    names = [f"{lang.lower()}-{region.upper()}"] if region else []
    names.append(_PRIMARY.get(lang.lower(), ""))
    for name in names:
        p = LOCALES_DIR / f"locales-{name}.xml"
        if name and p.is_file():
            return p
    return None


#: primary dialect of a bare language code, as CSL locales.json says
_PRIMARY = {"fr": "fr-FR", "en": "en-US", "de": "de-DE", "es": "es-ES", "it": "it-IT",
            "pt": "pt-PT", "nl": "nl-NL"}


def localized_style(style: str, locale: str) -> str:
    """The CSL style's XML with the shipped, current CSL locale of ``locale`` merged in.

    pandoc's citeproc reads no locale file: it has its own, older copies built in.  The
    current locale goes into the style as a ``<locale>`` without ``xml:lang`` placed after the
    style's own locales, so that the style's own terms still win (CSL's order: the style's
    locales for the dialect, for the language, without a language, then the locale file)
    and the current locale replaces the built-in one: the order Zotero follows with the
    same files.  The style also gets kg's guards against the places where pandoc's citeproc
    and citeproc-js part (``_uncertain_affixes_as_text``, ``_substituted_dates_once``,
    ``_ties_in_order``, ``_literal_dates_once``); the style file itself is not modified.
    """
    path = style_path(style)
    return _localized(str(path), path.stat().st_mtime_ns, check_locale(locale))


@functools.lru_cache(maxsize=32)
def _localized(path: str, _mtime: int, locale: str) -> str:
    text = Path(path).read_text(encoding="utf-8")
    text = _ties_in_order(_substituted_dates_once(_uncertain_affixes_as_text(text)))
    loc = locale_file(locale)
    if loc is None:
        return _literal_dates_once(text)
    xml = loc.read_text(encoding="utf-8")
    m = re.search(r"<locale\b[^>]*>(.*)</locale>", xml, re.DOTALL)
    if not m:  # not a CSL locale: pandoc's built-in one stays
        return _literal_dates_once(text)
    body = re.sub(r"<info>.*?</info>", "", m.group(1), count=1, flags=re.DOTALL).strip()
    block = (f"<locale><!-- kg: {loc.name}, the current CSL locale (CC BY-SA 3.0) -->\n"
             f"  {body}\n  </locale>\n  ")
    ends = [e.end() for e in re.finditer(r"</locale>\s*|<locale\b[^>]*/>\s*", text)]
    at = ends[-1] if ends else re.search(r"</info>\s*", text).end()
    return _literal_dates_once(text[:at] + block + text[at:])


def _ties_in_order(style: str) -> str:
    """Entries the style's sort keys cannot tell apart keep the order of the items.

    citeproc-js lists them, and gives them their year-suffix letters, in the order the items
    were registered; pandoc lists them in the order of the items but gives letters in the order
    of their keys, so PMO 2008b came before PMO 2008a, and ``kg cite`` lettered them by the
    order of citation.  A last sort key on
    ``kg-order`` (the item's rank, added by :func:`pandoc_items`) makes both the same.
    """
    m = re.search(r"(<bibliography\b.*?<sort>.*?)(</sort>)", style, re.DOTALL)
    if not m:
        return style  # no bibliography sort: the citation order already
    return style[:m.start(2)] + '<key variable="kg-order"/>' + style[m.start(2):]


#: CSL date variables (a literal date can stand in any of them)
DATE_VARS = ("issued", "original-date", "accessed", "event-date", "available-date",
             "submitted")
_DATE_ELT = re.compile(r"<date\b([^>]*?)(/>|>(.*?)</date>)", re.DOTALL)


def _literal_dates_once(style: str) -> str:
    """A literal date ("2022 ou après") only where the style prints the year.

    CSL prints a literal date in place of the year (citeproc-js, Zotero); pandoc's citeproc
    prints it for every ``<date>`` element, so a style that prints the year, then the month
    and day (APA, Chicago, ISO 690) prints it twice.  Each ``<date>`` that prints no year is
    wrapped in a condition on ``kg-literal-VARIABLE``, a flag kg adds to the items it gives
    pandoc (see :func:`pandoc_items`); other engines never see it.
    """
    def fix(m: re.Match) -> str:
        attrs, inner = m.group(1), m.group(3) or ""
        var = re.search(r'variable="([^"]+)"', attrs)
        if not var or 'form="' in attrs or re.search(r'<date-part\b[^>]*name="year"', inner):
            return m.group(0)
        flag = " ".join(f"kg-literal-{v}" for v in var.group(1).split())
        return f'<choose><if variable="{flag}" match="none">{m.group(0)}</if></choose>'

    return _DATE_ELT.sub(fix, style)


_CSL_NS = "http://purl.org/net/xbiblio/csl"
_SPEC = "-kg-after-substitute"
_MAX_GUARDS = 8  # ways a substitute prints a date (ISO 690: 2; Chicago: too many to guard)


def _substituted_dates_once(style: str) -> str:
    """Dates printed by a ``<substitute>`` are not printed again.

    CSL: "substituted variables are suppressed in the rest of the output".  citeproc-js does
    so for every variable; pandoc's citeproc does not for dates printed by a macro inside the
    substitute: ISO 690 prints a work without author as "Title, 2020." in place of the author,
    then the date again ("24 novembre 2020").  In each layout, every ``<date>`` outside the
    substitute, of a variable the substitute prints, gets a guard that is false exactly when
    the substitute printed it: none of the name variables tried before is present, and the
    conditions (``<if>``, ``<else-if>``, ``<else>``) on the way to the substitute's date hold.
    Macros shared with the substitute are copied (``NAME-kg-after-substitute-AREA``), so the
    substitute itself and the sort keys stay as they are.
    """
    import xml.etree.ElementTree as ET

    ns = f"{{{_CSL_NS}}}"
    try:
        root = ET.fromstring(style.encode("utf-8"))
    except ET.ParseError:
        return style  # pandoc will say what is wrong with it
    macros = {m.get("name"): m for m in root.findall(f"{ns}macro")}

    def walk(node, path=(), seen=()):
        """(element, path) for every element under node, through macro calls; a path is the
        ((choose, branch index), ...) taken to reach it."""
        for child in node:
            yield child, path
            if child.tag == f"{ns}choose":
                for k, branch in enumerate(child):
                    yield from walk(branch, (*path, (child, k)), seen)
            elif child.tag == f"{ns}text" and child.get("macro") in macros \
                    and child.get("macro") not in seen:
                name = child.get("macro")
                yield from walk(macros[name], path, (*seen, name))
            else:
                yield from walk(child, path, seen)

    def reachable(layout) -> list:
        """The layout and every macro it calls, directly or not."""
        out, todo, seen = [layout], [layout], set()
        while todo:
            for e in todo.pop().iter(f"{ns}text"):
                name = e.get("macro")
                if name in macros and name not in seen:
                    seen.add(name)
                    out.append(macros[name])
                    todo.append(macros[name])
        return out

    def rules(layout):
        """(date variable, name variables tried before, path to the substitute's date);
        stops after _MAX_GUARDS + 1."""
        out = []
        for scope in reachable(layout):
            for e in scope.iter(f"{ns}names"):
                sub = e.find(f"{ns}substitute")
                if sub is None:
                    continue
                before = set(e.get("variable", "").split())
                for alt in sub:
                    for d, path in walk_one(alt):
                        if d.tag == f"{ns}date" and d.get("variable"):
                            out += [(v, frozenset(before), path)
                                    for v in d.get("variable").split()]
                        elif d.tag == f"{ns}names" and d.get("variable"):
                            before = before | set(d.get("variable").split())
                        if len(out) > _MAX_GUARDS:
                            return out
        return out

    def walk_one(elt):
        holder = ET.Element("x")
        holder.append(elt)
        return walk(holder)

    def guard(x, before, path):
        """x unless the substitute printed the date: names before it present, or a turn
        on its path not taken."""
        inner = ET.Element(f"{ns}group")  # empty: the substitute printed the date
        for choose, k in reversed(path):
            branches = list(choose)
            new = ET.Element(f"{ns}choose")
            for i, br in enumerate(branches[:k + 1]):
                b = ET.SubElement(new, br.tag, dict(br.attrib))
                b.append(copy(x) if i < k else inner)
            if branches[k].tag != f"{ns}else":
                ET.SubElement(new, f"{ns}else").append(copy(x))
            inner = new
        if before:
            new = ET.Element(f"{ns}choose")
            ET.SubElement(new, f"{ns}if", {"variable": " ".join(sorted(before)),
                                            "match": "any"}).append(copy(x))
            ET.SubElement(new, f"{ns}else").append(inner)
            inner = new
        return inner

    def copy(e):
        return ET.fromstring(ET.tostring(e))

    def guard_layout(area: str, layout, found: list) -> None:
        """Guard every date of the layout (through copies of the macros it calls)."""
        suffix = f"{_SPEC}-{area}"
        printed = {v for v, _, _ in found}
        done: dict[str, str] = {}

        def wrap(date_elt):
            """The date under one guard per way the substitute prints it; each layer is a
            macro of its own so that nothing is copied more than once."""
            out = date_elt
            for v, before, path in found:
                if v in date_elt.get("variable", "").split():
                    name = f"kg-guarded-date-{area}-{len(root)}"
                    ET.SubElement(root, f"{ns}macro", {"name": name}).append(out)
                    out = guard(ET.Element(f"{ns}text", {"macro": name}), before, path)
            return out

        def rewrite(node):
            for i, child in enumerate(list(node)):
                if child.tag == f"{ns}substitute":
                    continue  # the substitute prints as it is
                if child.tag == f"{ns}date":
                    node[i] = wrap(child)
                    continue
                if child.tag == f"{ns}text" and child.get("macro") in macros:
                    child.set("macro", special(child.get("macro")))
                rewrite(child)

        def special(name: str) -> str:
            if name not in done:
                uses = {v for e, _ in walk(macros[name]) if e.tag == f"{ns}date"
                        for v in e.get("variable", "").split()}
                done[name] = name
                if uses & printed:
                    done[name] = name + suffix
                    new = copy(macros[name])
                    new.set("name", done[name])
                    rewrite(new)
                    root.append(new)
            return done[name]

        rewrite(layout)

    changed = False
    for area in ("citation", "bibliography"):
        layout = root.find(f"{ns}{area}/{ns}layout")
        found = list(dict.fromkeys(rules(layout))) if layout is not None else []
        if found and len(found) <= _MAX_GUARDS:  # else nothing to do, or too intricate
            guard_layout(area, layout, found)
            changed = True
    return _style_text(root) if changed else style


def _style_text(root) -> str:
    """A CSL style's element tree as the text of a style file."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _CSL_NS)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def _uncertain_affixes_as_text(style: str) -> str:
    """An uncertain date's brackets ("[2013?]") as text beside the date, not as its affixes.

    pandoc's citeproc leaves a date's affixes out when it looks for ambiguous citations, so
    "(Pestre 2013)" and "(Pestre [2013?])" got letters (2013b, [2013a?]) that citeproc-js does
    not give: the citations differ already.  Affixes as ``<text value>`` siblings in a group
    print the same and count.  Only dates under an ``is-uncertain-date`` condition change.
    """
    import xml.etree.ElementTree as ET

    if "is-uncertain-date" not in style:
        return style
    ns = f"{{{_CSL_NS}}}"
    try:
        root = ET.fromstring(style.encode("utf-8"))
    except ET.ParseError:
        return style
    changed = False
    for cond in root.iter():
        if cond.tag not in (f"{ns}if", f"{ns}else-if") or not cond.get("is-uncertain-date"):
            continue
        for i, d in enumerate(list(cond)):
            if d.tag != f"{ns}date" or not (d.get("prefix") or d.get("suffix")):
                continue
            group = ET.Element(f"{ns}group")
            if d.get("prefix"):
                ET.SubElement(group, f"{ns}text", {"value": d.attrib.pop("prefix")})
            after = d.attrib.pop("suffix", "")
            group.append(d)
            if after:
                ET.SubElement(group, f"{ns}text", {"value": after})
            cond[i] = group
            changed = True
    return _style_text(root) if changed else style


_FR_SPACE = re.compile(r" ([:;?!\u00bb])")
_NOT_TEXT = {"id", "citation-key", "URL", "DOI", "ISBN", "ISSN", "PMID", "PMCID"}


def _typography(v):
    """French spacing as citeproc-js applies it to every string it prints: a narrow no-break
    space (U+202F) in place of the space before ``: ; ? ! »`` and after ``«``."""
    if isinstance(v, str):
        return _FR_SPACE.sub("\u202f\\1", v).replace("\u00ab ", "\u00ab\u202f")
    if isinstance(v, list):
        return [_typography(x) for x in v]
    if isinstance(v, dict):
        return {k: (x if k in _NOT_TEXT else _typography(x)) for k, x in v.items()}
    return v


#: words citeproc-js leaves in lower case in English title case and pandoc's citeproc (whose
#: list is the CSL specification's) capitalizes: prepositions such as "than", "about"
_KEEP_LOWER = frozenset(
    "about above across afore after against al along alongside amid amidst among amongst "
    "anenst apropos apud around aside astride athwart atop barring before behind below "
    "beneath beside besides between beyond circa de despite during et except given inside "
    "lest like modulo near next notwithstanding off out per plus pro qua sans since than "
    "through throughout thruout toward towards under underneath until unto upon versus "
    "vs vs. v v. within without von van c ca".split())
_TITLES = ("title", "container-title", "collection-title", "volume-title", "event-title")


def _keep_lower(title: str) -> str:
    """Lower-case words of citeproc-js's list, after the first word and not after a colon,
    kept as they are (``<span class="nocase">``, CSL-JSON rich text both engines read)."""
    if "<" in title or ">" in title:  # already rich text, or a character to leave alone
        return title
    out, first = [], True
    for part in re.split(r"(\s+)", title):
        if part.isspace() or not part:
            out.append(part)
            continue
        if not first and part in _KEEP_LOWER and not out[-2].endswith((":", "?", "!")):
            part = f'<span class="nocase">{part}</span>'
        out.append(part)
        first = False
    return "".join(out)


def pandoc_items(items: list[dict]) -> list[dict]:
    """CSL-JSON items as kg gives them to pandoc, so that pandoc prints what citeproc-js
    (Zotero) prints from the items themselves: citeproc-js's typography applied to the text,
    its lower-case words kept in English titles, a ``kg-literal-VARIABLE`` flag on each
    literal date (see :func:`_literal_dates_once`) and a ``kg-order`` rank, the order of the
    items (see :func:`_ties_in_order`): the order citeproc-js registers them in, and the same
    in ``kg cite``, in a bibliography and in the dossier whatever the order of citation."""
    rank = {k: i for i, k in enumerate(dict.fromkeys(it["id"] for it in items))}
    out = []
    for it in items:
        it = _typography(it)
        for var in DATE_VARS:
            if isinstance(it.get(var), dict) and "literal" in it[var]:
                it[f"kg-literal-{var}"] = "true"
        if str(it.get("language", "en")).lower().startswith("en"):
            for var in _TITLES:
                if isinstance(it.get(var), str):
                    it[var] = _keep_lower(it[var])
        it["kg-order"] = f"{rank[it['id']]:06d}"
        out.append(it)
    return out


def check_locale(locale: str) -> str:
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


_UNCITABLE = re.compile(r"[}\x00-\x1f\x7f]")


def citable(key: str) -> bool:
    """Whether pandoc can read the key as ``@{key}``: it ends at the first ``}`` (no escape
    exists), and what follows would be Markdown, raw HTML included."""
    return bool(key) and not _UNCITABLE.search(key)


def md_key(key: str) -> str:
    """``@{key}`` for pandoc; a key pandoc cannot read stays literal text (inert)."""
    return f"@{{{key}}}" if citable(key) else md_escape(key)


def md_citation(key: str, locator: str = "", prefix: str = "", extra: str = "") -> str:
    """Pandoc Markdown citation: [@key, p. 12]."""
    loc = f", {md_escape(locator)}" if locator else ""
    pre = f"{md_escape(prefix)} " if prefix else ""
    return f"[{pre}{md_key(key)}{loc}{extra}]"


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
    check_locale(locale)
    locale = effective_locale(style, locale)
    known = {it["id"] for it in items}
    for g in groups:
        for key, _ in g:
            if key not in known:
                raise NotFoundError(f"no work with key {key}")
            if not citable(key):
                raise InputError(f"the key {key!r} cannot be cited through pandoc (it holds "
                                 "'}' or a control character): rename the entry")
    body = ["---", 'nocite: "@*"', "---", ""] if all_items else []
    for g in groups:
        body += ["[" + "; ".join(md_key(k) + (f", {md_escape(loc)}" if loc else "")
                                 for k, loc in g) + "]", ""]
    body += ["::: {#refs}", ":::", ""]
    with tempfile.TemporaryDirectory(prefix="kg-cite-") as tmp:
        bib = Path(tmp) / "items.json"
        bib.write_text(json.dumps(pandoc_items(items), ensure_ascii=False), encoding="utf-8")
        css = Path(tmp) / "style.csl"
        css.write_text(localized_style(style, locale), encoding="utf-8")
        ast, warn = run_pandoc(["-f", "markdown", "-t", "json", "--citeproc",
                                f"--csl={css}", f"--bibliography={bib}",
                                "-M", f"lang={locale}", "-M", "link-citations=false"],
                               "\n".join(body))
    doc = json.loads(ast)
    if _punctuation_in_quote(locale):
        doc = _punct_inside_quotes(doc)
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


def _punctuation_in_quote(locale: str) -> bool:
    """Whether the locale puts a period or comma inside the closing quote (American
    English), as its CSL locale file says."""
    loc = locale_file(locale)
    return bool(loc and re.search(r'punctuation-in-quote="true"',
                                  loc.read_text(encoding="utf-8")))


def _punct_inside_quotes(doc: dict) -> dict:
    """A period or comma right after a closing quotation mark moves inside it, nested quotes
    included ('an “ecological disaster.”').  pandoc's citeproc does so for the quotes the
    style adds, not for quotes that come from the data; citeproc-js does so for both."""
    leaves: list[dict] = []

    def collect(node):
        if isinstance(node, dict):
            if node.get("t") in ("Str", "Space", "SoftBreak", "LineBreak"):
                leaves.append(node)
                return
            if node.get("t") == "Quoted":  # its marks come from the writer: mark its end
                collect(node["c"][1])
                leaves.append(node)
                return
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for x in node:
                collect(x)

    collect(doc["blocks"])
    for prev, cur in zip(leaves, leaves[1:]):
        if cur.get("t") != "Str" or cur["c"][:1] not in (".", ","):
            continue
        punct = cur["c"][0]
        if prev.get("t") == "Str":
            m = re.search("[\u201d\u2019]+$", prev["c"])
            if not m:
                continue
            prev["c"] = prev["c"][:m.start()] + punct + m.group()
        elif prev.get("t") == "Quoted":
            prev["c"][1].append({"t": "Str", "c": punct})
        else:
            continue
        cur["c"] = cur["c"][1:]
    return doc


def effective_locale(style: str, locale: str) -> str:
    """The locale a style is printed in: its ``default-locale`` when it has one (ISO 690's
    French style prints French terms whatever the document's language), else ``locale``:
    what Zotero does."""
    head = style_path(style).read_text(encoding="utf-8")[:4000]
    m = re.search(r'<style\b[^>]*\bdefault-locale="([^"]+)"', head)
    return m.group(1) if m else locale


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
                extra = (f"; {md_escape(lab['cited-in'])} {md_key(citedin)}"
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
