"""Every fixture repository gets its expected primary framework, with evidence."""

from __future__ import annotations

import re

import pytest

from detect_fixtures import expected, materialise, specs
from mltrends.detect import Reader, detect_path

SPECS = specs()


def test_there_are_enough_fixtures():
    assert len(SPECS) >= 40
    assert {expected(s) for s in SPECS} >= {"pytorch", "tensorflow", "jax", "keras", "mxnet",
                                            "paddle", "mindspore", "other", "none"}


def test_accuracy_on_all_fixtures(tmp_path, capsys):
    wrong = []
    for spec in SPECS:
        reader = Reader(str(tmp_path))
        result = detect_path(materialise(spec, tmp_path), reader=reader)
        assert max(reader.opens.values(), default=1) == 1, f"{spec.name}: a file was read twice"
        if result.primary != expected(spec):
            wrong.append(f"{spec.stem}: expected {expected(spec)}, got {result.primary}")
        if result.primary != "none":
            top = result.framework(result.primary)
            assert top is not None and top.evidence, f"{spec.stem}: primary without evidence"
    correct = len(SPECS) - len(wrong)
    with capsys.disabled():
        print(f"\ndetect fixture accuracy: {correct}/{len(SPECS)} = {correct / len(SPECS):.1%}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_fixture(spec, tmp_path):
    result = detect_path(materialise(spec, tmp_path))
    assert result.primary == expected(spec), result.dumps()


CLASSES = ("conversion", "optional", "keras3")  # issue 21: what a repository is for


def test_accuracy_per_class(tmp_path, capsys):
    """Each class of repository the issue names is measured on fixtures written for it."""
    by_class: dict[str, list[bool]] = {c: [] for c in CLASSES}
    for spec in SPECS:
        found = re.search(r"(?m)^# class: (\w+)$", spec.read_text(encoding="utf-8"))
        if found:
            result = detect_path(materialise(spec, tmp_path / spec.stem))
            by_class[found.group(1)].append(result.primary == expected(spec))
    with capsys.disabled():
        for name, hits in by_class.items():
            print(f"\ndetect class {name}: {sum(hits)}/{len(hits)} fixtures right")
    assert all(len(hits) >= 3 for hits in by_class.values()), by_class
    assert all(all(hits) for hits in by_class.values()), by_class
