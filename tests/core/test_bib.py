"""kg.core.bib: reading any text file (encodings, line ends, NUL bytes) and parsing it into raw
entries, with every problem reported as data: ``file:line: key: level: message``."""
from __future__ import annotations

import random
import re

import pytest
from conftest import SMALL_BIB, messages
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.core.bib import MONTHS, load, parse, read_text, resolve, text
from kg.core.errors import InputError, Problem

# An entry left open at line 5 between two good ones: line numbers and recovery are checked
# on this text under every encoding and line-end convention.
SRC = ("@book{a,\n"
       "  title = {Été},\n"
       "}\n"
       "\n"
       "@book{b,\n"
       "  title = {B\n"
       "}\n"
       "\n"
       "@book{c, title={Ça}}\n")
UNCLOSED = ("unclosed brace in @book entry (the entry is ignored; parsing resumed at the next "
            "'@'): close the brace")
PROBLEM_FORMAT = re.compile(r"^(?P<file>[^:]+):(?P<line>[1-9]\d*): (?P<key>[^:]+): "
                            r"(?P<level>error|warning): (?P<msg>.+)$", re.S)


def check_src(bib, file: str) -> None:
    """The three entries of SRC as they must come out, whatever the encoding."""
    assert [(e.key, e.line) for e in bib.entries] == [("a", 1), ("c", 9)]
    assert bib.entries[0].fields == {"title": "{Été}"}
    assert bib.entries[1].fields == {"title": "{Ça}"}
    errors = [p for p in bib.problems if p.level == "error"]
    assert errors == [Problem(file, 5, "b", "error", UNCLOSED)]
    assert str(errors[0]) == f"{file}:5: b: error: {UNCLOSED}"


# --------------------------------------------------------------------------- encodings, line ends

def test_utf8(write_bib):
    p = write_bib(SRC.encode("utf-8"))
    text_, problems = read_text(p)
    assert text_ == SRC and problems == []
    check_src(load(p), str(p))


def test_utf8_with_bom(write_bib):
    p = write_bib(b"\xef\xbb\xbf" + SRC.encode("utf-8"))
    text_, problems = read_text(p)
    assert text_ == SRC  # the BOM is not part of the text
    assert problems == []
    check_src(load(p), str(p))


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_line_ends(write_bib, eol):
    p = write_bib(SRC.replace("\n", eol).encode("utf-8"))
    text_, problems = read_text(p)
    assert text_ == SRC and problems == []
    bib = load(p)
    check_src(bib, str(p))
    assert bib.entries[0].field_lines == {"title": 2}


def test_mixed_line_ends(write_bib):
    p = write_bib(b"@book{a,\r\n  title = {A},\r}\n@book{b,\r\n  title = {B\r\n}\r\n"
                  b"@book{c, title={C}}\r\n")
    bib = load(p)
    assert [(e.key, e.line) for e in bib.entries] == [("a", 1), ("c", 7)]
    assert [(p_.line, p_.key) for p_ in bib.problems] == [(4, "b")]


def test_latin1_file_is_read_with_a_warning_at_each_bad_line(write_bib):
    p = write_bib(SRC.encode("latin-1"))
    text_, problems = read_text(p)
    assert text_ == SRC  # decoded: 'Été' and 'Ça' are back
    assert problems == [Problem(
        str(p), line, "", "warning",
        f"not valid UTF-8 (byte 0x{byte:02X}); read as Latin-1/Windows-1252: convert the file "
        "to UTF-8 (iconv -f latin1 -t utf-8)") for line, byte in ((2, 0xC9), (9, 0xC7))]
    bib = load(p)
    check_src(bib, str(p))
    assert str(bib.problems[0]).startswith(f"{p}:2: warning: not valid UTF-8 (byte 0xC9)")


def test_latin1_bad_byte_late_in_the_file(write_bib):
    good = "".join(f"@misc{{k{i}, title={{T{i}}}}}\n" for i in range(30))
    p = write_bib(good.encode() + "@misc{late, title={Déjà}}\n".encode("latin-1"))
    _, problems = read_text(p)
    assert [(x.line, x.level) for x in problems] == [(31, "warning")]
    assert "byte 0xE9" in problems[0].message
    assert load(p).entries[-1].fields == {"title": "{Déjà}"}


