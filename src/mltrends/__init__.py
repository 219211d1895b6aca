"""mltrends: which deep-learning frameworks research and industry use, measured."""

__version__ = "0.1.0"

FRAMEWORKS = ("pytorch", "tensorflow", "jax", "keras", "mxnet", "paddle", "mindspore", "other", "none")
