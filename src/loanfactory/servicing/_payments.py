"""Payment orders through the gateway (支付指令): the relay, answers, polling, collections, refunds.

Instructions wait in the outbox (topic ``payment``) until :func:`relay_payments` submits
them; the gateway de-duplicates by idempotency key, so a relay that crashed after submitting and
before marking the message delivered submits again harmlessly. A gateway that cannot tell the
outcome (a timeout or server error its enquiry could not settle) raises ``ServiceUnavailable``:
the instruction stays queued and goes again, with the same key. The first final answer for an
order — from ``submit``, ``status`` or a callback — is acted on; later ones change nothing.

Collections (扣款): the end of day's auto-debits and the repayments and prepayments a borrower
asks for (:func:`._requests.request_repayment`, :func:`._requests.request_prepayment`) are all
:class:`DebitOrder` records with an instruction; nothing is credited until the gateway confirms
the order, and then the amount it confirmed, through :func:`._receipts.credit`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.command import retry_conflicts
from loanfactory.entity import DomainEvent
from loanfactory.errors import InvalidInput, LoanfactoryError, NotFound, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import (
    Channel,
    PaymentConfirmation,
    PaymentDirection,
    PaymentInstruction,
    PaymentResult,
    PaymentStatus,
    ServiceUnavailable,
    Transaction,
)
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._debits import payment_instruction, queue_payment
from loanfactory.servicing._disbursement import _settled_on, settle_disbursement
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._position import EntryType
from loanfactory.servicing._receipts import credit
from loanfactory.servicing._records import CollectionPurpose, DebitOrder, Disbursement, OrderStatus

ZERO = Decimal(0)
_FINAL = (OrderStatus.succeeded, OrderStatus.failed)


def relay_payments(ctx: Context, limit: int = 1000) -> int:
    """Submit waiting payment instructions; returns how many were answered.

    An instruction whose outcome the gateway could not tell, or whose answer was refused,
    stays queued for the next pass with the error (``OutboxMessage.last_error``).
    """
    with ctx.store.transaction() as tx:
        waiting = tx.outbox.pending(limit, topic="payment")
    answered = 0
    for message in waiting:
        instruction = PaymentInstruction.model_validate(message.payload)
        try:
            result = ctx.gateway.submit(instruction)
            apply_payment_result(ctx, result, delivered=message.id)
        except (ServiceUnavailable, LoanfactoryError) as exc:
            # unknown outcome, or an answer refused (e.g. more confirmed than asked): the
            # message stays queued with the error, and the other instructions go on
            with ctx.store.transaction() as tx:
                tx.outbox.mark_failed(message.id, str(exc)[:500])
            continue
        answered += 1
    return answered


def apply_payment_result(
    ctx: Context, result: PaymentResult, *, message_id: str | None = None, delivered: str | None = None
) -> bool:
    """Act on a gateway answer or callback; False when it changed nothing (a duplicate).

    ``message_id`` identifies a signed callback (its key and nonce): a message is accepted
    once (``StateConflict``, code ``replayed-message``, for a replay). ``delivered`` is the
    outbox message the answer is for, marked delivered in the same transaction.
    """

    def attempt() -> bool:
        with ctx.store.transaction() as tx:
            if message_id is not None:
                _claim_message(ctx, tx, message_id, result)
            if delivered is not None:
                tx.outbox.mark_delivered(delivered, ctx.clock.now())
            return _apply(ctx, tx, result)

    return retry_conflicts(attempt)


def poll_payments(ctx: Context) -> int:
    """Ask the gateway about orders still pending (e.g. after a timeout); returns answers applied."""
    with ctx.store.transaction() as tx:
        ids = [o.id for o in tx.repo(Disbursement).list(status=OrderStatus.pending)]
        ids += [o.id for o in tx.repo(DebitOrder).list(status=OrderStatus.pending)]
    applied = 0
    for order_id in ids:
        try:
            result = ctx.gateway.status(order_id)
            if result.status is not PaymentStatus.pending and apply_payment_result(ctx, result):
                applied += 1
        except (ServiceUnavailable, LoanfactoryError):
            continue  # asked again on the next pass; a refused answer changes nothing
    return applied


def _claim_message(ctx: Context, tx: Transaction, message_id: str, result: PaymentResult) -> None:
    key = f"payment-message:{message_id}"
    if tx.events.by_key(key) is not None:
        raise StateConflict(field="nonce", code="replayed-message", params={"message_id": message_id})
    tx.events.append(
        DomainEvent(
            id=ctx.ids.new("evt"),
            type="payment.message",
            subject=result.instruction_id,
            at=ctx.clock.now(),
            actor="payment-gateway",
            idempotency_key=key,
            payload=result.model_dump(mode="json"),
        )
    )


def _apply(ctx: Context, tx: Transaction, result: PaymentResult) -> bool:
    found_payout = tx.repo(Disbursement).find(result.instruction_id)
    payout = tx.repo(Disbursement).lock(found_payout.id) if found_payout is not None else None
    found_debit = None if payout is not None else tx.repo(DebitOrder).find(result.instruction_id)
    debit = tx.repo(DebitOrder).lock(found_debit.id) if found_debit is not None else None
    order = payout or debit
    if order is None:
        raise NotFound(
            f"no payment order '{result.instruction_id}'",
            field="instruction_id",
            message_zh=f"找不到支付指令 '{result.instruction_id}'",
        )
    if order.status in _FINAL:
        return False
    if result.status is PaymentStatus.pending:
        if order.status is OrderStatus.pending:
            return False
        if payout is not None:
            tx.repo(Disbursement).update(payout.evolve(status=OrderStatus.pending))
        elif debit is not None:
            tx.repo(DebitOrder).update(debit.evolve(status=OrderStatus.pending))
        return True
    if payout is not None:
        settle_disbursement(ctx, tx, payout, result)
    elif debit is not None:
        _settle_debit(ctx, tx, debit, result)
    return True


# --- auto-debit -----------------------------------------------------------------------------


def _settle_debit(ctx: Context, tx: Transaction, order: DebitOrder, result: PaymentResult) -> None:
    day = _settled_on(result, ctx.clock.today())
    if result.status is PaymentStatus.failed:
        tx.repo(DebitOrder).update(order.evolve(status=OrderStatus.failed, reason=result.reason))
        loan = loan_in(tx, order.loan_id, lock=True)
        if order.direction is PaymentDirection.payout:  # a refund that did not go out: hold it again
            postings = Postings(tx, loan.id, ctx.clock.now())
            refund = next((e for e in postings.entries() if e.data.get("order") == order.id), None)
            if refund is not None:
                postings.reverse(
                    refund, refund.business_date, key=f"reversal:{refund.id}", memo="refund failed"
                )
            return
        asked = "自动扣款" if order.purpose is CollectionPurpose.auto_debit else "扣款"
        ctx.notify(
            tx,
            recipient=loan.customer_id,
            template="debit_failed",
            body=f"{asked} {format_money(order.amount)} 元未成功（{result.reason}），"
            "请及时存入足额资金或主动还款。",
            dedup_key=f"debit-failed:{order.id}",
            data={
                "loan_id": loan.id,
                "amount": format_money(order.amount),
                "reason": result.reason or "-",
            },
        )
        return
    if order.direction is PaymentDirection.payout:
        tx.repo(DebitOrder).update(
            order.evolve(
                status=OrderStatus.succeeded,
                settled_on=day,
                collected=result.amount,
                reference=result.reference,
            )
        )
        return
    if not result.reference:
        raise InvalidInput(
            f"the payment system confirmed order {order.id} without its reference",
            field="reference",
            message_zh=f"支付通道确认扣款 {order.id} 时未提供流水号",
        )
    confirmation = PaymentConfirmation(
        channel=order.channel,
        reference=result.reference,
        amount=result.amount,
        settled_on=day,
        confirmed_by="payment-gateway",
    )
    credit(ctx, tx, order, confirmation)


# --- refunds --------------------------------------------------------------------------------


def refund_credit(ctx: Context, loan_id: str, *, key: str, on: date | None = None) -> DebitOrder:
    """Pay the borrower's credit (溢缴款) back to their account."""
    day = ctx.today(on)

    def body(tx: Transaction) -> tuple[str, DebitOrder]:
        return loan_id, refund_in(ctx, tx, loan_in(tx, loan_id, lock=True), day, key=key)

    return ctx.run(
        name="loan.refund",
        key=key,
        arguments={"loan": loan_id, "on": day},
        result_type=DebitOrder,
        body=body,
        audit_arguments=True,
    )


