"""The Python API the CLI mirrors: each function opens the built graph and answers."""
from __future__ import annotations

from pathlib import Path

from .build import build, ensure_built  # noqa: F401  (part of the API)
from .store import open_store


def open_graph(out: str | Path = "out", bib=None, ontology=None, quiet: bool = False):
    """The query store of ``out``, rebuilt first when the inputs changed."""
    return open_store(ensure_built(out, bib, ontology, quiet=quiet))


def export(fmt: str = "bibtex", keys: list[str] | None = None, out: str | Path = "out",
           bib=None, ontology=None) -> str:
    from . import export as ex

    store = open_graph(out, bib, ontology)
    if fmt == "bibtex":
        return ex.bibtex(store, keys or None)
    raise ValueError(fmt)
