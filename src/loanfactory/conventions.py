"""Named conventions shared by product specs and schedules.

The product language (``loanfactory.spec``) lets a product manager choose among these; the
schedule engine (``loanfactory.schedule``) implements each one. Keeping them here lets both
depend on the names without depending on each other.
"""

from __future__ import annotations

from enum import StrEnum


class RepaymentMethod(StrEnum):
    """Names of the registered repayment methods (还款方式), as products and stored loans write them.

    Each name has its module under ``loanfactory/schedule/methods/`` that says what the method
    does (``loanfactory.schedule.methods.METHODS``); the two lists are checked to agree on import.
    """

    annuity = "annuity"  # 等额本息: level installment
    equal_principal = "equal_principal"  # 等额本金: level principal, interest on the balance
    interest_only = "interest_only"  # 先息后本 / 按月付息到期还本
    bullet = "bullet"  # 到期一次还本付息
    flat = "flat"  # 等本等息: interest on the original principal every period
    balloon = "balloon"  # 气球贷: amortise part, a final lump at maturity
    step = "step"  # 阶梯还款 / 累进还款: the installment rises or falls by a set amount or percent


class InterestMode(StrEnum):
    """How period interest is computed (计息方式)."""

    per_period = "per-period"  # annual / periods per year, whatever the days (按期计息)
    daily = "daily"  # actual days x annual / day-count basis (按日计息)


class ScheduleStyle(StrEnum):
    """Which schedule is printed: the ledger's or a calculator's."""

    posting = "posting"  # rounded rows; last row absorbs the residue; principal sums exactly
    display = "display"  # exact schedule, each column rounded for display


class TotalsStyle(StrEnum):
    """How totals are quoted."""

    exact = "exact"  # exact PMT x n, then rounded
    rounded = "rounded"  # rounded PMT x n


class TermUnit(StrEnum):
    """Unit of a loan term (期限单位)."""

    days = "days"
    months = "months"


class LprTenor(StrEnum):
    """Loan Prime Rate tenor (贷款市场报价利率期限品种)."""

    one_year = "1y"
    five_year = "5y+"


class GuaranteeType(StrEnum):
    """Guarantee mode (担保方式)."""

    credit = "credit"  # 信用
    guarantee = "guarantee"  # 保证
    mortgage = "mortgage"  # 抵押
    pledge = "pledge"  # 质押
