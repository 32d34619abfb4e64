"""Generate a realistic synthetic annotated library: works, thinkers, quotes and claims.

    python benchmarks/generate.py 50000 -o /tmp/lib50k.bib
    python benchmarks/generate.py 50000 -o /tmp/lib50k.bib --keywords free

Accents written as LaTeX, several authors per work, translators, annotations, quotes with
speakers and locators, claims with figures and sources.  Keywords: ``themes`` (the default)
draws them from the shipped thesaurus; ``free`` gives free keywords none of which is in the
thesaurus, as a person's Zotero library has: one to three words, accents (LaTeX or UTF-8),
a few spelled with a capital, drawn with a long tail (a few keywords on many entries, most
on a handful); hierarchical tags as Zotero (``a/b``) and JabRef (``a > b``) write them; a few
near-misses of shipped themes (a letter dropped, accents or case changed); and the field forms
of real exports: several ISBNs in one field, short DOIs and DOI URLs, EDTF dates (``199X``,
``19uu``, open and unknown range ends), ``urldate`` as a web browser writes it, Better
BibTeX's extended names, crossref'd chapters, ``@string`` publishers, LaTeX markup in titles,
Zotero's ``file`` and ``abstract`` fields, one mistyped ISBN checksum in about 500 works,
claims' figures as people write them (``1,50``, ``12 000``, ``+45``, ``45e3``, ``012,0``);
and as many people as a real library has (about 0.6 a record, half of them met once, a few
on hundreds of works: a long tail), where ``themes`` draws 400 names at most.
Deterministic for a given size, seed and mode.
"""
from __future__ import annotations

import argparse
import itertools
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


def _isbn13(rnd: random.Random, ok: bool = True) -> str:
    """An ISBN-13 written with hyphens; ``ok``: with its right check digit."""
    d = [9, 7, 8, 2] + [rnd.randrange(10) for _ in range(8)]
    check = (10 - sum(x * (3 if i % 2 else 1) for i, x in enumerate(d)) % 10) % 10
    if not ok:
        check = (check + 1 + rnd.randrange(8)) % 10
    s = "".join(map(str, d))
    return f"{s[:3]}-{s[3]}-{s[4:7]}-{s[7:12]}-{check}"


def near_misses(theme_ids: list[str], rnd: random.Random, k: int) -> list[str]:
    """``k`` misspellings of shipped themes, as people type them: a letter dropped, the
    first letter capitalised, hyphens as spaces."""
    out = []
    for t in rnd.sample(theme_ids, min(k, len(theme_ids))):
        w = t.replace("-", " ")
        i = rnd.randrange(1, len(w) - 1) if len(w) > 3 else 1
        form = rnd.random()
        out.append(w[:i] + w[i + 1:] if form < 0.5 else w[0].upper() + w[1:])
    return out


#: syllables of the family names of a large library's people (with LAST and FIRST)
_HEADS = ["Ber", "Lan", "Mor", "Vas", "Kow", "Sch", "Dup", "Fon", "Gar", "Hal", "Jor", "Kri",
          "Lev", "Mar", "Nak", "Ost", "Pel", "Rou", "Sal", "Tan", "Val", "Wei", "Zim", "Ch{\\'e}",
          "M{\\\"u}", "Bj{\\o}", "Ga{\\v{c}}", "S{\\o}"]
_MIDS = ["", "a", "e", "i", "o", "u", "an", "el", "er", "in", "or", "ag", "ot"]
_TAILS = ["nard", "ger", "elli", "str{\\\"o}m", "ski", "mann", "eau", "ez", "ova", "sen", "idis",
          "oglu", "aki", "ford", "ier", "ard", "ino", "berg", "ton", "ais"]
_PARTICLES = ["de ", "van der ", "von ", "di ", "da ", "le "]


def many_people(k: int, rnd: random.Random) -> list[tuple[str, str]]:
    """``k`` distinct (family, given) names as a large library has them: the LAST ones first
    (its prolific authors), then family names made of syllables, LaTeX accents in some, a
    particle in a few; the same family name with several given names."""
    out = dict.fromkeys((last, first) for last in LAST for first in FIRST[:3])
    while len(out) < k:
        family = rnd.choice(_HEADS) + rnd.choice(_MIDS) + rnd.choice(_TAILS)
        if rnd.random() < 0.15:
            family = rnd.choice(_PARTICLES) + family
        if rnd.random() < 0.1:
            family += "-" + rnd.choice(_HEADS) + rnd.choice(_TAILS)
        out.setdefault((family, rnd.choice(FIRST)), None)
    return list(out)[:k]


