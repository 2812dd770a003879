"""Warnings from event rules (事件规则预警): a :class:`WarningMonitor` on the rules engine's
durable-rules :class:`~loanfactory.rules.EventMonitor`.

The end of day posts each loan's events — ``due`` (three days ahead, at the due date),
``payment`` (each day's cash received) — and moves the monitor's clock to the end of the business
date; the actions the rules emit (``rules/warnings.yaml``, ``servicing_warnings``) become risk
signals: ``overdue_warning`` → no payment after a due date, ``risk_warning`` → a bad bureau record.
Reminders 72 hours ahead are sent by the end of day itself, so ``due_reminder`` is not mapped.

The monitor's state lives in memory: a process that restarts builds a new monitor and posts the
open due dates again (the stateless built-in rule of the end of day needs none of this).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from loanfactory.entity import CST
from loanfactory.rules import EmittedAction, Event, EventMonitor
from loanfactory.servicing._records import SignalKind

DEFAULT_SIGNALS: Mapping[str, SignalKind] = {
    "overdue_warning": SignalKind.no_payment_after_due,
    "risk_warning": SignalKind.bad_bureau_record,
}


class RulesWarningMonitor:
    """Adapts an :class:`~loanfactory.rules.EventMonitor` to :class:`WarningMonitor`."""

    def __init__(self, monitor: EventMonitor, signals: Mapping[str, SignalKind] = DEFAULT_SIGNALS) -> None:
        self.monitor = monitor
        self.signals = dict(signals)

    def post(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        on: date = event["on"]
        moment = datetime.combine(on, time(0, 0) if event["type"] == "due" else time(12, 0), tzinfo=CST)
        data = {
            k: (str(v) if not isinstance(v, int | str) else v)
            for k, v in event.items()
            if k not in ("type", "loan_id", "on")
        }
        ident = f"{event['type']}:{event['loan_id']}:{on.isoformat()}:{data.get('installment', '')}"
        emitted = self.monitor.post(Event(str(event["type"]), str(event["loan_id"]), moment, data, id=ident))
        return self._actions(emitted)

    def advance(self, day: date) -> list[dict[str, Any]]:
        end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=CST) - timedelta(seconds=1)
        if end <= self.monitor.now:
            return []
        return self._actions(self.monitor.advance_to(end))

    def _actions(self, emitted: list[EmittedAction]) -> list[dict[str, Any]]:
        out = []
        for action in emitted:
            signal = self.signals.get(action.action)
            if signal is not None:
                details = {k: str(v) for k, v in action.params.items()}
                details["rule"] = action.rule
                out.append({"signal": signal.value, "loan_id": action.key, "details": details})
        return out
