"""Repayment and prepayment requests (还款申请): what a borrower asks for becomes a collection order.

:func:`request_repayment` and :func:`request_prepayment` write a
:class:`DebitOrder` and its instruction to the payment gateway, in one transaction; nothing is
credited then. The relay submits the instruction, and the ledger is credited with the amount the
payment system confirms, when it confirms it — by its answer, a signed callback or a poll — along
the same path as the end of day's auto-debits (``_payments``, ``_receipts``).
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.errors import StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._debits import payment_instruction, queue_payment
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._prepayment import _check_prepayment, _quote, apply_prepayment
from loanfactory.servicing._records import CollectionPurpose, DebitOrder, OrderStatus
from loanfactory.servicing._repayment import _positive
from loanfactory.spec import Reamortisation

_COLLECTABLE = (LoanStatus.active, LoanStatus.written_off)


def request_repayment(
    ctx: Context, loan_id: str, amount: Decimal, *, key: str, actor: str = "system"
) -> DebitOrder:
    """Order the collection of ``amount`` from the borrower's account (主动还款).

    Nothing is credited now: the order goes to the payment system, and the ledger is credited
    with the amount it confirms, when it confirms it (an answer, a callback or a poll).
    """
    _positive(amount)

    def body(tx: Transaction) -> tuple[str, DebitOrder]:
        loan = loan_in(tx, loan_id, lock=True)
        if loan.status not in _COLLECTABLE:
            raise StateConflict(
                f"loan {loan.id} is {loan.status}; nothing to repay",
                field="loan_id",
                message_zh=f"贷款 {loan.id} 状态为 {loan.status}，无需还款",
            )
        order = order_collection(ctx, tx, loan, amount, purpose=CollectionPurpose.repayment, by=actor)
        return loan_id, order

    return ctx.run(
        name="loan.request_repayment",
        key=key,
        arguments={"loan": loan_id, "amount": amount},
        result_type=DebitOrder,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def request_prepayment(
    ctx: Context,
    loan_id: str,
    *,
    key: str,
    principal: Decimal | None = None,
    reamortisation: Reamortisation = Reamortisation.keep_term,
    actor: str = "system",
) -> DebitOrder:
    """Order the collection of today's prepayment quote (提前还款申请): ``principal`` of it, or
    everything when None. The prepayment is made when the payment system confirms the money.

    When the borrower's held credit already covers the quote nothing is collected: the
    prepayment is made from it at once and the order (amount 0) says so.
    """
    if principal is not None:
        _positive(principal, "principal")

    def body(tx: Transaction) -> tuple[str, DebitOrder]:
        loan = loan_in(tx, loan_id, lock=True)
        day = ctx.clock.today()
        _check_prepayment(loan, day, principal, reamortisation)
        quote, _ = _quote(ctx, tx, loan, day, principal, reamortisation)
        order = order_collection(
            ctx,
            tx,
            loan,
            quote.total,
            purpose=CollectionPurpose.prepayment,
            by=actor,
            principal=principal,
            reamortisation=reamortisation,
        )
        if quote.total == 0:
            done = apply_prepayment(
                ctx, tx, loan, day, key=order.id, principal=principal, reamortisation=reamortisation
            )
            order = tx.repo(DebitOrder).update(
                order.evolve(status=OrderStatus.succeeded, settled_on=day, entry_id=done.entry_id)
            )
        return loan_id, order

    return ctx.run(
        name="loan.request_prepayment",
        key=key,
        arguments={"loan": loan_id, "principal": principal, "reamortisation": reamortisation.value},
        result_type=DebitOrder,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def order_collection(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    amount: Decimal,
    *,
    purpose: CollectionPurpose,
    by: str,
    principal: Decimal | None = None,
    reamortisation: Reamortisation | None = None,
) -> DebitOrder:
    """A collection order and its instruction to the gateway (none when there is nothing to collect)."""
    order_id = ctx.ids.new("col")
    order = tx.repo(DebitOrder).add(
        DebitOrder(
            id=order_id,
            loan_id=loan.id,
            amount=amount,
            due_on=ctx.clock.today(),
            purpose=purpose,
            principal=principal,
            reamortisation=reamortisation,
            requested_by=by,
            idempotency_key=order_id,
            requested_at=ctx.clock.now(),
        )
    )
    if amount > 0:
        queue_payment(ctx, tx, payment_instruction(order, loan))
    return order


def collection_order(ctx: Context, order_id: str) -> DebitOrder:
    """A collection order with its status and the amount confirmed (NotFound for another id)."""
    with ctx.store.transaction() as tx:
        return tx.repo(DebitOrder).get(order_id)


def collection_orders(ctx: Context, loan_id: str) -> list[DebitOrder]:
    """Every collection and refund order of a loan, oldest first (扣款记录)."""
    with ctx.store.transaction() as tx:
        loan_in(tx, loan_id)
        orders = tx.repo(DebitOrder).list(loan_id=loan_id)
    return sorted(orders, key=lambda o: (o.requested_at, o.id))
