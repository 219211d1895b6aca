"""The package outside its checkout: build the wheel offline, install it into a fresh
virtual environment in a temporary folder, and run the demo and the classifier there."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(900)  # builds, installs and runs the whole demo
BASE_ONLY = """import sys


class _NoRepro:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "ray"):
            raise ModuleNotFoundError(f"No module named {name!r} (a base install, without [repro])")
        return None


sys.meta_path.insert(0, _NoRepro())
"""


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd[:3]} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    pytest.importorskip("hatchling", reason="the wheel is built with the local hatchling ([dev] extra)")
    tmp = tmp_path_factory.mktemp("wheel")
    # offline: no index, no build isolation (hatchling comes from this environment)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
          "-q", "-w", str(tmp / "dist"), str(ROOT)], cwd=tmp)
    wheel = next((tmp / "dist").glob("mltrends-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    # reuse the dependencies already installed here (offline and fast); the package itself
    # comes only from the wheel: a plain path line does not run this environment's .pth hooks
    (site / "_reuse_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # the base install: the [repro] extra's heavy parts (PyTorch, Ray) are not importable
    # there, so the demo, the report and the classifier must run without them
    (site / "_mltrends_base_only.py").write_text(BASE_ONLY)
    (site / "_mltrends_base_only.pth").write_text("import _mltrends_base_only\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(wheel)], cwd=tmp)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MLTRENDS_") and k not in {"GITHUB_TOKEN", "PYTHONPATH"}}
    env.update(MLTRENDS_MODELS_DIR=str(tmp / "models"), MLTRENDS_REPORTS_DIR=str(tmp / "reports"))
    work = tmp / "elsewhere"
    work.mkdir()
    return {"wheel": wheel, "bin": venv / "bin", "env": env, "work": work}


def test_the_wheel_holds_every_bundled_file(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for needed in ("mltrends/sql/schema/001_core.sql", "mltrends/sql/macros/stats.sql",
                   "mltrends/data/published_figures.csv", "mltrends/data/labels/owners.csv",
                   "mltrends/data/pypi_families.toml", "mltrends/data/tracked_orgs.toml",
                   "mltrends/detect/frameworks.toml", "mltrends_demo/inputs/pwc/links.json.gz"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "mltrends/faults", "mltrends/demo/")) for n in names)


def test_demo_and_classify_evaluate_run_from_the_installed_wheel(installed):
    bin_, env, work = installed["bin"], installed["env"], installed["work"]
    where = _run([str(bin_ / "python"), "-c", "import mltrends, mltrends_demo; "
                  "print(mltrends.__file__); print(mltrends_demo.__file__)"], cwd=work, env=env)
    assert all(str(bin_.parent) in line for line in where.stdout.splitlines()), where.stdout
    no_torch = subprocess.run([str(bin_ / "python"), "-c", "import torch"], cwd=work, env=env,
                              capture_output=True, text=True)
    assert no_torch.returncode != 0 and "base install" in no_torch.stderr
    # the demo writes data/demo.duckdb and reports/demo/ under the current folder
    _run([str(bin_ / "mltrends"), "demo"], cwd=work, env=env, timeout=900)
    demo_db = work / "data" / "demo.duckdb"
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert con.execute("select count(*) from paper_implementations").fetchall()[0][0] > 0
        # the published figures travelled with the wheel: the venue comparison has them
        assert con.execute("select count(*) from framework_share_by_venue "
                           "where published_share is not null").fetchall()[0][0] > 0
    finally:
        con.close()
    assert (work / "reports" / "demo" / "latest" / "index.html").is_file()
    evaluated = _run([str(bin_ / "mltrends"), "--db", str(demo_db), "classify",
                      "evaluate"], cwd=work, env=env)
    assert "macro" in (evaluated.stdout + evaluated.stderr).lower()
