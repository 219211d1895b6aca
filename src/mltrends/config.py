"""Settings: defaults < mltrends.toml < environment (MLTRENDS_*) < CLI flags.

Every base URL and dump location is a setting, so the same code runs against the
real services, a mirror, or a local test server.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

CONFIG_FILE_ENV = "MLTRENDS_CONFIG"
DEFAULT_CONFIG_FILE = "mltrends.toml"


class ConfigError(Exception):
    """The configuration file or an environment value cannot be used."""


@dataclass(frozen=True)
class Settings:
    # storage
    db: str = "data/mltrends.duckdb"
    work_db: str = "data/work.duckdb"
    cache_dir: str = "data/cache"
    reports_dir: str = "reports"
    models_dir: str = "data/models"
    # Papers with Code: archive dumps and the catalogue API (and the historic v1 API)
    pwc_links_url: str = "https://huggingface.co/datasets/pwc-archive/links-between-paper-and-code/resolve/main/links-between-papers-and-code.json.gz"
    pwc_papers_url: str = "https://huggingface.co/datasets/pwc-archive/papers-with-abstracts/resolve/main/papers-with-abstracts.json.gz"
    pwc_api_url: str = "https://paperswithcode.co/api/v1"
    pwc_v1_url: str = "https://paperswithcode.com/api/v1"
    hf_api_url: str = "https://huggingface.co/api"
    github_api_url: str = "https://api.github.com"
    github_graphql_url: str = "https://api.github.com/graphql"
    pypistats_url: str = "https://pypistats.org/api"
    depsdev_url: str = "https://api.deps.dev"
    git_base_url: str = "https://github.com"
    # HTTP behaviour
    http_timeout: float = 30.0
    http_retries: int = 5
    http_backoff: float = 0.5
    http_backoff_max: float = 60.0
    http_max_sleep: float = 3600.0  # longest wait for a rate-limit reset before giving up
    http_max_bytes: int = 200 * 1024 * 1024
    http_cache: bool = False
    # tokens come from the environment only, never from files
    github_token: str | None = field(default=None, repr=False)
    # free-form tables from mltrends.toml (e.g. [pypi.families], [github])
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with the non-None overrides applied (CLI flags)."""
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(self, **clean)

    def section(self, name: str) -> dict[str, Any]:
        """A free-form table of mltrends.toml, e.g. settings.section('pypi')."""
        value = self.extra.get(name, {})
        return value if isinstance(value, dict) else {}


def _coerce(name: str, raw: Any, target: Any) -> Any:
    if raw is None:
        return None
    kind = type(target) if target is not None else str
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: cannot read {raw!r} as {kind.__name__}") from exc


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from defaults, the TOML file, the environment and overrides."""
    env = dict(os.environ if env is None else env)
    base = Settings()
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}

    path = Path(config_file or env.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)
    explicit = config_file is not None or CONFIG_FILE_ENV in env
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        known = {f.name for f in fields(Settings)} - {"extra", "github_token"}
        for key, value in data.items():
            if key in known:
                values[key] = _coerce(key, value, getattr(base, key))
            elif isinstance(value, dict):
                extra[key] = value
            else:
                raise ConfigError(f"{path}: unknown setting {key!r}")
        extra["_meta"] = {"config_file": str(path.resolve())}
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")

    for f in fields(Settings):
        if f.name in {"extra", "github_token"}:
            continue
        env_key = "MLTRENDS_" + f.name.upper()
        if env_key in env:
            values[f.name] = _coerce(env_key, env[env_key], getattr(base, f.name))

    values["github_token"] = env.get("GITHUB_TOKEN") or None
    settings = replace(base, **values, extra=extra)
    return settings.with_overrides(**overrides)