def test_latin1_with_lone_cr_line_ends_gives_the_right_line(write_bib):
    p = write_bib(SRC.replace("\n", "\r").encode("latin-1"))
    _, problems = read_text(p)
    assert [x.line for x in problems] == [2, 9]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(write_bib, encoding):
    p = write_bib(SRC.encode(encoding))  # "utf-16" writes a BOM, the -le/-be codecs do not
    text_, problems = read_text(p)
    assert text_ == SRC
    assert problems == [Problem(str(p), 0, "", "warning",
                                "file is UTF-16; read it, but biber and JabRef expect UTF-8: "
                                "save it as UTF-8")]
    check_src(load(p), str(p))


def test_a_few_nul_bytes_are_removed_with_a_warning(write_bib):
    body = SRC.replace("{Ça}", "{Ç\x00a}") + "% " + "x" * 300 + "\n"
    p = write_bib(body.encode("utf-8"))
    text_, problems = read_text(p)
    assert "\x00" not in text_
    assert problems == [Problem(str(p), 9, "", "warning", "NUL byte removed")]
    bib = load(p)
    assert bib.entries[1].fields == {"title": "{Ça}"}


def test_nul_byte_line_with_lone_cr_line_ends(write_bib):
    body = SRC.replace("{Ça}", "{Ç\x00a}") + "% " + "x" * 300 + "\n"
    p = write_bib(body.replace("\n", "\r").encode("utf-8"))
    _, problems = read_text(p)
    assert [(x.line, x.message) for x in problems] == [(9, "NUL byte removed")]


def test_many_nul_bytes_is_a_binary_file(write_bib):
    head = SRC.encode() + b"%" * 100  # 178 bytes of text, then the NULs
    p = write_bib(head + b"\x00" * 100 + b"x" * 300)
    with pytest.raises(InputError, match=r"binary file \(100 NUL bytes, first at byte 178\), "
                                         r"not a BibTeX file"):
        read_text(p)


def test_nul_run_near_the_start_is_not_taken_for_utf16(write_bib):
    p = write_bib(SRC.encode() + b"\x00" * 100 + b"x" * 300)
    with pytest.raises(InputError, match="binary file"):
        read_text(p)


def test_binary_header_is_a_binary_file(write_bib):
    p = write_bib(bytes(range(32)) * 20 + SRC.encode())
    with pytest.raises(InputError, match="binary file"):
        load(p)


def test_compressed_binary_file_is_refused(write_bib):
    p = write_bib(b"\x89PNG\r\n\x1a\n" + random.Random(0).randbytes(4000))
    with pytest.raises(InputError, match="binary file"):
        load(p)


def test_file_of_nul_bytes_is_refused(write_bib):
    p = write_bib(b"\x00" * 1000)
    with pytest.raises(InputError, match="binary file"):
        load(p)


@pytest.mark.parametrize("content", ["", "  \n\n\t\n", "\ufeff"])
def test_empty_file(write_bib, content):
    p = write_bib(content.encode("utf-8"))
    bib = load(p)
    assert bib.entries == []
    assert bib.problems == [Problem(str(p), 0, "", "error", "empty file: no entries")]
    assert str(bib.problems[0]) == f"{p}: error: empty file: no entries"


def test_missing_file(tmp_path):
    p = tmp_path / "nope.bib"
    with pytest.raises(InputError, match=re.escape(f"{p}: file not found")):
        load(p)


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(InputError, match=re.escape(f"{tmp_path}: is a folder, not a .bib file")):
        load(tmp_path)


def test_input_error_exit_code():
    assert InputError("x").exit_code == 2


# --------------------------------------------------------------------------- parse problems

