"""One self-contained HTML page: every chart as an SVG drawn at build time, and drawn again
interactively by vegaEmbed on top of it when JavaScript runs.

With scripts off the page still shows every chart (the inline SVG, scaled to the column).
With scripts on, each chart takes the width of its column; on a narrow screen its title is
wrapped, its legend moves below the plot and long axis labels are shortened, so nothing makes
the page scroll sideways.

No request leaves the page: the libraries are inlined, the chart data is inlined in the
specs, fonts are the system's, and the vega-embed action menu (which links to the online
editor) is off.
"""

from __future__ import annotations

import functools
import html
import json
import re
from typing import Any

import vl_convert as vlc

from mltrends.report.model import SYNTHETIC_LABEL, Section, Table

VL_VERSION = "6.4"
COLLAPSE_ROWS = 14  # longer tables start folded (<details>), the chart above them tells the story

CSS = """
:root { --ink:#212529; --muted:#5c636a; --line:#dee2e6; --soft:#f8f9fa; --accent:#1c7ed6; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.55; font-size:16px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Noto Sans", "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 28px 80px; overflow-wrap: break-word; }
@media (max-width: 600px) { main { padding: 16px 12px 48px; } h1 { font-size: 1.5rem; }
  nav.toc ol { columns: 1; } th, td { padding: 4px 5px; } }
h1 { font-size: 2rem; line-height:1.2; margin: 0 0 6px; letter-spacing:-0.01em; }
h2 { font-size: 1.45rem; margin: 48px 0 8px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 24px 0 6px; }
p, li { max-width: 74ch; }
.meta { color: var(--muted); font-size: .92rem; margin: 0 0 18px; }
.banner { background:#fff4e6; border:1px solid #ffc078; color:#8a3c00; padding:10px 14px;
  border-radius:6px; font-weight:600; margin: 12px 0 18px; }
.summary { background: var(--soft); border:1px solid var(--line); border-radius:8px; padding: 4px 22px 12px; }
.summary h2 { border:0; margin-top: 12px; padding-top: 0; font-size:1.2rem; }
.summary li { margin: 6px 0; }
nav.toc { margin: 22px 0 8px; }
nav.toc h2 { border:0; margin: 0 0 4px; padding:0; font-size:1.05rem; }
nav.toc ol { margin: 0; padding-left: 22px; columns: 2; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.intro { color: var(--muted); }
ul.findings li { margin: 4px 0; }
.missing { border-left: 4px solid #adb5bd; background: var(--soft); padding: 8px 14px; margin: 12px 0;
  color: #343a40; }
.missing p { margin: 4px 0; }
figure { margin: 22px 0; min-width: 0; }
.chart-box { display: grid; max-width: 100%; }
.chart-box > * { grid-area: 1 / 1; min-width: 0; }
.chart-static svg { display: block; max-width: 100%; height: auto; }
.chart-box.live .chart-static { display: none; }
.chart { min-width: 0; overflow-x: auto; overflow-y: hidden; }
.chart:empty { display: none; }
.chart .vega-embed { width: 100%; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: 4px; }
figcaption a { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: 8px 0 18px; }
p.caption, summary { font-weight: 600; margin: 14px 0 6px; color: var(--ink); }
summary { cursor: pointer; color: var(--accent); }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
.table-wrap { overflow-x: auto; }
.verdict { display:inline-block; padding: 1px 8px; border-radius: 10px; font-size: .8rem; font-weight:600;
  white-space: nowrap; color:#fff; }
.v-supported { background:#2b8a3e; } .v-contradicted { background:#c92a2a; }
.v-inconclusive { background:#e67700; } .v-not-measurable { background:#868e96; }
.notes { font-size: .93rem; color: #343a40; }
footer { color: var(--muted); font-size: .85rem; margin-top: 56px; border-top:1px solid var(--line); padding-top: 10px; }
"""

