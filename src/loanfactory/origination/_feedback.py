"""Result feedback (审批结果反馈): notifications in Chinese or English, queued and relayed.

Commands never send inline: they queue a :class:`~loanfactory.ports.Notification` in the outbox
inside their transaction (so a notice exists exactly when the state change does), and
:func:`relay_outbox` delivers queued notices through the :class:`~loanfactory.ports.Notifier`
port — outside any transaction, marking each delivered or failed. Delivery is at least once; the
``dedup_key`` lets a provider drop a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loanfactory.entity import IdFactory
from loanfactory.money import format_money, format_rate
from loanfactory.notices import notice
from loanfactory.origination._values import StepReason
from loanfactory.ports import Channel, Clock, Notification, Notifier, OutboxMessage, Store, Transaction

NOTIFICATION_TOPIC = "notification"


def queue(tx: Transaction, ids: IdFactory, notification: Notification, at: datetime) -> None:
    """Put ``notification`` in the outbox of ``tx`` (ignored when its dedup key is already there)."""
    tx.outbox.add(
        OutboxMessage(
            id=ids.new("out"),
            topic=NOTIFICATION_TOPIC,
            dedup_key=notification.dedup_key,
            payload=notification.model_dump(mode="json"),
            created_at=at,
        )
    )


def _reasons_text(reasons: tuple[StepReason, ...], lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(r.text(lang) for r in reasons) or ("未说明" if lang == "zh" else "not stated")


def approval_notice(
    ids: IdFactory,
    *,
    recipient: str,
    lang: str,
    product_name: str,
    offer: Any,
    channel: Channel = Channel.sms,
) -> Notification:
    """Approved: amount, term, rate, APR, first payment, valid until (kind ``approval_result``)."""
    apr, rate = format_rate(offer.apr, 2), format_rate(offer.annual_rate)
    amount, first, expires = (
        format_money(offer.amount),
        format_money(offer.first_payment),
        offer.expires_at.date(),
    )
    unit_zh = "个月" if offer.term_unit.value == "months" else "天"
    if lang == "zh":
        subject = f"{product_name}审批通过"
        body = (
            f"您申请的{product_name}已获批准：金额 {amount} 元，期限 {offer.term} {unit_zh}，年利率 {rate}，"
            f"年化利率（APR）{apr}，首期还款 {first} 元。请于 {expires.isoformat()} 前确认。"
        )
    else:
        subject = f"{product_name}: approved"
        body = (
            f"Your {product_name} application is approved: {amount} yuan for {offer.term} "
            f"{offer.term_unit.value} at {rate} a year, APR {apr}, first payment {first} yuan. "
            f"Please accept by {expires.isoformat()}."
        )
    data = {  # the fields of the registered kind (loanfactory.notices)
        "application_id": offer.application_id,
        "offer_id": offer.id,
        "product_name": product_name,
        "amount": amount,
        "term": offer.term,
        "term_unit": offer.term_unit.value,
        "nominal_rate": format(offer.annual_rate, "f"),
        "apr": format(offer.apr, "f"),
        "first_payment": first,
        "offer_expires": expires.isoformat(),
    }
    return notice(
        "approval_result",
        id=ids.new("ntf"),
        recipient=recipient,
        channel=channel,
        language=lang,
        subject=subject,
        body=body,
        data=data,
        dedup_key=f"approval_result:{offer.application_id}:{offer.id}",
    )


def rejection_notice(
    ids: IdFactory,
    *,
    recipient: str,
    lang: str,
    product_name: str,
    application_id: str,
    reasons: tuple[StepReason, ...],
    channel: Channel = Channel.sms,
) -> Notification:
    """Rejected, with every reason in the customer's language (kind ``rejection``; both languages in data)."""
    text = _reasons_text(reasons, lang)
    if lang == "zh":
        subject, body = f"{product_name}审批结果", f"很抱歉，您申请的{product_name}未获批准。原因：{text}。"
    else:
        subject = f"{product_name}: not approved"
        body = f"We are sorry: your {product_name} application was not approved. Reasons: {text}."
    data = {
        "application_id": application_id,
        "product_name": product_name,
        "reasons": [r.text(lang) for r in reasons],
    }
    return notice(
        "rejection",
        id=ids.new("ntf"),
        recipient=recipient,
        channel=channel,
        language=lang,
        subject=subject,
        body=body,
        data=data,
        dedup_key=f"rejection:{application_id}",
    )


