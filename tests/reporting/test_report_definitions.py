"""The report-definition language: every shipped definition loads; every kind of mistake is a
located error with a did-you-mean where one helps; a bank's file replaces a shipped report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.cli import cli
from loanfactory.errors import InvalidInput, NotFound, SpecError
from loanfactory.reporting import PACKAGED, Period, pick, read_definition, report_library

GOOD = """\
report: mine
family: risk
title: {zh: 我的报表, en: mine}
source: positions
where: {status: active}
dimensions:
  term_band:
    band: term_months
    bands: [{to: 12, zh: 短期}, {zh: 中长期}]
measures:
  loans: {count: rows}
  balance: {sum: principal}
  npl: {sum: principal, where: {category: [substandard, doubtful, loss]}}
  npl_ratio: {ratio: [npl, balance]}
sections:
  - {by: [term_band], measures: [loans, balance, npl_ratio]}
"""


def _problems(text: str) -> list[tuple[str, int | None, str, str | None]]:
    definition, problems = read_definition(text, file="mine.yaml")
    assert definition is None
    return [(p.code, p.line, p.message, p.hint) for p in problems]


def test_a_good_definition_reads() -> None:
    definition, problems = read_definition(GOOD, file="mine.yaml")
    assert problems == []
    assert definition is not None
    assert definition.measures["npl"].where[0].field == "status"  # the report's filter, then its own
    assert [b.upper for b in definition.dimensions["term_band"].bands] == [Decimal(12), None]


def test_every_shipped_definition_loads() -> None:
    library = report_library()
    assert {p.stem for p in PACKAGED.glob("*.yaml")} == set(library)
    assert {d.family for d in library.values()} >= {"regulatory", "growth", "volume", "risk", "portfolio"}
    assert len([d for d in library.values() if d.family == "regulatory"]) == 3


@pytest.mark.parametrize(
    ("change", "code", "line", "words", "hint"),
    [
        (
            ("source: positions", "source: postions"),
            "unknown-source",
            4,
            "unknown source 'postions'",
            "positions",
        ),
        (
            ("balance: {sum: principal}", "balance: {sum: principle}"),
            "unknown-field",
            12,
            "no field 'principle'",
            "principal",
        ),
        (
            ("balance: {sum: principal}", "balance: {sum: category}"),
            "wrong-field-type",
            12,
            "category' is text",
            None,
        ),
        (("loans: {count: rows}", "loans: {cuont: rows}"), "unknown-key", 11, "unknown key 'cuont'", "count"),
        (
            ("npl_ratio: {ratio: [npl, balance]}", "npl_ratio: {ratio: [npl, balanse]}"),
            "unknown-measure",
            14,
            "no measure 'balanse'",
            "balance",
        ),
        (
            ("by: [term_band]", "by: [term_bnad]"),
            "unknown-dimension",
            16,
            "no dimension 'term_bnad'",
            "term_band",
        ),
        (("by: [term_band]", "by: [period]"), "no-period", 16, "needs 'period:", None),
        (
            ("[{to: 12, zh: 短期}, {zh: 中长期}]", "[{to: 12, zh: 短期}, {to: 6, zh: 中期}, {zh: 长}]"),
            "bands-not-ascending",
            9,
            "ascend",
            None,
        ),
        (
            ("[{to: 12, zh: 短期}, {zh: 中长期}]", "[{zh: 短期}, {zh: 中长期}]"),
            "bad-bands",
            9,
            "upper bound",
            None,
        ),
        (("{to: 12, zh: 短期}", "{to: twelve, zh: 短期}"), "bad-value", 9, "not a whole number", None),
        (
            ("where: {status: active}", "where: {stauts: active}"),
            "unknown-field",
            5,
            "no field 'stauts'",
            "status",
        ),
        (
            ("where: {status: active}", "where: {status: {gte: active}}"),
            "unknown-operator",
            5,
            "unknown comparison 'gte'",
            "did you mean",
        ),
        (("family: risk", "family: risky"), "unknown-family", 2, "unknown family", "risk"),
        (
            ("{by: [term_band], measures", "{by: [term_band], chart: pi, measures"),
            "unknown-chart",
            16,
            "unknown chart 'pi'",
            "pie",
        ),
    ],
)
def test_mistakes_are_located(
    change: tuple[str, str], code: str, line: int, words: str, hint: str | None
) -> None:
    old, new = change
    assert old in GOOD
    found = _problems(GOOD.replace(old, new))
    match = [p for p in found if p[0] == code]
    assert match, found
    assert match[0][1] == line
    assert words in match[0][2]
    if hint is not None:
        assert match[0][3] is not None
        assert hint in match[0][3]


def test_a_ratio_of_itself_is_a_cycle() -> None:
    text = GOOD.replace(
        "npl_ratio: {ratio: [npl, balance]}", "a: {ratio: [b, balance]}\n  b: {ratio: [a, balance]}"
    )
    codes = [p[0] for p in _problems(text.replace("npl_ratio]", "a]"))]
    assert codes.count("measure-cycle") == 2


def test_a_share_within_a_dimension_the_section_lacks() -> None:
    text = GOOD.replace("npl_ratio: {ratio: [npl, balance]}", "s: {share: balance, within: [category]}")
    assert [p[0] for p in _problems(text.replace("npl_ratio]", "s]"))] == ["within-not-shown"]


def test_a_measure_of_another_source_checks_its_own_fields() -> None:
    text = GOOD.replace(
        "loans: {count: rows}", "loans: {count: rows, source: applications, where: {category: loss}}"
    )
    assert ("unknown-field", 11) in [(p[0], p[1]) for p in _problems(text)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty-file"),
        ("report: [unclosed", "yaml-syntax"),
        ("- a list\n", "expected-mapping"),
        ("report: x\n", "missing-key"),
        (GOOD + "report: twice\n", "duplicate-key"),
    ],
)
def test_hostile_files(text: str, code: str) -> None:
    codes = [p[0] for p in _problems(text)]
    assert any(c == code or c.startswith(code.split("-")[0]) for c in codes), codes


def test_a_banks_file_replaces_a_shipped_report(tmp_path: Path) -> None:
    (tmp_path / "risk.yaml").write_text(GOOD.replace("report: mine", "report: risk"), encoding="utf-8")
    library = report_library([tmp_path])
    assert library["risk"].title.zh == "我的报表"
    assert "user-growth" in library
    (tmp_path / "broken.yaml").write_text(GOOD.replace("sum: principal", "sum: princpal"), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        report_library([tmp_path])
    assert raised.value.diagnostics[0].file is not None
    assert raised.value.diagnostics[0].file.endswith("broken.yaml")
    with pytest.raises(NotFound, match="did you mean 'risk'"):
        pick(library, "rsk")


def test_cli_check_prints_every_problem_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("sum: principal}", "sum: princpal}"), encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    runner = CliRunner()
    failed = runner.invoke(cli, ["report", "check", str(bad), str(good)])
    assert failed.exit_code == 1
    assert f"{bad}:12:" in failed.output
    assert "did you mean 'principal'" in failed.output
    passed = runner.invoke(cli, ["--lang", "zh", "report", "check", str(good)])
    assert passed.exit_code == 0, passed.output


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-03-15", date(2026, 3, 15), date(2026, 3, 15)),
        ("2026-01-10..2026-02-05", date(2026, 1, 10), date(2026, 2, 5)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-Q5", "26-01", "2026-02-30", "2026-03-01..2026-01-01", "", "jan"]
)
def test_bad_periods(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        Period.parse(text)
    assert raised.value.field == "period"
    assert raised.value.message_zh