RENDER_JS = """
(function () {
  var specs;
  try {
    specs = JSON.parse(document.getElementById('mltrends-specs').textContent);
    if (typeof vegaEmbed !== 'function') { throw new Error('vega-embed did not load'); }
  } catch (err) {
    document.body.setAttribute('data-charts', 'error');
    console.error('charts cannot be drawn: ' + err);
    return;
  }
  function wrap(text, chars) {
    var lines = [], line = '';
    String(text).split(' ').forEach(function (word) {
      if (line && (line + ' ' + word).length > chars) { lines.push(line); line = word; }
      else { line = line ? line + ' ' + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }
  function lines(value, chars) {
    var out = [];
    (Array.isArray(value) ? value : [value]).forEach(function (t) { out = out.concat(wrap(t, chars)); });
    return out;
  }
  function narrow(node, width) {
    if (Array.isArray(node)) { node.forEach(function (n) { narrow(n, width); }); return; }
    if (!node || typeof node !== 'object') { return; }
    if (node.legend && typeof node.legend === 'object') {
      node.legend.orient = 'bottom'; node.legend.direction = 'horizontal';
      node.legend.columns = Math.max(1, Math.floor(width / 200));
    }
    if (node.axis && typeof node.axis === 'object' && node.axis.labelLimit) {
      node.axis.labelLimit = Math.min(node.axis.labelLimit, Math.round(width / 3.5));
    }
    Object.keys(node).forEach(function (k) { if (k !== 'datasets' && k !== 'data') { narrow(node[k], width); } });
  }
  function fit(spec, width) {
    var chars = Math.max(24, Math.floor(width / 8.5));
    if (spec.title && typeof spec.title === 'object') {
      spec.title.text = lines(spec.title.text, chars);
      if (spec.title.subtitle) { spec.title.subtitle = lines(spec.title.subtitle, Math.floor(chars * 1.2)); }
    }
    var single = !spec.facet && !spec.concat && !spec.hconcat && !spec.vconcat && !spec.repeat;
    if (single && typeof spec.width === 'number') {
      spec.width = 'container';
      spec.autosize = {type: 'fit-x', contains: 'padding'};
    }
    if (width < 640) {
      spec.config = spec.config || {};
      spec.config.legend = Object.assign({}, spec.config.legend || {},
        {orient: 'bottom', direction: 'horizontal', columns: Math.max(1, Math.floor(width / 200))});
      narrow(spec, width);
      if (spec.facet && spec.columns) {
        var cell = (spec.spec && spec.spec.width) || 150;
        spec.columns = Math.max(1, Math.min(spec.columns, Math.floor((width - 60) / (cell + 30))));
      }
    }
    return spec;
  }
  var options = {actions: false, renderer: 'svg', mode: 'vega-lite'};
  var jobs = Object.keys(specs).map(function (name) {
    var el = document.getElementById('chart-' + name);
    var box = el.parentNode;
    var width = box.clientWidth || 640;
    return vegaEmbed(el, fit(specs[name], width), options).then(function () {
      el.setAttribute('data-rendered', 'yes');
      box.classList.add('live');
    }).catch(function (err) {
      el.setAttribute('data-rendered', 'error');
      el.textContent = 'This chart could not be drawn: ' + err;
      console.error('chart ' + name + ': ' + err);
    });
  });
  Promise.all(jobs).then(function () { document.body.setAttribute('data-charts', 'done'); });
})();
"""


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script (from vl-convert's bundled copies)."""
    return vlc.javascript_bundle(vl_version=VL_VERSION)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def inline_svg(name: str, svg: str) -> str:
    """An SVG for inlining: ids made unique to its chart, sized by the page (viewBox kept)."""
    prefix = f"c-{name}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'(xlink:)?href="#([^"]+)"', lambda m: f'{m.group(1) or ""}href="#{prefix}{m.group(2)}"', svg)
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)  # implied inside HTML: no URL on the page
    return svg.replace("<svg ", '<svg focusable="false" ', 1)


