"""The repayment schedule as the borrower sees it (还款计划查询): every installment with what is
paid, what is still owed and its state, from the ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._loan import Component, Value

ZERO = Decimal(0)


class InstallmentState(StrEnum):
    paid = "paid"  # 已结清
    partly_paid = "partly-paid"  # 部分还款（未到期或当日）
    due = "due"  # 今日到期
    overdue = "overdue"  # 逾期
    future = "future"  # 未到期


class InstallmentStatus(Value):
    """One installment of the schedule with its payments (还款计划的一期及还款情况)."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    state: InstallmentState
    days_past_due: int = 0


def installments(ctx: Context, loan_id: str, *, on: date | None = None) -> list[InstallmentStatus]:
    """Every installment of the loan with what is paid and owed as of ``on`` (default today)."""
    day = ctx.today(on)
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id)
        position = position_in(tx, loan, day)
    paid: dict[str, Decimal] = {}
    for due in position.dues:
        if due.component is not Component.penalty:
            paid[due.key] = paid.get(due.key, ZERO) + due.paid
    out = []
    for row in loan.schedule:
        done = paid.get(str(row.number), ZERO)
        owed = row.total - done
        if owed <= 0:
            state = InstallmentState.paid
        elif row.due_date < day:
            state = InstallmentState.overdue
        elif row.due_date == day:
            state = InstallmentState.due
        else:
            state = InstallmentState.partly_paid if done > 0 else InstallmentState.future
        out.append(
            InstallmentStatus(
                number=row.number,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                fee=row.fee,
                total=row.total,
                paid=done,
                outstanding=max(owed, ZERO),
                state=state,
                days_past_due=(day - row.due_date).days if state is InstallmentState.overdue else 0,
            )
        )
    return out
