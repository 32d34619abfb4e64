"""kg.core.model: names, thinkers, crossref inheritance, themes, quotes, claims, references."""
from __future__ import annotations

import pytest
from conftest import messages

from kg.core.model import Name, parse_names, parse_number


def problems_of(model, key: str) -> list[tuple[str, str]]:
    return [(p.level, p.message) for p in model.problems if p.key == key]


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("raw,given,family,suffix", [
    ("Ellul, Jacques", "Jacques", "Ellul", ""),
    ("Jacques Ellul", "Jacques", "Ellul", ""),
    ("de La Fontaine, Jean", "Jean", "de La Fontaine", ""),
    ("Jean de La Fontaine", "Jean", "de La Fontaine", ""),
    ("van der Berg, Jan", "Jan", "van der Berg", ""),
    ("Ludwig van Beethoven", "Ludwig", "van Beethoven", ""),
    ("King, Jr., Martin Luther", "Martin Luther", "King", "Jr."),
    ("Plato", "", "Plato", ""),
    ("{\\'E}douard {Le Roy}", "Édouard", "Le Roy", ""),
])
def test_name_parts(raw, given, family, suffix):
    assert parse_names(raw) == [Name(given, family, suffix)]


@pytest.mark.parametrize("raw,given,family", [
    ("Dupr{\\'e}, Andr{\\'e}", "André", "Dupré"),
    ("{\\'E}mile Zola", "Émile", "Zola"),
    ("Fran{\\c c}oise Sagan", "Françoise", "Sagan"),
    ("{\\O}stergaard, Bj{\\\"o}rn", "Björn", "Østergaard"),
    ("Na{\\\"\\i}ma Mart{\\'\\i}nez", "Naïma", "Martínez"),
    ("Le{\\v{c}}i{\\'c}, Ana", "Ana", "Lečić"),
])
def test_latex_in_names_is_decoded_after_splitting(raw, given, family):
    # a brace-protected accent must not make the splitter see one word as two (or none)
    assert parse_names(raw) == [Name(given, family)]


def test_corporate_name_is_kept_whole_as_an_organization():
    assert parse_names("{Pi{\\`e}ces et main d'{\\oe}uvre}") == [
        Name("", "Pièces et main d'œuvre", organization=True)]
    # 'and' inside the braces does not split
    assert parse_names("{Barnes and Noble}") == [Name("", "Barnes and Noble", organization=True)]


def test_several_names_and_others():
    names = parse_names("{La Quadrature du Net} and Deleuze, Gilles and Félix Guattari and others")
    assert names == [Name("", "La Quadrature du Net", organization=True),
                     Name("Gilles", "Deleuze"), Name("Félix", "Guattari")]


def test_name_display_sort_and_slug():
    n = Name("Martin Luther", "King", "Jr.")
    assert (n.display, n.sort, n.slug) == ("Martin Luther King, Jr.", "King, Martin Luther, Jr.",
                                           "king-martin-luther-jr")
    n = Name("Jacques", "Ellul")
    assert (n.display, n.sort, n.slug) == ("Jacques Ellul", "Ellul, Jacques", "ellul-jacques")
    org = parse_names("{Pièces et main d'œuvre}")[0]
    assert (org.display, org.sort, org.slug) == ("Pièces et main d'œuvre",
                                                 "Pièces et main d'œuvre",
                                                 "pieces-et-main-d-oeuvre")


# --------------------------------------------------------------------------- thinkers

def test_written_either_way_a_name_is_one_person(small_model):
    """'Ellul, Jacques' (author of ellul1988) and 'Jacques Ellul' (speaker of the quote)."""
    recs = {r.key: r for r in small_model.records}
    assert recs["ellul1988"].people == [("author", "ellul-jacques", 1)]
    assert recs["q-ellul-ambivalence"].people == [("speaker", "ellul-jacques", 1)]
    assert sorted(small_model.persons) == ["deleuze-gilles", "ellul-jacques", "giard-luce",
                                           "illich-ivan", "la-quadrature-du-net"]


