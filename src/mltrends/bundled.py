"""Files shipped inside the package: SQL, labels, published figures, framework and package
maps. Found through importlib.resources, so an installed wheel finds them anywhere."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(*parts: str) -> Path:
    """The bundled file or folder `mltrends/<parts>`."""
    return Path(str(resources.files("mltrends").joinpath(*parts)))
