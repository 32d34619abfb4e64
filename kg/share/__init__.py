"""Sharing: push the graph to a SPARQL 1.1 server and query it there."""
