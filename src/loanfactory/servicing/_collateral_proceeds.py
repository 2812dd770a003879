"""Allocating the proceeds of a collateral disposal to the loan (处置款冲抵), in one transaction.

The costs of disposal are charged to the loan as a one-off fee and settled first (实现债权的费用,
Civil Code art. 561); then what is due, by the product's allocation waterfall; then — the security
being enforced for the whole debt — the principal not yet due with its interest to the day, through
the one prepayment path with no prepayment conditions or fee. Proceeds beyond the whole debt are
refunded to the borrower's verified own account or held as the borrower's credit (a liability);
a shortfall stays owed.

The money is confirmed as every receipt is (the receipt order and the channel's reference taken
once, ``_receipts``); the posting is made here rather than by the receipt path's waterfall because
the costs of disposal come first whatever the product's allocation order says.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.errors import StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Transaction
from loanfactory.servicing._allocation import Allocation, allocate
from loanfactory.servicing._collateral_record import Disposal, Surplus
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._disbursement import verified_account
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Component, Loan, LoanStatus
from loanfactory.servicing._payments import refund_in
from loanfactory.servicing._position import EntryType
from loanfactory.servicing._prepayment import _quote, apply_prepayment
from loanfactory.servicing._records import DebitOrder, OrderStatus
from loanfactory.servicing._repayment import _components, after_payment, charge_due
from loanfactory.spec import Reamortisation

ZERO = Decimal(0)


def allocate_proceeds(ctx: Context, tx: Transaction, record: Disposal, surplus: Surplus) -> Disposal:
    """Apply a disposal's confirmed proceeds to its loan inside ``tx`` (see :mod:`._collateral`)."""
    assert record.proceeds_on is not None
    assert record.order_id is not None
    day = record.proceeds_on
    loan = loan_in(tx, record.loan_id, lock=True)
    if loan.status not in (LoanStatus.active, LoanStatus.settled):
        raise StateConflict(
            f"loan {loan.id} is {loan.status.value}",
            field="loan_id",
            message_zh=f"贷款 {loan.id} 状态为 {loan.status.value}，不能冲抵处置款",
        )
    order = tx.repo(DebitOrder).get(record.order_id)
    postings = Postings(tx, loan.id, ctx.clock.now())
    parts: list[tuple[str, Component, Decimal]] = []
    money = record.proceeds
    if record.costs > 0:
        cost, _ = postings.post(
            EntryType.fee,
            day,
            record.costs,
            fee=record.costs,
            key=f"disposal-costs:{record.id}",
            memo="costs of disposal",
            data={"disposal": record.id},
        )
        taken = min(money, record.costs)
        parts.append((f"u:{cost.id}", Component.fee, taken))
        money -= taken
    charge_due(ctx, tx, loan, day, postings)
    before = position_in(tx, loan, day)
    costs_key = parts[0][0] if parts else None
    split = allocate(money, [d for d in before.dues if d.key != costs_key], loan.terms.allocation)
    full = Allocation((*parts, *split.parts), split.rest)
    entry, _ = postings.post(
        EntryType.repayment,
        day,
        record.proceeds,
        key=f"disposal:{record.id}",
        data={
            "allocation": full.as_data(),
            "source": "collateral-disposal",
            "disposal": record.id,
            "order": order.id,
            "channel": order.channel.value,
            "reference": record.proceeds_reference,
        },
        **_components(full),
        credit=split.rest,
    )
    entries = [entry.id]
    loan = after_payment(
        ctx, tx, loan, full.total(Component.principal), position_in(tx, loan, day), day, entry.id
    )
    if loan.status is LoanStatus.active and split.rest > 0:
        prepaid = _enforce(ctx, tx, loan, day, record.id)
        if prepaid is not None:
            entries.append(prepaid)
            loan = loan_in(tx, loan.id)
    after = position_in(tx, loan, day)
    beyond = min(after.credit, record.proceeds) if after.owed == 0 else ZERO  # what the proceeds left over
    refund: DebitOrder | None = None
    if beyond > 0 and surplus is Surplus.refund:
        verified_account(tx, loan, to_payee=False)  # none: refused, and the transaction writes nothing
        refund = refund_in(ctx, tx, loan, day, key=f"disposal-{record.id}")
    tx.repo(DebitOrder).update(
        order.evolve(
            status=OrderStatus.succeeded,
            settled_on=day,
            collected=record.proceeds,
            reference=record.proceeds_reference,
            entry_id=entry.id,
        )
    )
    told = f"您的抵押物处置款 {format_money(record.proceeds)} 元已用于归还贷款 {loan.id}。"
    if beyond > 0:
        kept = "将退回您的本人账户" if refund is not None else "作为溢缴款留存"
        told += f"余款 {format_money(beyond)} 元{kept}。"
    if after.owed > 0:
        told += f"尚欠 {format_money(after.owed)} 元。"
    ctx.notify(
        tx,
        recipient=loan.customer_id,
        template="repayment_receipt",
        body=told,
        dedup_key=f"disposal:{record.id}",
        data={
            "loan_id": loan.id,
            "amount": format_money(record.proceeds),
            "held_credit": format_money(after.credit),
        },
    )
    ctx.emit(
        tx,
        "collateral.proceeds_allocated",
        loan.id,
        disposal=record.id,
        proceeds=record.proceeds,
        costs=record.costs,
        surplus=beyond,
        shortfall=after.owed,
        loan_status=loan.status.value,
    )
    return record.evolve(
        applied=record.proceeds - beyond,
        surplus=beyond,
        surplus_handling=surplus if beyond > 0 else None,
        refund_order_id=refund.id if refund is not None else None,
        shortfall=after.owed,
        entry_ids=tuple(entries),
    )


def _enforce(ctx: Context, tx: Transaction, loan: Loan, day: date, disposal_id: str) -> str | None:
    """Use the credit the proceeds left on the principal not yet due (加速到期): all of it with
    its interest to the day when the credit covers that, otherwise as much principal as the
    credit pays after the interest to the day. The prepayment posting's id, if one was made."""
    whole, engine = _quote(ctx, tx, loan, day, None, enforced=True)
    if engine is None or whole.principal <= 0:
        return None
    principal: Decimal | None = None
    if whole.total > 0:  # the credit falls short of the whole: prepay what it pays
        principal = whole.credit - whole.due - whole.accrued_interest - whole.prepayment_fee
        if principal <= 0:
            return None  # the credit stays held, applied at the next due date
    result = apply_prepayment(
        ctx,
        tx,
        loan,
        day,
        key=f"disposal:{disposal_id}",
        principal=principal,
        reamortisation=Reamortisation.keep_term,
        enforced=True,
    )
    return result.entry_id
