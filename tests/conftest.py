"""Shared fixtures: an in-memory database with the schema, settings aimed at a local server."""

from __future__ import annotations

from pathlib import Path

import pytest

from mltrends import db
from mltrends.config import Settings, load_settings
from mltrends.sources import registry

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def con():
    """An in-memory DuckDB with every migration applied."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings with fast retries and a temporary database; no real service is reachable."""
    return load_settings(
        env={},
        db=str(tmp_path / "mltrends.duckdb"),
        work_db=str(tmp_path / "work.duckdb"),
        cache_dir=str(tmp_path / "cache"),
        reports_dir=str(tmp_path / "reports"),
        http_backoff=0.01,
        http_backoff_max=0.05,
        http_max_sleep=2.0,
        http_timeout=5.0,
        **registry.local_urls("http://127.0.0.1:9/unreachable"),
    )
