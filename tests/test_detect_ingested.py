"""detect_ingested writes repo_frameworks from the database; the `mltrends detect` command."""

from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner

from mltrends import db
from mltrends.cli import main
from mltrends.detect import detect_ingested

NOW = datetime(2025, 7, 1)


def seed(con) -> None:
    manifests = [
        ("a/torchrepo", "requirements.txt", "torch>=2\nnumpy\n"),
        ("b/tfrepo", "setup.py", "from setuptools import setup\nsetup(install_requires=['tensorflow'])\n"),
        ("c/nothing", "requirements.txt", "numpy\n"),
        ("d/clone", "requirements.txt", "flax\n"),
    ]
    for repo, path, content in manifests:
        con.execute("insert into github_manifests values (?, ?, ?, 'github-graphql', ?)",
                    [repo, path, content, NOW])
    links = [("p1", "a/torchrepo", "pytorch"), ("p2", "c/nothing", "tensorflow"),
             ("p3", "c/nothing", "tensorflow"), ("p4", "c/nothing", "none"), ("p5", "z/unrelated", "jax")]
    for paper, repo, label in links:
        con.execute("insert into pwc_paper_repos (paper_id, repo, pwc_framework, _source, _fetched_at) "
                    "values (?, ?, ?, 'pwc-dump', ?)", [paper, repo, label, NOW])


def make_clones(root):
    (root / "d__clone" / "model").mkdir(parents=True)
    (root / "d__clone" / "model" / "net.py").write_text(
        "import jax\nimport flax.linen as nn\n\n\nclass MLP(nn.Module):\n    pass\n")
    (root / "e__only").mkdir()
    (root / "e__only" / "train.py").write_text("import torch\n")
    (root / "not-a-checkout").mkdir()
    return root


ROWS = "select repo, framework, evidence, source, score, is_primary from repo_frameworks order by all"
EXPECTED = [
    ("a/torchrepo", "pytorch", "label", "pwc_label", 1.0, False),
    ("a/torchrepo", "pytorch", "manifest", "manifest", 1.0, True),
    ("b/tfrepo", "tensorflow", "manifest", "manifest", 1.0, True),
    ("c/nothing", "none", "label", "pwc_label", 0.333, False),
    ("c/nothing", "tensorflow", "label", "pwc_label", 0.667, True),
    ("d/clone", "jax", "import", "code", 1.0, True),
    ("d/clone", "jax", "manifest", "manifest", 1.0, True),
    ("d/clone", "jax", "model", "code", 1.0, True),
    ("e/only", "pytorch", "import", "code", 1.0, True),
]


def test_detect_ingested_exact_rows(con, settings, tmp_path):
    seed(con)
    clones = make_clones(tmp_path / "clones")
    assert detect_ingested(con, settings, clones_dir=clones) == {"repo_frameworks": len(EXPECTED)}
    assert con.execute(ROWS).fetchall() == EXPECTED
    details = con.execute("select details from repo_frameworks where repo = 'd/clone' and evidence = 'manifest'"
                          ).fetchall()[0][0]
    assert json.loads(details) == [{"path": "requirements.txt", "line": 1, "kind": "manifest",
                                    "context": "required", "name": "flax"}]


def test_detect_ingested_is_idempotent_and_replaces_old_rows(con, settings, tmp_path):
    seed(con)
    con.execute("insert into repo_frameworks (repo, framework, evidence, source, detected_at) "
                "values ('a/torchrepo', 'keras', 'import', 'code', now())")
    clones = make_clones(tmp_path / "clones")
    detect_ingested(con, settings, clones_dir=clones)
    detect_ingested(con, settings, clones_dir=clones)
    assert con.execute(ROWS).fetchall() == EXPECTED
    assert con.execute("select count(*) = count(distinct (repo, framework, evidence)) from repo_frameworks"
                       ).fetchall()[0][0]


def test_detect_ingested_without_clones_and_no_framework(con, settings):
    con.execute("insert into github_manifests values ('x/plain', 'requirements.txt', 'requests', 'g', now())")
    assert detect_ingested(con, settings) == {"repo_frameworks": 1}
    assert con.execute(ROWS).fetchall() == [("x/plain", "none", "scan", "manifest", None, True)]


def test_missing_clones_dir_is_a_clear_error(con, settings, tmp_path):
    import pytest
    with pytest.raises(FileNotFoundError, match="clones directory"):
        detect_ingested(con, settings, clones_dir=tmp_path / "nope")


# --- the command ------------------------------------------------------------------------------

def run(args, tmp_path):
    return CliRunner().invoke(main, ["--db", str(tmp_path / "t.duckdb"), *args])


def test_cli_json_and_table(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "model.py").write_text("import tensorflow as tf\n")
    result = run(["detect", str(repo), "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"primary": "tensorflow", "frameworks": [{
        "name": "tensorflow", "score": 1.0,
        "evidence": [{"path": "model.py", "line": 1, "kind": "import", "context": "module"}]}]}
    table = run(["detect", str(repo)], tmp_path)
    assert table.exit_code == 0
    assert "primary framework tensorflow" in table.output and "model.py:1" in table.output


def test_cli_errors_and_help(tmp_path):
    missing = run(["detect", str(tmp_path / "nope")], tmp_path)
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    assert run(["detect"], tmp_path).exit_code == 2
    assert run(["detect", str(tmp_path), "--ingested"], tmp_path).exit_code == 2
    assert run(["detect", str(tmp_path), "--clones", str(tmp_path)], tmp_path).exit_code == 2
    bad_clones = run(["detect", "--ingested", "--clones", str(tmp_path / "nope")], tmp_path)
    assert bad_clones.exit_code == 2 and "clones directory" in bad_clones.output
    helped = run(["detect", "--help"], tmp_path)
    assert helped.exit_code == 0 and "--ingested" in helped.output


def test_cli_ingested_writes_rows_and_run_log(tmp_path):
    path = tmp_path / "t.duckdb"
    con = db.connect(path)
    seed(con)
    con.close()
    clones = make_clones(tmp_path / "clones")
    result = run(["detect", "--ingested", "--clones", str(clones)], tmp_path)
    assert result.exit_code == 0, result.output
    assert f"repo_frameworks: {len(EXPECTED)} rows" in result.output
    con = db.connect(path)
    assert con.execute(ROWS).fetchall() == EXPECTED
    assert con.execute("select command, status, rows from runs").fetchall() == [
        ("detect", "succeeded", json.dumps({"repo_frameworks": len(EXPECTED)}))]
    con.close()
