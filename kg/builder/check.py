"""`kg check`: lint the bibliography (kg.builder.rules) and validate the graph against the SHACL
shapes (kg.builder.shacl), as one report.

``gate(model)`` is the fast subset ``kg build`` runs before publishing: the rules whose errors
mean the new graph would be wrong, plus SHACL.

The build does not import this module (it imports the rules and the SHACL helpers itself);
this module imports only what the build imports too (kg.builder.inputs, rules, shacl).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kg.builder.inputs import default_inputs, load_model, read_ontology, shipped
from kg.builder.rules import (  # noqa: F401  (the rules, as `kg check` runs them)
    GATE_RULES,
    REQUIRED,
    RULES,
    Rule,
    date_error,
    isbn_ok,
    rule_control_characters,
    rule_dates,
    rule_duplicate_works,
    rule_identifiers,
    rule_required_fields,
    rule_stray_latex,
    rule_thinker_dates,
    rule_undefined_links,
    rule_unsourced_claims,
)
from kg.builder.shacl import (  # noqa: F401
    SHACL_FULL_MAX,
    SHACL_SAMPLE,
    SHAPES_NAME,
    ShaclInput,
    ShaclResult,
    ShaclSummary,
    graph_store,
    shacl_data,
    shapes_path,
    validate,
    validate_data,
)
from kg.core.errors import KgError, Problem

# ------------------------------------------------------------------------------- the report

class KindCount(NamedTuple):
    level: str  # "error" | "warning"
    kind: str  # the message up to its first quoted value or colon (:func:`kind`)
    count: int


@dataclass
class CheckReport:
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)  # model counts: works, thinkers...
    shacl: ShaclSummary | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "error"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def by_kind(self) -> list[KindCount]:
        """How many problems of each level and kind, errors first, most frequent first."""
        c = Counter((p.level, kind(p.message)) for p in self.problems)
        return sorted((KindCount(lv, k, n) for (lv, k), n in c.items()),
                      key=lambda t: (t.level != "error", -t.count, t.kind))

    def text(self) -> str:
        lines: list[str] = []
        for title, group in (("Errors", self.errors), ("Warnings", self.warnings)):
            if group:
                lines.append(f"{title} ({len(group)}):")
                lines.extend(str(p) for p in group)
                lines.append("")
        if self.problems:
            lines.append("Counts:")
            lines.extend(f"  {n:>6}  {lv}: {k}" for lv, k, n in self.by_kind())
        if self.shacl:
            lines.append(self.shacl.text())
        c = self.counts
        what = ", ".join(f"{c[k]} {'other authors' if k == 'contributors' else k}"
                         for k in ("works", "thinkers", "contributors", "quotes", "claims",
                                   "themes") if k in c)
        lines.append(f"{'Clean' if not self.problems else 'Checked'}: {what}; "
                     f"{len(self.errors)} error(s), {len(self.warnings)} warning(s).")
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict:
        return {
            "problems": [p.as_dict() for p in self.problems],
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings),
                       "by_kind": [{"level": lv, "kind": k, "count": n}
                                   for lv, k, n in self.by_kind()]},
            "entries": self.counts,
            "shacl": self.shacl.as_dict() if self.shacl else None,
            "exit_code": self.exit_code,
        }

    def json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"


def kind(message: str) -> str:
    """The kind of a problem: its message up to the first quoted value or colon."""
    return message.split(":")[0].split("'")[0].split("(")[0].strip()


# ------------------------------------------------------------------------------- the API

def check(bib=None, ontology=None, out=None, shacl: bool = True) -> CheckReport:
    """Lint the bibliography and validate its graph; raise InputError when it cannot be read.

    ``out``: a built output folder; when it was built from these very inputs its store is
    validated instead of building the graph again in memory.
    """
    bib_path, onto_path = default_inputs(bib, ontology)
    model = load_model(bib_path, onto_path)
    bibs = model.sources  # several .bib files: what the rules find moved to its own file
    problems = list(model.problems)
    for rule in RULES:
        problems.extend(rule(model))
    problems.extend(nothing_read(model, bibs))
    summary = None
    if shacl and (model.records or model.persons):
        store = _built_store(out, bib_path, onto_path) if out else None
        if store is None:
            store = graph_store(model, read_ontology(onto_path))
        shacl_problems, summary = validate(store, model)
        problems.extend(shacl_problems)
    return CheckReport(_sorted(bibs.moved(problems), bibs.paths), model.counts(), summary)


def nothing_read(model, bib_path) -> list[Problem]:
    """An error when no entry was read from the file (`kg build` refuses such a file): a file
    of comments only, of text outside entries, or whose every entry is broken.  An empty file
    has its own error already.  ``bib_path``: the file (or files) read."""
    if model.records or model.persons or any(
            p.level == "error" and p.message.startswith("empty file") for p in model.problems):
        return []
    why = ("every entry in it has an error (listed with this one)" if any(
        p.level == "error" for p in model.problems) else
        "it holds only comments or text outside @type{key, ...} entries")
    return [Problem(str(bib_path), 0, "", "error",
                    f"no entry read: {why}; `kg build` refuses a file it reads nothing from: "
                    "is it the bibliography?")]


def gate(model_or_graph, ontology: bytes | None = None, store=None) -> list[Problem]:
    """The errors that make a graph broken: `kg build` must not publish it over a good out/.

    ``model_or_graph``: a :class:`kg.core.model.Model` (gate rules + SHACL), or a pyoxigraph Store
    holding the built graph (SHACL only).  ``store``: with a Model, the store the build has
    already loaded (ontology + graph), validated instead of building one in memory.  Returns
    error-level problems only; fast (SHACL on every node of a small corpus, on a sample of a
    large one).
    """
    from kg.core.model import Model

    problems: list[Problem] = []
    if isinstance(model_or_graph, Model):
        model = model_or_graph
        for rule in GATE_RULES:
            problems.extend(p for p in rule(model) if p.level == "error")
        if not (model.records or model.persons):
            return problems
        if store is None:
            if ontology is None:
                ontology = shipped("ontology.ttl").read_bytes()
            store = graph_store(model, ontology)
    else:
        store, model = model_or_graph, None
    shacl_problems, _ = validate(store, model)
    problems.extend(p for p in shacl_problems if p.level == "error")
    return _sorted(problems)


def _sorted(problems: list[Problem], files: list[str] = ()) -> list[Problem]:
    """Sorted by file (several .bib ``files``: in their order, before the others), line, key,
    errors first; each once."""
    rank = {f: i for i, f in enumerate(files)} if len(files) > 1 else {}
    seen: set[Problem] = set()
    out = []
    for p in sorted(problems, key=lambda p: (rank.get(p.file, len(rank)), p.file, p.line, p.key,
                                             p.level != "error")):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _built_store(out, bib_path: Path, onto_path: Path):
    from kg.builder import store as st
    from kg.builder import triplestore

    try:
        gen = st.keep(out)  # one generation: the manifest checked is its store's
    except KgError:
        return None
    m = st.manifest_of(gen)
    if st.made_from(m, bib_path, onto_path):
        try:
            return triplestore.open_store(gen)
        except Exception:
            return None
    return None
