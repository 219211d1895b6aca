"""mltrends: which deep-learning frameworks research and industry use, measured."""

__version__ = "0.1.0"
