"""Cost of `kg check` and of its SHACL part, as ratios against a floor measured in the same run.

    python benchmarks/check_shacl.py 50000

Floor: reading and modelling the library (kg.builder.inputs.load_model).  Prints, for the generated
library: lint rules / floor, SHACL (sampled above kg.builder.shacl.SHACL_FULL_MAX nodes per class) /
floor, and SHACL on every node of a 1,000-entry slice / SHACL on its sample.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed(f):
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def main() -> None:
    from generate import generate, themes

    from kg.builder import check as ck
    from kg.builder import shacl as shacl_module
    from kg.builder.inputs import load_model

    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=50_000)
    n = ap.parse_args().n
    onto = ROOT / "ontology.ttl"
    with tempfile.TemporaryDirectory() as d:
        bib = Path(d) / "lib.bib"
        bib.write_text(generate(n, theme_ids=themes(onto)), encoding="utf-8")
        model, floor = timed(lambda: load_model(bib, onto))
        _, lint = timed(lambda: [list(r(model)) for r in ck.RULES])
        store, graph = timed(lambda: ck.graph_store(model, onto.read_bytes()))
        (_, summary), shacl = timed(lambda: ck.validate(store, model))
        print(f"{n} entries: load_model {floor:.1f}s (floor)")
        print(f"  lint rules      {lint / floor:6.2f} x floor")
        print(f"  graph in memory {graph / floor:6.2f} x floor")
        print(f"  SHACL           {shacl / floor:6.2f} x floor  ({summary.text()})")
        shacl_module.SHACL_FULL_MAX = 10 ** 9
        (_, full), full_t = timed(lambda: ck.validate(store, model)) if n <= 5000 else \
            ((None, None), None)
        if full_t:
            print(f"  SHACL on every node / sampled: {full_t / shacl:.1f}  ({full.text()})")


if __name__ == "__main__":
    main()
