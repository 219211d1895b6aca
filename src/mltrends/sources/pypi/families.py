"""The tracked PyPI packages: framework families as data (mltrends/data/pypi_families.toml).

Users override them in mltrends.toml under [pypi.families] (see the data file's header).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mltrends import bundled
from mltrends.settings_area import ConfigError

if TYPE_CHECKING:
    from mltrends.config import Settings

FAMILIES = ("core", "high_level", "serving", "mobile_edge", "distributed", "ecosystem")
FRAMEWORKS = ("pytorch", "tensorflow", "jax", "keras", "mxnet", "paddle", "mindspore", "other")
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class TrackedPackage:
    package: str      # normalised PyPI name (PEP 503)
    family: str
    framework: str


def normalize_package(name: str) -> str:
    """PEP 503 name: lower case, runs of '-', '_' and '.' become one '-'."""
    name = str(name).strip()
    if not _NAME.match(name):
        raise ConfigError(f"{name!r} is not a valid PyPI package name")
    return re.sub(r"[-_.]+", "-", name).lower()


def default_families_file() -> Path:
    """The bundled mltrends/data/pypi_families.toml."""
    return bundled.path("data", "pypi_families.toml")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: the PyPI families file does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def _framework_table(where: str, framework: str, table: Any) -> dict[str, list[str]]:
    if framework not in FRAMEWORKS:
        raise ConfigError(f"{where}: unknown framework {framework!r} (one of {', '.join(FRAMEWORKS)})")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{framework}] must be a table of family = [packages]")
    out: dict[str, list[str]] = {}
    for family, packages in table.items():
        if family not in FAMILIES:
            raise ConfigError(f"{where}: [{framework}] unknown family {family!r} (one of {', '.join(FAMILIES)})")
        if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
            raise ConfigError(f"{where}: [{framework}].{family} must be a list of package names")
        out[family] = [normalize_package(p) for p in packages]
    return out


def load_families(settings: Settings | None = None,
                  path: Path | None = None) -> list[TrackedPackage]:
    """Every tracked package with its family and framework: the defaults, then the user's table.

    A package listed twice keeps its first place (frameworks in file order).
    """
    source = path or default_families_file()
    tables = {fw: _framework_table(str(source), fw, t) for fw, t in _read_toml(source).items()}
    user = settings.pypi.families if settings is not None else {}
    defaults_of = {p: fw for fw, fams in tables.items() for ps in fams.values() for p in ps}
    if settings is not None and settings.pypi.replace_default_families:
        tables = {}
    flat = {k: v for k, v in user.items() if isinstance(v, list)}
    for framework, table in user.items():
        if framework not in flat:
            tables[framework] = _framework_table("mltrends.toml [pypi.families]", framework, table)
    for family, packages in flat.items():
        if family not in FAMILIES:
            raise ConfigError(f"mltrends.toml [pypi.families]: unknown family {family!r} "
                              f"(one of {', '.join(FAMILIES)}), or a framework table")
        for p in packages:
            name = normalize_package(p)
            fw = defaults_of.get(name, "other")
            for fams in tables.values():  # the user's family wins over the default placement
                for ps in fams.values():
                    if name in ps:
                        ps.remove(name)
            tables.setdefault(fw, {}).setdefault(family, []).append(name)
    seen: dict[str, TrackedPackage] = {}
    for framework, fams in tables.items():
        for family in FAMILIES:
            for name in fams.get(family, []):
                seen.setdefault(name, TrackedPackage(name, family, framework))
    return list(seen.values())


def select_packages(tracked: list[TrackedPackage], packages: list[str] | None = None,
                    families: list[str] | None = None,
                    frameworks: list[str] | None = None) -> list[TrackedPackage]:
    """Narrow the tracked list; a named package no family lists gets family 'untracked', framework 'other'."""
    for fam in families or []:
        if fam not in FAMILIES:
            raise ConfigError(f"unknown family {fam!r} (one of {', '.join(FAMILIES)})")
    for fw in frameworks or []:
        if fw not in FRAMEWORKS:
            raise ConfigError(f"unknown framework {fw!r} (one of {', '.join(FRAMEWORKS)})")
    chosen = tracked
    if packages:
        by_name = {t.package: t for t in tracked}
        chosen = []
        for p in packages:
            name = normalize_package(p)
            chosen.append(by_name.get(name, TrackedPackage(name, "untracked", "other")))
    if families:
        chosen = [t for t in chosen if t.family in families]
    if frameworks:
        chosen = [t for t in chosen if t.framework in frameworks]
    return chosen
