"""Combining messages per target: the sort path and the dense (scatter) path give the same answer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pregel.combiners import Max, Min, Sum
from pregel.messages import DENSE_SPAN, sort_and_combine


def _reference(targets, values, combine):
    """Each target's messages folded in the order they were sent, by plain Python."""
    folded = {}
    for t, v in zip(targets, values):
        folded[t] = combine(folded[t], v) if t in folded else v
    return sorted(folded), [folded[t] for t in sorted(folded)]


@settings(max_examples=200, deadline=None)
@given(
    targets=st.lists(st.integers(0, 50), min_size=1, max_size=60),
    spread=st.sampled_from([1, 10 * DENSE_SPAN * 60]),
    combiner=st.sampled_from([Sum, Min, Max]),
    floats=st.booleans(),
    data=st.data(),
)
def test_combined_per_target_in_sending_order(targets, spread, combiner, floats, data):
    # spread the targets apart so that both paths (dense and sorted) are taken
    targets = np.array(targets, dtype=np.int64) * spread
    element = st.floats(-1e6, 1e6, allow_nan=False) if floats else st.integers(-(10**6), 10**6)
    values = np.array(data.draw(st.lists(element, min_size=targets.size, max_size=targets.size)))
    got_targets, got_values = sort_and_combine(targets, values, combiner())
    python = {Sum: lambda a, b: a + b, Min: min, Max: max}[combiner]
    want_targets, want_values = _reference(targets.tolist(), values.tolist(), python)
    assert got_targets.tolist() == want_targets
    assert got_values.dtype == values.dtype
    # bit for bit: the same additions in the same order
    assert got_values.tolist() == want_values


def test_without_a_combiner_messages_keep_their_order_per_target():
    targets, values = sort_and_combine(np.array([4, 1, 4, 1]), np.array([10, 20, 30, 40]), None)
    assert targets.tolist() == [1, 1, 4, 4] and values.tolist() == [20, 40, 10, 30]
