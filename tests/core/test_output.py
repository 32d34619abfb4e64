"""kg.core.output: terminal tables measure cells in columns (wide East Asian characters take two,
combining marks none) and cut long cells with '…' within the width."""
from __future__ import annotations

import pytest

from kg.core import output
from kg.core.output import _cut, _width


@pytest.mark.parametrize("text, width", [
    ("Ellul", 5), ("", 0), ("Éric", 4), ("E\u0301ric", 4), ("日本語", 6), ("a日b", 4),
])
def test_width_in_columns(text, width):
    assert _width(text) == width


@pytest.mark.parametrize("text, n", [
    ("La Technique ou l'Enjeu du siècle", 10), ("日本語のテキストです", 7),
    ("E\u0301ric E\u0301ric E\u0301ric", 6), ("short", 10), ("exactly10!", 10),
])
def test_cut_stays_within_the_width_and_keeps_a_prefix(text, n):
    cut = _cut(text, n)
    assert _width(cut) <= n
    if _width(text) <= n:
        assert cut == text
    else:
        assert cut.endswith("…") and text.startswith(cut[:-1])
        # nothing more would fit: one more character passes the width
        assert _width(text[:len(cut)] + "…") > n


def test_a_table_of_many_long_rows_is_aligned():
    rows = [{"key": f"k{i}", "title": "Écrits " * 30 + "日本" * i, "year": 2000 + i}
            for i in range(50)]
    lines = output.table(rows).splitlines()
    assert len(lines) == 52
    starts = {line.index(str(2000 + i)) for i, line in enumerate(lines[2:])}
    widths = {_width(line[:line.index(str(2000 + i))]) for i, line in enumerate(lines[2:])}
    assert len(widths) == 1 and starts


def test_latin_cells_take_the_fast_way_and_the_same_columns():
    """A cell of Latin letters (accents, a Danish 'ø') is measured and cut by its length, not
    character by character; what it gives is what the character-by-character rule gives."""
    import random
    import unicodedata

    def columns(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else
                   0 if unicodedata.combining(c) else 1 for c in s)

    rnd = random.Random(3)
    for _ in range(3000):
        s = "".join(chr(rnd.choice([rnd.randint(32, 126), rnd.randint(160, 0x2FF),
                                    rnd.randint(0x300, 0x36F), 0x4E00 + rnd.randint(0, 50),
                                    0x2014, 0x2019]))
                    for _ in range(rnd.randint(1, 50)))
        assert _width(s) == columns(s), s
        n = rnd.randint(2, 40)
        cut, flat = _cut(s, n), " ".join(s.split())
        assert columns(cut) <= n and (cut == flat or (
            cut.endswith("…") and flat.startswith(cut[:-1])
            and columns(flat[:len(cut)] + "…") > n)), (s, n, cut)


def test_a_table_measures_each_cell_once_and_lines_up_whatever_the_text():
    """The table keeps each cell's text and columns together (measured once): every line of a
    table of random cells (Latin, accents, CJK, combining marks, controls, numbers, lists) puts
    its second cell at the same column, each cell within the width, controls made visible."""
    import random

    rnd = random.Random(5)
    alphabet = "ab éøå日本\u0301\x1b\t\n-–…" + "xyz" * 5

    def text() -> str:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 120)))

    rows = [{"a": text(), "b": rnd.choice([None, 1, 2.5, ["x", "y"], text()]), "c": "|"}
            for _ in range(400)]
    lines = output.table(rows).splitlines()
    assert len(lines) == 402 and "\x1b" not in "".join(lines)
    for line, r in zip(lines[2:], rows):
        a = output._fit(r["a"])[0]
        assert line.startswith(a) and _width(a) <= output.WIDTH
    # the bar of column c starts at the same column on every line
    assert len({_width(line[:line.rindex("|")]) for line in lines[2:]}) == 1


def test_a_plain_cell_is_fitted_as_any_other():
    """_fit takes printable ASCII text as it is unless spaces need folding: the same text and
    columns as the general path (white space folded, controls shown, cut to the width)."""
    import random

    rnd = random.Random(11)

    def general(v) -> tuple[str, int]:
        s = output.visible(" ".join(output._cell(v).split()))
        return (s, len(s)) if len(s) <= output.WIDTH else (s[:output.WIDTH - 1] + "…",
                                                           output.WIDTH)

    alphabet = "ab  xyz-,.;:'\"()" + "e" * 5
    for _ in range(3000):
        v = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 150)))
        for cell in (v, " " + v, v + " ", v.replace(" ", "  ")):
            assert output._fit(cell) == general(cell), cell


