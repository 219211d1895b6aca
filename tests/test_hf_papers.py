"""Hugging Face daily papers: replayed recordings in, exact hf_papers rows out, per-day cursor."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends.cli import main
from mltrends.localserver import LocalServer, ReplayHandler, Response, load_recordings
from mltrends.sources import hfpapers

FIX = Path(__file__).resolve().parent / "fixtures" / "hf"
TODAY = date(2026, 3, 20)


@pytest.fixture
def server():
    handler = ReplayHandler(load_recordings([FIX / "daily_papers.jsonl"]))
    with LocalServer(handler) as srv:
        yield srv


def rows(con):
    return con.execute(
        "select arxiv_id, title, published, quarter, daily_date, github_repo, github_stars, organization, "
        "upvotes, ai_keywords, _source from hf_papers order by arxiv_id").fetchall()


EXPECTED = [
    ("2603.00101", "A Synthetic Vision Paper (synthetic)", date(2026, 3, 4), "2026Q1", date(2026, 3, 5),
     "vision-lab-uni/seg-model", 42, "VisionLab", 17, ["segmentation", "transformers"], "hf-papers"),
    ("2603.00102", "A Synthetic Language Paper (synthetic)", date(2026, 3, 3), "2026Q1", date(2026, 3, 5),
     "nlp-group-tech/lm-kit", 7, "NLPGroup", 5, [], "hf-papers"),
    ("2603.00201", "A Synthetic Paper Without Code (synthetic)", date(2026, 3, 5), "2026Q1", date(2026, 3, 6),
     None, None, None, 1, [], "hf-papers"),
]


def test_daily_papers_replay_gives_exact_rows(con, settings, server):
    s = settings.with_overrides(hf_api_url=server.url + "/api")
    counts = hfpapers.ingest(con, s, since=date(2026, 3, 4), until=date(2026, 3, 7), today=TODAY)
    assert rows(con) == EXPECTED
    assert counts == {"hf_papers": 3, "rejected_records": 1, "days": 4}
    # the paper page was asked for only where the daily item lacked the stars
    assert [r.path for r in server.requests if r.path.startswith("/api/papers/")] == ["/api/papers/2603.00102"]
    assert con.execute("select source, reason from rejected_records").fetchall() == [
        ("hf:daily", "no paper id (or an id that is not a string)")]


def test_rerun_skips_days_already_loaded_and_changes_nothing(con, settings, server):
    s = settings.with_overrides(hf_api_url=server.url + "/api")
    hfpapers.ingest(con, s, since=date(2026, 3, 4), until=date(2026, 3, 7), today=TODAY)
    asked = len(server.requests)
    again = hfpapers.ingest(con, s, since=date(2026, 3, 4), until=date(2026, 3, 7), today=TODAY)
    # only the day with a refused item is asked again (a drifted answer may be fixed by then)
    assert [r.query["date"] for r in server.requests[asked:]] == ["2026-03-06"]
    assert again["days"] == 1
    assert rows(con) == EXPECTED
    assert con.execute("select count(*) = count(distinct arxiv_id) from hf_papers").fetchall()[0][0]
    assert db.get_state(con, "hf", "daily_papers")["done"] == [
        "2026-03-04", "2026-03-05", "2026-03-07"]


def test_recent_days_are_not_marked_done(con, settings, server):
    s = settings.with_overrides(hf_api_url=server.url + "/api")
    hfpapers.ingest(con, s, since=date(2026, 3, 5), until=date(2026, 3, 6), today=date(2026, 3, 6))
    assert db.get_state(con, "hf", "daily_papers") is None   # nothing marked done
    assert con.execute("select count(*) from hf_papers").fetchall()[0][0] == 3


def test_hf_repo_joins_the_canonical_key(con, settings, server):
    s = settings.with_overrides(hf_api_url=server.url + "/api")
    hfpapers.ingest(con, s, since=date(2026, 3, 5), until=date(2026, 3, 5), today=TODAY)
    assert con.execute("select count(*) from hf_papers where github_repo = canonical_repo(github_repo_url)"
                       ).fetchall()[0][0] == 2


def test_not_a_list_is_a_clear_error_and_keeps_earlier_days(con, settings):
    def handler(req):
        if req.query.get("date") == "2026-03-02":
            return Response.of_json({"error": "maintenance"})
        return Response.of_json([])

    with LocalServer(handler) as srv:
        s = settings.with_overrides(hf_api_url=srv.url + "/api")
        with pytest.raises(Exception, match="expected a JSON list"):
            hfpapers.ingest(con, s, since=date(2026, 3, 1), until=date(2026, 3, 3), today=TODAY)
    assert db.get_state(con, "hf", "daily_papers")["done"] == ["2026-03-01"]


def test_cli_hf_papers(tmp_path, server):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "h.duckdb"), "-q", "ingest", "hf-papers",
                                       "--since", "2026-03-05", "--until", "2026-03-06"],
                                env={"MLTRENDS_HF_API_URL": server.url + "/api"})
    assert result.exit_code == 0, result.output
    assert "hf_papers: 3" in result.output
    swapped = CliRunner().invoke(main, ["--db", str(tmp_path / "h.duckdb"), "ingest", "hf-papers",
                                        "--since", "2026-03-06", "--until", "2026-03-05"])
    assert swapped.exit_code == 2 and "before" in swapped.output