def test_thinker_fields(small_model):
    p = small_model.persons["ellul-jacques"]
    assert p.key == "ellul"
    assert p.name == Name("Jacques", "Ellul")
    assert (p.birth, p.death, p.nationality, p.wikidata) == (
        "1912-01-06", "1994-05-19", "française", "Q323167")
    assert p.description == ("Historien du droit et sociologue, critique de la société "
                             "technicienne.")
    assert p.kind == "person"
    assert p.aliases == ["J. Ellul"]


def test_persons_without_thinker_entry(small_model):
    p = small_model.persons["la-quadrature-du-net"]
    assert (p.key, p.kind, p.name.display) == ("", "organization", "La Quadrature du Net")
    assert small_model.persons["giard-luce"].kind == "person"


def test_alias_merges_other_spellings(model_of):
    m = model_of("@book{b, author={Ellul, J.}, title={T}}\n"
                 "@book{c, author={J. Ellul and Charbonneau, Bernard}, title={U}}\n"
                 "@thinker{ellul, name={Ellul, Jacques}, alias={Ellul, J. and Ellul, Jacky}}\n"
                 "@book{d, author={Ellul, Jacky}, title={V}}\n")
    assert [r.people for r in m.records] == [
        [("author", "ellul-jacques", 1)],
        [("author", "ellul-jacques", 1), ("author", "charbonneau-bernard", 2)],
        [("author", "ellul-jacques", 1)]]
    assert sorted(m.persons) == ["charbonneau-bernard", "ellul-jacques"]
    assert m.persons["ellul-jacques"].aliases == ["J. Ellul", "Jacky Ellul"]


def test_accents_written_in_latex_or_utf8_give_one_person(model_of):
    m = model_of("@book{a, author={Guattari, F{\\'e}lix}, title={T}}\n"
                 "@book{b, author={Félix Guattari}, title={U}}\n")
    assert list(m.persons) == ["guattari-felix"]
    assert m.persons["guattari-felix"].name.display == "Félix Guattari"


def test_organization_thinker(model_of):
    m = model_of("@thinker{pmo, name={{Pi{\\`e}ces et main d'{\\oe}uvre}}, "
                 "thinkertype={organization}, description={Groupe grenoblois}}\n"
                 "@book{b, author={{Pièces et main d'œuvre}}, title={T}}\n")
    assert list(m.persons) == ["pieces-et-main-d-oeuvre"]
    p = m.persons["pieces-et-main-d-oeuvre"]
    assert (p.kind, p.key, p.description) == ("organization", "pmo", "Groupe grenoblois")
    assert m.records[0].people == [("author", "pieces-et-main-d-oeuvre", 1)]


def test_thinkertype_organization_on_an_unbraced_name(model_of):
    m = model_of("@thinker{t, name={Framasoft}, thinkertype={Organisation}}\n")
    assert m.persons["framasoft"].kind == "organization"


@pytest.mark.parametrize("qid", ["X123", "Q0123", "q42", "Q", "Q12a"])
def test_bad_wikidata_id_is_an_error(model_of, qid):
    m = model_of(f"@thinker{{t,\n  name={{Ellul, Jacques}},\n  wikidata={{{qid}}},\n}}\n")
    assert [str(p) for p in m.problems] == [
        f"x.bib:3: t: error: wikidata id {qid!r} is not of the form Q123"]
    assert m.persons["ellul-jacques"].wikidata == ""


def test_thinker_without_name_is_an_error(model_of):
    m = model_of("@thinker{t,\n  alias={X, Y},\n}\n")
    assert [str(p) for p in m.problems] == [
        "x.bib:1: t: error: @thinker has no 'name' field: add name = {Last, First}"]
    assert m.persons == {}


def test_thinker_themes(model_of):
    m = model_of("@thinker{t, name={Ellul, Jacques}, keywords={non-neutralite-technique}}\n")
    assert m.persons["ellul-jacques"].themes == ["non-neutralite-technique"]


