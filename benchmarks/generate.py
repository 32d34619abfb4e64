"""Generate a realistic synthetic annotated library: works, thinkers, quotes and claims.

    python benchmarks/generate.py 50000 -o /tmp/lib50k.bib

Accents written as LaTeX, several authors per work, translators, themes from the shipped
thesaurus, annotations, quotes with speakers and locators, claims with figures and sources.
Deterministic for a given size and seed.
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


def themes(ontology: Path) -> list[str]:
    return sorted(set(re.findall(r"kgt:([a-z0-9-]+) a skos:Concept", ontology.read_text())))


def generate(n: int, seed: int = 1, theme_ids: list[str] | None = None) -> str:
    rnd = random.Random(seed)
    theme_ids = theme_ids or ["surveillance", "autonomie", "technique-politique"]
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
        kws = ", ".join(rnd.sample(theme_ids, rnd.randint(1, 3)))
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
            f"  keywords = {{{rnd.choice(theme_ids)}}}\n}}\n")
    for i in range(n_claims):
        status = rnd.choice(["sourced", "sourced", "unsourced", "contested"])
        src = f"  source = {{w{rnd.randrange(n_works)}}},\n" if status == "sourced" else ""
        note = "  note = {Chiffre corrig{\\'e}.},\n" if status == "contested" else ""
        out.append(
            f"@claim{{c{i},\n  statement = {{{words(15)}}},\n  figure = {{{rnd.randint(1, 999)}}},\n"
            f"  unit = {{\\%}},\n  date = {{{rnd.randint(1990, 2025)}}},\n{src}{note}"
            f"  status = {{{status}}},\n  keywords = {{{rnd.choice(theme_ids)}}}\n}}\n")
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
    a = ap.parse_args()
    Path(a.output).write_text(generate(a.n, a.seed, themes(Path(a.ontology))), encoding="utf-8")


if __name__ == "__main__":
    main()
