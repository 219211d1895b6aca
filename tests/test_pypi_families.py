"""The tracked package families: the data file and the user's overrides."""

from __future__ import annotations

import pytest

from mltrends.config import ConfigError
from mltrends.sources.pypi.families import (
    FAMILIES,
    FRAMEWORKS,
    TrackedPackage,
    load_families,
    normalize_package,
    select_packages,
)


def _with(settings, pypi_section):
    return settings.with_overrides(pypi=pypi_section)


def test_default_families_cover_every_framework_once_per_package(settings):
    tracked = load_families(settings)
    names = [t.package for t in tracked]
    assert len(names) == len(set(names))
    assert {t.framework for t in tracked} == set(FRAMEWORKS)
    assert {t.family for t in tracked} == set(FAMILIES)
    by = {t.package: t for t in tracked}
    assert by["torch"] == TrackedPackage("torch", "core", "pytorch")
    assert by["tensorflow-cpu"] == TrackedPackage("tensorflow-cpu", "core", "tensorflow")
    assert by["jaxlib"].framework == "jax" and by["paddlepaddle"].framework == "paddle"
    assert by["onnxruntime"] == TrackedPackage("onnxruntime", "serving", "other")
    core = sorted(t.package for t in tracked if t.family == "core")
    assert core == ["jax", "jaxlib", "keras", "mindspore", "mxnet", "paddlepaddle",
                    "paddlepaddle-gpu", "tensorflow", "tensorflow-cpu", "torch"]


def test_a_framework_table_replaces_the_default_one(settings):
    tracked = load_families(_with(settings, {"families": {"jax": {"core": ["JAX"], "high_level": ["Flax"]}}}))
    jax = [(t.package, t.family) for t in tracked if t.framework == "jax"]
    assert jax == [("jax", "core"), ("flax", "high_level")]
    assert any(t.package == "torch" for t in tracked)


def test_flat_form_and_replacing_the_defaults(settings):
    tracked = load_families(_with(settings, {"replace_default_families": True,
                                             "families": {"core": ["torch", "My_Pkg"],
                                                          "serving": ["jax"]}}))
    assert sorted(tracked, key=str) == [TrackedPackage("jax", "serving", "jax"),
                               TrackedPackage("my-pkg", "core", "other"),
                               TrackedPackage("torch", "core", "pytorch")]


@pytest.mark.parametrize("section, message", [
    ({"families": {"jax": {"cores": ["jax"]}}}, "unknown family 'cores'"),
    ({"families": {"theano": {"core": ["theano"]}}}, "unknown framework 'theano'"),
    ({"families": {"jax": {"core": "jax"}}}, "must be a list"),
    ({"families": {"core": ["bad name!"]}}, "not a valid PyPI package name"),
])
def test_bad_overrides_are_clear_errors(settings, section, message):
    with pytest.raises(ConfigError, match=message):
        load_families(_with(settings, section))


def test_select_packages(settings):
    tracked = load_families(settings)
    assert [t.package for t in select_packages(tracked, families=["core"], frameworks=["jax"])] == [
        "jax", "jaxlib"]
    assert select_packages(tracked, ["Torch", "left_pad"]) == [
        TrackedPackage("torch", "core", "pytorch"), TrackedPackage("left-pad", "untracked", "other")]
    with pytest.raises(ConfigError, match="unknown family 'nope'"):
        select_packages(tracked, families=["nope"])


def test_normalize_package():
    assert normalize_package("PyTorch_Lightning") == "pytorch-lightning"
    assert normalize_package("zope.interface") == "zope-interface"
    with pytest.raises(ConfigError):
        normalize_package("x'; drop table")
