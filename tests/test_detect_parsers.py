"""Unit tests of the detector's parts: manifest parsers, import contexts, tree rules, JSON."""

from __future__ import annotations

import json

import nbformat

from mltrends.detect import detect_manifests, detect_path, load_mapping
from mltrends.detect import manifests as mf
from mltrends.detect.imports import relevant_pattern, scan_notebook, scan_python
from mltrends.detect.tree import file_kind, list_tree

RELEVANT = relevant_pattern(list(load_mapping().imports) + list(load_mapping().multi))


def imports_of(source: str) -> list[tuple[str, int, str]]:
    scan = scan_python(source.encode(), RELEVANT)
    return [] if scan is None else [(h.module, h.line, h.context) for h in scan.imports]


# --- requirements and pip lines --------------------------------------------------------

def test_requirement_names():
    assert mf.requirement_name("torch>=1.8 ; python_version > '3.6'") == "torch"
    assert mf.requirement_name("tensorflow-gpu==1.15.0") == "tensorflow-gpu"
    assert mf.requirement_name("mmcv-full[all]>=1.3") == "mmcv-full"
    assert mf.requirement_name("git+https://github.com/facebookresearch/detectron2.git") == "detectron2"
    assert mf.requirement_name("git+https://github.com/x/y.git#egg=apex") == "apex"
    assert mf.requirement_name(
        "https://download.pytorch.org/whl/cu113/torch-1.11.0%2Bcu113-cp38-linux_x86_64.whl") == "torch"
    assert mf.requirement_name("pytorch::pytorch=1.12") == "pytorch"
    assert mf.requirement_name("torch @ https://example.org/torch.whl") == "torch"
    assert mf.requirement_name("-e .") is None
    assert mf.requirement_name("./local/pkg") is None


def test_parse_requirements_lines_and_includes():
    text = ("# comment\ntorch==2.0  # pinned\n\n-r base.txt\n--requirement=extra.txt\n"
            "-c constraints.txt\n--extra-index-url https://download.pytorch.org/whl/cu118\n"
            "-e git+https://github.com/open-mmlab/mmcv.git#egg=mmcv\n")
    reqs, includes = mf.parse_requirements(text, "required")
    assert reqs == [mf.Req("torch", 2, "required"), mf.Req("mmcv", 8, "required")]
    assert includes == [("base.txt", 4), ("extra.txt", 5)]


def test_pip_install_names_skip_options():
    assert mf.pip_install_names("-q -U torch==2.0 torchvision --index-url https://x/y jax && ls") == [
        "torch", "torchvision", "jax"]
    assert mf.pip_install_names("-r requirements.txt 'tensorflow>=2'") == ["tensorflow"]


def test_context_from_file_names():
    assert mf.context_from_name("requirements.txt") == "required"
    assert mf.context_from_name("requirements-dev.txt") == "dev"
    assert mf.context_from_name("requirements/test.txt") == "dev"
    assert mf.context_from_name("docs/requirements.txt") == "docs"


# --- setup.py, setup.cfg, pyproject, Pipfile, environment, Dockerfile -----------------------

def test_setup_py_is_read_not_executed(tmp_path):
    marker = tmp_path / "executed"
    source = (f"open({str(marker)!r}, 'w').write('x')\n"
              "from setuptools import setup\nBASE = ['numpy']\nTORCH = ['torch>=1.6']\n"
              "setup(name='x', install_requires=BASE + TORCH,\n"
              "      extras_require={'tf': ['tensorflow'], 'dev': ['pytest']},\n"
              "      tests_require=['jax'])\n")
    reqs = mf.parse_setup_py(source.encode())
    assert not marker.exists()
    assert reqs == [mf.Req("numpy", 3, "required"), mf.Req("torch", 4, "required"),
                    mf.Req("tensorflow", 6, "optional"), mf.Req("pytest", 6, "dev"),
                    mf.Req("jax", 7, "dev")]


def test_setup_py_python2_falls_back_to_quoted_names():
    source = b"print 'building'\nfrom setuptools import setup\nsetup(install_requires=['theano', 'lasagne'])\n"
    assert [r.name for r in mf.parse_setup_py(source)] == ["building", "theano", "lasagne"]


