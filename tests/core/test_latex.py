"""kg.core.latex: LaTeX field text -> Unicode, unknown macros, fold() and slug()."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.core.latex import decode, fold, slug, unknown_macros

# --------------------------------------------------------------------------- accents

ACCENTS = [
    # every written form of the same letter
    (r"\'e", "é"), (r"\'{e}", "é"), (r"{\'e}", "é"), (r"{\'{e}}", "é"), (r"\' e", "é"),
    (r"\`a", "à"), (r"\^o", "ô"), (r"\~n", "ñ"), (r"\=a", "ā"), (r"\.z", "ż"),
    (r"\"o", "ö"), (r"\"{o}", "ö"), (r"{\"U}ber", "Über"),
    # dotless i, with and without braces
    (r"\"{\i}", "ï"), (r"\"\i", "ï"), (r"\'{\i}", "í"), (r"{\'\i}", "í"), (r"\^{\i}", "î"),
    (r"Na{\"\i}ma", "Naïma"),
    # letter accents: braced or followed by a space
    (r"\c{c}", "ç"), (r"\c c", "ç"), (r"\c{S}", "Ş"), (r"Fran{\c c}oise", "Françoise"),
    (r"\v{C}", "Č"), (r"\v{s}", "š"), (r"\v s", "š"), (r"\u{g}", "ğ"), (r"\H{o}", "ő"),
    (r"\k{a}", "ą"), (r"\r{a}", "å"), (r"\r a", "å"), (r"\d{s}", "ṣ"), (r"\b{b}", "ḇ"),
    # capitals
    (r"\'E", "É"), (r"\'{E}mile", "Émile"), (r"{\'E}ditions", "Éditions"),
    # named letters
    (r"\oe", "œ"), (r"\OE", "Œ"), (r"{\oe}uvre", "œuvre"), (r"\oe uvre", "œuvre"),
    (r"\OE uvre", "Œuvre"), (r"\ss{}", "ß"), (r"Stra\ss e", "Straße"), (r"\ss{}e", "ße"),
    (r"\o", "ø"), (r"\o{}", "ø"), (r"{\O}stergaard", "Østergaard"), (r"\ae", "æ"),
    (r"\AE", "Æ"), (r"\aa", "å"), (r"\AA", "Å"), (r"\l", "ł"), (r"\L", "Ł"), (r"\i", "ı"),
]


@pytest.mark.parametrize("latex,expected", ACCENTS)
def test_accents(latex, expected):
    assert decode(latex) == expected


@pytest.fixture(scope="module")
def pylatexenc():
    """The reference decoder (in the dev venv; not a declared test extra of pyproject)."""
    latex2text = pytest.importorskip("pylatexenc.latex2text")
    return latex2text.LatexNodes2Text()


@pytest.mark.parametrize("latex", [latex for latex, _ in ACCENTS])
def test_accents_agree_with_pylatexenc(latex, pylatexenc):
    """pylatexenc is the slow reference decoder: on accents both must agree."""
    assert decode(latex) == pylatexenc.latex_to_text(latex)


@pytest.mark.parametrize("latex", [
    r"Post-scriptum sur les soci\'et\'es de contr\^ole",
    r"Le bluff technologique -- 1988---2004",
    r"Andr{\'e} Gorz, {\'E}cologie et libert{\'e}",
    r"50~\% de vrai, \& plus : \$3 \#1 a\_b",
    r"{Pi{\`e}ces et main d'{\oe}uvre}",
    r"\emph{Le syst\`eme technicien}, \textit{Autopsie de la r\'evolution}",
    r"G{\"u}nther Anders, \textbf{Die Antiquiertheit des Menschen}",
])
def test_sentences_agree_with_pylatexenc(latex, pylatexenc):
    assert decode(latex) == pylatexenc.latex_to_text(latex)


def test_accents_give_composed_characters():
    """NFC: 'é' is one code point, as written directly in a UTF-8 file."""
    assert decode(r"\'e") == "\u00e9"
    assert decode(r"\c{c}") == "\u00e7"
    assert decode(r"\v{C}") == "\u010c"


# --------------------------------------------------------------------------- escapes, dashes, ties

@pytest.mark.parametrize("latex,expected", [
    (r"\%", "%"), (r"\&", "&"), (r"\_", "_"), (r"\$", "$"), (r"\#", "#"),
    (r"70\% du temps", "70% du temps"), (r"Tom \& Jerry", "Tom & Jerry"),
    (r"a\_b\_c", "a_b_c"), (r"\$100", "$100"), (r"\#1", "#1"),
    (r"\{x\}", "{x}"),
])
def test_escapes(latex, expected):
    assert decode(latex) == expected


@pytest.mark.parametrize("latex,expected", [
    ("240--247", "240–247"), ("a---b", "a—b"), ("a -- b --- c", "a – b — c"),
    ("Metz - 2016", "Metz - 2016"),
])
def test_dashes(latex, expected):
    assert decode(latex) == expected


def test_tilde_is_a_no_break_space():
    assert decode("p.~12") == "p.\u00a012"
    assert decode(r"50~\%") == "50\u00a0%"


def test_ldots_and_quotes():
    assert decode(r"et\ldots") == "et…"
    assert decode("``x''") == "“x”"
    assert decode("l'homme") == "l'homme"


# --------------------------------------------------------------------------- macros and braces

@pytest.mark.parametrize("latex,expected", [
    (r"\emph{x}", "x"), (r"\emph {x}", "x"), (r"\textit{y}", "y"), (r"\textbf{b}", "b"),
    (r"\textsc{sc}", "sc"), (r"\textit{\'e}", "é"), (r"\texttt{a\_b}", "a_b"),
    (r"Le \emph{syst\`eme} technicien", "Le système technicien"),
    (r"\mkbibemph{x}", "x"), (r"\nocase{X}", "X"),
])
def test_text_formatting_macros_keep_their_argument(latex, expected):
    assert decode(latex) == expected


@pytest.mark.parametrize("latex,expected", [
    (r"\enquote{z}", "“z”"),
    (r"\enquote{a \emph{b}}", "“a b”"),
    (r"\mkbibquote{q}", "“q”"),
    (r"\mkfrenchquote{q}", "« q »"),
    (r"Il dit \enquote{non} puis part", "Il dit “non” puis part"),
])
def test_quote_macros(latex, expected):
    assert decode(latex) == expected


@pytest.mark.parametrize("latex,expected", [
    ("{RDF}", "RDF"), ("The {RDF} and {{SPARQL}} book", "The RDF and SPARQL book"),
    ("{L}a {C}onvivialit{\\'e}", "La Convivialité"), ("{}", ""), ("a{}b", "ab"),
])
def test_protective_braces_are_removed(latex, expected):
    assert decode(latex) == expected


def test_text_without_latex_is_returned_unchanged():
    s = "Déjà vu : « œuvre » — ½ 漢字 🙂"
    assert decode(s) == s


@pytest.mark.parametrize("latex,expected,unknown", [
    (r"\foo{bar}", r"\foo bar", ["foo"]),
    (r"a \foo b", r"a \foo b", ["foo"]),
    (r"\zz and \yy", r"\zz and \yy", ["yy", "zz"]),
    (r"{\em x}", r"\em x", ["em"]),
    (r"\'e \foo \oe", r"é \foo œ", ["foo"]),
])
def test_unknown_macros_are_kept_and_reported(latex, expected, unknown):
    assert decode(latex).rstrip() == expected  # kept (a separating space may follow)
    assert unknown_macros(latex) == unknown


@pytest.mark.parametrize("latex", [
    r"\'e", r"\c{c}", r"\oe", r"\emph{x}", r"\enquote{x}", r"\%", r"\ss{}", r"\i", "plain",
    r"\href{http://x}{lien}", r"\textendash",
])
def test_known_macros_are_not_reported(latex):
    assert unknown_macros(latex) == []


def test_line_break_is_not_an_unknown_macro():
    assert decode(r"x\\y") == "x\ny"
    assert unknown_macros(r"x\\y") == []


def test_textasciitilde_is_a_tilde():
    assert decode(r"\textasciitilde") == "~"


def test_empty_tilde_accent_is_a_tilde():
    # the usual way to write a literal tilde in a BibTeX field (e.g. a URL in `note`)
    assert decode(r"http://x.org/\~{}user") == "http://x.org/~user"


# --------------------------------------------------------------------------- fold and slug

@pytest.mark.parametrize("a,b", [
    ("Société", "SOCIETE"), ("Œuvre", "oeuvre"), ("Straße", "STRASSE"), ("Ørsted", "orsted"),
    ("l’homme", "l'homme"), ("a\u00a0b", "a b"), ("Non-neutralité", "non-neutralite"),
    ("e\u0301", "é"),  # decomposed and composed forms fold alike
])
def test_fold_ignores_case_and_accents(a, b):
    assert fold(a) == fold(b)


def _fold_by_definition(s: str) -> str:
    """fold() as defined: NFKD of the folded letters, without combining marks, case-folded."""
    import unicodedata

    from kg.core.latex import _FOLD_CHARS

    s = unicodedata.normalize("NFKD", s.translate(str.maketrans(_FOLD_CHARS)))
    return "".join(c for c in s if not unicodedata.combining(c)).casefold()


_LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x52F)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_LATIN) | st.text() | st.text(alphabet="œŒæßłıİ\u034f\u0301\u0345é"))
def test_fold_fast_paths_agree_with_its_definition(s):
    assert fold(s) == _fold_by_definition(s)


@pytest.mark.parametrize("s", ["İstanbul", "a\u034fb", "ᾳ", "ﬁn", "Ǆ", "x\u0345y", "한국어"])
def test_fold_keeps_what_is_not_a_combining_mark(s):
    assert fold(s) == _fold_by_definition(s)


def test_fold_values():
    assert fold("Éçœ Straße ÀB") == "ecoe strasse ab"
    assert fold("Reconnaissance Faciale") == "reconnaissance faciale"


@pytest.mark.parametrize("text,expected", [
    ("Pièces et main d'œuvre", "pieces-et-main-d-oeuvre"),
    ("Ellul Jacques", "ellul-jacques"),
    ("  La Quadrature du Net!  ", "la-quadrature-du-net"),
    ("Straße 12", "strasse-12"),
    ("---", ""),
])
def test_slug(text, expected):
    assert slug(text) == expected


def test_slug_is_ascii_and_stable():
    for s in ["Émile Zola", "Bjørn Østergaard", "Naïma Martínez", "Gilles Deleuze"]:
        out = slug(s)
        assert out == slug(s)
        assert out.isascii() and out == out.lower() and " " not in out


def test_control_characters_are_not_turned_into_braces():
    assert decode("a\x01b\x02 \\'e") == "a\x01b\x02 é"
