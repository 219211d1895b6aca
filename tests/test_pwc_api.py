"""The catalogue API client (date windows that split themselves, resume) and the v1 API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends.cli import main
from mltrends.sources.pwc import api as pwc_api
from mltrends_demo.localserver import LocalServer, Response

TODAY = date(2026, 11, 25)


def catalogue(papers: list[dict], shape: str = "results"):
    """A catalogue stand-in: filters by date window, pages, and logs each window's count."""
    log: list[tuple[str, str, int, int]] = []

    def handler(req):
        if req.path != "/api/v1/papers/":
            return Response.of_json({"detail": "not found"}, 404)
        start, end = date.fromisoformat(req.query["start_date"]), date.fromisoformat(req.query["end_date"])
        page, size = int(req.query["page"]), int(req.query["page_size"])
        assert req.query["include_resources"] == "true"
        hits = [p for p in papers if start <= date.fromisoformat(p["published"]) <= end]
        log.append((req.query["start_date"], req.query["end_date"], page, len(hits)))
        assert req.query["order_by"] == "published"
        chunk = hits[(page - 1) * size: page * size]
        echo = {"start_date": req.query["start_date"], "end_date": req.query["end_date"]}
        if shape == "items":
            return Response.of_json({"items": chunk, "total": len(hits), "applied_filters": echo})
        return Response.of_json({"count": len(hits), "results": chunk, "applied_filters": echo})

    return handler, log


def make_papers(n: int, start: date, every_days: int = 1) -> list[dict]:
    out = []
    for i in range(n):
        out.append({
            "id": str(1000 + i), "arxiv_id": f"2508.{i:05d}", "title": f"Catalogue paper {i} (synthetic)",
            "published": (start + timedelta(days=(i * every_days) % 60)).isoformat(),
            "authors": ["Ada Example"], "organizations": [{"id": "1", "name": "Example AI", "slug": "example"}],
            "conference": "CVPR 2026" if i % 2 else None, "citation_count": i,
            "tasks": [{"id": "6", "name": "Image Classification", "slug": "image-classification"}],
            "repositories": [{"url": f"https://github.com/Example-AI/Model-{i}", "is_official": True}],
            "hf_models": ["example/model"] if i % 3 == 0 else [],
        })
    return out


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(pwc_api, "PAGE_SIZE", 2)
    monkeypatch.setattr(pwc_api, "MAX_PAGES", 3)   # a listing serves at most 6 papers


def test_windows_split_until_each_fits_and_everything_loads(con, settings, small_pages):
    papers = make_papers(40, date(2025, 8, 1))
    handler, log = catalogue(papers)
    with LocalServer(handler) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1")
        counts = pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 9, 30), today=TODAY)
    assert counts["pwc_papers"] == 40 and counts["pwc_paper_repos"] == 40
    assert con.execute("select count(*), count(distinct paper_id) from pwc_papers").fetchall() == [(40, 40)]
    fetched = [(a, b) for a, b, page, n in log if page == 1 and n <= 6]
    # loaded windows tile the two months without gaps or overlaps
    days = sorted(d for a, b in fetched for d in pwc_api.days_between(date.fromisoformat(a), date.fromisoformat(b)))
    assert days == list(pwc_api.days_between(date(2025, 8, 1), date(2025, 9, 30)))
    assert all(n <= 6 for a, b, page, n in log if page > 1)   # no window was paged past the cap
    assert any(n > 6 for *_, n in log)                        # and some had to be split


def test_catalogue_fields_are_kept(con, settings, small_pages):
    handler, _ = catalogue(make_papers(4, date(2025, 8, 1)), shape="items")
    with LocalServer(handler) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1")
        pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 8, 31), today=TODAY)
    rows = con.execute("select paper_id, arxiv_id, published, quarter, venue, venue_year, organizations, tasks, "
                       "citation_count, has_hf_artifacts, _source from pwc_papers order by paper_id").fetchall()
    assert rows[0] == ("arxiv:2508.00000", "2508.00000", date(2025, 8, 1), "2025Q3", None, None, ["Example AI"],
                       ["Image Classification"], 0, True, "pwc-api")
    assert rows[1][4:6] == ("CVPR", 2026) and rows[1][9] is False
    links = con.execute("select paper_id, repo, is_official, pwc_framework from pwc_paper_repos "
                        "order by paper_id").fetchall()
    assert links[0] == ("arxiv:2508.00000", "example-ai/model-0", True, None)


