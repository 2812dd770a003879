"""Prepayment (提前还款): payoff quotes and partial or full prepayment with re-amortisation.

The schedule engine (:func:`loanfactory.schedule.prepay`) gives the interest to the day (Civil Code
art. 677), the contract's prepayment penalty and the re-amortised rest; servicing posts them, pays
what is due first, and replaces the schedule's remaining rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Transaction
from loanfactory.schedule import Prepayment
from loanfactory.schedule import prepay as engine_prepay
from loanfactory.servicing._allocation import Allocation, allocate
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._ledger import LedgerIdentityError, Postings
from loanfactory.servicing._loan import Component, Loan, LoanStatus, Value
from loanfactory.servicing._position import EntryType
from loanfactory.servicing._repayment import (
    RepaymentResult,
    _components,
    _result,
    after_payment,
    charge_due,
)
from loanfactory.servicing._terms import posting_rows, tail_schedule, waiver_left, with_waiver
from loanfactory.spec import Reamortisation

ZERO = Decimal(0)


class PayoffQuote(Value):
    """What settles a loan, or prepays part of it, on a date (提前还款试算)."""

    loan_id: str
    on: date
    principal: Decimal  # principal repaid: all of it, or the part asked for
    due: Decimal  # installments due and unpaid, penalty included
    accrued_interest: Decimal  # interest of the current period to the day (按实际天数计息)
    prepayment_fee: Decimal  # 提前还款违约金
    credit: Decimal  # the borrower's credit used
    total: Decimal  # cash to pay


def payoff_quote(
    ctx: Context, loan_id: str, *, on: date | None = None, principal: Decimal | None = None
) -> PayoffQuote:
    """The cash that settles the loan on ``on`` (``principal=None``) or prepays ``principal`` of it."""
    day = ctx.today(on)
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id)
        return _quote(ctx, tx, loan, day, principal)[0]


def _quote(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    day: date,
    principal: Decimal | None,
    reamortisation: Reamortisation = Reamortisation.keep_term,
    *,
    enforced: bool = False,
) -> tuple[PayoffQuote, Prepayment | None]:
    if loan.start is not None and day < loan.start:  # nothing is owed before the money went out
        raise InvalidInput(
            f"{day} is before the loan's value date {loan.start}",
            field="on",
            code="before-value-date",
            message_zh=f"{day} 早于贷款起息日 {loan.start}",
        )
    position = position_in(tx, loan, day)
    due_principal = sum((d.outstanding for d in position.dues if d.component is Component.principal), ZERO)
    not_due = position.principal - due_principal
    wanted = not_due if principal is None else principal
    if wanted > not_due:
        raise InvalidInput(
            f"only {format_money(not_due)} of principal is not yet due",
            field="principal",
            message_zh=f"未到期本金仅 {format_money(not_due)} 元",
        )
    engine: Prepayment | None = None
    accrued = fee = ZERO
    if wanted > 0 and any(r.due_date > day for r in loan.schedule):
        engine = engine_prepay(
            tail_schedule(loan),
            None if principal is None else wanted,
            on=day,
            reamortise=reamortisation.value,
            penalty=() if enforced else loan.terms.prepayment.penalty,
            repaid_before=loan.tail_from - 1,  # the penalty window counts from disbursement
        )
        if engine.balance_before != not_due:
            raise LedgerIdentityError(
                f"loan {loan.id}: the schedule's balance {engine.balance_before} differs from "
                f"the ledger's principal not yet due {not_due}"
            )
        free = min(waiver_left(loan, day), engine.accrued_interest)  # interest-free days not used yet
        accrued = engine.accrued_interest - free + engine.deferred_interest
        fee = engine.penalty + engine.fee
    due = position.due_now  # dues come from the schedule, charged or not yet
    total = due + accrued + fee + wanted
    used = min(position.credit, total)
    quote = PayoffQuote(
        loan_id=loan.id,
        on=day,
        principal=wanted,
        due=due,
        accrued_interest=accrued,
        prepayment_fee=fee,
        credit=used,
        total=total - used,
    )
    return quote, engine


def apply_prepayment(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    day: date,
    *,
    key: str,
    principal: Decimal | None,
    reamortisation: Reamortisation,
    enforced: bool = False,
) -> RepaymentResult:
    """Prepay ``principal`` (or everything, when None) with its accrued interest and fee (提前还款),
    inside the caller's transaction, from money already confirmed (see ``_receipts``).

    The borrower pays the quote's total; a partial prepayment re-amortises the rest — keep the
    term and lower the installment, or keep the installment and shorten the term. ``enforced``:
    the money is the proceeds of enforcing the security (押品处置), which repay the debt whatever
    the contract's prepayment conditions, with no prepayment fee.
    """
    if not enforced:
        _check_prepayment(loan, day, principal, reamortisation)
    postings = Postings(tx, loan.id, ctx.clock.now())
    charge_due(ctx, tx, loan, day, postings)
    quote, engine = _quote(ctx, tx, loan, day, principal, reamortisation, enforced=enforced)
    if quote.accrued_interest > 0:
        postings.post(
            EntryType.interest,
            day,
            quote.accrued_interest,
            interest=quote.accrued_interest,
            key=f"prepay-interest:{key}",
            memo="interest to the prepayment date",
        )
    if quote.prepayment_fee > 0:
        postings.post(
            EntryType.fee,
            day,
            quote.prepayment_fee,
            fee=quote.prepayment_fee,
            key=f"prepay-fee:{key}",
            memo="prepayment fee",
        )
    position = position_in(tx, loan, day)
    split = allocate(position.due_now, position.dues, loan.terms.allocation)
    parts = (*split.parts, ("prepaid", Component.principal, quote.principal))
    full = Allocation(parts, ZERO)
    cash = full.applied - quote.credit
    entry, _ = postings.post(
        EntryType.prepayment,
        day,
        cash,
        key=f"prepayment:{key}",
        data={
            "allocation": full.as_data(),
            "reamortisation": reamortisation.value,
            "credit_used": format(quote.credit, "f"),
        },
        **_components(full),
        credit=-quote.credit,
    )
    after = position_in(tx, loan, day)
    past = tuple(r for r in loan.schedule if r.due_date <= day)
    if engine is not None and engine.remaining is not None:
        used = engine.accrued_interest + engine.deferred_interest - quote.accrued_interest
        rows = with_waiver(
            posting_rows(engine.remaining, first_number=loan.tail_from), waiver_left(loan, day) - used
        )
        loan = loan.evolve(
            schedule=past + rows,
            tail_start=day,
            tail_from=rows[0].number,
            level_installment=engine.remaining.level_installment,
        )
    else:
        loan = loan.evolve(schedule=past)
    loan = tx.repo(Loan).update(loan.evolve(schedule_version=loan.schedule_version + 1))
    loan = after_payment(ctx, tx, loan, full.total(Component.principal), after, day, f"prepayment:{key}")
    ctx.emit(tx, "loan.prepaid", loan.id, entry=entry.id, principal=quote.principal, on=day)
    return _result(loan, entry.id, cash, full, after)


def _check_prepayment(
    loan: Loan, day: date, principal: Decimal | None, reamortisation: Reamortisation
) -> None:
    """The contract's prepayment terms allow this prepayment (提前还款条件)."""
    policy = loan.terms.prepayment
    code = loan.product_code
    if loan.status is not LoanStatus.active:
        raise StateConflict(
            f"loan {loan.id} is {loan.status}",
            field="loan_id",
            message_zh=f"贷款 {loan.id} 状态为 {loan.status}，不能提前还款",
        )
    if not policy.allowed:
        raise StateConflict(field="loan_id", code="prepayment-not-allowed", params={"code": code})
    periods = sum(1 for r in loan.schedule if r.due_date <= day)
    if periods < policy.allowed_after_periods:
        raise StateConflict(
            field="on",
            code="prepayment-too-early",
            params={"allowed_after_periods": policy.allowed_after_periods},
        )
    if principal is not None and policy.min_amount is not None and principal < policy.min_amount:
        raise InvalidInput(
            f"a partial prepayment is at least {format_money(policy.min_amount)}",
            field="principal",
            message_zh=f"部分提前还款金额不得低于 {format_money(policy.min_amount)} 元",
        )
    if principal is not None and reamortisation.value not in policy.reamortisation:
        raise InvalidInput(
            f"{code} does not offer {reamortisation}",
            field="reamortisation",
            message_zh=f"产品 {code} 不支持 {reamortisation}",
        )
