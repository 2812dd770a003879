"""Charts of a report (报表图表): bar, line and pie charts drawn with matplotlib, as SVG or PNG.

Why matplotlib: it draws on the server with no browser and no network, writes SVG whose text is
turned into outlines (``svg.fonttype = path``) — so a chart with Chinese labels looks the same in
any browser or mail client without the font — and PNG for mail clients that do not show SVG. The
Chinese font must be installed where the charts are drawn (Debian: ``fonts-wqy-microhei`` or
``fonts-noto-cjk``); :func:`cjk_font` finds it.

Which chart shows which measure: a section names ``bar``, ``line`` or ``pie``. A section of one
dimension plots its first amount or count measure by group (bars or a line; a pie of its shares),
and its first ratio as a line on a second axis; a section of two dimensions puts ``period`` (or
else the second dimension) on the x axis and draws one series per value of the other, of its first
ratio for a line chart (a vintage curve), else of its first amount or count.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from loanfactory.errors import InvalidInput
from loanfactory.reporting._definition import PERIOD, Measure
from loanfactory.reporting._run import ReportResult, SectionResult

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
PALETTE = (
    "#2f6fb0",
    "#e07b39",
    "#3a9d5d",
    "#c0392b",
    "#8e6bb8",
    "#7f8c8d",
    "#d4a017",
    "#1abc9c",
    "#e84393",
    "#34495e",
)
MAX_SERIES = 10


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _plotted(section: SectionResult, result: ReportResult) -> tuple[Measure | None, Measure | None]:
    """The section's first amount or count measure and first ratio — preferring ones with figures
    (a month without disbursements still shows its balances)."""
    measures = [result.definition.measures[n] for n in section.section.measures]
    shown = [m for m in measures if any(r.values.get(m.name) for r in section.rows)] or measures
    amount = next((m for m in shown if m.format in ("money", "count", "number")), None)
    share = next((m for m in shown if m.format in ("percent", "rate")), None)
    return amount, share


def section_chart(result: ReportResult, section: SectionResult, fmt: str = "svg") -> bytes | None:
    """The chart of one section as SVG or PNG bytes, or None when it has none."""
    chart = section.section.chart
    if chart == "none" or not section.rows or not section.section.by:
        return None
    amount, share = _plotted(section, result)
    if amount is None and share is None:
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    font = cjk_font()
    if font is None and result.lang == "zh":
        raise InvalidInput(
            "no font with Chinese glyphs is installed for the charts: install fonts-wqy-microhei "
            "(Debian) or draw the report in English (lang='en')",
            field="lang",
            message_zh="没有安装可显示中文的字体：请安装 fonts-wqy-microhei（Debian），或以英文出图",
        )
    rc: dict[str, Any] = {
        "svg.fonttype": "path",
        "font.family": "sans-serif",
        "font.sans-serif": [*([font] if font else []), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.hashsalt": "loanfactory",  # the same figures draw the same file
    }
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        figure = Figure(figsize=(7.5, 3.6), dpi=110)
        axes = figure.add_subplot()
        if len(section.section.by) >= 2:
            _series(axes, result, section, share if chart == "line" and share else amount or share, chart)
        elif chart == "pie":
            _pie(axes, result, section, amount or share)
        else:
            _single(axes, result, section, amount, share, chart)
        figure.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _number(value: Any) -> float:
    return float(value) if isinstance(value, Decimal | int) else 0.0


def _percent_axis(axes: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axes.yaxis.set_major_formatter(PercentFormatter(1.0))


def _single(
    axes: Any,
    result: ReportResult,
    section: SectionResult,
    amount: Measure | None,
    share: Measure | None,
    chart: str,
) -> None:
    labels = [" / ".join(row.labels) for row in section.rows]
    positions = list(range(len(labels)))
    left = amount or share
    assert left is not None
    lines = [left]
    if chart == "line":  # every measure of the same kind on one axis (registrations, applicants ...)
        lines += [
            result.definition.measures[n]
            for n in section.section.measures
            if n != left.name and result.definition.measures[n].format == left.format
        ][: MAX_SERIES - 1]
    for i, measure in enumerate(lines):
        values = [_number(row.values.get(measure.name)) for row in section.rows]
        if chart == "line":
            axes.plot(positions, values, marker="o", color=PALETTE[i], label=result.label(measure.name))
        else:
            axes.bar(positions, values, color=PALETTE[i], label=result.label(measure.name))
    if len(lines) > 1:
        axes.legend(fontsize="small", loc="upper left")
    if left.format in ("percent", "rate"):
        _percent_axis(axes)
    axes.set_xticks(
        positions, labels, rotation=30 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center"
    )
    axes.set_ylabel(result.label(left.name) if len(lines) == 1 else "")
    if amount is not None and share is not None:
        twin = axes.twinx()
        twin.plot(
            positions,
            [_number(row.values.get(share.name)) for row in section.rows],
            marker="s",
            linestyle="--",
            color=PALETTE[len(lines) % len(PALETTE)],
            label=result.label(share.name),
        )
        _percent_axis(twin)
        twin.set_ylabel(result.label(share.name))
        twin.set_ylim(bottom=0)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)


def _pie(axes: Any, result: ReportResult, section: SectionResult, measure: Measure | None) -> None:
    assert measure is not None
    pairs = [(" / ".join(r.labels), _number(r.values.get(measure.name))) for r in section.rows]
    pairs = [(label, value) for label, value in pairs if value > 0]
    if not pairs:
        axes.text(0.5, 0.5, "—", ha="center", va="center")
        axes.axis("off")
        return
    axes.pie(
        [v for _, v in pairs],
        labels=[label for label, _ in pairs],
        autopct="%1.1f%%",
        colors=PALETTE[: len(pairs)],
        startangle=90,
        counterclock=False,
    )
    axes.set_title(result.label(measure.name))
    axes.axis("equal")


def _series(
    axes: Any, result: ReportResult, section: SectionResult, measure: Measure | None, chart: str
) -> None:
    assert measure is not None
    by = section.section.by
    x_index = by.index(PERIOD) if PERIOD in by else 1
    s_index = 1 - x_index if len(by) == 2 else 0
    xs: list[str] = []
    series: dict[str, dict[str, float]] = {}
    for row in section.rows:
        x, name = row.labels[x_index], row.labels[s_index]
        if x not in xs:
            xs.append(x)
        series.setdefault(name, {})[x] = _number(row.values.get(measure.name))
    positions = list(range(len(xs)))
    names: Sequence[str] = list(series)[:MAX_SERIES]
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        values = [series[name].get(x, 0.0) for x in xs]
        color = PALETTE[i % len(PALETTE)]
        if chart == "line":
            axes.plot(positions, values, marker="o", color=color, label=name)
        else:
            axes.bar(
                [p + (i - (len(names) - 1) / 2) * width for p in positions],
                values,
                width=width,
                color=color,
                label=name,
            )
    axes.set_xticks(positions, xs, rotation=30 if len(xs) > 6 else 0)
    axes.set_xlabel(section.by[x_index].text(result.lang))
    axes.set_ylabel(result.label(measure.name))
    if measure.format in ("percent", "rate"):
        _percent_axis(axes)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(title=section.by[s_index].text(result.lang), fontsize="small", ncols=2)


def report_images(result: ReportResult, fmt: str = "png") -> dict[str, bytes]:
    """Every chart of the report as ``{file name: bytes}`` (``png`` or ``svg``), for e-mail."""
    if fmt not in ("png", "svg"):
        raise InvalidInput(
            f"images are png or svg, not {fmt}",
            field="format",
            message_zh=f"图片格式为 png 或 svg，不是 {fmt}",
        )
    out = {}
    for i, section in enumerate(result.sections):
        image = section_chart(result, section, fmt)
        if image is not None:
            out[f"{result.definition.name}-{i + 1}.{fmt}"] = image
    return out
