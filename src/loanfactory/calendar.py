"""Dates: repayment frequencies, day-count conventions and due-date arithmetic.

Chinese banks count the first day and not the last (算头不算尾): the interest days of a period
from ``start`` to ``end`` are ``(end - start).days``. Month arithmetic clamps to the month's end
(a loan disbursed on 31 January is due on 28/29 February, then on 31 March again: the anchor day
is kept, not the clamped one).

Dates end on 9999-12-31: arithmetic that would pass it raises :class:`InvalidInput` with the
code ``date-out-of-range`` (a schedule starting in 9990 is a request to refuse, not a crash).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate, repeat
from operator import add, sub

from loanfactory.errors import InvalidInput


class Frequency(StrEnum):
    """How often an installment falls due (还款频率)."""

    daily = "daily"
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"
    quarterly = "quarterly"
    semi_annual = "semi-annual"
    annual = "annual"

    @property
    def periods_per_year(self) -> int:
        return _PERIODS_PER_YEAR[self]

    @property
    def months(self) -> int | None:
        """Months per period for month-based frequencies, else None."""
        return _MONTHS.get(self)

    @property
    def days(self) -> int | None:
        """Days per period for day-based frequencies, else None."""
        return _DAYS.get(self)


_PERIODS_PER_YEAR = {
    Frequency.daily: 360,
    Frequency.weekly: 52,
    Frequency.biweekly: 26,
    Frequency.monthly: 12,
    Frequency.quarterly: 4,
    Frequency.semi_annual: 2,
    Frequency.annual: 1,
}
_MONTHS = {Frequency.monthly: 1, Frequency.quarterly: 3, Frequency.semi_annual: 6, Frequency.annual: 12}
_DAYS = {Frequency.daily: 1, Frequency.weekly: 7, Frequency.biweekly: 14}


class DayCount(StrEnum):
    """Day-count convention (计息基础) for interest by actual days."""

    thirty_360 = "30/360"
    act_360 = "ACT/360"
    act_365f = "ACT/365F"
    act_act = "ACT/ACT"

    def days(self, start: date, end: date) -> int:
        """Interest days from ``start`` (counted) to ``end`` (not counted)."""
        if self is DayCount.thirty_360:
            return days_30_360(start, end)
        return (end - start).days

    def year_fraction(self, start: date, end: date) -> Decimal:
        """The fraction of a year between the two dates under this convention."""
        if self is DayCount.thirty_360:
            return Decimal(days_30_360(start, end)) / 360
        if self is DayCount.act_360:
            return Decimal((end - start).days) / 360
        if self is DayCount.act_365f:
            return Decimal((end - start).days) / 365
        return _act_act_isda(start, end)


class FirstPeriod(StrEnum):
    """How an irregular first period (首期不足/超过一期) is charged."""

    actual_days = "actual-days"  # interest for the actual days at annual / basis (按实际天数计息)
    full_period = "full-period"  # charged as one regular period whatever its length


def year_fraction_ratio(day_count: DayCount, start: date, end: date) -> Fraction:
    """The exact year fraction from ``start`` to ``end`` under ``day_count``, as a ratio.

    Interest computed as ``amount * annual * numerator / denominator`` (dividing last) rounds
    exactly at ties, which a pre-divided Decimal rate cannot promise.
    """
    if end < start:
        return -year_fraction_ratio(day_count, end, start)
    if day_count is DayCount.thirty_360:
        return Fraction(days_30_360(start, end), 360)
    if day_count is DayCount.act_360:
        return Fraction((end - start).days, 360)
    if day_count is DayCount.act_365f:
        return Fraction((end - start).days, 365)
    total = Fraction(0)
    cursor = start
    while cursor < end:
        stop = min(date(cursor.year + 1, 1, 1), end)
        total += Fraction((stop - cursor).days, 366 if _stdlib_calendar.isleap(cursor.year) else 365)
        cursor = stop
    return total


def days_30_360(start: date, end: date) -> int:
    """Days under 30/360 (US/NASD bond basis): day 31 counts as 30."""
    d1 = min(start.day, 30)
    d2 = end.day
    if d2 == 31 and d1 == 30:
        d2 = 30
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + (d2 - d1)


def _act_act_isda(start: date, end: date) -> Decimal:
    """ACT/ACT ISDA: days in each calendar year over that year's real length (366 in leap years)."""
    if end <= start:
        return -_act_act_isda(end, start) if end < start else Decimal(0)
    total = Decimal(0)
    cursor = start
    while cursor < end:
        year_end = date(cursor.year + 1, 1, 1)
        stop = min(year_end, end)
        length = 366 if _stdlib_calendar.isleap(cursor.year) else 365
        total += Decimal((stop - cursor).days) / length
        cursor = stop
    return total