def test_setup_cfg():
    text = ("[metadata]\nname = x\n[options]\ninstall_requires =\n    torch>=1.9\n    numpy\n"
            "[options.extras_require]\ntest =\n    tensorflow\nviz = matplotlib\n")
    assert mf.parse_setup_cfg(text) == [mf.Req("torch", 5, "required"), mf.Req("numpy", 6, "required"),
                                        mf.Req("tensorflow", 9, "dev"),
                                        mf.Req("matplotlib", 10, "optional")]


def test_pyproject_pep621_and_poetry():
    pep621 = ('[build-system]\nrequires = ["setuptools", "torch"]\n[project]\nname = "x"\n'
              'dependencies = [\n  "jax>=0.4",\n]\n[project.optional-dependencies]\n'
              'tf = ["tensorflow"]\ntest = ["pytest"]\n')
    assert mf.parse_pyproject(pep621) == [
        mf.Req("jax", 6, "required"), mf.Req("tensorflow", 9, "optional"),
        mf.Req("pytest", 10, "dev"), mf.Req("setuptools", 2, "required"), mf.Req("torch", 2, "required")]
    poetry = ('[tool.poetry.dependencies]\npython = "^3.10"\npaddlepaddle = "^2.5"\n'
              '[tool.poetry.dev-dependencies]\ntorch = "*"\n'
              '[tool.poetry.group.docs.dependencies]\nsphinx = "*"\n')
    assert mf.parse_pyproject(poetry) == [mf.Req("paddlepaddle", 3, "required"),
                                          mf.Req("torch", 5, "dev"), mf.Req("sphinx", 7, "docs")]
    assert [r.name for r in mf.parse_pyproject('dependencies = ["torch"\n')] == ["torch"]


def test_pipfile():
    text = '[packages]\ntensorflow = "==2.6"\n[dev-packages]\ntorch = "*"\n'
    assert mf.parse_pipfile(text) == [mf.Req("tensorflow", 2, "required"), mf.Req("torch", 4, "dev")]


def test_environment_yml_with_pip_sublist_and_broken_yaml():
    text = ("name: x\nchannels: [pytorch]\ndependencies:\n  - python=3.9\n  - pytorch::pytorch=1.12\n"
            "  - pip:\n    - tensorflow-gpu==2.3\n")
    assert mf.parse_environment(text) == [mf.Req("python", 4, "required"),
                                          mf.Req("pytorch", 5, "required"),
                                          mf.Req("tensorflow-gpu", 7, "required")]
    broken = "dependencies:\n  - torch\n  - : : bad\n\t- jax\n"
    assert [r.name for r in mf.parse_environment(broken)] == ["torch", "jax"]


def test_dockerfile_images_pip_and_backend():
    text = ("# syntax=docker/dockerfile:1\nFROM --platform=linux/amd64 pytorch/pytorch:2.1.0-cuda12.1 AS build\n"
            "ENV KERAS_BACKEND=jax\nRUN pip install --no-cache-dir \\\n    flax \\\n    optax && rm -rf /tmp\n"
            "FROM nvcr.io/nvidia/tensorflow:23.03-tf2-py3\n")
    images, reqs, backends = mf.parse_dockerfile(text)
    assert images == [("pytorch/pytorch:2.1.0-cuda12.1", 2), ("nvcr.io/nvidia/tensorflow:23.03-tf2-py3", 7)]
    assert reqs == [mf.Req("flax", 4, "required"), mf.Req("optax", 4, "required")]
    assert backends == [("jax", 3)]


# --- Python imports and their contexts ----------------------------------------------------

def test_import_contexts_module_function_try():
    source = ("import os\nimport torch\nfrom torch import nn as tnn\n"
              "try:\n    import tensorflow as tf\nexcept ImportError:\n    import jax\n"
              "try:\n    import mxnet\nexcept KeyError:\n    pass\n"
              "def f():\n    import paddle\n    try:\n        import mindspore\n    except:\n        pass\n"
              "from . import torch as local\n")
    assert imports_of(source) == [
        ("os", 1, "module"), ("torch", 2, "module"), ("torch", 3, "module"), ("tensorflow", 5, "try"), ("jax", 7, "try"),
        ("mxnet", 9, "module"), ("paddle", 13, "function"), ("mindspore", 15, "try")]


