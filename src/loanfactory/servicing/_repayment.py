"""Repayment (还款管理): charging what falls due, posting confirmed payments, credit, waivers, write-off.

Every money-moving command takes an idempotency key and posts to the ledger under it. Cash is
posted only from a confirmed collection (``_receipts``: money the payment system or the bank
confirmed, never an amount someone asked to pay). Before a payment is allocated, everything due
up to its business date is charged (interest and per-installment fees of the rows due), so a
payment on a due date settles that date's installment. Money beyond what is due is kept as the
borrower's credit (溢缴款) and applied on the next due date by the end-of-day run; only an explicit
prepayment reduces principal that is not yet due.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Transaction
from loanfactory.servicing._allocation import Allocation, allocate
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._ledger import Components, Postings
from loanfactory.servicing._loan import Component, Loan, LoanStatus, Value
from loanfactory.servicing._position import EntryType, Position
from loanfactory.servicing._state import installments_charged

ZERO = Decimal(0)
_RELIEVABLE = frozenset({Component.penalty, Component.interest, Component.fee})


class RepaymentResult(Value):
    """What a payment did (还款结果)."""

    loan_id: str
    entry_id: str | None
    amount: Decimal
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    fee: Decimal = ZERO
    credit: Decimal = ZERO  # kept for the borrower (溢缴款)
    status: LoanStatus
    due_after: Decimal = ZERO


# --- charging -------------------------------------------------------------------------------


def charge_due(ctx: Context, tx: Transaction, loan: Loan, day: date, postings: Postings) -> int:
    """Post the interest and fees of every row due on or before ``day`` not yet charged."""
    state = tx.ledger.state(loan.id)
    charged = (
        installments_charged(state)
        if state is not None
        else {
            (e.type, e.data.get("installment"))
            for e in postings.entries()
            if e.type in (EntryType.interest, EntryType.fee) and e.data.get("installment") is not None
        }
    )
    count = 0
    for row in loan.schedule:
        if row.due_date > day:
            break
        if row.interest > 0 and (EntryType.interest.value, row.number) not in charged:
            postings.post(
                EntryType.interest,
                row.due_date,
                row.interest,
                interest=row.interest,
                key=f"interest:{loan.id}:{row.number}",
                data={"installment": row.number},
            )
            count += 1
        if row.fee > 0 and (EntryType.fee.value, row.number) not in charged:
            postings.post(
                EntryType.fee,
                row.due_date,
                row.fee,
                fee=row.fee,
                key=f"fee:{loan.id}:{row.number}",
                data={"installment": row.number},
            )
            count += 1
    return count


# --- payments -------------------------------------------------------------------------------


def take_payment(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    amount: Decimal,
    day: date,
    *,
    key: str,
    source: str,
    evidence: dict[str, str] | None = None,
) -> RepaymentResult:
    """Post confirmed money inside the caller's transaction: settle what is due by the
    waterfall and keep the rest as credit. Only the collection path calls it
    (:func:`._receipts.credit`), with the order and the
    payment system's reference as ``evidence``."""
    if loan.status not in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off):
        raise StateConflict(
            f"loan {loan.id} is {loan.status}; nothing to repay",
            field="loan_id",
            message_zh=f"贷款 {loan.id} 状态为 {loan.status}，无需还款",
        )
    postings = Postings(tx, loan.id, ctx.clock.now())
    charge_due(ctx, tx, loan, day, postings)
    position = position_in(tx, loan, day)
    split = allocate(amount, position.dues, loan.terms.allocation)
    entry, _ = postings.post(
        EntryType.repayment,
        day,
        amount,
        key=key,
        data={"allocation": split.as_data(), "source": source, **(evidence or {})},
        **_components(split),
        credit=split.rest,
    )
    after = position_in(tx, loan, day)
    loan = after_payment(ctx, tx, loan, split.total(Component.principal), after, day, key)
    ctx.notify(
        tx,
        recipient=loan.customer_id,
        template="repayment_receipt",
        body=f"已收到您的还款 {format_money(amount)} 元。"
        + (f"其中 {format_money(split.rest)} 元作为溢缴款留存，将用于下期还款。" if split.rest else ""),
        dedup_key=f"receipt:{entry.id}",
        data={
            "loan_id": loan.id,
            "amount": format_money(amount),
            "held_credit": format_money(split.rest),
        },
    )
    return _result(loan, entry.id, amount, split, after)


def after_payment(
    ctx: Context, tx: Transaction, loan: Loan, principal_paid: Decimal, after: Position, day: date, key: str
) -> Loan:
    """Release the credit line by the principal repaid; settle the loan when nothing is owed."""
    if principal_paid > 0 and ctx.credit_lines is not None and loan.credit_line_id:
        ctx.credit_lines.release(
            tx,
            line_id=loan.credit_line_id,
            loan_id=loan.id,
            product_code=loan.product_code,
            amount=principal_paid,
            day=day,
            key=f"release:{key}",
        )
    settled = after.owed == 0 and loan.status is LoanStatus.active
    if settled:
        loan = tx.repo(Loan).update(loan.evolve(status=LoanStatus.settled, closed_on=day, days_past_due=0))
        ctx.emit(tx, "loan.settled", loan.id, on=day)
        ctx.notify(
            tx,
            recipient=loan.customer_id,
            template="settlement_notice",
            body=f"您的贷款 {loan.id} 已于 {day.isoformat()} 结清。",
            dedup_key=f"settled:{loan.id}",
            data={"loan_id": loan.id, "settled_on": day.isoformat()},
        )
    return loan


