"""The build's inputs: which .bib and ontology a command means, the shipped corpus, the
thesaurus and the model read from them. Imports only kg.core: the pipeline, the checks and the
SHACL helpers all import it.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kg.core.errors import InputError

BIB_NAME = "references.bib"
ONTOLOGY_NAME = "ontology.ttl"


def shipped(name: str) -> Path:
    """A file of the shipped corpus: inside the installed package, or at the checkout's top."""
    packaged = resources.files("kg") / "data" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


def default_inputs(bib: str | Path | None = None,
                   ontology: str | Path | None = None) -> tuple[Path, Path]:
    """./references.bib and ./ontology.ttl when the current folder has them, else the corpus."""
    here_bib, here_onto = Path(BIB_NAME), Path(ONTOLOGY_NAME)
    use_here = here_bib.is_file()
    b = Path(bib) if bib else (here_bib if use_here else shipped(BIB_NAME))
    if ontology:
        o = Path(ontology)
    elif (b.parent / ONTOLOGY_NAME).is_file() and b.parent.resolve() != Path.cwd().resolve():
        o = b.parent / ONTOLOGY_NAME
    else:
        o = here_onto if here_onto.is_file() else shipped(ONTOLOGY_NAME)
    return b, o


def load_model(bib_path: Path, onto_path: Path):
    """Read, parse and interpret the inputs (no output written)."""
    from kg.core.bib import load
    from kg.core.model import build_model

    bib = load(bib_path)
    model = build_model(bib, thesaurus(onto_path)[0])
    model.problems[:0] = bib.problems
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
