"""The build validates with SHACL only what changed: a node whose star (its triples and the
types of what it links to) conformed in the previous build is not validated again."""
from __future__ import annotations

import json

import pyoxigraph as ox

from kg.builder import shacl
from kg.builder import store as st
from kg.builder.pipeline import build

KGO = "https://kg.example/ontology#"
W = "https://kg.example/id/work/"
LIB = "".join(f"@book{{w{i}, author={{A{i}, B}}, title={{T{i}}}, date={{2000}}}}\n"
              for i in range(5))


def _known_of(tmp_path, selected, errors=(), model=None):
    path = tmp_path / shacl.KNOWN_NAME
    shacl.write_known(path, selected, list(errors), model)
    return shacl.read_known(path)


def test_known_stars_are_not_validated_again(model_of, ontology_path, tmp_path):
    model = model_of(LIB)
    store = shacl.graph_store(model, ontology_path.read_bytes())
    first = shacl.shacl_data(store)
    assert first.kept == () and len(first.hashes) == first.total
    known = _known_of(tmp_path, first, shacl.validate_data(first, model).problems, model)
    assert known == set(first.hashes.values())

    again = shacl.shacl_data(store, known=known)
    assert again.data == b"" and again.hashes == {} and len(again.kept) == first.total
    result = shacl.validate_data(again, model)  # nothing to do: pySHACL is not run
    assert result.problems == [] and result.summary.conforms and result.summary.nodes == 0

    # one work changed: it alone is validated, with the types of what it links to
    store.add(ox.Quad(ox.NamedNode(f"{W}w0"), ox.NamedNode(f"{KGO}year"), ox.Literal("x")))
    changed = shacl.shacl_data(store, known=known)
    assert list(changed.hashes) == [f"{W}w0"] and len(changed.kept) == first.total - 1
    problems = shacl.validate_data(changed, model).problems
    assert {(p.key, p.level) for p in problems} == {("w0", "error")}
    assert all("kgo:year" in p.message for p in problems)
    # the broken node is not known to conform: the next build validates it again
    known = _known_of(tmp_path, changed, [p for p in problems if p.level == "error"], model)
    assert changed.hashes[f"{W}w0"] not in known
    assert list(shacl.shacl_data(store, known=known).hashes) == [f"{W}w0"]


def test_a_linked_node_changing_type_validates_its_neighbours(model_of, ontology_path,
                                                              tmp_path):
    model = model_of(LIB)
    store = shacl.graph_store(model, ontology_path.read_bytes())
    first = shacl.shacl_data(store)
    known = _known_of(tmp_path, first)
    person = next(q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode(f"{KGO}sortName"), None, ox.DefaultGraph()))
    store.remove(next(q for q in store.quads_for_pattern(
        person, ox.NamedNode(shacl.RDF.type), ox.NamedNode(f"{KGO}Contributor"),
        ox.DefaultGraph())))
    again = shacl.shacl_data(store, known=known)
    works = {q.subject.value for q in store.quads_for_pattern(None, None, person,
                                                              ox.DefaultGraph())
             if q.subject in first.by_class[f"{KGO}Work"]}
    assert works and works <= set(again.hashes)  # sh:class reads the person's type


def test_known_stars_of_other_shapes_are_ignored(model_of, ontology_path, tmp_path,
                                                 monkeypatch):
    model = model_of(LIB)
    first = shacl.shacl_data(shacl.graph_store(model, ontology_path.read_bytes()))
    path = tmp_path / shacl.KNOWN_NAME
    shacl.write_known(path, first, [], model)
    assert shacl.read_known(path)
    from importlib import metadata

    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0" if name == "pyshacl"
                        else real_version(name))
    assert shacl.read_known(path) == frozenset()  # another pySHACL
    monkeypatch.undo()
    assert shacl.read_known(path)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "shapes": "other"}))
    assert shacl.read_known(path) == frozenset()
    path.write_text("not json")
    assert shacl.read_known(path) == frozenset()
    assert shacl.read_known(tmp_path / "missing.json") == frozenset()


def test_a_rebuild_validates_only_the_edited_entry(write_bib, ontology_path, tmp_path,
                                                   monkeypatch):
    out = tmp_path / "out"
    bib = write_bib(LIB)
    build(bib, ontology_path, out)
    gen = st.current(out)
    known = shacl.read_known(gen / shacl.KNOWN_NAME)
    assert known and st.intact(gen, shacl.KNOWN_NAME)

    seen = tmp_path / "seen"  # what the SHACL child was given (it runs in a forked child)
    real = shacl.validate_data

    def spy(selected, model=None, t0=None):
        with open(seen, "a") as f:
            f.write(json.dumps(sorted(selected.hashes)) + "\n")
        return real(selected, model, t0)

    monkeypatch.setattr(shacl, "validate_data", spy)
    bib.write_text(LIB.replace("title={T2}", "title={T2 edited}"), encoding="utf-8")
    build(bib, ontology_path, out)
    assert seen.read_text() == json.dumps([f"{W}w2"]) + "\n"
    assert shacl.read_known(st.current(out) / shacl.KNOWN_NAME) != known

    # a known file changed since its build wrote it is not trusted: all is validated
    path = st.current(out) / shacl.KNOWN_NAME
    path.write_text(path.read_text())
    bib.write_text(LIB, encoding="utf-8")
    build(bib, ontology_path, out)
    assert len(json.loads(seen.read_text().splitlines()[-1])) > 5
