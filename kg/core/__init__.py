"""The core: reading BibTeX (bib, latex), the model of a library (model, themes), its triples
(graph, vocab), the read model's schema (readmodel) and the rows made from records (rows), the
error family (errors) and the escaping of every output (output).

Nothing here imports from the layers above (build, read, and the uses: write, browse,
analyse, share).
"""
