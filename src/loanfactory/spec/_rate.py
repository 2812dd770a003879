"""Interest rates of a product (利率定价): fixed, or floating on the LPR with a spread.

Rates are written ``"4.9%"`` or ``"85bp"`` (or a fraction below one, ``0.049``); a bare ``4.9`` is
refused as ambiguous. A rate table gives different rates (or spreads) by term and amount band.
A fixed rate may be stated by the day (日利率, ``daily: "0.02%"``) with the days of its year
(``basis: 360`` or ``365``); the engine charges the annual rate ``daily × basis`` exactly
(0.02 % a day on 360 days is 7.2 % a year).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from loanfactory.conventions import LprTenor
from loanfactory.money import MAX_RATE, Money, Rate, Spread, format_rate
from loanfactory.spec._base import CrossFieldProblem, SpecModel, lenient


class RepricingRule(StrEnum):
    """When a floating rate is reset to the then-current LPR (重定价)."""

    none = "none"  # the rate fixed at signing holds for the whole term
    january_first = "january-first"  # every 1 January (每年1月1日)
    anniversary = "anniversary"  # each anniversary of disbursement (放款对年对月对日)
    monthly = "monthly"  # at each installment date after a new fixing
    quarterly = "quarterly"


class RateBand(SpecModel):
    """One row of a rate table: for terms (and amounts) in range, use this rate or spread."""

    term_min: Annotated[int | None, Field(strict=True, gt=0, description="Shortest term of the band")] = None
    term_max: Annotated[int | None, Field(strict=True, gt=0, description="Longest term of the band")] = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    annual: Annotated[Rate | None, Field(description="Fixed annual rate for the band")] = None
    daily: Annotated[Rate | None, Field(description="Fixed daily rate for the band (日利率)")] = None
    spread: Annotated[Spread | None, Field(description="Spread over the index for the band")] = None

    def covers(self, term: int, amount: Decimal) -> bool:
        return (
            (self.term_min is None or term >= self.term_min)
            and (self.term_max is None or term <= self.term_max)
            and (self.amount_min is None or amount >= self.amount_min)
            and (self.amount_max is None or amount <= self.amount_max)
        )

    def problems(self) -> Iterator[CrossFieldProblem]:
        if self.term_min is not None and self.term_max is not None and self.term_min > self.term_max:
            yield CrossFieldProblem(
                ("term_min",), "min-gt-max", "term_min is above term_max", "期限下限大于上限"
            )
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            yield CrossFieldProblem(
                ("amount_min",), "min-gt-max", "amount_min is above amount_max", "金额下限大于上限"
            )


class _RateBase(SpecModel):
    floor: Annotated[Rate | None, Field(description="Lowest rate ever charged (利率下限)")] = None
    cap: Annotated[Rate | None, Field(description="Highest rate ever charged (利率上限)")] = None
    table: Annotated[
        tuple[RateBand, ...], Field(description="Rates or spreads by term/amount band (利率表)")
    ] = ()

    def _bound_problems(self) -> Iterator[CrossFieldProblem]:
        if self.floor is not None and self.cap is not None and self.cap < self.floor:
            yield CrossFieldProblem(
                ("cap",),
                "cap-lt-floor",
                f"cap {format_rate(self.cap)} is below floor {format_rate(self.floor)}",
                "利率上限低于利率下限",
            )
        for i, band in enumerate(self.table):
            for p in band.problems():
                yield p.under("table", i)


class FixedRate(_RateBase):
    """A fixed rate (固定利率): an annual rate, or a daily rate (日利率) on a year of ``basis`` days."""

    type: Literal["fixed"] = "fixed"
    annual_given: Annotated[
        Rate | None, Field(alias="annual", description="Annual rate, e.g. '7.2%' (年利率)")
    ] = None
    daily: Annotated[
        Rate | None, Field(description="Daily rate, e.g. '0.02%' (日利率); the annual rate is daily x basis")
    ] = None
    basis: Annotated[
        Literal[360, 365], Field(description="Days of the year of a daily rate (日利率的年计息天数)")
    ] = 360

    @property
    def annual(self) -> Decimal:
        """The annual rate the engine charges: as written, or the daily rate x basis (exact)."""
        if self.annual_given is not None:
            return self.annual_given
        return (self.daily or Decimal(0)) * self.basis

    def problems(self) -> Iterator[CrossFieldProblem]:
        yield from self._bound_problems()
        yield from _one_of_annual_or_daily(self.annual_given, self.daily, self.basis, ())
        for i, band in enumerate(self.table):
            yield from _one_of_annual_or_daily(band.annual, band.daily, self.basis, ("table", i))
            if band.spread is not None:
                yield CrossFieldProblem(
                    ("table", i, "spread"),
                    "not-allowed",
                    "a fixed rate has no index, so a band cannot give a spread",
                    "固定利率没有基准，利率表不能写点差 'spread'",
                )
        if self.annual_given is None and self.daily is None:
            return
        where = "annual" if self.annual_given is not None else "daily"
        if self.floor is not None and self.annual < self.floor:
            yield CrossFieldProblem(
                (where,), "below-floor", "the annual rate is below the floor", "年利率低于利率下限"
            )
        if self.cap is not None and self.annual > self.cap:
            yield CrossFieldProblem(
                (where,), "above-cap", "the annual rate is above the cap", "年利率高于利率上限"
            )

    def band_annual(self, band: RateBand) -> Decimal | None:
        """A band's annual rate: as written, or its daily rate x basis."""
        if band.annual is not None:
            return band.annual
        return None if band.daily is None else band.daily * self.basis

    def annual_rate(self, term: int, amount: Decimal) -> Decimal:
        """The rate for a term and amount: the first band that covers them, else ``annual``."""
        for band in self.table:
            if band.covers(term, amount) and (annual := self.band_annual(band)) is not None:
                return annual
        return self.annual


