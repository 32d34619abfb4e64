"""Rows -> table / json / csv / markdown; SPARQL results in the SPARQL 1.1 JSON format.

What a .bib holds is untrusted: it reaches a terminal or a spreadsheet through these formats.

- table and markdown (read on a terminal): control characters are made visible
  (:func:`visible`): C0 controls as their Unicode control pictures (ESC as ``␛``), DEL as ``␡``,
  C1 controls and the bidirectional overrides and isolates as ``\\x9b``, ``\\u202e``; no escape
  sequence (colours, OSC 52 clipboard writes, title changes, hidden text) reaches the terminal.
  Ordinary text (accents, CJK, emoji, joiners) is untouched.
- json: the same characters are written as ``\\u`` escapes (:func:`json_safe`): the same JSON
  values, never a raw control character.
- csv: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'`` (OWASP, CSV injection), so that a spreadsheet shows it instead of running it
  as a formula; plain numbers (``-12``, ``+3.5``) are left as they are.
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from itertools import chain
from typing import NamedTuple

FORMATS = ("table", "json", "csv", "markdown")
WIDTH = 70  # widest a table cell gets; longer text is cut with "…" (json/csv keep it whole)


# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _picture(m: re.Match) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)  # ␀..␟: ESC is ␛
    if c == 0x7F:
        return "\u2421"  # ␡
    if c <= 0x9F:
        return f"\\x{c:02x}"
    return f"\\u{c:04x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` for a terminal: every control character (but those in ``keep``, e.g. "\\n\\t")
    and bidirectional override made visible; other characters untouched."""
    if text.isascii() and text.isprintable():
        return text
    return _unsafe(keep).sub(_picture, text)


@functools.lru_cache(maxsize=8)
def _unsafe(keep: str) -> re.Pattern:
    """_UNSAFE less the characters of ``keep``."""
    if not keep:
        return _UNSAFE
    chars = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                              *range(0x2066, 0x206A)) if chr(c) not in keep]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