def days_in_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def out_of_range(start: date) -> InvalidInput:
    """The error of date arithmetic from ``start`` that passes the last (or first) date there is."""
    return InvalidInput(code="date-out-of-range", field="start", params={"start": start, "max": date.max})


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """``start`` moved by ``months``, on ``anchor_day`` (default start's day) clamped to month end."""
    day = anchor_day if anchor_day is not None else start.day
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not date.min.year <= year <= date.max.year:
        raise out_of_range(start)
    return date(year, month, min(day, days_in_month(year, month)))


def month_series(start: date, months: int, count: int, anchor_day: int | None = None) -> list[date]:
    """``[add_months(start, months * k, anchor_day) for k in 1..count]``, several times faster."""
    return month_series_with_days(start, months, count, anchor_day)[0]


def month_series_with_days(
    start: date, months: int, count: int, anchor_day: int | None = None
) -> tuple[list[date], list[int]]:
    """The dates of :func:`month_series` and the days from each one's predecessor (``start`` first).

    Schedules of 360 monthly periods are built on hot paths, where a ``monthrange`` call and a
    ``timedelta`` per date dominated the cost: this slices tables of month starts and lengths over
    one 400-year Gregorian cycle and builds the dates with ``map`` (no Python-level loop).
    """
    day = anchor_day if anchor_day is not None else start.day
    if count <= 0:
        return [], []
    cycles, first = divmod((start.year - _CYCLE_YEAR) * 12 + start.month - 1, _CYCLE_MONTHS)
    last = first + months * count
    if months < 1 or not 1 <= day <= 31 or last >= len(_MONTH_LENGTH):
        return _month_series_loop(start, months, count, day)
    base = _CYCLE_ORDINAL + cycles * _CYCLE_DAYS - 1
    starts = _MONTH_START[first + months : last + 1 : months]
    if day <= 28:
        ordinals = list(map(add, starts, repeat(base + day)))
    else:
        days = map(min, _MONTH_LENGTH[first + months : last + 1 : months], repeat(day))
        ordinals = list(map(add, map(add, starts, repeat(base)), days))
    if ordinals[-1] > _LAST_ORDINAL:
        raise out_of_range(start)
    gaps = list(map(sub, ordinals, [start.toordinal(), *ordinals[:-1]]))
    return list(map(date.fromordinal, ordinals)), gaps


def _month_series_loop(start: date, months: int, count: int, day: int) -> tuple[list[date], list[int]]:
    """:func:`month_series_with_days` one month at a time (far dates beyond the tables)."""
    dates = [add_months(start, months * k, day) for k in range(1, count + 1)]
    return dates, [(b - a).days for a, b in zip([start, *dates[:-1]], dates, strict=True)]


_CYCLE_YEAR = 2000  # a 400-year Gregorian cycle starts here (leap years repeat every 400 years)
_CYCLE_MONTHS = 400 * 12
_CYCLE_DAYS = 146_097
_CYCLE_ORDINAL = date(_CYCLE_YEAR, 1, 1).toordinal()
_LAST_ORDINAL = date.max.toordinal()


def _month_tables() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Day offsets of the 1st of each month from 2000-01-01, and month lengths, over two cycles."""
    lengths = [
        _stdlib_calendar.monthrange(_CYCLE_YEAR + i // 12, i % 12 + 1)[1] for i in range(2 * _CYCLE_MONTHS)
    ]
    starts = [0, *accumulate(lengths)][:-1]
    return tuple(starts), tuple(lengths)


_MONTH_START, _MONTH_LENGTH = _month_tables()


def advance(start: date, frequency: Frequency, periods: int, anchor_day: int | None = None) -> date:
    """The date ``periods`` periods of ``frequency`` after ``start``."""
    months = frequency.months
    if months is not None:
        return add_months(start, months * periods, anchor_day)
    step = frequency.days
    assert step is not None
    try:
        return start + timedelta(days=step * periods)
    except OverflowError:
        raise out_of_range(start) from None


def due_dates(
    start: date,
    count: int,
    frequency: Frequency,
    first_due: date | None = None,
) -> list[date]:
    """The ``count`` due dates of a loan disbursed on ``start``.

    Without ``first_due`` the n-th date is ``start`` moved by n periods (same day of month,
    clamped). With ``first_due`` the first period is irregular and later dates keep the first
    due date's day of month.
    """
    if count <= 0:
        return []
    if first_due is None:
        return [advance(start, frequency, n, start.day) for n in range(1, count + 1)]
    if first_due <= start:
        raise ValueError("the first due date must be after the start date")
    return [advance(first_due, frequency, n, first_due.day) for n in range(count)]
