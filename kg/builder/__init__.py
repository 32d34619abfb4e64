"""The build: from a .bib and a thesaurus to a published output folder (pipeline), by
parallel workers (forked), incrementally after an edit (incremental), checked (the lint rules
in rules, SHACL in shacl, both run by the build and by `kg check` in check), its read model
written (tables) and published atomically (store); a large library's SPARQL store made after
its build, and opened by every reader of it (triplestore). Imports only from kg.core; inside,
check imports pipeline, never the other way.
"""
