"""Published re-execution rates of large studies, to read this sample's stage rates against.

The figures live in mltrends/data/reexecution_studies.csv with their citation, population and
definition; a row gives either numerator/denominator or only the rate the study reports.
Each maps to the stage of our ladder it is closest to (`comparable_stage`): these are
different populations (R scripts, notebooks) measured with their own definitions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from mltrends import bundled


@dataclass(frozen=True)
class PublishedRate:
    study: str
    short: str
    citation: str
    population: str
    measure: str
    definition: str
    rate: float
    numerator: int | None
    denominator: int | None
    comparable_stage: str


def studies_path() -> Path:
    return bundled.path("data", "reexecution_studies.csv")


def load(path: Path | None = None) -> list[PublishedRate]:
    """The published rates; an absent file gives none (the summary then shows only ours)."""
    path = path or studies_path()
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            num = int(row["numerator"]) if row.get("numerator") else None
            den = int(row["denominator"]) if row.get("denominator") else None
            rate = float(row["rate"]) if row.get("rate") else (num / den if num is not None and den else None)
            if rate is None:
                continue
            out.append(PublishedRate(row["study"], row["short"], row["citation"], row["population"], row["measure"],
                                     row["definition"], rate, num, den, row["comparable_stage"]))
    return out
