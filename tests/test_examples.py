"""sql/examples: each question runs against a built database, in Python and in the DuckDB CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mltrends import claims, db, models

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "sql" / "examples").glob("*.sql"))
RAW = Path(__file__).resolve().parent / "fixtures" / "models" / "raw.sql"


def duckdb_cli() -> str | None:
    local = Path(sys.executable).parent / "duckdb"
    return str(local) if local.exists() else shutil.which("duckdb")


@pytest.fixture(scope="module")
def built():
    con = db.connect(":memory:")
    con.execute(RAW.read_text())
    models.build(con)
    claims.evaluate(con)
    yield con
    con.close()


def test_at_least_eight_documented_examples():
    assert len(EXAMPLES) >= 8
    for path in EXAMPLES:
        assert path.read_text().startswith("-- "), f"{path.name} lacks its question comment"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(built, path):
    cur = built.execute(path.read_text())
    assert len(cur.description) >= 2
    cur.fetchall()


def test_examples_return_rows_on_the_fixture(built):
    names = {"edge_downloads_tflite_vs_executorch", "venue_vs_published", "research_vs_industry",
             # corrected_shares: its population is the 8 quarters before today, past this fixture
             "claims_scorecard", "framework_trend_last_12_quarters",
             "companies_tensorflow_to_pytorch", "sector_shares", "jax_share_by_year"}
    for path in EXAMPLES:
        if path.stem in names:
            assert built.execute(path.read_text()).fetchall(), path.name
    openai = built.execute((ROOT / "sql/examples/companies_tensorflow_to_pytorch.sql").read_text()).fetchall()
    assert openai == [("openai", 1, 1, 2018.0, 2021.0, 2018)]


def test_examples_run_in_the_duckdb_cli(built, tmp_path):
    cli = duckdb_cli()
    if cli is None:
        pytest.skip("no DuckDB CLI here (pip install duckdb-cli)")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    target = tmp_path / "published.duckdb"
    # the pip CLI may be older than the Python library: write a file in a storage format it reads
    storage = "v1.4.0" if version.startswith("v1.") else "latest"
    built.execute(f"attach '{target}' as pub (storage_version '{storage}')")
    try:
        built.execute("copy from database memory to pub")
    finally:
        built.execute("detach pub")
    for path in EXAMPLES:
        result = subprocess.run([cli, "-readonly", str(target), "-csv", "-c", f".read {path}"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "Error" not in result.stderr, (path.name, result.stderr)
        assert result.stdout.strip(), path.name
