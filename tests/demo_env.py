"""The environment that points a `mltrends` subprocess at the local demo server."""

from __future__ import annotations

import os
from pathlib import Path

from mltrends.demo.server import DEMO_DIR, DEMO_TOKEN
from mltrends.sources import registry


def demo_env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    """Every base URL at `url`, the databases, models and reports under `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRENDS_") and k != "GITHUB_TOKEN"}
    env.update({
        "MLTRENDS_DB": str(folder / "mltrends.duckdb"), "MLTRENDS_WORK_DB": str(folder / "work.duckdb"),
        "MLTRENDS_MODELS_DIR": str(folder / "models"), "MLTRENDS_REPORTS_DIR": str(folder / "reports"),
        "MLTRENDS_CACHE_DIR": str(folder / "cache"),
        **{f"MLTRENDS_{key.upper()}": value for key, value in registry.local_urls(url).items()},
        "MLTRENDS_PWC_LINKS_URL": str(DEMO_DIR / "pwc" / "links.json.gz"),
        "MLTRENDS_PWC_PAPERS_URL": str(DEMO_DIR / "pwc" / "papers.json.gz"),
        "MLTRENDS_HTTP_BACKOFF": "0.01", "MLTRENDS_HTTP_MAX_SLEEP": "5",
        "GITHUB_TOKEN": DEMO_TOKEN,
    })
    env.update(extra)
    return env
