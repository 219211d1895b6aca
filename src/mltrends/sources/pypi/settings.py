"""The options of this source: `[pypi]` in mltrends.toml, env MLTRENDS_PYPI__<KEY>."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from mltrends.settings_area import Area


class PypiSettings(Area):
    min_interval: float | None = Field(None, ge=0)   # None: 1 s against pypistats.org, else 0
    breakdown_families: tuple[str, ...] = ("core",)
    bigquery_project: str | None = None
    families: dict[str, Any] = Field(default_factory=dict)
    replace_default_families: bool = False
