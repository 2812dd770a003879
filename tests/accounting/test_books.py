"""The books of single loans through their life, against figures worked out by hand: daily accrual,
interest falling due, repayment, non-accrual and its reversal, class moves and provisions,
write-off and recovery, prepayment; and a close that is idempotent and never half written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from books_world import World

from loanfactory.servicing import Category, LoanStatus
from loanfactory.testing._books import MemoryBooks

D = Decimal
CENT = D("0.01")


def fen(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


# 10,000 yuan at 12 % for 12 months, level installments, value date 2026-01-05, due on the 5th:
# the monthly rate is 1 %; PMT = 10000 x 0.01 / (1 - 1.01^-12) = 888.4879 -> 888.49.
PMT = fen(D(10000) * D("0.01") / (1 - D("1.01") ** -12))
INTEREST_1 = fen(D(10000) * D("0.01"))  # 100.00, earned 2026-01-05 .. 02-04 (31 days)
BALANCE_1 = D(10000) - (PMT - INTEREST_1)  # 9,211.51
INTEREST_2 = fen(BALANCE_1 * D("0.01"))  # 92.12, earned 2026-02-05 .. 03-04 (28 days)


def test_the_hand_figures() -> None:
    assert (D("888.49"), D("100.00"), D("9211.51"), D("92.12")) == (PMT, INTEREST_1, BALANCE_1, INTEREST_2)


def test_interest_accrues_daily_and_falls_due_on_the_due_date() -> None:
    world = World()
    world.feed()
    world.open()
    world.advance(16)  # closes 2026-01-05 .. 01-20: 16 of the period's 31 days
    assert world.closed == date(2026, 1, 20)
    assert world.balance("113201") == fen(INTEREST_1 * 16 / 31) == D("51.61")
    assert world.balance("601101") == D("51.61")
    assert world.balance("130101") == D("10000.00")
    assert world.balance("300301") == D("-10000.00")  # paid out through the payment system
    world.advance(15)  # to 02-04: the whole period accrued
    assert world.balance("113201") == INTEREST_1
    world.advance(1)  # 02-05: charged, collected by auto-debit, and the next period's first day
    assert world.closed == date(2026, 2, 5)
    assert world.balance("113202") == 0  # charged 100.00 and paid the same day
    assert world.balance("113201") == fen(INTEREST_2 / 28)  # 3.29
    assert world.balance("601101") == INTEREST_1 + fen(INTEREST_2 / 28)
    assert world.balance("130101") == BALANCE_1
    assert world.balance("300301") == PMT - D(10000)
    tb = world.gl.trial_balance(date(2026, 1, 1), world.closed)
    assert tb.balanced
    assert tb.net_income == world.balance("601101") - world.balance("670201")


def test_one_journal_per_posting_and_a_close_is_never_repeated() -> None:
    world = World()
    world.feed()
    loan = world.open()
    world.advance(70, check=True)
    journals = world.journals()
    derived = [j for j in journals if j.source]
    assert sorted(j.source for j in derived) == sorted(e.id for e in world.entries(loan))
    assert len({j.id for j in journals}) == len(journals)
    for j in journals:
        world.gl.rules.chart and j.check(world.gl.rules.chart)
    before = len(journals)
    assert world.gl.close_day(world.closed) == 0  # closed: nothing again
    world.servicing.run_eod(world.closed)  # the completed end of day answers from its record
    assert len(world.journals()) == before


def test_a_close_that_fails_writes_nothing_and_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    world.feed()
    world.open()
    world.advance(20)
    before = world.journals()
    day = world.clock.today()

    def broken(self: MemoryBooks, close: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(MemoryBooks, "add_day_close", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        world.servicing.run_eod(day)
    assert world.journals() == before
    assert world.closed == day - timedelta(days=1)
    monkeypatch.undo()
    world.servicing.run_eod(day)  # the end of day resumes; the books close once
    assert world.closed == day
    assert len(world.journals()) > len(before)
    assert world.gl.close_day(day) == 0


def test_a_loan_past_90_days_stops_accruing_and_resumes_when_cured() -> None:
    world = World()
    world.starve()
    loan = world.open()
    world.advance(31 + 91, check=True)  # due 02-05 unpaid; 91 days past due on 2026-05-07
    assert world.closed == date(2026, 5, 6)
    current = world.servicing.loan(loan)
    assert current.days_past_due == 90
    assert current.category is Category.special_mention
    world.advance(1, check=True)
    current = world.servicing.loan(loan)
    assert current.days_past_due == 91
    assert current.category is Category.substandard
    position = world.servicing.position(loan, world.closed)
    # nothing was ever received, so no interest or penalty is income any more: all of it is off
    # the balance sheet, and the principal sits in 次级
    assert world.balance("601101") == 0
    assert world.balance("601102") == 0
    for account in ("113201", "113202", "113203"):
        assert world.balance(account) == 0
    assert world.balance("710102") == position.interest > 0
    assert world.balance("710103") == position.penalty > 0
    assert world.balance("710101") > 0
    assert world.balance("130103") == position.principal == D(10000)
    assert world.balance("130102") == 0
    stop = [j for j in world.journals() if j.kind == "stop-accrual"]
    assert len(stop) == 1
    assert stop[0].accounting_date == date(2026, 5, 7)
    # 25 % of the principal for 次级
    assert world.balance("130401") == fen(D(10000) * D("0.25")) == world.balance("670201")
    world.feed()
    paid_before = world.balance("601101")
    world.advance(10, check=True)  # the overdue amounts are collected: cured, accrual resumes
    current = world.servicing.loan(loan)
    assert current.days_past_due == 0  # (still 次级: the 90-day tier flagged it for litigation)
    assert current.category is Category.substandard
    assert "litigation" in current.overrides
    assert [j.kind for j in world.journals() if j.kind.endswith("accrual") and "-" in j.kind] == [
        "stop-accrual",
        "resume-accrual",
    ]
    for account in ("710101", "710102", "710103"):
        assert world.balance(account) == 0
    assert world.balance("601101") > paid_before


def test_write_off_and_recovery() -> None:
    world = World()
    world.starve()
    loan = world.open()
    world.advance(31 + 366, check=True)  # past 360 days: 损失
    assert world.servicing.loan(loan).category is Category.loss
    principal = world.servicing.position(loan, world.closed).principal
    assert world.balance("130105") == principal == D(10000)
    assert world.balance("130401") == principal  # 100 % provided
    world.servicing.write_off(loan, key="wo", reason="uncollectable", on=world.clock.today())
    written = world.servicing.position(loan, world.clock.today()).written_off
    world.advance(1, check=True)
    assert world.servicing.loan(loan).status is LoanStatus.written_off
    assert world.balance("130105") == 0
    assert world.balance("130401") == 0
    assert world.balance("7201") == written  # 账销案存: principal, interest and penalty written off
    expense = world.balance("670201")
    assert expense == principal  # the whole principal was provided, then used by the write-off
    world.feed()
    world.pay(loan, D("500"), key="recovered")
    world.advance(1, check=True)
    assert world.balance("7201") == written - D(500)
    assert world.balance("130401") == 0  # replenished by the recovery, released by the re-measurement
    assert world.balance("670201") == expense - D(500)
    assert world.balance("224101") == 0  # a recovery is not the borrower's money


def test_a_prepayment_in_the_middle_of_a_period() -> None:
    world = World()
    world.feed()
    loan = world.open()
    world.advance(103, check=True)  # 2026-04-18: 13 days into the fourth period
    world.prepay(loan, key="part", principal=D("3000"))
    world.advance(20, check=True)
    world.prepay(loan, key="all")
    world.advance(2, check=True)
    assert world.servicing.loan(loan).status is LoanStatus.settled
    for account in ("113201", "113202", "130101", "130401", "224101"):
        assert world.balance(account) == 0
    # every yuan of interest the borrower paid is income, and nothing else is
    paid = sum((-e.interest for e in world.entries(loan) if e.type in ("repayment", "prepayment")), D(0))
    assert world.balance("601101") == paid > 0
    # the books of a settled loan leave the daily work
    with world.store.transaction() as tx:
        assert loan not in tx.books.loan_books().ids  # type: ignore[attr-defined]


def test_a_reversed_payment_is_booked_in_red_and_the_books_follow_the_replay() -> None:
    world = World()
    world.starve()
    loan = world.open()
    world.advance(31 + 10, check=True)  # 10 days past due, penalty charged daily
    paid = world.pay(loan, D("1200"), key="cash")
    world.advance(6, check=True)
    world.reverse(loan, paid.entry_id or "", key="bounced", reason="cheque bounced")
    world.advance(3, check=True)
    red = [j for j in world.journals() if j.red]
    assert red
    assert all(j.kind == "repayment" for j in red)
    original = next(j for j in world.journals() if j.source == paid.entry_id)
    reversal = next(j for j in red if j.memo.startswith("reversal"))

    def kinds(account: str) -> str:  # the principal goes back to the class the loan is in now
        return "loan" if account.startswith("1301") else account

    assert {(kinds(ln.account), ln.side, -ln.amount) for ln in reversal.lines} == {
        (kinds(ln.account), ln.side, ln.amount) for ln in original.lines
    }
    # the penalty the replay put back for the days the money was thought received
    adjustments = [e for e in world.entries(loan) if e.idempotency_key and "penalty-adj" in e.idempotency_key]
    assert adjustments
    assert world.balance("113203") == world.servicing.position(loan, world.closed).penalty > 0


def test_a_floating_rate_loan_reprices_and_the_books_follow() -> None:
    """A 3.05 % mortgage (LPR 5y 3.50 − 45 bp) reprices to 2.85 % on 1 January after a new fixing:
    the accrual follows the re-amortised schedule and the books reconcile every day across it."""
    from loanfactory.lpr import LprFixing, LprSeries

    full = LprSeries.of(
        [*LprSeries.default().fixings, LprFixing(date(2025, 12, 22), D("0.0290"), D("0.0330"))]
    )
    holder: list[World] = []

    def published() -> LprSeries:
        today = holder[0].clock.today()
        return LprSeries(tuple(f for f in full.fixings if f.date <= today))

    world = World(start=date(2025, 8, 1), products=("home_mortgage",), lpr=published)
    holder.append(world)
    world.feed()
    house = {"payee": "开发商", "payee_account": "6200222", "payee_category": "housing-purchase"}
    loan = world.open("home_mortgage", amount=D("1000000"), term=120, annual_rate=D("0.0305"), **house)
    world.advance(140)  # to 2025-12-18
    world.advance(50, check=True)  # across the new fixing and 1 January
    current = world.servicing.loan(loan)
    assert current.repriced_on == date(2026, 1, 1)
    # January's interest is earned at two rates: the books recognise exactly what is charged
    charged = sum((e.interest for e in world.entries(loan) if e.type == "interest"), D(0))
    assert world.balance("601101") == charged + world.balance("113201")
