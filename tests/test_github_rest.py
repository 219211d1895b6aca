"""GitHub REST fallback (no token): recorded answers, ETags, secondary and primary limits, paging."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mltrends.sources import github
from mltrends.sources.registry import Incomplete
from mltrends_demo.github import FakeGitHub
from mltrends_demo.github_data import scale_dataset
from mltrends_demo.localserver import LocalServer, ReplayHandler, replay_server

GH = Path(__file__).resolve().parent / "fixtures" / "github"


def rest_settings(settings, url, **overrides):
    return settings.with_overrides(github_api_url=url, github_graphql_url=url + "/graphql", **overrides)


def count(con, table):
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def test_recorded_rest_repo_secondary_limit_then_etag_304(con, settings):
    waits: list[float] = []
    with replay_server(GH / "rest_repo.jsonl") as srv:
        s = rest_settings(settings, srv.url)
        first = github.ingest(con, s, repos=["ml-student/tiny-gan", "gone-user/deleted-repo"],
                              sleep=waits.append)
        assert waits == [1.0]  # the secondary limit's retry-after
        assert first.requests == 6 and first.stopped is None
        rows = con.execute("select repo, owner, status, stars, forks, created_at, pushed_at, license, topics, "
                           "primary_language, _source from github_repos order by repo").fetchall()
        assert rows == [
            ("gone-user/deleted-repo", "gone-user", "not_found", None, None, None, None, None, None, None,
             "github-rest"),
            ("ml-student/tiny-gan", "ml-student", "ok", 57, 9, datetime(2019, 9, 1, 10, 0),
             datetime(2025, 1, 5, 12, 13, 14), "MIT", ["gan", "pytorch"], "Python", "github-rest"),
        ]
        assert con.execute("select login, type, name, company, blog, location, description, is_verified "
                           "from github_owners").fetchall() == [
            ("ml-student", "User", "M. L. Student", "Example University", None, "Lisbon",
             "Deep learning, mostly GANs", None)]
        assert con.execute("select path, content from github_manifests order by path").fetchall() == [
            ("requirements-docs.txt", "mkdocs\n"),
            ("requirements.txt", "torch==1.2.0\ntorchvision==0.4.0\ntensorboardX\n")]
        assert con.execute("select repo, stars from github_star_snapshots").fetchall() == [("ml-student/tiny-gan", 57)]
        fetched_before = con.execute("select _fetched_at from github_repos where repo = 'ml-student/tiny-gan'").fetchall()

        before = len(srv.requests)
        second = github.ingest(con, s, repos=["ml-student/tiny-gan"], stale_days=0)
        sent = srv.requests[before:]
        assert [r.path for r in sent] == ["/repos/ml-student/tiny-gan"]
        assert sent[0].headers["if-none-match"].startswith('W/"5f1c8a3b')
        assert second.requests == 1 and second.not_modified == 1 and second["github_repos"] == 0
    assert second["github_star_snapshots"] == 1 and count(con, "github_manifests") == 2
    fetched_after = con.execute("select _fetched_at from github_repos where repo = 'ml-student/tiny-gan'").fetchall()
    assert fetched_after[0][0] > fetched_before[0][0]


def test_unchanged_repos_cost_no_primary_limit(con, settings):
    data = scale_dataset(30, repos_per_owner=10)
    fake = FakeGitHub(data)
    with LocalServer(fake) as srv:
        s = rest_settings(settings, srv.url)
        first = github.ingest(con, s, repos=list(data["repos"]))
        spent = fake.counts["core_points"]
        second = github.ingest(con, s, repos=list(data["repos"]), stale_days=0)
    assert first.requests == spent > 30
    assert second.requests == 30 and second.not_modified == 30
    assert fake.counts["core_points"] == spent  # 304s are free
    assert count(con, "github_star_snapshots") == 30
    expected = sum(len(r["manifests"]) for r in data["repos"].values())
    assert count(con, "github_manifests") == expected


def test_primary_limit_waits_without_sending_doomed_requests(con, settings):
    data = scale_dataset(3, repos_per_owner=3)
    fake = FakeGitHub(data, core_limit=6, reset_in=1.0)
    with LocalServer(fake) as srv:
        result = github.ingest(con, rest_settings(settings, srv.url, http_max_sleep=5.0),
                               repos=list(data["repos"]))
    assert result.stopped is None and count(con, "github_repos") == 3
    assert fake.counts["rate_limited"] == 0


def test_primary_limit_far_reset_stops_cleanly_and_rerun_finishes(con, settings):
    data = scale_dataset(12, repos_per_owner=12)
    repos = list(data["repos"])
    fake = FakeGitHub(data, core_limit=10, reset_in=3600)
    with LocalServer(fake) as srv:
        with pytest.raises(Incomplete, match="rerun") as stopped:
            github.ingest(con, rest_settings(settings, srv.url), repos=repos)
    assert fake.counts["rate_limited"] == 0
    loaded = count(con, "github_repos")
    assert 0 < loaded < 12 and f"{12 - loaded} repos left" in str(stopped.value)
    assert stopped.value.rows["github_repos"] == loaded
    with LocalServer(FakeGitHub(data)) as srv:  # after the reset
        again = github.ingest(con, rest_settings(settings, srv.url), repos=repos)
    assert again.stopped is None and count(con, "github_repos") == 12
    assert con.execute("select count(*) = count(distinct repo) from github_star_snapshots").fetchall()[0][0]


def test_org_sweep_follows_link_pages_and_moved_repo(con, settings):
    data = scale_dataset(230, repos_per_owner=230)
    data["owners"]["owner00000"]["type"] = "Organization"
    data["moved"] = {"someone/old-name": "owner00000/repo-000005"}
    fake = FakeGitHub(data)
    with LocalServer(fake) as srv:
        s = rest_settings(settings, srv.url)
        listed = list(github.github_rest.list_org(github.GitHubClient(s), "owner00000"))
        assert [len(p) for p in listed] == [100, 100, 30]
        result = github.ingest(con, s, repos=["someone/old-name"], max_requests=10)
    assert con.execute("select status, moved_to, stars from github_repos where repo = 'someone/old-name'"
                       ).fetchall() == [("moved", "owner00000/repo-000005", data["repos"]["owner00000/repo-000005"]["stars"])]
    assert result.stopped is None


def test_blocked_repo_is_recorded_not_fatal(con, settings):
    recordings = [{"request": {"path": "/repos/dmca/blocked"},
                   "response": {"status": 451, "json": {"message": "Repository access blocked",
                                                        "block": {"reason": "dmca"}}}}]
    with LocalServer(ReplayHandler(recordings)) as srv:
        result = github.ingest(con, rest_settings(settings, srv.url), repos=["dmca/blocked"])
    assert result.stopped is None
    assert con.execute("select repo, status from github_repos").fetchall() == [("dmca/blocked", "not_found")]
