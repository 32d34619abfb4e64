"""The house's layers: every import of a kg module, at the top of a file or inside a function,
goes down (core < builder < read < the uses: write, browse, analyse, share < api < console <
cli), and
the imports between kg's modules make no cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"
RANK = {"core": 0, "builder": 1, "read": 2, "write": 3, "browse": 3, "analyse": 3, "share": 3,
        "api": 4, "console": 5, "cli": 6}
# uses that build on another use of the same floor (a page can be sized by centrality, and
# carries the references `kg cite` prints, from kg.write.cite itself)
SIDEWAYS = {("browse", "analyse"), ("browse", "write")}


def _module(path: Path) -> str:
    rel = path.relative_to(KG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every kg module this file imports, wherever the import stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "kg"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "kg":
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    found.add(sub if (KG.parent / (sub.replace(".", "/") + ".py")).exists()
                              else node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}: relative import; kg imports by full name")
    return found


MODULES = {_module(p): p for p in KG.rglob("*.py")}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_imports_go_down(module):
    mine = _layer(module)
    for other in sorted(_imports(MODULES[module])):
        theirs = _layer(other)
        if theirs is None or theirs == mine:
            continue
        assert RANK[theirs] < RANK[mine] or (mine, theirs) in SIDEWAYS, \
            f"{module} imports {other}: {theirs} is not below {mine}"


def test_no_import_cycle():
    graph = {m: {o for o in _imports(p) if o in MODULES and o != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for o in sorted(graph[m]):
            if state.get(o) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(o):] + [o]))
            if o not in state:
                visit(o)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_layers_are_folders():
    assert {p.name for p in KG.iterdir() if p.is_dir() and (p / "__init__.py").exists()} \
        == {k for k in RANK if k not in ("api", "console", "cli")}
