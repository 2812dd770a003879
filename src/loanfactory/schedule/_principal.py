"""The set-principal engine: rows of every method that repays a set principal each period and
interest on the balance — equal principal, interest only, balloon with a share per period.

A method gives the exact principal per period (zero for interest only); in the posting style it is
rounded (to the installment unit when ``to_installment_unit``, else to the rounding unit), the
last row takes the whole remaining balance, and principal is kept within 0 … balance.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from loanfactory.money import quantize
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._result import ScheduleRow, payoff_index
from loanfactory.schedule._terms import LoanTerms, too_small
from loanfactory.schedule.methods._method import Built

ZERO = Decimal(0)


def principal_rows(
    terms: LoanTerms,
    p: Plan,
    posting: bool,
    first_extra: Decimal,
    per_period: Callable[[LoanTerms], Decimal],
    *,
    to_installment_unit: bool = False,
    residue: bool = False,
    zero_allowed: bool = False,
) -> Built:
    """The rows of a set-principal method; ``residue``: the last row's difference from the set
    principal is a rounding residue (it is the balloon or the whole principal otherwise);
    ``zero_allowed``: a set principal of zero is meant (interest only), not a rounding of a tiny one."""
    n, grace = terms.term, terms.grace_principal
    rounding = terms.rounding
    level = per_period(terms)
    if posting:
        unit = terms.installment_unit if to_installment_unit else rounding.unit
        level = quantize(level, unit, rounding.mode)
        if not level and not zero_allowed and n - grace > 1:
            raise too_small(terms, grace + 1)
    num, den, due, days = p.num, p.den, p.due, p.days
    rows: list[ScheduleRow] = []
    b = terms.principal
    for k in range(n):
        interest = b * num[k] / den[k]
        if posting:
            interest = rounding(interest)
        if k < grace:
            part = ZERO
        elif k == n - 1:
            part = b
        else:
            part = level + first_extra if k == grace else level
            part = min(max(part, ZERO), b)
        b -= part
        rows.append(ScheduleRow(k + 1, due[k], days[k], part, interest, ZERO, part + interest, b, ZERO))
    last = payoff_index(rows)
    moved = rows[last].principal - level if residue and last > grace else None
    return Built(rows, None, None, moved)
