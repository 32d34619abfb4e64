"""Give the bibliography back from the graph: every entry, field for field, as written."""
from __future__ import annotations

from urllib.parse import unquote

from .errors import NotFoundError
from .vocab import FIELD, KGO, RDF, SKOS

_ENTRIES = f"""
SELECT ?node ?type ?key ?order WHERE {{
  ?node <{KGO.entryType}> ?type ; <{KGO.position}> ?pos ; <{KGO.fieldOrder}> ?order ;
        <http://purl.org/dc/terms/identifier> ?key .
}} ORDER BY ?pos"""
_ITEMS = f"""
SELECT ?kind ?value WHERE {{ ?node a ?kind ; <{RDF.value}> ?value ; <{KGO.position}> ?pos . }}
ORDER BY ?pos"""
_MACROS = f"""
SELECT ?name ?value WHERE {{
  ?node a <{KGO.macro}> ; <{SKOS.prefLabel}> ?name ; <{RDF.value}> ?value ; <{KGO.position}> ?pos .
}} ORDER BY ?pos"""


def bibtex(store, keys: list[str] | None = None) -> str:
    """BibTeX text of the entries of a store (all, or those of ``keys``, in file order)."""
    import pyoxigraph as ox

    wanted = set(keys) if keys else None
    parts: list[str] = []
    if wanted is None:
        for row in store.query(_MACROS):
            parts.append(f"@string{{{row['name'].value} = {row['value'].value}}}\n")
        for kind, fmt in (("preamble", "@preamble{{{}}}\n"), ("comment", "@comment{{{}}}\n")):
            rows = store.query(_ITEMS, substitutions={ox.Variable("kind"):
                                                      ox.NamedNode(KGO.term(kind))})
            parts.extend(fmt.format(r["value"].value) for r in rows)
        if parts:
            parts.append("\n")
    found: set[str] = set()
    for row in store.query(_ENTRIES):
        key = row["key"].value
        if wanted is not None and key not in wanted:
            continue
        found.add(key)
        values = {unquote(q.predicate.value[len(FIELD):]): q.object.value
                  for q in store.quads_for_pattern(row["node"], None, None)
                  if q.predicate.value.startswith(FIELD)}
        lines = [f"@{row['type'].value}{{{key},"]
        for name in row["order"].value.split():
            if name in values:
                lines.append(f"  {name} = {values[name]},")
        parts.append("\n".join(lines) + "\n}\n\n")
    if wanted is not None and wanted - found:
        missing = ", ".join(sorted(wanted - found))
        raise NotFoundError(f"no entry with key {missing}")
    return "".join(parts).rstrip("\n") + "\n"
