"""Write (issue 6): cost of each export format on the shipped corpus, as ratios to the BibTeX
export measured in the same run (medians of 5).  Run: python benchmarks/bench_write.py"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.api import build, open_graph  # noqa: E402  (after the sys.path line)
from kg.write import export as ex  # noqa: E402


def median(f, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    tmp = Path(tempfile.mkdtemp())
    try:
        for name in ("references.bib", "ontology.ttl"):
            shutil.copyfile(ROOT / name, tmp / name)
        kw = {"out": tmp / "out", "bib": tmp / "references.bib", "ontology": tmp / "ontology.ttl"}
        build(kw["bib"], kw["ontology"], kw.pop("out"))
        kw["store"] = open_graph(tmp / "out")
        floor = median(lambda: ex.run("bibtex", ex.Selection(), **kw))
        print(f"floor: kg export --format bibtex (all works) {floor * 1000:.0f} ms")
        for fmt, style in (("csl-json", None), ("ris", None), ("text", "apa"),
                           ("html", "chicago"), ("markdown", "mla")):
            t = median(lambda f=fmt, s=style: ex.run(f, ex.Selection(), style=s or "apa", **kw))
            print(f"{fmt:9} {style or '':8} {t / floor:6.1f}x the floor")
        t = median(lambda: ex.run("text", ex.Selection(keys=["ellul1988"]), **kw))
        print(f"one entry, text/apa  {t / floor:6.1f}x the floor (pandoc start-up dominates)")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
