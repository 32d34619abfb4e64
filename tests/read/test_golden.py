"""Every query command on the shipped corpus answers exactly as frozen in
tests/data/golden/answers.json (tests/make_golden.py writes it; tests/golden_cases.py lists
the cases)."""
from __future__ import annotations

import json

import pytest
from golden_cases import ANSWERS, answer, build_corpus

FROZEN = json.loads(ANSWERS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("golden")
    return base, build_corpus(base)


@pytest.mark.parametrize("frozen", FROZEN, ids=[" ".join(c["args"]) for c in FROZEN])
def test_golden(corpus, frozen):
    assert answer(frozen["args"], *corpus) == frozen
