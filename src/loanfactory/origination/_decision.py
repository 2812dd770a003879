"""Decision records (决策记录): every step's outcome with its reasons, fired rules and trace.

Each step of origination (eligibility, pre-review, scoring, routing, limit, pricing, tags,
manual review, compliance) leaves one :class:`DecisionRecord`, so an auditor can replay why an
applicant was approved, sent to a reviewer or rejected. Values and trace are stored as JSON-safe
data (Decimals as strings) so every store keeps them exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from loanfactory.entity import Entity
from loanfactory.origination._values import AwareDatetime, StepReason


class DecisionStep(StrEnum):
    """The step a decision belongs to (决策环节)."""

    eligibility = "eligibility"  # 准入
    pre_review = "pre_review"  # 智能预审
    scoring = "scoring"  # 信用评估
    routing = "routing"  # 审批路由
    limit = "limit"  # 额度
    pricing = "pricing"  # 定价
    tags = "tags"  # 用户画像
    manual_review = "manual_review"  # 人工审核
    compliance = "compliance"  # 合规校验


class StepOutcome(StrEnum):
    """What a step concluded."""

    passed = "pass"  # continue
    approve = "approve"
    manual_review = "manual_review"
    reject = "reject"
    returned = "returned"  # sent back for more information


class DecisionRecord(Entity):
    """One step's decision on one application."""

    kind: ClassVar[str] = "decision_record"
    indexes: ClassVar[tuple[str, ...]] = ("application_id", "step", "outcome")

    application_id: str
    customer_id: str
    product_code: str
    step: DecisionStep
    outcome: StepOutcome
    values: dict[str, Any] = Field(default_factory=dict)
    reasons: tuple[StepReason, ...] = ()
    fired_rules: tuple[str, ...] = ()
    trace: tuple[dict[str, Any], ...] = ()
    rule_set: str | None = None
    actor: str = "system"
    at: AwareDatetime


def json_safe(value: Any) -> Any:
    """``value`` with Decimals, dates, enums and models turned into JSON-safe scalars (exactly)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [json_safe(v) for v in value]
    return str(value)