def test_non_latin_names_stay_distinct(model_of):
    m = model_of("@book{a, author={Толстой, Лев}, title={Война и мир}}\n"
                 "@book{b, author={Достоевский, Фёдор}, title={Идиот}}\n"
                 "@book{c, author={Καζαντζάκης, Νίκος}, title={Ζορμπάς}}\n")
    assert len(m.persons) == 3
    assert len({r.people[0][1] for r in m.records}) == 3


def test_two_thinker_entries_for_one_person_are_reported(model_of):
    m = model_of("@thinker{t1, name={Ellul, Jacques}, birthdate={1912}}\n"
                 "@thinker{t2, name={Jacques Ellul}, nationality={française}}\n")
    assert {p.key for p in m.problems} & {"t1", "t2"}


# --------------------------------------------------------------------------- crossref

def test_crossref_inheritance_for_incollection(small_model):
    rec = next(r for r in small_model.records if r.key == "deleuze1990")
    v = rec.values
    assert v["title"] == "Post-scriptum sur les sociétés de contrôle"  # its own title kept
    assert v["booktitle"] == "Pourparlers"  # the parent's title, renamed
    assert v["bookauthor"] == "Deleuze, Gilles"  # the parent's author, renamed
    assert (v["date"], v["publisher"]) == ("1990", "Minuit")  # inherited as they are
    assert v["pages"] == "240–247"
    assert v["keywords"] == "societe-de-controle, surveillance"  # keywords are not inherited
    assert rec.refs == {"crossref": ["pourparlers"]}
    assert rec.themes == ["societe-de-controle", "surveillance"]


def test_crossref_does_not_override_and_skips_private_fields(model_of):
    m = model_of("@collection{coll, editor={Guattari, F{\\'e}lix}, title={Recueil}, date={1990},"
                 " publisher={Minuit}, annotation={Parent note}, keywords={surveillance},"
                 " related={x1}, subtitle={Sous-titre}}\n"
                 "@incollection{ch, author={Foucault, Michel}, title={Chapitre}, date={1991},"
                 " crossref={coll}}\n"
                 "@book{x1, title={X}}\n")
    ch = next(r for r in m.records if r.key == "ch")
    v = ch.values
    assert v["date"] == "1991"  # the child's own value wins
    assert (v["booktitle"], v["booksubtitle"], v["publisher"]) == (
        "Recueil", "Sous-titre", "Minuit")
    assert "annotation" not in v and "keywords" not in v and "related" not in v
    assert ch.themes == []
    # the inherited editor is a person of the chapter too
    assert ch.people == [("author", "foucault-michel", 1), ("editor", "guattari-felix", 2)]


def test_crossref_for_a_non_in_type_keeps_field_names(model_of):
    m = model_of("@book{parent, title={Parent}, publisher={P}}\n"
                 "@book{child, crossref={parent}}\n")
    v = m.records[1].values
    assert (v["title"], v["publisher"]) == ("Parent", "P") and "booktitle" not in v


def test_inherited_bookauthor_is_a_person_of_the_child(small_model):
    rec = next(r for r in small_model.records if r.key == "deleuze1990")
    assert ("bookauthor", "deleuze-gilles", 2) in rec.people


def test_crossref_to_unknown_key_is_an_error(model_of):
    m = model_of("@incollection{c,\n  title={C},\n  crossref={nope},\n}\n")
    assert ("error", "crossref 'nope' is not a key of the bibliography") in problems_of(m, "c")
    assert all(p.line == 3 for p in m.problems)


def test_crossref_to_unknown_key_is_reported_once(model_of):
    m = model_of("@incollection{c,\n  title={C},\n  crossref={nope},\n}\n")
    assert problems_of(m, "c") == [("error", "crossref 'nope' is not a key of the bibliography")]


# --------------------------------------------------------------------------- themes

