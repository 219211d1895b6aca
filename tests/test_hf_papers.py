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


def _busy_day(n_items: int, fail_page: int | None = None):
    """A stand-in daily_papers endpoint with one day of n_items papers (synthetic), paged like
    the real API: `limit` per page, `p` 0-based; page fail_page answers 503."""
    items = [{"paper": {"id": f"2603.{i:05d}", "title": f"Busy-day paper {i} (synthetic)",
                        "publishedAt": "2026-03-04T00:00:00.000Z", "upvotes": i}}
             for i in range(n_items)]

    def handler(req):
        if not req.path.endswith("/daily_papers"):
            return Response.of_json({"error": "not found"}, 404)
        if req.query.get("date") != "2026-03-05":
            return Response.of_json([])
        limit, page = int(req.query.get("limit", 50)), int(req.query.get("p", 0))
        if page == fail_page:
            return Response.of_json({"error": "unavailable"}, 503)
        return Response.of_json(items[page * min(limit, 100):(page + 1) * min(limit, 100)])

    return handler


def test_a_busy_day_is_read_to_its_last_page(con, settings):
    with LocalServer(_busy_day(230)) as srv:
        s = settings.with_overrides(hf_api_url=srv.url + "/api")
        counts = hfpapers.ingest(con, s, since=date(2026, 3, 5), until=date(2026, 3, 5), today=TODAY)
        asked = [(r.query["limit"], r.query["p"]) for r in srv.requests]
    assert asked == [("100", "0"), ("100", "1"), ("100", "2")]
    assert counts["hf_papers"] == 230
    assert con.execute("select count(*), min(arxiv_id), max(arxiv_id) from hf_papers").fetchall() == [
        (230, "2603.00000", "2603.00229")]
    assert db.get_state(con, "hf", "daily_papers")["done"] == ["2026-03-05"]


def test_a_full_last_page_is_followed_by_an_empty_one(con, settings):
    with LocalServer(_busy_day(200)) as srv:
        s = settings.with_overrides(hf_api_url=srv.url + "/api")
        hfpapers.ingest(con, s, since=date(2026, 3, 5), until=date(2026, 3, 5), today=TODAY)
        assert [r.query["p"] for r in srv.requests] == ["0", "1", "2"]
    assert con.execute("select count(*) from hf_papers").fetchall()[0][0] == 200


def test_a_day_whose_last_page_failed_is_not_done_and_a_rerun_completes_it(con, settings):
    s = settings.with_overrides(http_retries=0)
    with LocalServer(_busy_day(230, fail_page=2)) as srv:
        s = s.with_overrides(hf_api_url=srv.url + "/api")
        with pytest.raises(Exception, match="503"):
            hfpapers.ingest(con, s, since=date(2026, 3, 4), until=date(2026, 3, 6), today=TODAY)
    # the day before is complete; the busy day wrote nothing and is not done
    assert db.get_state(con, "hf", "daily_papers")["done"] == ["2026-03-04"]
    assert con.execute("select count(*) from hf_papers").fetchall()[0][0] == 0
    assert hfpapers.resume_day(con, first=date(2026, 3, 4)) == date(2026, 3, 5)
    with LocalServer(_busy_day(230)) as srv:
        s = s.with_overrides(hf_api_url=srv.url + "/api")
        hfpapers.ingest(con, s, since=hfpapers.resume_day(con, first=date(2026, 3, 4)),
                        until=date(2026, 3, 6), today=TODAY)
        assert [r.query["date"] for r in srv.requests] == ["2026-03-05"] * 3 + ["2026-03-06"]
    assert con.execute("select count(*) from hf_papers").fetchall()[0][0] == 230
    assert hfpapers.resume_day(con, first=date(2026, 3, 4)) == date(2026, 3, 7)


def test_refresh_continues_from_the_first_incomplete_day_since_the_archive_end(con):
    assert hfpapers.resume_day(con) == date(2025, 7, 1)
    db.set_state(con, "hf", "daily_papers", {"done": ["2025-07-01", "2025-07-02", "2025-07-04"]})
    # a hole (07-03) is filled before anything later, however long ago it was
    assert hfpapers.resume_day(con) == date(2025, 7, 3)
