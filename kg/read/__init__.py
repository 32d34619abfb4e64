"""The read side: one Library over a built output folder, answering the query commands, and
SPARQL over the store. Imports only from kg.core and kg.builder.pipeline; never builds.
"""
