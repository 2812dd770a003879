"""Parsing scorecards (评分卡) from YAML data."""

from __future__ import annotations

import itertools
from typing import Any

from loanfactory.rules import _model as m
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._parse import COMMON, cell, header, number, subject_of


def parse_scorecard(ctx: Context, data: dict[str, Any], path: PathT) -> m.Scorecard | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(
        data,
        path,
        (*COMMON, "base", "characteristics", "grades", "score_name", "grade_name", "default_grade"),
        ("characteristics",),
    )
    head = header(ctx, data, path)
    scope = ctx.scope(ctx.declared_vars(data.get("vars"), (*path, "vars")))
    base = number(ctx, data.get("base", 0), (*path, "base"))
    chars: list[m.Characteristic] = []
    raw_chars = data.get("characteristics")
    if not isinstance(raw_chars, list) or not raw_chars:
        ctx.error(
            (*path, "characteristics"),
            "wrong-type",
            "'characteristics' is a list",
            "characteristics 应为列表",
        )
        return None
    for k, raw in enumerate(raw_chars):
        cpath = (*path, "characteristics", k)
        if not isinstance(raw, dict):
            ctx.error(
                cpath, "wrong-type", "a characteristic is {name, value, bins}", "特征应为 {name, value, bins}"
            )
            continue
        ctx.check_keys(
            raw, cpath, ("name", "value", "bins", "otherwise", "description"), ("name", "value", "bins")
        )
        value = ctx.expression(raw.get("value"), (*cpath, "value"), condition=False, scope=scope)
        if value is None:
            continue
        subject = subject_of(value, f"_ch{k}")
        bins: list[m.Bin] = []
        for n, b in enumerate(raw.get("bins") or []):
            bpath = (*cpath, "bins", n)
            if not isinstance(b, dict) or not ctx.check_keys(
                b, bpath, ("when", "points", "reason"), ("when", "points")
            ):
                if not isinstance(b, dict):
                    ctx.error(bpath, "wrong-type", "a bin is {when, points}", "分箱应为 {when, points}")
                continue
            c = cell(ctx, b.get("when"), subject, (*bpath, "when"), scope)
            points = number(ctx, b.get("points"), (*bpath, "points"))
            reason = ctx.reason(b["reason"], (*bpath, "reason")) if "reason" in b else None
            if c is not None and points is not None:
                bins.append(m.Bin(c.test, c.text, points, c.domain, reason))
        otherwise = number(ctx, raw.get("otherwise", 0), (*cpath, "otherwise"))
        chars.append(
            m.Characteristic(str(raw.get("name")), value, str(raw.get("value")), tuple(bins), otherwise)
        )
    bands: list[m.Band] = []
    for n, g in enumerate(data.get("grades") or []):
        gpath = (*path, "grades", n)
        if not isinstance(g, dict) or not ctx.check_keys(g, gpath, ("grade", "min"), ("grade", "min")):
            continue
        low = number(ctx, g.get("min"), (*gpath, "min"))
        if low is not None:
            bands.append(m.Band(str(g["grade"]), low))
    if any(a.min <= b.min for a, b in itertools.pairwise(bands)):
        ctx.error(
            (*path, "grades"),
            "unordered",
            "grades are listed from the highest 'min' down",
            "评级应按 min 从高到低排列",
        )
    if head is None or ctx.diagnostics_errors(before):
        return None
    return m.Scorecard(
        head[0],
        head[1],
        base,
        tuple(chars),
        tuple(bands),
        str(data.get("score_name", "score")),
        str(data.get("grade_name", "grade")),
        data.get("default_grade"),
        head[2],
        head[3],
        ctx.where(path),
    )
