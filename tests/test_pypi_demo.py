"""The bundled demo recordings: complete, labelled synthetic, small, and showing the break."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from mltrends.sources import pypi
from mltrends.sources.pypi.families import load_families
from mltrends_demo import DEMO_DIR
from mltrends_demo.localserver import load_recordings, replay_server

ROOT = Path(__file__).resolve().parents[1]
PYPISTATS = DEMO_DIR / "http/pypistats"
DEPSDEV = DEMO_DIR / "http/depsdev"


def test_every_tracked_package_is_recorded_and_labelled_synthetic():
    recordings = load_recordings([PYPISTATS, DEPSDEV])
    paths = {r["request"]["path"] for r in recordings}
    for t in load_families(None):
        assert f"/pypistats/api/packages/{t.package}/overall" in paths
        assert f"/depsdev/v3/systems/pypi/packages/{t.package}" in paths
        if t.family == "core":
            assert f"/pypistats/api/packages/{t.package}/python_minor" in paths
    assert all(r["response"]["headers"]["X-Synthetic"] == "true" for r in recordings)
    assert all("synthetic" in r["response"]["json"]["note"] for r in recordings)
    size = sum(f.stat().st_size for d in (PYPISTATS, DEPSDEV) for f in d.glob("*.jsonl"))
    assert size < 2.5 * 2**20


def test_demo_downloads_show_sizes_the_break_and_synthetic_source(con, settings):
    with replay_server(PYPISTATS, DEPSDEV) as srv:
        aimed = settings.with_overrides(pypistats_url=srv.url + "/pypistats/api",
                                        depsdev_url=srv.url + "/depsdev")
        pypi.ingest(con, aimed, ["torch", "tensorflow", "jax", "mxnet"], today=date(2026, 11, 25))
    span = con.execute("select min(date)::varchar, max(date)::varchar, count(distinct date) "
                       "from pypi_downloads where category = 'without_mirrors'").fetchall()
    assert span == [("2026-05-29", "2026-11-24", 180)]
    totals = dict(con.execute("select package, sum(downloads) from pypi_downloads "
                              "where category = 'without_mirrors' group by 1").fetchall())
    assert totals["torch"] > totals["tensorflow"] > totals["jax"] > 10 * totals["mxnet"]
    before, after = con.execute(
        "select avg(downloads) filter (date between date '2026-07-27' and date '2026-08-23'), "
        "avg(downloads) filter (date between date '2026-08-24' and date '2026-09-20') "
        "from pypi_downloads where package = 'torch' and category = 'without_mirrors'").fetchall()[0]
    assert after < 0.9 * before  # the definition change shows as a drop
    assert con.execute("select distinct _source from pypi_downloads").fetchall() == [("pypistats",)]
    os_sum = con.execute("select sum(downloads) from pypi_downloads where package = 'torch' "
                         "and category like 'os:%'").fetchall()[0][0]
    assert abs(os_sum / totals["torch"] - 1) < 0.05
    deps = con.execute("select count(*), min(dependents) from pypi_dependents").fetchall()[0]
    assert deps[0] == 4 and deps[1] > 0


def test_generator_is_reproducible(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_recordings", PYPISTATS / "make_recordings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path / "pypistats")
    monkeypatch.setattr(module, "DEPSDEV", tmp_path / "depsdev")
    (tmp_path / "pypistats").mkdir()
    module.main()
    for name in ("overall", "system", "python_minor"):
        assert (tmp_path / "pypistats" / f"{name}.jsonl").read_bytes() == (PYPISTATS / f"{name}.jsonl").read_bytes()
    first = json.loads((tmp_path / "depsdev/dependents.jsonl").read_text().splitlines()[0])
    assert first == json.loads((DEPSDEV / "dependents.jsonl").read_text().splitlines()[0])
