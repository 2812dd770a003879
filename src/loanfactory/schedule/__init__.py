"""Exact repayment schedules, APR, prepayment and penalty interest — the money core (还款计划).

Build a :class:`LoanTerms` (frozen, validated) and call :func:`build_schedule` for the posting
(ledger) or display schedule; every :class:`Schedule` states its convention. Repayment methods
are registered (:func:`registered`), one module each under ``loanfactory.schedule.methods``. The APR follows
PBOC 2021 No. 3 (:func:`annual_percentage_rate`). :func:`prepay` and :func:`payoff_quote` handle
prepayment; :func:`penalty_interest` overdue penalty and compound interest; :func:`lpr_rate_changes`
floating rates; :func:`vector_schedule` whole books at once in numpy. See ``docs/schedule.md``.
"""

from __future__ import annotations

from loanfactory.schedule._apr import (
    Apr,
    annual_percentage_rate,
    apr_of_dated_flows,
    apr_of_flows,
    irr,
    xirr,
)
from loanfactory.schedule._engine import build_schedule
from loanfactory.schedule._fees import fees_by_name
from loanfactory.schedule._floating import floating_rate, lpr_price, lpr_rate_changes, repricing_dates
from loanfactory.schedule._level import pmt
from loanfactory.schedule._penalty import (
    PenaltyCharge,
    accrued_penalty,
    accrued_to,
    charged_days,
    penalty_interest,
    penalty_rate,
)
from loanfactory.schedule._prepayment import (
    Payoff,
    PenaltyBand,
    Prepayment,
    Reamortise,
    payoff_quote,
    prepay,
    prepayment_penalty,
)
from loanfactory.schedule._result import Schedule, ScheduleRow, Totals
from loanfactory.schedule._terms import FeeTimingName, LevelPayment, LoanTerms, RateChange, ScheduleFee
from loanfactory.schedule._vector import VectorSchedule, to_fen, to_rate_units, vector_schedule
from loanfactory.schedule.methods import Balloon, Method, Step, find_method, method_of, registered

__all__ = [
    "Apr",
    "Balloon",
    "FeeTimingName",
    "LevelPayment",
    "LoanTerms",
    "Method",
    "Payoff",
    "PenaltyBand",
    "PenaltyCharge",
    "Prepayment",
    "RateChange",
    "Reamortise",
    "Schedule",
    "ScheduleFee",
    "ScheduleRow",
    "Step",
    "Totals",
    "VectorSchedule",
    "accrued_penalty",
    "accrued_to",
    "annual_percentage_rate",
    "apr_of_dated_flows",
    "apr_of_flows",
    "build_schedule",
    "charged_days",
    "fees_by_name",
    "find_method",
    "floating_rate",
    "irr",
    "lpr_price",
    "lpr_rate_changes",
    "method_of",
    "payoff_quote",
    "penalty_interest",
    "penalty_rate",
    "pmt",
    "prepay",
    "prepayment_penalty",
    "registered",
    "repricing_dates",
    "to_fen",
    "to_rate_units",
    "vector_schedule",
    "xirr",
]
