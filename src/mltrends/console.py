"""Terminal output: rich progress bars on a terminal, plain log lines elsewhere.

`track` (items) and `progress` (items or bytes, advanced by hand) show counts, rate and
time left: a bar on a terminal, a log line every LOG_EVERY seconds and at the end
elsewhere, nothing with --quiet. With --quiet, warnings of the libraries (urllib3's
retries, Python warnings) go to the log file only (`set_log_file`), not to the screen.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

T = TypeVar("T")

console = Console(stderr=True)
log = logging.getLogger("mltrends")
_state = {"quiet": False, "verbose": False}
LOG_EVERY = 10.0               # seconds between progress lines when stderr is not a terminal
LIBRARY_LOGGERS = ("urllib3", "requests", "huggingface_hub", "filelock", "py.warnings", "fsspec")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OnlyOurs(logging.Filter):
    """On the screen under --quiet: mltrends' own warnings, and errors from anyone."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or record.name.split(".")[0] not in LIBRARY_LOGGERS


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """Set the verbosity for this process: --quiet, --verbose or the default."""
    _state["quiet"], _state["verbose"] = quiet, verbose
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format=FORMAT, stream=sys.stderr, force=True)
    log.setLevel(level)
    logging.captureWarnings(quiet)
    if quiet:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_OnlyOurs())
        warnings.simplefilter("default")


class _LazyFile(logging.FileHandler):
    """A log file made (with its folder) only when the first record arrives."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, delay=True, encoding="utf-8")

    def _open(self):  # type: ignore[no-untyped-def]
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()


def set_log_file(path: str | Path) -> None:
    """Under --quiet, library warnings are written here (the file is made on the first one)."""
    if not _state["quiet"]:
        return
    handler = _LazyFile(path)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(lambda record: record.name.split(".")[0] in LIBRARY_LOGGERS)
    logging.getLogger().addHandler(handler)


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


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} GB"


def progress_line(label: str, done: float, total: float | None, seconds: float, unit: str = "",
                  base: float = 0.0) -> str:
    """One plain progress line: done of total (percent), rate (of what was done since `base`), time left."""
    if unit == "%":
        text = f"{label}: {done:.0f}%"
        return text + (f", done in {_duration(seconds)}" if done >= 100 else f", {_duration(seconds)} so far")
    as_bytes = unit == "bytes"
    show = human_bytes if as_bytes else (lambda n: f"{n:,.0f}")
    rate = (done - base) / seconds if seconds > 0 else 0.0
    text = f"{label}: {show(done)}"
    if total:
        text += f" of {show(total)} ({done / total:.0%})"
    if not as_bytes and unit:
        text += f" {unit}"
    if rate > 0:
        text += f", {human_bytes(rate)}/s" if as_bytes else f", {rate:,.1f}/s"
        if total and done < total:
            text += f", about {_duration((total - done) / rate)} left"
    return text + f", {_duration(seconds)} so far" if not total or done < total else \
        text + f", done in {_duration(seconds)}"


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Meter:
    """A progress meter advanced by hand: `advance(n)`; `total` may be set late."""

    def __init__(self, label: str, total: float | None, unit: str, bar: Any = None, task: Any = None,
                 done: float = 0.0) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.done = self.base = done
        self.started = self._last = time.monotonic()
        self.logged = -1.0
        self._bar, self._task = bar, task

    def advance(self, n: float = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, total=self.total)
        elif not _state["quiet"] and time.monotonic() - self._last >= LOG_EVERY:
            self._last, self.logged = time.monotonic(), self.done
            log.info(self.line())

    def line(self) -> str:
        return progress_line(self.label, self.done, self.total, time.monotonic() - self.started, self.unit,
                             self.base)


@contextlib.contextmanager
def progress(label: str, total: float | None = None, unit: str = "", done: float = 0.0) -> Iterator[Meter]:
    """A meter for long work: a rich bar on a terminal, a log line every LOG_EVERY s elsewhere.

    unit="bytes" shows sizes, transfer rate and time left (downloads); `done` is work done
    before (a resumed download), counted in the total but not in the rate.
    """
    if not interactive():
        meter = Meter(label, total, unit, done=done)
        yield meter
        if not _state["quiet"] and (meter.done or meter.total) and meter.logged != meter.done:
            log.info(meter.line())
        return
    if unit == "bytes":
        columns = [TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn()]
    else:
        columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn(unit), TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total, completed=done)
        meter = Meter(label, total, unit, bar, task, done=done)
        yield meter
    info(meter.line())


def track(items: Iterable[T], total: int | None = None, label: str = "working") -> Iterator[T]:
    """Iterate with progress (counts, rate, time left): a bar on a terminal, log lines elsewhere."""
    with progress(label, total) as meter:
        for item in items:
            yield item
            meter.advance()


@contextlib.contextmanager
def watch_query(con: Any, label: str) -> Iterator[None]:
    """While a long DuckDB statement runs on `con`, report its progress (DuckDB's estimate)."""
    if _state["quiet"]:
        yield
        return
    stop = threading.Event()
    try:
        con.execute("set enable_progress_bar = true; set enable_progress_bar_print = false")
    except Exception:  # an older DuckDB: no progress, the load still runs
        yield
        return

    def poll(meter: Meter) -> None:
        while not stop.wait(0.5):
            with contextlib.suppress(Exception):
                percent = con.query_progress()
                if percent is not None and percent >= 0:
                    meter.advance(percent - meter.done)

    with progress(label, total=100, unit="%") as meter:
        thread = threading.Thread(target=poll, args=(meter,), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            meter.advance(100 - meter.done)
