"""The build: from a .bib and a thesaurus to a published output folder (pipeline), by
parallel workers (forked), incrementally after an edit (incremental), checked (check) and
published atomically (store). Imports only from kg.core.
"""
