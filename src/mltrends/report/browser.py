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
    static: int = 0                 # charts whose build-time SVG shows (the view without scripts)
    scroll_width: int = 0           # document width; wider than the viewport = sideways scroll
    viewport_width: int = 0

    @property
    def scrolls_sideways(self) -> bool:
        return self.scroll_width > self.viewport_width

    @property
    def ok(self) -> bool:
        return (self.charts == self.rendered and not self.console_errors
                and not self.blocked_requests and not self.scrolls_sideways)


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
                timeout_ms: int = 60_000, width: int = 1100,
                javascript: bool = True) -> list[PageCheck]:
    """Load each URL; report charts drawn, console errors, blocked requests, sideways scroll.

    offline=True turns the browser's network off; either way every request whose URL does not
    start with one of `allowed` is aborted and counted. The first page is photographed (full
    page) when screenshot is given. `width` is the viewport's CSS width (390: a phone);
    javascript=False checks the page as a reader with scripts off sees it: every chart then
    counts as drawn when its build-time SVG shows.
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
                offline=offline, viewport={"width": width, "height": 900}, service_workers="block",
                java_script_enabled=javascript)
            try:
                for i, url in enumerate(urls):
                    results.append(_check(context, url, allowed, timeout_ms,
                                          screenshot if i == 0 else None, javascript))
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return results


def _check(context: object, url: str, allowed: tuple[str, ...], timeout_ms: int,
           screenshot: Path | None, javascript: bool = True) -> PageCheck:
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
    if javascript:
        try:
            page.wait_for_function(
                "['done', 'error'].includes(document.body.getAttribute('data-charts'))", timeout=timeout_ms)
        except PlaywrightTimeout:
            result.console_errors.append(f"charts did not finish drawing within {timeout_ms / 1000:.0f} s")
    # a chart counts when its container holds a drawing of some size that is shown
    state = page.evaluate("""() => Array.from(document.querySelectorAll('.chart')).map(el => {
        const box = el.parentElement;
        const shown = (node) => node && node.getBoundingClientRect().width > 50
            && node.getBoundingClientRect().height > 30;
        const stat = box && box.querySelector('.chart-static svg');
        return [el.id, shown(el.querySelector('svg, canvas')), shown(stat)];
    })""")
    result.charts = len(state)
    drawn = [name for name, live, static in state if (live if javascript else static)]
    result.rendered = len(drawn)
    result.static = sum(1 for _, _, static in state if static)
    result.not_rendered = [name for name, *_ in state if name not in drawn]
    result.scroll_width, result.viewport_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    result.title = page.title()
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return result