def pending_notice(
    ids: IdFactory,
    *,
    recipient: str,
    lang: str,
    product_name: str,
    application_id: str,
    round: int,
    channel: Channel = Channel.sms,
) -> Notification:
    """Under manual review (人工审核中)."""
    if lang == "zh":
        subject, body = f"{product_name}审核中", f"您申请的{product_name}正在人工审核，我们会尽快通知您结果。"
    else:
        subject = f"{product_name}: under review"
        body = f"Your {product_name} application is being reviewed by our staff; we will let you know soon."
    return notice(
        "application_pending",
        id=ids.new("ntf"),
        recipient=recipient,
        channel=channel,
        language=lang,
        subject=subject,
        body=body,
        data={"application_id": application_id, "product_name": product_name},
        dedup_key=f"application_pending:{application_id}:{round}",
    )


def info_request_notice(
    ids: IdFactory,
    *,
    recipient: str,
    lang: str,
    product_name: str,
    application_id: str,
    round: int,
    missing: tuple[str, ...],
    channel: Channel = Channel.sms,
) -> Notification:
    """Returned for more information (补充资料, kind ``returned``)."""
    items = ("；" if lang == "zh" else "; ").join(missing)
    if lang == "zh":
        subject, body = f"{product_name}需补充资料", f"您申请的{product_name}需要补充资料：{items}。"
    else:
        subject = f"{product_name}: more information needed"
        body = f"Your {product_name} application needs more information: {items}."
    return notice(
        "returned",
        id=ids.new("ntf"),
        recipient=recipient,
        channel=channel,
        language=lang,
        subject=subject,
        body=body,
        data={"application_id": application_id, "product_name": product_name, "missing": list(missing)},
        dedup_key=f"returned:{application_id}:{round}",
    )


def staff_notice(
    ids: IdFactory, *, role: str, template: str, subject: str, body: str, dedup_key: str, data: dict[str, Any]
) -> Notification:
    """A task or alert for bank staff (Chinese; staff tools render it)."""
    return notice(
        template,
        id=ids.new("ntf"),
        recipient=role,
        channel=Channel.staff,
        language="zh",
        subject=subject,
        body=body,
        data=data,
        dedup_key=dedup_key,
    )


@dataclass
class FeedbackRelayReport:
    """What one relay run did."""

    delivered: list[str] = field(default_factory=list)  # outbox message ids
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # gave up after max_attempts


def relay_outbox(
    store: Store, notifier: Notifier, clock: Clock, *, limit: int = 100, max_attempts: int = 5
) -> FeedbackRelayReport:
    """Deliver queued notifications through ``notifier``; each is marked delivered or failed.

    The notifier is called outside any transaction (a slow SMS gateway must not hold database
    locks). A message that failed ``max_attempts`` times is skipped and left for an operator.
    """
    report = FeedbackRelayReport()
    with store.transaction() as tx:
        waiting = tx.outbox.pending(limit, topic=NOTIFICATION_TOPIC)
    for message in waiting:
        if message.attempts >= max_attempts:
            report.skipped.append(message.id)
            continue
        notification = Notification.model_validate(message.payload)
        try:
            receipt = notifier.send(notification)
            error = None if receipt.delivered else receipt.error or "not delivered"
        except Exception as exc:  # a notifier bug must not stop the relay; it is recorded on the message
            error = f"{type(exc).__name__}: {exc}"
        with store.transaction() as tx:
            if error is None:
                tx.outbox.mark_delivered(message.id, clock.now())
                report.delivered.append(message.id)
            else:
                tx.outbox.mark_failed(message.id, error)
                report.failed.append(message.id)
    return report
