"""Terminal output: rich progress bars on a terminal, plain log lines elsewhere."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

console = Console(stderr=True)
log = logging.getLogger("mltrends")
_state = {"quiet": False, "verbose": False}


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """Set the verbosity for this process: --quiet, --verbose or the default."""
    _state["quiet"], _state["verbose"] = quiet, verbose
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr, force=True)
    log.setLevel(level)


def interactive() -> bool:
    return console.is_terminal and not _state["quiet"]


def info(message: str) -> None:
    """A progress message: rich on a terminal, a log line elsewhere, nothing when quiet."""
    if _state["quiet"]:
        return
    if console.is_terminal:
        console.print(message)
    else:
        log.info(message)


def track(items: Iterable[T], total: int | None = None, label: str = "working") -> Iterator[T]:
    """Iterate with a progress bar (counts, rate, ETA) on a terminal; quiet otherwise."""
    if not interactive():
        yield from items
        return
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
               TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total, rate="")
        for item in items:
            yield item
            progress.advance(task)
            speed = progress.tasks[0].speed
            if speed:
                progress.update(task, rate=f"{speed:,.1f}/s")
