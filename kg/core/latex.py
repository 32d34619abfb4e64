"""A small, fast LaTeX-to-Unicode decoder for BibTeX field values.

pylatexenc decodes everything but costs minutes on a large library; bibliographies use a small
set of constructs (accents, a few named symbols, escapes, text-formatting macros, protective
braces), which regular expressions decode in microseconds.  Unknown macros are kept as written
and reported by :func:`unknown_macros`.
"""
from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "b": "\u0331", "d": "\u0323",
}
# Private-use stand-ins for characters that must survive the clean-up passes as literals.
_LBRACE, _RBRACE, _TILDE = "\ue001", "\ue002", "\ue003"
_SYMBOLS = {
    "oe": "œ", "OE": "Œ", "ae": "æ", "AE": "Æ", "o": "ø", "O": "Ø", "ss": "ß", "SS": "SS",
    "l": "ł", "L": "Ł", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
    "ldots": "…", "dots": "…", "textellipsis": "…", "textendash": "–", "textemdash": "—",
    "og": "«\u00a0", "fg": "\u00a0»", "guillemotleft": "«", "guillemotright": "»",
    "guillemetleft": "«", "guillemetright": "»", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "textquotesingle": "'", "copyright": "©", "textcopyright": "©", "S": "§", "P": "¶",
    "textdegree": "°", "euro": "€", "texteuro": "€", "pounds": "£", "textsterling": "£",
    "textasciitilde": _TILDE, "textbackslash": "\\", "textbar": "|", "textless": "<",
    "textgreater": ">", "textregistered": "®", "texttrademark": "™", "textperthousand": "‰",
    "textonehalf": "½", "times": "×", "textunderscore": "_", "LaTeX": "LaTeX", "TeX": "TeX",
    "relax": "", "ignorespaces": "", "noop": "", "nopunct": "", "isdot": "", "adddot": ".",
    "addcomma": ",", "addcolon": ":", "addspace": " ", "addnbspace": "\u00a0",
    "textnumero": "№", "no": "№", "textsection": "§", "slash": "/",
}
_ESCAPES = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": _LBRACE, "}": _RBRACE,
            " ": " ", ",": "\u202f", "-": "", "/": "", ";": "\u2009", ":": " ", "!": "",
            "\\": "\n", "@": ""}
# Commands whose single argument is kept as text (their braces then vanish as protective ones).
_TEXT_MACROS = {
    "emph", "textit", "textbf", "textsc", "texttt", "textup", "textsf", "textrm", "textmd",
    "textsl", "textnormal", "mkbibemph", "mkbibitalic", "mkbibbold", "textsuperscript",
    "textsubscript", "NoCaseChange", "nocase", "url", "mbox", "hbox", "text", "uppercase",
    "lowercase", "MakeUppercase", "MakeLowercase", "foreignlanguage", "hyphenation",
    "ensuremath", "mathrm", "mathit", "mathbf", "textlatin", "textgreek", "textfrench",
    "textenglish", "textgerman", "bibstring",
}
_QUOTE_MACROS = {"enquote": ("“", "”"), "mkbibquote": ("“", "”"), "mkfrenchquote": ("« ", " »"),
                 "foreignquote": ("“", "”")}

_SPECIAL = re.compile(r"[\\{}~`']|--|\$")
_BASE = r"(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"  # {e}, e, \i
_ACCENT_SYM = re.compile(r"""\\(['`^"~=.])\s*""" + _BASE)
_ACCENT_LET = re.compile(r"\\([uvHckrbd])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}"
                         r"|\s+(\\[ij](?![A-Za-z])|[A-Za-z]))")
_MACRO = re.compile(r"\\([A-Za-z]+)\*?(\s*\{\}|\s+|(?![A-Za-z]))")
_ESCAPE = re.compile(r"\\([&%$#_{} ,\-/;:!\\@])")
_QUOTE_MACRO = re.compile(r"\\(" + "|".join(_QUOTE_MACROS) + r")\s*\{")
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*")
_FOREIGN = re.compile(r"\\(foreignlanguage|foreignquote|hyphenation)\s*\{[^{}]*\}\s*")


_ACCENTED: dict[str, str] = {}  # accent command as written -> its letter (a bounded cache)


def _accent(m: re.Match) -> str:
    written = m.group()
    done = _ACCENTED.get(written)
    if done is None:
        base = m.group(2) or m.group(3)
        if base in ("\\i", "\\j"):
            base = base[1]
        done = unicodedata.normalize("NFC", base + _ACCENTS[m.group(1)])
        if len(_ACCENTED) < 10_000:
            _ACCENTED[written] = done
    return done


def _macro(m: re.Match) -> str:
    name = m.group(1)
    if name in _SYMBOLS:
        return _SYMBOLS[name]
    if name in _TEXT_MACROS:
        return ""  # the argument group follows; its braces are removed later
    return "\\" + name + " "  # unknown: kept (and reported by unknown_macros)


_GROUP_TOKEN = re.compile(r"\\[\s\S]|[{}]")  # an escaped character (skipped), or a brace