@pytest.mark.parametrize("keyword,theme", [
    ("surveillance", "surveillance"),  # id
    ("SURVEILLANCE", "surveillance"),
    ("societe-de-controle", "societe-de-controle"),
    ("Société de contrôle", "societe-de-controle"),  # French label
    ("societe de controle", "societe-de-controle"),  # label, accents dropped
    ("SOCIÉTÉ DE CONTRÔLE", "societe-de-controle"),
    ("Control society", "societe-de-controle"),  # English label
    ("vidéosurveillance", "surveillance"),  # altLabel
    ("reconnaissance faciale", "reconnaissance-faciale"),  # id with spaces
    ("Non-neutralité de la technique", "non-neutralite-technique"),
    ("Soci{\\'e}t{\\'e} de contr{\\^o}le", "societe-de-controle"),  # LaTeX accents
])
def test_keywords_match_a_theme_by_id_or_label(model_of, keyword, theme):
    m = model_of(f"@book{{b, title={{T}}, keywords={{{keyword}}}}}\n")
    assert m.records[0].themes == [theme]
    assert m.problems == []


def test_keywords_are_deduplicated_in_order(model_of):
    m = model_of("@book{b, title={T}, keywords={Surveillance; surveillance, "
                 "Société de contrôle, vidéosurveillance}}\n")
    assert m.records[0].themes == ["surveillance", "societe-de-controle"]


def test_unknown_keyword_warns_with_the_closest_theme(model_of, strict_themes):
    m = model_of("@book{b,\n  title={T},\n  keywords={survailance},\n}\n")
    assert len(m.problems) == 1
    p = m.problems[0]
    assert (p.line, p.key, p.level) == (3, "b", "warning")
    assert p.message.startswith("unknown theme keyword 'survailance': closest theme: "
                                "'surveillance' (Surveillance)")
    assert m.records[0].themes == []


def test_unknown_keyword_without_any_close_theme(model_of, strict_themes):
    m = model_of("@book{b, title={T}, keywords={zzzzqqq, surveillance}}\n")
    assert messages(m.problems) == [
        "unknown theme keyword 'zzzzqqq': add it to the thesaurus in ontology.ttl"]
    assert m.records[0].themes == ["surveillance"]


def test_a_near_miss_is_a_theme_of_its_own_with_a_warning(model_of):
    """Mode "own" (the default): the keyword is kept as the person wrote it."""
    m = model_of("@book{b,\n  title={T},\n  keywords={survailance, zzzzqqq},\n}\n")
    assert messages(m.problems) == [
        "keyword 'survailance' is close to the theme 'surveillance' (Surveillance): made a theme "
        "of the library's own ('survailance'); write the theme's name if it is meant"]
    assert m.records[0].themes == ["survailance", "zzzzqqq"]


def test_other_words_are_no_near_miss(thesaurus):
    """Two edits make another word of a word of eight or nine letters: 'biologie' and
    'économie' are two apart from the theme 'écologie' (an altLabel of Environnement), and no
    typo of it; one edit under ten letters still is ('dystoie')."""
    assert thesaurus.suggest("biologie") == [] and thesaurus.suggest("économie") == []
    assert thesaurus.suggest("dystoie")[0].id == "dystopie"


def test_thesaurus(thesaurus):
    t = thesaurus.match("Société de contrôle")
    assert t.id == "societe-de-controle"
    assert t.iri == "https://kg.example/id/theme/societe-de-controle"
    assert t.label("fr") == "Société de contrôle" and t.label("en") == "Control society"
    assert thesaurus.match("nothing like it") is None
    assert thesaurus.suggest("survailance")[0].id == "surveillance"
    assert len(thesaurus) >= 30


# --------------------------------------------------------------------------- quotes and claims

@pytest.mark.parametrize("status", ["verbatim", "attributed", "paraphrase", "Verbatim"])
def test_valid_quote_status(model_of, status):
    m = model_of(f"@quote{{q, quote={{x}}, speaker={{A, B}}, locator={{p. 1}}, "
                 f"status={{{status}}}}}\n")
    assert m.problems == []


def test_bad_quote_status_is_an_error(model_of):
    m = model_of("@quote{q,\n  quote={x},\n  speaker={A, B},\n  locator={p. 1},\n"
                 "  status={Bogus},\n}\n")
    assert [str(p) for p in m.problems] == [
        "x.bib:5: q: error: quote status 'bogus' is not one of verbatim, attributed, paraphrase"]


