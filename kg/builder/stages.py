"""What every build does around its own work, full or incremental: the result, the blocks a
record becomes, the checks before publishing (refuse, keep_good, the gate rules), the page and
the flat files' heads, and publishing the stage as the live generation.  The full build
(kg.builder.pipeline) and the incremental one (kg.builder.incremental) both import it; it
imports neither.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kg.builder import store as st
from kg.core.errors import BuildError, Problem
from kg.core.vocab import PREFIXES

#: page(store, path, model): writes the interactive page of the store; ``model``: the
#: bibliography's kg.core.model.Model, whose works' CSL-JSON the page carries
Page = Callable[[object, Path, object], object]


class Aggregates(NamedTuple):
    """The named queries whose results the read model caches (kg.read.query.aggregates).

    ``run(store, changed predicates, previous results) -> {name: SPARQL 1.1 JSON results}``
    runs them on a store (a full build passes None, None: all of them); ``queries`` are their
    texts and ``predicates`` every predicate they read (none has a variable predicate): a
    large library built without its SPARQL store has them run by its loader on the statements
    of those predicates alone, held in memory."""

    run: Callable[[object, set[str] | None, dict[str, str] | None], dict[str, str]]
    queries: dict[str, str]
    predicates: frozenset[str]


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    incremental: bool = False  # True when only the changed entries were rebuilt
    #: "after" or "first-use" when the SPARQL store is made after the build (kg.builder.triplestore)
    store_later: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def refuse(problems, counts, strict: bool, bib_path, out) -> None:
    """Stop before publishing: --strict with errors, or nothing usable read."""
    errors = [p for p in problems if p.level == "error"]
    if strict and errors:
        raise BuildError(f"{errors[0]}\n(--strict: nothing written; "
                         f"{len(errors)} error(s) in all)")
    if not counts["works"] + counts["quotes"] + counts["claims"] and not counts["thinkers"]:
        detail = f"\n{errors[0]}" if errors else ""
        raise BuildError(f"{bib_path}: no entries could be read; {out}/ left as it was{detail}")


def publish(out: Path, stage: Path, bib_path, onto_path: Path, counts: dict,
            triples: int, problems: list[Problem], drop_now: bool = True) -> None:
    """Make the stage, a complete generation, the live output (kg.builder.store.publish).

    ``bib_path``: the .bib file, or the files of a library read as one (kg.core.bib.Joined):
    the manifest records each ("bibs", in order; "bib": the first, as readers knew it).
    ``drop_now``: the old generations removed by this process, else by one of their own
    (kg.builder.store.drop_later: an edit's build)."""
    paths = getattr(bib_path, "paths", None) or [bib_path]
    bibs = [st.fingerprint(p) for p in paths]
    manifest = {
        "format": st.FORMAT_VERSION,
        "bib": bibs[0],
        "bibs": bibs,
        "ontology": st.fingerprint(onto_path),
        "counts": counts,
        "triples": triples,
        "problems": {"errors": sum(p.level == "error" for p in problems),
                     "warnings": sum(p.level == "warning" for p in problems)},
        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    st.publish(out, stage, manifest, drop_now)
    if not drop_now:
        st.drop_later(out)


#: above this many entries `kg build` writes no whole-graph page (`kg viz` draws parts of it)
PAGE_MAX_ENTRIES = 3000


def page_warnings(out: Path, n: int) -> list[Problem]:
    """Above PAGE_MAX_ENTRIES no whole-graph page (the new generation has none): say so."""
    if n <= PAGE_MAX_ENTRIES:
        return []
    return [Problem(str(out), 0, "", "warning",
                    f"graph.html not written: {n} entries is more than a page can show "
                    f"usefully ({PAGE_MAX_ENTRIES}); draw a part with `kg viz --theme T` "
                    "or `kg viz --thinker P`")]


def stage_page(stage: Path, store, page: Page, problems: list[Problem], model) -> str | None:
    """graph.html from the new store, published with the rest.

    A page that cannot be written (disk full, no permission: an OSError) fails the build:
    nothing is published, the previous generation (its graph and its page) stays live.  A
    page that cannot be drawn from this graph (a KgError, a ValueError) is a warning that
    says out/graph.html is missing from the new generation."""
    from kg.core.errors import KgError

    out = stage.parent.parent  # stages live in out/.kg/
    shown = out / "graph.html"
    try:
        page(store, stage / "graph.html", model)
    except OSError as e:
        raise BuildError(f"{shown}: cannot write the page ({e.strerror or e}); nothing "
                         f"published, {out}/ left as it was") from None
    except (KgError, ValueError) as e:
        problems.append(Problem(str(shown), 0, "", "warning",
                                f"page not drawn ({st.public_text(e)}): {shown} is missing "
                                "from this build; `kg viz` draws a page"))
        return None
    return "graph.html"


def gate():
    from kg.builder.rules import GATE_RULES
    return GATE_RULES


def keep_good(blocking: list[Problem], out: Path) -> None:
    """Never replace a good out/ with a graph the checks call broken."""
    if blocking and st.read_manifest(out) is not None:
        raise BuildError(f"{blocking[0]}\n({len(blocking)} error(s) would make the new graph "
                         f"wrong; {out}/ left as it was: fix them, `kg check` lists them)")


@dataclass
class Block:
    """One work, quote or claim rebuilt by an incremental build."""

    key: str
    kind: str
    nt: bytes
    js: bytes
    problems: list[Problem]
    people: list[str]  # the slugs of the people it names, in order of appearance
    blocking: list[Problem] = field(default_factory=list)  # errors that make the graph wrong


def gate_rules(mb, recs) -> list[Problem]:
    """The errors `kg check` finds in these records that would put wrong values in the graph
    (malformed dates, ISBN, DOI, URL; undefined links)."""
    from kg.builder.rules import GATE_RULES
    from kg.core.model import Model

    if getattr(mb, "keys_only", None) is None:
        mb.keys_only = KeysOnly(mb)
    model = Model(recs, {}, mb.thesaurus, mb.keys_only, [])
    return [p for rule in GATE_RULES for p in rule(model) if p.level == "error"]


class KeysOnly:
    """What the gate rules read of the file: its entries' keys (all of them), and its path."""

    def __init__(self, mb):
        self.path = mb.bib.path
        self.keys = mb.keys

    @property
    def entries(self):
        from types import SimpleNamespace

        return [SimpleNamespace(key=k) for k in self.keys]

    def macros(self):
        return {}


def flat_heads(onto_bytes: bytes) -> tuple[bytes, bytes]:
    """What the flat Turtle and JSON-LD files start with: prefixes and the ontology."""
    import pyoxigraph as ox

    onto = ox.Store()
    onto.bulk_load(input=onto_bytes, format=ox.RdfFormat.TURTLE)
    prefixes = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()).encode()
    ttl = prefixes + onto.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    js = onto.dump(format=ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph()).decode()
    return ttl, ("[\n" + js.strip()[1:-1].strip()).encode("utf-8")
