"""report.md: the same findings as the page, as Markdown tables and PNG links."""

from __future__ import annotations

from typing import Any

from mltrends.report.model import SYNTHETIC_LABEL, Section, Table


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(t: Table) -> str:
    cols = list(t.frame.columns)
    lines = [f"**{t.caption}**", "", "| " + " | ".join(_cell(c) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in t.frame.itertuples(index=False)]
    return "\n".join(lines)


def render(sections: list[Section], meta: dict[str, Any]) -> str:
    demo = bool(meta.get("demo"))
    title = "mltrends: deep-learning frameworks in research and industry"
    out = [f"# {title}" + (f" ({SYNTHETIC_LABEL})" if demo else ""), "",
           f"Report of {meta.get('date', '')}, generated {meta.get('generated', '')} UTC from "
           f"`{meta.get('database', '')}` (mltrends {meta.get('version', '')}).", ""]
    if demo:
        out += [f"> **{SYNTHETIC_LABEL}.** The numbers show how the report works and describe "
                "no real papers, repositories or downloads.", ""]
    summary = [s.key_finding for s in sections if s.key_finding]
    out += ["## Summary", ""]
    out += [f"- {x}" for x in summary] or ["No findings yet: the database holds no measured data."]
    out += ["", "## Contents", ""]
    out += [f"{i}. [{s.title}](#{i}-{s.title.lower().replace(' ', '-')})"
            for i, s in enumerate(sections, start=1)]
    for i, sec in enumerate(sections, start=1):
        out += ["", f"## {i}. {sec.title}", ""]
        if sec.intro:
            out += [sec.intro, ""]
        out += [f"- {f}" for f in sec.findings]
        if sec.findings:
            out.append("")
        if sec.missing:
            if sec.empty:
                out += ["> **No data for this section yet.**", ">"]
            out += [f"> {m}" for m in sec.missing]
            out.append("")
        for item in sec.charts:
            out += [f"![{item.title}](charts/{item.name}.png)", "",
                    f"*{item.title}* — data: [data/{item.name}.csv](data/{item.name}.csv)", ""]
        for t in sec.tables:
            out += [table(t), ""]
        out += [f"{n}\n" for n in sec.notes]
    return "\n".join(out).rstrip() + "\n"
