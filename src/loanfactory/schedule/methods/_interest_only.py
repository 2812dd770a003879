"""先息后本 — interest only: interest each period on the balance, all principal with the last
installment (按月付息、到期还本)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from loanfactory.conventions import RepaymentMethod
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._principal import principal_rows
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule._vector import IntArray, VectorContext
from loanfactory.schedule.methods._method import Built, Method, VectorKernel

ZERO = Decimal(0)


def _nothing(terms: LoanTerms) -> Decimal:
    return ZERO


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    return principal_rows(terms, p, posting, first_extra, _nothing, zero_allowed=True)


def vector_level(ctx: VectorContext, principal_fen: IntArray, term: int, multiple_fen: int) -> IntArray:
    return np.zeros(principal_fen.shape[0], dtype=np.int64)


METHOD = Method(
    name=RepaymentMethod.interest_only,
    zh="先息后本",
    en="interest only, principal at maturity",
    summary="interest each period; all principal with the last installment",
    summary_zh="每期只还利息，到期一次归还全部本金",
    contract_zh="按月付息、到期还本",
    rows=rows,
    repays_each_period=False,
    vector=VectorKernel(vector_level, "none"),
)