def _quotes(s: str) -> str:
    """``\\enquote{x}`` -> ``“{x}”``: every quote macro with its group, in one pass.

    One scan of the braces (a stack of the open groups) finds where each macro's group ends,
    then the text is rebuilt once: linear in the length of the text, however deeply the macros
    nest.  A group left open runs to the end of the text.
    """
    found = list(_QUOTE_MACRO.finditer(s))
    if not found:
        return s
    # the '{' ending a macro is never an escaped character: a letter or a space precedes it
    opens = {m.end() - 1: m for m in found}
    closes: dict[int, re.Match] = {}  # position of the '}' closing a macro's group -> macro
    stack: list[re.Match | None] = []
    for t in _GROUP_TOKEN.finditer(s, found[0].end() - 1):
        c = t.group()
        if c == "{":
            stack.append(opens.get(t.start()))
        elif c == "}" and stack:
            m = stack.pop()
            if m is not None:
                closes[t.start()] = m
    out: list[str] = []
    last = 0
    # (position, 0 = closing mark after a '}' / 1 = macro, macro): a mark comes first
    events = sorted([(m.start(), 1, i) for i, m in enumerate(found)]
                    + [(p + 1, 0, -1) for p in closes])
    for pos, kind, i in events:
        if kind:  # a macro: its opening mark and its group's brace
            m = found[i]
            out.append(s[last:pos])
            out.append(_QUOTE_MACROS[m.group(1)][0] + "{")
            last = m.end()
        else:  # just after a '}' closing a macro's group: its closing mark
            out.append(s[last:pos])
            out.append(_QUOTE_MACROS[closes[pos - 1].group(1)][1])
            last = pos
    out.append(s[last:])
    for m in reversed(stack):  # groups never closed: closed at the end, innermost first
        if m is not None:
            out.append("}" + _QUOTE_MACROS[m.group(1)][1])
    return "".join(out)


_BARE_ACCENT = re.compile(r"\\([~^'\"`=.])\{\}")


def _macros(s: str) -> str:
    if "{}" in s:
        s = _BARE_ACCENT.sub(lambda m: _TILDE if m.group(1) == "~" else m.group(1), s)
    if "\\foreign" in s or "\\hyphenation" in s:
        s = _FOREIGN.sub("", s)
    if "\\href" in s:
        s = _HREF.sub("", s)
    if "\\enquote" in s or "\\mkbib" in s or "\\foreign" in s or "\\mkfrench" in s:
        s = _quotes(s)
    s = _ESCAPE.sub(_escape, s)
    s = _ACCENT_LET.sub(_accent, s)
    s = _ACCENT_SYM.sub(_accent, s)
    return _MACRO.sub(_macro, s)


def _escape(m: re.Match) -> str:
    return _ESCAPES[m.group(1)]


def decode(s: str) -> str:
    """LaTeX field text -> Unicode text.  Protective braces are removed."""
    if not _SPECIAL.search(s):
        return s
    if "\\" in s:
        s = _macros(s)
    if "--" in s:
        s = s.replace("---", "—").replace("--", "–")
    if "`" in s or "''" in s:
        s = s.replace("``", "“").replace("''", "”")
    if "~" in s:
        s = s.replace("~", "\u00a0")
    if "{" in s or "}" in s:
        s = s.replace("{", "").replace("}", "")
    if _LBRACE in s or _RBRACE in s or _TILDE in s:
        s = s.replace(_LBRACE, "{").replace(_RBRACE, "}").replace(_TILDE, "~")
    if " \u00a0" in s:
        s = s.replace(" \u00a0", "\u00a0")
    return s if s.isascii() else unicodedata.normalize("NFC", s)


_UNKNOWN = re.compile(r"\\([A-Za-z]+)")
_KNOWN = set(_SYMBOLS) | _TEXT_MACROS | set(_QUOTE_MACROS) | set("uvHckrbd") | {"href", "i", "j"}


def unknown_macros(s: str) -> list[str]:
    """Macros :func:`decode` does not know (kept, as ``\\name``, in its output)."""
    if "\\" not in s:
        return []
    s = s.replace("\\\\", " ")  # a line break, not the start of a macro
    return sorted({m for m in _UNKNOWN.findall(s) if m not in _KNOWN})


_FOLD_CHARS = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss",
               "ł": "l", "Ł": "L", "ı": "i", "đ": "d", "ð": "d", "þ": "th", "’": "'", "‘": "'",
               "\u00a0": " ", "\u202f": " "}
_FOLDED = re.compile("[" + "".join(_FOLD_CHARS) + "]")
# the combining marks of the Latin, Greek and Cyrillic accents (U+0300-U+036F, except the
# grapheme joiner U+034F, which is not a combining mark)
_MARKS = re.compile("[" + "".join(c for c in map(chr, range(0x300, 0x370))
                                  if unicodedata.combining(c)) + "]+")


def _folded(m: re.Match) -> str:
    return _FOLD_CHARS[m.group()]


def fold(s: str) -> str:
    """Case- and accent-insensitive form of a text, for matching and search: compatibility
    decomposition without the combining marks, case-folded."""
    if s.isascii():
        return s.casefold()
    s = _FOLDED.sub(_folded, s)
    s = unicodedata.normalize("NFKD", s)
    if not s.isascii():
        s = _MARKS.sub("", s)
        if not s.isascii():  # other scripts: every combining mark, one by one
            s = "".join(c for c in s if not unicodedata.combining(c))
    return s.casefold()


def slug(s: str) -> str:
    """Identifier from a text: 'Pièces et main d'œuvre' -> 'pieces-et-main-d-oeuvre'.

    Latin letters lose their accents; other scripts keep their letters ('Толстой' ->
    'толстой'), so that distinct people never share an identifier.
    """
    return re.sub(r"[\W_]+", "-", fold(s)).strip("-")