def test_quote_checks(model_of):
    m = model_of("@quote{q,\n  langid={french},\n}\n")
    assert problems_of(m, "q") == [
        ("error", "@quote has no 'quote' field (the quoted text)"),
        ("warning", "quote has no status: say verbatim, attributed or paraphrase"),
        ("warning", "quote has no locator (page or chapter unknown)"),
        ("warning", "quote has neither speaker nor source"),
    ]


def test_quote_pages_count_as_a_locator(model_of):
    m = model_of("@quote{q, quote={x}, source={b}, pages={12}, status={verbatim}}\n"
                 "@book{b, title={B}}\n")
    assert m.problems == []


@pytest.mark.parametrize("status", ["sourced", "contested"])
def test_valid_claim_status(model_of, status):
    m = model_of(f"@claim{{c, statement={{s}}, source={{b}}, note={{n}}, status={{{status}}}}}\n"
                 "@book{b, title={B}}\n")
    assert m.problems == []


def test_claim_checks(model_of):
    m = model_of("@claim{c1,\n  figure={1},\n}\n"
                 "@claim{c2, statement={s}, status={sourced}}\n"
                 "@claim{c3, statement={s}, status={unsourced}}\n"
                 "@claim{c4, statement={s}, status={contested}}\n"
                 "@claim{c5, statement={s}, status={nonsense}}\n")
    assert problems_of(m, "c1") == [
        ("error", "@claim has no 'statement' field"),
        ("error", "claim status '' is not one of sourced, unsourced, contested")]
    assert problems_of(m, "c2") == [("error", "claim is 'sourced' but has no 'source' field")]
    assert problems_of(m, "c3") == [("warning", "claim is unsourced")]
    assert problems_of(m, "c4") == [
        ("warning", "contested claim without a note giving the correct fact")]
    assert problems_of(m, "c5") == [
        ("error", "claim status 'nonsense' is not one of sourced, unsourced, contested")]


@pytest.mark.parametrize("figure,number", [
    ("70", "70"), ("1,2", "1.2"), ("1.2", "1.2"), ("1 200 000", "1200000"),
    ("1\u00a0200", "1200"), ("-3.5", "-3.5"), ("+4", "+4"), (".5", ".5"), ("2e6", "2e6"),
])
def test_parse_number(figure, number):
    assert parse_number(figure) == number


@pytest.mark.parametrize("figure", ["abc", "1,2,3", "1.2,3", "12%", "", "1 2x"])
def test_parse_number_refuses(figure):
    assert parse_number(figure) is None


def test_claim_figure_that_is_not_a_number(model_of):
    m = model_of("@claim{c,\n  statement={s},\n  status={unsourced},\n  figure={abc},\n}\n")
    assert ("x.bib:4: c: error: figure 'abc' is not a number (write 1200000 or 1.2)"
            in [str(p) for p in m.problems])


def test_claim_figure_with_comma_is_accepted(model_of):
    m = model_of("@claim{c, statement={s}, status={contested}, note={n}, figure={1,2}}\n")
    assert m.problems == []


# --------------------------------------------------------------------------- references

def test_references_to_unknown_keys(model_of):
    m = model_of("@quote{q,\n  quote={x},\n  status={verbatim},\n  locator={1},\n"
                 "  source={nope1},\n  citedin={b, nope2},\n}\n"
                 "@claim{c,\n  statement={s},\n  status={sourced},\n  source={b; nope3},\n"
                 "  statedin={nope4},\n}\n"
                 "@book{b,\n  title={B},\n  related={nope5},\n}\n")
    assert [str(p) for p in m.problems] == [
        "x.bib:5: q: warning: source 'nope1' is not a key of the bibliography",
        "x.bib:6: q: warning: citedin 'nope2' is not a key of the bibliography",
        "x.bib:11: c: warning: source 'nope3' is not a key of the bibliography",
        "x.bib:12: c: warning: statedin 'nope4' is not a key of the bibliography",
        "x.bib:16: b: error: related 'nope5' is not a key of the bibliography",
    ]
    recs = {r.key: r for r in m.records}
    assert recs["q"].refs == {"source": ["nope1"], "citedin": ["b", "nope2"]}
    assert recs["c"].refs == {"source": ["b", "nope3"], "statedin": ["nope4"]}


