"""GitHub source: recorded GraphQL answers, batching, renames, rate limits, budgets, resume."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from mltrends import db
from mltrends.sources import github
from mltrends.sources.github.records import parse_repo_ref
from mltrends.sources.registry import Incomplete
from mltrends_demo.github import FakeGitHub
from mltrends_demo.github_data import scale_dataset
from mltrends_demo.localserver import LocalServer, ReplayHandler, load_recordings, replay_server

GH = Path(__file__).resolve().parent / "fixtures" / "github"
TOKEN = f"ghp_{uuid.uuid4().hex}"  # made at run time: no token-like string is committed


def aimed(settings, url, token=TOKEN, **github_section):
    s = settings.with_overrides(github_api_url=url, github_graphql_url=url + "/graphql", github_token=token)
    return s.with_overrides(github=github_section) if github_section else s


def count(con, table):
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def test_parse_repo_ref_accepts_names_and_urls():
    assert parse_repo_ref("FacebookResearch/DETR") == "facebookresearch/detr"
    assert parse_repo_ref("https://github.com/Owner/Repo.git/tree/main/x") == "owner/repo"
    assert parse_repo_ref("github.com/a-b/c.d") == "a-b/c.d"
    assert parse_repo_ref("git@github.com:o/r.git") == "o/r"
    assert parse_repo_ref("https://gitlab.com/o/r") is None
    assert parse_repo_ref("just-a-word") is None
    assert parse_repo_ref("a/b/c") is None


def test_recorded_batch_with_502_missing_and_renamed_repo(con, settings):
    """The recorded batch: a 502 first (retried), then detr, a renamed repo and a deleted one."""
    with replay_server(GH / "graphql_batch.jsonl") as srv:
        result = github.ingest(con, aimed(settings, srv.url), repos=[
            "https://github.com/facebookresearch/detr", "OldOwner/seg-net", "gone-user/deleted-repo"])
        assert len(srv.requests) == 2  # the 502 and its retry
        assert 'r1: repository(owner: "oldowner", name: "seg-net")' in srv.requests[1].json()["query"]
    assert result.requests == 1 and result.stopped is None
    assert result["github_repos"] == 3
    rows = con.execute(
        "select repo, owner, name_with_owner, status, moved_to, stars, forks, created_at, is_archived, "
        "primary_language, license, topics, has_releases, homepage, _source from github_repos order by repo"
    ).fetchall()
    assert rows == [
        ("facebookresearch/detr", "facebookresearch", "facebookresearch/detr", "ok", None, 14512, 2502,
         datetime(2020, 5, 26, 23, 18, 41), True, "Python", "Apache-2.0", [], False, None, "github-graphql"),
        ("gone-user/deleted-repo", "gone-user", None, "not_found", None, None, None, None, None, None, None,
         None, None, None, "github-graphql"),
        ("oldowner/seg-net", "newowner-lab", "newowner-lab/seg-net", "moved", "newowner-lab/seg-net", 321, 45,
         datetime(2018, 2, 1, 9, 0), False, "Jupyter Notebook", None, ["segmentation", "tensorflow"], True,
         "https://seg.example.org", "github-graphql"),
    ]
    owners = con.execute("select login, display_login, type, name, company, blog, email, location, "
                         "description, is_verified from github_owners order by login").fetchall()
    assert owners == [
        ("facebookresearch", "facebookresearch", "Organization", "Meta Research", None,
         "https://opensource.fb.com", None, None, "", True),
        ("newowner-lab", "NewOwner-Lab", "User", "Jane Doe", "@example-university ", "jane.example.org",
         None, "Zurich", "PhD student", None),
    ]
    manifests = con.execute("select repo, path, content from github_manifests order by repo, path").fetchall()
    assert manifests == [
        ("facebookresearch/detr", "requirements.txt",
         "cython\nsubmitit\ntorch>=1.5.0\ntorchvision>=0.6.0\nscipy\nonnx\nonnxruntime\n"),
        ("oldowner/seg-net", "setup.py",
         "from setuptools import setup\nsetup(name='segnet', install_requires=['tensorflow>=1.8'])\n"),
    ]
    today = db.now_utc().date()
    snaps = con.execute("select repo, snapshot_date, stars, forks from github_star_snapshots order by repo").fetchall()
    assert snaps == [("facebookresearch/detr", today, 14512, 2502), ("oldowner/seg-net", today, 321, 45)]


def test_rate_limited_with_far_reset_stops_cleanly(con, settings):
    with replay_server(GH / "graphql_rate_limited.jsonl") as srv:
        with pytest.raises(Incomplete, match="resets at 2100-01-01.*2 repos left") as stopped:
            github.ingest(con, aimed(settings, srv.url), repos=["a/b", "c/d"])
        assert len(srv.requests) == 1  # known to fail: not sent again
    assert stopped.value.rows["github_repos"] == 0 and count(con, "github_repos") == 0


def fake_settings(settings, fake_url, **section):
    return aimed(settings, fake_url, **section)


def test_graphql_rate_limit_waits_for_reset(con, settings):
    data = scale_dataset(20)
    fake = FakeGitHub(data, token=TOKEN, graphql_limit=1, reset_in=1.0)
    waits: list[float] = []
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url, batch_size=10)
        result = github.ingest(con, s, repos=list(data["repos"]), sleep=lambda w: waits.append(w) or time.sleep(w))
    assert result.stopped is None and count(con, "github_repos") == 20
    assert len(waits) == 1 and 0 < waits[0] <= 3
    assert fake.counts["graphql"] == 2 and fake.counts["rate_limited"] == 0  # none sent to fail


def test_batch_shrinks_on_resource_limits(con, settings):
    data = scale_dataset(120)
    fake = FakeGitHub(data, token=TOKEN, max_batch=30)
    with LocalServer(fake) as srv:
        result = github.ingest(con, fake_settings(settings, srv.url), repos=list(data["repos"]))
    assert count(con, "github_repos") == 120 and result.stopped is None
    assert fake.counts["graphql_resource_limited"] == 3  # 100 -> 50 -> 50, then 25s fit
    assert fake.counts["graphql"] == 3 + 5  # 25+25+25+25 from the first 100, then 20


def test_max_requests_stop_then_rerun_completes_without_duplicates(con, settings):
    data = scale_dataset(50)
    fake = FakeGitHub(data, token=TOKEN)
    repos = list(data["repos"])
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url, batch_size=10)
        first = github.ingest(con, s, repos=repos, max_requests=2)
        assert "--max-requests 2" in first.stopped and first.requests == 2 and first.remaining == 30
        assert count(con, "github_repos") == 20
        second = github.ingest(con, s, repos=repos)
        assert second.requests == 3 and second.stopped is None
        third = github.ingest(con, s, repos=repos)  # everything fresh: nothing to send
        assert third.requests == 0
    assert count(con, "github_repos") == 50
    assert con.execute("select count(*) = count(distinct repo) from github_star_snapshots").fetchall()[0][0]


def test_idempotent_full_refresh(con, settings):
    data = scale_dataset(40)
    fake = FakeGitHub(data, token=TOKEN)
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url)
        for _ in range(2):
            github.ingest(con, s, repos=list(data["repos"]), stale_days=0)
    for table, key in [("github_repos", "repo"), ("github_owners", "login"),
                       ("github_manifests", "repo || path"), ("github_star_snapshots", "repo || snapshot_date")]:
        assert con.execute(f"select count(*), count(distinct {key}) from {table}").fetchall()[0] == (
            count(con, table), count(con, table))
    assert count(con, "github_repos") == 40 and count(con, "github_owners") == 2
    expected_manifests = sum(len(r["manifests"]) for r in data["repos"].values())
    assert count(con, "github_manifests") == expected_manifests


def test_failure_mid_run_keeps_committed_batches_and_resumes(con, settings):
    data = scale_dataset(40)
    fake = FakeGitHub(data, token=TOKEN)
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url, batch_size=10)
        github.ingest(con, s, repos=list(data["repos"]), max_requests=2)
        fake.faults = [{"match": "graphql", "status": 401, "json": {"message": "Bad credentials"}, "times": 1}]
        with pytest.raises(github.http.SourceError, match="401"):
            github.ingest(con, s, repos=list(data["repos"]))
        assert count(con, "github_repos") == 20
        result = github.ingest(con, s, repos=list(data["repos"]))
    assert result.requests == 2 and count(con, "github_repos") == 40


def test_repos_from_papers_and_org_sweep(con, settings):
    data = scale_dataset(10, repos_per_owner=5)
    org = next(k for k, v in data["owners"].items() if v["type"] == "Organization")
    now = db.now_utc()
    con.execute("insert into pwc_paper_repos (paper_id, repo, _source, _fetched_at) values "
                "('p1', 'owner00000/repo-000001', 'pwc-dump', ?), ('p2', 'gitlab.com/x/y', 'pwc-dump', ?)",
                [now, now])
    con.execute("insert into hf_papers (arxiv_id, github_repo, _source, _fetched_at) values "
                "('2401.00001', 'owner00001/repo-000007', 'hf', ?)", [now])
    assert github.repos_from_papers(con) == ["owner00000/repo-000001", "owner00001/repo-000007"]
    fake = FakeGitHub(data, token=TOKEN)
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url).with_overrides(
            github={"tracked_orgs": {org: "Example Corp"}})
        result = github.ingest(con, s, orgs="tracked")
    org_rows = con.execute("select org, company, count(*), min(created_year) from github_org_repos "
                           "group by all").fetchall()
    assert org_rows == [(org, "Example Corp", 5, min(
        int(r["created_at"][:4]) for n, r in data["repos"].items() if n.startswith(org)))]
    assert result["github_org_repos"] == 5
    assert {r[0] for r in con.execute("select repo from github_repos").fetchall()} == (
        {n for n in data["repos"] if n.startswith(org)} | {"owner00000/repo-000001", "owner00001/repo-000007"})


def test_star_history_samples_pages_over_the_cap(con, settings):
    data = scale_dataset(2)
    big, small = list(data["repos"])
    data["repos"][big]["stars"] = 45_000   # 450 pages: beyond the 400-page cap
    data["repos"][small]["stars"] = 250    # 3 pages: fetched whole
    fake = FakeGitHub(data, token=TOKEN)
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url, framework_repos=[big, small], star_pages=5)
        result = github.ingest(con, s, from_papers=False, star_history=True)
    rows = con.execute("select repo, list(distinct page order by page), count(*), bool_and(sampled), "
                       "max(position) from github_star_history group by repo order by repo").fetchall()
    assert rows == [(big, [1, 101, 200, 300, 400], 500, True, 40_000), (small, [1, 2, 3], 250, False, 250)]
    assert result["github_star_history"] == 750
    ordered = con.execute("select bool_and(ok) from (select starred_at >= lag(starred_at) over "
                          "(partition by repo order by position) or lag(starred_at) over "
                          "(partition by repo order by position) is null as ok from github_star_history)").fetchall()
    assert ordered == [(True,)]


def test_token_never_stored_or_shown(con, settings, caplog):
    data = scale_dataset(5)
    echo = {"match": "graphql", "status": 500, "times": 1,
            "json": {"message": f"internal error for Authorization: bearer {TOKEN}"}}
    fake = FakeGitHub(data, token=TOKEN, faults=[echo])
    with LocalServer(fake) as srv:
        s = fake_settings(settings, srv.url)
        with caplog.at_level("DEBUG"), db.recorded_run(con, "ingest github") as run:
            result = github.ingest(con, s, repos=list(data["repos"]), run_id=run.run_id)
    assert result["github_repos"] == 5
    fake2 = FakeGitHub(data, token=TOKEN, faults=[dict(echo, status=400)])
    with LocalServer(fake2) as srv, pytest.raises(github.http.SourceError) as info:
        github.ingest(con, fake_settings(settings, srv.url), repos=list(data["repos"]), stale_days=0)
    assert TOKEN not in str(info.value) and "***" in str(info.value)
    assert TOKEN not in caplog.text
    for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
        dump = con.execute(f"select * from {table}").fetchall()
        assert TOKEN not in repr(dump), table


def test_recordings_hold_no_credentials():
    for rec in load_recordings([GH]):
        text = repr(rec).lower()
        assert "authorization" not in text and "ghp_" not in text and "cookie" not in text


def test_snapshot_dates_accumulate(con, settings):
    data = scale_dataset(3)
    fake = FakeGitHub(data, token=TOKEN)
    con.execute("insert into github_star_snapshots values ('owner00000/repo-000000', date '2026-01-01', 1, 0, now())")
    with LocalServer(fake) as srv:
        github.ingest(con, fake_settings(settings, srv.url), repos=list(data["repos"]))
    rows = con.execute("select snapshot_date from github_star_snapshots where repo = 'owner00000/repo-000000' "
                       "order by 1").fetchall()
    assert rows == [(date(2026, 1, 1),), (db.now_utc().date(),)]


def test_unknown_alias_error_leaves_repo_stale_and_rejected(con, settings):
    node = {"nameWithOwner": "a/ok", "stargazerCount": 1, "forkCount": 0, "createdAt": "2020-01-01T00:00:00Z",
            "owner": {"login": "a", "__typename": "User"}}
    body = {"data": {"r0": node, "r1": None, "rateLimit": {"cost": 1, "remaining": 4000,
                                                          "resetAt": "2026-11-18T11:00:00Z"}},
            "errors": [{"type": "SERVICE_UNAVAILABLE", "path": ["r1"], "message": "try again"}]}
    recordings = [{"request": {"method": "POST", "path": "/graphql"}, "response": {"json": body}}]
    with LocalServer(ReplayHandler(recordings)) as srv:
        result = github.ingest(con, aimed(settings, srv.url), repos=["a/ok", "a/flaky"])
    assert con.execute("select repo, status from github_repos").fetchall() == [("a/ok", "ok")]
    assert result["github_repos"] == 1 and result.stopped is None
    reasons = con.execute("select reason from rejected_records").fetchall()
    assert reasons == [("GitHub GraphQL error: SERVICE_UNAVAILABLE: try again",)]
    assert github.stale_repos(con, ["a/ok", "a/flaky"], 7) == ["a/flaky"]
