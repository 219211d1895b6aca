"""The Papers-with-Code dump loader: exact rows, formats, rejects, bad files, idempotency."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends.cli import main
from mltrends.localserver import LocalServer, Response
from mltrends.sources import pwc

FIX = Path(__file__).resolve().parent / "fixtures" / "pwc"


def _gz(src: Path, dest: Path) -> Path:
    dest.write_bytes(gzip.compress(src.read_bytes()))
    return dest


@pytest.fixture
def dumps(tmp_path) -> dict[str, Path]:
    return {"papers": _gz(FIX / "papers.json", tmp_path / "papers.json.gz"),
            "links": _gz(FIX / "links.json", tmp_path / "links.json.gz")}


def papers_rows(con):
    return con.execute(
        "select paper_id, arxiv_id, title, published, year, quarter, venue, venue_year, tasks, methods, _source "
        "from pwc_papers order by paper_id").fetchall()


def links_rows(con):
    return con.execute(
        "select paper_id, repo, repo_url, is_official, pwc_framework, pwc_framework_raw "
        "from pwc_paper_repos order by paper_id, repo").fetchall()


EXPECTED_PAPERS = [
    ("fixture-detector-cvpr", "1903.01234", "A Fixture Detector (synthetic)", date(2019, 3, 4), 2019,
     "2019Q1", "CVPR", 2019, ["Object Detection"], ["ResNet"], "pwc-dump"),
    ("fixture-old-paper", None, "An Old Fixture Paper (synthetic)", None, None, None, None, None, [], None,
     "pwc-dump"),
    ("fixture-translator", "1706.04321", "A Fixture Translator (synthetic)", date(2017, 6, 13), 2017,
     "2017Q2", "NeurIPS", 2017, ["Machine Translation", "Language Modelling"], [], "pwc-dump"),
]
EXPECTED_LINKS = [
    ("fixture-detector-cvpr", "fixture-lab/detector", "https://github.com/Fixture-Lab/Detector.git", True,
     "tensorflow", "tf"),
    ("fixture-detector-cvpr", "someone/detector-pytorch",
     "https://github.com/someone/detector-pytorch/tree/master/src", False, "pytorch", "pytorch"),
    ("fixture-translator", "gitlab.com/group/translator", "https://gitlab.com/Group/Translator", True,
     "other", "caffe2"),
]


def test_json_gz_dumps_load_exact_rows(con, settings, dumps):
    counts = pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]))
    assert papers_rows(con) == EXPECTED_PAPERS
    assert links_rows(con) == EXPECTED_LINKS
    assert counts == {"pwc_papers": 3, "pwc_paper_repos": 3, "rejected_records": 3}


def test_abstracts_are_stored_only_when_asked(con, settings, dumps):
    pwc.ingest_dump(con, settings, papers=str(dumps["papers"]))
    assert con.execute("select count(abstract) from pwc_papers").fetchall()[0][0] == 0
    pwc.ingest_dump(con, settings.with_overrides(pwc={"abstracts": True}), papers=str(dumps["papers"]))
    assert con.execute("select abstract from pwc_papers where paper_id = 'fixture-detector-cvpr'"
                       ).fetchall() == [("Synthetic abstract one.",)]
    assert papers_rows(con) == EXPECTED_PAPERS


def test_rejected_records_keep_the_raw_record_and_reason(con, settings, dumps):
    pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]), run_id="r1")
    rows = con.execute("select source, reason, raw_record, run_id from rejected_records "
                       "order by source, reason").fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("pwc:dump:links", "missing repo_url"),
        ("pwc:dump:links", "repo_url names no repository"),
        ("pwc:dump:papers", "missing paper_url (no Papers-with-Code paper page to key the record on)"),
    ]
    assert json.loads(rows[1][2])["repo_url"] == "see the paper"
    assert json.loads(rows[2][2])["title"] == "A Record Without Page (synthetic)"
    assert {r[3] for r in rows} == {"r1"}
    assert con.execute("select count(*) from pwc_papers where paper_id like '~%'").fetchall()[0][0] == 0


@pytest.mark.parametrize("variant", ["json", "ndjson", "parquet"])
def test_other_formats_give_the_same_rows(con, settings, tmp_path, variant):
    if variant == "json":
        papers, links = FIX / "papers.json", FIX / "links.json"
    elif variant == "ndjson":
        papers, links = tmp_path / "p.json", tmp_path / "l.json"
        for src, dest in ((FIX / "papers.json", papers), (FIX / "links.json", links)):
            dest.write_text("\n".join(json.dumps(r) for r in json.loads(src.read_text())) + "\n")
    else:
        papers, links = tmp_path / "p.parquet", tmp_path / "l.parquet"
        scratch = db.connect(":memory:", migrate=False)
        for src, dest in ((FIX / "papers.json", papers), (FIX / "links.json", links)):
            scratch.execute(f"copy (select * from read_json('{src}')) to '{dest}' (format parquet)")
        scratch.close()
    pwc.ingest_dump(con, settings, links=str(links), papers=str(papers))
    assert papers_rows(con) == EXPECTED_PAPERS
    assert links_rows(con) == EXPECTED_LINKS


def test_loading_twice_changes_nothing(con, settings, dumps):
    pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]))
    first = (papers_rows(con), links_rows(con))
    # unchanged files are not loaded again; a forced reload changes nothing either
    skipped = pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]))
    assert skipped == {"unchanged_dumps": 2}
    counts = pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]), force=True)
    assert (papers_rows(con), links_rows(con)) == first
    assert counts["pwc_papers"] == 3
    assert con.execute("select count(*) = count(distinct paper_id) from pwc_papers").fetchall()[0][0]
    assert con.execute("select count(*) = count(distinct (paper_id, repo)) from pwc_paper_repos").fetchall()[0][0]
    assert con.execute("select count(*) from rejected_records").fetchall()[0][0] == 3


def test_repeated_keys_take_the_staged_path(con, settings, tmp_path):
    records = json.loads((FIX / "papers.json").read_text())
    again = dict(records[0], title="A Fixture Detector, repeated (synthetic)")
    path = tmp_path / "papers.json"
    path.write_text(json.dumps([*records, again]))
    counts = pwc.ingest_dump(con, settings, papers=str(path))
    assert counts["pwc_papers"] == 3
    assert con.execute("select title from pwc_papers where paper_id = 'fixture-detector-cvpr'").fetchall() \
        == [("A Fixture Detector (synthetic)",)]   # the first record of a repeated key wins


def test_a_newer_dump_replaces_changed_rows_and_keeps_others(con, settings, tmp_path, dumps):
    pwc.ingest_dump(con, settings, papers=str(dumps["papers"]))
    newer = [dict(json.loads((FIX / "papers.json").read_text())[1], title="Retitled (synthetic)")]
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(newer))
    pwc.ingest_dump(con, settings, papers=str(path))
    titles = dict(con.execute("select paper_id, title from pwc_papers").fetchall())
    assert titles["fixture-translator"] == "Retitled (synthetic)"
    assert len(titles) == 3


def _snapshot(con):
    return (papers_rows(con), links_rows(con),
            con.execute("select count(*) from rejected_records").fetchall())


@pytest.mark.parametrize("name, content, message", [
    ("papers.json.gz", "truncated", "gzip"),
    ("papers.json.gz", b'[{"paper_url": "x"}]', "not gzip"),
    ("papers.json", b"<html>not json</html>", "not JSON"),
    ("papers.json", b"", "empty"),
    ("papers.json", b"[]", "no records"),
    ("papers.json", b'[{"paper_url": "https://paperswithcode.com/paper/a"}, {"paper_url": ', "cannot read"),
    ("papers.parquet", b"PAR0 nonsense", "not a Parquet file"),
])
def test_bad_files_fail_naming_the_file_and_lose_nothing(con, settings, dumps, tmp_path, name, content,
                                                        message):
    pwc.ingest_dump(con, settings, links=str(dumps["links"]), papers=str(dumps["papers"]))
    before = _snapshot(con)
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    if content == "truncated":
        data = dumps["papers"].read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    else:
        bad.write_bytes(content)
    # a good links file in the same load is rolled back too
    links = tmp_path / "links2.json"
    links.write_text(json.dumps([{"paper_url": "https://paperswithcode.com/paper/new",
                                  "repo_url": "https://github.com/new/repo", "framework": "jax"}]))
    with pytest.raises(pwc.DumpError, match=message) as info:
        pwc.ingest_dump(con, settings, links=str(links), papers=str(bad))
    assert str(bad) in str(info.value)
    assert _snapshot(con) == before


def test_missing_file_is_a_clear_error(con, settings, tmp_path):
    with pytest.raises(pwc.DumpError, match="nowhere.json.gz"):
        pwc.ingest_dump(con, settings, papers=str(tmp_path / "nowhere.json.gz"))


def test_url_source_is_downloaded(con, settings, dumps):
    body = dumps["links"].read_bytes()
    with LocalServer(lambda req: Response(200, {}, body)) as server:
        counts = pwc.ingest_dump(con, settings, links=server.url + "/files/links.json.gz")
    assert counts["pwc_paper_repos"] == 3
    assert links_rows(con) == EXPECTED_LINKS
    assert not list(Path(settings.cache_dir).glob("pwc-dumps/*"))   # the downloaded copy is gone


def test_url_source_http_error_names_the_url(con, settings):
    with LocalServer(lambda req: Response(404, {}, b"gone")) as server:
        with pytest.raises(Exception, match="links.json.gz"):
            pwc.ingest_dump(con, settings, links=server.url + "/links.json.gz")


def test_load_settings_are_restored(con, settings, dumps):
    before = con.execute("select current_setting('memory_limit'), "
                         "current_setting('preserve_insertion_order')").fetchall()
    pwc.ingest_dump(con, settings, papers=str(dumps["papers"]))
    after = con.execute("select current_setting('memory_limit'), "
                        "current_setting('preserve_insertion_order')").fetchall()
    assert after == before


@pytest.mark.parametrize("value, venue, year", [
    ("CVPR 2019 6", "CVPR", 2019), ("NeurIPS 2018 12", "NeurIPS", 2018), ("NIPS 2017 12", "NeurIPS", 2017),
    ("ICLR 2018 1", "ICLR", 2018), ("CVPR 2026", "CVPR", 2026), ("Interspeech 2020 10", "INTERSPEECH", 2020),
    ("proceedings-of-the-27th-international", None, None), ("CVPR2019", None, None), (None, None, None),
])
def test_venue_macros(con, value, venue, year):
    assert con.execute("select pwc_venue(?), pwc_venue_year(?)", [value, value]).fetchall() == [(venue, year)]


def _cli(tmp_path, *args):
    return CliRunner().invoke(main, ["--db", str(tmp_path / "cli.duckdb"), "-q", *args])


def test_cli_pwc_dump_loads_and_records_the_run(tmp_path, dumps):
    result = _cli(tmp_path, "ingest", "pwc-dump", "--links", str(dumps["links"]), "--papers", str(dumps["papers"]))
    assert result.exit_code == 0, result.output
    assert "pwc_papers: 3" in result.output and "pwc_paper_repos: 3" in result.output
    con = db.connect(tmp_path / "cli.duckdb")
    assert con.execute("select status, rows from runs").fetchall() == [
        ("succeeded", '{"pwc_papers": 3, "rejected_records": 3, "pwc_paper_repos": 3}')]
    con.close()


def test_cli_pwc_dump_bad_file_exits_2(tmp_path):
    bad = tmp_path / "papers.json.gz"
    bad.write_bytes(b"plain text")
    result = _cli(tmp_path, "ingest", "pwc-dump", "--papers", str(bad))
    assert result.exit_code == 2
    assert "not gzip" in result.output and str(bad) in result.output
    missing = _cli(tmp_path, "ingest", "pwc-dump", "--links", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_demo_dumps_load(con, settings):
    demo = Path(__file__).resolve().parents[1] / "data" / "demo" / "pwc"
    if not (demo / "papers.json.gz").exists():
        pytest.skip("demo dumps not generated")
    counts = pwc.ingest_dump(con, settings, links=str(demo / "links.json.gz"), papers=str(demo / "papers.json.gz"))
    assert counts["pwc_papers"] > 200 and counts["pwc_paper_repos"] > 200
    assert con.execute("select count(*) from pwc_papers where title not like '%(synthetic)%'").fetchall()[0][0] == 0
