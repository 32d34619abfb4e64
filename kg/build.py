"""`kg build`: references.bib + ontology.ttl -> out/ (store, Turtle, JSON-LD, manifest)."""
from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from . import store as st
from .errors import BuildError, InputError, Problem

BIB_NAME = "references.bib"
ONTOLOGY_NAME = "ontology.ttl"


def shipped(name: str) -> Path:
    """A file of the shipped corpus: inside the installed package, or at the checkout's top."""
    packaged = resources.files("kg") / "data" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name


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


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def load_model(bib_path: Path, onto_path: Path):
    """Read, parse and interpret the inputs (no output written)."""
    from .bib import load
    from .model import build_model
    from .themes import load_thesaurus

    bib = load(bib_path)
    try:
        thesaurus = load_thesaurus(onto_path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{onto_path}: file not found") from None
    except SyntaxError as e:
        raise InputError(f"{onto_path}: not valid Turtle: {e}") from None
    model = build_model(bib, thesaurus)
    model.problems[:0] = bib.problems
    return model


def build(bib: str | Path | None = None, ontology: str | Path | None = None,
          out: str | Path = "out", strict: bool = False, progress: bool = False) -> BuildResult:
    """Build the graph and publish it into ``out`` atomically."""
    import pyoxigraph as ox

    from .graph import to_ntriples
    from .vocab import PREFIXES

    t0 = time.perf_counter()
    bib_path, onto_path = default_inputs(bib, ontology)
    out = Path(out)
    steps = _Progress(progress)
    steps.step("reading the bibliography")
    model = load_model(bib_path, onto_path)
    problems = sorted(model.problems, key=lambda p: (p.line, p.key))
    errors = [p for p in problems if p.level == "error"]
    if strict and errors:
        raise BuildError(f"{errors[0]}\n(--strict: nothing written; "
                         f"{len(errors)} error(s) in all)")
    if not model.records and not model.persons:
        detail = f"\n{errors[0]}" if errors else ""
        raise BuildError(f"{bib_path}: no entries could be read; {out}/ left as it was{detail}")
    steps.step("building the graph")
    nt = to_ntriples(model).encode("utf-8")
    stage = st.staging(out)
    try:
        steps.step("loading the store")
        store = ox.Store(str(stage / "store"))
        store.bulk_load(input=onto_path.read_bytes(), format=ox.RdfFormat.TURTLE)
        store.bulk_load(input=nt, format=ox.RdfFormat.N_TRIPLES)
        steps.step("writing Turtle and JSON-LD")
        store.dump(str(stage / "graph.ttl"), ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                   prefixes=PREFIXES)
        store.dump(str(stage / "graph.jsonld"), ox.RdfFormat.JSON_LD,
                   from_graph=ox.DefaultGraph())
        triples = len(store)
        store.flush()
        del store
        manifest = {
            "format": st.FORMAT_VERSION,
            "bib": st.fingerprint(bib_path),
            "ontology": st.fingerprint(onto_path),
            "counts": model.counts(),
            "triples": triples,
            "problems": {"errors": len(errors),
                         "warnings": sum(p.level == "warning" for p in problems)},
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        steps.step("publishing")
        st.publish(out, stage, manifest, ["graph.ttl", "graph.jsonld"])
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    steps.done()
    return BuildResult(out, model.counts(), problems, triples, time.perf_counter() - t0)


def ensure_built(out: str | Path = "out", bib: str | Path | None = None,
                 ontology: str | Path | None = None, quiet: bool = False) -> Path:
    """The output folder, rebuilt first when the bibliography or ontology changed."""
    out = Path(out)
    bib_path, onto_path = default_inputs(bib, ontology)
    m = st.read_manifest(out)
    if m and st.unchanged(m["bib"], bib_path) and st.unchanged(m["ontology"], onto_path):
        return out
    if not quiet:
        why = "no graph built yet" if m is None else f"{bib_path} or {onto_path} changed"
        print(f"kg: {why}; building {out}/ …", file=sys.stderr)
    build(bib_path, onto_path, out)
    return out


class _Progress:
    """Stage messages on a terminal for large inputs; silent otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.t = time.perf_counter()
        self.name = ""

    def step(self, name: str) -> None:
        if self.enabled:
            self._finish()
            self.name = name
            self.t = time.perf_counter()
            print(f"  {name} …", end="", file=sys.stderr, flush=True)

    def _finish(self) -> None:
        if self.name:
            print(f" {time.perf_counter() - self.t:.1f}s", file=sys.stderr)

    def done(self) -> None:
        if self.enabled:
            self._finish()
