"""A report's figures as JSON, CSV and Excel (报表导出).

All three show the same figures from one :class:`~loanfactory.reporting.ReportResult`: a block per
section (its title, a header of dimension and measure names, a row per group and the total row).
JSON and CSV keep every figure exact (amounts to the fen, rates and ratios as fractions of one:
``0.0435`` is 4.35 %); the Excel workbook stores numbers as numbers with a number format (amounts
``#,##0.00``, ratios ``0.00%``, rates ``0.0000%``), one sheet per section after a cover sheet.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.reporting._run import ReportResult, SectionResult

_TOTAL = {"zh": "合计", "en": "total"}
_EXCEL_FORMATS = {
    "money": "#,##0.00",
    "percent": "0.00%",
    "rate": "0.0000%",
    "count": "#,##0",
    "number": "#,##0.####",
}


def plain(value: Any) -> Any:
    """A figure as JSON: Decimals as exact strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def section_title(result: ReportResult, section: SectionResult, index: int) -> str:
    if section.section.title is not None:
        return section.section.title.text(result.lang)
    names = "、".join(b.text(result.lang) for b in section.by) if section.by else _TOTAL[_lang(result)]
    return f"{index + 1}. {names}"


def _lang(result: ReportResult) -> str:
    return "en" if result.lang == "en" else "zh"


def to_json(result: ReportResult) -> dict[str, Any]:
    """The report as JSON data."""
    definition = result.definition
    sections = []
    for i, section in enumerate(result.sections):
        columns = [
            {
                "name": name,
                "label": result.label(name),
                "format": definition.measures[name].format,
            }
            for name in section.section.measures
        ]
        sections.append(
            {
                "title": section_title(result, section, i),
                "by": list(section.section.by),
                "by_labels": [b.text(result.lang) for b in section.by],
                "chart": section.section.chart,
                "columns": columns,
                "rows": [
                    {
                        "keys": [plain(k) for k in row.keys],
                        "labels": list(row.labels),
                        "values": {k: plain(v) for k, v in row.values.items()},
                    }
                    for row in section.rows
                ],
                "total": None
                if section.total is None
                else {k: plain(v) for k, v in section.total.values.items()},
            }
        )
    return {
        "report": definition.name,
        "family": definition.family,
        "title": definition.title.text(result.lang),
        "period": result.period.text,
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "position_dates": [d.isoformat() for d in result.position_dates],
        "language": result.lang,
        "sections": sections,
    }


def to_csv(result: ReportResult) -> str:
    """The report as CSV text (UTF-8 with a byte-order mark when written for Excel users:
    see :func:`write_csv`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    definition = result.definition
    writer.writerow(
        [definition.title.text(result.lang), f"{result.start.isoformat()}..{result.end.isoformat()}"]
    )
    for i, section in enumerate(result.sections):
        writer.writerow([])
        writer.writerow([section_title(result, section, i)])
        names = list(section.section.measures)
        writer.writerow([*(b.text(result.lang) for b in section.by), *(result.label(n) for n in names)])
        for row in section.rows:
            writer.writerow([*row.labels, *(_csv(row.values.get(n)) for n in names)])
        if section.total is not None:
            pad = [""] * max(len(section.by) - 1, 0)
            writer.writerow(
                [_TOTAL[_lang(result)], *pad, *(_csv(section.total.values.get(n)) for n in names)]
            )
    return out.getvalue()


def _csv(value: Any) -> str:
    if value is None:
        return ""
    return str(plain(value))


def to_xlsx(result: ReportResult) -> bytes:
    """The report as an Excel workbook (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "说明" if _lang(result) == "zh" else "about"
    definition = result.definition
    cover.append([definition.title.text(result.lang)])
    cover["A1"].font = Font(bold=True, size=14)
    cover.append(
        ["期间" if _lang(result) == "zh" else "period", result.start.isoformat(), result.end.isoformat()]
    )
    if definition.description is not None:
        cover.append([definition.description.text(result.lang)])
    used: set[str] = {cover.title}
    for i, section in enumerate(result.sections):
        title = section_title(result, section, i)
        sheet = book.create_sheet(_sheet_name(title, i, used))
        names = list(section.section.measures)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([*(b.text(result.lang) for b in section.by), *(result.label(n) for n in names)])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        rows = [(list(r.labels), r.values) for r in section.rows]
        if section.total is not None:
            rows.append(([_TOTAL[_lang(result)], *[""] * max(len(section.by) - 1, 0)], section.total.values))
        for labels, values in rows:
            sheet.append([*labels, *(_number(values.get(n)) for n in names)])
            for offset, name in enumerate(names):
                cell = sheet.cell(row=sheet.max_row, column=len(labels) + offset + 1)
                cell.number_format = _EXCEL_FORMATS[definition.measures[name].format]
        for column in sheet.columns:
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = max(
                12, *(len(str(c.value or "")) * 2 for c in column[1:])
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value: Any) -> Any:
    """Excel keeps numbers as binary floats: an exact figure goes in as its nearest double (the CSV
    and JSON exports keep the exact digits)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet_name(title: str, index: int, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or f"section {index + 1}"
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name[:26]}-{n}", n + 1
    used.add(candidate)
    return candidate