def refund_in(ctx: Context, tx: Transaction, loan: Loan, day: date, *, key: str) -> DebitOrder:
    """Inside the caller's transaction: post the refund of the borrower's credit and queue its payout."""
    loan_id = loan.id
    position = position_in(tx, loan, day)
    if position.credit <= 0:
        raise StateConflict(
            f"loan {loan_id} holds no credit",
            field="loan_id",
            message_zh=f"贷款 {loan_id} 没有溢缴款",
        )
    if loan.status is LoanStatus.active and position.due_now > 0:
        raise StateConflict(
            "apply the credit to what is due first",
            field="loan_id",
            message_zh="尚有应还款项，溢缴款应先冲抵",
        )
    postings = Postings(tx, loan.id, ctx.clock.now())
    order_id = f"rfd_{loan.id}_{key}"
    postings.post(
        EntryType.refund,
        day,
        position.credit,
        credit=-position.credit,
        key=f"refund:{key}",
        data={"order": order_id},
    )
    order = DebitOrder(
        id=order_id,
        loan_id=loan.id,
        amount=position.credit,
        due_on=day,
        direction=PaymentDirection.payout,
        purpose=CollectionPurpose.refund,
        idempotency_key=order_id,
        requested_at=ctx.clock.now(),
    )
    stored = tx.repo(DebitOrder).add(order)
    queue_payment(ctx, tx, payment_instruction(stored, loan))
    ctx.notify(
        tx,
        recipient=loan.customer_id,
        template="refund_notice",
        channel=Channel.sms,
        body=f"溢缴款 {format_money(position.credit)} 元将退回您的还款账户。",
        dedup_key=f"refund:{key}",
        data={"loan_id": loan.id, "amount": format_money(position.credit)},
    )
    return stored
