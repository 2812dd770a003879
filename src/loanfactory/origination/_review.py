"""Manual review (人工审核): a two-step workflow, 初审 then 复审, under the four-eyes rule.

An application routed to manual review gets a first-stage :class:`ReviewTask`. A reviewer claims
it, writes notes and decides: approve (which opens the second-stage task), reject, or return it
for more information (the applicant supplies documents and a new first-stage task opens).
Approving the second stage approves the application. Who may act on a task at all — the roles
the product allows at the amount, never on an application one filed, never the 复审 after one's
own 初审 or return (四眼原则) — is decided in one place, :mod:`.duties`, before these run.

The functions here check and change one task; the service stores the result with its events.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import Money
from loanfactory.origination._values import AwareDatetime, StepReason, Value


class ReviewStage(StrEnum):
    first = "first"  # 初审
    second = "second"  # 复审

    @property
    def zh(self) -> str:
        return "初审" if self is ReviewStage.first else "复审"


class ReviewTaskStatus(StrEnum):
    open = "open"  # 待领取
    claimed = "claimed"  # 处理中
    approved = "approved"  # 通过
    rejected = "rejected"  # 拒绝
    returned = "returned"  # 退回补充资料
    cancelled = "cancelled"  # 撤销

    @property
    def is_done(self) -> bool:
        return self not in (ReviewTaskStatus.open, ReviewTaskStatus.claimed)


class ReviewNote(Value):
    author: str
    at: AwareDatetime
    text: Annotated[str, Field(min_length=1, max_length=2000)]


class ReviewTask(Entity):
    """One stage of the manual review of one application."""

    kind: ClassVar[str] = "review_task"
    indexes: ClassVar[tuple[str, ...]] = ("application_id", "stage", "status", "assignee")

    application_id: str
    customer_id: str
    product_code: str
    stage: ReviewStage
    round: int = 0  # the application's review round (bumped each time it is returned)
    status: ReviewTaskStatus = ReviewTaskStatus.open
    assignee: str | None = None
    excluded: tuple[str, ...] = ()  # who may not act on it, as of its opening (see .duties)
    notes: tuple[ReviewNote, ...] = ()
    reasons: tuple[StepReason, ...] = ()  # why it was routed here, then the reviewer's reasons
    approved_amount: Money | None = None
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    created_at: AwareDatetime


def _reviewer(user: str) -> str:
    name = user.strip() if isinstance(user, str) else ""
    if not name:
        raise InvalidInput("a reviewer id is required", field="reviewer", message_zh="需要审核人编号")
    return name


def claim(task: ReviewTask, user: str) -> ReviewTask:
    """``user`` takes the task (领取); a task held by someone else cannot be taken."""
    user = _reviewer(user)
    if task.status is ReviewTaskStatus.claimed and task.assignee == user:
        return task
    if task.status is not ReviewTaskStatus.open:
        raise StateConflict(
            f"review task {task.id} is {task.status.value}"
            + (f" by {task.assignee}" if task.assignee else ""),
            field="task",
            code="task-taken",
            message_zh=f"审核任务 {task.id} 状态为 {task.status.value}",
        )
    return task.model_copy(update={"status": ReviewTaskStatus.claimed, "assignee": user})


def release_claim(task: ReviewTask, user: str) -> ReviewTask:
    """Give a claimed task back to the queue (退回任务池)."""
    _must_hold(task, _reviewer(user))
    return task.model_copy(update={"status": ReviewTaskStatus.open, "assignee": None})


def add_note(task: ReviewTask, user: str, text: str, at: datetime) -> ReviewTask:
    user = _reviewer(user)
    if task.status.is_done:
        raise StateConflict(field="task", code="task-closed", params={"id": task.id})
    note = ReviewNote(author=user, at=at, text=text)
    return task.model_copy(update={"notes": (*task.notes, note)})


def _must_hold(task: ReviewTask, user: str) -> None:
    if task.status is not ReviewTaskStatus.claimed or task.assignee != user:
        raise StateConflict(field="task", code="not-claimed", params={"id": task.id, "user": user})


def decide(
    task: ReviewTask,
    user: str,
    status: ReviewTaskStatus,
    at: datetime,
    *,
    note: str | None = None,
    reasons: tuple[StepReason, ...] = (),
    approved_amount: Decimal | None = None,
) -> ReviewTask:
    """Close the task with ``status`` (approved, rejected or returned) by its holder."""
    user = _reviewer(user)
    _must_hold(task, user)
    if status not in (ReviewTaskStatus.approved, ReviewTaskStatus.rejected, ReviewTaskStatus.returned):
        raise InvalidInput(
            f"a review ends approved, rejected or returned, not {status.value}", field="status"
        )
    if status is not ReviewTaskStatus.approved and not (note or reasons):
        raise InvalidInput(
            "a rejection or return needs a reason or a note",
            field="note",
            message_zh="拒绝或退回需要填写原因或备注",
        )
    notes = task.notes if not note else (*task.notes, ReviewNote(author=user, at=at, text=note))
    return task.model_copy(
        update={
            "status": status,
            "decided_by": user,
            "decided_at": at,
            "notes": notes,
            "reasons": (*task.reasons, *reasons),
            "approved_amount": approved_amount,
        }
    )


REVIEW_REASONS: dict[str, tuple[str, str]] = {
    "income-unverified": ("the stated income could not be verified", "申报收入无法核实"),
    "repayment-capacity": ("repayment capacity is insufficient", "还款能力不足"),
    "purpose-doubtful": ("the loan purpose is doubtful", "贷款用途存疑"),
    "documents-invalid": ("the documents are invalid or inconsistent", "申请材料无效或不一致"),
    "fraud-suspected": ("signs of fraud", "存在欺诈嫌疑"),
    "collateral-insufficient": ("the collateral is insufficient", "押品价值不足"),
    "policy": ("outside the bank's current credit policy", "不符合本行现行授信政策"),
    "other": ("other reasons (see the reviewer's note)", "其他原因（见审核意见）"),
}
"""Standard reasons a reviewer picks from when rejecting (人工拒绝原因)."""


def review_reason(code: str) -> StepReason:
    known = REVIEW_REASONS.get(code)
    if known is None:
        raise InvalidInput(
            f"unknown review reason '{code}'; use one of {', '.join(REVIEW_REASONS)}",
            field="reason",
            message_zh=f"未知的审核原因 '{code}'",
        )
    return StepReason(code=f"review.{code}", en=known[0], zh=known[1], rule="manual_review")
