"""The Python API the CLI mirrors: open the library of an output folder, built first when
its inputs changed, and ask it.

This is the top of the house: it may import every layer; nothing imports it.

The base IRI of the graphs (kg.core.vocab.BASE) is the process's: set ``KG_BASE`` before
importing kg, or call ``kg.core.vocab.set_base(iri)`` before importing this module (as
`kg --base` does); an output built under another base is built again by the readers here.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.builder import store, triplestore
from kg.builder.inputs import default_inputs
from kg.read.query import Library

if TYPE_CHECKING:
    from kg.builder.stages import BuildResult


def build(bib: str | Path | None = None, ontology: str | Path | None = None,
          out: str | Path = "out", themes: str | None = None, **kw) -> BuildResult:
    """`kg build`: kg.builder.pipeline.build with the interactive page of kg.browse and the
    aggregate named queries of kg.read.

    ``bib`` (here and in every function below): a .bib file, or several (one library kept in
    several files, read as one in the order given: kg.builder.inputs.bib_paths).

    ``themes``: "own" (a keyword the ontology does not have is a concept of the library's own
    scheme) or "strict" (only the ontology's concepts; the others are warned of); None:
    ``KG_THEMES``, else "own" (kg.core.themes)."""
    from kg.browse.render import write_page
    from kg.builder import pipeline
    from kg.core.themes import themes_mode_set
    from kg.read.query import aggregates

    with themes_mode_set(themes):
        return pipeline.build(bib, ontology, out, page=write_page, aggregates=aggregates(),
                              **kw)


def ensure_built(out: str | Path = "out", bib=None, ontology=None, quiet: bool = False,
                 previous_ok: bool = True) -> Path:
    """The output folder, rebuilt first (with its page) when the inputs changed; when that
    fails, the previous graph, said on stderr (``previous_ok=False``: the error).

    A query after a build imports no more than it reads with: the build's modules (the
    model, the triples, the thesaurus: a third of a query's start-up) only when a build is due."""
    if store.built_from(out, *default_inputs(bib, ontology)):
        return Path(out)
    from kg.browse.render import write_page
    from kg.builder import pipeline
    from kg.read.query import aggregates

    return pipeline.ensure_built(out, bib, ontology, quiet=quiet, page=write_page,
                                 aggregates=aggregates(), previous_ok=previous_ok)


def open_library(out: str | Path = "out", bib=None, ontology=None,
                 quiet: bool = False) -> Library:
    """The library of ``out``, rebuilt first when the bibliography or the ontology changed."""
    return Library(ensure_built(out, bib, ontology, quiet=quiet))


def open_graph(out: str | Path = "out", bib=None, ontology=None, quiet: bool = False):
    """The query store of ``out``, rebuilt first when the inputs changed; its generation is
    held for the rest of the process (kg.builder.triplestore.open_store)."""
    return triplestore.open_store(ensure_built(out, bib, ontology, quiet=quiet))


def export(fmt: str = "bibtex", keys: list[str] | None = None, out: str | Path = "out",
           bib=None, ontology=None, **kwargs) -> str:
    """`kg export`: the works of ``keys`` (all by default) in one format.  The generation read is
    held while it is exported, not for the rest of the process (a notebook that exports after
    every build keeps no old generation from being removed)."""
    from kg.write.export import Selection, run

    with store.hold(ensure_built(out, bib, ontology)) as held:
        return run(fmt, Selection(keys=list(keys or [])), triplestore.open_store(held.folder),
                   bib=bib, ontology=ontology, **kwargs)
