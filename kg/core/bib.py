"""BibTeX text -> raw entries, with every problem reported as data (file, line, key).

Values are kept exactly as written (delimiters, macros, ``#`` concatenation, LaTeX) so that an
export reproduces them; :func:`resolve` gives the text a field stands for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kg.core.cycles import find_cycles
from kg.core.errors import InputError, Place, Problem
from kg.core.latex import decode
from kg.core.limits import bytes_setting, read_file

MONTHS = {m: str(i) for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
#: fields whose value is not LaTeX (decoding would eat ``%`` or ``\\_``)
VERBATIM_FIELDS = {"url", "doi", "eprint", "file", "pdf", "verba", "verbb", "verbc", "urlraw",
                   # EDTF dates: '~' is "approximate", not LaTeX's unbreakable space
                   "date", "origdate", "eventdate", "urldate", "birthdate", "deathdate"}
MAX_FIELD_CHARS = 5_000_000
#: the largest .bib file read (bytes); ``KG_MAX_BIB_BYTES`` (a number, suffixes K, M, G) sets
#: another.  What is larger, or not a regular file (a FIFO, a device such as /dev/zero), is
#: refused with an error rather than read without end.
MAX_BIB_BYTES = 512 << 20
ENV_MAX_BIB_BYTES = "KG_MAX_BIB_BYTES"
#: at most this many lines get their own "not valid UTF-8" warning; one more sums up the rest
MAX_ENCODING_WARNINGS = 20


@dataclass
class RawEntry:
    """One ``@type{key, ...}`` block, as written."""

    key: str
    entry_type: str  # lower case
    fields: dict[str, str]  # name as written -> raw value (with its delimiters)
    line: int  # 1-based line of the '@'
    field_lines: dict[str, int] = field(default_factory=dict)
    file: str = ""
    raw_type: str = ""  # entry type as written
    position: int = 0  # order in the file: piece number * 1000 + rank in the piece

    def names(self) -> dict[str, str]:
        """lower-case field name -> name as written."""
        return {k.lower(): k for k in self.fields}


@dataclass
class BibFile:
    """What a .bib file holds: entries, @string macros, preambles and comments, and problems."""

    path: str
    entries: list[RawEntry] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)  # name as written -> raw value
    string_lines: dict[str, int] = field(default_factory=dict)  # name as written -> line
    preambles: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: (text, line, key) of each piece of the file; key set when the piece is exactly one
    #: well-formed work/quote/claim entry (what an incremental build can redo alone)
    chunks: list[tuple[str, int, str | None]] = field(default_factory=list)

    def macros(self) -> dict[str, str]:
        """Resolved @string values by lower-case name (month names included)."""
        out = dict(MONTHS)
        for name, raw in self.strings.items():
            out[name.lower()] = resolve(raw, out)[0]
        return out


def max_bib_bytes() -> int:
    """The largest .bib file read: ``KG_MAX_BIB_BYTES``, else :data:`MAX_BIB_BYTES`."""
    return bytes_setting(ENV_MAX_BIB_BYTES, MAX_BIB_BYTES)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a .bib file: a regular file of at most :func:`max_bib_bytes` bytes
    (kg.core.limits.read_file: FIFOs, devices such as /dev/zero and sockets are refused)."""
    return read_file(path, max_bib_bytes(), ENV_MAX_BIB_BYTES, "a .bib file", "a bibliography")


