"""The closed vocabularies: frameworks, owner sectors, repository purposes.

The one place they are written; the classifiers, the loaders, the marts' data tests and
the report read them from here.
"""

from __future__ import annotations

FRAMEWORKS = ("pytorch", "tensorflow", "jax", "keras", "mxnet", "paddle", "mindspore", "other", "none")
FRAMEWORK_LABELS = {
    "pytorch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX", "keras": "Keras",
    "mxnet": "MXNet", "paddle": "PaddlePaddle", "mindspore": "MindSpore", "other": "other",
    "none": "none detected",
}
UNKNOWN = "unknown"  # what a classifier says when it is not sure enough
SECTORS = ("academic", "industry", "individual", "nonprofit_or_government")
PURPOSES = ("production", "research_artefact")
