"""The golden cases: `kg` argument lists whose answers on the shipped corpus are frozen in
tests/data/golden/answers.json (written by tests/make_golden.py, checked by tests/read/test_golden.py).

Not a test module: the case list and the two helpers the script and the test share.
"""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).resolve().parent / "data" / "golden" / "answers.json"
PLACEHOLDER = "<TMP>"

FORMATS = ["table", "json", "csv", "markdown"]  # table is the default: run without --format
QUOTE_FORMATS = [*FORMATS, "pandoc", "latex"]

# Each command runs in every format it takes.
COMMANDS = [
    ["themes"],
    ["themes", "--lang", "en"],
    ["theme", "surveillance"],
    ["theme", "surveillance", "--lang", "en"],
    ["theme", "surveillance", "--limit", "3"],
    ["theme", "surveillance", "--limit", "0"],
    ["theme", "environnement"],  # narrower themes
    ["theme", "Non-neutralité de la technique"],  # by French label, a leaf with quotes
    ["thinker", "ellul"],
    ["thinker", "ellul", "--lang", "en"],
    ["thinker", "ellul", "--limit", "2"],
    ["thinker", "La Quadrature du Net"],  # an organisation
    ["thinker", "Günther Anders"],
    ["work", "ellul1988"],
    ["work", "conference-data-scientist"],
    ["work", "conference-data-scientist", "--lang", "en"],
    ["work", "pestre2014"],  # a collection, with an editor
    ["quotes"],
    ["quotes", "--lang", "en"],
    ["quotes", "--limit", "2"],
    ["quotes", "--theme", "environnement"],
    ["quotes", "--thinker", "ellul"],
    ["quotes", "--theme", "technocritique", "--thinker", "ellul"],
    ["claims"],
    ["claims", "--lang", "en"],
    ["claims", "--limit", "5"],
    ["claims", "--theme", "surveillance"],
    ["claims", "--status", "sourced"],
    ["claims", "--status", "unsourced"],
    ["claims", "--status", "contested"],
    ["claims", "--theme", "environnement", "--status", "unsourced"],
    ["search", "surveillance"],
    ["search", "surveillance", "--limit", "3"],
    ["search", "surveillance", "--limit", "0"],
    ["search", "dématérialisation"],  # accented
    ["search", "reconnaissance faciale"],  # multi-word
    ["search", "numér"],  # prefix-like
    ["search", "xyzzyplugh"],  # no hit
    ["query", "--list"],
    # the named queries of `kg query --list`: without parameters, then with a sensible one
    *[["query", name] for name in [
        "claims-without-source", "claims", "quotes-by-language", "quotes", "theme-counts",
        "theme-labels", "thinker-names", "thinkers-by-century", "works-per-theme"]],
    ["query", "--name", "works-per-theme"],
    ["query", "claims", "--param", "theme=surveillance"],
    ["query", "claims", "--param", "status=contested"],
    ["query", "claims", "--param", "theme=environnement", "--param", "status=unsourced"],
    ["query", "quotes", "--param", "theme=technocritique"],
    ["query", "quotes", "--param", "speaker=ellul"],
    ["query", "theme-size", "--param", "theme=surveillance"],
    ["query", "theme-thinkers", "--param", "theme=surveillance"],
    ["query", "theme-works", "--param", "theme=environnement"],
    ["query", "thinker-quotes", "--param", "thinker=ellul"],
    ["query", "thinker-related", "--param", "thinker=ellul", "--param", "theme=technocritique"],
    ["query", "thinker-themes", "--param", "thinker=ellul"],
    ["query", "thinker-works", "--param", "thinker=ellul"],
    ["query", "thinker", "--param", "thinker=La Quadrature du Net"],
    ["query", "work-authors", "--param", "work=ellul1988"],
    ["query", "work-mentions", "--param", "work=conference-data-scientist"],
    ["query", "work", "--param", "work=ellul1988"],
    # inline SPARQL: SELECT, ASK, CONSTRUCT
    ["query", "PREFIX kgo: <https://kg.example/ontology#> "
              "SELECT ?w WHERE { ?w a kgo:Work } ORDER BY ?w LIMIT 5"],
    ["query", "PREFIX kgo: <https://kg.example/ontology#> ASK { ?q a kgo:Quote }"],
    ["query", "PREFIX dcterms: <http://purl.org/dc/terms/> CONSTRUCT { ?w dcterms:title ?t } "
              "WHERE { ?w dcterms:identifier \"ellul1988\" ; dcterms:title ?t }"],
]

ERRORS = [["theme", "survelliance"]]  # an unknown theme: message and exit code


def _formats(args: list[str]) -> list[list[str]]:
    return [[] if f == "table" else ["--format", f]
            for f in (QUOTE_FORMATS if args[0] == "quotes" else FORMATS)]


CASES = [[*args, *fmt] for args in COMMANDS for fmt in _formats(args)] + ERRORS


def build_corpus(base: Path) -> list[str]:
    """The shipped corpus copied into ``base`` and built into base/out with `kg build`;
    returns the options that point a query command at it."""
    from click.testing import CliRunner

    from kg.cli import main

    bib, onto, out = base / "references.bib", base / "ontology.ttl", base / "out"
    shutil.copyfile(ROOT / "references.bib", bib)
    shutil.copyfile(ROOT / "ontology.ttl", onto)
    r = CliRunner().invoke(main, ["build", str(bib), "--ontology", str(onto), "-o", str(out),
                                  "--quiet"])
    assert r.exit_code == 0, r.output
    return ["--out", str(out), "--bib", str(bib), "--ontology", str(onto)]


def answer(args: list[str], base: Path, opts: list[str]) -> dict:
    """One case run through click's CliRunner, the temporary folder replaced by a placeholder."""
    from click.testing import CliRunner

    from kg.cli import main

    r = CliRunner().invoke(main, [*args, *opts])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    output = r.output
    for p in sorted({str(base.resolve()), str(base)}, key=len, reverse=True):
        output = output.replace(p, PLACEHOLDER)
    return {"args": args, "exit_code": r.exit_code, "output": output}
