"""The build's inputs: which .bib and ontology a command means, the shipped corpus, the
thesaurus and the model read from them. Imports only kg.core: the pipeline, the checks and the
SHACL helpers all import it.
"""
from __future__ import annotations

from pathlib import Path

from kg.core.errors import InputError

BIB_NAME = "references.bib"
ONTOLOGY_NAME = "ontology.ttl"


def shipped(name: str) -> Path:
    """A file of the shipped corpus: inside the installed package (kg/data/, on disk: kg
    opens its files by path), or at the checkout's top."""
    here = Path(__file__).resolve().parents[1]
    packaged = here / "data" / name
    if packaged.is_file():
        return packaged
    return here.parent / name


def bib_paths(bib) -> list[Path]:
    """The .bib files ``bib`` names: one path, or several (a library kept in several files,
    a file per project: read as one, in the order given; kg.core.bib.read_texts)."""
    if bib is None:
        return []
    if isinstance(bib, (str, Path)):
        return [Path(bib)]
    return [Path(b) for b in bib]


def default_inputs(bib=None, ontology: str | Path | None = None):
    """./references.bib and ./ontology.ttl when the current folder has them, else the corpus.

    ``bib``: a path, or a sequence of paths (several files of one library).  Returns
    (the .bib: a Path, or a tuple of Paths when several are given; the ontology): the
    ontology next to the (first) .bib when it has one there."""
    here_bib, here_onto = Path(BIB_NAME), Path(ONTOLOGY_NAME)
    given = bib_paths(bib)
    seen: dict[Path, Path] = {}
    for g in given:
        first = seen.setdefault(g.resolve(), g)
        if first is not g:
            also = f" (as {first})" if str(first) != str(g) else ""
            raise InputError(f"{g} is given twice{also}: give each .bib file once")
    b = given[0] if given else (here_bib if here_bib.is_file() else shipped(BIB_NAME))
    if ontology:
        o = Path(ontology)
    elif (b.parent / ONTOLOGY_NAME).is_file() and b.parent.resolve() != Path.cwd().resolve():
        o = b.parent / ONTOLOGY_NAME
    else:
        o = here_onto if here_onto.is_file() else shipped(ONTOLOGY_NAME)
    return (tuple(given) if len(given) > 1 else b), o


def load_model(bib_path, onto_path: Path):
    """Read, parse and interpret the inputs (no output written).  ``bib_path``: one .bib or
    several (see :func:`bib_paths`); the model's problems are at their own file and line, and
    ``model.sources`` (kg.core.bib.Joined) moves those found later (rules, SHACL) there too."""
    from kg.core.bib import parse, read_texts
    from kg.core.model import build_model

    joined = read_texts(bib_paths(bib_path))
    bib = parse(joined.text, joined.name)
    if len(joined.sources) > 1 and not joined.text.strip():
        bib.problems = joined.empty()  # of each file
    model = build_model(bib, thesaurus(onto_path)[0])
    model.problems[:0] = bib.problems
    model.problems = joined.problems + joined.moved(model.problems)
    model.sources = joined
    return model


def read_ontology(onto_path: Path) -> bytes:
    """The bytes of the ontology: a regular file, under the same cap as the .bib
    (``KG_MAX_BIB_BYTES``); InputError for a FIFO, a device, a folder, a huge file."""
    from kg.core.bib import ENV_MAX_BIB_BYTES, max_bib_bytes
    from kg.core.limits import read_file

    return read_file(onto_path, max_bib_bytes(), ENV_MAX_BIB_BYTES,
                     "an ontology (Turtle) file", "an ontology")


def thesaurus(onto_path: Path):
    """The thesaurus of ``onto_path`` and its bytes; InputError when unreadable or not Turtle."""
    from kg.core.themes import load_thesaurus
    from kg.core.vocab import rebase

    data = rebase(read_ontology(onto_path))  # its themes under this graph's base IRI
    try:
        found = load_thesaurus(data)
    except SyntaxError as e:
        raise InputError(f"{onto_path}: not valid Turtle: {e}") from None
    found.source = str(onto_path)
    return found, data
