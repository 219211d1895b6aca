"""Claims scorecard: the registry covers every claim; verdicts follow the interval rules."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from mltrends import claims, models
from mltrends.cli import main

CLAIM_IDS = {
    "research-pytorch-dominates", "papers-pytorch-first", "research-trend-rising",
    "industry-tensorflow", "enterprise-prefer-tf", "openai-migrated", "companies-tensorflow",
    "companies-pytorch", "edge-tensorflow", "nlp-pytorch", "hf-pytorch", "tpu-tensorflow",
    "regulated-industries", "pytorch-faster-gpu",
}


AS_OF = date(2025, 1, 15)  # the refresh date of these constructed cases: 2024Q1-Q4 complete


def detect(con, repo_prefix: str, framework: str, count: int) -> None:
    """Code detection for repos <prefix>0 .. <prefix>(count - 1)."""
    con.execute("insert into repo_frameworks (repo, framework, evidence, source, score, is_primary, detected_at) "
                "select ? || i, ?, 'import', 'code', 1.0, true, now() from range(?) t(i)",
                [repo_prefix, framework, count])


def add_papers(con, frameworks: dict[str, int], start: str = "2024-01-01", days: int = 365,
               label: bool = True) -> None:
    """Papers spread over a year, each with an official implementation whose framework code
    detection found (and, with label=True, the same PwC label); then one paper that opens
    a partial quarter."""
    for offset, (framework, count) in enumerate(frameworks.items()):
        con.execute(
            "insert into pwc_papers (paper_id, published, _source, _fetched_at) "
            "select ? || i, date '" + start + "' + ((i * ?) % ?)::integer, 'pwc-dump', now() from range(?) t(i)",
            [f"{framework}-", 7 + offset, days, count])
        con.execute(
            "insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, _fetched_at) "
            "select ? || i, ? || i, true, ?, 'pwc-dump', now() from range(?) t(i)",
            [f"{framework}-", f"{framework}/r", framework if label else None, count])
        detect(con, f"{framework}/r", framework, count)
    con.execute("insert into pwc_papers (paper_id, published, _source, _fetched_at) "
                "values ('tail', date '2025-01-15', 'pwc-dump', now())")


def verdict_of(con, claim_id: str, as_of: date = AS_OF) -> dict:
    models.build(con)
    return next(r for r in claims.evaluate(con, as_of) if r["claim_id"] == claim_id)


def test_registry_covers_every_claim_with_a_query():
    registry = claims.load_registry()
    assert {c.claim_id for c in registry} == CLAIM_IDS
    assert all(c.sql_path.read_text().lstrip().startswith("--") for c in registry)
    assert all(c.quote and c.metric_name and c.rule for c in registry)


@pytest.mark.parametrize(("counts", "expected"), [
    ({"pytorch": 160, "tensorflow": 20}, "supported"),
    ({"pytorch": 20, "tensorflow": 160}, "contradicted"),
    ({"pytorch": 80, "tensorflow": 80}, "inconclusive"),
])
def test_dominance_is_a_level_test_in_every_quarter(con, counts, expected):
    add_papers(con, counts)
    row = verdict_of(con, "research-pytorch-dominates")
    n = sum(counts.values())
    assert row["verdict"] == expected
    assert row["n"] == n
    assert (row["window_first"], row["window_last"]) == ("2024Q1", "2024Q4")
    assert row["unit"] == "share" and "Wilson" in row["interval_method"]
    per_quarter = con.execute(
        "select quarter, count(*) filter (where official_framework = 'pytorch') / count(*) "
        "from research_papers where quarter between '2024Q1' and '2024Q4' group by quarter").fetchall()
    assert row["metric"] == pytest.approx(min(s for _, s in per_quarter))  # the binding quarter
    assert row["ci_low"] <= row["metric"] <= row["ci_high"]
    stored = con.execute("select verdict, n, unit from claims_scorecard "
                         "where claim_id = 'research-pytorch-dominates'").fetchall()
    assert stored == [(expected, n, "share")]


def test_labels_alone_do_not_make_the_headline_population(con):
    # PwC labels without detection: the headline population has no known framework, so the
    # quarters' coverage fails and the claim says so instead of measuring labels
    add_papers(con, {"pytorch": 40, "tensorflow": 5})
    con.execute("delete from repo_frameworks")
    row = verdict_of(con, "research-pytorch-dominates")
    assert row["verdict"] == "not measurable"
    assert "coverage below 50%" in row["reason"] and "2024Q1 0/" in row["reason"]


def test_window_is_fixed_by_the_calendar_not_by_the_data(con):
    # data ends in 2024; a refresh in mid-2025 asks about 2024Q2-2025Q1, and the empty
    # 2025Q1 makes the claim not measurable rather than sliding the window back
    add_papers(con, {"pytorch": 160, "tensorflow": 20})
    row = verdict_of(con, "research-pytorch-dominates", as_of=date(2025, 4, 20))
    assert (row["window_first"], row["window_last"]) == ("2024Q2", "2025Q1")
    assert row["verdict"] == "not measurable" and "2025Q1 0/" in row["reason"]


def test_verdict_rule():
    claim = next(c for c in claims.load_registry() if c.claim_id == "industry-tensorflow")
    assert claim.threshold == 0.0
    assert claims.verdict(claim, 0.2, 0.1, 0.3, 100)[0] == "supported"
    assert claims.verdict(claim, -0.2, -0.3, -0.1, 100)[0] == "contradicted"
    assert claims.verdict(claim, 0.05, -0.1, 0.2, 100)[0] == "inconclusive"
    assert claims.verdict(claim, 0.2, 0.1, 0.3, 10) == (
        "not measurable", "too little data: n = 10, the rule needs at least 30")
    assert claims.verdict(claim, None, None, None, 100)[0] == "not measurable"
    fixed = next(c for c in claims.load_registry() if c.claim_id == "regulated-industries")
    assert claims.verdict(fixed, 0.9, 0.8, 1.0, 10**6) == ("not measurable", fixed.reason)


def test_trend_claim_uses_the_slope_interval(con):
    # PyTorch's share rises from 20% to 80% over 3 years: 12 complete quarters, rising
    for q in range(12):
        pt = 2 + q
        con.execute(
            "insert into pwc_papers (paper_id, published, _source, _fetched_at) "
            "select 'q' || ? || '-' || i, date '2022-01-15' + interval (3 * ?) month, 'pwc-dump', now() "
            "from range(15) t(i)", [q, q])
        con.execute(
            "insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, _fetched_at) "
            "select 'q' || ? || '-' || i, 'r/q' || ? || '-' || i, true, "
            "case when i < ? then 'pytorch' else 'tensorflow' end, 'pwc-dump', now() from range(15) t(i)",
            [q, q, pt])
        detect(con, f"r/q{q}-", "pytorch", pt)
        con.execute("insert into repo_frameworks (repo, framework, evidence, source, score, is_primary, detected_at) "
                    "select 'r/q' || ? || '-' || i, 'tensorflow', 'import', 'code', 1.0, true, now() "
                    "from range(?, 15) t(i)", [q, pt])
    con.execute("insert into pwc_papers (paper_id, published, _source, _fetched_at) "
                "values ('tail', date '2025-01-15', 'pwc-dump', now())")
    row = verdict_of(con, "research-trend-rising")
    assert row["n"] == 12 and row["unit"] == "points per year"
    # equal weights (15 papers a quarter): the weighted slope is the plain one
    assert row["metric"] == pytest.approx(4 / 15, rel=1e-9)  # one paper in 15 a quarter = 4/15 a year
    assert row["verdict"] == "supported"
    assert (row["window_first"], row["window_last"]) == ("2022Q1", "2024Q4")


def test_scorecard_on_an_empty_database_is_complete(con):
    models.build(con)
    rows = claims.evaluate(con)
    assert {r["claim_id"] for r in rows} == CLAIM_IDS
    assert {r["verdict"] for r in rows} == {"not measurable"}
    assert con.execute("select count(*), count(distinct claim_id) from claims_scorecard").fetchall() == [(14, 14)]
    claims.evaluate(con)
    assert con.execute("select count(*) from claims_scorecard").fetchall() == [(14,)]


def test_claims_before_build_is_a_clear_error(con):
    with pytest.raises(models.BuildError, match="mltrends build"):
        claims.evaluate(con)


def test_cli_build_claims_schema(tmp_path):
    db_path = str(tmp_path / "m.duckdb")
    runner = CliRunner()
    for cmd in (["build", "--help"], ["claims", "--help"], ["schema", "--help"]):
        result = runner.invoke(main, cmd)
        assert result.exit_code == 0 and "Usage" in result.output
    result = runner.invoke(main, ["--db", db_path, "schema"])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(main, ["--db", db_path, "claims"])
    assert result.exit_code == 2 and "mltrends build" in result.output
    result = runner.invoke(main, ["--db", db_path, "build"])
    assert result.exit_code == 0, result.output
    assert "framework_share_quarterly" in result.output
    result = runner.invoke(main, ["--db", db_path, "claims", "--json"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert {r["claim_id"] for r in lines} == CLAIM_IDS
    result = runner.invoke(main, ["--db", db_path, "schema", "adoption_summary"])
    assert result.exit_code == 0 and "trend_slope_per_year" in result.output
    result = runner.invoke(main, ["--db", db_path, "schema", "no_such_mart"])
    assert result.exit_code == 2 and "no table or view" in result.output


def test_cli_build_fails_loudly_on_bad_data(tmp_path):
    from mltrends import db
    db_path = str(tmp_path / "m.duckdb")
    con = db.connect(db_path)
    con.execute("insert into repo_purposes (repo, purpose, probability, model_version, predicted_at) values ('a/b', 'library', 0.5, 'v', now())")
    con.execute("insert into github_repos (repo, owner, status, _source, _fetched_at) "
                "values ('a/b', 'a', 'ok', 't', now())")
    con.close()
    result = CliRunner().invoke(main, ["--db", db_path, "build"])
    assert result.exit_code == 2
    assert "data test(s) failed" in result.output and "accepted_values(purpose)" in result.output


def industry_repos(con, orgs: dict[str, tuple[int, int]]) -> None:
    """Industry organisations with (TensorFlow, PyTorch) production repos detected from code."""
    for org, (tf, pt) in orgs.items():
        con.execute("insert into owner_sectors (login, sector, probability, model_version, predicted_at) "
                    "values (?, 'industry', 0.9, 'v', now())", [org])
        for framework, count in (("tensorflow", tf), ("pytorch", pt)):
            prefix = f"{org}/{framework[:2]}"
            detect(con, prefix, framework, count)
            con.execute("insert into repo_purposes (repo, purpose, probability, model_version, predicted_at) "
                        "select ? || i, 'production', 0.9, 'v', now() from range(?) t(i)", [prefix, count])


def test_industry_claim_resamples_organisations_and_leaves_vendors_out(con):
    # synthetic: six organisations, each all-TensorFlow or all-PyTorch (30 repos), plus the
    # tensorflow vendor organisation with 50 TensorFlow repos
    industry_repos(con, {"a": (10, 0), "b": (0, 5), "c": (8, 0), "d": (0, 2), "e": (3, 0), "f": (0, 2),
                         "tensorflow": (50, 0)})
    row = verdict_of(con, "industry-tensorflow")
    assert row["n"] == 30 and row["unit"] == "points"
    assert row["metric"] == pytest.approx((21 - 9) / 30)  # the vendor's 50 repos are left out
    assert "in 6 organisations" in row["reason"] and "vendor organisations left out: 50 repos" in row["reason"]
    assert "only 6 organisations" in row["reason"]  # few clusters: the interval says it is rough
    # resampling organisations: far wider than repos as independent draws (Wald half width
    # 1.96 * sqrt((0.7 + 0.3 - 0.4^2) / 30) = 0.33); never outside [-1, 1]
    assert -1 <= row["ci_low"] < row["metric"] < row["ci_high"] <= 1
    assert row["ci_high"] - row["ci_low"] > 2 * 0.33
    again = verdict_of(con, "industry-tensorflow")
    assert (again["ci_low"], again["ci_high"]) == (row["ci_low"], row["ci_high"])  # seeded


def test_company_claims_share_one_query_and_select_by_company_name(con):
    # synthetic company_framework_mix rows: (organisation, company, year, framework, repos)
    con.execute("create table company_framework_mix (company varchar, company_name varchar, "
                "year integer, framework varchar, repos bigint)")
    con.executemany("insert into company_framework_mix values (?, ?, ?, ?, ?)", [
        ("microsoft", "Microsoft", 2024, "pytorch", 8), ("microsoft", "Microsoft", 2023, "tensorflow", 2),
        ("microsoft", "Microsoft", 2020, "tensorflow", 40),      # before the 2022-2024 window
        ("openai", "OpenAI", 2022, "pytorch", 5),
        ("pytorch", "Meta", 2024, "pytorch", 50),                # a framework vendor: left out
        ("google-research", "Google", 2024, "tensorflow", 6), ("google-research", "Google", 2024, "pytorch", 4),
        ("somebody", "Somebody", 2024, "tensorflow", 9),         # not named by either claim
    ])
    registry = {c.claim_id: c for c in claims.load_registry()}
    pt, tf = registry["companies-pytorch"], registry["companies-tensorflow"]
    assert pt.sql_path == tf.sql_path and pt.sql_path.name == "companies.sql"
    assert set(pt.companies) == {"Microsoft", "Meta", "OpenAI", "Tesla"}
    row_pt, row_tf = claims.measure(con, pt, AS_OF), claims.measure(con, tf, AS_OF)
    # by hand: Microsoft 8 of 10 and OpenAI 5 of 5 in 2022-2024 -> 13 / 15; Google 6 of 10
    assert (row_pt["metric"], row_pt["n"]) == (pytest.approx(13 / 15), 15)
    assert (row_tf["metric"], row_tf["n"]) == (pytest.approx(6 / 10), 10)
    # the stored evidence reruns as it is, without the claim's settings
    rerun = con.execute(row_pt["evidence_sql"]).fetchall()
    assert sorted((r[0], r[1], r[3]) for r in rerun) == [("microsoft", 8, 10), ("openai", 5, 5)]
    assert row_pt["evidence_sql"].startswith("set variable as_of = DATE '2025-01-15';")