def _table_a_cell_at_a_time(rows: list[dict], cols: list[str]) -> str:
    """The terminal table as kg made it before it read whole columns: every cell fitted and
    measured on its own (the reference the faster table must equal)."""
    cells = [[output._fit(r.get(c)) for c in cols] for r in rows]
    head = [(t, _width(t)) for t in map(output.visible, cols)]
    widths = [max(w for _, w in col) for col in zip(head, *cells)]

    def line(vals):
        return "  ".join(t + " " * (w - n) for (t, n), w in zip(vals, widths)).rstrip()

    out = [line(head), line([("-" * w, w) for w in widths])] + [line(r) for r in cells]
    return "\n".join(out) + "\n"


def test_a_table_read_by_columns_equals_one_fitted_a_cell_at_a_time():
    """Whole columns of plain cells are taken as they are, others a cell at a time: the
    table is the one cell-by-cell fitting gives, whatever the cells (short, long, cut at the
    width or one past it, white space at the edges or after the cut, controls, accents,
    wide and combining characters, numbers, lists)."""
    import random

    rnd = random.Random(17)
    pieces = ["a", "b", " ", "  ", "é", "ø", "日", "\u0301", "\t", "\n", "\x1b", "\xa0", "-",
              "\u202e", "…"]
    plain = "abcdefghij éèà"

    def text(alphabet) -> str:
        n = rnd.choice([0, 1, 5, output.WIDTH - 1, output.WIDTH, output.WIDTH + 1,
                        output.WIDTH + 2, rnd.randint(0, 200)])
        s = "".join(rnd.choice(alphabet) for _ in range(n))
        return rnd.choice([s, s.strip(), s.strip() + rnd.choice(["", " ", "  ", "x", "\n"])])

    for trial in range(300):
        cols = ["key", "title", "n", "mixed"]
        rows = []
        for _ in range(rnd.randint(1, 30)):
            r = {"key": f"k{rnd.randint(0, 99)}", "title": text(plain),
                 "n": rnd.choice([None, 7, 2.5, 1987]),
                 "mixed": text(pieces if trial % 3 else plain)}
            rows.append({c: v for c, v in r.items() if rnd.random() > 0.1})
        assert output.table(rows, cols) == _table_a_cell_at_a_time(rows, cols), rows
        # strings only, every cell given: the cells may be formatted as they came
        words = [rnd.choice(["", "k", "a b", "é", "Ellul", "x" * output.WIDTH])
                 for _ in range(6)]
        short = [{"key": f"k{i}", "name": rnd.choice(words), "kind": rnd.choice(words)}
                 for i in range(rnd.randint(1, 30))]
        if trial % 5 == 0:
            short[-1]["name"] = text(pieces)
        cols = ["key", "name", "kind"]
        assert output.table(short, cols) == _table_a_cell_at_a_time(short, cols), short


def test_a_table_of_plain_strings_is_formatted_as_it_came():
    """The tables of names and IRIs (kg query thinker-names) take the way that formats the
    cells as they came; a % in a cell or a column name is text, not a format."""
    rows = [{"thinker": "https://kg.example/id/person/ellul-jacques", "name": "Jacques Ellul",
             "kind": "name"}, {"thinker": "x", "name": "100 %s %", "kind": "alias"}]
    assert output.table(rows) == _table_a_cell_at_a_time(rows, list(rows[0]))
    assert output.table(rows, ["thinker", "name", "kind"]).splitlines()[3] == \
        "x                                           100 %s %       alias"
    assert output.table([{"a%": "b"}]) == "a%\n--\nb\n"


def test_a_table_without_columns_has_a_line_a_row():
    """SELECT * of a pattern without variables: rows without columns, printed as empty lines
    (head, rule, one a row), as fitting each cell printed them."""
    assert output.table([{}, {}], []) == _table_a_cell_at_a_time([{}, {}], []) == "\n" * 4
