"""The archive where it really is: Hub datasets of Parquet shards, the json.gz originals,
shard lists and globs; unchanged dumps skipped; bad locations refused with exit 2.

A Hub stand-in on 127.0.0.1 (tests/hub_standin.py) serves the layout of the real
`pwc-archive` datasets (file names as published; contents synthetic, from the fixtures)
to the real `huggingface_hub` client.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from hub_standin import HubStandIn
from mltrends import db
from mltrends.cli import main
from mltrends.config import Settings, load_settings
from mltrends.sources import pwc
from mltrends.sources.pwc import archive as pwc_archive
from mltrends_demo.localserver import LocalServer, Response

FIX = Path(__file__).resolve().parent / "fixtures" / "pwc"
LINKS_REPO = ("datasets", "pwc-archive/links-between-paper-and-code")
PAPERS_REPO = ("datasets", "pwc-archive/papers-with-abstracts")
FILES_REPO = ("datasets", "pwc-archive/files")


def _parquet(records: list[dict]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), out)
    return out.getvalue()


def _shards(records: list[dict], n: int) -> list[bytes]:
    table = pa.Table.from_pylist(records)
    size = -(-len(records) // n)
    out = []
    for i in range(n):
        buf = io.BytesIO()
        pq.write_table(table.slice(i * size, size), buf)
        out.append(buf.getvalue())
    return out


def archive_repos() -> dict[tuple[str, str], dict[str, bytes]]:
    """The three pwc-archive datasets as published (names), with the fixture records (synthetic)."""
    papers = json.loads((FIX / "papers.json").read_text())
    links = json.loads((FIX / "links.json").read_text())
    paper_files = {f"data/train-{i:05d}-of-00004.parquet": b for i, b in enumerate(_shards(papers, 4))}
    return {
        LINKS_REPO: {"README.md": b"# links (synthetic stand-in)\n",
                     "data/train-00000-of-00001.parquet": _parquet(links)},
        PAPERS_REPO: {"README.md": b"# papers (synthetic stand-in)\n", **paper_files},
        FILES_REPO: {"jul-28-links-between-papers-and-code.json.gz": gzip.compress(json.dumps(links).encode()),
                     "jul-29-papers-with-abstracts.json.gz": gzip.compress(json.dumps(papers).encode()),
                     "README.md": b"# files (synthetic stand-in)\n"},
    }


def rows(con):
    return (con.execute("select paper_id, arxiv_id, title, published, venue, tasks, methods from pwc_papers "
                        "order by paper_id").fetchall(),
            con.execute("select paper_id, repo, is_official, pwc_framework from pwc_paper_repos "
                        "order by paper_id, repo").fetchall())


@pytest.fixture
def hub():
    standin = HubStandIn(archive_repos())
    with LocalServer(standin) as server:
        standin.url = server.url
        standin.server = server
        yield standin


def on(settings: Settings, hub) -> Settings:
    return settings.with_overrides(hf_api_url=f"{hub.url}/api")


def test_the_defaults_name_the_real_datasets():
    s = load_settings(env={})
    assert s.pwc_links_url == "hf://datasets/pwc-archive/links-between-paper-and-code"
    assert s.pwc_papers_url == "hf://datasets/pwc-archive/papers-with-abstracts"


def test_default_locations_load_the_parquet_shards_through_the_hub_api(con, settings, hub):
    s = on(settings, hub)
    counts = pwc.ingest_dump(con, s, links=s.pwc_links_url, papers=s.pwc_papers_url)
    paths = [r.path for r in hub.server.requests]
    assert "/api/datasets/pwc-archive/papers-with-abstracts" in paths
    shards = sorted(p for p in paths if "/resolve/" in p)
    assert sorted(set(shards)) == [
        "/datasets/pwc-archive/links-between-paper-and-code/resolve/main/data/train-00000-of-00001.parquet",
        *[f"/datasets/pwc-archive/papers-with-abstracts/resolve/main/data/train-{i:05d}-of-00004.parquet"
          for i in range(4)]]
    assert counts["pwc_papers"] == 3 and counts["pwc_paper_repos"] == 3
    # the same rows as the json.gz originals give
    parquet_rows = rows(con)
    other = db.connect(":memory:")
    pwc.ingest_dump(other, s, links="hf://datasets/pwc-archive/files/jul-28-links-between-papers-and-code.json.gz",
                    papers="hf://datasets/pwc-archive/files/jul-29-papers-with-abstracts.json.gz")
    assert rows(other) == parquet_rows
    assert [r[0] for r in parquet_rows[0]] == ["fixture-detector-cvpr", "fixture-old-paper", "fixture-translator"]


def test_an_unchanged_dump_is_neither_downloaded_nor_loaded_again(con, settings, hub):
    s = on(settings, hub)
    pwc.ingest_dump(con, s, links=s.pwc_links_url, papers=s.pwc_papers_url)
    before, gets, loaded_at = rows(con), hub.counts["get"], con.execute(
        "select max(_fetched_at) from pwc_papers").fetchall()
    again = pwc.ingest_dump(con, s, links=s.pwc_links_url, papers=s.pwc_papers_url)
    assert again == {"unchanged_dumps": 2}
    assert hub.counts["get"] == gets and rows(con) == before
    assert con.execute("select max(_fetched_at) from pwc_papers").fetchall() == loaded_at
    # a changed shard upstream: loaded again (and only the changed dump)
    records = json.loads((FIX / "links.json").read_text())
    records[0] = dict(records[0], framework="jax")
    hub.repos[LINKS_REPO]["data/train-00000-of-00001.parquet"] = _parquet(records)
    changed = pwc.ingest_dump(con, s, links=s.pwc_links_url, papers=s.pwc_papers_url)
    assert changed["unchanged_dumps"] == 1 and changed["pwc_paper_repos"] == 3
    assert ("fixture-detector-cvpr", "fixture-lab/detector", True, "jax") in rows(con)[1]


def test_a_glob_of_hub_shards_and_a_list_of_local_shards(con, settings, hub, tmp_path):
    s = on(settings, hub)
    pwc.ingest_dump(con, s, papers="hf://datasets/pwc-archive/papers-with-abstracts/data/train-0000[01]-*.parquet")
    asked = {r.path.rsplit("/", 1)[1] for r in hub.server.requests if "/resolve/" in r.path}
    assert asked == {"train-00000-of-00004.parquet", "train-00001-of-00004.parquet"}
    local = []
    for name, data in hub.repos[PAPERS_REPO].items():
        if name.endswith(".parquet"):
            (tmp_path / Path(name).name).write_bytes(data)
            local.append(str(tmp_path / Path(name).name))
    by_list, by_glob = db.connect(":memory:"), db.connect(":memory:")
    pwc.ingest_dump(by_list, s, papers=",".join(sorted(local)))
    pwc.ingest_dump(by_glob, s, papers=str(tmp_path / "train-*-of-00004.parquet"))
    assert rows(by_list) == rows(by_glob)
    assert len(rows(by_list)[0]) == 3


def _cli(tmp_path, hub_url, *args):
    db_path = tmp_path / "a.duckdb"
    result = CliRunner().invoke(main, ["--db", str(db_path), "ingest", "pwc-dump", *args],
                                env={"MLTRENDS_HF_API_URL": f"{hub_url}/api",
                                     "MLTRENDS_CACHE_DIR": str(tmp_path / "cache")})
    return result, db_path


def _tables(db_path):
    con = db.connect(str(db_path))
    try:
        return (con.execute("select count(*) from pwc_papers").fetchall(),
                con.execute("select count(*) from pwc_paper_repos").fetchall(),
                con.execute("select count(*) from load_state where resource like 'dump:%'").fetchall())
    finally:
        con.close()


@pytest.mark.parametrize("location, message", [
    ("hf://datasets/pwc-archive/no-such-dataset", "the Hub has no dataset pwc-archive/no-such-dataset"),
    ("hf://datasets/pwc-archive/links-between-paper-and-code/links-between-papers-and-code.json.gz",
     "has no file links-between-papers-and-code.json.gz"),
    ("hf://datasets/pwc-archive/readme-only", "holds no .parquet, .json.gz or .json files (it holds: README.md)"),
])
def test_a_location_the_hub_does_not_have_exits_2_naming_it(tmp_path, hub, location, message):
    hub.repos[("datasets", "pwc-archive/readme-only")] = {"README.md": b"nothing here"}
    result, db_path = _cli(tmp_path, hub.url, "--links", location)
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert location in line and message in line, line
    assert _tables(db_path) == ([(0,)], [(0,)], [(0,)])


def test_an_html_page_where_the_hub_api_json_was_expected_exits_2(tmp_path):
    def html(req):
        return Response(200, {"Content-Type": "text/html"}, b"<!DOCTYPE html><html>Sign in</html>")

    with LocalServer(html) as server:
        result, db_path = _cli(tmp_path, server.url, "--links", "pwc-archive/links-between-paper-and-code")
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert "pwc-archive/links-between-paper-and-code" in line and "is not JSON" in line, line
    assert _tables(db_path) == ([(0,)], [(0,)], [(0,)])


def test_a_corrupt_download_is_refused_and_loads_nothing(tmp_path, hub):
    good = hub.repos[LINKS_REPO]["data/train-00000-of-00001.parquet"]
    standin_listing = hub._sibling  # the listing is computed from these bytes ...

    def corrupt_listing(path, data, blobs):
        return standin_listing(path, good if path.endswith(".parquet") else data, blobs)

    hub._sibling = corrupt_listing
    hub.repos[LINKS_REPO]["data/train-00000-of-00001.parquet"] = good[:-8] + b"XXXXPAR1"   # ... the file differs
    result, db_path = _cli(tmp_path, hub.url, "--links", "hf://datasets/pwc-archive/links-between-paper-and-code")
    assert result.exit_code == 2, result.output
    assert "sha256" in result.output.strip().splitlines()[-1]
    assert _tables(db_path) == ([(0,)], [(0,)], [(0,)])


def test_an_interrupted_hub_download_resumes(con, settings, monkeypatch):
    from huggingface_hub import constants

    # the client writes 10 MB chunks; small ones let a 3 KB file be cut after some were written
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 256)
    repos = archive_repos()
    name = "data/train-00000-of-00001.parquet"
    size = len(repos[LINKS_REPO][name])
    standin = HubStandIn(repos, faults={name: {"truncate": size // 2, "times": 1}})
    with LocalServer(standin) as server:
        s = settings.with_overrides(hf_api_url=f"{server.url}/api")
        try:
            pwc.ingest_dump(con, s, links=s.pwc_links_url)
        except pwc.DumpError as exc:   # the client may give up on the cut connection: a rerun resumes
            assert "a rerun resumes the download" in str(exc)
            assert con.execute("select count(*) from pwc_paper_repos").fetchall() == [(0,)]
            pwc.ingest_dump(con, s, links=s.pwc_links_url)
    assert standin.ranges and standin.ranges[0].startswith("bytes=") and standin.ranges[0] != "bytes=0-"
    assert con.execute("select count(*) from pwc_paper_repos").fetchall() == [(3,)]


def test_an_interrupted_url_download_resumes_with_a_range_request(con, settings, monkeypatch):
    monkeypatch.setattr(pwc_archive, "CHUNK", 64)
    body = gzip.compress((FIX / "links.json").read_bytes())
    seen: list[str | None] = []

    def handler(req):
        seen.append(req.headers.get("range"))
        if req.method == "HEAD":
            return Response(200, {"ETag": '"v1"'}, body)
        if len(seen) == 2:   # the first GET is cut off half way
            return Response(200, {"ETag": '"v1"'}, body, truncate_at=len(body) // 2)
        start = int((req.headers.get("range") or "bytes=0-")[6:].split("-")[0])
        return Response(206 if start else 200, {"ETag": '"v1"'}, body[start:])

    with LocalServer(handler) as server:
        s = settings.with_overrides(http_retries=0)
        with pytest.raises(pwc.DumpError, match="a rerun resumes it"):
            pwc.ingest_dump(con, s, links=f"{server.url}/links.json.gz")
        assert con.execute("select count(*) from pwc_paper_repos").fetchall() == [(0,)]
        pwc.ingest_dump(con, s, links=f"{server.url}/links.json.gz")
    ranges = [r for r in seen if r]
    assert len(ranges) == 1 and 0 < int(ranges[0][6:-1]) <= len(body) // 2, ranges
    assert con.execute("select count(*) from pwc_paper_repos").fetchall() == [(3,)]


def test_hub_endpoint_follows_the_setting_and_hf_endpoint(monkeypatch):
    s = load_settings(env={})
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert pwc_archive.hub_endpoint(s) == "https://huggingface.co"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1")
    assert pwc_archive.hub_endpoint(s) == "http://127.0.0.1:1"
    assert pwc_archive.hub_endpoint(s.with_overrides(hf_api_url="http://127.0.0.1:2/api")) == "http://127.0.0.1:2"
