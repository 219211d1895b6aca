"""The options of this source: `[pwc]` in mltrends.toml, env MLTRENDS_PWC__<KEY>."""

from __future__ import annotations

from mltrends.settings_area import Area


class PwcSettings(Area):
    abstracts: bool = False                     # also store abstracts (10x the database)
    memory_limit: str | None = None             # DuckDB settings while loading the dumps
    preserve_insertion_order: bool | None = None
    order_by: str = "published"                 # catalogue papers/ order, so pages do not shift
