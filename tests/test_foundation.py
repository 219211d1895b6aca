"""db, config, http and the local server: the parts every source stands on."""

from __future__ import annotations

import shutil
import time

import duckdb
import pytest

from mltrends import db, http, normalize
from mltrends.config import ConfigError, load_settings
from mltrends.localserver import LocalServer, ReplayHandler, Response


def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = tmp_path / "x.duckdb"
    con = db.connect(path)
    first = [r[0] for r in con.execute("select name from _migrations order by name").fetchall()]
    assert first[0] == "001_core.sql" and len(first) == len(db.migration_files())
    con.close()
    con = db.connect(path)
    assert db.apply_migrations(con) == []
    assert con.execute("select count(*) from _migrations").fetchall()[0][0] == len(first)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "x.duckdb"
    con = db.connect(path)
    con.execute("insert into _migrations values ('999_future.sql', 'x', now(), '9.9')")
    con.close()
    with pytest.raises(db.SchemaError, match="newer mltrends"):
        db.connect(path)


def test_upsert_dedupes_batch_and_is_idempotent(con):
    con.execute("create table t (k integer primary key, v varchar)")
    rows = [{"k": 1, "v": "a"}, {"k": 1, "v": "b"}, {"k": 2, "v": "c"}]
    assert db.upsert_rows(con, "t", rows, ["k"]) == 2
    assert db.upsert_rows(con, "t", rows, ["k"]) == 2
    assert con.execute("select k, v from t order by k").fetchall() == [(1, "b"), (2, "c")]
    assert con.execute("select count(*) = count(distinct k) from t").fetchall()[0][0]


def test_transaction_rolls_back_everything(con):
    con.execute("create table t (k integer primary key)")
    with pytest.raises(duckdb.ConstraintException), db.transaction(con):
        con.execute("insert into t values (1)")
        con.execute("insert into t values (1)")
    assert con.execute("select count(*) from t").fetchall()[0][0] == 0


def test_recorded_run_writes_status_rows_and_error(con):
    with db.recorded_run(con, "ingest demo") as run:
        run.add("pwc_papers", 5)
    with pytest.raises(RuntimeError), db.recorded_run(con, "ingest broken"):
        raise RuntimeError("boom")
    rows = con.execute("select command, status, rows, error from runs order by started_at").fetchall()
    assert rows[0][:3] == ("ingest demo", "succeeded", '{"pwc_papers": 5}')
    assert rows[1][1] == "failed" and "boom" in rows[1][3]


def test_settings_precedence(tmp_path):
    toml = tmp_path / "mltrends.toml"
    toml.write_text('hf_api_url = "http://from-file"\npwc_api_url = "http://file-pwc"\n'
                    '[pypi.families]\ncore = ["torch"]\n')
    s = load_settings(toml, env={"MLTRENDS_PWC_API_URL": "http://env-pwc", "GITHUB_TOKEN": "t0k"},
                      hf_api_url=None, db="flag.duckdb")
    assert s.hf_api_url == "http://from-file"          # file beats default
    assert s.pwc_api_url == "http://env-pwc"           # environment beats file
    assert s.db == "flag.duckdb"                       # flag beats everything
    assert s.github_token == "t0k" and "t0k" not in repr(s)
    assert s.section("pypi")["families"]["core"] == ["torch"]


def test_corrupt_toml_is_a_clear_error(tmp_path):
    bad = tmp_path / "mltrends.toml"
    bad.write_text("db = [unclosed")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, env={})


def test_http_retries_5xx_then_succeeds(settings):
    calls = []

    def handler(req):
        calls.append(req.path)
        if len(calls) < 3:
            return Response(502, {}, b"bad gateway")
        return Response.of_json({"ok": True})

    with LocalServer(handler) as server:
        session = http.make_session(settings)
        assert http.get_json(session, server.url + "/x") == {"ok": True}
    assert len(calls) == 3
    assert session.headers["User-Agent"].startswith("mltrends/")


def test_http_waits_for_github_primary_limit_reset(settings):
    reset = int(time.time()) + 1
    handler = ReplayHandler([
        {"request": {"path": "/r"}, "times": 1,
         "response": {"status": 403, "headers": {"x-ratelimit-remaining": "0",
                                                  "x-ratelimit-reset": str(reset)},
                      "json": {"message": "API rate limit exceeded"}}},
        {"request": {"path": "/r"}, "response": {"json": {"ok": 1}}},
    ])
    slept = []
    with LocalServer(handler) as server:
        session = http.make_session(settings)
        assert http.get_json(session, server.url + "/r", sleep=slept.append) == {"ok": 1}
    assert len(slept) == 1 and 0 < slept[0] <= 3


