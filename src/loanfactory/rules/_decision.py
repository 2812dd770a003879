"""The result of evaluating rules: :class:`Decision` (决策结果), with reasons and an optional trace.

A decision is plain data, the same from both engines, and serialises to stable JSON
(:meth:`Decision.to_json`): keys in a fixed order, amounts and rates as decimal strings, dates in
ISO form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from loanfactory.errors import LoanfactoryError


class RuleEvaluationError(LoanfactoryError):
    """Rules could not decide: a UNIQUE table matched several rows, an ANY table's rows disagree."""

    code = "rule-evaluation"


class Outcome(StrEnum):
    """What a decision says (决策结论), weakest first; a flow keeps the strongest of its steps."""

    passed = "pass"  # nothing to object to (通过，无结论)
    approve = "approve"  # 自动通过
    manual_review = "manual_review"  # 转人工审核
    reject = "reject"  # 拒绝

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Outcome.passed: 0, Outcome.approve: 1, Outcome.manual_review: 2, Outcome.reject: 3}
OUTCOMES: tuple[Outcome, ...] = (Outcome.passed, Outcome.approve, Outcome.manual_review, Outcome.reject)


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason an applicant can be told (原因), with its code and messages in both languages."""

    code: str
    message: str
    message_zh: str
    rule: str

    def text(self, lang: str = "en") -> str:
        return self.message_zh if lang == "zh" else self.message

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "message_zh": self.message_zh, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class Action:
    """An action a rule asks for (动作): ``sms_reminder``, ``outsourced_collection`` ..."""

    name: str
    params: Mapping[str, Any]
    rule: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": {k: to_plain(v) for k, v in self.params.items()},
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """Whether one rule (or table row, or scorecard bin) matched, and the values it read."""

    rule: str
    matched: bool
    reads: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "matched": self.matched,
            "reads": {k: to_plain(v) for k, v in self.reads.items()},
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome, output values, reasons, fired rules, tags, actions and (optionally) the trace."""

    definition: str
    outcome: Outcome
    values: Mapping[str, Any]
    reasons: tuple[Reason, ...]
    fired: tuple[str, ...]
    tags: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    trace: tuple[TraceEntry, ...] | None = None

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with a stable key order."""
        body: dict[str, Any] = {
            "definition": self.definition,
            "outcome": self.outcome.value,
            "values": {k: to_plain(self.values[k]) for k in sorted(self.values)},
            "reasons": [r.to_json() for r in self.reasons],
            "fired": list(self.fired),
            "tags": list(self.tags),
            "actions": [a.to_json() for a in self.actions],
        }
        if self.trace is not None:
            body["trace"] = [t.to_json() for t in self.trace]
        return body


def to_plain(value: Any) -> Any:
    """JSON-ready form of a rule value: Decimal as string, dates, times and durations in ISO 8601,
    records and models as dicts, lists as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value.value if isinstance(value, StrEnum) else value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        from loanfactory.rules._temporal import duration_text

        return duration_text(value)
    if hasattr(value, "isoformat") and type(value).__name__ == "YearsMonths":
        return str(value.isoformat())
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    return str(value)
