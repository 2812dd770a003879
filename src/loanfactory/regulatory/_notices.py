"""The notice before adverse information is reported (不良信息报送前告知).

《征信业管理条例》第十五条: a provider of information must tell the person beforehand when it
reports adverse information about them. Each delinquency episode of a loan (its oldest unpaid due
date) gets one notice, sent through the notifier port once the loan is as many days overdue as
the product's ``credit-report`` tier starts (or ``notice_from_days`` for a product without one).
The notice, the time it was sent and the delivery receipt are stored (:class:`AdverseNotice`);
the monthly run reports an adverse record of an episode only when its notice was delivered at
least ``notice_days`` before the run, and holds the record back until then. A record held for an
episode that ended before its notice went out (a short delinquency, cured before the tier) gets
its notice on the next pass: the obligation is to tell before reporting, and every overdue is
reported in the end.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from loanfactory.money import format_money
from loanfactory.ports import Channel, Notification, Notifier, Store
from loanfactory.regulatory._entities import AdverseNotice
from loanfactory.servicing import Loan, LoanStatus, fold
from loanfactory.spec import OverdueAction, ProductSpec

ZERO = Decimal(0)


def notice_id(loan_id: str, episode: date) -> str:
    return f"ntc:{loan_id}:{episode.isoformat()}"


def threshold(product: ProductSpec | None, default: int) -> int:
    """Days past due when the notice goes out: the product's ``credit-report`` tier, else ``default``."""
    if product is not None and product.overdue is not None:
        for tier in product.overdue.tiers:
            if OverdueAction.credit_report in tier.actions:
                return tier.from_day
    return default


def body_of(loan: Loan, days: int, overdue: str, report_after: date, episode: date) -> str:
    now = f"已逾期 {days} 天，逾期金额 {overdue} 元" if days > 0 else f"自 {episode.isoformat()} 起曾发生逾期"
    return (
        f"【征信告知】尊敬的客户：您的贷款（{loan.id}）{now}。"
        f"根据《征信业管理条例》第十五条，我行将于 {report_after.isoformat()} 起依法向金融信用信息基础数据库"
        "报送该笔贷款的逾期信息。请按时还款；如有疑问请联系我行客服。"
    )


def send_notices(
    store: Store,
    notifier: Notifier,
    *,
    day: date,
    now_at: datetime,
    products: dict[str, ProductSpec],
    default_days: int,
    notice_days: int,
    channel: str,
    pending: set[tuple[str, date]] = frozenset(),  # type: ignore[assignment]
) -> list[AdverseNotice]:
    """Send the notices due on ``day``; returns the notices sent or retried."""
    with store.transaction() as tx:
        loans = [x for x in tx.repo(Loan).list(status=LoanStatus.active) if x.days_past_due > 0]
        due: list[tuple[Loan, date, Decimal, int]] = []
        for loan in loans:
            if loan.days_past_due < threshold(products.get(loan.product_code), default_days):
                continue
            position = fold(tx.ledger.entries(loan.id), loan.schedule, day)
            episode = position.oldest_unpaid()
            if episode is None:
                continue
            found = tx.repo(AdverseNotice).find(notice_id(loan.id, episode))
            if found is not None and found.delivered:
                continue
            due.append(
                (loan, episode, position.overdue(day) + max(position.penalty, ZERO), loan.days_past_due)
            )
        chosen = {(d[0].id, d[1]) for d in due}
        for loan_id, episode in sorted(pending - chosen):
            found = tx.repo(AdverseNotice).find(notice_id(loan_id, episode))
            held = tx.repo(Loan).find(loan_id)
            if held is not None and (found is None or not found.delivered):
                due.append((held, episode, ZERO, 0))  # a delinquency that ended before its notice
    sent: list[AdverseNotice] = []
    for loan, episode, overdue, days in due:
        nid = notice_id(loan.id, episode)
        body = body_of(loan, days, format_money(overdue), day + timedelta(days=notice_days), episode)
        note = Notification(
            id=f"ntf-{nid}"[:64],
            recipient=loan.customer_id,
            channel=Channel(channel),
            template="credit_report_notice",
            body=body,
            data={
                "loan_id": loan.id,
                "episode": episode.isoformat(),
                "days_past_due": days,
                "amount": format_money(overdue),
            },
            dedup_key=nid,
        )
        try:
            receipt = notifier.send(note)
            delivered, reference, error = receipt.delivered, receipt.provider_reference, receipt.error
        except Exception as exc:  # a failing channel is recorded and retried on the next run
            delivered, reference, error = False, None, f"{type(exc).__name__}: {exc}"
        with store.transaction() as tx:
            repo = tx.repo(AdverseNotice)
            current = repo.find(nid)
            record = AdverseNotice(
                id=nid,
                loan_id=loan.id,
                customer_id=loan.customer_id,
                episode=episode,
                notification_id=note.id,
                channel=channel,
                body=body,
                attempts=(current.attempts if current else 0) + 1,
                sent_at=now_at,
                delivered=delivered,
                delivered_at=now_at if delivered else None,
                reference=reference,
                error=error,
                overdue=overdue,
                days_past_due=days,
            )
            if current is None:
                stored = repo.add(record)
            else:
                stored = repo.update(record.model_copy(update={"version": current.version}))
            tx.audit.append(
                actor="system",
                action="credit.notice",
                subject=nid,
                at=now_at,
                after={"delivered": delivered, "reference": reference, "error": error, "episode": episode},
            )
        sent.append(stored)
    return sent


def notice_allows(notice: AdverseNotice | None, today: date, notice_days: int) -> bool:
    """Whether an adverse record of the notice's episode may be reported ``today``."""
    if notice is None or not notice.delivered or notice.delivered_at is None:
        return False
    return notice.delivered_at.date() + timedelta(days=notice_days) <= today


__all__ = ["notice_allows", "notice_id", "send_notices", "threshold"]
