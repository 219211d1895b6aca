"""Hugging Face Hub models: the stand-in, the sweep, the watermark, the budget, the framework rule."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from huggingface_hub import HfApi

from mltrends import db, models
from mltrends.config import Settings
from mltrends.sources import hub_models
from mltrends.sources.hub_models.client import EXPAND
from mltrends.sources.registry import Incomplete
from mltrends_demo.hub import HubStandIn
from mltrends_demo.localserver import LocalServer, Request, Response

STATE = ("hub", "models-by-created")


def synthetic(n: int, start: datetime, prefix: str = "m", step: timedelta = timedelta(minutes=1)) -> list[dict]:
    """n synthetic models, one per step, the API's field names."""
    out = []
    for i in range(n):
        t = (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        out.append({"id": f"org{i % 3}/{prefix}{i}", "author": f"org{i % 3}", "createdAt": t,
                    "lastModified": t, "library_name": "transformers", "pipeline_tag": "fill-mask",
                    "tags": ["pytorch", "safetensors"], "downloads": i, "likes": i % 5})
    return out


def settings(url: str, **extra: object) -> Settings:
    return Settings(hub_url=url, http_backoff=0.01, http_backoff_max=0.05, http_retries=2,
                    http_max_sleep=2.0, hub={"page_size": 100, **extra})


def test_stand_in_refuses_what_the_hub_refuses() -> None:
    with LocalServer(HubStandIn(synthetic(3, datetime(2026, 1, 1)))) as srv:
        url = f"{srv.url}/api/models"
        ok = httpx2.get(url, params=[("sort", "createdAt"), ("expand", "tags"), ("limit", "2")])
        assert ok.status_code == 200 and [set(m) for m in ok.json()] == [{"id", "_id", "tags"}] * 2
        assert 'rel="next"' in ok.headers["link"]
        assert httpx2.get(url, params=[("expand", "frameworks")]).status_code == 400
        assert httpx2.get(url, params=[("expand", "tags"), ("full", "true")]).status_code == 400
        assert httpx2.get(url, params=[("expand", "tags"), ("cardData", "true")]).status_code == 400
        assert httpx2.get(url, params=[("sort", "newest")]).status_code == 400
        assert httpx2.get(url, params=[("limit", "ten")]).status_code == 400


def test_first_request_is_the_one_list_models_sends() -> None:
    stand_in = HubStandIn(synthetic(5, datetime(2026, 1, 1)))
    with LocalServer(stand_in) as srv:
        list(HfApi(endpoint=srv.url).list_models(sort="created_at", expand=list(EXPAND), limit=100))
        con = db.connect()
        hub_models.ingest(con, settings(srv.url), since=date(2025, 1, 1))
    theirs, ours = stand_in.requests
    assert sorted(ours.query_pairs) == sorted(theirs.query_pairs)
    assert ours.path == theirs.path == "/api/models"


def test_load_twice_is_idempotent_and_keeps_exact_rows(tmp_path: Path) -> None:
    models_in = synthetic(4, datetime(2026, 2, 1))
    models_in[1]["tags"] = ["tf", "arxiv:1706.03762v5", "arxiv:2106.09685"]
    bad = [{"id": "org9/no-date", "tags": []}, {"createdAt": "2026-02-01T00:00:00.000Z"}]
    with LocalServer(HubStandIn(models_in + bad)) as srv:
        con = db.connect(tmp_path / "h.duckdb")
        hub_models.ingest(con, settings(srv.url), since=date(2026, 1, 1))
        db.set_state(con, *STATE, {})  # forget the watermark: the second run loads everything again
        hub_models.ingest(con, settings(srv.url), since=date(2026, 1, 1))
    for table, key in (("hub_models", "model_id"), ("hub_model_snapshots", "model_id, snapshot_date")):
        total, distinct = con.execute(f"select count(*), count(distinct ({key})) from {table}").fetchall()[0]
        assert total == distinct == 4
    rows = con.execute("select model_id, owner, created_at, library_name, tags, arxiv_ids, downloads, likes "
                       "from hub_models order by model_id").fetchall()
    expected = sorted((m["id"], m["author"], datetime.fromisoformat(m["createdAt"][:19]), "transformers",
                       m["tags"], sorted({t[6:16] for t in m["tags"] if t.startswith("arxiv:")}),
                       m["downloads"], m["likes"]) for m in models_in)
    assert rows == expected
    reasons = sorted(r[0] for r in con.execute(
        "select reason from rejected_records where source = 'hub:models'").fetchall())
    assert len(reasons) == 2 and "createdAt" in reasons[0] and "no model id" in reasons[1]


def test_watermark_budget_and_resume() -> None:
    stand_in = HubStandIn(synthetic(450, datetime(2026, 1, 1)))
    with LocalServer(stand_in) as srv:
        con = db.connect()
        first = hub_models.ingest(con, settings(srv.url), since=date(2025, 12, 1), max_requests=2)
        assert "budget" in first.stopped and first.requests == 2
        assert con.execute("select count(*) from hub_models").fetchall()[0][0] == 200
        assert db.get_state(con, *STATE)["cursor"]
        rest = hub_models.ingest(con, settings(srv.url))
        assert rest.stopped is None and rest.requests == 3 + 1  # three pages left, then one from the top
        assert con.execute("select count(*) from hub_models").fetchall()[0][0] == 450
        state = db.get_state(con, *STATE)
        assert state["cursor"] is None and state["watermark"].startswith("2026-01-01T07:29")
        stand_in.add(synthetic(7, datetime(2026, 3, 1), prefix="new"))
        before = len(stand_in.requests)
        later = hub_models.ingest(con, settings(srv.url))
        assert later.requests == len(stand_in.requests) - before == 1
        assert later["hub_models"] == 8  # the 7 new ones and the one at the watermark again
        assert con.execute("select count(*) from hub_models").fetchall()[0][0] == 457


def test_rate_limit_longer_than_allowed_stops_cleanly_and_5xx_is_retried() -> None:
    stand_in = HubStandIn(synthetic(150, datetime(2026, 1, 1)))
    calls = {"n": 0}

    def flaky(req: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response(503, {}, b"busy")
        if "cursor" in req.query:
            return Response.of_json({"error": "too many"}, 429, {"RateLimit": '"api";r=0;t=250'})
        return stand_in(req)

    with LocalServer(flaky) as srv:
        con = db.connect()
        with pytest.raises(Incomplete, match="251 s") as stopped:
            hub_models.ingest(con, settings(srv.url), since=date(2025, 1, 1))
    assert stopped.value.rows["hub_models"] == 100
    assert con.execute("select count(*) from hub_models").fetchall()[0][0] == 100  # the page before it


def test_framework_rule_and_monthly_share_by_hand() -> None:
    def m(i: int, month: int, library: str | None, tags: list[str], owner: str = "someone") -> dict:
        return {"id": f"{owner}/x{i}", "author": owner, "createdAt": f"2025-{month:02d}-10T00:00:00.000Z",
                "library_name": library, "tags": tags}
    cases = [
        (m(1, 1, "transformers", ["safetensors"]), "pytorch"),           # neutral format: library's framework
        (m(2, 1, "transformers", ["pytorch", "tf", "jax"]), "pytorch"),  # several: the library's own
        (m(3, 1, "keras", ["keras", "tf"]), "keras"),
        (m(4, 1, "transformers", ["tf"]), "tensorflow"),
        (m(5, 2, "gguf", ["gguf"], "google"), "other"),
        (m(6, 2, None, ["en"], "google"), "none"),
        (m(7, 2, None, ["tflite"], "google"), "tensorflow"),
        (m(8, 2, "paddlenlp", ["safetensors", "onnx"]), "paddle"),
    ]
    with LocalServer(HubStandIn([c[0] for c in cases])) as srv:
        con = db.connect()
        hub_models.ingest(con, settings(srv.url), since=date(2025, 1, 1))
    models.build(con)
    got = dict(con.execute("select model_id, framework from stg_hub_models").fetchall())
    assert got == {c[0]["id"]: c[1] for c in cases}
    share = con.execute("select share, ci_low, ci_high from hub_framework_share_monthly where population = 'all' "
                        "and month = date '2025-01-01' and framework = 'pytorch'").fetchall()
    # 2 of 4 January models; Wilson 95%: (0.5 + 1.96²/8 ∓ 1.96·sqrt(0.0625 + 1.96²/64)) / (1 + 1.96²/4)
    assert share[0][0] == 0.5
    assert share[0][1] == pytest.approx(0.1500, abs=1e-4) and share[0][2] == pytest.approx(0.8500, abs=1e-4)
    company = con.execute("select population, framework, models, total_models from hub_framework_share_monthly "
                          "where population = 'tracked_company' order by framework").fetchall()
    assert company == [("tracked_company", "none", 1, 3), ("tracked_company", "other", 1, 3),
                       ("tracked_company", "tensorflow", 1, 3)]
    formats = dict(con.execute("select format, models from hub_formats_monthly "
                               "where month = date '2025-02-01'").fetchall())
    assert formats == {"onnx": 1, "tflite": 1, "executorch": 0, "gguf": 1, "coreml": 0}


def test_cli_ingest_hub_models(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRENDS_") and k != "HF_ENDPOINT"}
    with LocalServer(HubStandIn(synthetic(250, datetime(2026, 1, 1)))) as srv:
        env.update(MLTRENDS_DB=str(tmp_path / "c.duckdb"), HF_ENDPOINT=srv.url)  # HF_ENDPOINT honoured
        cmd = [sys.executable, "-m", "mltrends.cli", "ingest", "hub-models", "--since", "2025-12-01"]
        proc = subprocess.run([*cmd, "--max-requests", "1"], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "hub_models: 250" in proc.stdout and "requests: 1" in proc.stdout
        bad = subprocess.run([*cmd[:-1], "yesterday"], capture_output=True, text=True, env=env, timeout=120)
        assert bad.returncode == 2 and "is not a date" in bad.stderr


def test_claims_carry_the_hub_evidence_and_the_report_shows_it(tmp_path: Path) -> None:
    from mltrends import claims
    from mltrends.report import write_report

    def m(name: str, day: str, tags: list[str], owner: str = "lab", library: str | None = "transformers") -> dict:
        return {"id": f"{owner}/{name}", "author": owner, "createdAt": f"{day}T00:00:00.000Z",
                "library_name": library, "tags": tags}
    hub = [
        m("a-first", "2025-01-05", ["pytorch", "arxiv:2401.00001"]),
        m("a-later", "2025-03-05", ["tf", "arxiv:2401.00001v2"]),
        m("b-only", "2025-02-05", ["tf", "arxiv:2401.00002"]),
        m("c-none", "2025-01-01", ["arxiv:2401.00003"], library=None),   # framework none: not first
        m("c-torch", "2025-04-01", ["pytorch", "arxiv:2401.00003"]),
        m("g1", "2025-05-01", ["tf"], owner="google"), m("g2", "2025-05-02", ["tflite"], owner="google"),
        m("g3", "2025-05-03", ["pytorch"], owner="google"), m("ms", "2025-05-04", ["pytorch"], owner="microsoft"),
    ]
    with LocalServer(HubStandIn(hub)) as srv:
        con = db.connect(tmp_path / "c.duckdb")
        hub_models.ingest(con, settings(srv.url), since=date(2024, 1, 1))
    models.build(con)
    first = dict(con.execute("select paper_id, model_id from hub_paper_first_model").fetchall())
    assert first == {"arxiv:2401.00001": "lab/a-first", "arxiv:2401.00002": "lab/b-only",
                     "arxiv:2401.00003": "lab/c-torch"}
    rows = {r["claim_id"]: r for r in claims.evaluate(con)}
    assert rows["hf-pytorch"]["metric"] == pytest.approx(2 / 3) and rows["hf-pytorch"]["n"] == 3
    assert rows["hf-pytorch"]["verdict"] == "not measurable"  # n = 3 < min_n = 30
    views = {(r[0], r[1]): r[2:] for r in con.execute(
        "select claim_id, view, metric, n, verdict from claim_views").fetchall()}
    assert views[("companies-tensorflow", "hub")][:2] == (pytest.approx(2 / 3), 3)
    assert views[("companies-pytorch", "hub")][:2] == (1.0, 1)
    assert ("edge-tensorflow", "hub") in views and ("hf-pytorch", "code") in views
    out = write_report(con, Settings(reports_dir=str(tmp_path / "reports")), out_dir=tmp_path / "r",
                       demo=True, images=False)
    manifest = (out / "manifest.json").read_text()
    page = (out / "index.html").read_text()
    assert '"hub_framework_share_monthly"' in manifest and '"hub_company_models"' in manifest
    assert "Models on the Hugging Face Hub" in page and "companies-tensorflow" in page
