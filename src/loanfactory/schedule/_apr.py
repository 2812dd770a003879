"""APR (年化利率) per PBOC announcement 2021 No. 3, from the borrower's real cash flows.

The borrower receives the amount less the upfront fees counted in the APR at disbursement and
pays every installment (principal, interest and the per-installment fees counted in the APR).

- Regular periods: the per-period internal rate of return ``r`` solves
  ``sum(CF_k / (1+r)^k) = 0``; the disclosed APR is ``r x periods per year`` (monthly x12) and
  the effective annual rate is ``(1+r)^m - 1``. Solved by Newton's method in Decimal (28 digits),
  with bisection as a fallback, so the APR of a fee-free exact annuity equals its nominal rate.
- Irregular dates (an irregular first period): a day-based IRR (XIRR-like, ACT/365) gives the
  effective annual rate ``x``; the APR is ``m x ((1+x)^(1/m) - 1)``. Solved in binary floating
  point to 1e-12 — far below the disclosed 0.01 % — and returned as Decimal.
- Never the "fee / principal / years" shortcut: a flat 0.6 %/month fee is 13.03 %, not 7.2 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from loanfactory.conventions import ScheduleStyle
from loanfactory.errors import InvalidInput
from loanfactory.money import format_rate
from loanfactory.schedule._engine import build_schedule
from loanfactory.schedule._fees import upfront_fee
from loanfactory.schedule._result import Schedule
from loanfactory.schedule.methods import method_of

ZERO, ONE = Decimal(0), Decimal(1)
_TOLERANCE = Decimal("1e-22")
DISCLOSED = Decimal("0.0001")  # APRs are disclosed to 0.01 %


@dataclass(frozen=True, slots=True)
class Apr:
    """An annual percentage rate: ``nominal`` (the disclosed APR) and ``effective`` (年实际利率)."""

    nominal: Decimal
    effective: Decimal
    periodic: Decimal | None
    periods_per_year: Decimal
    method: Literal["periodic-irr", "xirr"]

    def disclosed(self, places: Decimal = DISCLOSED) -> tuple[Decimal, Decimal]:
        """(APR, effective annual rate) rounded half-up for disclosure (default 0.0001 = 0.01 %)."""
        return (
            self.nominal.quantize(places, ROUND_HALF_UP),
            self.effective.quantize(places, ROUND_HALF_UP),
        )

    def as_json(self) -> dict[str, str]:
        nominal, effective = self.disclosed()
        return {
            "apr": str(nominal),
            "effective_annual_rate": str(effective),
            "apr_percent": format_rate(self.nominal, 2),
            "apr_method": self.method,
        }


def irr(cash_flows: Sequence[Decimal]) -> Decimal:
    """The per-period internal rate of return of ``cash_flows`` (t = 0, 1, 2 ...), in Decimal.

    The first flow is the money lent (negative to the lender); raises InvalidInput when the flows
    have no sign change (no rate exists).
    """
    flows = list(cash_flows)
    if len(flows) < 2 or not any(f < 0 for f in flows) or not any(f > 0 for f in flows):
        raise InvalidInput(
            "cash flows need both a payment and a receipt",
            field="cash_flows",
            message_zh="现金流必须同时包含流入与流出",
        )
    guess = Decimal(repr(_float_irr([float(f) for f in flows])))
    rate = guess
    for _ in range(60):
        value, slope = _npv_and_slope(flows, rate)
        if slope == 0:
            break
        step = value / slope
        rate -= step
        if rate <= -1:
            break
        if abs(step) < _TOLERANCE:
            return rate
    return _bisect(flows)


def _npv_and_slope(flows: list[Decimal], rate: Decimal) -> tuple[Decimal, Decimal]:
    """NPV at ``rate`` and its derivative, by Horner's scheme in v = 1/(1+rate)."""
    v = ONE / (ONE + rate)
    value = ZERO
    slope = ZERO
    for k in range(len(flows) - 1, -1, -1):
        slope = slope * v + k * flows[k]
        value = value * v + flows[k]
    # d/dr sum(CF_k v^k) = -sum(k CF_k v^(k+1)) = -v * sum(k CF_k v^k)
    return value, -slope * v


def _bisect(flows: list[Decimal]) -> Decimal:
    low, high = Decimal("-0.999999"), Decimal(10)
    f_low = _npv_and_slope(flows, low)[0]
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = _npv_and_slope(flows, mid)[0]
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
        if high - low < _TOLERANCE:
            break
    return (low + high) / 2


