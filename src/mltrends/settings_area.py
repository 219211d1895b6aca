"""The base of every settings area, and the settings' error (no imports: sources declare
their areas with it, and mltrends.config builds the settings from the source registry)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(Exception):
    """The configuration file or an environment value cannot be used."""


class Area(BaseModel):
    """One table of mltrends.toml: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")
