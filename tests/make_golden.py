"""Freeze the answers of every golden case on the shipped corpus into
tests/data/golden/answers.json.

    python tests/make_golden.py

Run it only when an answer is meant to change, and review the diff of answers.json.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's kg, not an installed one

from golden_cases import ANSWERS, CASES, answer, build_corpus  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kg-golden-") as tmp:
        base = Path(tmp)
        opts = build_corpus(base)
        answers = [answer(args, base, opts) for args in CASES]
    ANSWERS.parent.mkdir(parents=True, exist_ok=True)
    ANSWERS.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    print(f"{len(answers)} answers written to {ANSWERS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