def read_text(path: str | Path) -> tuple[str, list[Problem]]:
    """Read a .bib file whatever its encoding and line ends; refuse what is not text.

    UTF-8 is decoded line by line: a line holding bytes that are not UTF-8 is read as
    Windows-1252 (Latin-1) byte by byte, the rest of the file stays UTF-8, and each such line
    gets a warning.
    """
    name = str(path)
    data = read_bytes(path)
    problems: list[Problem] = []

    def warn(line: int, msg: str) -> None:
        problems.append(Problem(name, line, "", "warning", msg))

    enc = _wide(data)
    if enc:
        shown = enc[:6].upper()  # UTF-16, UTF-32
        try:
            text = data.decode(enc).lstrip("\ufeff")
        except UnicodeDecodeError:
            raise InputError(f"{name}: looks like {shown} but does not decode; "
                             "save it as UTF-8") from None
        warn(0, f"file is {shown}; read it, but biber and JabRef expect UTF-8: save it as UTF-8")
        return _newlines(text), problems
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.count(0)
    if nul and (nul > len(data) // 100 or not data.replace(b"\x00", b"").strip()):
        raise InputError(f"{name}: binary file ({nul} NUL bytes, first at byte "
                         f"{data.index(0)}), not a BibTeX file")
    try:
        text = data.decode("utf-8")
        bad: list[tuple[int, bytes, str]] = []
    except UnicodeDecodeError:
        text, bad, mixed = _decode_lines(data)
        controls = sum(text.count(c) for c in _CONTROLS)
        if controls > max(2, len(text) // 200):
            raise InputError(f"{name}: binary file (neither UTF-8 nor Latin-1 text), "
                             "not a BibTeX file") from None
        todo = ("convert the file to UTF-8 (iconv -f latin1 -t utf-8)" if not mixed else
                "the rest of the file is UTF-8: retype the character on this line (converting "
                "the whole file would garble the rest)")
        for line, byte, _ in bad[:MAX_ENCODING_WARNINGS]:
            warn(line, f"not valid UTF-8 (byte 0x{byte[0]:02X}); read as Latin-1/"
                       f"Windows-1252: {todo}")
        if len(bad) > MAX_ENCODING_WARNINGS:
            more = [str(x[0]) for x in bad[MAX_ENCODING_WARNINGS:]]
            warn(bad[MAX_ENCODING_WARNINGS][0],
                 f"{len(more)} more lines are not valid UTF-8 (lines {', '.join(more[:10])}"
                 f"{', ...' if len(more) > 10 else ''}); read as Latin-1/Windows-1252: {todo}")
    text = _newlines(text)
    if nul:
        for i, ln in enumerate(text.split("\n"), 1):
            if "\x00" in ln:
                warn(i, "NUL byte removed")
        text = text.replace("\x00", "")
    return text, problems


class Source(NamedTuple):
    """One file of a library read as one text (:func:`read_texts`): its path, the line of the
    joined text where its first line is, and how many lines it has there."""

    path: str
    first: int
    lines: int


@dataclass
class Joined:
    """The .bib files of one library read as one text, in the order given: the union of their
    entries, @string macros shared by all (as biber shares them between the files of one
    document), crossrefs and duplicate keys across files.

    What is found in the text (entries, problems) is at a line of the joined text, in the file
    ``name``; :meth:`moved` puts problems back at their own file and line, the places their
    messages name with them (kg.core.errors.Problem.citing).  One file is read as it is: its
    name is its path, and nothing moves."""

    text: str
    problems: list[Problem]  # of reading the files: each at its own file and line already
    sources: list[Source]
    name: str  # what the joined text's problems and entries carry until moved

    def __str__(self) -> str:
        return self.name

    @property
    def paths(self) -> list[str]:
        return [s.path for s in self.sources]

    def place(self, line: int) -> Place:
        """Line ``line`` of the joined text as a file and a line of that file."""
        if len(self.sources) == 1:
            return Place(self.sources[0].path, line)
        if line <= 0:
            return Place(self.name, line)
        found = self.sources[-1]
        for s in self.sources:
            if s.lines and line < s.first + s.lines:
                found = s
                break
        return Place(found.path, line - found.first + 1)

    def moved(self, problems) -> list[Problem]:
        """The problems of the joined text at their own file and line (the others as given)."""
        if len(self.sources) == 1:
            return list(problems)
        return [p.moved(self.place) if p.file == self.name else p for p in problems]

    def order(self, p: Problem) -> tuple:
        """Sort key of a moved problem: files in the order given, then lines (a problem of
        another file, the ontology or the output, at its line)."""
        line = p.line
        for s in self.sources:
            if s.path == p.file:
                line = s.first - 1 + p.line
                break
        return line, p.key, p.level, p.message

    def empty(self) -> list[Problem]:
        """The error of a library with no text at all: one per file."""
        return [Problem(s.path, 0, "", "error", "empty file: no entries") for s in self.sources]


def read_texts(paths) -> Joined:
    """Read the .bib files of one library (:func:`read_text` each: its size cap, its decoding
    line by line) and join them, in order, into one text; see :class:`Joined`."""
    names = [str(p) for p in paths]
    if len(names) == 1:
        text, problems = read_text(names[0])
        return Joined(text, problems, [Source(names[0], 1, text.count("\n") + 1)], names[0])
    parts: list[str] = []
    problems: list[Problem] = []
    sources: list[Source] = []
    line = 1
    for name in names:
        text, found = read_text(name)
        if text and not text.endswith("\n"):
            text += "\n"  # the next file starts on a line of its own
        if not text.strip():  # among others that are not: said of this file
            found.append(Problem(name, 0, "", "warning", "empty file: no entries in it"))
        parts.append(text)
        problems += found
        sources.append(Source(name, line, text.count("\n")))
        line += sources[-1].lines
    joined = "".join(parts)
    if not joined.strip():  # all of them: the error of each (Joined.empty)
        problems = [p for p in problems if p.message != "empty file: no entries in it"]
    return Joined(joined, problems, sources, ", ".join(names))


def _decode_lines(data: bytes) -> tuple[str, list[tuple[int, bytes, str]], bool]:
    """Bytes that are not all UTF-8 -> (text, [(line, first bad byte, its reading)], mixed).

    Line by line: a valid line is UTF-8; in a line that is not, every valid UTF-8 sequence is
    kept and every other byte is read as Windows-1252.  ``mixed``: the file also holds valid
    non-ASCII UTF-8 (then converting it whole from Latin-1 would garble those).
    """
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # never inside a sequence
    lines = data.split(b"\n")
    bad: list[tuple[int, bytes, str]] = []
    mixed = False
    out = []
    for i, raw in enumerate(lines, 1):
        try:
            line = raw.decode("utf-8")
            if not mixed and not line.isascii():
                mixed = True
            out.append(line)
            continue
        except UnicodeDecodeError:
            pass
        parts, pos, first = [], 0, None
        view = memoryview(raw)  # no copy of the rest of the line at each bad byte
        while True:
            try:
                parts.append(str(view[pos:], "utf-8"))
                break
            except UnicodeDecodeError as e:
                good = str(view[pos: pos + e.start], "utf-8")
                mixed = mixed or not good.isascii()
                byte = raw[pos + e.start: pos + e.start + 1]
                read = byte.decode("cp1252", errors="replace")
                parts += [good, read]
                first = first or (byte, read)
                pos += e.start + 1
        out.append("".join(parts))
        bad.append((i, first[0], first[1]))
    return "\n".join(out), bad, mixed


_CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\f"] + ["\x7f", "\ufffd"]


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _wide(data: bytes) -> str | None:
    """The codec of a UTF-32 or UTF-16 text: 'utf-32' / 'utf-16' (BOM), 'utf-32-le'/'-be',
    'utf-16-le'/'-be' (ASCII-heavy text without BOM), or None."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:256]
    if len(head) < 8:
        return None
    cols = [head[i::4] for i in range(4)]
    zero = [c.count(0) > len(c) * 0.6 for c in cols]
    some = [c.count(0) < len(c) * 0.1 for c in cols]
    if some[0] and all(zero[1:]):
        return "utf-32-le"
    if some[3] and all(zero[:3]):
        return "utf-32-be"
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > len(odd) * 0.6 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.6 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


_KEY = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s{}()]*)")


def parse(text: str, path: str = "references.bib") -> BibFile:
    """Split BibTeX text into raw entries; broken blocks become problems, not exceptions.

    Well-formed entries go through a fast scanner; any block it does not fully understand
    (comments, @string, @preamble, syntax errors) is handed to bibtexparser, whose error
    recovery and messages we keep.
    """
    bib = BibFile(path)
    if not text.strip():
        bib.problems.append(Problem(path, 0, "", "error", "empty file: no entries"))
        return bib
    pieces = list(_chunks(text))
    parse_pieces(bib, pieces, range(len(pieces)), {})
    _check_macros(bib)
    return bib


def parse_pieces(bib: BibFile, pieces: list[tuple[str, int]], indexes,
                 first_line: dict[str, int]) -> list[tuple[int, str | None]]:
    """Parse some pieces of a file (see :func:`_chunks`) into ``bib``.

    ``first_line`` maps keys to the line of their first entry; it may be filled beforehand
    (a parallel build knows every key from the entry heads): an entry is a duplicate when its
    key's first line is another one.  Returns, per piece, the key it stands for when it is
    exactly one well-formed work, quote or claim (what an incremental build can redo alone).
    """
    path = bib.path
    keys: list[tuple[int, str | None]] = []
    for i in indexes:
        chunk, line = pieces[i]
        n = len(bib.entries)
        entry = _scan_entry(chunk, line)
        if entry is not None:
            _add_entry(bib, entry, line, path, first_line)
            simple = len(bib.entries) > n and entry.entry_type.lower() != "thinker"
            if entry.stray:
                bib.problems.append(_ended_early(path, entry.stray[0], entry.key,
                                                 entry.stray[1]))
            key = entry.key if simple else None
        else:
            _parse_slow(bib, chunk, line, path, first_line)
            key = None
        for rank, e in enumerate(bib.entries[n:]):
            e.position = i * 1000 + rank
        bib.chunks.append((chunk, line, key))
        keys.append((i, key))
    return keys


_CHUNK_START = re.compile(r"^[ \t]*@\w*[ \t]*(?=[{(])", re.MULTILINE)
_AT = re.compile(r"@\w*[ \t]*(?=[{(])")


def chunk_starts(text: str) -> list[int]:
    """Where ``_CHUNK_START`` matches, five times faster: a pattern anchored at every line
    start is tried at every line; an '@' is rare, and its line start is found backwards."""
    out = []
    for m in _AT.finditer(text):
        i = m.start()
        j = text.rfind("\n", 0, i) + 1
        if j == i or not text[j:i].strip(" \t"):
            out.append(j)
    return out


def _chunks(text: str):
    """(text, 1-based line) pieces, each starting at an '@' at the start of a line."""
    starts = chunk_starts(text)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    line = 1
    for i, a in enumerate(starts):
        b = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[a:b]
        yield chunk, line
        line += chunk.count("\n")


class _Field:
    __slots__ = ("key", "start_line", "value")

    def __init__(self, key: str, value: str, start_line: int):
        self.key, self.value, self.start_line = key, value, start_line


class _Entry:
    __slots__ = ("entry_type", "fields", "key", "stray")

    def __init__(self, key: str, entry_type: str, fields: list,
                 stray: tuple[int, list[str]] | None = None):
        self.key, self.entry_type, self.fields = key, entry_type, fields
        #: field-like text after the closing brace: (line of that brace, the fields lost)
        self.stray = stray


_HEAD = re.compile(r"[ \t]*@[ \t]*([A-Za-z][\w-]*)[ \t]*([{(])"  # @type{
                   r"[ \t\n]*([^,\s{}\"#%'=\\]+)[ \t\n]*,")  # key, (biber takes '(' and ')')
_NAME = re.compile(r"\s*([^\s=,{}()\"#%\\]+)\s*=\s*")
_BARE = re.compile(r"[^\s,#{}()\"=%]+")
# a brace or quote counts unless escaped by an odd number of backslashes ('\\}' ends a group)
_BRACE = re.compile(r"(?<!\\)(?:\\\\)*([{}])")
_QUOTED = re.compile(r'(?<!\\)(?:\\\\)*([{}"])')
_AFTER = re.compile(r"\s*([#,)}]|$)")
_NOT_ENTRY = {"comment", "string", "preamble"}


# One field whose value is a braced group (three levels of nesting), a simple quoted string,
# a number or a macro name, followed by ',' or the closing brace: most fields of most files.
# Each group is written as "unrolled loops" (plain characters in runs, then an escape or a
# nested group, then a run again): a run is matched in one step, not one character per step
# through an alternation (about 2x faster on long values such as abstracts), and every
# character can be matched in only one way, so a value that does not match fails in linear time.
_G0 = r"[^{}\\]*(?:\\.[^{}\\]*)*"
_G1 = r"[^{}\\]*(?:(?:\\.|\{" + _G0 + r"\})[^{}\\]*)*"
_G2 = r"[^{}\\]*(?:(?:\\.|\{" + _G1 + r"\})[^{}\\]*)*"
_SIMPLE = re.compile(r"\s*([^\s=,{}()\"#%\\]+)\s*=\s*"
                     r"(\{" + _G2 + r"\}|\"[^\"{}\\]*(?:\\.[^\"{}\\]*)*\"|\d+|[A-Za-z][\w:.+-]*)"
                     r"\s*(,|\})")


def _scan_simple(chunk: str, m: re.Match, line: int) -> _Entry | None:
    """The common case in one regular expression per field; None when anything is unusual."""
    pos = m.end()
    fields: list[_Field] = []
    nl, last = line - 1, 0
    match = _SIMPLE.match
    while True:
        f = match(chunk, pos)
        if f is None:
            rest = _AFTER.match(chunk, pos)
            if rest and rest.group(1) == "}":
                end = rest.end()
                break
            return None
        eq = f.start(2)
        nl += chunk.count("\n", last, eq)
        last = eq
        nl_eq = nl - (chunk.count("\n", f.end(1), eq) if "\n" in chunk[f.end(1):eq] else 0)
        fields.append(_Field(f.group(1), f.group(2), nl_eq))
        pos = f.end()
        if f.group(3) == "}":
            end = pos
            break
    if "@" in chunk[end:]:
        return None
    return _Entry(m.group(3), m.group(1), fields, _stray(chunk, end, line))


def _scan_entry(chunk: str, line: int) -> _Entry | None:
    """A well-formed entry as (key, type, raw fields), or None to let bibtexparser decide."""
    m = _HEAD.match(chunk)
    if not m or m.group(1).lower() in _NOT_ENTRY:
        return None
    if m.group(2) == "{" and len(chunk) < 65536:  # the regex's stack grows with a value
        simple = _scan_simple(chunk, m, line)
        if simple is not None:
            return simple
    closer = "}" if m.group(2) == "{" else ")"
    pos = m.end()
    fields: list[_Field] = []
    n = len(chunk)
    while True:
        rest = _AFTER.match(chunk, pos)
        if rest and rest.group(1) == closer:
            end = rest.end()
            break
        nm = _NAME.match(chunk, pos)
        if not nm:
            return None
        start = nm.end()
        p = start
        while True:  # value parts joined by '#'
            if p >= n:
                return None
            c = chunk[p]
            if c == "{":
                depth = 1
                for b in _BRACE.finditer(chunk, p + 1):
                    depth += 1 if b.group(1) == "{" else -1
                    if depth == 0:
                        p = b.end()
                        break
                else:
                    return None
            elif c == '"':
                depth = 0
                for b in _QUOTED.finditer(chunk, p + 1):
                    ch = b.group(1)
                    if ch == "{":
                        depth += 1
                    elif ch == "}":
                        depth -= 1
                        if depth < 0:
                            return None
                    elif depth == 0:
                        p = b.end()
                        break
                else:
                    return None
            else:
                bare = _BARE.match(chunk, p)
                if not bare:
                    return None
                p = bare.end()
            after = _AFTER.match(chunk, p)
            if not after or not after.group(1) or after.group(1) == ")" != closer:
                return None
            if after.group(1) == "#":
                p = after.end()
                while p < n and chunk[p] in " \t\n":
                    p += 1
                continue
            break
        fields.append(_Field(nm.group(1), chunk[start:p].strip(),
                             line - 1 + chunk.count("\n", 0, nm.start() + nm.group().index("="))))
        sep = after.group(1)
        pos = after.end() if sep == "," else after.start(1)
    if "@" in chunk[end:]:
        return None
    return _Entry(m.group(3), m.group(1), fields, _stray(chunk, end, line))


#: text after an entry's end that looks like more fields: a '}' too many closed it early
_FIELD_LIKE = re.compile(r"[\w-]+\s*=\s*[{\"\d]")
_LOST_NAME = re.compile(r"(?:^|[,\s])([A-Za-z][\w-]*)\s*=")


def _stray(chunk: str, end: int, line: int) -> tuple[int, list[str]] | None:
    """When the text after an entry's end (``end``: after its closing brace) looks like more
    fields: (line of the closing brace, the names of those fields), else None."""
    if not _FIELD_LIKE.search(chunk, end):
        return None
    return line + chunk.count("\n", 0, end - 1), lost_fields(chunk[end:])


def lost_fields(text: str) -> list[str]:
    """The names of the fields written in ``text`` (outside braces and quotes), in order."""
    top, depth, quoted = [], 0, False
    for part in re.split(r'((?<!\\)[{}"])', text):
        if part == "{":
            depth += 1
        elif part == "}":
            depth = max(0, depth - 1)
        elif part == '"' and depth == 0:
            quoted = not quoted
        elif depth == 0 and not quoted:
            top.append(part)
    names = _LOST_NAME.findall(" ".join(top))
    return list(dict.fromkeys(names))


def _ended_early(path: str, line: int, key: str, lost: list[str]) -> Problem:
    """The error of an entry a '}' too many closed early: the fields after it are lost."""
    what = (f"fields lost: {', '.join(lost)}" if len(lost) > 1 else
            f"field lost: {lost[0]}" if lost else "the text after it is ignored")
    return Problem(path, line, key, "error",
                   f"entry ends early here: a '}}' too many in a value closes it, and what "
                   f"follows is not read ({what}): balance the braces")


def _parse_slow(bib: BibFile, chunk: str, line: int, path: str,
                first_line: dict[str, int]) -> None:
    import logging

    import bibtexparser
    from bibtexparser import model as bm

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # failures become Problems
    lib = bibtexparser.parse_string(chunk, parse_stack=[])
    before = None  # the entry just before this block: (key, line of its closing brace)
    for block in lib.blocks:
        bline = block.start_line + line
        last, before = before, None
        if isinstance(block, (bm.Entry, bm.DuplicateFieldKeyBlock)):
            raw = getattr(block, "raw", "") or ""
            before = (block.key, bline + raw.count("\n"))
        if isinstance(block, bm.ImplicitComment) and last and _FIELD_LIKE.search(block.comment):
            bib.problems.append(_ended_early(path, last[1], last[0],
                                             lost_fields(block.comment)))
        elif isinstance(block, bm.Entry):
            _add_entry(bib, block, bline, path, first_line, line - 1)
        elif isinstance(block, bm.String):
            if block.key in bib.strings:
                bib.problems.append(Problem(path, bline, block.key, "error",
                                            f"duplicate @string macro '{block.key}'; this one "
                                            "is ignored: rename or delete one of them"))
            else:
                bib.strings[block.key] = block.value
                bib.string_lines[block.key] = bline
        elif isinstance(block, bm.Preamble):
            bib.preambles.append(block.value)
        elif isinstance(block, bm.ExplicitComment):
            bib.comments.append(block.comment)
        elif isinstance(block, bm.DuplicateBlockKeyBlock):
            m = _KEY.match(block.raw.lstrip())
            key = block.key if hasattr(block, "key") else (m.group(2) if m else "")
            if m and m.group(1).lower() == "string":
                bib.problems.append(Problem(path, bline, key, "error",
                                            f"duplicate @string macro '{key}'; this one is "
                                            "ignored: rename or delete one of them"))
            else:
                bib.problems.append(_duplicate(path, bline, key, first_line))
        elif isinstance(block, bm.DuplicateFieldKeyBlock):
            _add_entry(bib, block.ignore_error_block, bline, path, first_line, line - 1)
        elif isinstance(block, bm.ParsingFailedBlock):
            bib.problems.append(_failed(block, bline, path, chunk))


def _duplicate(path: str, line: int, key: str, first_line: dict[str, int]) -> Problem:
    then = "this one is ignored: rename or merge one of them"
    if key not in first_line:
        return Problem(path, line, key, "error", f"duplicate key '{key}' (first at line ?); {then}")
    return Problem.citing(path, line, key, "error", f"duplicate key '{key}' (first at {{at}}); "
                          f"{then}", Place(path, first_line[key]))


def _add_entry(bib: BibFile, block, line: int, path: str, first_line: dict[str, int],
               offset: int = 0) -> None:
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    seen: dict[str, str] = {}
    for f in block.fields:
        low = f.key.lower()
        fline = (f.start_line + 1 + offset) if f.start_line is not None else line
        if low in seen:
            same = seen[low] == f.key
            bib.problems.append(Problem.citing(
                path, fline, block.key, "error",
                f"field '{f.key}' appears twice (first at {{at}})"
                f"{'' if same else ' (field names are case-insensitive)'}; the first value is "
                "kept: delete or rename the other", Place(path, lines[seen[low]])))
            continue
        seen[low] = f.key
        value = f.value
        if len(value) > MAX_FIELD_CHARS:
            bib.problems.append(Problem(path, fline, block.key, "warning",
                                        f"field '{f.key}' is {len(value):,} characters long"))
        fields[f.key] = value
        lines[f.key] = fline
    key = block.key
    if not key or not re.fullmatch(r"[^\s,{}\"#%'=\\]+", key):
        bib.problems.append(Problem(path, line, key, "error",
                                    f"invalid citekey {key!r}: use letters, digits and -_:./"))
        return
    if first_line.setdefault(key, line) != line:
        bib.problems.append(_duplicate(path, line, key, first_line))
        return
    bib.entries.append(RawEntry(key, block.entry_type.lower(), fields, line, lines, path,
                                block.entry_type))


#: an entry's head as written: its type and the text up to the first ',' or line end
_WRITTEN_KEY = re.compile(r"@\s*(\w+)\s*[{(][ \t]*([^,\n]*?)[ \t]*(?:,|\n|$)")
_KEY_FORBIDDEN = re.compile(r"[\s\"#%'{}=\\]")


def _char_name(c: str) -> str:
    return {" ": "a space", "\t": "a tab", "\n": "a line break"}.get(c, repr(c))


def _failed(block, line: int, path: str, chunk: str = "") -> Problem:
    raw = block.raw.lstrip()
    at = chunk.find(raw) if raw else -1
    written_from = chunk[at: at + 4096] if at >= 0 else raw  # the parser stops at a bad key
    m = _KEY.match(raw)
    key = m.group(2) if m else ""
    kind = f"@{m.group(1)}" if m else "block"
    error = getattr(block, "error", None)
    reason = str(getattr(error, "abort_reason", "") or getattr(block, "abort_reason", "") or "")
    depth = raw.count("{") - raw.count("}")
    ignored = f"in {kind} entry (the entry is ignored; parsing resumed at the next '@')"
    head = _WRITTEN_KEY.match(written_from)
    bad_key = head and head.group(1).lower() not in _NOT_ENTRY and _KEY_FORBIDDEN.search(
        head.group(2))
    if bad_key:  # what broke the parser is the key, not a brace or a quote
        written = head.group(2)
        return Problem(path, line, written, "error",
                       f"invalid citekey {written!r} {ignored}: a key cannot hold "
                       f"{_char_name(bad_key.group())}; use letters, digits and -_:./")
    if "closing `\"`" in reason:
        what = f'unclosed quote {ignored}: close the "..." value'
    elif "closing `}`" in reason or "closing bracket" in reason or (
            depth > 0 and "`=`" not in reason and "`,`" not in reason):
        what = f"unclosed brace {ignored}: close the brace"
    elif "`=`" in reason:
        what = (f"syntax error in {kind} entry: a field name must be followed by '=' "
                "(the entry is ignored)")
    elif "`,`" in reason:
        what = (f"syntax error in {kind} entry: fields must be separated by ',' "
                "(the entry is ignored)")
    elif depth < 0:
        what = f"unbalanced '}}' {ignored}: remove it or add '{{'"
    else:
        what = (f"syntax error in {kind} entry: expected a key, then field = value pairs "
                "(the entry is ignored)")
    return Problem(path, line, key, "error", what)


def _check_macros(bib: BibFile, macros: dict[str, str] | None = None) -> None:
    """Warn of fields that use a @string macro nobody defined, and of @string macros that
    use each other round in a cycle."""
    _macro_cycles(bib)
    macros = bib.macros() if macros is None else macros
    for e in bib.entries:
        for name, raw in e.fields.items():
            for macro in undefined_macros(raw, macros):
                bib.problems.append(Problem(
                    bib.path, e.field_lines.get(name, e.line), e.key, "warning",
                    f"field '{name}' uses undefined @string macro '{macro}': define it with "
                    f"@string{{{macro} = {{...}}}} or brace the value"))


def _macro_cycles(bib: BibFile) -> None:
    """Warn of each cycle of @string macros (a = b # {x}, b = a): none has a value."""
    if not bib.strings:
        return
    written = {name.lower(): name for name in bib.strings}
    links = {low: sorted(macro_refs(bib.strings[name]) & written.keys())
             for low, name in written.items()}
    for cycle in find_cycles(links):
        first = written[cycle[0]]
        what = (f"@string macro '{first}' uses itself, so it has no value (biber reports it "
                "undefined): give it a text value" if len(cycle) == 2 else
                "@string macro cycle " + " -> ".join(f"'{written[c]}'" for c in cycle)
                + ": a macro cannot stand for itself, so none of them has a value (biber "
                "reports them undefined): give one of them a text value")
        bib.problems.append(Problem(bib.path, bib.string_lines.get(first, 0), first,
                                    "warning", what))


_SPACES = re.compile(r"[ \t\n]{2,}|[\t\n]")  # what [ \t\n]+ finds, less the single spaces
_TOKEN = re.compile(r'\s*(?:(\{)|(")|(\d+)|([^\s#{}"]+))')


def _tokens(raw: str):
    """Top-level parts of a raw value: ('text', s) for delimited parts, ('macro', name)."""
    i, n = 0, len(raw)
    while i < n:
        m = _TOKEN.match(raw, i)
        if not m:
            yield ("text", raw[i:].strip())
            return
        if m.group(1):
            j = _group_end(raw, m.end(), "}")
            yield ("text", raw[m.end(): j - 1])
        elif m.group(2):
            j = _group_end(raw, m.end(), '"')
            yield ("text", raw[m.end(): j - 1])
        elif m.group(3):
            j = m.end()
            yield ("text", m.group(3))
        else:
            j = m.end()
            yield ("macro", m.group(4))
        rest = re.match(r"\s*#?\s*", raw[j:])
        i = j + (rest.end() if rest else 0)


def _group_end(s: str, start: int, close: str) -> int:
    depth = 0
    i = start
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0 and close == "}":
                return i + 1
            depth -= 1
        elif c == '"' and close == '"' and depth == 0:
            return i + 1
        i += 1
    return len(s) + 1


def resolve(raw: str, macros: dict[str, str]) -> tuple[str, list[str]]:
    """Raw value -> the text it stands for (LaTeX not decoded), and undefined macro names."""
    if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:
        return raw[1:-1], []
    missing: list[str] = []
    parts: list[str] = []
    for kind, val in _tokens(raw):
        if kind == "macro":
            low = val.lower()
            if low in macros:
                parts.append(macros[low])
            else:
                missing.append(val)
                parts.append(val)
        else:
            parts.append(val)
    return "".join(parts), missing


def macro_refs(raw: str) -> set[str]:
    """Lower-case names of the @string macros a raw value refers to."""
    if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:
        return set()
    return {v.lower() for kind, v in _tokens(raw) if kind == "macro"} - set(MONTHS)


def undefined_macros(raw: str, macros: dict[str, str]) -> list[str]:
    if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:
        return []
    return resolve(raw, macros)[1]


def text(raw: str, macros: dict[str, str], name: str = "") -> str:
    """Raw value -> display text: macros resolved, LaTeX decoded (not for url, doi...)."""
    value = resolve(raw, macros)[0]
    if name.lower() in VERBATIM_FIELDS:
        return value.strip()
    if not value:
        return ""
    value = decode(value)
    if "\n" in value or "\t" in value or "  " in value:  # else _SPACES finds nothing
        value = _SPACES.sub(" ", value)
    return value.strip()


def load(path: str | Path) -> BibFile:
    """Read and parse a .bib file."""
    text_, problems = read_text(path)
    bib = parse(text_, str(path))
    bib.problems[:0] = problems
    return bib
