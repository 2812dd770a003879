"""到期还本付息 — bullet: one installment at maturity, simple interest over the whole term (no
compounding); the term's periods are one period from the start to maturity."""

from __future__ import annotations

from decimal import Decimal

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._result import ScheduleRow
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule.methods._method import Built, Method

ZERO = Decimal(0)


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    interest = terms.principal * p.num[0] / p.den[0]
    if posting:
        interest = terms.rounding(interest)
    total = terms.principal + interest
    row = ScheduleRow(1, p.due[0], p.days[0], terms.principal, interest, ZERO, total, ZERO, ZERO)
    return Built([row], None, None, None)


def check(terms: LoanTerms) -> None:
    if terms.grace_principal or terms.grace_interest:
        raise InvalidInput(
            "a bullet loan has no grace periods",
            field="grace_principal",
            message_zh="到期一次还本付息没有宽限期",
        )
    if terms.first_due is not None or terms.due_day is not None:
        raise InvalidInput(
            "a bullet loan has one due date, its maturity",
            field="first_due",
            message_zh="到期一次还本付息只有到期日一个还款日",
        )


METHOD = Method(
    name=RepaymentMethod.bullet,
    zh="到期还本付息",
    en="bullet (principal and interest at maturity)",
    summary="one installment at maturity; simple interest over the whole term (no compounding)",
    summary_zh="到期一次归还本金和全部利息（单利，不计复利）",
    contract_zh="到期一次还本付息",
    aliases=("到期一次还本付息", "利随本清"),
    rows=rows,
    single_payment=True,
    check=check,
)
