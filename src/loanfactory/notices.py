"""Notice kinds (通知类型): the one registry of every notification the core sends, with its fields.

Origination and servicing queue notifications in the outbox (:class:`~loanfactory.ports.Notification`);
each names its kind in ``template`` and carries the kind's fields in ``data``. This module is the
one list of those kinds: who they are for, whether a customer may switch them off, and each
field's name and type. :func:`notice` builds a notification and refuses data that does not fit
its kind (a missing, extra or mistyped field), so a template never meets a gap.

Every notify adapter must have a Chinese and an English template for every kind here
(``loanfactory.adapters.notify.TemplateBook`` refuses to start otherwise), and a template may use
only its kind's fields. ``docs/notifications.md`` lists the kinds; a test checks the page, the
templates and what the core really emits against this registry.

Field types: ``text``; ``money`` (yuan, Decimal or its text ``"4333.33"``); ``rate`` (a fraction
of one, ``0.0725``); ``date`` (``date`` or ISO text); ``count`` (a whole number); ``texts`` (a
list of text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal

from loanfactory.errors import InvalidInput, hint_for
from loanfactory.ports import Channel, Notification

NoticeFieldType = Literal["text", "money", "rate", "date", "count", "texts"]
Audience = Literal["customer", "staff"]
Sender = Literal["origination", "servicing"]


@dataclass(frozen=True, slots=True)
class NoticeField:
    """One field of a notice's data: its name, type and an example value (docs and tests use it)."""

    name: str
    type: NoticeFieldType
    example: Any


@dataclass(frozen=True, slots=True)
class NoticeKind:
    """One kind of notification (通知类型)."""

    name: str
    sender: Sender  # the part of the core that queues it
    title_zh: str
    title_en: str
    fields: tuple[NoticeField, ...]
    audience: Audience = "customer"
    mandatory: bool = False  # a customer cannot switch it off (quiet hours still apply)

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def example(self) -> dict[str, Any]:
        """Data with every field at its example value."""
        return {f.name: f.example for f in self.fields}

    def problems(self, data: Mapping[str, Any]) -> list[str]:
        """What is wrong with ``data`` for this kind (empty when it fits)."""
        wrong = [f"missing field '{f.name}'" for f in self.fields if f.name not in data]
        for name in sorted(set(data) - self.field_names):
            hint, _ = hint_for(name, self.field_names)
            wrong.append(f"unknown field '{name}'" + (f" ({hint})" if hint else ""))
        for f in self.fields:
            if f.name in data and not _fits(f.type, data[f.name]):
                wrong.append(f"field '{f.name}' is not {f.type}: {data[f.name]!r}")
        return wrong


def _fits(kind: NoticeFieldType, value: Any) -> bool:
    if kind == "text":
        return isinstance(value, str)
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "texts":
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if kind == "date":
        if isinstance(value, date):
            return True
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return False
        return isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except InvalidOperation:
        return False


def _f(name: str, type: NoticeFieldType, example: Any) -> NoticeField:
    return NoticeField(name, type, example)


LOAN = _f("loan_id", "text", "loan_000001")
APPLICATION = _f("application_id", "text", "app_000001")
PRODUCT = _f("product_name", "text", "薪易贷")


def _register(*kinds: NoticeKind) -> Mapping[str, NoticeKind]:
    return MappingProxyType({k.name: k for k in kinds})


