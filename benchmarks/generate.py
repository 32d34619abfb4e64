"""Generate a realistic synthetic annotated library: works, thinkers, quotes and claims.

    python benchmarks/generate.py 50000 -o /tmp/lib50k.bib
    python benchmarks/generate.py 50000 -o /tmp/lib50k.bib --keywords free

Accents written as LaTeX, several authors per work, translators, annotations, quotes with
speakers and locators, claims with figures and sources.  Keywords: ``themes`` (the default)
draws them from the shipped thesaurus; ``free`` gives free keywords none of which is in the
thesaurus, as a person's Zotero library has: one to three words, accents (LaTeX or UTF-8),
a few spelled with a capital, drawn with a long tail (a few keywords on many entries, most
on a handful).  Deterministic for a given size, seed and mode.
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

FIRST = ["Jacques", "Ivan", "Hannah", "G{\\\"u}nther", "Gilles", "{\\'E}ric", "Fran{\\c c}oise",
         "Andr{\\'e}", "Ren{\\'e}e", "Jos{\\'e}", "Marie", "Dominique", "Guillaume", "Alain",
         "Simone", "Ludwig", "Bj{\\\"o}rn", "Zo{\\'e}", "Na{\\\"\\i}ma", "Jean-Pierre"]
LAST = ["Ellul", "Illich", "Arendt", "Anders", "Deleuze", "Sadin", "Carnino", "Pestre",
        "Damasio", "M{\\\"u}ller", "Le{\\v{c}}i{\\'c}", "Dupr{\\'e}", "C{\\^o}t{\\'e}",
        "{\\O}stergaard", "Gr{\\o}nberg", "de La Fontaine", "van der Berg", "Mart{\\'\\i}nez",
        "Stra{\\ss}er", "Bourdieu"]
WORDS = ("technique soci{\\'e}t{\\'e} contr{\\^o}le libert{\\'e} donn{\\'e}es surveillance "
         "progr{\\`e}s autonomie {\\'e}nergie m{\\'e}taux d{\\'e}mocratie science outil "
         "convivialit{\\'e} bluff syst{\\`e}me pouvoir plateforme attention num{\\'e}rique "
         "critique histoire {\\oe}uvre r{\\'e}seau algorithme").split()
PUBLISHERS = ["Seuil", "Gallimard", "{\\'E}ditions de l'Encyclop{\\'e}die des nuisances",
              "La D{\\'e}couverte", "Fayard", "Hachette", "Minuit", "L'{\\'E}chapp{\\'e}e"]
TYPES = ["book", "book", "book", "article", "incollection", "online", "video", "report"]
KEYWORDS = ("themes", "free")
#: words of free keywords (a library's own tags), nouns then qualifiers
KW_NOUNS = ["philosophie", "histoire", "sociologie", "anthropologie", "{\\'e}conomie",
            "{\\'e}cologie", "agriculture", "industrie", "travail", "m{\\'e}decine", "santé",
            "urbanisme", "architecture", "éducation", "école", "droit", "guerre", "nucléaire",
            "informatique", "automobile", "publicité", "consommation", "bureaucratie", "état",
            "religion", "art", "cinéma", "littérature", "presse", "radio", "télévision",
            "ville", "campagne", "paysannerie", "ouvriers", "syndicalisme", "féminisme",
            "colonialisme", "Moyen {\\^A}ge", "XIXe siècle", "Révolution industrielle",
            "machinisme", "ingénieurs", "brevets", "innovation", "chimie", "biologie",
            "génétique", "pesticides", "eau", "forêt", "climat", "déchets", "transport",
            "chemins de fer", "aviation", "électricité", "pétrole", "charbon", "mines",
            "cybernétique", "robotique", "télécommunications", "internet", "smartphone",
            "réseaux sociaux", "jeux vidéo", "finance", "monnaie", "banques", "assurance",
            "statistique", "recensement", "police", "prison", "armée", "Marx", "Heidegger",
            "Foucault", "Simondon", "Mumford", "Weil", "Charbonneau", "Gorz", "Latour"]
KW_QUALIFIERS = ["politique", "critique", "sociale", "des techniques", "des sciences",
                 "contemporaine", "moderne", "française", "américaine", "soviétique",
                 "en France", "au Japon", "et société", "et pouvoir", "et liberté", "rurale",
                 "urbaine", "industrielle", "militaire", "de l'environnement", "du travail",
                 "(notes de lecture)", "à lire", "cours 2023", "séminaire"]


def themes(ontology: Path) -> list[str]:
    return sorted(set(re.findall(r"kgt:([a-z0-9-]+) a skos:Concept", ontology.read_text())))


def free_keywords(n: int, rnd: random.Random, avoid: set[str]) -> list[str]:
    """``n`` distinct free keywords (one to three words), none of ``avoid`` (lower case)."""
    out: dict[str, None] = {}
    while len(out) < n:
        k = rnd.choice(KW_NOUNS)
        r = rnd.random()
        if r < 0.45:
            k = f"{k} {rnd.choice(KW_QUALIFIERS)}"
        elif r < 0.6:
            k = f"{k} et {rnd.choice(KW_NOUNS).lower()}"
        if rnd.random() < 0.15:
            k = k[0].upper() + k[1:]
        if k.lower() not in avoid and k.lower().replace(" ", "-") not in avoid:
            out.setdefault(k)
    return list(out)


def generate(n: int, seed: int = 1, theme_ids: list[str] | None = None,
             keywords: str = "themes") -> str:
    """``keywords``: "themes" (ids of ``theme_ids``) or "free" (see the module's doc)."""
    rnd = random.Random(seed)
    theme_ids = theme_ids or ["surveillance", "autonomie", "technique-politique"]
    if keywords not in KEYWORDS:
        raise ValueError(f"keywords: one of {KEYWORDS}, not {keywords!r}")
    if keywords == "free":  # a long tail: the k-th keyword is drawn in proportion to 1/k
        vocabulary = free_keywords(max(50, min(n // 4, 4000)), random.Random(seed + 1),
                                   {t.lower() for t in theme_ids} | {"technique"})
        weights = [1 / (k + 1) for k in range(len(vocabulary))]

        def draw(k: int) -> list[str]:
            return list(dict.fromkeys(rnd.choices(vocabulary, weights, k=k)))
    else:
        def draw(k: int) -> list[str]:
            return rnd.sample(theme_ids, k)
    people = list(dict.fromkeys((rnd.choice(LAST), rnd.choice(FIRST))
                                for _ in range(max(20, n // 5))))
    out: list[str] = ["@string{seuil = {Seuil}}\n"]

    def words(k: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(k))

    def names(k: int) -> str:
        return " and ".join(f"{last}, {first}" for last, first in rnd.sample(people, k))

    n_works = int(n * 0.7)
    n_quotes = int(n * 0.15)
    n_claims = n - n_works - n_quotes
    for i in range(n_works):
        t = rnd.choice(TYPES)
        year = rnd.randint(1850, 2025)
        kws = ", ".join(draw(rnd.randint(1, 3) if keywords == "themes" else rnd.randint(1, 6)))
        fields = [f"  author = {{{names(rnd.randint(1, 3))}}}",
                  f"  title = {{{words(rnd.randint(3, 9)).capitalize()}}}",
                  f"  date = {{{year}}}", f"  keywords = {{{kws}}}",
                  f"  annotation = {{{words(40)}.}}", "  langid = {french}"]
        if t == "book":
            fields.append(f"  publisher = {{{rnd.choice(PUBLISHERS)}}}")
            fields.append("  location = {Paris}")
            if rnd.random() < 0.3:
                fields += [f"  translator = {{{names(1)}}}",
                           f"  origtitle = {{{words(4).capitalize()}}}",
                           f"  origdate = {{{year - rnd.randint(1, 30)}}}",
                           "  origlanguage = {english}"]
        elif t == "article":
            fields += [f"  journaltitle = {{Revue {words(2)}}}", f"  volume = {{{i % 40}}}",
                       f"  pages = {{{i % 300}--{i % 300 + 20}}}"]
        elif t == "online":
            fields += [f"  url = {{https://example.org/w/{i}_x%20y}}", "  urldate = {2024-01-01}"]
        out.append(f"@{t}{{w{i},\n" + ",\n".join(fields) + "\n}\n")
    for i in range(n_quotes):
        last, first = rnd.choice(people)
        out.append(
            f"@quote{{q{i},\n  quote = {{{words(25)}}},\n  speaker = {{{last}, {first}}},\n"
            f"  source = {{w{rnd.randrange(n_works)}}},\n  locator = {{p. {rnd.randint(1, 400)}}},\n"
            f"  langid = {{french}},\n  status = {{attributed}},\n"
            f"  keywords = {{{', '.join(draw(1))}}}\n}}\n")
    for i in range(n_claims):
        status = rnd.choice(["sourced", "sourced", "unsourced", "contested"])
        src = f"  source = {{w{rnd.randrange(n_works)}}},\n" if status == "sourced" else ""
        note = "  note = {Chiffre corrig{\\'e}.},\n" if status == "contested" else ""
        out.append(
            f"@claim{{c{i},\n  statement = {{{words(15)}}},\n  figure = {{{rnd.randint(1, 999)}}},\n"
            f"  unit = {{\\%}},\n  date = {{{rnd.randint(1990, 2025)}}},\n{src}{note}"
            f"  status = {{{status}}},\n  keywords = {{{', '.join(draw(1))}}}\n}}\n")
    for j, (last, first) in enumerate(people[: max(5, n // 50)]):
        out.append(f"@thinker{{t{j},\n  name = {{{last}, {first}}},\n  birthdate = "
                   f"{{{rnd.randint(1850, 1990)}}},\n  description = {{{words(8)}}}\n}}\n")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of entries")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ontology", default=str(Path(__file__).parent.parent / "ontology.ttl"))
    ap.add_argument("--keywords", choices=KEYWORDS, default="themes",
                    help="themes: from the thesaurus; free: a library's own tags, none in it")
    a = ap.parse_args()
    Path(a.output).write_text(generate(a.n, a.seed, themes(Path(a.ontology)), a.keywords),
                              encoding="utf-8")


if __name__ == "__main__":
    main()