def test_dynamic_imports_and_keras_backend_pins():
    source = ('import importlib, os\nos.environ["KERAS_BACKEND"] = "torch"\n'
              'os.environ.setdefault("KERAS_BACKEND", "jax")\nimport keras\n'
              'keras.config.set_backend("tensorflow")\nm = importlib.import_module("flax.linen")\n'
              'def g():\n    return __import__("torch")\n')
    scan = scan_python(source.encode(), RELEVANT)
    assert scan.backends == [("torch", 2), ("jax", 3), ("tensorflow", 5)]
    assert [(h.module, h.line, h.context) for h in scan.imports] == [
        ("importlib", 1, "module"), ("os", 1, "module"), ("keras", 4, "module"),
        ("flax.linen", 6, "module"), ("torch", 8, "function")]


def test_file_without_known_imports_is_not_parsed():
    assert scan_python(b"import numpy as np\nx = np.zeros(3)  # torch-like\n", RELEVANT) is None


def test_prefix_parse_gives_the_same_imports_as_a_full_parse():
    body = "\n".join(f"def f{i}():\n    return {i}\n" for i in range(50))
    source = f"import torch\ntry:\n    import jax\nexcept ImportError:\n    jax = None\n{body}\nclass M(torch.nn.Module):\n    pass\n"
    scan = scan_python(source.encode(), RELEVANT)
    assert [(h.module, h.context) for h in scan.imports] == [("torch", "module"), ("jax", "try")]
    assert scan.bases == [("torch.nn.Module", source.splitlines().index("class M(torch.nn.Module):") + 1)]


def test_python2_file_uses_the_regex_fallback():
    scan = scan_python(b'print "hi"\nimport tensorflow as tf\ndef f():\n    import torch\n', RELEVANT)
    assert scan.fallback
    assert [(h.module, h.line, h.context) for h in scan.imports] == [
        ("tensorflow", 2, "module"), ("torch", 4, "function")]


def test_latin1_file_without_coding_line_is_parsed():
    source = '__author__ = "José"\nimport torch\n'.encode("latin-1")
    scan = scan_python(source, RELEVANT)
    assert scan.latin1 and not scan.fallback and scan.imports[0].module == "torch"


def test_null_bytes_do_not_crash():
    scan = scan_python(b"import torch\x00\n", RELEVANT)
    assert scan.fallback and scan.imports[0].module == "torch"


# --- notebooks -----------------------------------------------------------------------------

def test_notebook_cells_magics_and_pip_lines():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("import tensorflow  # prose, not code"),
        nbformat.v4.new_code_cell("!pip install -q torch torchvision\n%matplotlib inline\nimport torch"),
        nbformat.v4.new_code_cell("%%bash\npip install jax\nls"),
        nbformat.v4.new_code_cell("%%time\nimport paddle\nx = ("),
    ])
    cells, broken = scan_notebook(nbformat.writes(nb).encode(), RELEVANT)
    assert not broken
    assert [(c.cell, c.pip) for c in cells] == [
        (2, [("-q torch torchvision", 1)]), (3, [("jax", 2)]), (4, [])]
    assert [h.module for h in cells[0].scan.imports] == ["torch"]
    assert cells[1].scan is None
    # the broken last line lies after the last import: the parsed prefix stops before it
    assert not cells[2].scan.fallback and cells[2].scan.imports[0].module == "paddle"


def test_broken_notebook_falls_back_to_regex():
    raw = b'{"cells": [{"cell_type": "code", "source": [\n    "import jax\\n",\n    "!pip install flax\\n'
    cells, broken = scan_notebook(raw, RELEVANT)
    assert broken and [h.module for h in cells[0].scan.imports] == ["jax"]
    assert cells[0].pip and "flax" in cells[0].pip[0][0]


# --- tree rules ----------------------------------------------------------------------------

