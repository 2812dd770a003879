"""Receipts (到账入账): the one place where money that arrived is credited to a loan.

A loan is credited only from a :class:`~loanfactory.ports.PaymentConfirmation` — what the payment
system or the bank confirmed — against a collection order (:class:`DebitOrder`), by
:func:`credit`. The orders come from three places, all ending here:

- the payment port (``_payments``): auto-debits of the end of day and the repayments and
  prepayments borrowers ask for, credited when the gateway answers or calls back;
- :func:`repay` and :func:`prepay`: money the embedding bank's own systems
  confirmed (e.g. a transfer its core banking matched to the loan);
- offline payments posted by operations staff under four-eyes (``_manual``).

The amount credited is the amount confirmed, never the amount asked. A channel's reference (流水号)
is credited once (the keyed event ``receipt:<channel>:<reference>``), so the same money cannot be
taken twice, whichever way it is reported.
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.entity import DomainEvent
from loanfactory.errors import InvalidInput, LoanfactoryError, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import PaymentConfirmation, PaymentDirection, Transaction
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._loan import Loan
from loanfactory.servicing._prepayment import _check_prepayment, _quote, apply_prepayment
from loanfactory.servicing._records import CollectionPurpose, DebitOrder, OrderStatus
from loanfactory.servicing._repayment import RepaymentResult, _positive, take_payment
from loanfactory.spec import Reamortisation

ZERO = Decimal(0)
OPEN = (OrderStatus.requested, OrderStatus.pending)


def repay(
    ctx: Context, loan_id: str, confirmation: PaymentConfirmation, *, key: str, actor: str = "system"
) -> RepaymentResult:
    """Credit a payment the bank confirmed (到账入账): what is due is settled by the waterfall,
    the rest kept as the borrower's credit (溢缴款).

    For money that reached the lender outside the payment port — the bank's core system
    matched a transfer to the loan. Repayments the borrower asks for go through
    :func:`._requests.request_repayment` and are credited when the payment system confirms them.
    """

    def body(tx: Transaction) -> tuple[str, RepaymentResult]:
        order = receipt_order(ctx, tx, loan_id, confirmation, purpose=CollectionPurpose.repayment, by=actor)
        return loan_id, credit(ctx, tx, order, confirmation)

    return ctx.run(
        name="loan.repay",
        key=key,
        arguments={"loan": loan_id, "confirmation": confirmation},
        result_type=RepaymentResult,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def prepay(
    ctx: Context,
    loan_id: str,
    *,
    key: str,
    principal: Decimal | None = None,
    reamortisation: Reamortisation = Reamortisation.keep_term,
    confirmation: PaymentConfirmation | None = None,
    actor: str = "system",
) -> RepaymentResult:
    """Prepay ``principal`` (or pay the loan off, when None) with confirmed money (提前还款).

    With ``confirmation`` the money is credited as for :func:`credit`: when it covers the
    payoff quote on its value date the prepayment is made and any rest kept as credit,
    otherwise it is taken as a repayment. Without it, the borrower's held credit must cover
    the quote today (``StateConflict``, code ``credit-short``, otherwise).
    """
    if principal is not None:
        _positive(principal, "principal")

    def body(tx: Transaction) -> tuple[str, RepaymentResult]:
        if confirmation is not None:
            order = receipt_order(
                ctx,
                tx,
                loan_id,
                confirmation,
                purpose=CollectionPurpose.prepayment,
                by=actor,
                principal=principal,
                reamortisation=reamortisation,
            )
            return loan_id, credit(ctx, tx, order, confirmation)
        loan = loan_in(tx, loan_id, lock=True)
        day = ctx.clock.today()
        quote, _ = _quote(ctx, tx, loan, day, principal, reamortisation)
        if quote.total > 0:
            raise StateConflict(
                f"the borrower's credit falls {format_money(quote.total)} short of the prepayment; "
                "collect it with request_prepayment or credit a confirmed payment",
                field="confirmation",
                code="credit-short",
                message_zh=f"溢缴款不足以支付提前还款，尚差 {format_money(quote.total)} 元，请先扣款或入账",
            )
        result = apply_prepayment(
            ctx, tx, loan, day, key=f"credit:{key}", principal=principal, reamortisation=reamortisation
        )
        return loan_id, result

    return ctx.run(
        name="loan.prepay",
        key=key,
        arguments={
            "loan": loan_id,
            "principal": principal,
            "reamortisation": reamortisation.value,
            "confirmation": confirmation,
        },
        result_type=RepaymentResult,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


# --- inside a transaction -------------------------------------------------------------------


def receipt_order(
    ctx: Context,
    tx: Transaction,
    loan_id: str,
    confirmation: PaymentConfirmation,
    *,
    purpose: CollectionPurpose,
    by: str,
    principal: Decimal | None = None,
    reamortisation: Reamortisation | None = None,
) -> DebitOrder:
    """The collection order of money that arrived without one of ours (a transfer, the counter)."""
    loan_in(tx, loan_id)  # NotFound before anything is written
    order_id = ctx.ids.new("rcv")
    return tx.repo(DebitOrder).add(
        DebitOrder(
            id=order_id,
            loan_id=loan_id,
            amount=confirmation.amount,
            due_on=confirmation.settled_on,
            purpose=purpose,
            channel=confirmation.channel,
            principal=principal,
            reamortisation=reamortisation,
            requested_by=by,
            idempotency_key=order_id,
            requested_at=ctx.clock.now(),
        )
    )


def credit(
    ctx: Context, tx: Transaction, order: DebitOrder, confirmation: PaymentConfirmation
) -> RepaymentResult:
    """Credit ``order`` with the money ``confirmation`` says arrived (the only way cash is posted)."""
    if order.direction is not PaymentDirection.debit or order.status not in OPEN:
        raise StateConflict(
            field="order", code="order-closed", params={"id": order.id, "status": order.status}
        )
    if confirmation.amount > order.amount:
        raise InvalidInput(
            f"{format_money(confirmation.amount)} confirmed for an order of {format_money(order.amount)}",
            field="amount",
            code="over-collected",
            message_zh=f"确认到账 {format_money(confirmation.amount)} 元，超过扣款金额 "
            f"{format_money(order.amount)} 元",
        )
    day = confirmation.settled_on
    if day > ctx.clock.today():
        raise InvalidInput(
            f"a payment settled on {day} is in the future",
            field="settled_on",
            message_zh=f"到账日期 {day} 晚于今天",
        )
    loan = loan_in(tx, order.loan_id, lock=True)
    if loan.start is not None and day < loan.start:
        raise InvalidInput(
            field="settled_on", code="before-value-date", params={"day": day, "start": loan.start}
        )
    _claim(ctx, tx, order, confirmation)
    evidence = {
        "order": order.id,
        "channel": confirmation.channel.value,
        "reference": confirmation.reference,
    }
    if order.purpose is CollectionPurpose.prepayment:
        result = _prepay_with(ctx, tx, loan, order, confirmation, evidence)
    else:
        result = take_payment(
            ctx,
            tx,
            loan,
            confirmation.amount,
            day,
            key=f"collection:{order.id}",
            source=order.purpose.value,
            evidence=evidence,
        )
    tx.repo(DebitOrder).update(
        order.evolve(
            status=OrderStatus.succeeded,
            settled_on=day,
            collected=confirmation.amount,
            reference=confirmation.reference,
            entry_id=result.entry_id,
        )
    )
    return result


def _claim(ctx: Context, tx: Transaction, order: DebitOrder, confirmation: PaymentConfirmation) -> None:
    """Take the channel's reference for this order: one reference, one credit."""
    key = f"receipt:{confirmation.channel.value}:{confirmation.reference}"
    if tx.events.by_key(key) is not None:
        raise StateConflict(
            f"{confirmation.channel.value} reference '{confirmation.reference}' was already credited",
            field="reference",
            code="reference-used",
            message_zh=f"流水号 '{confirmation.reference}' 已入账，不能重复入账",
        )
    tx.events.append(
        DomainEvent(
            id=ctx.ids.new("evt"),
            type="payment.received",
            subject=order.loan_id,
            at=ctx.clock.now(),
            actor=confirmation.confirmed_by,
            idempotency_key=key,
            payload={
                "order": order.id,
                "purpose": order.purpose.value,
                "channel": confirmation.channel.value,
                "reference": confirmation.reference,
                "amount": format(confirmation.amount, "f"),
                "asked": format(order.amount, "f"),
                "settled_on": confirmation.settled_on.isoformat(),
            },
        )
    )


