"""The shipped corpus covers the lecture « Qui est le data scientist ? » item by item.

One parametrized case per reading-list work, per quote and per claim of the lecture: each is
looked up by a distinctive fragment of the lecture's own wording (whitespace, case,
accents and apostrophes folded), so that a renamed key does not hide a missing item. Then the corpus-wide
rules: themes everywhere and every theme used, contested claims explained, no `verbatim`
quote without a locator.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg.builder.inputs import load_model
from kg.core.latex import fold

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    # private copies: the shipped files may be edited while the suite runs
    d = tmp_path_factory.mktemp("corpus")
    shutil.copyfile(ROOT / "references.bib", d / "references.bib")
    shutil.copyfile(ROOT / "ontology.ttl", d / "ontology.ttl")
    return load_model(d / "references.bib", d / "ontology.ttl")


def norm(text: str) -> str:
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return fold(re.sub(r"\s+", " ", text).strip())


def records(model, kind):
    return model.of_kind(kind)


# --------------------------------------------------------------------------- reading list
# (citekey, fragment of its title or of a name field)
READING_LIST = [
    ("louvet2020", "Tous surveillés : 7 milliards de suspects"),
    ("benarrosh2020", "« 1984 » ou « Le Meilleur des mondes » ?"),
    ("orwell1949", "1984"),
    ("huxley1932", "Le Meilleur des mondes"),
    ("laquadrature-web", "La Quadrature du Net"),
    ("jenairienacacher-web", "Je n'ai rien à cacher"),
    ("technopolice2019", "Technopolice"),
    ("damasio1999", "La Zone du Dehors"),
    ("kafka1925", "Le Procès"),
    ("asimov1951", "Fondation"),
    ("illich1973", "La Convivialité"),
    ("ellul1988", "Le bluff technologique"),
    ("arendt1958", "Condition de l'homme moderne"),
    ("anders1956", "L'Obsolescence de l'homme"),
    ("deleuze1990", "Post-scriptum sur les sociétés de contrôle"),
    ("kaczynski2016", "Révolution anti-tech"),
    ("pmo2008-terreur", "Terreur et possession"),
    ("pmo2008-portable", "Le téléphone portable"),
    ("pmo2017", "Manifeste des chimpanzés du futur"),
    ("sadin2018", "L'intelligence artificielle ou l'enjeu du siècle"),
    ("sadin2020", "L'ère de l'individu tyran"),
    ("sadin2021", "Faire sécession"),
    ("carnino2015", "L'invention de la science"),
    ("pestre-conferences", "Conférences de Dominique Pestre"),
    ("pestre2013", "À contre-science"),
    ("grothendieck1972", "Allons-nous continuer la recherche scientifique ?"),
    ("conference-data-scientist", "Qui est le data scientist ?"),
]

URLS = {
    "laquadrature-web": "https://www.laquadrature.net/",
    "jenairienacacher-web": "https://jenairienacacher.fr/",
    "technopolice2019": "https://carte.technopolice.fr/",
    "grothendieck1972": "https://www.youtube.com/watch?v=ZW9JpZXwGXc",
}


@pytest.mark.parametrize("key,fragment", READING_LIST, ids=[k for k, _ in READING_LIST])
def test_reading_list_work(model, key, fragment):
    works = {r.key: r for r in records(model, "work")}
    assert key in works, f"reading-list work {key} missing"
    w = works[key]
    assert norm(fragment) in norm(w.get("title") + " " + w.get("author")), w.get("title")
    assert w.get("annotation"), f"{key}: no annotation"
    if key in URLS:
        assert w.get("url") == URLS[key]


@pytest.mark.parametrize("key", ["orwell1949", "huxley1932", "kafka1925", "asimov1951",
                                 "illich1973", "arendt1958", "anders1956", "kaczynski2016"])
def test_translated_work_describes_original(model, key):
    w = {r.key: r for r in records(model, "work")}[key]
    for f in ("origtitle", "origdate", "origlanguage", "langid", "date"):
        assert w.get(f), f"{key}: {f} missing"


def test_lecturer_described_only_as_the_lecture_does(model):
    lecture = {r.key: r for r in records(model, "work")}["conference-data-scientist"]
    note = norm(lecture.get("note"))
    for bit in ("mines de saint-étienne", "sia partners", "vous n'êtes pas seuls", "ehess"):
        assert norm(bit) in note


# --------------------------------------------------------------------------- quotes
QUOTES = [
    ("pestre", "ré-ouvre constamment"),
    ("pestre-politique", "comme portant en elles-mêmes une politique"),
    ("ellul-ambivalence", "La technique n'est ni bonne, ni mauvaise ; elle est ambivalente"),
    ("ellul-neutre", "la technique n'est pas neutre"),
    ("ellul-regles", "Une technique ne peut être utilisée que selon ses propres règles"),
    ("ellul-innovation", "la recherche d'une autre innovation technique"),
    ("sinclair", "lorsque son salaire dépend du fait qu'il ne la comprenne pas"),
    ("job-sexy", "Le job le plus sexy du XXIème siècle"),
    ("valeur-ajoutee", "s'affranchir des tâches à peu de valeur ajoutée"),
    ("pitron", "de la convergence des green tech et de l'informatique"),
]


@pytest.mark.parametrize("name,fragment", QUOTES, ids=[n for n, _ in QUOTES])
def test_quote_present(model, name, fragment):
    hits = [q for q in records(model, "quote") if norm(fragment) in norm(q.get("quote"))]
    assert hits, f"no quote contains {fragment!r}"
    q = hits[0]
    assert q.get("langid") and q.get("status") and q.get("citedin")


def test_quotes_are_cited_in_the_lecture(model):
    for q in records(model, "quote"):
        assert q.get("citedin") == "conference-data-scientist"


def test_ellul_pestre_slide(model):
    by_key = {q.key: q for q in records(model, "quote")}
    assert by_key["q-pestre-science-politique"].get("speaker") == "Pestre, Dominique"
    for k in ("q-ellul-ambivalence", "q-ellul-regles", "q-ellul-innovation"):
        assert by_key[k].get("speaker") == "Ellul, Jacques"
        assert by_key[k].get("status") != "verbatim"
    assert "ordre" in norm(by_key["q-pestre-science-politique"].get("note"))


# --------------------------------------------------------------------------- claims
# (short id, fragment of the lecture's wording kept in `statement`)
CLAIMS = [
    # who is the data scientist, infrastructure
    ("job-sexy", "le job le plus sexy"),
    ("ecosysteme", "plateformes cloud"),
    ("fibre", "25 milliards d'euros"),
    ("cables", "1,2 millions de kilomètres de câbles"),
    ("serveurs", "centaines de milliers de serveurs"),
    ("4g", "50 000 antennes 4G"),
    ("5g", "20 000 antennes 5G"),
    # industry 4.0 accidents
    ("lubrizol-illinois", "Lubrizol, Illinois, juin 2021"),
    ("lubrizol-rouen", "Lubrizol, Rouen, sept. 2019"),
    ("perou", "Marée noire au Pérou, janvier 2022"),
    ("maurice", "Marée noire à l'Ile Maurice, juillet 2020"),
    # what for
    ("kyc", "KYC"),
    ("automatisation", "s'affranchir des tâches à peu de valeur ajoutée"),
    ("marges", "augmenter les marges de profits"),
    ("hierarchie", "se faire bien voir de sa hiérarchie"),
    ("offres-69", "69\\% des offres d'emplois"),
    # rationaliser / légitimer / contrôler
    ("nitrates", "2000 agents en moins"),
    ("robot-appels", "ne plus avoir besoin d'embaucher des CDD"),
    ("fraude", "se focaliser sur la masse et se passer des agents humains"),
    ("rex", "l'exposition aux rayonnements"),
    ("dossier-patient", "synthèse des dossiers patients"),
    ("aide-diagnostic", "détection de forme pour les maladies de l'œil"),
    ("cabanisation", "Détection de cabanisation"),
    ("hygiene", "Ciblage des contrôles d'hygiène"),
    # health
    ("genomique", "génomique"),
    ("diagnostic-image", "Diagnostic sur image"),
    ("chroniques", "suivi des maladies chroniques"),
    ("pharmacologie", "mise au point de médicaments, vaccins"),
    ("covid", "Gestion du covid, télémédecine, santé connectée"),
    ("sante-dates", "5 mars 2021"),
    # recommendation
    ("normalisation", "normalisation de la culture, des mœurs"),
    ("youtube", "70\\% du temps passé sur YouTube"),
    ("netflix", "80\\% du contenu regardé sur Netflix"),
    # incitation scale and its three consequences
    ("echelle-incitation", "injonction"),
    ("asymetrie", "Structures de pouvoir toujours plus asymétriques"),
    ("autonomie", "perte d'autonomie"),
    ("desengagement", "désengagement politique"),
    # AI for climate
    ("ia-energie", "prévisions de consommation d'énergie"),
    ("ia-vehicules", "véhicules électriques"),
    ("ia-materiaux", "Découvrir de nouveaux matériaux"),
    ("ia-chaines", "Optimiser les chaînes d'approvisionnement"),
    ("ia-batiments", "rendre les bâtiments plus efficaces"),
    ("ia-agriculture", "agriculture de précision à l'échelle"),
    ("ia-deforestation", "suivi de la déforestation"),
    ("ia-consommateurs", "Pousser les consommateurs"),
    # dematerialisation
    ("smartphones", "1,4 milliards de smartphones"),
    ("60-elements", "60 éléments différents"),
    ("800kg", "800kg de matières premières"),
    ("sable", "le secteur le plus extracteur de sable"),
    ("sable-consequences", "disparitions de certaines îles"),
    ("metaux-rares", "technologies supposément « vertes »"),
    # great acceleration / planetary boundaries
    ("acceleration-24", "24 paramètres du système Terre depuis 1750"),
    ("neuf", "Pour les 9 les plus significatifs"),
    ("limite", "Une limite à ne pas franchir"),
    ("quatre", "cycles de l'azote, émissions de GES, extinction de la biodiversité"),
    # energy footprint
    ("production-45", "environ 45\\% en 2020"),
    ("smartphone-90", "à plus de 90\\% avant même son achat"),
    ("tv-60", "60\\% pour une télévision connectée"),
    ("portable-80", "80\\% pour un ordinateur portable"),
    ("volume-materiel", "au volume de matériel produit"),
    # surveillance, platforms
    ("credit-social", "Le crédit social chinois"),
    ("arte", "Tous surveillés - 7 milliards de suspects"),
    ("geants-mainmise", "ont désormais la mainmise sur les services informatiques"),
    ("geants-politique", "n'hésitent pas à collaborer avec ces multinationales"),
    # the Start-up Nation map
    ("saint-etienne", "Saint-Etienne - 2019"),
    ("nice-carnaval", "testé sur la foule du carnaval"),
    ("nice-tramway", "Détection des émotions des passagers de tramways"),
    ("nice-lycees", "dans deux lycées"),
    ("cannes", "Cannes - 2020"),
    ("rer-c", "dans le RER C"),
    ("metz", "Metz - 2016"),
    ("valenciennes", "240 caméras offertes par Huawei"),
    ("herault", "Hérault - 2019"),
    ("marseille", "comportements suspects sur la voie publique"),
    # laws and decrees
    ("lsg-senat", "validée au Sénat le 3 mars 2021"),
    ("lsg-drones", "surveillance par drone"),
    ("lsg-reconnaissance", "Reconnaissance faciale en direct"),
    ("lsg-mutualisation", "Mutualisation des moyens de surveillance publics/privés"),
    ("decret-masque", "Décret du 10 mars 2021"),
    ("pasp-date", "Décrets PASP du 8 novembre 2020"),
    ("pasp-militants", "Fichage massif de militants"),
    ("pasp-reseaux", "Surveillance automatisée sur les réseaux sociaux"),
    ("pasp-opinions", "Recensement des opinions politiques et des données de santé"),
    ("pasp-victimes", "Fichage des victimes"),
    ("pasp-reconnaissance", "Elargissement de la reconnaissance faciale"),
    # Grand Débat
    ("gd-opportunite", "grands volumes d'expression"),
    ("gd-roland-berger", "dirigé par le cabinet Roland Berger"),
    ("gd-synthese", "revendications au cœur du mouvement des Gilets Jaunes"),
    ("gd-cahiers", "Les cahiers de doléances recueillis par l'Etat ne sont jamais publiés"),
]


@pytest.mark.parametrize("name,fragment", CLAIMS, ids=[n for n, _ in CLAIMS])
def test_claim_present(model, name, fragment):
    fragment = fragment.replace("\\%", "%")
    hits = [c for c in records(model, "claim") if norm(fragment) in norm(c.get("statement"))]
    assert hits, f"no claim states {fragment!r}"
    c = hits[0]
    assert c.get("status") in ("sourced", "unsourced", "contested")
    assert c.get("statedin") == "conference-data-scientist"
    if c.get("status") == "sourced":
        assert c.get("source"), f"{c.key}: sourced without a source"


CONTESTED = ["c-lubrizol-rouen", "c-paris-masques-rer-c", "c-metz-stade",
             "c-loi-securite-globale-senat", "c-lsg-drones", "c-lsg-reconnaissance-faciale",
             "c-decrets-pasp-date", "c-sable-industrie-tech"]


@pytest.mark.parametrize("key", CONTESTED)
def test_known_errors_are_contested(model, key):
    c = {r.key: r for r in records(model, "claim")}[key]
    assert c.get("status") == "contested"


def test_contested_corrections(model):
    c = {r.key: r for r in records(model, "claim")}
    assert "18 mars 2021" in c["c-loi-securite-globale-senat"].get("note")
    assert "2021-646" in c["c-loi-securite-globale-senat"].get("note")
    note = c["c-decrets-pasp-date"].get("note")
    assert "2 décembre 2020" in note and "2020-1511" in note
    assert "26 septembre 2019" in c["c-lubrizol-rouen"].get("note")
    assert "25 juillet 2020" in c["c-maree-noire-maurice"].get("note")


# --------------------------------------------------------------------------- corpus rules
def test_every_record_has_a_theme(model):
    bare = [r.key for r in model.records if not r.themes]
    assert not bare, f"records without a theme: {bare}"


def test_every_theme_is_used(model):
    used = {t for r in model.records for t in r.themes}
    unused = set(model.thesaurus.themes) - used
    assert not unused, f"themes of ontology.ttl used by no record: {sorted(unused)}"


def test_contested_claims_have_a_note(model):
    for c in records(model, "claim"):
        if c.get("status") == "contested":
            assert c.get("note").strip(), f"{c.key}: contested without a note"


def test_no_verbatim_quote_without_locator(model):
    for q in records(model, "quote"):
        if q.get("status") == "verbatim":
            assert q.get("locator").strip(), f"{q.key}: verbatim without a locator"


def test_unsourced_claims_have_no_source_and_sources_resolve(model):
    keys = {r.key for r in model.records}
    for c in records(model, "claim"):
        for k in re.split(r"[,;]", c.get("source")):
            if k.strip():
                assert k.strip() in keys, f"{c.key}: unknown source {k.strip()}"


def test_works_have_french_annotation(model):
    for w in records(model, "work"):
        assert len(w.get("annotation")) > 80, f"{w.key}: annotation missing or too short"


def test_thinkers_described(model):
    for p in model.persons.values():
        if p.key:  # a @thinker entry
            assert p.description, f"{p.key}: no description"
            if p.kind == "person" and p.key != "conferencier-anonyme":
                note = norm(p.entry.fields.get("note", "")) if p.entry else ""
                assert p.nationality or "inconnu" in note, f"{p.key}: no nationality"


def test_model_has_no_error(model):
    errors = [p for p in model.problems if getattr(p, "level", "") == "error"]
    assert not errors, errors
