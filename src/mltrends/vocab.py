"""The closed vocabularies: frameworks, owner sectors, repository purposes.

The one place they are written; the classifiers, the loaders, the marts' data tests and
the report read them from here.
"""

from __future__ import annotations

FRAMEWORKS = ("pytorch", "tensorflow", "jax", "keras", "mxnet", "paddle", "mindspore", "other", "none")
UNKNOWN = "unknown"  # what a classifier says when it is not sure enough
SECTORS = ("academic", "industry", "individual", "nonprofit_or_government")
PURPOSES = ("production", "research_artefact")
