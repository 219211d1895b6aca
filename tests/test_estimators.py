"""Every estimator against a case computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from mltrends.estimators import bootstrap, clip, correction, level, trend, windows

# --- cluster bootstrap ------------------------------------------------------------------
# Three organisations of two repos each: A 2 of 2 TensorFlow, B 0 of 2, C 1 of 2. With equal
# sizes the pooled share of a resample is the mean of three cluster shares drawn from
# {1, 0, 0.5}: 6 * share = t, a sum of three draws from {0, 1, 2}, whose 27 outcomes have
# counts 1, 3, 6, 7, 6, 3, 1 for t = 0..6. Hence: mean 0.5; variance of the mean =
# population variance of {1, 0, 0.5} / 3 = (1/6) / 3 = 1/18; the 10% quantile is t = 1
# (P(t <= 0) = 1/27 < 0.1 <= P(t <= 1) = 4/27) and the 90% quantile t = 5 (23/27 < 0.9 <= 26/27).
CLUSTERS = np.array([[2, 0, 2], [0, 0, 2], [1, 0, 2]])


def test_cluster_bootstrap_matches_the_exact_resampling_distribution():
    res = bootstrap.cluster_bootstrap(CLUSTERS, bootstrap.share_of(0, 2), reps=20000, seed=7,
                                      level=0.80)
    assert res.estimate == pytest.approx(0.5)
    assert res.se == pytest.approx(math.sqrt(1 / 18), rel=0.03)
    assert (res.low, res.high) == pytest.approx((1 / 6, 5 / 6))
    assert res.clusters == 3 and res.reps == 20000


def test_cluster_bootstrap_is_wider_than_treating_repos_as_independent():
    res = bootstrap.cluster_bootstrap(CLUSTERS, bootstrap.share_of(0, 2), reps=20000, seed=7)
    naive_se = math.sqrt(0.5 * 0.5 / 6)  # 6 repos as independent draws: 0.204
    assert res.se > naive_se * 1.1       # the clustered standard error is sqrt(1/18) = 0.236


def test_cluster_bootstrap_is_reproducible_per_seed_and_handles_differences():
    totals = np.array([[3, 1, 4], [0, 5, 5], [2, 2, 4]])
    stat = bootstrap.difference_of_shares(0, 1, 2)
    a = bootstrap.cluster_bootstrap(totals, stat, reps=500, seed=1)
    b = bootstrap.cluster_bootstrap(totals, stat, reps=500, seed=1)
    assert a == b
    assert a.estimate == pytest.approx((5 - 8) / 13)
    assert -1 <= a.low <= a.estimate <= a.high <= 1
    empty = bootstrap.cluster_bootstrap(np.zeros((0, 3)), stat)
    assert empty.estimate is None and empty.clusters == 0


def test_bounds_are_clipped_to_the_metric_domain():
    # a Wald interval for 29/30 against 0/30 would reach 1.031; no bound leaves [-1, 1]
    assert clip(1.031, "points") == 1.0 and clip(-1.2, "points") == -1.0
    assert clip(-0.01, "share") == 0.0 and clip(1.01, "share") == 1.0
    assert clip(0.3, "share") == 0.3 and clip(None, "share") is None


# --- weighted trend ---------------------------------------------------------------------
def test_weighted_trend_by_hand():
    # x = 0, 1, 2; y = 0.2, 0.4, 0.9; w = 1, 2, 1.
    # xbar = (0 + 2 + 2) / 4 = 1; ybar = (0.2 + 0.8 + 0.9) / 4 = 0.475
    # Sxx = 1 + 0 + 1 = 2; Sxy = (-1)(-0.275) + (1)(0.425) = 0.7; slope = 0.35
    # fitted 0.125, 0.475, 0.825; residuals 0.075, -0.075, 0.075
    # s^2 = (0.005625 + 2 * 0.005625 + 0.005625) / (3 - 2) = 0.0225; se = sqrt(0.0225 / 2)
    # t(0.975, 1 df) = 12.7062 -> half width 1.34772
    t = trend.weighted_trend([0, 1, 2], [0.2, 0.4, 0.9], [1, 2, 1])
    assert t.slope == pytest.approx(0.35)
    assert t.se == pytest.approx(math.sqrt(0.0225 / 2))
    assert (t.low, t.high) == pytest.approx((0.35 - 1.34772, 0.35 + 1.34772), abs=1e-4)
    assert t.periods == 3


def test_weights_change_the_slope():
    # y = 0, 1, 1 at x = 0, 1, 2. Unweighted: xbar = 1, ybar = 2/3, Sxy = 2/3 + 1/3 = 1,
    # Sxx = 2, slope 0.5. Weights 1, 1, 100: xbar = 201/102, ybar = 101/102;
    # x deviations -201, -99, 3 (/102); y deviations -101, 1, 1 (/102);
    # Sxy = (20301 - 99 + 300) / 102^2 = 20502 / 10404; Sxx = (40401 + 9801 + 900) / 10404
    # slope = 20502 / 51102 = 0.4012
    assert trend.weighted_trend([0, 1, 2], [0, 1, 1], [1, 1, 1]).slope == pytest.approx(0.5)
    assert trend.weighted_trend([0, 1, 2], [0, 1, 1], [1, 1, 100]).slope == pytest.approx(20502 / 51102)
    assert trend.weighted_trend([0, 1], [0, 1], [1, 1]).slope is None  # too few periods


# --- level test -------------------------------------------------------------------------
def test_level_test_needs_every_quarter_above_the_bar():
    strong = {"pytorch": 90, "tensorflow": 10}   # Wilson [0.826, 0.945]
    even = {"pytorch": 50, "tensorflow": 50}     # Wilson [0.404, 0.596]
    weak = {"pytorch": 10, "tensorflow": 90}     # Wilson [0.055, 0.174]
    assert level.level_test([("Q1", strong), ("Q2", strong)], "pytorch").verdict == "supported"
    res = level.level_test([("Q1", strong), ("Q2", even)], "pytorch")
    assert res.verdict == "inconclusive" and res.binding.period == "Q2"
    assert level.level_test([("Q1", strong), ("Q2", weak)], "pytorch").verdict == "contradicted"
    q = level.period_level("Q1", {"pytorch": 6, "tensorflow": 3, "jax": 1}, "pytorch")
    assert q.share == pytest.approx(0.6) and q.runner_up == "tensorflow" and q.lead == pytest.approx(0.3)
    assert level.level_test([("Q1", strong), ("Q2", {})], "pytorch").verdict == "not measurable"


# --- constrained inversion --------------------------------------------------------------
def test_inversion_2x2_inside_the_simplex():
    # M = [[0.9, 0.2], [0.1, 0.8]] (columns: true pytorch, true tensorflow); q = (0.62, 0.38)
    # 0.9 p + 0.2 (1 - p) = 0.62 -> 0.7 p = 0.42 -> p = 0.6
    m = np.array([[0.9, 0.2], [0.1, 0.8]])
    assert correction.invert_on_simplex(m, np.array([0.62, 0.38])) == pytest.approx([0.6, 0.4], abs=1e-6)


def test_inversion_2x2_clamps_at_the_edge():
    # q = (0.95, 0.05): the plain inverse gives p = 0.75 / 0.7 = 1.071 > 1; on the simplex
    # the objective 2 (0.7 p - 0.75)^2 is smallest at p = 1
    m = np.array([[0.9, 0.2], [0.1, 0.8]])
    assert np.linalg.solve(m, [0.95, 0.05])[0] > 1
    assert correction.invert_on_simplex(m, np.array([0.95, 0.05])) == pytest.approx([1.0, 0.0], abs=1e-6)


def test_inversion_3x3_projects_onto_the_simplex():
    # M = 0.7 I + 0.1 (all ones); with sum p = 1, M p = 0.7 p + 0.1, so the plain inverse of
    # q = (0.75, 0.2, 0.05) is u = (q - 0.1) / 0.7 = (13/14, 2/14, -1/14). On the simplex the
    # objective is 0.49 |p - u|^2: the Euclidean projection of u. Sorted u: rho = 2,
    # theta = (15/14 - 1) / 2 = 1/28, p = (25/28, 3/28, 0).
    m = 0.7 * np.eye(3) + 0.1
    q = np.array([0.75, 0.2, 0.05])
    assert np.linalg.solve(m, q)[2] < 0
    assert correction.invert_on_simplex(m, q) == pytest.approx([25 / 28, 3 / 28, 0.0], abs=1e-6)


def test_misclassification_matrix_uses_stratum_weights():
    # stratum pytorch (N = 90, 3 validated): 2 truly pytorch, 1 truly tensorflow -> weight 30
    # stratum tensorflow (N = 10, 2 validated): both truly tensorflow -> weight 5
    # joint: (pt, pt) 60, (pt, tf) 30, (tf, tf) 10 -> P(obs pt | true tf) = 30 / 40 = 0.75
    pairs = [("pytorch", "pytorch"), ("pytorch", "pytorch"), ("pytorch", "tensorflow"),
             ("tensorflow", "tensorflow"), ("tensorflow", "tensorflow")]
    m = correction.misclassification_matrix(pairs, {"pytorch": 30, "tensorflow": 5},
                                            ["pytorch", "tensorflow"])
    assert m == pytest.approx(np.array([[1.0, 0.75], [0.0, 0.25]]))
    # inverted, the corrected shares are the weighted truth: pytorch 60/100, tensorflow 40/100
    res = correction.correct_shares({"pytorch": 90, "tensorflow": 10}, pairs, reps=200, seed=3)
    assert res.categories == ["pytorch", "tensorflow"]
    assert res.corrected == pytest.approx([0.6, 0.4], abs=1e-6)
    assert all(0 <= lo <= hi <= 1 for lo, hi in zip(res.low, res.high, strict=True))
    assert res.low[0] <= 0.6 <= res.high[0]


# --- calendar windows -------------------------------------------------------------------
def test_windows_follow_the_calendar():
    assert windows.complete_quarters(date(2026, 11, 30), 4) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert windows.complete_quarters(date(2026, 1, 1), 2) == ["2025Q3", "2025Q4"]
    assert windows.complete_years(date(2026, 11, 30), 3) == [2023, 2024, 2025]
    assert windows.complete_months(date(2026, 3, 5), 2) == [date(2026, 1, 1), date(2026, 2, 1)]
    cover = [windows.Coverage("2026Q1", 9, 10), windows.Coverage("2026Q2", 0, 0),
             windows.Coverage("2026Q3", 4, 10)]
    assert [c.quarter for c in windows.uncovered(cover)] == ["2026Q2", "2026Q3"]
