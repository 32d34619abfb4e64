"""The read side: one Library over a built output folder, answering the query commands with
SQL over its read model (local) and SPARQL over the store or a server (query, named queries,
--endpoint). Imports only from kg.core and kg.builder (store.current, open_store); never
builds, never writes.
"""
