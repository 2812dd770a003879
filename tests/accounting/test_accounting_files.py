"""The chart of accounts and the posting rules as data: the packaged files load, and every kind of
mistake in a bank's own files is a located diagnostic (file, line, path) in English and Chinese."""

from __future__ import annotations

from importlib import resources

import pytest

from loanfactory.accounting import (
    AccountType,
    Basis,
    Side,
    load_chart,
    load_posting_rules,
    read_chart,
    read_posting_rules,
)
from loanfactory.errors import SpecError

CHART = resources.files("loanfactory").joinpath("data/accounting/chart.yaml").read_text("utf-8")
RULES = resources.files("loanfactory").joinpath("data/accounting/posting_rules.yaml").read_text("utf-8")


def codes(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in problems if p.severity == "error"]


def test_the_packaged_chart_is_a_loan_book() -> None:
    chart = load_chart()
    assert chart.account("130101").name == "贷款—正常类"
    assert chart.account("1304").side is Side.credit  # the allowance is a contra asset
    assert chart.account("7999").type is AccountType.off_balance
    assert not chart.is_leaf("1301")
    assert chart.is_leaf("130105")
    for code in ("113201", "113202", "113203", "122101", "224101", "224102", "300301", "601101", "601102"):
        assert chart.is_leaf(code)


def test_the_packaged_rules_check_clean() -> None:
    rules, problems = read_posting_rules()
    assert problems == []
    assert rules is not None
    assert rules.non_accrual_after_days == 90
    book = rules.book("any")
    assert book.lines_for("repayment", "interest", Basis.non_accrual) == (
        ("300301", "601101"),
        ("7999", "710102"),
    )
    assert book.lines_for("repayment", "credit", Basis.written_off) == (
        ("300301", "130401"),
        ("7999", "7201"),
    )


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (
            '{code: "1132", name: 应收利息, en: Interest receivable, type: asset}',
            '{code: "1132", name: 应收利息, en: Interest receivable, type: assets}',
            "bad-type",
        ),
        ('{code: "113201", parent: "1132"', '{code: "113201", parent: "1133"', "unknown-account"),
        ('{code: "113202", parent', '{code: "113201", parent', "duplicate-account"),
        (
            '{code: "1301", name: 贷款, en: Loans, type: asset}',
            '{code: "1301", name: 贷款, en: Loans, type: asset, colour: red}',
            "unknown-key",
        ),
        (
            '{code: "130101", parent: "1301", name: 贷款—正常类,',
            '{code: "130101", parent: "1301", name: "",',
            "missing-key",
        ),
        ('{code: "130101", parent: "1301"', '{code: "130101", parent: "6011"', "wrong-type"),
        ('{code: "7999", name', '{code: "79 99", name', "bad-code"),
    ],
)
def test_chart_mistakes_are_located(old: str, new: str, code: str) -> None:
    text = CHART.replace(old, new, 1)
    assert text != CHART
    chart, problems = read_chart(text)
    assert chart is None
    found = [p for p in problems if p.code == code]
    assert found, problems
    assert found[0].line == line_of(text, new)
    assert found[0].file == "<string>"
    assert found[0].message_zh


def test_a_misspelt_account_type_gets_a_hint() -> None:
    _, problems = read_chart(CHART.replace("type: income}", "type: incme}", 1))
    assert problems[0].hint == "did you mean 'income'?"


def test_the_wrong_kind_of_file_is_refused() -> None:
    with pytest.raises(SpecError) as caught:
        load_chart(RULES)
    assert caught.value.diagnostics[0].code == "wrong-kind"
    assert codes(read_posting_rules(CHART)[1]) == ["wrong-kind"]
    assert codes(read_chart("")[1]) == ["empty-file"]


def line_of(text: str, needle: str) -> int:
    """The line of the last occurrence of ``needle``."""
    return max(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ('  income.interest: "601101"', '  income.interest: "113202"', "wrong-account-type"),
        ('  clearing: "300301"', '  clearing: "3003"', "heading-account"),
        ('  clearing: "300301"', '  clearing: "300399"', "unknown-account"),
        ('  clearing: "300301"', '  clearinng: "300301"', "unknown-role"),
        ('  allowance: "130401"', '  allowance: "130105"', "wrong-account-type"),
        ('  offbs.penalty: "710103"', '  offbs.penalty: "113203"', "wrong-account-type"),
    ],
)
def test_role_mistakes_are_located(old: str, new: str, code: str) -> None:
    text = RULES.replace(old, new, 1)
    assert text != RULES
    rules, problems = read_posting_rules(text)
    assert rules is None
    found = [p for p in problems if p.code == code]
    assert found, problems
    assert found[0].line == line_of(text, new.strip())
    assert found[0].message_zh