def json_safe(text: str) -> str:
    """JSON text with DEL, the C1 controls, the bidirectional overrides and the line/paragraph
    separators written as ``\\uXXXX`` escapes: the same values (they only occur inside strings),
    nothing a terminal acts on (json.dumps escapes the C0 controls itself)."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP): a leading ' before
    = + - @ tab or carriage return; plain numbers are left alone."""
    if cell.startswith(_FORMULA) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return "; ".join(_cell(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


@functools.cache  # a library's titles use few distinct characters
def _char_width(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1


_FROM_MARKS = re.compile("[^\x00-\u02ff]")  # U+0300 on (negated: compiled in 1 ms, not 8)


def _narrow(s: str) -> bool:
    """One column a character: ASCII (control characters are escaped), or no character from
    the combining marks (U+0300) on: Latin, accented or not (a Danish or French title),
    none of them wide or combining."""
    return s.isascii() or _FROM_MARKS.search(s) is None  # max(s) < "\u0300", 10x slower


def _width(s: str) -> int:
    """Columns ``s`` takes on a terminal (wide East Asian characters 2, combining marks 0)."""
    if _narrow(s):  # most cells (a character at a time: 0.46 s for 2,000 rows of titles)
        return len(s)
    return sum(map(_char_width, s))


def _cut(s: str, n: int) -> str:
    """``s`` on one line, cut with '…' to at most ``n`` columns."""
    s = " ".join(s.split())
    if _width(s) <= n:
        return s
    if _narrow(s):
        return s[:n - 1] + "…"
    used = 0
    for i, c in enumerate(s):
        used += _char_width(c)
        if used > n - 1:
            return s[:i] + "…"
    return s + "…"


def columns_of(rows: list[dict]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def _fit(v) -> tuple[str, int]:
    """A table cell: its text on one line, controls made visible, cut to WIDTH columns; and
    the columns it takes (measured once: a table of 2,000 rows measured each cell three times,
    0.1 s)."""
    if type(v) is str and v.isascii() and v.isprintable():  # most cells: as they are
        s = " ".join(v.split()) if "  " in v or v[:1] == " " or v[-1:] == " " else v
        return (s, len(s)) if len(s) <= WIDTH else (s[:WIDTH - 1] + "…", WIDTH)
    s = visible(" ".join(_cell(v).split()))
    if _narrow(s):
        return (s, len(s)) if len(s) <= WIDTH else (s[:WIDTH - 1] + "…", WIDTH)
    s = _cut(s, WIDTH)
    return s, _width(s)


# a column that holds none of these is shown as it is: no control or bidirectional character,
# no white space to fold (a space at a cell's edge or two in a row, another white space
# character), no character from the combining marks (U+0300) on; its cells are then measured
# by their length. A cell holding a line break is seen by counting the separators, white space
# by looking for it (one pattern of alternatives was 10x slower on long text).
_NOT_AS_IS = re.compile("[^\n -~\xa1-\u02ff]")  # a negated class: compiled in 1 ms, not 9
_PLAIN = bytes(range(0x20, 0x7F)) + b"\n"  # printable ASCII, and the separator of the cells


def _as_is(blob: str, cells: int) -> bool:
    """Whether ``cells`` cells joined by line breaks are all shown as they are (see above):
    a column of ASCII text (most of them; known at once) is checked as bytes, whose
    characters outside printable ASCII are found by deleting the others (4 MB of IRIs: 0.9 ms
    where the pattern took 8 ms)."""
    if blob[:1] == " " or blob[-1:] == " " or blob.count("\n") != cells - 1:
        return False
    # a space next to a space or a line break: one search where no cell is empty (an empty
    # cell is two line breaks in a row)
    if "  " in blob.replace("\n", " ") and (
            "  " in blob or " \n" in blob or "\n " in blob):
        return False
    if blob.isascii():
        return not blob.encode("ascii").translate(None, _PLAIN)
    return _NOT_AS_IS.search(blob) is None


class _Column(NamedTuple):
    texts: Sequence[str]  # the cells as shown
    widths: list[int] | None  # the columns each takes; None: its length
    width: int  # the widest cell's


def _column(values: Sequence) -> _Column:
    """A column of table cells (see _fit): their texts, the columns each takes (None when
    every cell takes its length: most columns, checked in one pass over the column, 11,542
    titles in 10 ms where a cell at a time took 0.3 s) and the widest."""
    types = set(map(type, values))
    texts = values if types <= {str} else list(map(str, values)) if types <= {int} else [
        v if type(v) is str else "" if v is None else str(v) if type(v) is int else _cell(v)
        for v in values]
    # a longer cell shows at most its first WIDTH characters: they are read, and its last one
    # (white space there would be folded away; anything else says the cell is cut)
    longest = max(map(len, texts))
    long = longest > WIDTH
    heads = [t if len(t) <= WIDTH else t[:WIDTH] + t[-1] for t in texts] if long else texts
    if _as_is("\n".join(heads), len(heads)):
        if not long:
            return _Column(texts, None, longest)
        cut = [t if len(t) <= WIDTH else t[:WIDTH - 1] + "…" for t in heads]
        return _Column(cut, None, max(map(len, cut)))
    fitted = [_fit(v) for v in texts]
    widths = [n for _, n in fitted]
    return _Column([t for t, _ in fitted], widths, max(widths))


def grid(columns: list[str], values: list[tuple]) -> str:
    """A terminal table of rows given as tuples in the order of ``columns``: each cell on one
    line, controls made visible, cut to WIDTH columns, the columns lined up."""
    if not values:
        return "(none)\n"
    if not columns:  # SELECT * of a pattern without variables: empty lines, one a row
        return "\n" * (len(values) + 2)
    head = [(t, _width(t)) for t in map(visible, columns)]

    def top(widths: list[int]) -> str:  # the header and its rule, as a format
        return ("  ".join(t + " " * (w - n) for (t, n), w in zip(head, widths)).rstrip()
                + "\n" + "  ".join("-" * w for w in widths).rstrip() + "\n").replace("%", "%%")

    # the cells row after row, as the format reads them, and a column as every n-th of them
    # (rows as long as the columns, as every caller gives them; else read by zip)
    flat = tuple(chain.from_iterable(values))
    n = len(columns)
    whole = set(map(len, values)) == {n}
    cols = [flat[i::n] for i in range(n)] if whole else list(zip(*values))
    cells = [_column(col) for col in cols]
    widths = [max(h, c.width) for (_, h), c in zip(head, cells)]
    # a column whose cells take their length is padded by the format, another one by hand;
    # the last one is not padded: a line ends in spaces only where its last cell is empty (a
    # cell never ends in white space), and only then is each line formatted and stripped
    shown, fmt = [], []
    for i, (c, w) in enumerate(zip(cells, widths)):
        last = i == len(cells) - 1
        shown.append(c.texts if c.widths is None or last else
                     [x + " " * (w - k) for x, k in zip(c.texts, c.widths)])
        fmt.append("%s" if c.widths is not None or last else f"%-{w}s")
    line = "  ".join(fmt)
    if "" in shown[-1]:
        return top(widths) % () + "\n".join(
            x.rstrip() for x in map(line.__mod__, zip(*shown))) + "\n"
    # the lines in one call of the format (62,040 lines in 13 ms, where a line at a time and
    # joining them took 21 ms); when every cell is shown as it is (names, IRIs), with the cells
    # as they came, not regrouped into lines (10 ms less)
    same = whole and all(t is col for t, col in zip(shown, cols))
    return (top(widths) + (line + "\n") * len(values)) % (
        flat if same else tuple(chain.from_iterable(zip(*shown))))


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    cols = columns or columns_of(rows)
    return grid(cols, [tuple(r.get(c) for c in cols) for r in rows])


def markdown(rows: list[dict], columns: list[str] | None = None) -> str:
    cols = columns or columns_of(rows)
    if not rows:
        return "_(none)_\n"

    def esc(s: str) -> str:
        return visible(" ".join(s.split())).replace("\\", "\\\\").replace("|", "\\|")

    out = ["| " + " | ".join(esc(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(esc(_cell(r.get(c))) for c in cols) + " |" for r in rows]
    return "\n".join(out) + "\n"


def to_csv(rows: list[dict], columns: list[str] | None = None) -> str:
    cols = columns or columns_of(rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([csv_safe(c) for c in cols])
    for r in rows:
        w.writerow([csv_safe(_cell(r.get(c))) for c in cols])
    return buf.getvalue()


def to_json(data) -> str:
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def rows(data: list[dict], fmt: str, columns: list[str] | None = None) -> str:
    """One list of rows in the chosen format."""
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        return to_csv(data, columns)
    if fmt == "markdown":
        return markdown(data, columns)
    return table(data, columns)


def sections(data: dict, fmt: str, order: list[tuple[str, str]], header: dict | None = None,
             counts: dict | None = None) -> str:
    """A record (``header``, key/value) followed by titled lists of rows.

    json: the whole dict; csv: one table with a leading ``section`` column.
    """
    if fmt == "json":
        return to_json(data)
    if fmt == "csv":
        flat = []
        for key, _ in order:
            flat += [{"section": key, **r} for r in data.get(key, [])]
        return to_csv(flat, columns_of(flat) or ["section"])
    md = fmt == "markdown"
    out = []
    if header:
        for k, v in header.items():
            if v not in (None, "", []):
                v = visible(_cell(v), keep="\n\t")
                out.append(f"- **{k}**: {v}" if md else f"{k}: {v}")
        out.append("")
    for key, title in order:
        items = data.get(key, [])
        total = (counts or {}).get(key, len(items))
        n = f"first {len(items)} of {total}" if total > len(items) else f"{total}"
        out.append(f"## {title} ({n})" if md else f"{title} ({n})")
        out.append((markdown if md else table)(items).rstrip("\n"))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- SPARQL results

def sparql_json(result) -> str:
    """A kg.read.query.Result as SPARQL 1.1 Query Results JSON."""
    if result.boolean is not None:
        return json.dumps({"head": {}, "boolean": result.boolean}) + "\n"
    bindings = []
    for r in result.rows:
        b = {}
        for name, t in r.items():
            d = {"type": t.type, "value": t.value}
            if t.lang:
                d["xml:lang"] = t.lang
            elif t.datatype:
                d["datatype"] = t.datatype
            b[name] = d
        bindings.append(b)
    return json_safe(json.dumps({"head": {"vars": result.vars},
                                 "results": {"bindings": bindings}},
                                ensure_ascii=False, indent=1)) + "\n"


def result(res, fmt: str) -> str:
    """A kg.read.query.Result in any format (json = the standard SPARQL 1.1 JSON)."""
    if res.triples is not None:  # N-Triples: the same terms with \\u escapes
        return _UNSAFE.sub(lambda m: "\n" if m.group() == "\n" else
                           f"\\u{ord(m.group()):04X}", res.triples)
    if fmt == "json":
        return sparql_json(res)
    if res.boolean is not None:
        return ("true" if res.boolean else "false") + "\n"
    shown = getattr(res.rows, "shown", None)  # rows that hold their values as shown
    values = shown() if shown else [tuple(r[v].value if v in r else None for v in res.vars)
                                    for r in res.rows]
    if fmt == "table":
        return grid(res.vars, values)
    return rows([dict(zip(res.vars, t)) for t in values], fmt, res.vars)
