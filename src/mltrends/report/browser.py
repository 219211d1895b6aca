"""Open a report in a real headless Chromium with the network off, and check it.

Used by the browser test and by `mltrends report --screenshot`. Every request that is
not for a local file (or the allowed local server) is aborted and counted.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


class BrowserUnavailable(Exception):
    """No Chromium (or no playwright) on this machine."""

    user_facing = True


@dataclass
class PageCheck:
    url: str
    charts: int = 0                 # chart containers on the page
    rendered: int = 0               # containers holding an <svg> or <canvas>
    not_rendered: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def ok(self) -> bool:
        return (self.charts == self.rendered and not self.console_errors
                and not self.blocked_requests)


def browser_missing(executable: str = CHROMIUM) -> str | None:
    """Why the browser check cannot run here, or None when it can."""
    if not Path(executable).exists():
        return f"no Chromium at {executable} (install Debian's `chromium` package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install 'mltrends[dev]')"
    return None


def check_pages(urls: list[str], screenshot: Path | None = None, allowed: tuple[str, ...] = ("file://",),
                offline: bool = True, executable: str = CHROMIUM,
                timeout_ms: int = 60_000) -> list[PageCheck]:
    """Load each URL; report charts drawn, console errors and blocked requests.

    offline=True turns the browser's network off; either way every request whose URL does not
    start with one of `allowed` is aborted and counted. The first page is photographed (full
    page) when screenshot is given.
    """
    reason = browser_missing(executable)
    if reason:
        raise BrowserUnavailable(reason)
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="mltrends-chromium-")
    results = []
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=LAUNCH_ARGS,
                offline=offline, viewport={"width": 1100, "height": 900}, service_workers="block")
            try:
                for i, url in enumerate(urls):
                    results.append(_check(context, url, allowed, timeout_ms,
                                          screenshot if i == 0 else None))
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return results


def _check(context: object, url: str, allowed: tuple[str, ...], timeout_ms: int,
           screenshot: Path | None) -> PageCheck:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    result = PageCheck(url)

    def route(r: object) -> None:
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            result.blocked_requests.append(r.request.url)
            r.abort()

    page = context.new_page()
    page.route("**/*", route)
    page.on("console", lambda msg: msg.type == "error" and result.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: result.console_errors.append(f"uncaught: {exc}"))
    page.goto(url, wait_until="load", timeout=timeout_ms)
    try:
        page.wait_for_function("['done', 'error'].includes(document.body.getAttribute('data-charts'))",
                               timeout=timeout_ms)
    except PlaywrightTimeout:
        result.console_errors.append(f"charts did not finish drawing within {timeout_ms / 1000:.0f} s")
    state = page.evaluate("""() => Array.from(document.querySelectorAll('.chart')).map(
        el => [el.id, !!el.querySelector('svg, canvas')])""")
    result.charts = len(state)
    result.rendered = sum(1 for _, drawn in state if drawn)
    result.not_rendered = [name for name, drawn in state if not drawn]
    result.title = page.title()
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return result