def test_http_rate_limit_too_far_away_raises(settings):
    reset = int(time.time()) + 7200
    handler = ReplayHandler([{"request": {"path": "/r"}, "response": {
        "status": 403, "headers": {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        "json": {}}}])
    with LocalServer(handler) as server:
        with pytest.raises(http.RateLimited, match="rerun later"):
            http.get_json(http.make_session(settings), server.url + "/r")


def test_http_invalid_json_names_the_url(settings):
    with LocalServer(lambda req: Response(200, {}, b"<html>")) as server:
        with pytest.raises(http.SourceError, match="not valid JSON") as info:
            http.get_json(http.make_session(settings), server.url + "/page")
    assert "/page" in str(info.value)


def test_http_size_cap(settings):
    small = settings.with_overrides(http_max_bytes=1000)
    with LocalServer(lambda req: Response(200, {}, b"x" * 5000)) as server:
        with pytest.raises(http.SourceError, match="cap"):
            http.request(http.make_session(small), "GET", server.url + "/big")


@pytest.mark.parametrize("url, key", [
    ("https://github.com/Owner/Repo.git/tree/main/src", "owner/repo"),
    ("http://www.github.com/A/B/", "a/b"),
    ("git@github.com:X/Y.git", "x/y"),
    ("https://gitlab.com/G/H", "gitlab.com/g/h"),
    ("github.com/only-owner", None),
    (None, None),
])
def test_canonical_repo_python_and_sql_agree(con, url, key):
    assert normalize.canonical_repo(url) == key
    assert con.execute("select canonical_repo(?)", [url]).fetchall()[0][0] == key


@pytest.mark.parametrize("label, framework", [
    ("tf", "tensorflow"), ("PyTorch", "pytorch"), ("none", "none"), (None, "none"),
    ("caffe", "other"), ("mindspore", "mindspore"),
])
def test_canonical_framework_python_and_sql_agree(con, label, framework):
    assert normalize.canonical_framework(label) == framework
    assert con.execute("select canonical_framework(?)", [label]).fetchall()[0][0] == framework


def test_older_database_is_migrated_forward(tmp_path, monkeypatch):
    old_sql = tmp_path / "sql"
    (old_sql / "schema").mkdir(parents=True)
    for f in db.migration_files()[:3]:
        (old_sql / "schema" / f.name).write_text(f.read_text())
    monkeypatch.setenv("MLTRENDS_SQL_DIR", str(old_sql))
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    con.execute("insert into runs (run_id, command, started_at, status) values ('r1', 'x', now(), 'succeeded')")
    con.close()
    monkeypatch.delenv("MLTRENDS_SQL_DIR")
    con = db.connect(path)
    names = [r[0] for r in con.execute("select name from _migrations order by name").fetchall()]
    assert names == [f.name for f in db.migration_files()]
    assert con.execute("select run_id from runs").fetchall() == [("r1",)]   # nothing lost


def test_fault_drift_changes_only_the_first_record():
    from mltrends.faults import drift

    doc = {"count": 2, "results": [{"id": "a", "x": 1}, {"id": "b", "x": 2}]}
    assert drift(doc, "missing")["results"] == [{"x": 1}, {"id": "b", "x": 2}]
    assert drift(doc, "renamed")["results"][0] == {"id_v2": "a", "x": 1}
    assert drift(doc, "null")["results"][0] == {"id": None, "x": 1}
    assert drift(doc, "type")["results"][0]["id"] == {"unexpected": "a"}
    assert "field_added_by_api_update" in drift(doc, "extra")["results"][0]
    assert doc["results"][0] == {"id": "a", "x": 1}   # the original is untouched


def test_an_edited_applied_migration_is_refused_with_the_fix(tmp_path, monkeypatch):
    sql = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), sql)
    monkeypatch.setenv("MLTRENDS_SQL_DIR", str(sql))
    path = tmp_path / "db.duckdb"
    db.connect(path).close()
    first = sorted((sql / "schema").glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an edit after it was applied\n")
    with pytest.raises(db.SchemaError, match=f"{first.name} was edited.*new sql/schema/NNN"):
        db.connect(path)
    assert db.connect(tmp_path / "fresh.duckdb") is not None   # a new database takes the new text


def test_macros_are_reapplied_on_every_connect(tmp_path, monkeypatch):
    sql = tmp_path / "sql"
    shutil.copytree(db.sql_dir(), sql)
    monkeypatch.setenv("MLTRENDS_SQL_DIR", str(sql))
    path = tmp_path / "db.duckdb"
    con = db.connect(path)
    assert con.execute("select wilson_low(0, 10)").fetchall() == [(0.0,)]
    con.close()
    stats = sql / "macros" / "stats.sql"
    stats.write_text(stats.read_text() + "\ncreate or replace macro wilson_low(k, n) as 42;\n")
    con = db.connect(path)
    assert con.execute("select wilson_low(0, 10)").fetchall() == [(42,)]
    con.close()