#: EDTF and real-world date forms Zotero, JabRef and biblatex users write
ODD_DATES = ["{y3}u", "{y2}uu", "{y3}X", "{y}-uu", "unknown/{y}", "{y}/", "{y}/..", "{y}~",
             "{y}?", "{y}-21", "{y}-03-15/{y}-04-02"]


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
        kr = random.Random(seed + 2)
        for j in range(0, len(vocabulary), 10):  # one in ten a hierarchical tag
            sep = "/" if kr.random() < 0.7 else " > "
            vocabulary[j] = f"{kr.choice(KW_NOUNS)}{sep}{vocabulary[j]}"
        misses = near_misses(theme_ids, kr, 6)
        vocabulary[20:20] = misses  # near the head of the long tail: used on many entries
        weights = [1 / (k + 1) for k in range(len(vocabulary))]

        def draw(k: int) -> list[str]:
            return list(dict.fromkeys(rnd.choices(vocabulary, weights, k=k)))
    else:
        def draw(k: int) -> list[str]:
            return rnd.sample(theme_ids, k)
    if keywords == "free":  # as many people as a real library: most of them once
        people = many_people(max(20, n), random.Random(seed + 3))
        cum = list(itertools.accumulate(1 / (k + 1) ** 0.7 for k in range(len(people))))

        def some(k: int) -> list[tuple[str, str]]:  # a few prolific, a long tail
            return list(dict.fromkeys(rnd.choices(people, cum_weights=cum, k=k)))
    else:
        people = list(dict.fromkeys((rnd.choice(LAST), rnd.choice(FIRST))
                                    for _ in range(max(20, n // 5))))

        def some(k: int) -> list[tuple[str, str]]:
            return rnd.sample(people, k)
    out: list[str] = ["@string{seuil = {Seuil}}\n"]
    real = keywords == "free"  # the field forms of real exports (see the module's doc)

    def words(k: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(k))

    def names(k: int) -> str:
        return " and ".join(f"{last}, {first}" for last, first in some(k))

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
        if real:
            fields += _real_forms(rnd, t, i, year, fields)
        out.append(f"@{t}{{w{i},\n" + ",\n".join(fields) + "\n}\n")
    for i in range(n_quotes):
        last, first = some(1)[0]
        out.append(
            f"@quote{{q{i},\n  quote = {{{words(25)}}},\n  speaker = {{{last}, {first}}},\n"
            f"  source = {{w{rnd.randrange(n_works)}}},\n  locator = {{p. {rnd.randint(1, 400)}}},\n"
            f"  langid = {{french}},\n  status = {{attributed}},\n"
            f"  keywords = {{{', '.join(draw(1))}}}\n}}\n")
    for i in range(n_claims):
        status = rnd.choice(["sourced", "sourced", "unsourced", "contested"])
        src = f"  source = {{w{rnd.randrange(n_works)}}},\n" if status == "sourced" else ""
        note = "  note = {Chiffre corrig{\\'e}.},\n" if status == "contested" else ""
        figure = rnd.randint(1, 999)
        if real:  # as people write figures: French decimals, spaced thousands, a sign, an
            # exponent, a leading zero (the same draws: only the form changes)
            figure = [f"{figure}", f"{figure},50", f"{figure} 000", f"+{figure}",
                      f"{figure}e3", f"0{figure},0", f"{figure}"][i % 7]
        out.append(
            f"@claim{{c{i},\n  statement = {{{words(15)}}},\n  figure = {{{figure}}},\n"
            f"  unit = {{\\%}},\n  date = {{{rnd.randint(1990, 2025)}}},\n{src}{note}"
            f"  status = {{{status}}},\n  keywords = {{{', '.join(draw(1))}}}\n}}\n")
    for j, (last, first) in enumerate(people[: max(5, n // 50)]):
        out.append(f"@thinker{{t{j},\n  name = {{{last}, {first}}},\n  birthdate = "
                   f"{{{rnd.randint(1850, 1990)}}},\n  description = {{{words(8)}}}\n}}\n")
    return "\n".join(out)


def _real_forms(rnd: random.Random, t: str, i: int, year: int, fields: list[str]) -> list[str]:
    """Fields of real exports for work ``i`` (changes ``fields`` in place where a form
    replaces one)."""
    extra = []
    r = rnd.random()
    if r < 0.08:  # EDTF and other real date forms
        y = str(year)
        fields[2] = "  date = {" + rnd.choice(ODD_DATES).format(y=y, y3=y[:3], y2=y[:2]) + "}"
    if t == "book":
        k = 2 if rnd.random() < 0.2 else 1  # Zotero writes several ISBNs separated by spaces
        extra.append("  isbn = {" + " ".join(_isbn13(rnd, rnd.random() > 0.002)
                                             for _ in range(k)) + "}")
        if rnd.random() < 0.3:
            fields[fields.index(next(f for f in fields if f.startswith("  publisher")))] = \
                "  publisher = seuil"
    if t == "article":
        d = rnd.random()
        if d < 0.3:
            extra.append(f"  doi = {{10.{1000 + i % 9000}/rev.{year}.{i}}}")
        elif d < 0.35:
            extra.append(f"  doi = {{https://doi.org/10.{1000 + i % 9000}/x{i}}}")
        elif d < 0.4:
            extra.append(f"  doi = {{10/{'abcdefgh'[i % 8]}{i % 997}x}}")  # a short DOI
        extra.append(f"  shortjournal = {{Rev. {i % 50}}}")
    if t == "online" and rnd.random() < 0.5:  # as a web browser writes the access date
        fields[-1] = "  urldate = {Wed Dec 09 2020 13:49:01 GMT+0100}"
    if rnd.random() < 0.05:  # Better BibTeX's extended name syntax
        extra.append("  editor = {family=Dijk, given=Marten, prefix=van, useprefix=true}")
    if rnd.random() < 0.1:
        extra.append(f"  title = {{Le \\emph{{{rnd.choice(WORDS)}}} et la {{Technique}} "
                     f"$\\alpha$}}")
        fields[1:2] = []
    if rnd.random() < 0.2:
        extra += [f"  abstract = {{{' '.join(rnd.choice(WORDS) for _ in range(30))}}}",
                  f"  file = {{Full Text PDF:/home/user/Zotero/storage/{i:08X}/w{i}.pdf:"
                  f"application/pdf}}"]
    if t == "incollection" and i > 10 and rnd.random() < 0.5:
        extra.append(f"  crossref = {{w{i - 1 - (i % 10)}}}")
    return extra


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
