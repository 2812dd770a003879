"""Due dates and day counts, including month ends and leap years."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanfactory.calendar import (
    DayCount,
    Frequency,
    add_months,
    days_30_360,
    due_dates,
    month_series_with_days,
)


def test_month_end_clamping_keeps_the_anchor_day() -> None:
    dates = due_dates(date(2025, 1, 31), 4, Frequency.monthly)
    assert dates == [date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31)]


def test_leap_february() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


def test_explicit_first_due_date_sets_later_days() -> None:
    dates = due_dates(date(2025, 7, 2), 3, Frequency.monthly, first_due=date(2025, 8, 20))
    assert dates == [date(2025, 8, 20), date(2025, 9, 20), date(2025, 10, 20)]


def test_first_due_must_follow_the_start() -> None:
    with pytest.raises(ValueError):
        due_dates(date(2025, 7, 2), 3, Frequency.monthly, first_due=date(2025, 7, 1))


@pytest.mark.parametrize(
    ("frequency", "second"),
    [
        (Frequency.weekly, date(2025, 1, 15)),
        (Frequency.biweekly, date(2025, 1, 29)),
        (Frequency.quarterly, date(2025, 7, 1)),
        (Frequency.semi_annual, date(2026, 1, 1)),
        (Frequency.annual, date(2027, 1, 1)),
    ],
)
def test_other_frequencies(frequency: Frequency, second: date) -> None:
    assert due_dates(date(2025, 1, 1), 2, frequency)[1] == second


def test_day_counts() -> None:
    start, end = date(2024, 1, 15), date(2024, 3, 15)
    assert DayCount.act_360.days(start, end) == 60
    assert DayCount.act_360.year_fraction(start, end) == Decimal(60) / 360
    assert DayCount.act_365f.year_fraction(start, end) == Decimal(60) / 365
    assert DayCount.thirty_360.days(start, end) == 60
    # ACT/ACT splits by calendar year: 2023 has 365 days, 2024 has 366
    fraction = DayCount.act_act.year_fraction(date(2023, 12, 1), date(2024, 2, 1))
    assert fraction == Decimal(31) / 365 + Decimal(31) / 366


def test_30_360_month_ends() -> None:
    assert days_30_360(date(2025, 1, 31), date(2025, 2, 28)) == 28
    assert days_30_360(date(2025, 1, 30), date(2025, 3, 31)) == 60


@given(
    start=st.dates(min_value=date(1, 1, 1), max_value=date(9000, 12, 31)),
    months=st.integers(1, 24),
    count=st.integers(0, 480),
    anchor=st.one_of(st.none(), st.integers(1, 31)),
)
def test_month_series_is_add_months_step_by_step(
    start: date, months: int, count: int, anchor: int | None
) -> None:
    dates, gaps = month_series_with_days(start, months, count, anchor)
    expected = [add_months(start, months * k, anchor) for k in range(1, count + 1)]
    assert dates == expected
    assert gaps == [(b - a).days for a, b in zip([start, *expected], expected, strict=False)]


def test_dates_past_9999_are_a_located_error_not_a_crash() -> None:
    from loanfactory.calendar import Frequency, add_months, advance, due_dates, month_series_with_days
    from loanfactory.errors import InvalidInput

    last = date(9999, 6, 30)
    for attempt in (
        lambda: add_months(last, 12),
        lambda: month_series_with_days(last, 1, 12),
        lambda: month_series_with_days(date(9000, 1, 31), 12, 1200, 31),
        lambda: advance(last, Frequency.weekly, 100),
        lambda: due_dates(last, 12, Frequency.monthly),
    ):
        with pytest.raises(InvalidInput) as info:
            attempt()
        assert info.value.code == "date-out-of-range"
        assert info.value.message_zh
    assert month_series_with_days(last, 6, 1)[0] == [date(9999, 12, 30)]  # up to the last day is fine
