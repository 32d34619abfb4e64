"""Speed of kg.analyse.network on synthetic libraries, as ratios to a floor measured in the same run.

    python benchmarks/bench_analyse.py 1000 5000

Floor: iterating every quad of the built store once (the least any analysis must do).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def timed(f, *a, **k):
    t = time.perf_counter()
    r = f(*a, **k)
    return r, time.perf_counter() - t


def main(sizes: list[int]) -> None:
    from generate import generate, themes

    from kg.analyse import network as an
    from kg.api import build
    from kg.builder.triplestore import open_store

    onto = ROOT / "ontology.ttl"
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            bib = Path(d) / "lib.bib"
            bib.write_text(generate(n, 1, themes(onto)), encoding="utf-8")
            build(bib, onto, Path(d) / "out")
            store = open_store(Path(d) / "out")
            _, floor = timed(lambda s=store: sum(1 for _ in s))
            G, t_load = timed(an.load_nx, store)
            _, t_an = timed(an.analyse, G)
            _, t_ms = timed(an.measures, G)
            a = next(x for x, dd in G.nodes(data=True) if dd["type"] == "thinker")
            b = next(x for x, dd in G.nodes(data=True) if dd["type"] == "theme")
            _, t_path = timed(an.path, G, a, b, 5)
            print(f"{n} entries, {G.number_of_nodes()} nodes, {G.number_of_edges()} edges: "
                  f"floor {floor:.3f}s; load_nx x{t_load / floor:.1f}, analyse "
                  f"x{t_an / floor:.1f}, measures x{t_ms / floor:.1f}, path -k 5 "
                  f"x{t_path / floor:.1f}")


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [1000])
