"""等本等息 — flat (add-on) interest: the same principal ``P/m`` and the same interest ``P·i`` every
period, interest on the **original** principal whatever has been repaid; level installment
``P/m + P·i``, as consumer and credit-card instalment plans (分期) charge it.

Because the interest does not fall as the balance does, the true cost is far above the stated
rate: 12 installments at 0.5 % a month (6 % a year stated) cost 10.90 % by IRR (PBOC 2021 No. 3
asks for the IRR figure). Golden figures: ``tests/schedule/golden_methods.yaml``.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from loanfactory.conventions import RepaymentMethod
from loanfactory.money import quantize
from loanfactory.schedule._level import LevelRule, level_rows
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule._vector import RATE_SCALE, IntArray, VectorContext
from loanfactory.schedule.methods._method import Built, Method, VectorKernel


def level_amount(terms: LoanTerms, p: Plan, k: int, balance: Decimal) -> Decimal:
    """The balance over the remaining periods plus interest on the original principal."""
    return balance / (terms.term - k) + terms.principal * p.regular_num[k] / p.ppy


_RULE = LevelRule(level_amount, on_original=True)


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    return level_rows(terms, p, posting, first_extra, override, _RULE)


def vector_level(ctx: VectorContext, principal_fen: IntArray, term: int, multiple_fen: int) -> IntArray:
    level = np.empty_like(principal_fen)
    multiple = Decimal(multiple_fen) / 100
    for i in range(principal_fen.shape[0]):  # flat loans are rare in books; exact per loan
        p = Decimal(int(principal_fen[i])) / 100
        exact = p / term + p * Decimal(int(ctx.rate_units[i])) / RATE_SCALE * ctx.every / ctx.per_year
        level[i] = int(quantize(exact, multiple, ctx.rounding.mode) * 100)
    return level


METHOD = Method(
    name=RepaymentMethod.flat,
    zh="等本等息",
    en="flat (add-on) interest",
    summary="interest on the **original** principal each period; level installment `P/m + P·i`",
    summary_zh="每期本金相同、利息相同，利息按初始本金计算（常见于分期）；"
    "按 IRR 折算的年化利率约为名义利率的 1.8 倍",
    aliases=("等本等息还款",),
    rows=rows,
    level=True,
    settings=frozenset({"installment"}),
    interest_on="original",
    vector=VectorKernel(vector_level, "installment"),
)