NOTICE_KINDS: Mapping[str, NoticeKind] = _register(
    # origination (审批)
    NoticeKind(
        "approval_result",
        "origination",
        "审批结果反馈（通过）",
        "approved",
        (
            APPLICATION,
            _f("offer_id", "text", "ofr_000001"),
            PRODUCT,
            _f("amount", "money", "50000.00"),
            _f("term", "count", 12),
            _f("term_unit", "text", "months"),
            _f("nominal_rate", "rate", "0.0725"),
            _f("apr", "rate", "0.0751"),
            _f("first_payment", "money", "4333.33"),
            _f("offer_expires", "date", "2025-08-01"),
        ),
    ),
    NoticeKind(
        "application_pending",
        "origination",
        "审批结果反馈（人工审核中）",
        "under review",
        (APPLICATION, PRODUCT),
    ),
    NoticeKind(
        "rejection",
        "origination",
        "审批结果反馈（拒绝）",
        "not approved",
        (APPLICATION, PRODUCT, _f("reasons", "texts", ["评分不足"])),
    ),
    NoticeKind(
        "returned",
        "origination",
        "补件通知",
        "documents needed",
        (APPLICATION, PRODUCT, _f("missing", "texts", ["收入证明", "工作证明"])),
    ),
    NoticeKind(
        "review_task",
        "origination",
        "审核任务（员工）",
        "review task (staff)",
        (
            _f("task_id", "text", "rvw_000001"),
            APPLICATION,
            _f("product_code", "text", "consumer_credit"),
            _f("stage", "text", "first"),
            _f("reasons", "texts", ["申报收入需核实"]),
        ),
        audience="staff",
    ),
    NoticeKind(
        "limit_review",
        "origination",
        "额度复核（员工）",
        "credit-limit review (staff)",
        (
            _f("line_id", "text", "line_000001"),
            _f("trigger", "text", "col_000001"),
            _f("changes", "texts", ["房产：800,000.00 → 600,000.00"]),
        ),
        audience="staff",
    ),
    NoticeKind(
        "payout_account_changed",
        "origination",
        "放款账户变更",
        "payout account changed",
        (
            _f("account", "text", "622848*********8901"),
            _f("owner", "text", "borrower"),
            _f("status", "text", "verified"),
            _f("reason", "text", ""),
        ),
        mandatory=True,  # a security notice: the customer hears of every change of where money goes
    ),
    # servicing (贷后)
    NoticeKind(
        "disbursement_notice",
        "servicing",
        "放款成功",
        "loan paid out",
        (
            LOAN,
            _f("amount", "money", "50000.00"),
            _f("disbursed_on", "date", "2025-08-01"),
            _f("first_due_date", "date", "2025-09-01"),
        ),
    ),
    NoticeKind(
        "disbursement_failed",
        "servicing",
        "放款失败（员工）",
        "payout failed (staff)",
        (LOAN, _f("amount", "money", "50000.00"), _f("reason", "text", "account closed")),
        audience="staff",
    ),
    NoticeKind(
        "repayment_reminder",
        "servicing",
        "还款提醒",
        "repayment reminder",
        (
            LOAN,
            _f("installment", "count", 3),
            _f("amount_due", "money", "4333.33"),
            _f("due_date", "date", "2025-09-01"),
        ),
    ),
    NoticeKind(
        "repayment_receipt",
        "servicing",
        "还款成功",
        "repayment received",
        (LOAN, _f("amount", "money", "4333.33"), _f("held_credit", "money", "0.00")),
    ),
    NoticeKind(
        "prepayment_refused",
        "servicing",
        "提前还款未办理",
        "prepayment not made",
        (LOAN, _f("amount", "money", "60000.00"), _f("reason", "text", "the quote is 60,412.50")),
    ),
    NoticeKind(
        "posting_review",
        "servicing",
        "手工入账待复核（员工）",
        "manual posting to review (staff)",
        (
            LOAN,
            _f("posting", "text", "mpo_000001"),
            _f("kind", "text", "payment"),
            _f("amount", "money", "80000.00"),
            _f("reference", "text", "BANK-20260115-0001"),
            _f("maker", "text", "ops.wang"),
        ),
        audience="staff",
    ),
    NoticeKind(
        "settlement_notice",
        "servicing",
        "结清通知",
        "loan repaid",
        (LOAN, _f("settled_on", "date", "2026-08-01")),
    ),
    NoticeKind(
        "debit_failed",
        "servicing",
        "自动扣款失败",
        "auto-debit failed",
        (LOAN, _f("amount", "money", "4333.33"), _f("reason", "text", "insufficient funds")),
    ),
    NoticeKind(
        "refund_notice",
        "servicing",
        "溢缴款退回",
        "overpayment refund",
        (LOAN, _f("amount", "money", "120.00")),
    ),
    NoticeKind(
        "overdue_notice",
        "servicing",
        "逾期提醒",
        "overdue notice",
        (LOAN, _f("days_past_due", "count", 5), _f("overdue_amount", "money", "4333.33")),
        mandatory=True,
    ),
    NoticeKind(
        "penalty_notice",
        "servicing",
        "罚息通知",
        "penalty-interest notice",
        (LOAN, _f("penalty_from", "date", "2025-09-05"), _f("penalty_rate", "rate", "0.108")),
        mandatory=True,
    ),
    NoticeKind(
        "collection_task",
        "servicing",
        "催收任务（员工）",
        "collection task (staff)",
        (
            _f("task_id", "text", "task_loan_000001_2025-09-01_manual-collection"),
            LOAN,
            _f("action", "text", "manual-collection"),
            _f("days_past_due", "count", 31),
            _f("overdue_amount", "money", "8666.66"),
        ),
        audience="staff",
    ),
    NoticeKind(
        "risk_warning",
        "servicing",
        "风险预警（员工）",
        "risk warning (staff)",
        (
            LOAN,
            _f("customer_id", "text", "cus_000001"),
            _f("signal", "text", "fund-misuse"),
            _f("details", "text", "amount=5,000.00；category=securities；payee=某证券"),
        ),
        audience="staff",
    ),
    NoticeKind(
        "risk_notice",
        "servicing",
        "风险提示（客户）",
        "risk notice (customer)",
        (LOAN, _f("signal", "text", "fund-misuse")),
        mandatory=True,
    ),
)
"""Every kind the core emits, by name."""


def notice_kind(name: str) -> NoticeKind:
    """The registered kind ``name``; InvalidInput with a did-you-mean otherwise."""
    kind = NOTICE_KINDS.get(name)
    if kind is None:
        hint, hint_zh = hint_for(name, NOTICE_KINDS)
        raise InvalidInput(
            f"'{name}' is not a registered notice kind" + (f"; {hint}" if hint else ""),
            field="template",
            message_zh=f"'{name}' 不是已登记的通知类型" + (f"；{hint_zh}" if hint_zh else ""),
        )
    return kind


def check_data(name: str, data: Mapping[str, Any]) -> None:
    """Refuse ``data`` that does not fit notice kind ``name`` (InvalidInput naming every problem)."""
    problems = notice_kind(name).problems(data)
    if problems:
        raise InvalidInput(
            f"notice '{name}': " + "; ".join(problems),
            field="data",
            code="notice-data",
            message_zh=f"通知 '{name}' 的数据不符合登记：" + "；".join(problems),
        )


def notice(
    kind: str,
    *,
    id: str,
    recipient: str,
    channel: Channel,
    data: Mapping[str, Any],
    dedup_key: str,
    body: str,
    subject: str = "",
    language: str = "zh",
) -> Notification:
    """A notification of a registered kind; ``body`` is the plain text for embedders without the
    notify adapters (which render the kind's template from ``data`` instead)."""
    check_data(kind, data)
    return Notification(
        id=id,
        recipient=recipient,
        channel=channel,
        template=kind,
        language=language,
        subject=subject,
        body=body,
        data=dict(data),
        dedup_key=dedup_key,
    )


__all__ = [
    "NOTICE_KINDS",
    "Audience",
    "NoticeField",
    "NoticeFieldType",
    "NoticeKind",
    "check_data",
    "notice",
    "notice_kind",
]
