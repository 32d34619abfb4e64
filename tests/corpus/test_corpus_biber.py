"""biber accepts the shipped references.bib: every message it prints is one the README explains.

kg's own entry types (@thinker, @quote, @claim) are unknown to biblatex's data model: biber maps
them to @misc and names their fields; the other messages are honest gaps listed here and in the
README ("The shipped corpus and biber")."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NO_DATE = {"laquadrature-web", "jenairienacacher-web", "pmo-regne-machinal",
           "pestre-conferences", "universalis-lubrizol2019", "etalab-ami-ia-dgal",
           "agilit2020-lycees", "europe1-valenciennes", "technopolice-valenciennes",
           "figra-tous-surveilles", "desbois-terminal129"}
NO_URL = {"unep2014-sand", "liberation2023-doleances"}
EXPLAINED = {
    ("unep2019-sand", "Invalid field 'isbn' for entrytype 'report'"),
    ("gomezuribe2015", "Invalid field 'pagetotal' for entrytype 'article'"),
}


@pytest.fixture(scope="module")
def biber_messages(tmp_path_factory):
    if shutil.which("biber") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("biber is missing (apt-get install biber)")
        pytest.skip("biber is not installed")
    d = tmp_path_factory.mktemp("biber")
    shutil.copy(ROOT / "references.bib", d / "references.bib")
    p = subprocess.run(["biber", "--tool", "--validate-datamodel", "references.bib"], cwd=d,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return [line for line in (p.stdout + p.stderr).splitlines()
            if " WARN - " in line or " ERROR - " in line]


def test_biber_reports_only_explained_messages(biber_messages):
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    own = set(re.findall(r"@(?:thinker|quote|claim)\{([^,\s]+),", text))
    unexplained = []
    for line in biber_messages:
        assert " ERROR - " not in line, line
        m = re.search(r"Entry '([^']+)' \(references\.bib\): (.*)$", line)
        assert m, line
        key, message = m.groups()
        if key in own:
            continue  # kg's types: "Invalid entry type", "Field ... invalid", "Missing ... title/date"
        if key in NO_DATE and "one of 'date, year' must be defined" in message:
            continue
        if key in NO_URL and "one of 'url, doi, eprint' must be defined" in message:
            continue
        if (key, message) in EXPLAINED:
            continue
        unexplained.append(line)
    assert unexplained == []


def test_the_readme_lists_the_same_gaps():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The shipped corpus and biber"):]
    for key in NO_DATE | NO_URL | {k for k, _ in EXPLAINED}:
        assert f"`{key}`" in section, key


def test_own_types_are_the_only_unknown_entry_types(biber_messages):
    types = {m.group(1) for line in biber_messages
             if (m := re.search(r"Invalid entry type '(\w+)'", line))}
    assert types <= {"thinker", "quote", "claim"}
