"""Risk monitoring: 72-hour reminders, fund-use supervision, bureau and collateral signals, event rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from servicing_world import World

from loanfactory.entity import CST
from loanfactory.errors import InvalidInput
from loanfactory.ports import BureauRecord, PaymentRecord
from loanfactory.servicing import Category, DueDateMonitor, RiskSignal, RiskWarning, SignalKind

D = Decimal


def _notes(world: World, template: str) -> list[dict[str, object]]:
    with world.store.transaction() as tx:
        return [
            m.payload
            for m in tx.outbox.pending(100_000)
            if m.topic == "notification" and m.payload["template"] == template
        ]


def test_a_reminder_goes_out_72_hours_before_each_due_date(world: World) -> None:
    world.active()
    world.until(date(2026, 2, 2))
    assert _notes(world, "repayment_reminder") == []
    world.advance(1)  # the end of day of 02-02 reminds of 02-05
    [note] = _notes(world, "repayment_reminder")
    assert "2026-02-05" in str(note["body"])
    assert "888.49" in str(note["body"])
    world.until(date(2026, 4, 5))
    assert len(_notes(world, "repayment_reminder")) == 3


def test_money_sent_to_securities_is_a_misuse_signal(world: World) -> None:
    loan_id = world.active()
    at = datetime(2026, 1, 10, 15, 0, tzinfo=CST)
    fine = PaymentRecord(
        loan_id=loan_id, at=at, amount=D("2000"), payee="家电商城", payee_category="consumption"
    )
    assert world.servicing.observe_payment(fine) is None
    bad = PaymentRecord(loan_id=loan_id, at=at, amount=D("5000"), payee="某证券", payee_category="securities")
    signal = world.servicing.observe_payment(bad)
    assert signal is not None
    assert signal.signal is SignalKind.fund_misuse
    assert world.servicing.observe_payment(bad) is None  # the same payment once
    assert "fund-misuse" in world.servicing.loan(loan_id).overrides
    world.advance(1)
    assert world.servicing.loan(loan_id).category is Category.special_mention  # the override, no overdue
    with world.store.transaction() as tx:
        [warning] = tx.repo(RiskWarning).list(loan_id=loan_id)
    assert set(warning.recipients) == {"risk-officer", "cust-1"}
    assert _notes(world, "risk_warning")


def test_uses_outside_the_allowed_list_are_flagged(world: World) -> None:
    loan_id = world.active()
    record = PaymentRecord(
        loan_id=loan_id,
        at=datetime(2026, 1, 9, tzinfo=CST),
        amount=D("100"),
        payee="x",
        payee_category="equipment",
    )
    signal = world.servicing.observe_payment(record)
    assert signal is not None
    assert signal.details["reason"] == "not-an-allowed-use"


def test_a_new_bad_bureau_record_after_disbursement_raises_a_signal(world: World) -> None:
    loan_id = world.active()
    old = BureauRecord(kind="loan", worst_status="bad_debt", reported=date(2025, 6, 1))
    assert world.servicing.report_bureau_record(loan_id, old) is None  # known before the loan
    good = BureauRecord(kind="loan", worst_status="normal", reported=date(2026, 2, 1))
    assert world.servicing.report_bureau_record(loan_id, good) is None
    new = BureauRecord(kind="court_judgement", reported=date(2026, 2, 1))
    signal = world.servicing.report_bureau_record(loan_id, new)
    assert signal is not None
    assert signal.signal is SignalKind.bad_bureau_record


def test_a_collateral_drop_beyond_20_percent_raises_a_signal(world: World) -> None:
    loan_id = world.active()
    assert world.servicing.report_collateral_value(loan_id, previous=D("100000"), current=D("85000")) is None
    signal = world.servicing.report_collateral_value(loan_id, previous=D("100000"), current=D("70000"))
    assert signal is not None
    assert signal.details["drop"] == "30.0%"
    with pytest.raises(InvalidInput):
        world.servicing.report_collateral_value(loan_id, previous=D(0), current=D(1))


def test_no_payment_three_days_after_a_due_date(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 2, 8))
    with world.store.transaction() as tx:
        assert tx.repo(RiskSignal).list(loan_id=loan_id) == []
    world.advance(1)
    with world.store.transaction() as tx:
        [signal] = tx.repo(RiskSignal).list(loan_id=loan_id)
    assert signal.signal is SignalKind.no_payment_after_due
    assert signal.observed_on == date(2026, 2, 8)


def test_an_event_monitor_drives_the_warnings_when_given() -> None:
    monitor = DueDateMonitor(days=2)
    world = World(monitor=monitor)
    loan_id = world.active()
    world.gateway.fund("6222020200112233", D(0))
    world.until(date(2026, 2, 8))
    with world.store.transaction() as tx:
        [signal] = tx.repo(RiskSignal).list(loan_id=loan_id)
    assert signal.observed_on == date(2026, 2, 7)
    assert signal.details["days"] == "2"


def test_the_monitor_forgets_a_due_date_once_paid() -> None:
    monitor = DueDateMonitor(days=3)
    monitor.post({"type": "due", "loan_id": "l", "on": date(2026, 2, 5)})
    assert monitor.advance(date(2026, 2, 7)) == []
    monitor.post({"type": "payment", "loan_id": "l", "on": date(2026, 2, 7)})
    assert monitor.advance(date(2026, 2, 9)) == []
    with pytest.raises(InvalidInput):
        DueDateMonitor(days=0)


def test_the_durable_event_rules_drive_the_warnings() -> None:
    from pathlib import Path

    from loanfactory.rules import EventMonitor, load_rule_file
    from loanfactory.servicing import RulesWarningMonitor

    library, problems = load_rule_file(Path(__file__).resolve().parents[2] / "rules" / "warnings.yaml")
    assert library is not None, problems
    start = datetime(2026, 1, 5, tzinfo=CST)
    with EventMonitor(library.events["servicing_warnings"], start=start) as events:
        world = World(monitor=RulesWarningMonitor(events))
        paying = world.active(customer_id="p", account="A-pay")
        silent = world.active(customer_id="s", account="A-silent")
        world.gateway.fund("A-silent", D(0))
        world.until(date(2026, 2, 12))
        with world.store.transaction() as tx:
            assert tx.repo(RiskSignal).list(loan_id=paying) == []
            [signal] = tx.repo(RiskSignal).list(loan_id=silent)
    assert signal.signal is SignalKind.no_payment_after_due
    assert signal.details["rule"] == "no_payment_after_due"
    assert signal.observed_on == date(2026, 2, 8)  # the window of 3 days after 02-05 closed that night
