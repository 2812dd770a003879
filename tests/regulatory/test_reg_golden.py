"""Golden records: hand-checked loans through opening, monthly performance, overdue and cure,
settlement, write-off, correction and deletion. Every expected value is written here from the
specification's definition of the item and plain Decimal arithmetic on the loan's terms — never
read from the code's output.

The loan of every case: 10,000 yuan, 12 monthly annuity installments at 12 % a year, interest per
period (1 % a month), opened 2026-01-05, due on the 5th. PMT = 10000 x 0.01 / (1 - 1.01^-12).
Amounts in the files are whole yuan, half-up (the format's ``amount_places: 0``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from reg_world import MANAGER, PROVIDER, RegWorld, account_file, id_number

from loanfactory.regulatory import CreditRecord, parse_line, read, validate

CENT = Decimal("0.01")
ACCOUNT = "6222020200112233"


def fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


PMT = fen(Decimal(10000) * Decimal("0.01") / (1 - Decimal("1.01") ** -12))


def schedule() -> list[tuple[Decimal, Decimal, Decimal]]:
    """(interest, principal, balance after) of each row, by hand."""
    rows, balance = [], Decimal(10000)
    for _ in range(12):
        interest = fen(balance * Decimal("0.01"))
        principal = PMT - interest
        balance -= principal
        rows.append((interest, principal, balance))
    return rows


ROWS = schedule()


def records(world: RegWorld, month: str) -> list[CreditRecord]:
    report = world.month(month)
    found: list[CreditRecord] = []
    for item in report.files:
        _, parsed = read(item.content)
        found += parsed
    for record in found:
        assert validate(record, world.spec) == [], record.label
    return found


def only(found: list[CreditRecord], code: str, day: date, record_type: str = "210") -> CreditRecord:
    hits = [
        r for r in found if r.record_type == record_type and r.report_code == code and r.report_date == day
    ]
    assert len(hits) == 1, [(r.report_code, r.report_date) for r in found]
    return hits[0]


def monthly(record: CreditRecord) -> dict[str, str]:
    segment = record.segment("AcctMthlyBlgInfSgmt")
    assert segment is not None
    return dict(segment.items)


def test_the_hand_schedule_is_the_loans(world: RegWorld) -> None:
    loan = world.loan()
    rows = world.servicing.loan(loan).schedule
    assert Decimal("888.49") == PMT
    assert [(r.interest, r.principal) for r in rows[:4]] == [(i, p) for i, p, _ in ROWS[:4]]


def test_opening_and_a_month_paid_on_time(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan(name="李雷")
    world.live_until(date(2026, 2, 1))
    january = records(world, "2026-01")
    opening = only(january, "10", date(2026, 1, 5))
    base = dict(opening.segments[0].items)
    assert base == {
        "InfRecType": "210",
        "AcctType": "D1",
        "AcctCode": PROVIDER + loan.replace("_", ""),
        "RptDate": "2026-01-05",
        "RptDateCode": "10",
        "Name": "李雷",
        "IDType": "10",  # 居民身份证
        "IDNum": id_number(1),
        "MngmtOrgCode": MANAGER,
    }
    basic = dict(opening.segment("AcctBsInfSgmt").items)  # type: ignore[union-attr]
    assert basic["BusiLines"] == "1"  # 贷款
    assert basic["BusiDtlLines"] == "91"  # consumer_credit's purpose is consumer: 其他个人消费贷款
    assert basic["OpenDate"] == "2026-01-05"
    assert basic["LoanAmt"] == "10000"
    assert basic["DueDate"] == "2027-01-05"  # the 12th installment
    assert basic["RepayMode"] == "11"  # 分期等额本息
    assert basic["RepayFreqcy"] == "03"  # 月
    assert basic["RepayPrd"] == "12"
    assert basic["GuarMode"] == "4"  # 信用/免担保
    assert monthly(opening) | {} == {
        "Month": "2026-01",
        "SettDate": "2026-01-05",  # no installment in January: the report date
        "AcctStatus": "1",
        "AcctBal": "10000",
        "RemRepPrd": "12",
        "FiveCate": "1",
        "FiveCateAdjDate": "2026-01-05",
        "RpyStatus": "*",  # nothing to repay this month
        "OverdPrd": "0",
        "TotOverd": "0",
        "OverdPrinc": "0",
        "Oved31_60Princ": "0",
        "Oved61_90Princ": "0",
        "Oved91_180Princ": "0",
        "OvedPrinc180": "0",
        "CurRpyAmt": "0",
        "ActRpyAmt": "0",
        "LatRpyDate": "2026-01-05",  # no payment yet: the opening date
    }
    end = monthly(only(january, "30", date(2026, 1, 31)))
    assert (end["SettDate"], end["AcctBal"], end["RpyStatus"]) == ("2026-01-31", "10000", "*")
    world.live_until(date(2026, 3, 1))
    february = monthly(only(records(world, "2026-02"), "30", date(2026, 2, 28)))
    assert february["SettDate"] == "2026-02-05"
    assert february["AcctBal"] == yuan(ROWS[0][2])  # 9211.51 -> 9212
    assert february["RemRepPrd"] == "11"
    assert february["RpyStatus"] == "N"  # paid on its due date
    assert february["CurRpyAmt"] == yuan(PMT) == february["ActRpyAmt"]
    assert february["LatRpyDate"] == "2026-02-05"
    assert (february["AcctStatus"], february["TotOverd"], february["FiveCate"]) == ("1", "0", "1")


def test_overdue_is_held_until_the_notice_period_passed_then_the_cure_is_reported(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(0))
    loan = world.loan()
    world.live_until(date(2026, 3, 1))
    world.month("2026-01")
    february = world.month("2026-02")
    assert february.summary["accounts"]["held"] == {"notice-pending": 1}  # 23 days past due, no notice yet
    assert february.summary["equal"]
    # the notice goes out when the loan enters the credit-report tier (day 31: 2026-03-08)
    world.live_until(date(2026, 3, 10))
    sent = [n for n in world.notifier.sent if n.template == "credit_report_notice"]
    assert len(sent) == 1
    assert "征信业管理条例" in sent[0].body
    due = world.servicing.position(loan, date(2026, 3, 10))
    payment = due.due_now
    world.pay(loan, payment)  # everything due, on 2026-03-10
    world.live_until(date(2026, 4, 1))
    march = records(world, "2026-03")
    # February's month end, held back, now reported first (the notice was delivered on 03-08)
    held = monthly(only(march, "30", date(2026, 2, 28)))
    rate = Decimal("0.12") * Decimal("1.5") / 360  # penalty: contract rate +50 %, a 360-day year
    # compound: the overdue interest bears penalty too; 23 days past due, the first 3 are the grace
    # days, which waive penalty only when paid within them (the contract's penalty clause)
    penalty = fen(PMT * rate * (23 - 3))
    assert held["AcctStatus"] == "2"  # 逾期
    assert held["RpyStatus"] == "1"  # 1-30 days
    assert held["OverdPrd"] == "1"
    assert held["OverdPrinc"] == yuan(ROWS[0][1])
    assert held["TotOverd"] == yuan(PMT + penalty)
    assert held["AcctBal"] == "10000"  # nothing repaid
    assert (held["FiveCate"], held["FiveCateAdjDate"]) == (
        "2",
        "2026-02-06",
    )  # 关注 from the first day past due
    cured = dict(only(march, "40", date(2026, 3, 10)).segment("AcctDbtInfSgmt").items)  # type: ignore[union-attr]
    assert cured["AcctStatus"] == "1"
    assert cured["TotOverd"] == "0"
    assert cured["LatRpyAmt"] == yuan(payment)
    assert cured["LatRpyDate"] == "2026-03-10"
    assert cured["AcctBal"] == yuan(ROWS[1][2])  # two installments' principal repaid
    end = monthly(only(march, "30", date(2026, 3, 31)))
    assert end["RpyStatus"] == "M"  # March's installment paid after its due date, before the month end
    assert (end["AcctStatus"], end["FiveCate"], end["FiveCateAdjDate"]) == ("1", "1", "2026-03-10")
    assert not world.month("2026-03").summary["held_accounts"]


def test_settlement_by_prepayment_closes_the_account_with_a_special_transaction(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        world.live_until(date.fromisoformat(month + "-01") + timedelta(days=31))
        world.month(month)
    world.live_until(date(2026, 5, 20))
    quote = world.servicing.payoff_quote(loan)
    world.servicing.prepay(loan, key="payoff", confirmation=world.confirmed(quote.total))
    world.live_until(date(2026, 6, 1))
    may = records(world, "2026-05")
    closing = only(may, "20", date(2026, 5, 20))
    h = monthly(closing)
    assert (h["AcctStatus"], h["RpyStatus"], h["AcctBal"], h["TotOverd"]) == ("3", "C", "0", "0")
    assert h["CloseDate"] == "2026-05-20"
    assert h["RemRepPrd"] == "0"
    assert h["ActRpyAmt"] == yuan(PMT + quote.total)  # May's installment and the payoff
    special = closing.segment("AcctSpecTrstDspnSgmt")
    assert special is not None
    assert special.get("CagOfTrdNm") == "1"
    assert dict(special.groups[0]) == {
        "ChanTranType": "5",  # 提前结清
        "TranDate": "2026-05-20",
        "TranAmt": yuan(ROWS[3][2]),  # the principal left after four installments (02-05 .. 05-05)
        "DueTranMon": "0",
        "DetInfo": "提前还款",
    }
    assert not [r for r in may if r.report_code == "30"]  # closed: no month-end record
    world.live_until(date(2026, 7, 1))
    assert world.month("2026-06").files == []  # nothing more for a closed account


def test_a_written_off_loan_is_reported_as_bad_debt(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(0))
    loan = world.loan()
    world.live_until(date(2026, 3, 20))
    result = world.servicing.write_off(loan, key="wo", reason="fraud", on=date(2026, 3, 20))
    world.live_until(date(2026, 4, 1))
    world.month("2026-01")
    world.month("2026-02")
    march = records(world, "2026-03")
    end = only(march, "30", date(2026, 3, 31))
    h = monthly(end)
    assert h["AcctStatus"] == "42"  # 呆账（已核销）
    assert h["AcctBal"] == "10000"  # written-off principal, nothing recovered
    assert h["TotOverd"] == yuan(result.amount)  # everything written off is still owed
    assert (h["FiveCate"], h["FiveCateAdjDate"]) == ("5", "2026-03-20")  # 损失
    assert h["RpyStatus"] == "2"  # 54 days from the first unpaid due date (02-05)
    group = dict(end.segment("AcctSpecTrstDspnSgmt").groups[0])  # type: ignore[union-attr]
    assert (group["ChanTranType"], group["TranDate"], group["TranAmt"]) == (
        "15",
        "2026-03-20",
        yuan(result.amount),
    )
    assert result.amount == Decimal(10000) + ROWS[0][0] + ROWS[1][0] + result.penalty


def test_a_back_dated_payment_becomes_a_correction_not_a_rewritten_file(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 3, 1))
    world.month("2026-01")
    first = world.month("2026-02")
    reported = monthly(
        only(
            [parse_line(x) for x in account_file(first).content.decode().splitlines()[1:]],
            "30",
            date(2026, 2, 28),
        )
    )
    assert reported["ActRpyAmt"] == yuan(PMT)
    world.live_until(date(2026, 3, 3))
    world.pay(loan, Decimal("1000.00"), on=date(2026, 2, 20))  # found at the branch, booked in March
    world.live_until(date(2026, 4, 1))
    march = records(world, "2026-03")
    corrections = [r for r in march if r.record_type == "212"]
    assert len(corrections) == 1
    fix = corrections[0]
    assert dict(fix.segments[0].items) == {
        "InfRecType": "212",
        "ModRecCode": PROVIDER + loan.replace("_", ""),
        "AcctType": "D1",
        "RptDate": "2026-02-28",
        "MdfcSgmtCode": "H",
    }
    corrected = dict(fix.segments[1].items)
    assert corrected["ActRpyAmt"] == yuan(PMT + 1000)
    assert world.month("2026-02").files == first.files  # February as reported stays as it was


def test_a_deletion_request_is_sent_once_and_ends_the_account(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.reporting.request_deletion(loan, reason="reported in error", actor="ops")
    world.live_until(date(2026, 3, 1))
    february = records(world, "2026-02")
    assert [(r.record_type, dict(r.segments[0].items)) for r in february] == [
        ("214", {"InfRecType": "214", "DelRecCode": PROVIDER + loan.replace("_", "")})
    ]
    world.live_until(date(2026, 4, 1))
    assert world.month("2026-03").files == []


def test_rerunning_a_month_writes_the_same_bytes(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    world.loan()
    world.live_until(date(2026, 2, 1))
    first = world.month("2026-01")
    world.clock.advance(timedelta(days=3))
    again = world.month("2026-01")
    assert [(f.name, f.content) for f in again.files] == [(f.name, f.content) for f in first.files]
    assert again.summary == first.summary


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-01", "", "2026-01-01"])
def test_a_bad_month_is_refused(world: RegWorld, month: str) -> None:
    from loanfactory.errors import InvalidInput

    with pytest.raises(InvalidInput):
        world.month(month)


def test_months_run_in_order_and_only_when_over(world: RegWorld) -> None:
    from loanfactory.errors import StateConflict

    world.loan()
    world.live_until(date(2026, 1, 20))
    with pytest.raises(StateConflict):
        world.month("2026-01")  # not over yet
    world.live_until(date(2026, 3, 2))
    world.month("2026-01")
    with pytest.raises(StateConflict):
        world.month("2026-03")  # not over; and February first
    world.month("2026-02")
    with pytest.raises(StateConflict):
        world.month("2025-12")  # later months were already reported


def test_no_signed_consent_means_nothing_is_reported(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    customer = world.customer()
    contract = world.servicing.open_loan(world.request(customer_id=customer), key="open-unsigned")
    world.live_until(date(2026, 2, 1))
    report = world.month("2026-01")
    assert report.files == []
    assert contract.loan_id not in {h["loan_id"] for h in report.summary["held_accounts"]}  # never disbursed
