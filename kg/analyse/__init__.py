"""Analysis: centrality, communities, paths and similarity over the graph (networkx)."""
