"""Property-based round trip and a fuzz run of the loader (hypothesis).

- entries with arbitrary Unicode, LaTeX, nested braces, quotes and field names go
  bib -> model -> graph (N-Triples, Oxigraph) -> `kg export --format bibtex` -> bib unchanged;
- the reader and the model never raise on arbitrary text or bytes (only InputError for a file
  that is not text).
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.core.bib import parse
from kg.core.errors import InputError
from kg.core.graph import to_ntriples
from kg.core.model import build_model
from kg.core.themes import load_thesaurus
from kg.write.export import bibtex

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# Text a braced BibTeX value may hold: anything but braces (added balanced below), with
# backslashes only as LaTeX commands or escapes (a lone trailing backslash would escape '}').
_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="{}\\\r\x00")
_latex = st.sampled_from(["\\'e", "\\`a", "\\\"o", "\\c{c}", "\\oe{}", "\\&", "\\%", "\\_",
                          "\\emph{x}", "\\textbf{Y}", "--", "---", "~", "``q''", "\\$", "$x^2$",
                          "\\foo", "\\\\ ", "\\#", "#", "\"", "@", "=", ",", "%"])


def _balanced(depth: int = 0):
    atom = st.one_of(st.text(_chars, max_size=12), _latex)
    if depth >= 3:
        return atom
    return st.one_of(atom, atom, _balanced(depth + 1).map(lambda s: "{" + s + "}"))


value_text = st.lists(_balanced(), max_size=6).map("".join)
field_name = st.from_regex(r"[a-z][a-z0-9_-]{0,11}", fullmatch=True).filter(
    lambda n: n not in ("crossref", "xref", "related", "xdata", "source", "citedin",
                        "statedin"))
key = st.from_regex(r"[a-z][a-z0-9:._-]{0,15}", fullmatch=True)
entry_type = st.sampled_from(["book", "article", "Misc", "online", "quote", "claim",
                              "thinker", "inproceedings", "customtype"])


@st.composite
def entries(draw):
    keys = draw(st.lists(key, min_size=1, max_size=4, unique=True))
    out = []
    for k in keys:
        names = draw(st.lists(field_name, min_size=1, max_size=6, unique_by=str.lower))
        fields = []
        for n in names:
            v = draw(value_text)
            style = draw(st.sampled_from(["brace", "brace", "quote", "number"]))
            if style == "quote" and '"' not in v:
                fields.append((n, '"' + v + '"'))
            elif style == "number":
                fields.append((n, str(draw(st.integers(0, 10**6)))))
            else:
                fields.append((n, "{" + v + "}"))
        if draw(st.booleans()) and not any(n == "name" for n, _ in fields):
            fields.append(("name", "{Doe, Jane}"))
        out.append((draw(entry_type), k, fields))
    return out


def render(items) -> str:
    return "\n".join(f"@{t}{{{k},\n" + "".join(f"  {n} = {v},\n" for n, v in fields) + "}\n"
                     for t, k, fields in items)


def roundtrip(text: str, thesaurus, ontology: bytes) -> str:
    bib = parse(text, "x.bib")
    model = build_model(bib, thesaurus)
    store = ox.Store()
    store.bulk_load(input=ontology, format=ox.RdfFormat.TURTLE)
    store.bulk_load(input=to_ntriples(model).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return bibtex(store)


ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = (ROOT / "ontology.ttl").read_bytes()
THESAURUS = load_thesaurus(ONTOLOGY)


@pytest.mark.slow
@SETTINGS
@given(items=entries())
def test_roundtrip_property(items):
    text = render(items)
    bib = parse(text, "x.bib")
    assert not [p for p in bib.problems if p.level == "error"], (text, bib.problems)
    # the reader saw what was written...
    assert [(e.raw_type, e.key, list(e.fields.items())) for e in bib.entries] == \
        [(t, k, fields) for t, k, fields in items]
    # ...and the graph gives it back
    back = parse(roundtrip(text, THESAURUS, ONTOLOGY), "export.bib")
    assert [(e.raw_type, e.key, e.fields) for e in back.entries] == \
        [(e.raw_type, e.key, e.fields) for e in bib.entries]


def test_at_sign_at_line_start_inside_a_value():
    text = ("@book{a,\n  title = {T},\n  annotation = {Contact:\n@jdoe on Mastodon},\n"
            "  date = {2000},\n}\n")
    bib = parse(text, "x.bib")
    assert [e.key for e in bib.entries] == ["a"]
    assert bib.entries[0].fields["annotation"] == "{Contact:\n@jdoe on Mastodon}"
    assert not bib.problems


# ----------------------------------------------------------------------------- loader fuzz

bibish = st.lists(st.one_of(
    st.sampled_from(["@", "@book{", "@string{", "@comment{", "@preamble{", "{", "}", "(", ")",
                     ",", "=", "#", '"', "\\", "%", "\n", " and ", "title", "author",
                     "crossref", "keywords", "date", "\r\n", "\ufeff", "\x00", "é"]),
    st.text(max_size=8)), max_size=60).map("".join)


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=bibish)
def test_loader_never_crashes_on_text(text):
    bib = parse(text, "x.bib")
    build_model(bib, THESAURUS)
    for p in bib.problems:
        assert p.level in ("error", "warning") and p.line >= 0


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_loader_never_crashes_on_bytes(data, tmp_path_factory):
    from kg.core.bib import load

    p = tmp_path_factory.mktemp("fuzz") / "x.bib"
    p.write_bytes(data)
    try:
        bib = load(p)
    except InputError:
        return
    build_model(bib, THESAURUS)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=bibish)
def test_check_rules_never_crash(text):
    from kg.builder import check as ck

    model = build_model(parse(text, "x.bib"), THESAURUS)
    for rule in ck.RULES:
        list(rule(model))


def test_value_ending_in_latex_line_break():
    bib = parse("@book{a,\n  title = {Line one\\\\},\n  date = {2000},\n}\n", "x.bib")
    assert [e.key for e in bib.entries] == ["a"]
    assert bib.entries[0].fields["title"] == "{Line one\\\\}"
