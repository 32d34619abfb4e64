"""kg.core.graph: the RDF written for a model (standard vocabularies, stable IRIs, no blank nodes),
and the graph files of a build (Turtle and JSON-LD readable by rdflib and Oxigraph)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
import rdflib
from conftest import ROOT, SMALL_BIB
from rdflib import Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from kg.core.bib import load
from kg.core.graph import date_literal, language_code, person_iri, theme_iri, to_ntriples, work_iri
from kg.core.model import build_model

# plain namespaces (rdflib's closed XSD/RDF/OWL warn when pytest inspects the module)
RDF = rdflib.Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
OWL = rdflib.Namespace("http://www.w3.org/2002/07/owl#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
BIBO = rdflib.Namespace("http://purl.org/ontology/bibo/")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = rdflib.Namespace("http://schema.org/")  # as tools query it (kg.core.vocab.SCHEMA)
CITO = rdflib.Namespace("http://purl.org/spar/cito/")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
KGO = rdflib.Namespace("https://kg.example/ontology#")
KGF = rdflib.Namespace("https://kg.example/field/")
ID = "https://kg.example/id/"
WORK, PERSON, THEME = (rdflib.Namespace(ID + k + "/") for k in ("work", "person", "theme"))
QUOTE, CLAIM = rdflib.Namespace(ID + "quote/"), rdflib.Namespace(ID + "claim/")


def graph_of(nt: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=nt, format="nt")
    return g


@pytest.fixture(scope="module")
def nt(small_model) -> str:
    return to_ntriples(small_model)


@pytest.fixture(scope="module")
def g(nt) -> rdflib.Graph:
    return graph_of(nt)


# --------------------------------------------------------------------------- IRIs

def test_same_input_gives_identical_ntriples(thesaurus, nt):
    again = to_ntriples(build_model(load(SMALL_BIB), thesaurus))
    assert again == nt


def test_ntriples_do_not_depend_on_the_process(nt, tmp_path):
    """Another interpreter with another hash seed mints the same IRIs, in the same order."""
    script = ("import sys; from pathlib import Path; from kg.core.bib import load; "
              "from kg.core.model import build_model; from kg.core.themes import load_thesaurus; "
              "from kg.core.graph import to_ntriples; "
              "m = build_model(load(sys.argv[1]), load_thesaurus(Path(sys.argv[2]).read_bytes()));"
              " sys.stdout.buffer.write(to_ntriples(m).encode())")
    onto = tmp_path / "ontology.ttl"
    onto.write_bytes((ROOT / "ontology.ttl").read_bytes())
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", script, str(SMALL_BIB), str(onto)],
                         capture_output=True, env=env, cwd=tmp_path, check=True).stdout
    assert out.decode("utf-8") == nt


def test_no_blank_nodes(nt, g):
    assert "_:" not in nt
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)


def test_iris_are_minted_from_keys_and_names(g):
    subjects = {str(s) for s in g.subjects(RDF.type, None)}
    assert {work_iri("ellul1988"), ID + "quote/q-ellul-ambivalence",
            ID + "claim/c-youtube-70", person_iri("ellul-jacques"),
            person_iri("la-quadrature-du-net")} <= subjects
    assert work_iri("ellul1988") == "https://kg.example/id/work/ellul1988"
    assert theme_iri("surveillance") == "https://kg.example/id/theme/surveillance"


def test_iris_of_unusual_keys_are_valid(model_of):
    m = model_of("@book{Doe_2020:a.b/c, title={T}}\n@book{x&y, title={U}}\n")
    nt = to_ntriples(m)
    g = graph_of(nt)  # rdflib accepts every IRI
    store = ox.Store()
    store.load(nt.encode(), format=ox.RdfFormat.N_TRIPLES)  # and so does Oxigraph
    keys = {str(o) for o in g.objects(None, DCT.identifier)}
    assert keys == {"Doe_2020:a.b/c", "x&y"}
    assert URIRef(work_iri("Doe_2020:a.b/c")) in set(g.subjects())
    assert "/" not in work_iri("Doe_2020:a.b/c")[len(ID + "work/"):]


# --------------------------------------------------------------------------- standard terms

def test_person(g):
    p = PERSON["ellul-jacques"]
    assert set(g.objects(p, RDF.type)) == {FOAF.Person, SCHEMA.Person, KGO.Thinker}
    assert g.value(p, FOAF.name) == Literal("Jacques Ellul")
    assert g.value(p, FOAF.givenName) == Literal("Jacques")
    assert g.value(p, FOAF.familyName) == Literal("Ellul")
    assert g.value(p, SCHEMA.birthDate) == Literal("1912-01-06", datatype=XSD.date)
    assert g.value(p, SCHEMA.deathDate) == Literal("1994-05-19", datatype=XSD.date)
    assert g.value(p, SCHEMA.nationality) == Literal("française")
    assert g.value(p, OWL.sameAs) == URIRef("http://www.wikidata.org/entity/Q323167")
    assert g.value(p, KGO.alias) == Literal("J. Ellul")
    assert str(g.value(p, SCHEMA.description)).startswith("Historien du droit")


def test_organization(g):
    o = PERSON["la-quadrature-du-net"]  # only an author here: another author (THINKER_RULE)
    assert set(g.objects(o, RDF.type)) == {FOAF.Organization, SCHEMA.Organization,
                                          KGO.Contributor}
    assert g.value(o, FOAF.name) == Literal("La Quadrature du Net")
    assert g.value(o, FOAF.givenName) is None and g.value(o, FOAF.familyName) is None


def test_book(g):
    w = WORK["ellul1988"]
    assert set(g.objects(w, RDF.type)) == {BIBO.Book, KGO.Work, SCHEMA.CreativeWork, SCHEMA.Book}
    assert g.value(w, DCT.title) == Literal("Le bluff technologique")
    assert g.value(w, DCT.creator) == PERSON["ellul-jacques"]
    assert g.value(w, DCT.issued) == Literal("1988", datatype=XSD.gYear)
    assert g.value(w, DCT.publisher) == Literal("Hachette")
    assert g.value(w, DCT.language) == Literal("fr")
    assert g.value(w, DCT.identifier) == Literal("ellul1988")
    assert g.value(w, BIBO.isbn13) == Literal("9782010135552")
    assert g.value(w, KGO.publicationPlace) == Literal("Paris")
    assert set(g.objects(w, DCT.subject)) == {THEME["bluff-technologique"],
                                              THEME["non-neutralite-technique"]}
    assert g.value(w, DCT.description) == Literal("Ellul démonte le discours du progrès "
                                                  "technique.")


def test_translated_work_and_url(g):
    w = WORK["illich1973"]
    assert g.value(w, BIBO.translator) == PERSON["giard-luce"]
    assert g.value(w, DCT.creator) == PERSON["illich-ivan"]
    assert g.value(w, BIBO.uri) == Literal("https://example.org/a_b%20c", datatype=XSD.anyURI)
    assert g.value(w, KGO.originalTitle) == Literal("Tools for Conviviality")
    assert g.value(w, KGO.originalLanguage) == Literal("en")
    assert g.value(w, KGO.originalDate) == Literal("1973", datatype=XSD.gYear)
    assert g.value(w, DCT.publisher) == Literal("Éditions du Seuil")


def test_section_of_a_book(g):
    w = WORK["deleuze1990"]
    assert BIBO.BookSection in set(g.objects(w, RDF.type))
    assert g.value(w, DCT.isPartOf) == WORK["pourparlers"]
    assert g.value(w, KGO.bookTitle) == Literal("Pourparlers")
    assert g.value(w, BIBO.pages) == Literal("240–247")
    # the book's author, inherited through crossref as bookauthor, contributed to the chapter
    assert g.value(w, DCT.contributor) == PERSON["deleuze-gilles"]
    assert set(g.objects(WORK["technopolice"], RDF.type)) == {BIBO.Webpage, KGO.Work,
                                                              SCHEMA.CreativeWork, SCHEMA.WebPage}


def test_author_list_is_an_ordered_rdf_list(model_of):
    m = model_of("@book{b, author={Deleuze, Gilles and Félix Guattari and {Collectif X}},"
                 " editor={Doe, Jane}, title={T}}\n")
    g = graph_of(to_ntriples(m))
    head = g.value(WORK["b"], BIBO.authorList)
    assert isinstance(head, URIRef)  # list cells are IRIs too, not blank nodes
    assert list(Collection(g, head)) == [PERSON["deleuze-gilles"], PERSON["guattari-felix"],
                                         PERSON["collectif-x"]]
    assert set(g.objects(WORK["b"], DCT.creator)) == set(Collection(g, head))
    assert g.value(WORK["b"], BIBO.editor) == PERSON["doe-jane"]


def test_quote(g):
    q = QUOTE["q-ellul-ambivalence"]
    assert set(g.objects(q, RDF.type)) == {KGO.Quote, SCHEMA.Quotation}
    assert g.value(q, RDF.value) == Literal("La technique n'est ni bonne, ni mauvaise ; elle "
                                            "est ambivalente.")
    assert g.value(q, DCT.source) == WORK["ellul1988"]
    assert g.value(q, KGO.speaker) == PERSON["ellul-jacques"]
    assert g.value(q, DCT.creator) == PERSON["ellul-jacques"]
    assert g.value(q, KGO.status) == KGO.attributed
    assert g.value(q, DCT.language) == Literal("fr")
    assert g.value(q, DCT.subject) == THEME["non-neutralite-technique"]


def test_claim(g):
    c = CLAIM["c-youtube-70"]
    assert set(g.objects(c, RDF.type)) == {KGO.Claim, SCHEMA.Claim}
    assert g.value(c, RDF.value) == Literal("70% du temps passé sur YouTube est dû aux "
                                            "recommandations")
    assert g.value(c, CITO.citesAsEvidence) == WORK["illich1973"]
    assert g.value(c, KGO.figure) == Literal("70", datatype=XSD.decimal)
    assert g.value(c, KGO.unit) == Literal("%")
    assert g.value(c, DCT.date) == Literal("2018-01", datatype=XSD.gYearMonth)
    assert g.value(c, KGO.status) == KGO.sourced
    metz = CLAIM["c-metz"]
    assert g.value(metz, KGO.status) == KGO.contested
    assert g.value(metz, DCT.spatial) == Literal("Metz")
    assert g.value(metz, KGO.note) == Literal("Le test a eu lieu en 2020.")


def test_claim_figure_literals(model_of):
    m = model_of("@claim{a, statement={s}, status={unsourced}, figure={1,2}}\n"
                 "@claim{b, statement={s}, status={unsourced}, figure={2e6}}\n"
                 "@claim{c, statement={s}, status={unsourced}, figure={abc}}\n")
    g = graph_of(to_ntriples(m))
    assert g.value(CLAIM["a"], KGO.figure) == Literal("1.2", datatype=XSD.decimal)
    assert g.value(CLAIM["b"], KGO.figure) == Literal("2e6", datatype=XSD.double)
    assert g.value(CLAIM["c"], KGO.figure) is None  # reported, not invented


def test_raw_fields_are_in_the_graph(g):
    w = WORK["ellul1988"]
    assert g.value(w, KGF.publisher) == Literal("hach")  # as written: the macro name
    assert g.value(w, KGF.annotation) == Literal("{Ellul d\\'{e}monte le discours du "
                                                 "progr\\`es technique.}")
    assert g.value(w, KGO.entryType) == Literal("book")
    assert g.value(WORK["pourparlers"], KGF.Unknownfield) == Literal("{kept {as} is}")


@pytest.mark.parametrize("value,literal", [
    ("1988", '"1988"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
    ("2018-01", '"2018-01"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'),
    ("1912-01-06", '"1912-01-06"^^<http://www.w3.org/2001/XMLSchema#date>'),
    ("1972?", '"1972?"'), ("1972~", '"1972~"'), ("2022/", '"2022/"'),
    ("1990/1995", '"1990/1995"'),
    ("-0044", '"-0044"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
    ("0000", '"0000"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
    ("-0000", '"-0000"'),  # no negative year zero in XSD: kept as written
])
def test_date_literal(value, literal):
    assert date_literal(value) == literal


def test_a_typed_date_reads_back_from_the_store_as_written():
    """The read model keeps a date as written and types it as the graph does: the store gives
    back the same text for every date the graph types (an RDF store writes a value in its
    canonical form: "-0000"^^xsd:gYear came back "0000")."""
    import pyoxigraph as ox

    store = ox.Store()
    for i, v in enumerate(["1988", "0000", "-0044", "-0001-12-31", "2018-01", "2000-02-29",
                           "1912-01-06", "0999-12", "-0000", "-0000-05", "-0000-02-29"]):
        s = ox.NamedNode(f"http://x/{i}")
        text = date_literal(v)
        store.load(input=f"<http://x/{i}> <http://x/p> {text} .".encode(),
                   format=ox.RdfFormat.N_TRIPLES)
        got = next(iter(store.quads_for_pattern(s, None, None))).object
        assert got.value == v, (v, got)


@pytest.mark.parametrize("value,code", [("french", "fr"), ("English", "en"), ("ngerman", "de"),
                                        ("USenglish", "en"), ("klingon", "klingon")])
def test_language_code(value, code):
    assert language_code(value) == code


# --------------------------------------------------------------------------- built graph files

@pytest.fixture(scope="module")
def out(built_small):
    return built_small.out


def test_turtle_parses_with_rdflib_and_oxigraph_to_the_same_count(out, built_small):
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    store = ox.Store()
    store.load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(g) == len(store) == manifest["triples"] == built_small.triples > 0


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")
def test_jsonld_parses_with_rdflib_to_the_same_count(out):
    g = rdflib.Graph().parse(out / "graph.jsonld", format="json-ld")
    ttl = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    assert len(g) == len(ttl)
    assert isomorphic(g, ttl)


def test_built_graph_is_the_ontology_plus_the_ntriples(out, nt, ontology_path):
    built = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    expected = graph_of(nt) + rdflib.Graph().parse(ontology_path, format="turtle")
    assert isomorphic(built, expected)


def test_built_graph_has_no_blank_node_for_our_resources(out):
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    for cls in (KGO.Work, KGO.Quote, KGO.Claim, KGO.Thinker, SKOS.Concept):
        nodes = set(g.subjects(RDF.type, cls))
        assert nodes and all(isinstance(n, URIRef) for n in nodes), cls
    # the only blank nodes are the ontology's own (owl:unionOf lists)
    for s, p, o in g:
        if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode):
            assert not str(s).startswith(ID) and not str(o).startswith(ID)


def test_two_builds_give_the_same_graph(out, ontology_path, tmp_path):
    from kg.api import build

    bib = tmp_path / "small.bib"
    bib.write_bytes(SMALL_BIB.read_bytes())
    other = build(bib, ontology_path, tmp_path / "out").out
    a = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    b = rdflib.Graph().parse(other / "graph.ttl", format="turtle")
    assert isomorphic(a, b)
    named = lambda g: {t for t in g if not any(isinstance(x, rdflib.BNode) for x in t)}  # noqa
    assert named(a) == named(b)


def test_themes_of_the_ontology_are_in_the_graph(out):
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    assert (THEME["surveillance"], RDF.type, SKOS.Concept) in g
    assert (WORK["technopolice"], DCT.subject, THEME["surveillance"]) in g


# --------------------------------------------------------------------------- thinkers, linked data

def _speaker_bib(tmp_path, extra: str = "") -> str:
    text = SMALL_BIB.read_text(encoding="utf-8") + extra
    (tmp_path / "t.bib").write_text(text, encoding="utf-8")
    return str(tmp_path / "t.bib")


def test_thinkers_and_other_authors(thesaurus, tmp_path):
    """THINKER_RULE: a @thinker entry, a speaker, or a theme tag makes a thinker; every other
    name is another author (kgo:Contributor), kept with its role."""
    extra = """
