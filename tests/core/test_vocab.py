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

    root = Path(__file__).resolve().parents[2] / "kg"
    allowed = {"core/vocab.py", "read/query.py"}
    iris = {vocab.BASE, *vocab.PREFIXES.values()}
    offenders = [f"{p.relative_to(root)}: {iri}" for p in root.rglob("*.py")
                 if str(p.relative_to(root)) not in allowed
                 for iri in iris if iri in p.read_text(encoding="utf-8")]
    assert offenders == []


# --------------------------------------------------------------------------- the base IRI

def test_a_base_iri_must_be_an_absolute_http_iri():
    import pytest

    from kg.core.errors import InputError

    for bad in ("kg.example/", "ftp://x.example/", "https://x.example/no-end", "https://a b/"):
        with pytest.raises(InputError, match="base IRI"):
            vocab.check_base(bad)
    assert vocab.check_base("https://me.example/kg/") == "https://me.example/kg/"


def test_the_base_cannot_change_once_kg_has_read_it(monkeypatch):
    import pytest

    import kg.core.graph  # noqa: F401  (reads the base)
    from kg.core.errors import InputError

    monkeypatch.delenv(vocab.ENV_BASE, raising=False)
    before = (vocab.BASE, dict(vocab.PREFIXES))
    with pytest.raises(InputError, match="cannot change"):
        vocab.set_base("https://other.example/")
    assert (vocab.BASE, vocab.PREFIXES) == before
    vocab.set_base(None)  # the default again: nothing to change


def _kg(*args, env=None, cwd=None):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    e = {k: v for k, v in os.environ.items() if k != vocab.ENV_BASE}
    e.update(PYTHONPATH=str(root), **(env or {}))
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True,
                          text=True, env=e, cwd=cwd)


def _iris(path) -> set[str]:
    import rdflib

    g = rdflib.Graph().parse(path, format="turtle")
    return {str(t) for triple in g for t in triple if isinstance(t, rdflib.URIRef)}


import pytest  # noqa: E402


@pytest.mark.slow
def test_two_bases_give_graphs_that_share_no_iri(tmp_path, shipped_corpus):
    """`kg --base` and KG_BASE: every IRI a build mints is under its base (the ontology's
    themes too); the vocabulary (kgo:, kgf:) is the one thing two graphs share.  A query
    command with the same base answers from it; with another base it rebuilds first."""
    src = ["--bib", str(shipped_corpus.bib), "--ontology", str(shipped_corpus.onto)]
    a, b = "https://alice.example/kg/", "http://bob.example/graphs/b#"
    r1 = _kg("--base", a, "build", *src[1:2], "--ontology", src[3], "--out",
             str(tmp_path / "a"))
    r2 = _kg("build", src[1], "--ontology", src[3], "--out", str(tmp_path / "b"),
             env={vocab.ENV_BASE: b})
    assert r1.returncode == 0 and r2.returncode == 0, r1.stderr + r2.stderr
    ia, ib = _iris(tmp_path / "a" / "graph.ttl"), _iris(tmp_path / "b" / "graph.ttl")
    shared = ia & ib
    assert shared and all(i.startswith(vocab.VOCAB) and "/id/" not in i or
                          not i.startswith(vocab.VOCAB) for i in shared)
    assert not any(i.startswith((a, b)) for i in shared)
    text = (tmp_path / "a" / "graph.ttl").read_text(encoding="utf-8")
    assert [x for x in text.splitlines() if vocab.DEFAULT_BASE + "id/" in x] == []
    assert a + "id/theme/surveillance" in ia and b + "id/theme/surveillance" in ib
    assert a + "id/work/ellul1988" in ia and b + "id/work/ellul1988" in ib
    # the named queries bind the base: the commands answer from either graph
    got = _kg("--base", a, "theme", "surveillance", "--format", "json", "--out",
              str(tmp_path / "a"), *src)
    assert got.returncode == 0 and "building" not in got.stderr, got.stderr
    import json

    page = json.loads(got.stdout)
    assert page["thinkers"] and page["works"]
    q = _kg("--base", a, "query", f"PREFIX kgo: <{vocab.KGO}> SELECT ?w WHERE {{ ?w a kgo:Work }}",
            "--out",
            str(tmp_path / "a"), *src)
    assert q.returncode == 0 and a + "id/work/" in q.stdout
    # another base than the graph's: built again under it, never mixed
    other = _kg("--base", vocab.DEFAULT_BASE, "thinker", "ellul", "--format", "json", "--out",
                str(tmp_path / "a"), *src)
    assert other.returncode == 0 and "another base IRI" in other.stderr
    assert vocab.DEFAULT_BASE + "id/" in (tmp_path / "a" / "graph.ttl").read_text("utf-8")
    bad = _kg("--base", "not an iri", "themes")
    assert bad.returncode != 0 and "Error: base IRI" in bad.stderr and "Traceback" not in bad.stderr
