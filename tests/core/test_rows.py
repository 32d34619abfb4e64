"""The read model's rows made from records (kg.core.rows)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.core import rows


@settings(max_examples=500, deadline=None)
@given(st.text() | st.text(alphabet=" \t\n\u00a0\u3000\u2028\u00a8\u0301eéÉœŒßİ\u1680ﬁ"))
def test_fold_words_is_fold_then_split(text):
    from kg.core.latex import fold

    assert rows.fold_words(text) == " ".join(fold(text).split())
