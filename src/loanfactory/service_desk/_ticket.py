"""Tickets (工单): inquiries, complaints and suggestions, with the time limits they must meet.

Complaints follow 《银行业保险业消费投诉处理管理办法》 (原银保监会令 2020 年第 3 号, in force since
2020-03-01): a complaint whose facts are clear and the dispute simple is decided and the customer
told within **15 days** of its receipt; a complex one may be extended **to 30 days**; a
particularly complex one, or one with another special reason, may be extended **by a further 30
days** after the necessary approval — the customer is told of every extension and its reason.
Days are counted here as calendar days from the day after receipt, and a deadline ends at 24:00
China time of its last day; both are :class:`SlaPolicy` settings a bank may change to match its
own reading of the rules. Inquiries and suggestions have no regulatory limit: their defaults (1 and
15 days) are service targets, also in the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import CST, Entity
from loanfactory.origination import AwareDatetime, Value

Text = Annotated[str, Field(min_length=1, max_length=4000)]


class TicketKind(StrEnum):
    inquiry = "inquiry"  # 咨询
    complaint = "complaint"  # 投诉
    suggestion = "suggestion"  # 建议


class TicketCategory(StrEnum):
    products = "products"  # 产品与定价
    application = "application"  # 申请与审批
    disbursement = "disbursement"  # 放款
    repayment = "repayment"  # 还款与扣款
    collection = "collection"  # 催收
    fees = "fees"  # 收费
    account = "account"  # 账户与银行卡
    credit_report = "credit-report"  # 征信
    privacy = "privacy"  # 个人信息
    service = "service"  # 服务态度与渠道
    other = "other"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class TicketStatus(StrEnum):
    open = "open"  # 待分派
    assigned = "assigned"  # 处理中
    resolved = "resolved"  # 已作出处理决定并告知
    closed = "closed"  # 已关闭（客户评价后或到期自动）

    @property
    def is_done(self) -> bool:
        return self in (TicketStatus.resolved, TicketStatus.closed)


class Reply(Value):
    at: AwareDatetime
    by: str
    from_customer: bool
    text: Text


class Extension(Value):
    """A longer time limit, its reason, and who approved it (延期处理及理由)."""

    at: AwareDatetime
    by: str
    approved_by: str | None = None  # the second extension needs another person's approval
    reason: Text
    due_at: AwareDatetime


class Escalation(Value):
    at: AwareDatetime
    level: int
    reason: str
    by: str


class Ticket(Entity):
    """One customer matter from receipt to the decision and the customer's rating."""

    kind: ClassVar[str] = "ticket"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "status", "type", "category", "assignee")

    customer_id: str
    type: TicketKind
    category: TicketCategory
    priority: Priority
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text
    channel: str = "app"
    status: TicketStatus = TicketStatus.open
    received_at: AwareDatetime
    due_at: AwareDatetime
    first_response_at: AwareDatetime | None = None
    assignee: str | None = None
    replies: tuple[Reply, ...] = ()
    extensions: tuple[Extension, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    resolved_at: AwareDatetime | None = None
    decision: str | None = None  # 处理决定
    satisfaction: Annotated[int, Field(ge=1, le=5)] | None = None
    satisfaction_note: str | None = None
    question: str | None = None  # the question the self-service answerer handed over

    @property
    def escalation_level(self) -> int:
        return max((e.level for e in self.escalations), default=0)

    def met_sla(self) -> bool | None:
        """Decided within its (possibly extended) time limit; None while it still may be."""
        if self.resolved_at is None:
            return None
        return self.resolved_at <= self.due_at


@dataclass(frozen=True)
class SlaPolicy:
    """Time limits in calendar days from the day after receipt (see the module's sources)."""

    complaint_days: int = 15  # 一般投诉：15 日内作出处理决定并告知
    complex_days: int = 30  # 情况复杂的：延长至 30 日
    special_extra_days: int = 30  # 情况特别复杂或有其他特殊原因的：经审批再延长 30 日
    inquiry_days: int = 1  # service target
    suggestion_days: int = 15  # service target
    warn_before: timedelta = timedelta(days=3)  # escalate to the supervisor this long before the limit

    def __post_init__(self) -> None:
        if not 0 < self.complaint_days <= self.complex_days:
            raise ValueError("complaint_days must be positive and at most complex_days")
        if min(self.inquiry_days, self.suggestion_days, self.special_extra_days) <= 0:
            raise ValueError("every time limit is a positive number of days")

    def days_for(self, kind: TicketKind) -> int:
        return {
            TicketKind.complaint: self.complaint_days,
            TicketKind.inquiry: self.inquiry_days,
            TicketKind.suggestion: self.suggestion_days,
        }[kind]

    def deadline(self, received_at: datetime, days: int) -> datetime:
        """The end (24:00 China time) of the ``days``-th day after the day of receipt."""
        received_on = received_at.astimezone(CST).date()
        last = received_on + timedelta(days=days)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=CST) - timedelta(microseconds=1)