def _table(table: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table.frame.columns)
    body = []
    for row in table.frame.itertuples(index=False):
        cells = []
        for col, value in zip(table.frame.columns, row, strict=True):
            if col == "Verdict":
                cls = "v-" + str(value).replace(" ", "-")
                cells.append(f'<td><span class="verdict {cls}">{_e(value)}</span></td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    grid = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if len(table.frame) > COLLAPSE_ROWS:
        return (f'<details class="table-wrap"><summary>{_e(table.caption)} '
                f"({len(table.frame)} rows)</summary>{grid}</details>")
    return f'<div class="table-wrap"><p class="caption">{_e(table.caption)}</p>{grid}</div>'


def _section(number: int, sec: Section, svgs: dict[str, str]) -> str:
    parts = [f'<section id="{sec.id}" class="report-section">',
             f"<h2>{number}. {_e(sec.title)}</h2>"]
    if sec.intro:
        parts.append(f'<p class="intro">{_e(sec.intro)}</p>')
    if sec.findings:
        parts.append('<ul class="findings">' + "".join(f"<li>{_e(f)}</li>" for f in sec.findings) + "</ul>")
    if sec.missing:
        lead = "<p><strong>No data for this section yet.</strong></p>" if sec.empty else ""
        parts.append('<div class="missing">' + lead
                     + "".join(f"<p>{_e(m)}</p>" for m in sec.missing) + "</div>")
    for item in sec.charts:
        static = inline_svg(item.name, svgs[item.name]) if item.name in svgs else ""
        parts.append(
            f'<figure><div class="chart-box"><div class="chart-static" role="img" '
            f'aria-label="{_e(item.title)}">{static}</div>'
            f'<div class="chart" id="chart-{item.name}" data-chart="{item.name}" '
            f'role="img" aria-label="{_e(item.title)}"></div></div>'
            f'<figcaption>{_e(item.caption) + " · " if item.caption else ""}'
            f'Numbers behind this chart: <a href="data/{item.name}.csv">data/{item.name}.csv</a> · '
            f'<a href="charts/{item.name}.svg">SVG</a> · <a href="charts/{item.name}.png">PNG</a>'
            "</figcaption></figure>")
    parts += [_table(t) for t in sec.tables]
    if sec.notes:
        parts.append('<div class="notes">' + "".join(f"<p>{_e(n)}</p>" for n in sec.notes) + "</div>")
    parts.append("</section>")
    return "\n".join(parts)


def render(sections: list[Section], specs: dict[str, dict], meta: dict[str, Any],
           svgs: dict[str, str] | None = None) -> str:
    """The whole page as one string; `svgs` (chart name -> SVG) are shown until scripts draw."""
    svgs = svgs or {}
    demo = bool(meta.get("demo"))
    title = "mltrends: deep-learning frameworks in research and industry"
    page_title = f"{title} ({SYNTHETIC_LABEL})" if demo else title
    summary = [s.key_finding for s in sections if s.key_finding]
    toc = "".join(f'<li><a href="#{s.id}">{_e(s.title)}</a></li>' for s in sections)
    banner = (f'<div class="banner" id="synthetic-banner">{_e(SYNTHETIC_LABEL)}. This page shows '
              "how the report works; its numbers describe no real papers, repositories or "
              "downloads.</div>") if demo else ""
    body = "\n".join(_section(i, s, svgs) for i, s in enumerate(sections, start=1))
    summary_html = ("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in summary) + "</ul>") if summary \
        else "<p>No findings yet: the database holds no measured data.</p>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mltrends {_e(meta.get('version', ''))}">
<title>{_e(page_title)}</title>
<style>{CSS}</style>
<script>
{javascript_bundle()}
</script>
</head>
<body>
<main>
<header>
<h1>{_e(title)}</h1>
<p class="meta">Report of {_e(meta.get('date', ''))} · generated {_e(meta.get('generated', ''))} UTC
 · database {_e(meta.get('database', ''))} · mltrends {_e(meta.get('version', ''))}</p>
{banner}
</header>
<section class="summary" id="summary"><h2>Summary</h2>{summary_html}</section>
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>
{body}
<footer>Every chart's numbers are in <code>data/</code>, its images in <code>charts/</code>;
the same findings as Markdown in <a href="report.md">report.md</a>.</footer>
</main>
<script type="application/json" id="mltrends-specs">{_script_json(specs)}</script>
<script>{RENDER_JS}</script>
</body>
</html>
"""
