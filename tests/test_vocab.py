"""The words of the model are written once, in kg.core.vocab, and every table that shows them
(page labels, path phrases, dossier warnings, quote-bank flags) covers exactly them."""
from __future__ import annotations

from kg.core import vocab


def test_relations_are_one_vocabulary():
    names = set(vocab.RELATIONS.values())
    assert len(names) == len(vocab.RELATIONS)  # one name per predicate
    assert vocab.PREDICATES == {n: p for p, n in vocab.RELATIONS.items()}
    assert set(vocab.ROLES) <= names


def test_the_page_and_the_paths_name_every_relation():
    from kg.analyse.network import PHRASES
    from kg.browse.render import EDGE_PREDICATES, TEXT

    assert EDGE_PREDICATES is vocab.RELATIONS
    assert set(PHRASES) == set(vocab.RELATIONS.values())
    for lang in TEXT:
        assert set(TEXT[lang]["relations"]) == set(vocab.RELATIONS.values())
        assert set(TEXT[lang]["inverse"]) == set(vocab.RELATIONS.values())


def test_roles_read_from_name_fields_are_relations():
    from kg.core.model import NAME_FIELDS

    assert set(NAME_FIELDS.values()) <= set(vocab.ROLES)


def test_every_status_is_a_term_and_is_shown():
    from kg.browse.render import TEXT
    from kg.write.cite import LABELS
    from kg.write.dossier import TEXT as DOSSIER

    for s in (*vocab.QUOTE_STATUSES, *vocab.CLAIM_STATUSES):
        assert vocab.KGO.term(s) == str(vocab.KGO) + s
        for lang in TEXT:
            assert s in TEXT[lang]["status"]
    for lang in LABELS:  # a verbatim quote carries no flag
        assert set(vocab.QUOTE_STATUSES) - set(LABELS[lang]) == {vocab.VERBATIM}
    for lang in DOSSIER:
        assert set(vocab.DOUBTFUL) <= set(DOSSIER[lang])


def test_namespaces_are_not_redefined():
    """No module but vocab writes our base IRI or the IRI of a vocabulary we use (the SPARQL
    texts of the read side aside)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "kg"
    allowed = {"core/vocab.py", "read/query.py"}
    iris = {vocab.BASE, *vocab.PREFIXES.values()}
    offenders = [f"{p.relative_to(root)}: {iri}" for p in root.rglob("*.py")
                 if str(p.relative_to(root)) not in allowed
                 for iri in iris if iri in p.read_text(encoding="utf-8")]
    assert offenders == []
