"""The options of this source: `[hub]` in mltrends.toml, env MLTRENDS_HUB__<KEY>."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from mltrends.settings_area import Area


class HubSettings(Area):
    since: date | None = None                       # first sweep only; None: a year ago
    max_requests: int = Field(100, ge=1)            # per refresh (--budget-hub overrides)
    page_size: int = Field(1000, ge=1, le=1000)     # models per request (the Hub's largest limit)
    tracked_owners: dict[str, str] | None = None    # Hub namespace -> company; None: the bundled list
