"""The newcomer exercise: "add conda-forge downloads as a source".

On a copy of the source tree, a new source is added the documented way (docs/DEVELOPING.md,
"Adding a source"): one package, one schema file, one staging view, its recordings and one
line in the registry, nothing else. Then the real CLI, settings, refresh, status, report
coverage and the fault matrix must all know it. The source and its data are synthetic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.faults import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]
NOT_APPLICABLE_TO_ANY = {"empty_page"}  # a fault only where the matrix knows a source pages
pytestmark = pytest.mark.timeout(600)

PACKAGE = '''"""conda-forge downloads (SYNTHETIC: the newcomer exercise of tests/test_newcomer.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import duckdb

from mltrends import db, http

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions


def fetch_downloads(settings: Settings, package: str) -> Iterator[dict[str, Any]]:
    """One record per month; a record that is not {month: str, downloads: int} is yielded
    with its problem, for load_downloads to keep in rejected_records."""
    session = http.make_session(settings)
    url = f"{settings.condaforge_url}/downloads/{package}"
    answer = http.get_json(session, url)
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise http.SourceError(f"{url}: no data list in the answer")
    for row in answer["data"]:
        ok = (isinstance(row, dict) and isinstance(row.get("month"), str)
              and isinstance(row.get("downloads"), int) and not isinstance(row.get("downloads"), bool))
        yield ({"package": package, "month": row["month"], "downloads": row["downloads"]} if ok
               else {"package": package, "problem": "not {month: str, downloads: int}", "record": row})


def load_downloads(con: duckdb.DuckDBPyConnection, records: list[dict[str, Any]],
                   run_id: str | None = None) -> int:
    now = db.now_utc()
    good = [{**r, "_source": "condaforge", "_fetched_at": now} for r in records if "problem" not in r]
    with db.transaction(con):
        for bad in (r for r in records if "problem" in r):
            db.reject(con, "condaforge:downloads", bad["record"], bad["problem"], run_id)
        return db.upsert_rows(con, "condaforge_downloads", good, ["package", "month"])


def ingest(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str | None = None) -> dict[str, int]:
    records = [r for p in settings.condaforge.packages for r in fetch_downloads(settings, p)]
    return {"condaforge_downloads": load_downloads(con, records, run_id)}


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    return ingest(con, settings, run_id=run_id)
'''

COMMANDS = '''"""`mltrends ingest condaforge`."""

from __future__ import annotations

import click

from mltrends.commands import App, pass_app, print_counts


@click.command("condaforge")
@pass_app
def ingest_condaforge(app: App) -> None:
    """Fetch monthly conda-forge downloads of the tracked packages (synthetic)."""
    from mltrends.sources import condaforge

    with app.recorded("ingest condaforge", {}, source="condaforge") as (con, run):
        counts = condaforge.ingest(con, app.settings, run_id=run.run_id)
        run.add_all(counts)
    print_counts(counts)


INGEST_COMMANDS: list[click.Command] = [ingest_condaforge]
'''

SETTINGS = '''"""The options of conda-forge downloads: `[condaforge]`, env MLTRENDS_CONDAFORGE__<KEY>."""

from __future__ import annotations

from mltrends.settings_area import Area


class CondaforgeSettings(Area):
    packages: tuple[str, ...] = ("pytorch", "tensorflow")
'''

SCHEMA = '''-- conda-forge downloads (synthetic newcomer source)
create table if not exists condaforge_downloads (
    package     varchar not null,
    month       varchar not null,
    downloads   bigint not null,
    _source     varchar not null,
    _fetched_at timestamp not null,
    primary key (package, month)
);
'''

VIEW = '''-- staging view: stg_condaforge_downloads
-- grain: one row per package and month
-- key: package, month
select package, month, downloads from condaforge_downloads
'''

REGISTRY_LINE = '''    Source("condaforge", "conda-forge downloads (synthetic)", ("condaforge_downloads",), ("condaforge",),
           (Endpoint("condaforge_url", "https://conda-forge.invalid/api", "condaforge/api"),),
           "mltrends.sources.condaforge", "mltrends ingest condaforge", options=True),
'''

# what the newcomer's check asks of every derived list, run with the copied tree first on the path
CHECK = r'''
import json, sys
from datetime import date
from click.testing import CliRunner
from mltrends import db, refresh, status
from mltrends.cli import main
from mltrends.config import load_settings
from mltrends.refresh import RefreshOptions
from mltrends.sources import registry
from mltrends_demo.server import demo_server, demo_settings

out = {}
out["registry"] = list(registry.names())
out["steps"] = [s.name for s in refresh.STEPS if s.source]
out["ingest_help"] = CliRunner().invoke(main, ["ingest", "--help"]).output
s = load_settings(env={"MLTRENDS_CONDAFORGE__PACKAGES": '["pytorch"]'})
out["env_area"] = list(s.condaforge.packages)
out["url_default"] = s.condaforge_url
work = sys.argv[1]
with demo_server() as server:
    cfg = demo_settings(s.with_overrides(db=f"{work}/cf.duckdb"), server.url)
    out["local_url"] = cfg.condaforge_url.startswith(server.url)
    result = refresh.refresh(cfg, RefreshOptions(sources=("condaforge",), no_report=True,
                                                 today=date(2026, 11, 25)))
out["refresh"] = {r.name: [r.status, r.rows] for r in result.steps if r.name in ("condaforge", "staging")}
con = db.connect(f"{work}/cf.duckdb", read_only=True)
out["staged"] = con.execute("select package, month, downloads from stg_condaforge_downloads "
                            "order by month").fetchall()
out["runs"] = con.execute("select distinct source from runs where source = 'condaforge'").fetchall()
con.close()
report = status.collect(cfg)
out["status"] = report["sources"]["condaforge"]["rows"]
print(json.dumps(out, default=str))
'''


def _next_migration(schema: Path) -> str:
    numbers = [int(m.group(1)) for p in schema.glob("*.sql") if (m := re.match(r"(\d+)_", p.name))]
    return f"{max(numbers) + 1:03d}_condaforge.sql"


@pytest.fixture(scope="module")
def newcomer_tree(tmp_path_factory) -> Path:
    """A copy of src/ with conda-forge added: the files and the one line the guide lists."""
    tree = tmp_path_factory.mktemp("newcomer") / "src"
    shutil.copytree(ROOT / "src", tree, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    added: list[Path] = []
    package = tree / "mltrends" / "sources" / "condaforge"
    package.mkdir()
    for name, text in (("__init__.py", PACKAGE), ("commands.py", COMMANDS), ("settings.py", SETTINGS)):
        (package / name).write_text(text)
        added.append(package / name)
    sql = tree / "mltrends" / "sql"
    schema = sql / "schema" / _next_migration(sql / "schema")
    schema.write_text(SCHEMA)
    view = sql / "staging" / "stg_condaforge_downloads.sql"
    view.write_text(VIEW)
    recordings = tree / "mltrends_demo" / "inputs" / "http" / "condaforge" / "downloads.jsonl"
    recordings.parent.mkdir()
    recordings.write_text("".join(json.dumps({
        "request": {"method": "GET", "path": f"/condaforge/api/downloads/{p}"},
        "response": {"status": 200, "headers": {"X-Synthetic": "true"},
                     "json": {"data": [{"month": "2026-09", "downloads": n},
                                       {"month": "2026-10", "downloads": n + 1}]}}}) + "\n"
        for p, n in (("pytorch", 100), ("tensorflow", 50))))
    added += [schema, view, recordings]
    registry = tree / "mltrends" / "sources" / "registry.py"
    text = registry.read_text()
    closing = text.index("\n)\n", text.index("SOURCES: tuple[Source, ...] = ("))
    registry.write_text(text[:closing + 1] + REGISTRY_LINE + text[closing + 1:])
    # the exercise touched the registry and added exactly these files, nothing else
    changed = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()
               and (not (ROOT / "src" / p.relative_to(tree)).is_file()
                    or (ROOT / "src" / p.relative_to(tree)).read_bytes() != p.read_bytes())}
    assert changed == {p.relative_to(tree) for p in added} | {registry.relative_to(tree)}
    return tree


def _run(tree: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRENDS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT / "tests")])
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=540)


def test_one_package_one_schema_one_view_recordings_and_one_registry_line(newcomer_tree, tmp_path):
    proc = _run(newcomer_tree, "-c", CHECK, str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["registry"][-1] == "condaforge" and out["steps"][-1] == "condaforge"
    assert "condaforge" in out["ingest_help"]
    assert out["env_area"] == ["pytorch"]                        # its typed area, from the environment
    assert out["url_default"] == "https://conda-forge.invalid/api" and out["local_url"]
    # the environment narrowed the packages to pytorch: its two months
    assert out["refresh"]["condaforge"] == ["succeeded", {"condaforge_downloads": 2}]
    assert out["refresh"]["staging"][0] == "succeeded"
    assert sorted(map(tuple, out["staged"])) == [("pytorch", "2026-09", 100), ("pytorch", "2026-10", 101)]
    assert out["runs"] == [["condaforge"]]
    assert out["status"] == {"condaforge_downloads": 2}


def test_the_fault_matrix_takes_the_new_source_without_a_case(newcomer_tree, tmp_path):
    proc = _run(newcomer_tree, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow or not slow",
                "-k", "condaforge",
                str(ROOT / "tests" / "test_faults.py"), cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    ran = re.search(r"(\d+) passed", proc.stdout)
    # every fault scenario, each against the new source's recordings through its refresh step
    assert ran and int(ran.group(1)) == len(SCENARIOS) - len(NOT_APPLICABLE_TO_ANY), proc.stdout[-2000:]
