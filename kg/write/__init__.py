"""Writing with the library: exports (BibTeX, CSL-JSON, RIS, Markdown), citations and the
essay dossier."""