def _one_of_annual_or_daily(
    annual: Decimal | None, daily: Decimal | None, basis: int, at: tuple[str | int, ...]
) -> Iterator[CrossFieldProblem]:
    if (annual is None) == (daily is None):
        yield CrossFieldProblem(
            (*at, "annual"),
            "missing-key" if annual is None else "rate-twice",
            "give the annual rate or the daily rate (日利率), not both",
            "年利率 annual 与日利率 daily 必须且只能填一个",
        )
    elif daily is not None and daily * basis > MAX_RATE:
        yield CrossFieldProblem(
            (*at, "daily"),
            "out-of-range",
            f"a daily rate of {format_rate(daily)} is {format_rate(daily * basis)} a year, above 1000 %",
            f"日利率 {format_rate(daily)} 折合年利率 {format_rate(daily * basis)}，超过 1000%",
        )


class FloatingRate(_RateBase):
    """LPR plus a spread in basis points (浮动利率：LPR + 基点), reset by a repricing rule."""

    type: Literal["floating"] = "floating"
    index: Annotated[Literal["lpr"], Field(description="The index; only the LPR for now")] = "lpr"
    tenor: Annotated[LprTenor, lenient(LprTenor), Field(description="1y or 5y+ LPR (期限品种)")]
    spread: Annotated[Spread, Field(description="Added to the LPR, e.g. '-30bp' or '+85bp' (加点)")]
    repricing: Annotated[RepricingRule, lenient(RepricingRule)] = RepricingRule.january_first

    def problems(self) -> Iterator[CrossFieldProblem]:
        yield from self._bound_problems()
        for i, band in enumerate(self.table):
            if band.spread is None:
                yield CrossFieldProblem(
                    ("table", i, "spread"),
                    "missing-key",
                    "a floating-rate band needs 'spread'",
                    "浮动利率的利率表每行都需要 'spread'",
                )
            for name in ("annual", "daily"):
                if getattr(band, name) is not None:
                    yield CrossFieldProblem(
                        ("table", i, name),
                        "not-allowed",
                        f"a floating-rate band gives a spread, not '{name}'",
                        f"浮动利率的利率表写点差 'spread'，不写 '{name}'",
                    )

    def spread_for(self, term: int, amount: Decimal) -> Decimal:
        for band in self.table:
            if band.covers(term, amount) and band.spread is not None:
                return band.spread
        return self.spread

    def annual_rate_on(self, index_rate: Decimal, term: int, amount: Decimal) -> Decimal:
        """Index + spread, held within floor and cap."""
        rate = index_rate + self.spread_for(term, amount)
        if self.floor is not None:
            rate = max(rate, self.floor)
        if self.cap is not None:
            rate = min(rate, self.cap)
        return rate


RateSpec = Annotated[FixedRate | FloatingRate, Field(discriminator="type")]
