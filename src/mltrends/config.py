"""Settings: defaults < mltrends.toml < environment (MLTRENDS_*) < CLI flags.

One frozen, validated object. The storage paths, base URLs and HTTP behaviour sit at the
top (`settings.db`, `settings.pwc_api_url`, env `MLTRENDS_PWC_API_URL`); each area's own
options are a typed table (`settings.pypi.min_interval`, `[pypi] min_interval` in
mltrends.toml, env `MLTRENDS_PYPI__MIN_INTERVAL`). An unknown key or a value out of range
is a ConfigError naming the key. Every base URL is a setting, so the same code runs
against the real services, a mirror, or a local test server.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, create_model
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from mltrends.settings_area import Area, ConfigError
from mltrends.sources import registry

CONFIG_FILE_ENV = "MLTRENDS_CONFIG"
DEFAULT_CONFIG_FILE = "mltrends.toml"


# re-exported: the whole codebase imports them from here
__all__ = ["AREAS", "Area", "ConfigError", "Settings", "load_settings"]


class DetectSettings(Area):
    clones_dir: str | None = None


class ClassifySettings(Area):
    labels_dir: str | None = None
    sector_threshold: float | None = Field(None, ge=0, le=1)
    purpose_threshold: float | None = Field(None, ge=0, le=1)


class ReproduceSettings(Area):
    no_install: bool = False                 # the shared base environment, no venv per repo
    allow_network_install: bool = False
    allow_unsandboxed: bool | None = None    # None: only for a local repos directory (the demo)
    executor: Literal["local", "ray"] = "local"
    workers: int = Field(1, ge=1)
    ray_address: str | None = None
    timeout: float = Field(60.0, gt=0)       # seconds for the entrypoint smoke run
    import_timeout: float = Field(60.0, gt=0)
    install_timeout: float = Field(600.0, gt=0)
    memory_mb: int = Field(4096, ge=64)      # RSS cap of one sandbox
    nproc: int = Field(256, ge=1)
    find_links: tuple[str, ...] = ()         # local wheel folders for installs
    work_dir: str | None = None
    keep_workspaces: bool = False
    python: str | None = None                # a program: see _check_programs
    sandbox: Literal["auto", "bwrap", "launcher"] = "auto"  # auto: bubblewrap where it runs
    disk_mb: int = Field(8192, ge=64)        # one workspace: clone, venv, files it writes
    refresh_sample: int = Field(20, ge=1)    # repos a `refresh --reproduce` samples from the marts
    refresh_seed: int = 0


class RetentionSettings(Area):
    """Days to keep generated folders; 0 keeps them all. The database is never pruned."""

    reports_days: int = Field(0, ge=0)             # <reports_dir>/YYYY-MM-DD/
    reproduction_logs_days: int = Field(0, ge=0)   # <reports_dir>/reproductions/<run_id>/


class StatusSettings(Area):
    # `status --check` fails for a source whose last success is older than this many days:
    # one number for every source, or a table per source (a missing source gets 2; 0: unchecked)
    max_age_days: float | dict[str, float] = Field(2.0, ge=0)


class _CoreSettings(BaseSettings):
    """What is not a source's: storage, HTTP, the analysis areas (see Settings)."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", env_prefix="MLTRENDS_",
                                      env_nested_delimiter="__", validate_default=False)

    # storage
    db: str = "data/mltrends.duckdb"
    work_db: str = ""  # empty: derived from db (publish.work_db_for), one per database
    cache_dir: str = "data/cache"
    reports_dir: str = "reports"
    models_dir: str = "data/models"
    # each source's base URLs come from the registry (sources/registry.py); these are the
    # inputs that are not one service's base URL
    # PwC archive dumps: Hub datasets (their Parquet shards), a shard list or glob, a URL or a
    # path (see sources/pwc/archive.py)
    pwc_links_url: str = "hf://datasets/pwc-archive/links-between-paper-and-code"
    pwc_papers_url: str = "hf://datasets/pwc-archive/papers-with-abstracts"
    git_base_url: str = "https://github.com"
    # HTTP behaviour
    http_timeout: float = Field(30.0, gt=0)
    http_retries: int = Field(5, ge=0)
    http_backoff: float = Field(0.5, ge=0)
    http_backoff_max: float = Field(60.0, ge=0)
    http_max_sleep: float = Field(3600.0, ge=0)  # longest wait for a rate-limit reset before giving up
    http_max_bytes: int = Field(200 * 1024 * 1024, gt=0)
    http_cache: bool = False
    # tokens come from the environment only (GITHUB_TOKEN), never from files
    github_token: str | None = Field(None, repr=False)
    # each area's own options
    detect: DetectSettings = DetectSettings()
    classify: ClassifySettings = ClassifySettings()
    reproduce: ReproduceSettings = ReproduceSettings()
    retention: RetentionSettings = RetentionSettings()
    status: StatusSettings = StatusSettings()

    def with_overrides(self, **overrides: Any) -> Settings:
        """A validated copy with the non-None overrides applied (CLI flags; an area as a dict)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return _validate(_merge(self.model_dump(), clean), "override")

    def section(self, name: str) -> dict[str, Any]:
        """An area as a plain dict (prefer the typed `settings.<area>`)."""
        area = getattr(self, name, None)
        return area.model_dump() if isinstance(area, Area) else {}


def _source_fields() -> dict[str, Any]:
    """Each source's base URLs (top level) and options area (`settings.<source>`)."""
    fields: dict[str, Any] = {}
    for source in registry.SOURCES:
        for endpoint in source.endpoints:
            kind = str if endpoint.default is not None else str | None
            fields[endpoint.setting] = (kind, endpoint.default)
        area = source.settings_area
        if area is not None:
            fields[source.name] = (area, area())
    return fields


