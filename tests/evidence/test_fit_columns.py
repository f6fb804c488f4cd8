"""Fits of many analyses in buckets give, figure for figure, what one analysis alone gives."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.evidence import meta
from mscref.evidence.methods import SummaryCI, Tau2Method

effects = st.floats(min_value=-8, max_value=8, allow_nan=False)
variances = st.floats(min_value=1e-4, max_value=50, allow_nan=False)
# a pool has at least two studies (so has a leave-one-out refit: a pool of k >= 3 less one)
analysis = st.integers(min_value=2, max_value=12).flatmap(
    lambda k: st.tuples(
        st.lists(effects, min_size=k, max_size=k), st.lists(variances, min_size=k, max_size=k)
    )
)


def _alone(y: list[float], v: list[float], tau2: Tau2Method, summary_ci: SummaryCI, profile: bool) -> dict:
    f = meta.random_effects(
        np.array([y]), np.array([v]), np.ones((1, len(y)), dtype=bool), tau2, summary_ci, profile=profile
    )
    return meta.fits_row(f, 0)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@given(
    st.lists(analysis, min_size=1, max_size=8),
    st.sampled_from(list(Tau2Method)),
    st.sampled_from(list(SummaryCI)),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_bucketed_fits_equal_each_fit_alone(
    rows: list[tuple[list[float], list[float]]], tau2: Tau2Method, summary_ci: SummaryCI, profile: bool
) -> None:
    arrays = [(np.array(y), np.array(v)) for y, v in rows]
    many = meta.fit_many(arrays, tau2, summary_ci, profile=profile)
    fields = ("estimate", "ci_low", "ci_high", "tau2", "i2")
    columns = meta.fit_columns(arrays, fields, tau2, summary_ci, profile=profile)
    for i, (y, v) in enumerate(rows):
        alone = _alone(y, v, tau2, summary_ci, profile)
        assert many[i].keys() == alone.keys()
        assert many[i]["k"] == alone["k"] == len(y)
        weights = zip(many[i]["weights"], alone["weights"], strict=True)
        assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in weights)
        for name in meta._FIELDS:
            # one fit and a bucket of fits run the same iterations on the same numbers, but a
            # padded row may take a few more passes than it needs (the bucket stops when all rows
            # have): figures agree far inside the 1e-6 of the metafor checks
            a, b = many[i][name], alone[name]
            assert _same(a, b) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), name
        for name in fields:
            assert _same(columns[name][i], many[i][name]), name
            assert type(columns[name][i]) is float


def _fit_many_row_by_row(rows: list[tuple[np.ndarray, np.ndarray]], **kw: object) -> list[dict]:
    """fit_many as first written: each bucket's rows read out one by one with fits_row."""
    out: list[dict] = [{} for _ in rows]
    buckets: dict[int, list[int]] = {}
    for i, (y, _v) in enumerate(rows):
        buckets.setdefault(1 << max(0, len(y) - 1).bit_length(), []).append(i)
    for idx in buckets.values():
        y, v, mask = meta.pad([rows[i] for i in idx])
        f = meta.random_effects(y, v, mask, **kw)  # type: ignore[arg-type]
        for j, i in enumerate(idx):
            out[i] = meta.fits_row(f, j)
    return out


@given(st.lists(analysis, min_size=1, max_size=8), st.sampled_from(list(Tau2Method)), st.booleans())
@settings(max_examples=60, deadline=None)
def test_fit_many_reads_out_exactly_what_fits_row_gives(
    rows: list[tuple[list[float], list[float]]], tau2: Tau2Method, profile: bool
) -> None:
    arrays = [(np.array(y), np.array(v)) for y, v in rows]
    many = meta.fit_many(arrays, tau2, profile=profile)
    reference = _fit_many_row_by_row(arrays, tau2=tau2, profile=profile)
    assert [r.keys() for r in many] == [r.keys() for r in reference]
    for got, want in zip(many, reference, strict=True):
        assert got["weights"] == want["weights"] and got["k"] == want["k"]
        assert all(_same(got[n], want[n]) and type(got[n]) is float for n in meta._FIELDS)


def test_no_rows_give_empty_columns() -> None:
    assert meta.fit_columns([], ("estimate",)) == {"estimate": []}
    assert meta.fit_many([]) == []


def test_identical_studies_and_a_huge_variance_stay_finite() -> None:
    rows = [(np.array([0.3, 0.3]), np.array([0.2, 0.2])), (np.array([0.1, 5.0]), np.array([1e-4, 1e6]))]
    cols = meta.fit_columns(rows, ("estimate", "tau2"))
    many = meta.fit_many(rows)
    assert cols["estimate"] == [many[0]["estimate"], many[1]["estimate"]]
    assert math.isfinite(cols["estimate"][1])