def apply_credit(ctx: Context, tx: Transaction, loan: Loan, day: date, postings: Postings) -> Decimal:
    """Use the borrower's credit on what is due (溢缴款冲抵); returns the amount applied."""
    position = position_in(tx, loan, day)
    if position.credit <= 0 or position.due_now <= 0:
        return ZERO
    split = allocate(position.credit, position.dues, loan.terms.allocation)
    if split.applied <= 0:
        return ZERO
    entry, new = postings.post(
        EntryType.credit_applied,
        day,
        split.applied,
        key=f"credit:{loan.id}:{day}",
        data={"allocation": split.as_data()},
        **_components(split),
        credit=-split.applied,
    )
    if new:
        after_payment(
            ctx, tx, loan, split.total(Component.principal), position_in(tx, loan, day), day, entry.id
        )
    return split.applied if new else ZERO


# --- relief ---------------------------------------------------------------------------------


def waive(
    ctx: Context,
    loan_id: str,
    amount: Decimal,
    *,
    key: str,
    on: date | None = None,
    reason: str,
    components: tuple[Component, ...] = (Component.penalty,),
    actor: str = "staff",
) -> RepaymentResult:
    """Waive penalty, interest or fees that are due (减免); never principal."""
    _positive(amount)
    day = ctx.today(on)
    only = frozenset(components)
    if not only <= _RELIEVABLE:
        raise InvalidInput(
            "only penalty, interest and fees can be waived",
            field="components",
            message_zh="只能减免罚息、利息和费用，不能减免本金",
        )

    def body(tx: Transaction) -> tuple[str, RepaymentResult]:
        loan = loan_in(tx, loan_id, lock=True)
        postings = Postings(tx, loan.id, ctx.clock.now())
        charge_due(ctx, tx, loan, day, postings)
        position = position_in(tx, loan, day)
        split = allocate(amount, position.dues, loan.terms.allocation, only=only)
        if split.rest > 0:
            raise StateConflict(
                f"only {format_money(split.applied)} of those components is due",
                field="amount",
                message_zh=f"可减免金额仅 {format_money(split.applied)} 元",
            )
        entry, _ = postings.post(
            EntryType.waiver,
            day,
            amount,
            key=f"waiver:{key}",
            data={"allocation": split.as_data(), "reason": reason},
            **_components(split),
        )
        after = position_in(tx, loan, day)
        loan = after_payment(ctx, tx, loan, ZERO, after, day, f"waiver:{key}")
        return loan_id, _result(loan, entry.id, amount, split, after)

    return ctx.run(
        name="loan.waive",
        key=key,
        arguments={
            "loan": loan_id,
            "amount": amount,
            "on": day,
            "reason": reason,
            "components": [c.value for c in components],
        },
        result_type=RepaymentResult,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def write_off(
    ctx: Context, loan_id: str, *, key: str, on: date | None = None, reason: str, actor: str = "staff"
) -> RepaymentResult:
    """Write off everything owed (核销); later recoveries are still taken as repayments."""
    day = ctx.today(on)

    def body(tx: Transaction) -> tuple[str, RepaymentResult]:
        loan = loan_in(tx, loan_id, lock=True)
        if loan.status is not LoanStatus.active:
            raise StateConflict(
                f"loan {loan_id} is {loan.status}",
                field="loan_id",
                message_zh=f"贷款 {loan_id} 状态为 {loan.status}，不能核销",
            )
        postings = Postings(tx, loan.id, ctx.clock.now())
        charge_due(ctx, tx, loan, day, postings)
        position = position_in(tx, loan, day)
        split = allocate(position.due_now, position.dues, loan.terms.allocation)
        due_principal = split.total(Component.principal)
        rest = position.principal - due_principal
        full = Allocation(
            (*split.parts, ("prepaid", Component.principal, rest)) if rest else split.parts, ZERO
        )
        entry, _ = postings.post(
            EntryType.write_off,
            day,
            full.applied,
            key=f"write-off:{key}",
            data={"allocation": full.as_data(), "reason": reason},
            **_components(full),
        )
        # the rows not yet due go with the write-off: nothing falls due any more
        past = tuple(r for r in loan.schedule if r.due_date <= day)
        loan = tx.repo(Loan).update(
            loan.evolve(
                status=LoanStatus.written_off,
                closed_on=day,
                schedule=past,
                schedule_version=loan.schedule_version + 1,
            )
        )
        if ctx.credit_lines is not None and loan.credit_line_id and position.principal > 0:
            ctx.credit_lines.release(
                tx,
                line_id=loan.credit_line_id,
                loan_id=loan.id,
                product_code=loan.product_code,
                amount=position.principal,
                day=day,
                key=f"release:write-off:{key}",
            )
        return loan_id, _result(loan, entry.id, full.applied, full, position_in(tx, loan, day))

    return ctx.run(
        name="loan.write_off",
        key=key,
        arguments={"loan": loan_id, "on": day, "reason": reason},
        result_type=RepaymentResult,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def _components(split: Allocation) -> Components:
    return {
        "principal": -split.total(Component.principal),
        "interest": -split.total(Component.interest),
        "penalty": -split.total(Component.penalty),
        "fee": -split.total(Component.fee),
    }


def _result(
    loan: Loan, entry_id: str | None, amount: Decimal, split: Allocation, after: Position
) -> RepaymentResult:
    return RepaymentResult(
        loan_id=loan.id,
        entry_id=entry_id,
        amount=amount,
        principal=split.total(Component.principal),
        interest=split.total(Component.interest),
        penalty=split.total(Component.penalty),
        fee=split.total(Component.fee),
        credit=split.rest,
        status=loan.status,
        due_after=after.due_now,
    )


def _positive(amount: Decimal, field: str = "amount") -> None:
    if (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount <= 0
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(
            f"{field} must be a positive amount in fen, got {amount!r}",
            field=field,
            message_zh=f"金额必须为大于 0 且精确到分的数，当前为 {amount!r}",
        )
