"""`mltrends report`: write the trend report (HTML, Markdown, chart images, CSVs)."""

from __future__ import annotations

from pathlib import Path

import click

from mltrends.commands import App, pass_app


class ReportCheckFailed(click.ClickException):
    """The report was written but did not pass the browser check."""

    exit_code = 3


@click.command("report")
@click.option("--out", "out_dir", metavar="DIR", type=click.Path(file_okay=False), default=None,
              help="Write here instead of <reports_dir>/<YYYY-MM-DD>/ (then `latest` is left alone "
                   "unless DIR is inside reports_dir).")
@click.option("--demo/--no-demo", default=None,
              help="Label the report as synthetic demo data, or not [default: detect from the data].")
@click.option("--screenshot", is_flag=True,
              help="Open the page in headless Chromium with the network off, check that every chart "
                   "drew, and save screenshot.png next to index.html (exit 3 when the check fails).")
@pass_app
def report(app: App, out_dir: str | None, demo: bool | None, screenshot: bool) -> None:
    """Write the trend report from the database's marts.

    Writes index.html (one self-contained page, no outside requests), report.md, charts/*.png
    and *.svg, and data/*.csv behind every chart, then points <reports_dir>/latest at it.
    Prints the path of index.html. Exit codes: 0 written, 2 cannot be written, 3 written but the
    browser check (--screenshot) failed.
    """
    from mltrends import synthetic
    from mltrends.report import write_report

    if not Path(app.settings.db).exists():
        raise FileNotFoundError(f"database {app.settings.db} does not exist "
                                "(run `mltrends refresh` or `mltrends demo` first)")
    # only reads: a reader holding the published file (a DuckDB CLI, a BI tool) is no obstacle
    con = app.connect()
    try:
        if demo is False and synthetic.is_marked(con):
            raise click.UsageError(f"{app.settings.db} is marked as synthetic demo data; "
                                   "its report keeps the synthetic-data labels (--no-demo refused)")
        folder = write_report(con, app.settings, out_dir=out_dir, demo=demo)
    finally:
        con.close()
    index = folder / "index.html"
    click.echo(str(index))
    if screenshot:
        from mltrends.report.browser import check_pages

        shot = folder / "screenshot.png"
        result = check_pages([index.resolve().as_uri()], screenshot=shot)[0]
        click.echo(f"browser check: {result.rendered}/{result.charts} charts drawn, "
                   f"{len(result.console_errors)} console errors, "
                   f"{len(result.blocked_requests)} outside requests; screenshot {shot}")
        if not result.ok:
            problems = result.console_errors[:3] + result.blocked_requests[:3] + result.not_rendered[:3]
            raise ReportCheckFailed("the report did not pass the browser check: " + "; ".join(problems))


COMMANDS: list[click.Command] = [report]
