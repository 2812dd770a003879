"""等额本息 — equal installment (annuity): ``PMT = B·i / (1 − (1+i)^−m)`` over the ``m`` periods
after the principal grace; principal = installment − interest; recomputed from the balance when
the rate changes.

With daily interest and ``level_payment: actual-days`` the installment is the one that amortises
exactly under the actual period rates (Fineract's progressive schedule).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.schedule._level import LevelRule, level_rows, pmt, pmt_actual
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._terms import LevelPayment, LoanTerms
from loanfactory.schedule._vector import IntArray, VectorContext, round_near
from loanfactory.schedule.methods._method import Built, Method, VectorKernel

ZERO = Decimal(0)


def level_amount(terms: LoanTerms, p: Plan, k: int, balance: Decimal, final: Decimal = ZERO) -> Decimal:
    """The exact level installment from period ``k`` (0-based) on ``balance``, leaving ``final``."""
    if terms.level_payment is LevelPayment.actual_days and terms.interest is InterestMode.daily:
        return pmt_actual(balance, final, p.num[k:], p.den[k:])
    return pmt(balance, p.regular_num[k] / p.ppy, terms.term - k, final)


_RULE = LevelRule(level_amount)


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    return level_rows(terms, p, posting, first_extra, override, _RULE)


def vector_level(ctx: VectorContext, principal_fen: IntArray, term: int, multiple_fen: int) -> IntArray:
    """The level installment of each loan in fen.

    ``(1+r)^n − 1`` is ``expm1(n·log1p(r))``: the plain power loses about n·1e-16 of relative
    precision in ``growth − 1`` at low rates (0.01 % over 360 months missed a fen), this form keeps
    it to a few units of 1e-16. Values within float error of a rounding boundary are recomputed in
    Decimal.
    """
    rate = ctx.rate_units.astype(np.float64) * (ctx.every / (ctx.per_year * ctx.rate_scale))
    with np.errstate(divide="ignore", invalid="ignore"):
        growth_less_one = np.expm1(term * np.log1p(rate))
        payment = np.where(
            rate > 0,
            principal_fen * rate * (growth_less_one + 1.0) / growth_less_one,
            principal_fen / term,
        )
    return round_near(
        ctx,
        payment / multiple_fen,
        multiple_fen,
        lambda i: pmt(Decimal(int(principal_fen[i])) / 100, ctx.regular_rate(i), term),
    )


METHOD = Method(
    name=RepaymentMethod.annuity,
    zh="等额本息",
    en="equal installment (annuity)",
    summary="level installment `PMT = B·i / (1 − (1+i)^−m)` over the `m` periods after the principal "
    "grace; principal = installment − interest",
    summary_zh="每期还款额相同；利息按剩余本金计算，本金 = 期供 − 利息",
    rows=rows,
    level=True,
    settings=frozenset({"installment"}),
    vector=VectorKernel(vector_level, "installment"),
)
