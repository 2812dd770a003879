"""Rendering diagnostics for people and for CI: text, json, github, junit and sarif.

Every checking command (``validate``, ``lint``, ``test``) builds a :class:`Report` and hands it to
:func:`render`. The result goes to stdout; the one-line summary goes to stderr. Exit codes are
``0`` when no error was found, ``1`` when any was, ``2`` for a usage error (bad flags).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from loanfactory import __version__
from loanfactory.errors import Diagnostic, Language

Format = Literal["text", "json", "github", "junit", "sarif"]
FORMATS: tuple[str, ...] = ("text", "json", "github", "junit", "sarif")


@dataclass(slots=True)
class Case:
    """One checked unit (a file, or a scenario) for junit: passed when it has no error."""

    name: str
    classname: str
    file: str | None = None
    line: int | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(slots=True)
class Report:
    """What a checking command found: counts (``files``, ``products``...) and diagnostics."""

    tool: str
    counts: dict[str, int] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def notes(self) -> list[Diagnostic]:
        """Findings that are not problems (lint's worst-case APR of each product)."""
        return [d for d in self.diagnostics if d.severity == "note"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def localized(self, lang: Language) -> Report:
        def tr(items: Sequence[Diagnostic]) -> list[Diagnostic]:
            return [d.in_language(lang) for d in sorted(items, key=Diagnostic.sort_key)]

        cases = [Case(c.name, c.classname, c.file, c.line, tr(c.diagnostics), c.seconds) for c in self.cases]
        return Report(self.tool, dict(self.counts), tr(self.diagnostics), cases, dict(self.extra))


def render(report: Report, fmt: str, lang: Language = "en") -> str:
    """The report in ``fmt``; diagnostics sorted by file, line and column, in ``lang``."""
    report = report.localized(lang)
    if fmt == "json":
        return _json(report)
    if fmt == "github":
        return "".join(_github(d) + "\n" for d in report.diagnostics)
    if fmt == "junit":
        return _junit(report)
    if fmt == "sarif":
        return _sarif(report)
    return "".join(d.format() + "\n" for d in report.diagnostics)


def summary(report: Report, lang: Language = "en") -> str:
    """One line for stderr: counts, errors and warnings."""
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    errors, warnings = len(report.errors), len(report.warnings)
    if lang == "zh":
        verdict = "全部通过" if not errors else f"{errors} 个错误"
        tail = f"，{warnings} 个警告" if warnings else ""
        return f"{report.tool}: {counts} — {verdict}{tail}"
    verdict = "all valid" if not errors else f"{errors} error{'s' if errors != 1 else ''}"
    tail = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    return f"{report.tool}: {counts} — {verdict}{tail}"


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "code": d.code,
        "path": d.path,
        "message": d.message,
        "hint": d.hint,
        "severity": d.severity,
    }


def _json(report: Report) -> str:
    body: dict[str, Any] = dict(report.counts)
    body["errors"] = [diagnostic_json(d) for d in report.errors]
    body["warnings"] = [diagnostic_json(d) for d in report.warnings]
    if report.notes:
        body["notes"] = [diagnostic_json(d) for d in report.notes]
    body.update(report.extra)
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(d: Diagnostic) -> str:
    kind = {"error": "error", "note": "notice"}.get(d.severity, "warning")
    props = []
    if d.file:
        props.append(f"file={_gh_escape(d.file, prop=True)}")
    if d.line is not None:
        props.append(f"line={d.line}")
    if d.column is not None:
        props.append(f"col={d.column}")
    props.append(f"title={_gh_escape(d.code, prop=True)}")
    path = f"{d.path}: " if d.path else ""
    hint = f" ({d.hint})" if d.hint else ""
    return f"::{kind} {','.join(props)}::{_gh_escape(path + d.message + hint)}"


def _junit(report: Report) -> str:
    cases = report.cases or [
        Case(
            name=file or "<input>",
            classname=report.tool,
            file=file,
            diagnostics=[d for d in report.diagnostics if d.file == file],
        )
        for file in sorted({d.file for d in report.diagnostics}, key=lambda f: f or "")
    ]
    failures = sum(1 for c in cases if any(d.severity == "error" for d in c.diagnostics))
    total = sum(c.seconds for c in cases)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={quoteattr("loanfactory " + report.tool)} tests="{len(cases)}" '
        f'failures="{failures}" errors="0" time="{total:.3f}">',
        f'  <testsuite name={quoteattr(report.tool)} tests="{len(cases)}" failures="{failures}" '
        f'errors="0" skipped="0" time="{total:.3f}">',
    ]
    for case in cases:
        attrs = f'name={quoteattr(case.name)} classname={quoteattr(case.classname)} time="{case.seconds:.3f}"'
        if case.file:
            attrs += f" file={quoteattr(case.file)}"
        if case.line is not None:
            attrs += f' line="{case.line}"'
        errors = [d for d in case.diagnostics if d.severity == "error"]
        if not errors:
            lines.append(f"    <testcase {attrs}/>")
            continue
        lines.append(f"    <testcase {attrs}>")
        for d in errors:
            lines.append(
                f"      <failure message={quoteattr(d.message)} type={quoteattr(d.code)}>"
                f"{escape(d.format())}</failure>"
            )
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _sarif(report: Report) -> str:
    codes = sorted({d.code for d in report.diagnostics})
    results = []
    for d in report.diagnostics:
        location: dict[str, Any] = {"artifactLocation": {"uri": d.file or "<input>"}}
        if d.line is not None:
            region: dict[str, int] = {"startLine": d.line}
            if d.column is not None:
                region["startColumn"] = d.column
            location["region"] = region
        text = d.message + (f" ({d.hint})" if d.hint else "")
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": {"error": "error", "note": "note"}.get(d.severity, "warning"),
            "message": {"text": f"{d.path}: {text}" if d.path else text},
            "locations": [{"physicalLocation": location}],
        }
        if d.path:
            result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": d.path}]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "loanfactory",
                        "version": __version__,
                        "rules": [{"id": c, "name": c} for c in codes],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2) + "\n"
