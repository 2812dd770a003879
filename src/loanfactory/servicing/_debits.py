"""Payment instructions and auto-debit orders (自动扣款指令), queued in the outbox.

An instruction waits in the outbox (topic ``payment``) until the payment relay submits it
(:mod:`._payments`); an auto-debit order is one :class:`DebitOrder` per loan and date, for the
end of day's debits and the upfront fee collected on the disbursement day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.ports import OutboxMessage, PaymentInstruction, Transaction
from loanfactory.servicing._core import Context
from loanfactory.servicing._loan import Loan
from loanfactory.servicing._records import DebitOrder


def queue_payment(ctx: Context, tx: Transaction, instruction: PaymentInstruction) -> None:
    tx.outbox.add(
        OutboxMessage(
            id=f"pay:{instruction.id}",
            topic="payment",
            dedup_key=f"pay:{instruction.id}",
            payload=instruction.model_dump(mode="json"),
            created_at=ctx.clock.now(),
        )
    )


def payment_instruction(order: DebitOrder, loan: Loan) -> PaymentInstruction:
    return PaymentInstruction(
        id=order.id,
        direction=order.direction,
        loan_id=loan.id,
        amount=order.amount,
        account=loan.account,
        account_name=loan.account_name,
        idempotency_key=order.idempotency_key,
        requested_at=order.requested_at,
    )


def queue_debit(
    ctx: Context, tx: Transaction, loan: Loan, due_on: date, amount: Decimal
) -> DebitOrder | None:
    """Order an auto-debit of ``amount`` for ``due_on`` (自动扣款), once per loan and date."""
    order_id = f"dbt_{loan.id}_{due_on.isoformat()}"
    if amount <= 0 or tx.repo(DebitOrder).find(order_id) is not None:
        return None
    order = DebitOrder(
        id=order_id,
        loan_id=loan.id,
        amount=amount,
        due_on=due_on,
        idempotency_key=order_id,
        requested_at=ctx.clock.now(),
    )
    stored = tx.repo(DebitOrder).add(order)
    queue_payment(ctx, tx, payment_instruction(stored, loan))
    return stored