def test_rerun_skips_windows_already_loaded(con, settings, small_pages):
    handler, log = catalogue(make_papers(10, date(2025, 8, 1)))
    with LocalServer(handler) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1")
        pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 9, 30), today=TODAY)
        first = len(log)
        again = pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 9, 30), today=TODAY)
    assert first > 0 and len(log) == first
    assert again["windows"] == 0
    state = db.get_state(con, "pwc", "api:papers:windows")
    assert ["2025-09-01", "2025-09-30"] in state["done"] or any(b == "2025-09-30" for a, b in state["done"])


def test_recent_windows_are_fetched_again(con, settings):
    handler, log = catalogue(make_papers(3, TODAY - timedelta(days=2)))
    with LocalServer(handler) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1")
        pwc_api.ingest_api(con, s, since=TODAY.replace(day=1), today=TODAY)
        pwc_api.ingest_api(con, s, since=TODAY.replace(day=1), today=TODAY)
    assert len(log) == 2   # the current month is not marked done


def test_a_failing_window_keeps_the_windows_before_it(con, settings):
    papers = make_papers(6, date(2025, 8, 1), every_days=20)
    handler, _ = catalogue(papers)

    def flaky(req):
        if req.query.get("start_date") == "2025-09-01":
            return Response(500, {}, b"boom")
        return handler(req)

    with LocalServer(flaky) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1", http_retries=1)
        with pytest.raises(Exception, match="500"):
            pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 9, 30), today=TODAY)
    assert db.get_state(con, "pwc", "api:papers:windows") == {"done": [["2025-08-01", "2025-08-31"]]}
    assert con.execute("select count(*) from pwc_papers").fetchall()[0][0] == 4


def test_payload_without_results_is_a_clear_error(con, settings):
    with LocalServer(lambda req: Response.of_json({"detail": "maintenance"})) as server:
        s = settings.with_overrides(pwc_api_url=server.url + "/api/v1")
        with pytest.raises(Exception, match="neither 'results' nor 'items'"):
            pwc_api.ingest_api(con, s, since=date(2025, 8, 1), until=date(2025, 8, 3), today=TODAY)


def test_paper_without_id_is_rejected(con):
    counts = pwc_api.load_papers(con, [{"title": "nameless (synthetic)"},
                                       {"arxiv_id": "2509.00001v2", "title": "only arxiv (synthetic)",
                                        "repositories": [{"url": "not a repo"}]}], "pwc-api")
    assert counts == {"pwc_papers": 1, "pwc_paper_repos": 0, "rejected_records": 2}
    assert con.execute("select paper_id from pwc_papers").fetchall() == [("arxiv:2509.00001",)]
    assert sorted(r[0] for r in con.execute("select reason from rejected_records").fetchall()) == [
        "no id and no arxiv_id", "repository url names no repository"]


def v1_server():
    papers = [{"id": f"v1-paper-{i}", "arxiv_id": f"1406.266{i}", "title": f"V1 paper {i} (synthetic)",
               "published": "2014-06-10", "conference": None, "proceeding": "NIPS 2014 12",
               "authors": ["Ian Example"], "url_abs": None} for i in range(5)]

    def handler(req):
        if req.path == "/api/v1/papers/":
            page = int(req.query.get("page", 1))
            chunk = papers[(page - 1) * 2: page * 2]
            nxt = f"http://elsewhere.example/api/v1/papers/?page={page + 1}" if page * 2 < len(papers) else None
            return Response.of_json({"count": len(papers), "next": nxt, "previous": None, "results": chunk})
        if req.path.endswith("/repositories/"):
            pid = req.path.split("/")[-3]
            if pid == "v1-paper-4":
                return Response.of_json({"detail": "Not found."}, 404)
            return Response.of_json({"count": 1, "next": None, "results": [
                {"url": f"https://github.com/v1/{pid}", "owner": "v1", "name": pid, "stars": 3,
                 "framework": "tf", "is_official": True}]})
        return Response.of_json({}, 404)

    return LocalServer(handler)


