"""The self-contained HTML report (HTML 报表): one file, no script, no link to anything outside it.

Each report's sections come as a heading, the chart (inline SVG, text drawn as outlines) and the
table of figures — the same figures as the CSV and Excel exports. Chinese by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from jinja2 import Environment

from loanfactory.money import format_money
from loanfactory.reporting._charts import section_chart
from loanfactory.reporting._export import section_title
from loanfactory.reporting._run import ReportResult

_WORDS = {
    "zh": {"period": "统计期间", "total": "合计", "generated": "生成于营业日", "positions": "头寸日"},
    "en": {"period": "period", "total": "total", "generated": "business date", "positions": "position dates"},
}

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang_tag }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.6em; border-bottom: 2px solid #2f6fb0; padding-bottom: .3em; }
h2 { font-size: 1.3em; margin-top: 2em; color: #2f6fb0; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.meta, .note { color: #666; font-size: .9em; }
figure { margin: .5em 0; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #eef3f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f7f7f7; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">{{ words.generated }} {{ today }}</p>
{% for report in reports %}
<section class="report" id="{{ report.name }}">
<h2>{{ report.title }}</h2>
<p class="meta">{{ words.period }}：{{ report.start }} – {{ report.end }}
{%- if report.positions %}；{{ words.positions }}：{{ report.positions }}{% endif %}</p>
{% if report.description %}<p class="note">{{ report.description }}</p>{% endif %}
{% for section in report.sections %}
<h3>{{ section.title }}</h3>
{% if section.chart -%}
<figure class="chart" data-chart="{{ section.kind }}">{{ section.chart | safe }}</figure>
{%- endif %}
<table>
<thead><tr>{% for h in section.header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in section.rows %}<tr{% if row.total %} class="total"{% endif %}>
{%- for cell in row.labels %}<td>{{ cell }}</td>{% endfor %}
{%- for cell in row.cells %}<td class="num" data-measure="{{ cell.name }}">{{ cell.text }}</td>
{%- endfor %}</tr>
{% endfor %}
</tbody>
</table>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def show(value: Any, fmt: str) -> str:
    """A figure as shown in tables: amounts with thousands separators to the fen, ratios in percent."""
    if value is None:
        return "-"
    if fmt == "money" and isinstance(value, Decimal | int):
        return format_money(Decimal(value))
    if fmt == "percent" and isinstance(value, Decimal):
        return f"{value * 100:.2f}%"
    if fmt == "rate" and isinstance(value, Decimal):
        return f"{value * 100:.4f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def html_report(results: Sequence[ReportResult], *, title: str | None = None, today: str = "") -> str:
    """One HTML page with every report of ``results``."""
    lang = results[0].lang if results else "zh"
    words = _WORDS["en" if lang == "en" else "zh"]
    reports = []
    for result in results:
        sections = []
        for i, section in enumerate(result.sections):
            names = section.section.measures
            formats = {n: result.definition.measures[n].format for n in names}
            rows = [
                {
                    "labels": list(r.labels),
                    "cells": [{"name": n, "text": show(r.values.get(n), formats[n])} for n in names],
                    "total": False,
                }
                for r in section.rows
            ]
            if section.total is not None:
                total = section.total
                rows.append(
                    {
                        "labels": [words["total"], *[""] * max(len(section.by) - 1, 0)],
                        "cells": [{"name": n, "text": show(total.values.get(n), formats[n])} for n in names],
                        "total": True,
                    }
                )
            chart = section_chart(result, section, "svg")
            sections.append(
                {
                    "title": section_title(result, section, i),
                    "kind": section.section.chart,
                    "chart": _inline(chart) if chart else None,
                    "header": [*(b.text(lang) for b in section.by), *(result.label(n) for n in names)],
                    "rows": rows,
                }
            )
        definition = result.definition
        reports.append(
            {
                "name": definition.name,
                "title": definition.title.text(lang),
                "description": definition.description.text(lang) if definition.description else "",
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "positions": ", ".join(d.isoformat() for d in result.position_dates[-3:]),
                "sections": sections,
            }
        )
    environment = Environment(autoescape=True)
    page_title = title or (
        reports[0]["title"] if len(reports) == 1 else ("经营报表" if lang == "zh" else "Management report")
    )
    return environment.from_string(_TEMPLATE).render(
        lang_tag="en" if lang == "en" else "zh-CN",
        title=page_title,
        reports=reports,
        words=words,
        today=today,
    )


def _inline(svg: bytes) -> str:
    """The SVG document as an element to put inside HTML (its XML prologue and metadata dropped)."""
    text = svg.decode("utf-8")
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    head, found, tail = text.partition("<metadata>")
    if found:
        text = head + tail.partition("</metadata>")[2]
    return text
