"""Risk monitoring and warnings (风险监控与预警), and fund-use supervision (资金监管).

Three sources raise a :class:`~loanfactory.servicing.RiskSignal`:

- observed payments of loan funds (:func:`observe_payment`): a payee category the
  product forbids (securities, real estate, ...) or does not allow → ``fund-misuse``;
- external facts: a new bad bureau record after disbursement, a collateral revaluation that
  drops the value by more than the threshold (:func:`report_bureau_record`,
  :func:`report_collateral_value`);
- event rules over time (:class:`WarningMonitor`), e.g. no payment within 3 days after a due date.

Every signal is stored, flags the loan where the classification rules use it (``fund-misuse``),
and warns staff and the customer through the outbox. Reminders 72 hours before each due date are
sent by the end-of-day run (:func:`send_due_reminders`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from loanfactory.errors import InvalidInput
from loanfactory.money import format_money
from loanfactory.ports import BureauRecord, Channel, PaymentRecord, Transaction
from loanfactory.servicing._core import Context, attend, loan_in
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._records import RiskSignal, RiskWarning, SignalKind, WarningKind
from loanfactory.spec import ProductSpec

BAD_STATUSES = frozenset({"overdue", "bad_debt", "bad-debt", "write_off", "write-off", "default", "loss"})
BAD_KINDS = frozenset({"court_judgement", "write_off", "enforcement", "dishonest_debtor"})
COLLATERAL_DROP = Decimal("0.2")  # a revaluation more than 20 % lower raises a signal


class WarningMonitor(Protocol):
    """Event rules over loan events and time (the durable-rules monitor fits this shape).

    ``post`` takes an event (``{"type": "due"|"payment"|..., "loan_id": ..., "on": date, ...}``);
    ``advance`` moves the monitor's clock to the end of ``day`` and returns the actions its rules
    emitted (``{"signal": SignalKind value, "loan_id": ..., "details": {...}}``).
    """

    def post(self, event: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def advance(self, day: date) -> list[dict[str, Any]]: ...


class DueDateMonitor:
    """A plain-Python :class:`WarningMonitor`: "no payment within ``days`` days after a due date".

    Due dates may be posted ahead; a payment on or after a due date (and before the check) answers it.
    """

    def __init__(self, days: int = 3) -> None:
        if days < 1:
            raise InvalidInput("days must be at least 1", field="days")
        self.days = days
        self._open: dict[str, list[date]] = {}
        self._fired: set[tuple[str, date]] = set()

    def post(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        loan_id = str(event["loan_id"])
        on: date = event["on"]
        if event["type"] == "due":
            self._open.setdefault(loan_id, []).append(on)
        elif event["type"] in ("payment", "settled"):
            self._open[loan_id] = [d for d in self._open.get(loan_id, []) if d > on]
        return []

    def advance(self, day: date) -> list[dict[str, Any]]:
        actions = []
        for loan_id, dues in sorted(self._open.items()):
            for due in dues:
                if day >= due + timedelta(days=self.days) and (loan_id, due) not in self._fired:
                    self._fired.add((loan_id, due))
                    actions.append(
                        {
                            "signal": SignalKind.no_payment_after_due.value,
                            "loan_id": loan_id,
                            "details": {"due_date": due.isoformat(), "days": str(self.days)},
                        }
                    )
        return actions


def raise_signal(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    signal: SignalKind,
    day: date,
    details: Mapping[str, str],
    *,
    dedup: str,
    severity: str = "high",
) -> RiskSignal | None:
    """Store a signal and warn staff and the customer, once per ``dedup`` key."""
    signal_id = f"sig_{loan.id}_{dedup}"
    if tx.repo(RiskSignal).find(signal_id) is not None:
        return None
    stored = tx.repo(RiskSignal).add(
        RiskSignal(
            id=signal_id,
            loan_id=loan.id,
            customer_id=loan.customer_id,
            signal=signal,
            observed_on=day,
            severity=severity,
            details=dict(details),
        )
    )
    if signal is SignalKind.fund_misuse and "fund-misuse" not in loan.overrides:
        current = tx.repo(Loan).get(loan.id)
        tx.repo(Loan).update(current.evolve(overrides=(*current.overrides, "fund-misuse")))
        attend(tx, loan, ctx.clock.today())
    text = _SIGNAL_TEXT[signal]
    staff = f"贷款 {loan.id}（客户 {loan.customer_id}）风险预警：{text}。{_details(details)}"
    customer = _CUSTOMER_TEXT.get(signal)
    recipients = [ctx.config.risk_role] + ([loan.customer_id] if customer else [])
    tx.repo(RiskWarning).add(
        RiskWarning(
            id=f"wrn_{signal_id}",
            loan_id=loan.id,
            warning=WarningKind.risk,
            raised_on=day,
            signal_id=signal_id,
            recipients=tuple(recipients),
            message=staff,
        )
    )
    ctx.notify(
        tx,
        recipient=ctx.config.risk_role,
        template="risk_warning",
        channel=Channel.staff,
        body=staff,
        dedup_key=f"risk-staff:{signal_id}",
        data={
            "loan_id": loan.id,
            "customer_id": loan.customer_id,
            "signal": signal.value,
            "details": _details(details),
        },
    )
    if customer:
        ctx.notify(
            tx,
            recipient=loan.customer_id,
            template="risk_notice",
            body=customer,
            dedup_key=f"risk-customer:{signal_id}",
            data={"loan_id": loan.id, "signal": signal.value},
        )
    ctx.emit(tx, "risk.signal", loan.id, signal=signal.value, details=dict(details))
    return stored


# --- fund supervision -----------------------------------------------------------------------


def observe_payment(ctx: Context, record: PaymentRecord) -> RiskSignal | None:
    """Check a payment made from loan funds against the product's uses (资金用途监控)."""
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, record.loan_id, lock=True)
        problem = misuse(ctx.product(loan.product_code), record.payee_category)
        if problem is None:
            return None
        day = record.at.date()
        dedup = f"use_{day.isoformat()}_{record.payee_category}_{format_money(record.amount)}"
        return raise_signal(
            ctx,
            tx,
            loan,
            SignalKind.fund_misuse,
            day,
            {
                "payee": record.payee,
                "category": record.payee_category,
                "amount": format_money(record.amount),
                "reason": problem,
            },
            dedup=dedup,
        )


