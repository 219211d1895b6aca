"""The label correction on a real database: population, stratified validation, inversion,
the minimum of validated repos, and the sample drawn from the corrected population."""

from __future__ import annotations

from datetime import date

import pytest

from mltrends import label_correction, models
from mltrends.reproduce import sampling

AS_OF = date(2025, 1, 15)  # window: 2023Q1-2024Q4


def papers(con, detected: dict[str, int]) -> None:
    """Official implementations published in 2024, detected from code (synthetic)."""
    for framework, count in detected.items():
        con.execute("insert into pwc_papers (paper_id, published, _source, _fetched_at) "
                    "select ? || i, date '2024-01-01' + (i % 360)::integer, 't', now() from range(?) t(i)",
                    [f"{framework}-", count])
        con.execute("insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, _fetched_at) "
                    "select ? || i, ? || i, true, null, 't', now() from range(?) t(i)",
                    [f"{framework}-", f"{framework}/r", count])
        con.execute("insert into repo_frameworks (repo, framework, evidence, source, score, is_primary, detected_at) "
                    "select ? || i, ?, 'import', 'code', 1.0, true, now() from range(?) t(i)",
                    [f"{framework}/r", framework, count])


def runs(con, repo_prefix: str, truths: list[str | None], stage: int = 3) -> None:
    for i, truth in enumerate(truths):
        runtime = [] if truth == "none" else None if truth is None else [truth]
        con.execute("insert into reproductions (run_id, repo, runtime_frameworks, stage_reached, finished_at) "
                    "values ('r1', ?, ?, ?, now())", [f"{repo_prefix}{i}", runtime, stage])


def test_correction_by_hand(con):
    # population: 70 detected pytorch, 30 detected tensorflow. Validated: 10 of the pytorch
    # stratum (8 truly pytorch, 2 tensorflow), 10 of the tensorflow stratum (all tensorflow).
    # Weights 70/10 = 7 and 30/10 = 3: joint (pt, pt) 56, (pt, tf) 14, (tf, tf) 30, so the
    # corrected shares are pytorch 56/100 and tensorflow 44/100 (observed 0.70 and 0.30).
    papers(con, {"pytorch": 70, "tensorflow": 30})
    runs(con, "pytorch/r", ["pytorch"] * 8 + ["tensorflow"] * 2)
    runs(con, "tensorflow/r", ["tensorflow"] * 10)
    models.build(con)
    rows = {r["framework"]: r for r in label_correction.compute(con, AS_OF)}
    assert set(rows) == {"pytorch", "tensorflow"}
    pt, tf = rows["pytorch"], rows["tensorflow"]
    assert (pt["observed_share"], tf["observed_share"]) == pytest.approx((0.7, 0.3))
    assert (pt["corrected_share"], tf["corrected_share"]) == pytest.approx((0.56, 0.44), abs=1e-6)
    assert pt["status"] == "corrected" and pt["n_validated"] == 10 and pt["n_population"] == 70
    assert 0 <= pt["corrected_low"] <= 0.56 <= pt["corrected_high"] <= 1
    assert pt["observed_low"] < 0.7 < pt["observed_high"]
    assert (pt["window_first"], pt["window_last"]) == ("2023Q1", "2024Q4")
    stored = con.execute("select framework, status from corrected_framework_share order by 1").fetchall()
    assert stored == [("pytorch", "corrected"), ("tensorflow", "corrected")]


def test_too_few_validated_repos_publish_no_number(con):
    papers(con, {"pytorch": 70, "tensorflow": 30})
    runs(con, "pytorch/r", ["pytorch", "tensorflow", "pytorch"])
    runs(con, "tensorflow/r", ["pytorch", None], stage=0)  # the second run never got to imports
    models.build(con)
    rows = {r["framework"]: r for r in label_correction.compute(con, AS_OF)}
    assert rows["pytorch"]["corrected_share"] is None
    assert rows["pytorch"]["status"].startswith(label_correction.NOT_ENOUGH)
    assert "pytorch 3 of 10" in rows["pytorch"]["status"] and "tensorflow 1 of 10" in rows["tensorflow"]["status"]
    assert "short: pytorch 3, tensorflow 1" in rows["pytorch"]["status"]
    assert rows["pytorch"]["observed_share"] == pytest.approx(0.7)


def test_runtime_truth():
    assert label_correction.runtime_truth("tensorflow", ["pytorch", "tensorflow"], 3) == "tensorflow"
    assert label_correction.runtime_truth("tensorflow", ["pytorch"], 3) == "pytorch"
    assert label_correction.runtime_truth("pytorch", [], 2) == "none"
    assert label_correction.runtime_truth("pytorch", [], 1) is None
    assert label_correction.runtime_truth("pytorch", None, 0) is None


def test_sample_is_drawn_from_the_corrected_population(con):
    papers(con, {"pytorch": 70, "tensorflow": 30, "jax": 4})
    con.execute("insert into pwc_papers (paper_id, published, _source, _fetched_at) "
                "values ('old', date '2018-05-01', 't', now())")
    con.execute("insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, _fetched_at) "
                "values ('old', 'old/repo', true, 'pytorch', 't', now())")
    models.build(con)
    jobs = sampling.sample(con, 30, seed=3, git_base_url="https://github.com", as_of=AS_OF)
    counts = {}
    for j in jobs:
        counts[j.claimed_framework] = counts.get(j.claimed_framework, 0) + 1
    # floor of 10 each (jax has only 4), then the remaining 6 in proportion to what is left
    # (pytorch 60, tensorflow 20 -> 4.5 and 1.5 -> 5 and 1 by largest remainder, ties by name)
    assert counts == {"jax": 4, "pytorch": 15, "tensorflow": 11}
    assert "old/repo" not in {j.repo for j in jobs}
    assert sampling.allocate_with_floor({"a": 60, "b": 20, "c": 4}, 30, 10) == {"a": 15, "b": 11, "c": 4}
