"""Vectorised posting schedules for many loans at once (numpy), equal to the Decimal path.

Money is held as integer fen (``int64``) and rates as integer millionths (``0.049`` -> 49000), so
inputs and outputs are exact. Each period's interest ``B x rate x every / periods-per-year`` is
computed in int64 — quotient and remainder round it exactly by the policy — or, for loans too large
for int64 products, in float64 with every value within float error of a rounding boundary (a tie
for half modes, a whole unit for up/down) recomputed in Decimal. The level installment is a float
PMT, recomputed in Decimal when near a boundary. The result equals
:func:`~loanfactory.schedule.build_schedule` row for row (tested on random books).

Scope: per-period interest (annual / periods per year), no dates, every method with a vectorised
kernel in its module (``Method.vector``: annuity, equal principal, interest only, flat); the
policy's mode and unit and an installment multiple. Daily interest, grace periods, balloons,
steps and fees use the Decimal path. As there, a loan that a rounded installment repays early has
zero rows after the one that repays it (:attr:`VectorSchedule.terms` counts its rows), and a loan
too small for the rounding (a level of 0.00) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from loanfactory.calendar import Frequency
from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import FEN_HALF_UP, RoundingMode, RoundingPolicy, quantize
from loanfactory.schedule._result import ScheduleRow

IntArray = npt.NDArray[np.int64]
RATE_SCALE = 1_000_000  # rates in millionths
_FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class VectorSchedule:
    """Posting schedules of a batch: arrays of shape (periods, loans) in integer fen."""

    principal: IntArray
    interest: IntArray
    installment: IntArray  # the level installment of each loan (0 for methods without one)
    flagged: int  # values recomputed exactly because they lay near a rounding boundary
    arithmetic: str  # "int64" (exact integers) or "float64" (huge loans: boundaries recomputed)

    @property
    def total(self) -> IntArray:
        return self.principal + self.interest

    @property
    def terms(self) -> IntArray:
        """Installments of each loan: up to the row that repays it (a rounded-up installment can
        repay a loan before the last period; the rows after it are zero)."""
        periods = self.principal.shape[0]
        repaid = np.cumsum(self.principal, axis=0) >= self.principal.sum(axis=0)
        counts: IntArray = np.argmax(repaid, axis=0).astype(np.int64) + 1
        return np.where(repaid.any(axis=0), counts, periods)

    @property
    def balance(self) -> IntArray:
        remaining: IntArray = self.principal.sum(axis=0) - np.cumsum(self.principal, axis=0)
        return remaining

    def installments(self, loan: int) -> tuple[ScheduleRow, ...]:
        """The rows of one loan as Decimal :class:`ScheduleRow` values (no dates)."""
        zero = Decimal(0)
        parts = self.principal[:, loan]
        balance = parts.sum() - np.cumsum(parts)  # this loan's only: not the whole book's
        repaid = np.flatnonzero(balance <= 0)
        rows = []
        for k in range(int(repaid[0]) + 1 if repaid.size else parts.shape[0]):
            part, interest = _yuan(self.principal[k, loan]), _yuan(self.interest[k, loan])
            rows.append(
                ScheduleRow(k + 1, None, None, part, interest, zero, part + interest, _yuan(balance[k]), zero)
            )
        return tuple(rows)


def to_fen(amounts: Sequence[Decimal]) -> IntArray:
    """Amounts in yuan (Decimal, at most 2 places) as integer fen."""
    out = np.empty(len(amounts), dtype=np.int64)
    for i, amount in enumerate(amounts):
        fen = amount * 100
        if fen != fen.to_integral_value():
            raise InvalidInput(f"{amount} has more than 2 decimal places", field="principal")
        out[i] = int(fen)
    return out


def to_rate_units(rates: Sequence[Decimal]) -> IntArray:
    """Annual rates (fractions, at most 6 decimals) as integer millionths."""
    out = np.empty(len(rates), dtype=np.int64)
    for i, rate in enumerate(rates):
        units = rate * RATE_SCALE
        if units != units.to_integral_value() or rate < 0:
            raise InvalidInput(f"rate {rate} needs at most 6 decimals and no sign", field="annual_rate")
        out[i] = int(units)
    return out


def vector_schedule(
    principal_fen: IntArray,
    rate_units: IntArray,
    term: int,
    *,
    method: RepaymentMethod = RepaymentMethod.annuity,
    frequency: Frequency = Frequency.monthly,
    every: int = 1,
    rounding: RoundingPolicy = FEN_HALF_UP,
    installment_multiple: Decimal | None = None,
) -> VectorSchedule:
    """Posting schedules of many loans with one term, method and convention."""
    from loanfactory.schedule.methods import method_of  # the method modules import this module

    principal_fen = np.asarray(principal_fen, dtype=np.int64)
    rate_units = np.asarray(rate_units, dtype=np.int64)
    if principal_fen.shape != rate_units.shape or principal_fen.ndim != 1:
        raise InvalidInput(
            "principal and rate arrays must be one-dimensional and of equal length", field="principal"
        )
    registered = method_of(method)
    kernel = registered.vector
    if kernel is None:
        raise InvalidInput(f"the vectorised path does not do {method}; use build_schedule", field="method")
    if term < 1 or every < 1:
        raise InvalidInput("term and every must be positive", field="term")
    if (principal_fen <= 0).any() or (rate_units < 0).any() or principal_fen.max(initial=0) >= 2**52:
        raise InvalidInput(
            "principal must be positive (below 4.5e13 yuan) and rates non-negative", field="principal"
        )
    unit_fen = _fen_units(rounding.unit)
    multiple_fen = _fen_units(installment_multiple) if installment_multiple is not None else unit_fen
    ctx = VectorContext(rate_units, frequency.periods_per_year, every, rounding, unit_fen)
    level = kernel.level(ctx, principal_fen, term, multiple_fen)
    if kernel.principal != "none" and term > 1 and (level <= 0).any():
        loan = int(np.flatnonzero(level <= 0)[0])
        raise InvalidInput(
            f"loan {loan}: installment 1 would be 0.00: {_yuan(principal_fen[loan])} is too small to repay "
            f"over {term} installments at this rounding",
            field="principal",
            message_zh=f"第 {loan} 笔贷款第 1 期应还金额将为 0.00：金额 {_yuan(principal_fen[loan])} 过小",
        )
    balance = principal_fen.copy()
    loans = principal_fen.shape[0]
    principal_rows = np.empty((term, loans), dtype=np.int64)
    interest_rows = np.empty((term, loans), dtype=np.int64)
    on_original = registered.interest_on == "original"
    ctx.prepare(int(principal_fen.max(initial=0)))
    may_go_negative = True  # until the first period shows the installment covers the interest
    for k in range(term):
        interest = interest_rows[k]
        ctx.interest_into(principal_fen if on_original else balance, interest)
        if on_original and k:  # no interest on the original principal of a loan already repaid
            interest[balance == 0] = 0
        part = principal_rows[k]
        if k == term - 1:
            part[:] = balance
        elif kernel.principal == "none":
            part.fill(0)
        elif kernel.principal == "level":
            np.minimum(level, balance, out=part)
        else:
            np.subtract(level, interest, out=part)
            np.minimum(part, balance, out=part)
            if may_go_negative and part.min(initial=0) < 0:
                np.maximum(part, 0, out=part)
            elif k == 0 and not on_original:  # interest only falls as the balance does
                may_go_negative = False
        balance -= part
    return VectorSchedule(
        principal_rows, interest_rows, level, ctx.flagged, "int64" if ctx.integer else "float64"
    )


class VectorContext:
    """Per-period interest of a batch, exact.

    Interest in rounding units is ``base x rate x every / (per_year x 10**6 x unit)``. When the
    products fit in int64 (any book below about 9e11 yuan per loan at 1000 %) it is computed in
    integers — quotient and remainder give the rounding exactly. Otherwise it is rounded in
    float64 and every value within float error of a boundary is recomputed in Decimal.
    """

    def __init__(
        self, rate_units: IntArray, per_year: int, every: int, rounding: RoundingPolicy, unit_fen: int
    ) -> None:
        self.rate_units = rate_units
        self.rate_scale = RATE_SCALE
        self.per_year, self.every = per_year, every
        self.rounding = rounding
        self.unit_fen = unit_fen
        self.rate_every = rate_units * every
        self.divisor = per_year * RATE_SCALE * unit_fen
        self.flagged = 0
        size = rate_units.shape[0]
        self._num = np.empty(size, dtype=np.int64)
        self._tmp = np.empty(size, dtype=np.int64)
        self._mask = np.empty(size, dtype=np.bool_)
        self.integer = True

    def prepare(self, largest_base: int) -> None:
        """Choose integer arithmetic when ``largest_base x rate`` cannot overflow int64."""
        self.integer = largest_base * int(self.rate_every.max(initial=0)) + self.divisor < 2**62

    def interest_into(self, base_fen: IntArray, out: IntArray) -> None:
        """Rounded interest on ``base_fen`` written into ``out`` (fen)."""
        if self.integer:
            self._integer_into(base_fen, out)
        else:
            self._float_into(base_fen, out)
        if self.unit_fen != 1:
            out *= self.unit_fen

    def _integer_into(self, base_fen: IntArray, out: IntArray) -> None:
        num, divisor = self._num, self.divisor
        np.multiply(base_fen, self.rate_every, out=num)
        mode = self.rounding.mode
        if mode is RoundingMode.half_even:
            tmp, mask = self._tmp, self._mask
            np.floor_divide(num, divisor, out=out)
            np.multiply(out, divisor, out=tmp)
            np.subtract(num, tmp, out=num)  # the remainder
            np.greater(2 * num, divisor, out=mask)
            mask |= (2 * num == divisor) & (out % 2 == 1)
            np.add(out, mask, out=out)
            return
        # round(num / divisor) = (num + offset) // divisor: half-up adds half the divisor (an exact
        # tie goes up; an odd divisor has no ties), up adds divisor - 1, down adds nothing
        offset = {RoundingMode.half_up: divisor // 2, RoundingMode.up: divisor - 1}.get(mode, 0)
        if offset:
            np.add(num, offset, out=num)
        np.floor_divide(num, divisor, out=out)

    def _float_into(self, base_fen: IntArray, out: IntArray) -> None:
        factor = self.rate_every.astype(np.float64) / self.divisor
        x = base_fen.astype(np.float64) * factor
        rounded, near = _round_float(x, self.rounding.mode, 1e-9 + float(x.max(initial=0.0)) * 1e-13)
        out[:] = rounded
        for i in np.flatnonzero(near):
            exact = Decimal(int(base_fen[i])) * Decimal(int(self.rate_units[i])) * self.every
            value = exact / (self.per_year * RATE_SCALE) / 100  # yuan, multiply first as the Decimal path
            out[i] = int(quantize(value, self.rounding.unit, self.rounding.mode) * 100) // self.unit_fen
        self.flagged += int(near.sum())

    def regular_rate(self, i: int) -> Decimal:
        return Decimal(int(self.rate_units[i])) / RATE_SCALE * self.every / self.per_year


def _round_float(
    x: npt.NDArray[np.float64], mode: RoundingMode, eps: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """x (non-negative, in rounding units) rounded by ``mode``, and where float error could matter."""
    floor = np.floor(x)
    frac = x - floor
    if mode is RoundingMode.half_up:
        return floor + (frac >= 0.5), np.abs(frac - 0.5) < eps
    if mode is RoundingMode.half_even:
        return np.rint(x), np.abs(frac - 0.5) < eps
    near_whole = (frac < eps) | (frac > 1 - eps)
    if mode is RoundingMode.down:
        return floor, near_whole
    return np.ceil(x), near_whole


def round_near(
    ctx: VectorContext,
    units: npt.NDArray[np.float64],
    multiple_fen: int,
    exact: Callable[[int], Decimal],
) -> IntArray:
    """Float amounts in units of ``multiple_fen`` rounded by the policy, in fen; each value within
    float error (1e-12 relative) of a rounding boundary is recomputed from ``exact(loan)`` (yuan)."""
    rounded, near = _round_float(units, ctx.rounding.mode, 1e-9 + float(units.max(initial=0.0)) * 1e-12)
    level = rounded.astype(np.int64) * multiple_fen
    multiple = Decimal(multiple_fen) / 100
    for i in np.flatnonzero(near):
        level[i] = int(quantize(exact(int(i)), multiple, ctx.rounding.mode) * 100)
    ctx.flagged += int(near.sum())
    return level


def round_exact(numerator: IntArray, denominator: IntArray, mode: RoundingMode, unit_fen: int) -> IntArray:
    """numerator / denominator (fen) rounded to ``unit_fen`` exactly, in integers."""
    den = denominator * unit_fen
    q, r = np.divmod(numerator, den)
    if mode is RoundingMode.half_up:
        q += 2 * r >= den
    elif mode is RoundingMode.half_even:
        q += (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    elif mode is RoundingMode.up:
        q += r > 0
    return q * unit_fen


def _fen_units(unit: Decimal) -> int:
    fen = unit / _FEN
    if fen != fen.to_integral_value() or fen <= 0:
        raise InvalidInput(f"the vectorised path needs units in whole fen, got {unit}", field="unit")
    return int(fen)


def _yuan(fen: np.int64 | int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)