def test_file_kinds():
    assert file_kind("a/setup.py") == "setup_py"
    assert file_kind("requirements-dev.txt") == "requirements"
    assert file_kind("requirements/base.txt") == "requirements"
    assert file_kind("notes.txt") is None
    assert file_kind("environment.yaml") == "environment"
    assert file_kind(".github/workflows/ci.yml") is None
    assert file_kind("docker/Dockerfile.gpu") == "dockerfile"
    assert file_kind("README.md") is None


def test_tree_skips_vcs_venv_and_node_modules(tmp_path):
    for rel in [".git/hooks/x.py", "venv/lib/site.py", "node_modules/a/b.py", "env/pyvenv.cfg",
                "env/lib/c.py", "pkg/__pycache__/d.py", "pkg/model.py", "pkg/__init__.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("import torch\n")
    (tmp_path / "big.py").write_bytes(b"#" * 1_200_000)
    tree = list_tree(str(tmp_path))
    assert [rel for rel, _ in tree.files] == ["pkg/__init__.py", "pkg/model.py"]
    assert tree.skipped == 1


def test_shadowing_rules(tmp_path):
    for rel in ["torch.py", "scripts/jax.py", "scripts/run.py", "pkg/__init__.py", "pkg/paddle.py",
                "pkg/use.py", "src/mindspore/__init__.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    tree = list_tree(str(tmp_path))
    assert tree.shadowed("anything.py", "torch")            # repo root module
    assert tree.shadowed("scripts/run.py", "jax")           # script directory
    assert not tree.shadowed("other/run.py", "jax")
    assert not tree.shadowed("pkg/use.py", "paddle")        # sibling inside a package
    assert tree.shadowed("pkg/use.py", "mindspore")         # src/ layout package


# --- results -------------------------------------------------------------------------------

def test_json_shape_is_exact(tmp_path):
    (tmp_path / "train.py").write_text("import os\nimport torch\n")
    out = detect_path(tmp_path).to_json()
    assert out == {"primary": "pytorch", "frameworks": [{"name": "pytorch", "score": 1.0, "evidence": [
        {"path": "train.py", "line": 2, "kind": "import", "context": "module"}]}]}
    assert json.loads(json.dumps(out)) == out


def test_frameworks_sorted_by_score_with_primary_first(tmp_path):
    (tmp_path / "a.py").write_text("import torch\n")
    (tmp_path / "b.py").write_text("import torch\n")
    (tmp_path / "c.py").write_text("import jax\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("import tensorflow\n")
    result = detect_path(tmp_path)
    assert [(f.name, f.score) for f in result.frameworks] == [
        ("pytorch", 0.667), ("jax", 0.333), ("tensorflow", 0.0)]


def test_detect_manifests_from_memory():
    result = detect_manifests({
        "requirements.txt": "-r requirements/base.txt\nnumpy\n",
        "requirements/base.txt": "tensorflow==2.9\n",
        "setup.py": "from setuptools import setup\nsetup(install_requires=['keras'])\n",
        "Dockerfile": b"FROM tensorflow/tensorflow:2.9.1-gpu\n",
    })
    assert result.primary == "tensorflow"
    tf = result.framework("tensorflow")
    assert [(e.path, e.line, e.kind) for e in tf.evidence] == [
        ("Dockerfile", 1, "dockerfile"), ("requirements/base.txt", 1, "manifest")]
    assert result.framework("keras").evidence[0].path == "setup.py"


def test_included_requirements_take_the_includer_context():
    result = detect_manifests({"requirements-dev.txt": "-r common.txt\n", "requirements.txt": "-r common.txt\n",
                               "common.txt": "torch\n"})
    assert [(e.path, e.context) for e in result.framework("pytorch").evidence] == [("common.txt", "required")]


def test_missing_path_is_a_clear_error(tmp_path):
    import pytest
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        detect_path(tmp_path / "nope")


def test_single_file_can_be_scanned(tmp_path):
    (tmp_path / "requirements.txt").write_text("jax\nflax\n")
    assert detect_path(tmp_path / "requirements.txt").primary == "jax"
