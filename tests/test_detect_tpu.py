"""TPU code paths: recorded by the detector as whole tokens, never deciding the primary."""

from __future__ import annotations

from collections import Counter

from mltrends.detect import detect_path
from mltrends.detect.ingested import result_rows
from mltrends.detect.tpu import tpu_evidence


def _repo(tmp_path, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def test_tokens_are_whole_words():
    assert tpu_evidence("a.py", b"output = compute(input)\nstpu_x = 1\n") == []
    found = tpu_evidence("a.py", b"import tensorflow as tf\n"
                                 b"strategy = tf.distribute.TPUStrategy(resolver)\n"
                                 b"import torch_xla.core.xla_model as xm\n"
                                 b"jax.devices('tpu')\n")
    assert [(e.framework, e.line, e.name) for e in found] == [
        ("tensorflow", 2, "TPUStrategy"), ("pytorch", 3, "torch_xla"), ("jax", 4, "jax.devices('tpu')")]


def test_tpu_evidence_is_recorded_beside_the_primary(tmp_path):
    root = _repo(tmp_path, {
        "requirements.txt": "torch\n",
        "train.py": "import torch\nfrom torch import nn\n\nmodel = nn.Linear(2, 2)\n",
        "tpu.py": "import torch_xla.core.xla_model as xm\ndevice = xm.xla_device()\n",
        "tf_compat.py": "# the TF version used tf.distribute.TPUStrategy; output = None\n",
    })
    result = detect_path(root)
    assert result.primary == "pytorch"
    kinds = {(f.name, e.kind) for f in result.frameworks for e in f.evidence}
    assert ("pytorch", "tpu") in kinds and ("tensorflow", "tpu") in kinds
    assert result.framework("tensorflow").score == 0.0  # a TPU mention does not make TF count
    rows = result_rows("o/r", result, "code", Counter(), None)
    tpu_rows = [r for r in rows if r["evidence"] == "tpu"]
    assert {r["source"] for r in tpu_rows} == {"tpu"}
    assert {r["framework"] for r in tpu_rows} == {"pytorch", "tensorflow"}
    assert {r["framework"] for r in rows if r["is_primary"]} == {"pytorch"}


def test_a_repo_with_only_tpu_mentions_stays_undetected(tmp_path):
    root = _repo(tmp_path, {"notes.py": "USE = 'TPUStrategy'\n"})
    result = detect_path(root)
    assert result.primary == "none"


def test_line_numbers_on_a_hand_made_file():
    data = (b"\n\n# use_tpu here\r\nx = 1\n\n"
            b"device = xm.xla_device(); use_tpu = True\n"
            b"last = 'libtpu'")
    found = [(e.framework, e.line, e.name) for e in tpu_evidence("a.py", data)]
    assert sorted(found) == [("jax", 7, "libtpu"), ("pytorch", 6, "xla_device"),
                             ("tensorflow", 3, "use_tpu"), ("tensorflow", 6, "use_tpu")]


def test_many_matches_in_a_large_file_take_linear_time():
    """1 MiB of one match per line: counting newlines up to every match (quadratic) took
    about 20 s here; the budget is a multiple of just finding the matches."""
    import time

    from mltrends.detect.tpu import PATTERNS

    data = b"use_tpu\n" * (1 << 17)
    start = time.perf_counter()
    for _framework, pattern in PATTERNS:
        for m in pattern.finditer(data):
            m.group(0).decode("ascii")
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    found = tpu_evidence("big.py", data)
    elapsed = time.perf_counter() - start
    assert [e.line for e in found] == list(range(1, (1 << 17) + 1))
    assert elapsed < max(3.0, 40 * baseline), (elapsed, baseline)
