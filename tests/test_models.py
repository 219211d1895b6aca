"""SQL models: a hand-written fixture database -> build -> exact mart rows, data tests, docs."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from mltrends import models

RAW = Path(__file__).resolve().parent / "fixtures" / "models" / "raw.sql"


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.fixture
def built(con):
    con.execute(RAW.read_text())
    models.build(con)
    return con


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def test_final_framework_precedence(built):
    got = rows(built, "select paper_id, repo, pwc_framework, detected_framework, framework, "
                      "framework_source from paper_implementations where paper_id between 'p1' and 'p6' "
                      "order by paper_id, repo")
    assert got == [
        ("p1", "a/code-pt", "tensorflow", "pytorch", "pytorch", "code"),
        ("p1", "k/hf-extra", None, None, "none", "none"),
        ("p2", "b/manifest-tf", "pytorch", "tensorflow", "tensorflow", "manifest"),
        ("p3", "c/label-only", "jax", None, "jax", "pwc_label"),
        ("p4", "d/nothing", "none", None, "none", "none"),
        ("p5", "e/manifest-none", "pytorch", "none", "pytorch", "pwc_label"),
        ("p6", "f/code-none", "tensorflow", "none", "none", "code"),
    ]


def test_paper_sources_and_hf_papers(built):
    got = rows(built, "select paper_id, repo, paper_source, has_hf_artifacts, quarter "
                      "from paper_implementations where paper_id in ('p1', 'p3', 'arxiv:2211.00002') "
                      "order by paper_id, repo")
    assert got == [
        ("arxiv:2211.00002", "l/hf-only", "hf", True, "2022Q4"),
        ("p1", "a/code-pt", "pwc", True, "2022Q4"),
        ("p1", "k/hf-extra", "pwc", True, "2022Q4"),
        ("p3", "c/label-only", "catalogue", False, "2022Q4"),
    ]


def test_first_implementation_choice(built):
    got = rows(built, "select paper_id, repo, framework, n_implementations, chosen_by "
                      "from first_implementation_framework where paper_id in ('p1', 'p7', 'p8', 'p9') "
                      "order by paper_id")
    assert got == [
        ("p1", "a/code-pt", "pytorch", 2, "official"),
        ("p7", "g/official", "tensorflow", 2, "official"),
        ("p8", "j/early", "tensorflow", 2, "earliest"),
        ("p9", "n/other-pt", "pytorch", 2, "earliest"),
    ]


def test_quarterly_share_wilson_and_partial_quarter(built):
    got = rows(built, "select quarter, quarter_start, framework, papers, total_papers, share, ci_low, "
                      "ci_high, is_partial_quarter from framework_share_quarterly "
                      "where quarter in ('2023Q1', '2023Q2') order by quarter, framework")
    low, high = wilson(8, 10)
    assert (round(low, 6), round(high, 6)) == (0.490157, 0.943319)  # the textbook 8/10 interval
    assert got[0][:6] == ("2023Q1", date(2023, 1, 1), "pytorch", 8, 10, 0.8)
    assert got[0][6] == pytest.approx(low, abs=1e-12) and got[0][7] == pytest.approx(high, abs=1e-12)
    assert got[1][:6] == ("2023Q1", date(2023, 1, 1), "tensorflow", 2, 10, 0.2)
    assert got[1][6:8] == pytest.approx(wilson(2, 10), abs=1e-12)
    assert got[0][8] is False and got[1][8] is False
    # the data ends on 2023-05-10: 2023Q2 is partial; k = n gives an upper bound of exactly 1
    assert got[2] == ("2023Q2", date(2023, 4, 1), "jax", 1, 1, 1.0, pytest.approx(wilson(1, 1)[0]), 1.0, True)
    # 'none' never enters a quarter: 2022Q4 counts p1..p9 minus p4/p6 plus the HF-only paper
    assert rows(built, "select sum(papers), any_value(total_papers) from framework_share_quarterly "
                       "where quarter = '2022Q4'") == [(8, 8)]


def test_venue_share_next_to_published_figure(built):
    got = rows(built, "select framework, papers, total_papers, share_of_pytorch_tensorflow, "
                      "published_share, published_papers, published_source, difference "
                      "from framework_share_by_venue where venue = 'CVPR' and year = 2019 order by framework")
    published_pt = 294 / (294 + 148)
    assert got == [
        ("mxnet", 1, 5, None, None, None, None, None),
        ("pytorch", 3, 5, 0.75, pytest.approx(published_pt), 294, "horace_he_conference_counts",
         pytest.approx(0.75 - published_pt)),
        ("tensorflow", 1, 5, 0.25, pytest.approx(1 - published_pt), 148, "horace_he_conference_counts",
         pytest.approx(0.25 - (1 - published_pt))),
    ]


def test_series_break_flags(built):
    got = rows(built, "select month, downloads, days_observed, after_series_break, crosses_series_break "
                      "from pypi_downloads_monthly where package = 'tflite-runtime' order by month")
    assert got == [
        (date(2026, 7, 1), 3100, 31, False, False),
        (date(2026, 8, 1), 3100, 31, False, True),
        (date(2026, 9, 1), 3000, 30, True, False),
    ]
    shares = rows(built, "select month, framework, share from pypi_family_share "
                         "where family = 'mobile_edge' order by month, framework")
    assert [(m.month, f, s) for m, f, s in shares] == [
        (7, "pytorch", 0.75), (7, "tensorflow", 0.25), (8, "pytorch", 0.75), (8, "tensorflow", 0.25),
        (9, "pytorch", 0.75), (9, "tensorflow", 0.25)]


def test_a_paper_served_by_the_dump_and_the_catalogue_counts_once(built):
    built.execute("""
        insert into pwc_papers (paper_id, arxiv_id, title, published, _source, _fetched_at) values
        ('arxiv:2210.00001', '2210.00001', 'Code beats label (synthetic, catalogue copy)',
         date '2022-10-05', 'pwc-api', now());
        insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, _fetched_at) values
        ('arxiv:2210.00001', 'a/code-pt', true, null, 'pwc-api', now()),
        ('arxiv:2210.00001', 'z/catalogue-only', false, null, 'pwc-api', now())""")
    models.build(built)
    got = rows(built, "select paper_id, repo, pwc_framework from paper_implementations "
                      "where arxiv_id = '2210.00001' order by repo")
    # one paper (the archive's key), the archive's label kept, the catalogue's extra repo joined to it
    # (k/hf-extra comes from Hugging Face Papers in the fixture)
    assert got == [("p1", "a/code-pt", "tensorflow"), ("p1", "k/hf-extra", None),
                   ("p1", "z/catalogue-only", "none")]


def test_bigquery_months_fill_only_what_pypistats_lacks(built):
    built.execute("""
        insert into pypi_downloads (package, date, category, downloads, _source, _fetched_at) values
        ('tflite-runtime', '2025-01-01', 'bigquery:monthly', 90000, 'bigquery', now()),
        ('tflite-runtime', '2026-07-01', 'bigquery:monthly', 99999, 'bigquery', now())""")
    models.build(built)
    got = rows(built, "select month, downloads, days_observed, source from pypi_downloads_monthly "
                      "where package = 'tflite-runtime' order by month")
    assert got == [
        (date(2025, 1, 1), 90000, 31, "bigquery"),      # a month only BigQuery knows
        (date(2026, 7, 1), 3100, 31, "pypistats"),      # the daily counts win where they exist
        (date(2026, 8, 1), 3100, 31, "pypistats"),
        (date(2026, 9, 1), 3000, 30, "pypistats"),
    ]


def test_sector_company_and_adoption(built):
    assert rows(built, "select framework, repos, total_repos from sector_framework_share "
                       "where dimension = 'sector' and group_value = 'industry' order by framework") == [
        ("pytorch", 2, 4), ("tensorflow", 2, 4)]  # the fork is left out
    assert rows(built, "select company, year, framework, repos, share from company_framework_mix "
                       "order by year") == [("openai", 2018, "tensorflow", 1, 1.0),
                                            ("openai", 2021, "pytorch", 1, 1.0)]
    got = rows(built, "select research_papers, research_total, industry_repos, industry_total, "
                      "download_share, download_months from adoption_summary where framework = 'pytorch'")
    # last 4 complete quarters: 2019Q2, 2022Q4, 2023Q1 (2023Q2 is partial): 3 + 4 + 8 PyTorch
    assert got == [(15, 23, 0, 1, 1.0, 2)]


def test_label_confusion_matrix_describes_the_runs(built):
    assert rows(built, "select claimed_framework, observed_framework, repos, share_of_claimed "
                       "from label_confusion_matrix order by all") == [
        ("pytorch", "pytorch", 2, 1.0), ("tensorflow", "pytorch", 1, 0.5),
        ("tensorflow", "tensorflow", 1, 0.5)]


def test_build_leaves_the_label_correction_to_the_claims_step(con):
    # the correction is an estimator (mltrends.label_correction), not a mart
    models.build(con)
    assert "corrected_framework_share" not in [m.name for m in models.load_models()]
    assert rows(con, "select count(*) from corrected_framework_share") == [(0,)]


def test_build_is_idempotent_and_loads_published_figures(built):
    first = models.build(built)
    second = models.build(built)
    assert first == second and first["paper_implementations"] == 30
    assert rows(built, "select count(*), count(distinct (source, subject, period, measure)) "
                       "from published_figures") == [(119, 119)]
    assert rows(built, "select count(*) from published_figures where citation is null or source = ''") == [(0,)]


def test_every_mart_column_has_a_comment(built):
    marts = [m.name for m in models.load_models() if m.kind == "table"]
    assert len(marts) >= 11
    missing = rows(built, "select table_name, column_name from duckdb_columns() "
                          "where table_name in (select unnest(?)) and (comment is null or comment = '')",
                   [marts])
    assert missing == []
    assert rows(built, "select count(*) from duckdb_tables() where table_name in (select unnest(?)) "
                       "and comment like '%Grain:%'", [marts]) == [(len(marts),)]
    docs = models.schema_docs(built, "framework_share_quarterly")
    assert {d["column"] for d in docs} >= {"quarter", "share", "ci_low", "is_partial_quarter"}


def test_bad_rows_fail_the_build_and_keep_previous_marts(built):
    before = rows(built, "select * from paper_implementations order by all")
    built.execute("insert into owner_sectors values ('zeta', 'martian', 0.5, null, 'v', now())")
    built.execute("insert into github_repos (repo, owner, status, _source, _fetched_at) "
                  "values ('zeta/x', 'zeta', 'ok', 't', now())")
    built.execute("insert into repo_frameworks (repo, framework, evidence, source, is_primary, detected_at) "
                  "values ('zeta/x', 'pytorch', 'import', 'code', true, now())")
    built.execute("insert into repo_purposes (repo, purpose, probability, model_version, predicted_at) values ('zeta/x', 'library', 0.5, 'v', now())")
    with pytest.raises(models.BuildError) as err:
        models.build(built)
    text = str(err.value)
    assert "accepted_values(sector)" in text and "martian" in text
    assert "repo_framework: accepted_values(purpose): unexpected library" in text
    assert "sector_framework_share: accepted_values(group_value)" in text
    assert rows(built, "select * from paper_implementations order by all") == before


def test_data_tests_list_every_failure(built):
    table = next(m for m in models.load_models() if m.name == "framework_share_quarterly")
    built.execute("insert into framework_share_quarterly select * from framework_share_quarterly "
                  "where quarter = '2023Q1' and framework = 'pytorch'")
    built.execute("update framework_share_quarterly set ci_low = 0.95 where quarter = '2022Q4' "
                  "and framework = 'jax'")
    built.execute("insert into framework_share_quarterly values ('2030Q1', date '2030-01-01', 'pytorch', "
                  "1, 2, 1.5, 0.2, 1.7, true)")
    failures = models.run_data_tests(built, [table])
    text = "\n".join(failures)
    assert "unique(quarter, framework)" in text
    assert "sums_to_one(share per quarter)" in text
    assert "range_0_1(share)" in text and "range_0_1(ci_high)" in text
    assert "interval(ci_low <= share <= ci_high)" in text


def test_model_order_and_cycles(tmp_path):
    ordered = [m.name for m in models.load_models()]
    assert ordered.index("paper_implementations") < ordered.index("first_implementation_framework")
    assert ordered.index("first_implementation_framework") < ordered.index("framework_share_quarterly")
    assert ordered.index("research_papers") < ordered.index("research_share_quarterly")
    (tmp_path / "staging").mkdir()
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a.sql").write_text("-- key: x\nselect * from b")
    (tmp_path / "marts" / "b.sql").write_text("-- key: x\nselect * from a")
    with pytest.raises(models.BuildError, match="cycle"):
        models.load_models(tmp_path)


def test_unknown_framework_labels_become_other(built):
    built.execute("insert into repo_frameworks (repo, framework, evidence, source, is_primary, detected_at) "
                  "values ('c/label-only', 'Caffe', 'import', 'code', true, now())")
    models.build(built)
    assert rows(built, "select framework, framework_source from paper_implementations "
                       "where repo = 'c/label-only'") == [("other", "code")]
