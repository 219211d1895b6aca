"""Typed settings: nested areas, validated, frozen; every key settable from the environment."""

from __future__ import annotations

import subprocess
import sys

import pydantic
import pytest

from mltrends.config import AREAS, ConfigError, Settings, load_settings


def test_nested_settings_come_from_file_and_environment(tmp_path):
    toml = tmp_path / "mltrends.toml"
    toml.write_text("[pypi]\nmin_interval = 2.5\nbreakdown_families = ['core', 'serving']\n"
                    "[github]\nbatch_size = 40\n")
    s = load_settings(toml, env={"MLTRENDS_GITHUB__BATCH_SIZE": "7",
                                 "MLTRENDS_CLASSIFY__SECTOR_THRESHOLD": "0.25"})
    assert s.pypi.min_interval == 2.5 and s.pypi.breakdown_families == ("core", "serving")
    assert s.github.batch_size == 7                    # environment beats file
    assert s.classify.sector_threshold == 0.25
    assert s.github.rest_batch == 25                   # the default where nothing is set


def test_every_area_key_can_be_set_from_the_environment():
    candidates = ("true", "3", "0.5", "x", "ray", "launcher", "100", '["a"]', '{"a": "B"}',
                  "2025-01-01")
    default = Settings()
    for area in AREAS:
        for key in type(getattr(default, area)).model_fields:
            var = f"MLTRENDS_{area.upper()}__{key.upper()}"
            changed = []
            for raw in candidates:
                try:
                    value = getattr(getattr(load_settings(env={var: raw}), area), key)
                except ConfigError:
                    continue
                if value != getattr(getattr(default, area), key):
                    changed.append(value)
            assert changed, f"{var} cannot set {area}.{key}"


@pytest.mark.parametrize("text, message", [
    ("[pypi]\nmin_intervall = 1\n", "unknown setting 'pypi.min_intervall'"),
    ("[pypi]\nmin_interval = -1\n", "setting 'pypi.min_interval': Input should be greater than or equal to 0"),
    ("[github]\nbatch_size = 500\n", "setting 'github.batch_size'"),
    ("[nope]\nx = 1\n", "unknown setting 'nope'"),
    ("http_retries = 'many'\n", "setting 'http_retries'"),
])
def test_a_wrong_key_or_value_names_the_key(tmp_path, text, message):
    toml = tmp_path / "mltrends.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as info:
        load_settings(toml, env={})
    assert str(toml) in str(info.value)


def test_a_wrong_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="pypi.min_interval"):
        load_settings(env={"MLTRENDS_PYPI__MIN_INTERVAL": "-3"})
    with pytest.raises(ConfigError, match="MLTRENDS_PYPY__MIN_INTERVAL"):
        load_settings(env={"MLTRENDS_PYPY__MIN_INTERVAL": "1"})
    with pytest.raises(ConfigError, match="pypi.typo"):
        load_settings(env={"MLTRENDS_PYPI__TYPO": "1"})


def test_settings_are_frozen_and_overrides_are_validated():
    s = load_settings(env={})
    with pytest.raises(pydantic.ValidationError):
        s.db = "elsewhere.duckdb"
    with pytest.raises(ConfigError, match="http_timeout"):
        s.with_overrides(http_timeout=-1)
    moved = s.with_overrides(pypi={"min_interval": 0}, db="x.duckdb")
    assert (moved.pypi.min_interval, moved.db, s.pypi.min_interval) == (0, "x.duckdb", None)


def test_the_cli_refuses_a_typo_with_exit_2(tmp_path):
    toml = tmp_path / "mltrends.toml"
    toml.write_text("[pypi]\nmin_intervall = 1\n")
    proc = subprocess.run([sys.executable, "-m", "mltrends.cli", "--config", str(toml), "status"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "unknown setting 'pypi.min_intervall'" in proc.stderr and "Traceback" not in proc.stderr
