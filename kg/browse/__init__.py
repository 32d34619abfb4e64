"""Browsing: the interactive HTML page of the graph or of a neighbourhood."""