def _prepay_with(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    order: DebitOrder,
    confirmation: PaymentConfirmation,
    evidence: dict[str, str],
) -> RepaymentResult:
    """A prepayment from confirmed money: made when the money covers the quote on its value
    date (the rest kept as credit), otherwise the money is taken as a repayment."""
    day = confirmation.settled_on
    reamortisation = order.reamortisation or Reamortisation.keep_term
    key = f"collection:{order.id}"
    try:  # both only read: a refusal leaves nothing to undo
        _check_prepayment(loan, day, order.principal, reamortisation)
        quote, _ = _quote(ctx, tx, loan, day, order.principal, reamortisation)
        why = "" if quote.total <= confirmation.amount else f"the quote is {format_money(quote.total)}"
    except LoanfactoryError as exc:
        why = exc.message
    if why:
        ctx.notify(
            tx,
            recipient=loan.customer_id,
            template="prepayment_refused",
            body=f"已收到您的款项 {format_money(confirmation.amount)} 元，但未能办理提前还款，"
            "款项已用于归还到期款项，余额作为溢缴款留存。",
            dedup_key=f"prepayment-short:{order.id}",
            data={"loan_id": loan.id, "amount": format_money(confirmation.amount), "reason": why},
        )
        return take_payment(
            ctx, tx, loan, confirmation.amount, day, key=key, source="prepayment-short", evidence=evidence
        )
    result = apply_prepayment(
        ctx, tx, loan, day, key=order.id, principal=order.principal, reamortisation=reamortisation
    )
    rest = confirmation.amount - result.amount
    if rest <= 0:
        return result
    extra = take_payment(
        ctx, tx, loan_in(tx, loan.id), rest, day, key=key, source="prepayment-rest", evidence=evidence
    )
    return result.model_copy(
        update={
            "amount": confirmation.amount,
            "credit": result.credit + extra.credit,
            "status": extra.status,
            "due_after": extra.due_after,
        }
    )
