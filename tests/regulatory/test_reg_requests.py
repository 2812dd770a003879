"""Staff requests: an extension done outside servicing (展期) reported in its month's special
transaction segment, a segment deletion (213), and the requests refused with a located reason.

The loan is the golden one (10,000 yuan, 12 monthly annuity installments at 1 % a month, opened
2026-01-05); expected values are worked out here by hand from the specification's definitions.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from reg_world import PROVIDER, RegWorld

from loanfactory.errors import InvalidInput, NotFound
from loanfactory.regulatory import CreditRecord, read, validate
from loanfactory.servicing import HolidayTerm, Operator, Relief, ReliefKind, ReliefTerms

ACCOUNT = "6222020200112233"
MAKER = Operator("risk-zhao", "risk-officer")
CHECKER = Operator("committee-qian", "credit-committee")
CENT = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


PMT = fen(Decimal(10000) * Decimal("0.01") / (1 - Decimal("1.01") ** -12))
FIRST_PRINCIPAL = PMT - Decimal("100.00")  # the first month's interest is 1 % of 10,000


def records(world: RegWorld, month: str) -> list[CreditRecord]:
    found: list[CreditRecord] = []
    for item in world.month(month).files:
        _, parsed = read(item.content)
        found += parsed
    for record in found:
        assert validate(record, world.spec) == [], record.label
    return found


def test_an_extension_is_reported_in_the_month_end_record_of_its_month(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.live_until(date(2026, 2, 10))
    left = Decimal(10000) - FIRST_PRINCIPAL  # after the installment of 02-05
    assert left == Decimal("9211.51")
    world.reporting.record_special(
        loan, code="1", on=date(2026, 2, 10), amount=left, months=6, detail="展期6个月", actor="ops"
    )
    world.live_until(date(2026, 3, 1))
    february = records(world, "2026-02")
    end = [r for r in february if r.report_code == "30" and r.report_date == date(2026, 2, 28)]
    assert len(end) == 1
    special = end[0].segment("AcctSpecTrstDspnSgmt")
    assert special is not None
    assert special.get("CagOfTrdNm") == "1"
    assert dict(special.groups[0]) == {
        "ChanTranType": "1",  # 展期
        "TranDate": "2026-02-10",
        "TranAmt": "9212",  # 9,211.51 in whole yuan, half-up
        "DueTranMon": "6",
        "DetInfo": "展期6个月",
    }
    with world.store.transaction() as tx:
        chain = tx.audit.records()
    assert [r.action for r in chain].count("credit.special") == 1


def test_a_segment_deletion_names_the_segment_and_its_dates(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.reporting.request_deletion(
        loan,
        reason="month-end record sent twice",
        actor="ops",
        segment="H",
        start=date(2026, 1, 31),
        end=date(2026, 1, 31),
    )
    world.live_until(date(2026, 3, 1))
    february = records(world, "2026-02")
    deletions = [r for r in february if r.record_type == "213"]
    assert [dict(r.segments[0].items) for r in deletions] == [
        {
            "InfRecType": "213",
            "DelRecCode": PROVIDER + loan.replace("_", ""),
            "AcctType": "D1",
            "DelSgmtCode": "H",
            "DelStartDate": "2026-01-31",
            "DelEndDate": "2026-01-31",
        }
    ]
    assert [r.report_code for r in february if r.record_type == "210"] == ["30"]  # still reported
    world.live_until(date(2026, 4, 1))
    assert not [r for r in records(world, "2026-03") if r.record_type == "213"]  # sent once


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "99"}, "code"),  # not a special transaction code
        ({"code": "1", "months": 0}, "months"),  # an extension moves the due date
    ],
)
def test_a_special_transaction_outside_the_code_table_or_without_months_is_refused(
    world: RegWorld, changes: dict[str, object], field: str
) -> None:
    loan = world.loan()
    arguments: dict[str, object] = {"code": "1", "on": date(2026, 1, 20), "amount": Decimal(100), "months": 3}
    arguments.update(changes)
    with pytest.raises(InvalidInput) as refused:
        world.reporting.record_special(loan, actor="ops", **arguments)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert refused.value.message_zh
    with world.store.transaction() as tx:
        assert "credit.special" not in [r.action for r in tx.audit.records()]


def test_deletion_requests_need_a_reason_a_segment_letter_and_dates_in_order(world: RegWorld) -> None:
    loan = world.loan()
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    with pytest.raises(InvalidInput) as no_reason:
        world.reporting.request_deletion(loan, reason="  ", actor="ops")
    assert no_reason.value.field == "reason"
    for segment, start, end in (
        ("Z", date(2026, 1, 1), date(2026, 1, 31)),
        ("HJ", date(2026, 1, 1), date(2026, 1, 31)),
        ("H", date(2026, 2, 1), date(2026, 1, 31)),
        ("H", None, date(2026, 1, 31)),
    ):
        with pytest.raises(InvalidInput) as refused:
            world.reporting.request_deletion(
                loan, reason="error", actor="ops", segment=segment, start=start, end=end
            )
        assert refused.value.field == "segment"
    with pytest.raises(NotFound):
        world.reporting.request_deletion("loan_nope", reason="error", actor="ops")
    world.live_until(date(2026, 3, 1))
    assert not [r for r in records(world, "2026-02") if r.record_type in ("213", "214")]


def _restructured(world: RegWorld, loan: str, terms: ReliefTerms) -> Relief:
    relief = world.servicing.request_relief(
        loan, terms, reason="收入下降，申请调整", operator=MAKER, key=world.key("ask")
    )
    return world.servicing.approve_relief(relief.id, operator=CHECKER, key=world.key("approve"))


def test_an_approved_extension_reaches_its_month_without_being_entered(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.live_until(date(2026, 2, 10))  # the installment of 02-05 paid
    relief = _restructured(world, loan, ReliefTerms(kind=ReliefKind.extension, extra_periods=6))
    # the relief's own figures: the principal left after one installment, the maturity six months on
    assert relief.principal == Decimal(10000) - FIRST_PRINCIPAL
    before, after = relief.maturity_before, relief.maturity_after
    assert before is not None
    assert after is not None
    moved = (after.year - before.year) * 12 + after.month - before.month
    assert (before, moved) == (date(2027, 1, 5), 6)
    world.live_until(date(2026, 3, 1))
    february = records(world, "2026-02")
    end = [r for r in february if r.report_code == "30" and r.report_date == date(2026, 2, 28)]
    assert len(end) == 1
    special = end[0].segment("AcctSpecTrstDspnSgmt")
    assert special is not None
    assert special.get("CagOfTrdNm") == "1"
    assert dict(special.groups[0]) == {
        "ChanTranType": "1",  # 展期
        "TranDate": "2026-02-10",
        "TranAmt": str(relief.principal.quantize(Decimal(1), rounding=ROUND_HALF_UP)),  # whole yuan
        "DueTranMon": str(moved),
        "DetInfo": "展期6个月",
    }
    world.live_until(date(2026, 4, 1))
    march = records(world, "2026-03")
    assert march
    assert all(r.segment("AcctSpecTrstDspnSgmt") is None for r in march)  # only in its own month


def test_an_extension_staff_entered_too_is_reported_once(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.live_until(date(2026, 2, 10))
    relief = _restructured(world, loan, ReliefTerms(kind=ReliefKind.extension, extra_periods=3))
    world.reporting.record_special(
        loan, code="1", on=date(2026, 2, 10), amount=relief.principal, months=3, detail="展期", actor="ops"
    )
    world.live_until(date(2026, 3, 1))
    end = [r for r in records(world, "2026-02") if r.report_code == "30"]
    special = end[0].segment("AcctSpecTrstDspnSgmt")
    assert special is not None
    assert special.get("CagOfTrdNm") == "1"
    assert dict(special.groups[0])["DetInfo"] == "展期"


def test_an_adjustment_that_keeps_the_maturity_is_no_special_transaction(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.live_until(date(2026, 2, 10))
    relief = _restructured(
        world,
        loan,
        ReliefTerms(kind=ReliefKind.holiday, holiday_periods=2, holiday_term=HolidayTerm.keep_term),
    )
    assert relief.maturity_after == relief.maturity_before
    world.live_until(date(2026, 3, 1))
    end = [r for r in records(world, "2026-02") if r.report_code == "30"]
    assert end
    assert end[0].segment("AcctSpecTrstDspnSgmt") is None
