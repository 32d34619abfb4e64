"""The Python API the CLI mirrors: each function opens the built graph and answers."""
from __future__ import annotations

from pathlib import Path

from .build import build, ensure_built  # noqa: F401  (part of the API)
from .store import open_store


def open_graph(out: str | Path = "out", bib=None, ontology=None, quiet: bool = False):
    """The query store of ``out``, rebuilt first when the inputs changed."""
    return open_store(ensure_built(out, bib, ontology, quiet=quiet))


def export(fmt: str = "bibtex", keys: list[str] | None = None, out: str | Path = "out",
           bib=None, ontology=None, **kwargs) -> str:
    """`kg export`: the works of ``keys`` (all by default) in one format."""
    from .export import Selection, run

    return run(fmt, Selection(keys=list(keys or [])), out=out, bib=bib, ontology=ontology,
               **kwargs)