def test_v1_paging_follows_next_until_none(settings):
    with v1_server() as server:
        s = settings.with_overrides(pwc_v1_url=server.url + "/api/v1")
        from mltrends import http
        session = http.make_session(s)
        ids = [p["id"] for p in pwc_api.fetch_v1_papers(session, s)]
        repos = list(pwc_api.fetch_v1_repositories(session, s, "v1-paper-0"))
    assert ids == [f"v1-paper-{i}" for i in range(5)]
    assert repos[0]["framework"] == "tf"
    assert [r.query.get("page") for r in server.requests[:3]] == ["1", "2", "3"]


def test_ingest_v1_loads_papers_and_repositories(con, settings):
    with v1_server() as server:
        s = settings.with_overrides(pwc_v1_url=server.url + "/api/v1")
        counts = pwc_api.ingest_v1(con, s)
    assert counts == {"pwc_papers": 5, "pwc_paper_repos": 4, "rejected_records": 0}
    assert con.execute("select venue, venue_year, _source from pwc_papers where paper_id = 'v1-paper-0'"
                       ).fetchall() == [("NeurIPS", 2014, "pwc-v1")]
    assert con.execute("select repo, pwc_framework from pwc_paper_repos where paper_id = 'v1-paper-0'"
                       ).fetchall() == [("v1/v1-paper-0", "tensorflow")]


def test_cli_pwc_api(tmp_path):
    handler, _ = catalogue(make_papers(3, date(2025, 8, 1)))
    with LocalServer(handler) as server:
        result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.duckdb"), "-q", "ingest", "pwc-api",
                                           "--since", "2025-08-01", "--until", "2025-08-31"],
                                    env={"MLTRENDS_PWC_API_URL": server.url + "/api/v1"})
    assert result.exit_code == 0, result.output
    assert "pwc_papers: 3" in result.output
    bad = CliRunner().invoke(main, ["--db", str(tmp_path / "c.duckdb"), "ingest", "pwc-api", "--since", "08/2025"])
    assert bad.exit_code == 2 and "not a date" in bad.output


@pytest.mark.parametrize("echo, problem", [
    (None, "has no applied_filters echo"),
    ({}, "did not apply the date window (applied_filters start_date=None, end_date=None)"),
    ({"start_date": "2025-08-01", "end_date": "2025-09-30"}, "did not apply the date window"),
])
def test_a_window_whose_date_filter_was_not_applied_is_refused(tmp_path, echo, problem):
    """A server that ignores start_date/end_date answers with everything: exit 2, nothing stored."""
    papers = make_papers(5, date(2025, 8, 1))

    def handler(req):
        body = {"count": len(papers), "results": papers}
        if echo is not None:
            body["applied_filters"] = echo
        return Response.of_json(body)

    db_path = tmp_path / "p.duckdb"
    with LocalServer(handler) as server:
        result = CliRunner().invoke(main, ["--db", str(db_path), "ingest", "pwc-api", "--since", "2025-08-01",
                                           "--until", "2025-08-31"],
                                    env={"MLTRENDS_PWC_API_URL": server.url + "/api/v1"})
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert problem in line and "start_date=2025-08-01&end_date=2025-08-31" in line, line
    con = db.connect(str(db_path))
    assert con.execute("select count(*) from pwc_papers").fetchall()[0][0] == 0
    assert db.get_state(con, "pwc", pwc_api.STATE_RESOURCE) is None
