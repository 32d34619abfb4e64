"""Writing the read model (kg.builder.tables): an update by key equals a whole write."""
from __future__ import annotations

import re
from pathlib import Path

from kg.builder import tables
from kg.core import readmodel, rows

ROOT = Path(__file__).resolve().parents[2]


def _rows_of(bib_text: str, tmp: Path):
    """(themes, record rows by key, people rows) of a library, as the build makes them."""
    from kg.builder.pipeline import _thesaurus
    from kg.core.bib import load
    from kg.core.model import ModelBuilder

    bib = tmp / "lib.bib"
    bib.write_text(bib_text, encoding="utf-8")
    thesaurus, onto = _thesaurus(ROOT / "ontology.ttl")
    bib_file = load(bib)
    mb = ModelBuilder(bib_file, thesaurus)
    recs = [r for r in map(mb.record, bib_file.entries) if r is not None]
    return rows.theme_rows(onto), recs, rows.people_rows(mb.persons)


def test_update_by_key_equals_a_full_write(tmp_path):
    """Records replaced by key (a title, themes, a speaker changed) give the read model
    written whole from the edited library, aggregates included."""
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    themes, before, _ = _rows_of(text, tmp_path)
    edited = re.sub(r"keywords( *)= \{(?!.*environnement)", r"keywords\1= {environnement, ",
                    text, count=3)
    edited = re.sub(r"title( *)= \{", r"title\1= {Autre titre : ", edited, count=2)
    _, after, people = _rows_of(edited, tmp_path)
    changed = [a for a, b in zip(after, before) if rows.record_rows([a]) !=
               rows.record_rows([b])]
    assert 2 <= len(changed) <= 5
    full, updated = tmp_path / "full.sqlite", tmp_path / "updated.sqlite"
    tables.write(full, themes, [rows.record_rows(after)], people)
    tables.write(updated, themes, [rows.record_rows(before)], people)
    tables.update(updated, [r.key for r in changed], rows.record_rows(changed), people)
    assert readmodel.content(updated) == readmodel.content(full)
