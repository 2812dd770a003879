"""等额本金 — equal principal: principal ``P / m`` each period (rounded to the installment unit),
interest on the opening balance; ``principal_per_period`` sets the principal (a keep-installment
re-amortisation keeps it).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from loanfactory.conventions import RepaymentMethod
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._principal import principal_rows
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule._vector import IntArray, VectorContext, round_exact
from loanfactory.schedule.methods._method import Built, Method, VectorKernel


def per_period(terms: LoanTerms) -> Decimal:
    return terms.principal_per_period or terms.principal / (terms.term - terms.grace_principal)


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    return principal_rows(terms, p, posting, first_extra, per_period, to_installment_unit=True, residue=True)


def vector_level(ctx: VectorContext, principal_fen: IntArray, term: int, multiple_fen: int) -> IntArray:
    """Principal per period in fen, rounded exactly in integers."""
    terms = np.full(principal_fen.shape[0], term, dtype=np.int64)
    return round_exact(principal_fen, terms, ctx.rounding.mode, multiple_fen)


METHOD = Method(
    name=RepaymentMethod.equal_principal,
    zh="等额本金",
    en="equal principal",
    summary="principal `P / m` rounded to the installment unit each period; interest on the opening balance",
    summary_zh="每期归还相同本金，利息按剩余本金计算，期供逐期递减",
    rows=rows,
    settings=frozenset({"principal_per_period"}),
    vector=VectorKernel(vector_level, "level"),
)