@quote{q-orwell, quote = {Big Brother is watching you.}, speaker = {Orwell, George},
  status = {attributed}}
@thinker{pmo, name = {{Pièces et main d'œuvre}}, thinkertype = {organization}}
"""
    g = graph_of(to_ntriples(build_model(load(_speaker_bib(tmp_path, extra)), thesaurus)))
    kinds = {p: {t for t in g.objects(PERSON[p], RDF.type) if t in (KGO.Thinker,
                                                                    KGO.Contributor)}
             for p in ("ellul-jacques", "orwell-george", "pieces-et-main-d-oeuvre",
                       "la-quadrature-du-net", "illich-ivan")}
    assert kinds == {"ellul-jacques": {KGO.Thinker}, "orwell-george": {KGO.Thinker},
                     "pieces-et-main-d-oeuvre": {KGO.Thinker},
                     "la-quadrature-du-net": {KGO.Contributor},
                     "illich-ivan": {KGO.Contributor}}
    # the other author keeps its role
    assert (WORK["technopolice"], DCT.creator, PERSON["la-quadrature-du-net"]) in g


def test_model_counts_thinkers_and_other_authors(small_model):
    c = small_model.counts()
    people = small_model.persons.values()
    assert c["thinkers"] == sum(p.thinker for p in people) >= 1
    assert c["contributors"] == len(small_model.persons) - c["thinkers"] >= 1


def test_quotes_and_claims_have_a_label(g):
    for cls in (KGO.Quote, KGO.Claim):
        nodes = set(g.subjects(RDF.type, cls))
        assert nodes
        for n in nodes:
            label = str(g.value(n, rdflib.RDFS.label))
            text = " ".join(str(g.value(n, RDF.value)).split())
            assert label and (label == text or text.startswith(label[:-1]) and
                              label.endswith("…") and len(label) <= 80), (n, label)


def test_inserting_an_entry_changes_only_its_own_triples(thesaurus, tmp_path):
    """No statement of an entry depends on where it is in the file: an entry inserted in the
    middle adds its own triples, and the file's order (one statement) changes; nothing else
    (kg push --merge after an edit leaves no entry with two positions)."""
    text = SMALL_BIB.read_text(encoding="utf-8")
    at = text.index("@online{technopolice")
    new = ("@book{inserted2024,\n  author = {Ellul, Jacques},\n  title = {Un inédit},\n"
           "  date = {2024},\n  keywords = {surveillance},\n}\n\n")
    (tmp_path / "a.bib").write_text(text, encoding="utf-8")
    (tmp_path / "b.bib").write_text(text[:at] + new + text[at:], encoding="utf-8")
    a, b = (set(to_ntriples(build_model(load(tmp_path / n), thesaurus)).splitlines())
            for n in ("a.bib", "b.bib"))
    node = f"<{work_iri('inserted2024')}"
    removed, added = a - b, b - a
    order = f"<{ID}bibliography> <{KGO.entryOrder}>"
    assert [t for t in removed if not t.startswith(order)] == []
    assert len([t for t in added if t.startswith(order)]) == 1
    assert {t.split(" ")[0].split("#")[0] + ">" if "#" in t.split(" ")[0] else t.split(" ")[0]
            for t in added if not t.startswith(order)} == {node + ">"}


def test_export_keeps_the_file_order_without_positions(small_model):
    from kg.core.graph import model_store
    from kg.write.export import bibtex

    text = bibtex(model_store(small_model))
    keys = [line.split("{", 1)[1].rstrip(",") for line in text.splitlines()
            if line.startswith("@") and not line.lower().startswith(("@string", "@preamble",
                                                                      "@comment"))]
    assert keys == [e.key for e in sorted(small_model.bib.entries, key=lambda e: e.position)]


def test_a_schema_org_query_finds_the_works(small_model):
    """Tools query schema.org as http://schema.org/: they find every work, its name and its
    authors, and the people."""
    from kg.core.graph import model_store

    store = model_store(small_model)
    rows = list(store.query("""PREFIX schema: <http://schema.org/>
        SELECT DISTINCT ?w ?name WHERE { ?w a schema:CreativeWork ; schema:name ?name }"""))
    works = [r for r in small_model.records if r.kind == "work"]
    assert {r["w"].value for r in rows} == {work_iri(r.key) for r in works}
    assert bool(store.query("""PREFIX schema: <http://schema.org/>
        ASK { ?w schema:author ?p . ?p a schema:Person ; schema:name "Jacques Ellul" }"""))
    assert not bool(store.query("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?p), 'https://schema.org/')"
                                " || STRSTARTS(STR(?o), 'https://schema.org/')) }"))


@pytest.mark.slow
def test_two_builds_differ_only_by_the_inserted_entry(ontology_path, tmp_path):
    """The same, on the stores of two builds (the ontology, the thinkers, the file's nodes
    included): one entry inserted before the last changes its own triples and the file's
    order, nothing of any other entry."""
    from kg.builder import pipeline
    from kg.builder.triplestore import open_store

    text = SMALL_BIB.read_text(encoding="utf-8")
    at = text.index("@book{pourparlers")
    new = "@online{inserted, title = {Inséré}, date = {2024}, keywords = {surveillance}}\n\n"
    (tmp_path / "a.bib").write_text(text, encoding="utf-8")
    (tmp_path / "b.bib").write_text(text[:at] + new + text[at:], encoding="utf-8")
    got = []
    for name in ("a", "b"):
        pipeline.build(tmp_path / f"{name}.bib", ontology_path, tmp_path / f"out-{name}")
        store = open_store(tmp_path / f"out-{name}")
        got.append({(str(q.subject), str(q.predicate), str(q.object)) for q in store})
    a, b = got
    order = (f"<{ID}bibliography>", f"<{KGO.entryOrder}>")
    assert {t for t in a - b if t[:2] != order} == set()
    changed = {t[0] for t in b - a if t[:2] != order}
    assert changed == {f"<{work_iri('inserted')}>"}


def test_a_figure_reads_back_from_the_store_as_the_graph_writes_it():
    """A claim's figure is written in the form an RDF store gives back for its value (Oxigraph
    reads numbers as values: "1.50" came back "1.5", "2e6"^^xsd:double "2000000"), so the
    store, the read model and graph.ttl show the same text; every digit is kept."""
    import pyoxigraph as ox

    from kg.core.model import parse_number
    from kg.core.values import figure_literal, figure_number
    from kg.read.query import Term

    written = ["70", "1,2", "1,50", "+45", "007", "12 000", "1 200 000", ".5", "0,0", "-0",
               "-1,50", "100", "2e6", "1e20", "1e400", "-1e400", "1.5e-7", "-0e0", "0.1e1",
               "2.5E-3", "3.14159265358979323846", "123456789012345678901234567890",
               "0.0000000000000000000001", "12345678901234567890.5"]
    store = ox.Store()
    for i, v in enumerate(written):
        text, dt = figure_literal(parse_number(v))
        store.load(input=f'<http://x/{i}> <http://x/p> "{text}"^^<{dt}> .'.encode(),
                   format=ox.RdfFormat.N_TRIPLES)
        got = next(iter(store.quads_for_pattern(ox.NamedNode(f"http://x/{i}"), None, None)))
        assert got.object.value == text, (v, text, got.object)
        assert float(text.replace("INF", "inf")) == float(parse_number(v)), v  # the same value
        # the read model's number is the one a SPARQL result gives back (2e6: 2000000, an int)
        back = Term("literal", got.object.value, None, got.object.datatype.value).py()
        mine = figure_number(parse_number(v))
        assert (mine, type(mine)) == (back, type(back)), v
    assert figure_literal("1.50") == ("1.5", "http://www.w3.org/2001/XMLSchema#decimal")
    assert figure_literal("2e6") == ("2000000", "http://www.w3.org/2001/XMLSchema#double")
    assert figure_literal("123456789012345678901234567890")[0] == \
        "123456789012345678901234567890"
