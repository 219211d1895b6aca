"""The options of this source: `[github]` in mltrends.toml, env MLTRENDS_GITHUB__<KEY>."""

from __future__ import annotations

from pydantic import Field

from mltrends.settings_area import Area


class GithubSettings(Area):
    tracked_orgs: dict[str, str] | list[str] | None = None   # None: the bundled tracked_orgs.toml
    framework_repos: tuple[str, ...] | None = None           # None: the bundled list
    batch_size: int = Field(100, ge=1, le=100)               # repos per GraphQL request
    rest_batch: int = Field(25, ge=1)
    star_pages: int = Field(30, ge=1)
