"""Event rules on durable_rules with an injected clock: sequences, absences, time windows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.rules import Event, EventMonitor, RuleLibrary

from .conftest import load_text

T0 = datetime(2025, 6, 1, 9, 0)


@pytest.fixture
def monitor(library: RuleLibrary):  # type: ignore[no-untyped-def]
    with EventMonitor(library.events["servicing_warnings"], start=T0) as m:
        yield m


def names(actions: list) -> list[str]:  # type: ignore[type-arg]
    return [(a.rule, a.key) for a in actions]  # type: ignore[misc]


def test_no_payment_within_three_days_after_due(monitor: EventMonitor) -> None:
    due = T0 + timedelta(days=5)
    monitor.post(Event("due", "L1", due, {"amount": 1200}, id="d1"))
    monitor.post(Event("due", "L2", due, {"amount": 900}, id="d2"))
    monitor.post(Event("payment", "L1", due + timedelta(days=2), {"amount": 1200}))
    assert [a for a in monitor.advance_to(due + timedelta(days=3)) if a.rule == "no_payment_after_due"] == []
    fired = [
        a for a in monitor.advance_to(due + timedelta(days=3, seconds=2)) if a.rule == "no_payment_after_due"
    ]
    assert [(a.key, a.action, a.params["due_id"], a.params["amount"]) for a in fired] == [
        ("L2", "overdue_warning", "d2", 900)
    ]
    # each match fires once, however far the clock moves
    assert [a for a in monitor.advance_to(due + timedelta(days=30)) if a.rule == "no_payment_after_due"] == []


def test_payment_after_the_window_does_not_cancel_the_warning(monitor: EventMonitor) -> None:
    due = T0 + timedelta(days=1)
    monitor.post(Event("due", "L9", due, id="d9"))
    assert ("no_payment_after_due", "L9") in names(monitor.advance_to(due + timedelta(days=4)))
    assert monitor.post(Event("payment", "L9", due + timedelta(days=4))) == []


def test_bad_record_after_disbursement(monitor: EventMonitor) -> None:
    monitor.post(Event("bureau_record", "L1", T0 - timedelta(days=10), {"severity": "severe"}, id="old"))
    monitor.post(Event("disbursement", "L1", T0, id="disb"))
    assert monitor.post(Event("bureau_record", "L1", T0 + timedelta(days=1), {"severity": "minor"})) == []
    found = monitor.post(
        Event("bureau_record", "L1", T0 + timedelta(days=2), {"severity": "severe"}, id="r2")
    )
    assert [(a.action, a.params["record_id"]) for a in found] == [("risk_warning", "r2")]
    other_loan = monitor.post(Event("bureau_record", "L2", T0 + timedelta(days=2), {"severity": "severe"}))
    assert other_loan == []
    again = monitor.post(
        Event("bureau_record", "L1", T0 + timedelta(days=3), {"severity": "severe"}, id="r3")
    )
    assert [a.params["record_id"] for a in again] == ["r3"]


def test_reminder_72_hours_before_due(monitor: EventMonitor) -> None:
    due = T0 + timedelta(days=10)
    monitor.post(Event("due", "L5", due, id="d5"))
    assert monitor.advance_to(due - timedelta(hours=73)) == []
    assert names(monitor.advance_to(due - timedelta(hours=71))) == [("due_soon", "L5")]


def test_forget_and_clock_rules(monitor: EventMonitor) -> None:
    due = T0 + timedelta(days=1)
    monitor.post(Event("due", "L7", due))
    monitor.forget("L7")
    assert monitor.advance_to(due + timedelta(days=10)) == []
    with pytest.raises(InvalidInput):
        monitor.advance_to(T0)
    monitor.close()
    with pytest.raises(StateConflict):
        monitor.post(Event("due", "L7", due))


def test_old_facts_expire(library: RuleLibrary) -> None:
    with EventMonitor(library.events["servicing_warnings"], start=T0) as m:
        m.post(Event("disbursement", "L1", T0))
        m.advance_to(T0 + timedelta(days=401))
        assert m.post(Event("bureau_record", "L1", T0 + timedelta(days=402), {"severity": "severe"})) == []


def test_event_rule_errors_are_located() -> None:
    text = """kind: rules
definitions:
  - id: w
    type: events
    purpose: warning
    rules:
      - id: r
        when:
          - {as: a, event: due}
          - {absent: payment, after: b, within: 3x}
        emit: x
"""
    lib, problems = load_text(text)
    assert lib is None
    assert {d.code for d in problems} & {"bad-duration", "bad-pattern"}