# The settings: the core fields above and every registered source's (sources/registry.py).
Settings = create_model("Settings", __base__=_CoreSettings, __module__=__name__, **_source_fields())

AREAS = tuple(name for name, f in Settings.model_fields.items()
              if isinstance(f.annotation, type) and issubclass(f.annotation, Area))


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate(values: Mapping[str, Any], where: str) -> Settings:
    try:
        return Settings.model_validate(dict(values))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"unknown setting {key!r}")
            else:
                problems.append(f"setting {key!r}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError(f"{where}: " + "; ".join(problems)) from None


class _GivenEnv(EnvSettingsSource):
    """pydantic-settings' environment parsing (nested `__`, JSON for lists) over a given mapping."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._given = dict(env)
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._given.items()}


def _env_values(env: Mapping[str, str]) -> dict[str, Any]:
    ours = {k: v for k, v in env.items() if k.startswith("MLTRENDS_")}
    for key in ours:  # a nested key of no area is a typo, not something to ignore
        area = key[len("MLTRENDS_"):].split("__")[0].lower()
        if "__" in key and area not in AREAS:
            raise ConfigError(f"environment: unknown setting area in {key} (areas: {', '.join(AREAS)})")
    try:
        values = _GivenEnv(ours)()
    except Exception as exc:  # pydantic-settings' SettingsError: a value it cannot parse
        raise ConfigError(f"environment: {exc}") from None
    values.pop("github_token", None)
    return values


def _file_values(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


# settings that name a program mltrends runs (as root, under the reproduction job)
PROGRAM_SETTINGS = (("reproduce", "python"),)


def _check_programs(path: Path, values: Mapping[str, Any]) -> None:
    """A config file may name a program only when the running user owns it and nobody
    else can write it (a mltrends.toml dropped in the current directory must not choose
    what runs); the command line and the environment are the running user's own."""
    named = [f"[{area}] {key}" for area, key in PROGRAM_SETTINGS
             if isinstance(values.get(area), Mapping) and values[area].get(key)]
    if not named:
        return
    info = path.stat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise ConfigError(f"{path}: {', '.join(named)} names a program, and the file is not owned "
                          "by the running user or is writable by others; pass it on the command "
                          "line instead")


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from defaults, the TOML file, the environment and overrides."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    path = Path(config_file or env.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)
    if path.exists():
        values = _file_values(path)
        _check_programs(path, values)
        if "github_token" in values:
            raise ConfigError(f"{path}: github_token comes from the environment (GITHUB_TOKEN) only")
        _validate(values, str(path))  # name the file when it is the file that is wrong
    elif config_file is not None or CONFIG_FILE_ENV in env:
        raise ConfigError(f"config file {path} does not exist")
    values = _merge(values, _env_values(env))
    values["github_token"] = env.get("GITHUB_TOKEN") or None
    values = _merge(values, {k: v for k, v in overrides.items() if v is not None})
    return _validate(values, "settings")