def test_a_misspelt_role_gets_a_hint() -> None:
    _, problems = read_posting_rules(RULES.replace('  clearing: "300301"', '  clearinng: "300301"', 1))
    unknown = [p for p in problems if p.code == "unknown-role"]
    assert unknown[0].hint == "did you mean 'clearing'?"


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        # one side on the balance sheet, the other off it: neither side would balance
        (
            "{event: penalty, component: penalty, basis: non-accrual, debit: offbs.penalty, "
            "credit: offbs.contra}",
            "{event: penalty, component: penalty, basis: non-accrual, debit: offbs.penalty, "
            "credit: income.penalty}",
            "unbalanced-rule",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fee, component: fee, debit: fee.receivable}",
            "unbalanced-rule",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fee, component: fee, debit: fee.receivable, credit: fee.receivable}",
            "unbalanced-rule",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fee, component: fee, debit: fee.receivable, credit: incme.fee}",
            "unknown-account",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fees, component: fee, debit: fee.receivable, credit: income.fee}",
            "unknown-event",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fee, component: principal, debit: fee.receivable, credit: income.fee}",
            "unknown-component",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            "{event: fee, component: fee, basis: written-off, debit: fee.receivable, credit: income.fee}",
            "bad-basis",
        ),
        (
            "{event: fee, component: fee, debit: fee.receivable, credit: income.fee}",
            '{event: fee, component: fee, debit: fee.receivable, credit: "6021"}',
            "heading-account",
        ),
        # books fine, reconciles badly: a repayment's principal taken off the interest receivable
        (
            "{event: repayment, component: principal, debit: clearing, credit: loan}",
            "{event: repayment, component: principal, debit: clearing, credit: interest.due}",
            "unreconciled-rule",
        ),
        # a class account written by code: right for normal loans only
        (
            "{event: disbursement, component: principal, debit: loan, credit: clearing}",
            '{event: disbursement, component: principal, debit: "130101", credit: clearing}',
            "unreconciled-rule",
        ),
    ],
)
def test_rule_mistakes_are_located(old: str, new: str, code: str) -> None:
    assert old in RULES
    text = RULES.replace(old, new, 1)
    rules, problems = read_posting_rules(text)
    assert rules is None
    found = [p for p in problems if p.code == code]
    assert found, [p.format() for p in problems]
    assert found[0].line == line_of(text, new)
    assert found[0].message_zh


def test_a_missing_rule_is_named() -> None:
    row = "  - {event: waiver, component: fee, debit: income.fee, credit: fee.receivable}\n"
    assert row in RULES
    _, problems = read_posting_rules(RULES.replace(row, "", 1))
    missing = [p for p in problems if p.code == "missing-rule"]
    assert missing
    assert "fee of a waiver" in missing[0].message


def test_two_control_roles_cannot_share_an_account() -> None:
    text = RULES.replace('  fee.receivable: "122101"', '  fee.receivable: "113203"', 1)
    _, problems = read_posting_rules(text)
    assert "shared-control-account" in codes(problems)


def test_non_accrual_days_must_be_a_sensible_count() -> None:
    for bad in ("0", "-5", "9.5", "ninety", "true"):
        text = RULES.replace("non_accrual_after_days: 90", f"non_accrual_after_days: {bad}", 1)
        assert "bad-value" in codes(read_posting_rules(text)[1]), bad


def test_a_product_override_is_checked_and_used() -> None:
    extra_chart = CHART.replace(
        '  - {code: "6021", ',
        '  - {code: "601103", parent: "6011", name: 利息收入—按揭贷款, '
        "en: Interest income — mortgages, type: income}\n"
        '  - {code: "6021", ',
        1,
    )
    chart = load_chart(extra_chart)
    text = RULES + '\nproducts:\n  home_mortgage:\n    roles: {income.interest: "601103"}\n'
    rules = load_posting_rules(text, chart)
    assert rules.book("home_mortgage").lines_for("accrual", "accrued", Basis.accrual) == (
        ("113201", "601103"),
    )
    assert rules.book("consumer_credit").lines_for("accrual", "accrued", Basis.accrual) == (
        ("113201", "601101"),
    )
    broken = (
        RULES
        + "\nproducts:\n  home_mortgage:\n    rules:\n"
        + ("      - {event: repayment, component: fee, debit: clearing, credit: income.fee}\n")
    )
    _, problems = read_posting_rules(broken, chart)
    found = [p for p in problems if p.code == "unreconciled-rule"]
    assert found
    assert "for product home_mortgage" in found[0].message
    assert found[0].line == line_of(broken, "credit: income.fee}")