def _float_irr(flows: list[float]) -> float:
    """A float starting point (Newton, bounded); good to ~1e-12 on ordinary loans."""
    total_in = -sum(f for f in flows if f < 0)
    total_out = sum(f for f in flows if f > 0)
    n = len(flows) - 1
    rate = (total_out / total_in - 1.0) / max(n, 1) * 2 if total_in else 0.0
    for _ in range(100):
        v = 1.0 / (1.0 + rate)
        value = 0.0
        slope = 0.0
        for k in range(n, -1, -1):
            slope = slope * v + k * flows[k]
            value = value * v + flows[k]
        slope = -slope * v
        if slope == 0 or not math.isfinite(value):
            return 0.0
        step = value / slope
        new_rate = rate - step
        if new_rate <= -0.99:
            new_rate = (rate - 0.99) / 2
        if abs(new_rate - rate) < 1e-15:
            return new_rate
        rate = new_rate
    return rate


def xirr(flows: Sequence[tuple[date, Decimal]]) -> Decimal:
    """The effective annual rate ``x`` with ``sum(CF_j (1+x)^(-days_j/365)) = 0`` (XIRR)."""
    if len(flows) < 2:
        raise InvalidInput("XIRR needs at least two cash flows", field="cash_flows")
    t0 = flows[0][0]
    times = [(d - t0).days / 365.0 for d, _ in flows]
    amounts = [float(a) for _, a in flows]
    if not any(a < 0 for a in amounts) or not any(a > 0 for a in amounts):
        raise InvalidInput(
            "cash flows need both a payment and a receipt",
            field="cash_flows",
            message_zh="现金流必须同时包含流入与流出",
        )

    def npv(x: float) -> float:
        return math.fsum(a * (1.0 + x) ** -t for a, t in zip(amounts, times, strict=True))

    low, high = -0.9999, 1.0
    while npv(high) > 0 and high < 1e6:
        high *= 2
    rate = 0.1
    for _ in range(100):  # Newton, kept inside the bracket by bisection
        value = npv(rate)
        slope = sum(-t * a * (1.0 + rate) ** (-t - 1) for a, t in zip(amounts, times, strict=True))
        if value > 0:
            low = rate
        else:
            high = rate
        new = rate - value / slope if slope else (low + high) / 2
        if not low < new < high:
            new = (low + high) / 2
        if abs(new - rate) < 1e-14:
            rate = new
            break
        rate = new
    return Decimal(repr(round(rate, 14)))


def apr_of_flows(flows: Sequence[Decimal], periods_per_year: Decimal) -> Apr:
    """APR of regular-period cash flows (t0 first): per-period IRR x periods per year."""
    periodic = irr(flows)
    nominal = periodic * periods_per_year
    effective = _effective(periodic, periods_per_year)
    return Apr(nominal, effective, periodic, periods_per_year, "periodic-irr")


def apr_of_dated_flows(flows: Sequence[tuple[date, Decimal]], periods_per_year: Decimal) -> Apr:
    """APR of dated cash flows (XIRR): nominal = m x ((1+x)^(1/m) - 1)."""
    effective = xirr(flows)
    m = float(periods_per_year)
    nominal = Decimal(repr(round(m * ((1.0 + float(effective)) ** (1.0 / m) - 1.0), 14)))
    return Apr(nominal, effective, None, periods_per_year, "xirr")


def _effective(periodic: Decimal, periods_per_year: Decimal) -> Decimal:
    if periods_per_year == periods_per_year.to_integral_value():
        return (ONE + periodic) ** int(periods_per_year) - ONE
    return ((ONE + periodic).ln() * periods_per_year).exp() - ONE


def annual_percentage_rate(schedule: Schedule) -> Apr:
    """The APR of a schedule's terms from the borrower's real (posting) cash flows.

    Fees with ``in_apr`` false are left out. Regular schedules use the per-period IRR; a schedule
    with an irregular first period uses the day-based IRR on the due dates.
    """
    terms = schedule.terms
    counted = tuple(f for f in terms.fees if f.in_apr)
    if counted != terms.fees:
        terms = terms.with_(fees=counted)
    if schedule.style is not ScheduleStyle.posting or terms is not schedule.terms:
        schedule = build_schedule(terms, ScheduleStyle.posting)
    received = terms.principal - upfront_fee(terms, True, in_apr_only=True)
    rows = schedule.installments
    per_year = terms.periods_per_year
    if method_of(terms.method).single_payment:
        per_year = per_year / terms.term  # one period as long as the whole term
    if schedule.irregular_first_period and terms.start is not None:
        dated: list[tuple[date, Decimal]] = [(terms.start, -received)]
        dated += [(row.due_date, row.total) for row in rows if row.due_date is not None]
        return apr_of_dated_flows(dated, per_year)
    return apr_of_flows([-received, *(row.total for row in rows)], per_year)
