"""Framework detection from code and manifests (static: nothing is imported or executed).

`detect_path(dir)` scans a checkout, `detect_manifests({path: text})` scans the files
GitHub returned, `detect_ingested(con, settings)` writes `repo_frameworks` for the
repositories in the database.
"""

from mltrends.detect.ingested import detect_ingested
from mltrends.detect.model import DetectionResult, Evidence, FrameworkResult, load_mapping
from mltrends.detect.scan import Reader, detect_manifests, detect_path

__all__ = ["DetectionResult", "Evidence", "FrameworkResult", "Reader", "detect_ingested",
           "detect_manifests", "detect_path", "load_mapping"]