def report_bureau_record(
    ctx: Context, loan_id: str, record: BureauRecord, *, on: date | None = None
) -> RiskSignal | None:
    """A credit-report record seen in post-loan checks (贷后征信查询); bad and new → signal."""
    day = ctx.today(on)
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id, lock=True)
        if not is_bad(record) or loan.start is None:
            return None
        seen = record.reported or record.opened or day
        if seen < loan.start:
            return None  # known at approval; not a new signal
        return raise_signal(
            ctx,
            tx,
            loan,
            SignalKind.bad_bureau_record,
            day,
            {
                "kind": record.kind,
                "status": record.worst_status,
                "reported": seen.isoformat(),
            },
            dedup=f"bureau_{record.kind}_{seen.isoformat()}",
        )


def report_collateral_value(
    ctx: Context, loan_id: str, *, previous: Decimal, current: Decimal, on: date | None = None
) -> RiskSignal | None:
    """A collateral revaluation (押品重估); a drop of more than 20 % raises a signal."""
    if previous <= 0 or current < 0:
        raise InvalidInput("values must be positive", field="previous", message_zh="估值必须为正数")
    day = ctx.today(on)
    drop = (previous - current) / previous
    if drop <= COLLATERAL_DROP:
        return None
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id, lock=True)
        return raise_signal(
            ctx,
            tx,
            loan,
            SignalKind.collateral_value_drop,
            day,
            {
                "previous": format_money(previous),
                "current": format_money(current),
                "drop": f"{(drop * 100).quantize(Decimal('0.1'))}%",
            },
            dedup=f"collateral_{day.isoformat()}",
        )


# --- reminders ------------------------------------------------------------------------------


def send_due_reminders(ctx: Context, tx: Transaction, loan: Loan, day: date) -> int:
    """Remind the borrower of installments due in ``reminder_hours`` (到期前 72 小时提醒)."""
    ahead = day + timedelta(hours=ctx.config.reminder_hours)
    sent = 0
    for row in loan.schedule:
        if row.due_date == ahead and loan.status is LoanStatus.active:
            ctx.notify(
                tx,
                recipient=loan.customer_id,
                template="repayment_reminder",
                body=f"温馨提示：您的贷款第 {row.number} 期应还 {format_money(row.total)} 元将于 "
                f"{row.due_date.isoformat()} 到期，请确保还款账户余额充足。",
                dedup_key=f"due-reminder:{loan.id}:{row.number}:{loan.schedule_version}",
                data={
                    "loan_id": loan.id,
                    "installment": row.number,
                    "amount_due": format_money(row.total),
                    "due_date": row.due_date.isoformat(),
                },
            )
            sent += 1
    return sent


def misuse(product: ProductSpec, category: str) -> str | None:
    """Why a payee category is a misuse of this product's funds, or None."""
    forbidden = {u.value for u in product.disbursement.forbidden_uses}
    if category in forbidden:
        return "forbidden-use"
    allowed = {u.value for u in product.disbursement.allowed_uses}
    if allowed and category not in allowed:
        return "not-an-allowed-use"
    return None


def is_bad(record: BureauRecord) -> bool:
    return record.worst_status in BAD_STATUSES or record.kind in BAD_KINDS


def _details(details: Mapping[str, str]) -> str:
    return "；".join(f"{k}={v}" for k, v in sorted(details.items()))


def signals_of(signals: Iterable[RiskSignal], kind: SignalKind) -> list[RiskSignal]:
    return [s for s in signals if s.signal is kind]


_SIGNAL_TEXT = {
    SignalKind.bad_bureau_record: "征信报告新增不良记录",
    SignalKind.fund_misuse: "贷款资金流入禁止领域（疑似挪用）",
    SignalKind.collateral_value_drop: "押品价值大幅下跌",
    SignalKind.no_payment_after_due: "到期后 3 天仍未还款",
    SignalKind.broken_promise: "协商还款计划未履约",
}
_CUSTOMER_TEXT = {
    SignalKind.fund_misuse: "您的贷款资金用途不符合合同约定，请立即纠正，否则我行将依约提前收回贷款。",
    SignalKind.no_payment_after_due: "您的贷款已逾期，请尽快还款，以免产生更多罚息并影响个人征信。",
    SignalKind.broken_promise: "您未按协商还款计划还款，请尽快联系我行。",
}