def test_small_fixture_model(small_model):
    # Ellul (a @thinker entry, a speaker) is the one thinker; Illich, Deleuze, La Quadrature
    # du Net and the editor are other authors (THINKER_RULE)
    assert small_model.counts() == {"works": 5, "quotes": 1, "claims": 2, "thinkers": 1,
                                    "contributors": 4, "themes": len(small_model.thesaurus)}
    assert [(p.key, p.level, p.message) for p in small_model.problems] == [
        ("q-ellul-ambivalence", "warning", "quote has no locator (page or chapter unknown)")]
    recs = {r.key: r for r in small_model.records}
    assert recs["ellul1988"].values["publisher"] == "Hachette"  # @string resolved
    assert recs["ellul1988"].values["annotation"] == ("Ellul démonte le discours du progrès "
                                                      "technique.")
    assert recs["ellul1988"].themes == ["bluff-technologique", "non-neutralite-technique"]
    assert recs["illich1973"].people == [("author", "illich-ivan", 1),
                                         ("translator", "giard-luce", 2)]
    assert recs["illich1973"].values["url"] == "https://example.org/a_b%20c"  # not decoded
    assert recs["c-youtube-70"].values["statement"] == ("70% du temps passé sur YouTube est dû "
                                                        "aux recommandations")
    assert recs["technopolice"].themes == ["surveillance", "reconnaissance-faciale"]


@pytest.fixture
def strict_themes(thesaurus, monkeypatch):
    """The shared thesaurus read in mode "strict" (a curated thesaurus) for one test."""
    monkeypatch.setattr(thesaurus, "mode", "strict")
    monkeypatch.setattr(thesaurus, "_keywords", {})


@pytest.mark.parametrize("text", ["x,Keywords = {a}", "-keywords={a}", "xkeywords={b}",
                                  "KEYWORDS={c{d}}", "keywordſ = {e}", "\u212aeywords={f}",
                                  "keywords = {aaa", "_keywords={x}", "@book{k,\n kEyWoRdS ={y}}"])
def test_keywords_fields_found_as_the_case_insensitive_pattern_finds_them(text):
    """The fast pattern of Thesaurus.adopt finds what ``(?i)(?<![\\w-])keywords...`` finds."""
    import re

    from kg.core.themes import _KEYWORDS

    plain = re.compile(r"(?i)(?<![\w-])keywords\s*=\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
    assert [m.group(1) for m in _KEYWORDS.finditer(text)] == \
        [m.group(1) for m in plain.finditer(text)]


def test_the_thinker_rule(model_of):
    """THINKER_RULE: a @thinker entry, a speaker (of a quote or a claim) or theme tags make a
    thinker; a name met only in the name fields of works is another author."""
    from kg.core.model import CONTRIBUTOR, THINKER

    m = model_of("""
@thinker{t, name = {Entry, Has}}
@thinker{k, name = {Tagged, Has}, keywords = {surveillance}}
@book{b, author = {Entry, Has and Tagged, Has and Author, Only and Quoted, Is and Claims, Is},
  editor = {Editor, Only}, translator = {Translator, Only}, title = {B}}
@quote{q, quote = {Q}, speaker = {Quoted, Is}, status = {attributed}}
@claim{c, statement = {C}, speaker = {Claims, Is}, status = {unsourced}}
""")
    standing = {p.name.family: p.standing for p in m.persons.values()}
    assert standing == {"Entry": THINKER, "Tagged": THINKER, "Quoted": THINKER,
                        "Claims": THINKER, "Author": CONTRIBUTOR, "Editor": CONTRIBUTOR,
                        "Translator": CONTRIBUTOR}
    assert m.counts()["thinkers"] == 4 and m.counts()["contributors"] == 3