def test_unclosed_brace_names_the_open_entry_and_keeps_the_following():
    bib = parse("@book{a, title={A}}\n\n@book{b,\n  title = {B\n}\n\n"
                "@article{c, title={C}}\n@misc{d, title={D}}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["a", "c", "d"]
    assert [str(p) for p in bib.problems] == [f"x.bib:3: b: error: {UNCLOSED}"]


def test_unclosed_brace_in_the_first_entry():
    bib = parse("@book{a, title={A}\n\n@book{b, title={B}}\n@book{c, title={C}}\n", "x.bib")
    assert [(e.key, e.line) for e in bib.entries] == [("b", 3), ("c", 4)]
    assert [(p.line, p.key, p.level) for p in bib.problems] == [(1, "a", "error")]
    assert bib.problems[0].message == UNCLOSED


def test_unclosed_brace_in_the_last_entry():
    bib = parse("@book{a, title={A}}\n\n@book{b,\n  title = {B\n}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["a"]
    assert [(p.line, p.key, p.message) for p in bib.problems] == [(3, "b", UNCLOSED)]


def test_missing_equal_sign_is_a_syntax_error_not_an_unclosed_brace():
    bib = parse("@book{a, title={A}}\n@book{b, title {B}}\n@book{c, title={C}}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["a", "c"]
    assert [(p.line, p.key) for p in bib.problems] == [(2, "b")]
    assert bib.problems[0].message.startswith("syntax error in @book entry")


def test_duplicate_key_names_the_first_line():
    bib = parse("@book{a,\n  title = {A},\n}\n@book{a,\n  title = {A2},\n}\n"
                "@book{a, title={A3}}\n", "x.bib")
    assert [(e.key, e.fields) for e in bib.entries] == [("a", {"title": "{A}"})]
    assert [str(p) for p in bib.problems] == [
        "x.bib:4: a: error: duplicate key 'a' (first at line 1); this one is ignored: rename or "
        "merge one of them",
        "x.bib:7: a: error: duplicate key 'a' (first at line 1); this one is ignored: rename or "
        "merge one of them",
    ]


def test_duplicate_string_macro():
    bib = parse("@string{x = {1}}\n@string{x = {2}}\n@book{a, t = x}\n", "x.bib")
    assert [(p.line, p.key, p.level) for p in bib.problems] == [(2, "x", "error")]
    assert bib.problems[0].message.startswith("duplicate @string macro 'x'")
    assert "line ?" not in bib.problems[0].message
    assert bib.strings == {"x": "{1}"} and bib.macros()["x"] == "1"  # the first is kept


def test_duplicate_field():
    bib = parse("@book{a,\n  title = {A},\n  title = {B},\n}\n", "x.bib")
    assert bib.entries[0].fields == {"title": "{A}"}  # the first value is kept
    assert [str(p) for p in bib.problems] == [
        "x.bib:3: a: error: field 'title' appears twice (first at line 2); the first value is "
        "kept: delete or rename the other"]


def test_duplicate_field_differing_in_case():
    bib = parse("@book{b,\n  Title = {A},\n  title = {B},\n}\n", "x.bib")
    assert bib.entries[0].fields == {"Title": "{A}"}
    assert [str(p) for p in bib.problems] == [
        "x.bib:3: b: error: field 'title' appears twice (first at line 2) (field names are "
        "case-insensitive); the first value is kept: delete or rename the other"]


def test_exact_and_case_insensitive_duplicates_together():
    bib = parse("@book{a, title={A},\n  title={B},\n  TITLE={C}}\n", "x.bib")
    assert bib.entries[0].fields == {"title": "{A}"}
    assert [(p.line, p.message.split(";")[0]) for p in bib.problems] == [
        (2, "field 'title' appears twice (first at line 1)"),
        (3, "field 'TITLE' appears twice (first at line 1) (field names are case-insensitive)")]


def test_undefined_string_macro_is_a_warning_naming_it():
    bib = parse("@string{pub = \"Seuil\"}\n@book{a,\n  title = {T},\n"
                "  publisher = pub # { et } # gallim,\n}\n", "x.bib")
    assert [str(p) for p in bib.problems] == [
        "x.bib:4: a: warning: field 'publisher' uses undefined @string macro 'gallim': define "
        "it with @string{gallim = {...}} or brace the value"]
    assert [e.key for e in bib.entries] == ["a"]


def test_defined_macros_and_month_names_are_not_warned():
    bib = parse("@string{pub = \"Seuil\"}\n@book{a, publisher = pub, month = jan, "
                "year = 1999, note = {nov}}\n", "x.bib")
    assert bib.problems == []


@pytest.mark.parametrize("key", ["a'b", "x y", "a#b", "a%b"])
def test_invalid_citekey(key):
    bib = parse(f"@book{{{key}, title={{A}}}}\n@book{{ok, title={{ok}}}}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["ok"]  # the bad entry is left out, the next kept
    assert [(p.line, p.key, p.level) for p in bib.problems] == [(1, key, "error")]
    assert bib.problems[0].message == (f"invalid citekey {key!r}: use letters, digits and "
                                       "-_:./")


def test_invalid_citekey_message():
    bib = parse("@book{a'b,\n  title = {A},\n}\n@book{, title = {B}}\n", "x.bib")
    assert [str(p) for p in bib.problems] == [
        "x.bib:1: a'b: error: invalid citekey \"a'b\": use letters, digits and -_:./",
        "x.bib:4: error: invalid citekey '': use letters, digits and -_:./",
    ]
    assert bib.entries == []


def test_valid_citekeys_of_the_data_model():
    keys = ["ellul1988", "q-ellul-ambivalence", "c-youtube-70", "Doe_2020:a.b/c"]
    bib = parse("".join(f"@misc{{{k}, title={{T}}}}\n" for k in keys), "x.bib")
    assert [e.key for e in bib.entries] == keys and bib.problems == []


def test_every_problem_prints_with_file_and_1_based_line(write_bib):
    p = write_bib("@string{x = {1}}\n@book{a, title={A},\n title={B}}\n"
                  "@book{b, Title={T}, title={U}, publisher = nope}\n@book{c,\n title={C\n}\n"
                  "@book{x y, title={Z}}\n@book{d, title={D}}\n@book{d, title={D2}}\n")
    bib = load(p)
    assert sorted((p_.line, p_.key) for p_ in bib.problems) == [
        (3, "a"), (4, "b"), (4, "b"), (5, "c"), (8, "x y"), (10, "d")]
    for prob in bib.problems:
        m = PROBLEM_FORMAT.match(str(prob))
        assert m, str(prob)
        assert m["file"] == str(p) and int(m["line"]) == prob.line >= 1
        assert m["key"] == prob.key and m["level"] == prob.level
    assert [e.key for e in bib.entries] == ["a", "b", "d"]


@pytest.mark.parametrize("src", [
    "@book{a, title={A},\n title={B}}\n@book{a, title={C}}\n",
    "@book{a, title={A}}\n@book{a, title={C},\n title={B}}\n",
])
def test_duplicate_key_found_even_when_an_entry_has_a_duplicate_field(src):
    bib = parse(src, "x.bib")
    assert [e.key for e in bib.entries] == ["a"]
    assert any(p.message.startswith("duplicate key 'a' (first at line 1)") for p in bib.problems)


def test_problem_str_and_dict():
    p = Problem("refs.bib", 12, "k", "error", "boom")
    assert str(p) == "refs.bib:12: k: error: boom"
    assert str(Problem("refs.bib", 0, "", "warning", "w")) == "refs.bib: warning: w"
    assert str(Problem("refs.bib", 3, "", "warning", "w")) == "refs.bib:3: warning: w"
    assert p.as_dict() == {"file": "refs.bib", "line": 12, "key": "k", "level": "error",
                           "message": "boom"}


# --------------------------------------------------------------------------- raw values, resolve

def test_values_are_kept_as_written():
    src = ('@String{pub = "Seuil"}\n@preamble{"\\newcommand{\\noop}[1]{}"}\n'
           '@comment{a comment}\n'
           '@Book{Key1,\n  Title = {The {RDF} \\emph{Book}},\n  publisher = pub # { et } # "x",\n'
           '  year = 1999,\n  month = jan,\n  note = "q {"} r",\n}\n')
    bib = parse(src, "x.bib")
    e = bib.entries[0]
    assert (e.key, e.entry_type, e.line) == ("Key1", "book", 4)
    assert e.fields == {"Title": "{The {RDF} \\emph{Book}}",
                        "publisher": 'pub # { et } # "x"', "year": "1999", "month": "jan",
                        "note": '"q {"} r"'}
    assert e.field_lines == {"Title": 5, "publisher": 6, "year": 7, "month": 8, "note": 9}
    assert e.names() == {"title": "Title", "publisher": "publisher", "year": "year",
                         "month": "month", "note": "note"}
    assert bib.strings == {"pub": '"Seuil"'}
    assert bib.preambles == ['"\\newcommand{\\noop}[1]{}"']
    assert bib.comments == ["a comment"]


def test_raw_type_is_the_entry_type_as_written():
    e = parse("@Book{k, title={T}}\n@ARTICLE{l, title={T}}\n", "x.bib").entries
    assert [(x.entry_type, x.raw_type) for x in e] == [("book", "Book"), ("article", "ARTICLE")]


def test_macros_include_month_names():
    bib = parse('@string{pub = "Seuil"}\n@string{Full = pub # {, Paris}}\n', "x.bib")
    m = bib.macros()
    assert m["jan"] == "1" and m["dec"] == "12" and set(MONTHS) <= set(m)
    assert m["pub"] == "Seuil"
    assert m["full"] == "Seuil, Paris"  # macros may use earlier macros; names are lower-cased


@pytest.mark.parametrize("raw,expected", [
    ("{Seuil}", ("Seuil", [])),
    ('"Seuil"', ("Seuil", [])),
    ("1999", ("1999", [])),
    ("pub", ("Seuil", [])),
    ("PUB", ("Seuil", [])),
    ("jan", ("1", [])),
    ("Dec", ("12", [])),
    ('"x" # pub # {y}', ("xSeuily", [])),
    ("{a} # {b}", ("ab", [])),
    ("{a}#{b}", ("ab", [])),
    ("{x} # jan # {y}", ("x1y", [])),
    ("pub # foo", ("Seuilfoo", ["foo"])),
    ("{a {b} c}", ("a {b} c", [])),
    ('"q {"} r"', ('q {"} r', [])),
])
def test_resolve(raw, expected):
    assert resolve(raw, {"pub": "Seuil", **MONTHS}) == expected


def test_resolve_keeps_spaces_inside_concatenated_parts():
    macros = {"pub": "Seuil"}
    assert resolve("pub # { et } # {Minuit}", macros)[0] == "Seuil et Minuit"
    assert resolve('pub # " Paris"', macros)[0] == "Seuil Paris"
    assert parse('@string{pub = "Seuil"}\n@string{full = pub # { Paris}}').macros()["full"] \
        == "Seuil Paris"


def test_text_decodes_latex_but_not_verbatim_fields():
    macros = {"pub": "{\\'E}ditions du Seuil"}
    assert text("pub", macros, "publisher") == "Éditions du Seuil"
    assert text("{Ellul d\\'{e}monte\n   le  discours}", {}, "annotation") == \
        "Ellul démonte le discours"
    assert text("{https://example.org/a_b%20c}", {}, "url") == "https://example.org/a_b%20c"
    assert text("{10.1000/a\\_b}", {}, "DOI") == "10.1000/a\\_b"
    assert text("{}", {}, "title") == ""


def test_small_fixture_parses_cleanly():
    bib = load(SMALL_BIB)
    assert bib.problems == []
    assert [e.key for e in bib.entries] == [
        "ellul1988", "illich1973", "deleuze1990", "pourparlers", "technopolice", "ellul",
        "q-ellul-ambivalence", "c-youtube-70", "c-metz"]
    assert [e.entry_type for e in bib.entries] == [
        "book", "book", "incollection", "book", "online", "thinker", "quote", "claim", "claim"]
    assert bib.strings == {"hach": '"Hachette"'}
    assert bib.macros()["hach"] == "Hachette"
    assert messages(bib.problems) == []


def test_at_sign_at_the_start_of_a_line_inside_a_value():
    src = ("@misc{k,\n  annotation = {Voir le compte\n    @laquadrature sur Mastodon.},\n}\n"
           "@misc{j, title={J}}\n")
    bib = parse(src, "x.bib")
    assert bib.problems == []
    assert [(e.key, e.fields) for e in bib.entries] == [
        ("k", {"annotation": "{Voir le compte\n    @laquadrature sur Mastodon.}"}),
        ("j", {"title": "{J}"})]


def test_at_sign_inside_a_line_of_a_value():
    bib = parse("@misc{k, note = {écrire à contact@example.org ou @handle}}\n", "x.bib")
    assert bib.problems == []
    assert bib.entries[0].fields == {"note": "{écrire à contact@example.org ou @handle}"}


_START_PIECES = st.sampled_from(["@", "@book", "@Comment", "{", "(", " ", "\t", "\n", "x",
                                 "@@", "é", "\u2028", "\r", "@ book", "_"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_START_PIECES, max_size=30).map("".join))
def test_chunk_starts_are_where_the_line_anchored_pattern_matches(text):
    from kg.core.bib import _CHUNK_START, chunk_starts

    assert chunk_starts(text) == [m.start() for m in _CHUNK_START.finditer(text)]
