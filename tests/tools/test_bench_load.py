"""The benchmark's latency percentiles interpolate linearly between ranks."""

from __future__ import annotations

import pytest

from bench.load import percentile


def test_no_values_have_no_percentile():
    assert percentile([], 50) is None


def test_one_value_is_every_percentile():
    assert [percentile([7.0], q) for q in (0, 50, 99)] == [7.0, 7.0, 7.0]


@pytest.mark.parametrize(("q", "expected"), [(0, 1.0), (50, 2.5), (95, 3.85), (100, 4.0)])
def test_percentiles_interpolate_between_the_sorted_values(q, expected):
    assert percentile([4.0, 1.0, 3.0, 2.0], q) == pytest.approx(expected)
