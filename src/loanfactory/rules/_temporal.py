"""Dates, times and durations in rule expressions (日期、时间与期间).

FEEL has two kinds of duration and so do we: a days-and-time duration is a
:class:`datetime.timedelta` (``duration("P3DT4H")``, ``as_of - loan.disbursed_on``); a
years-and-months duration is a :class:`YearsMonths` (``duration("P1Y6M")``,
``years_and_months_duration(applicant.birth_date, loan.maturity_date)``). Arithmetic:

- ``date ± days-and-time duration`` is a date (whole days count: ``PT5H`` moves nothing);
- ``date ± years-and-months duration`` moves by calendar months, clamped to the month's end
  (31 January + 1 month is 28/29 February), like :func:`loanfactory.calendar.add_months`;
- ``date - date`` and ``date and time - date and time`` are days-and-time durations;
- durations add, subtract, negate, multiply and divide by numbers and compare within their kind.

A result past year 9999 (or before year 1), a date and time without a time zone compared with
one that has one, and text that is not a valid date are missing values, never errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from loanfactory.calendar import add_months
from loanfactory.rules._signature import Function
from loanfactory.rules._types import (
    ANY,
    DATE,
    DATETIME,
    INT,
    STR,
    TIME,
    YM_DURATION,
    Type,
)


@dataclass(frozen=True, slots=True, order=True)
class YearsMonths:
    """A years-and-months duration (年月期间): ``months`` in total, negative allowed."""

    months: int

    @property
    def years(self) -> int:
        return _signed(self.months, abs(self.months) // 12)

    @property
    def month_part(self) -> int:
        return _signed(self.months, abs(self.months) % 12)

    def __add__(self, other: object) -> YearsMonths:
        if isinstance(other, YearsMonths):
            return YearsMonths(self.months + other.months)
        return NotImplemented

    def __sub__(self, other: object) -> YearsMonths:
        if isinstance(other, YearsMonths):
            return YearsMonths(self.months - other.months)
        return NotImplemented

    def __neg__(self) -> YearsMonths:
        return YearsMonths(-self.months)

    def isoformat(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        body = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{body}"

    def __str__(self) -> str:
        return self.isoformat()


def _signed(total: int, part: int) -> int:
    return -part if total < 0 else part


_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
MAX_DURATION_DAYS = 999_999_999


def parse_duration(text: Any) -> timedelta | YearsMonths | None:
    """An ISO 8601 duration as FEEL reads it, or None when it is not one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    m = _DURATION.match(text.strip())
    if m is None or text.strip().endswith(("P", "T")):
        return None
    sign, years, months, days, hours, minutes, seconds = m.groups()
    if (years or months) and (days or hours or minutes or seconds):
        return None  # FEEL has no mixed duration
    if years or months:
        total = int(years or 0) * 12 + int(months or 0)
        return YearsMonths(-total if sign else total)
    try:
        micro = int(Decimal(seconds or 0).scaleb(6).to_integral_value(ROUND_DOWN))
        delta = timedelta(
            days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), microseconds=micro
        )
    except (OverflowError, InvalidOperation):
        return None
    return -delta if sign else delta


def duration_text(value: timedelta) -> str:
    """A days-and-time duration in ISO 8601 (``P1DT2H``, ``-PT30M``, ``P0D``)."""
    micro = value // timedelta(microseconds=1)
    sign = "-" if micro < 0 else ""
    micro = abs(micro)
    days, rest = divmod(micro, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = Decimal(rest) / 1_000_000
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{format(seconds.normalize(), 'f')}S" if seconds else ""
    body = (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{body or '0D'}"


# arithmetic -------------------------------------------------------------------------------------
def add(a: Any, b: Any) -> Any:
    """``a + b`` for dates, times and durations; missing on a missing value or out of range."""
    if a is None or b is None:
        return None
    if isinstance(a, timedelta | YearsMonths) and not isinstance(b, timedelta | YearsMonths):
        a, b = b, a
    try:
        if isinstance(b, YearsMonths):
            if isinstance(a, YearsMonths):
                return a + b
            if isinstance(a, datetime):
                moved = add_months(a.date(), b.months)
                return datetime.combine(moved, a.timetz())
            if isinstance(a, date):
                return add_months(a, b.months)
            return None
        if isinstance(a, time):
            anchor = datetime.combine(date(2000, 1, 1), a)
            return (anchor + b).timetz()
        result = a + b
    except (OverflowError, ValueError, TypeError):
        return None
    return result


def subtract(a: Any, b: Any) -> Any:
    """``a - b``: a duration between two dates (or times), or a date moved back."""
    if a is None or b is None:
        return None
    try:
        if isinstance(b, YearsMonths):
            return add(a, -b)
        if isinstance(a, time) and isinstance(b, time):
            day = date(2000, 1, 1)
            return datetime.combine(day, a) - datetime.combine(day, b)
        if isinstance(a, time):
            return add(a, -b)
        return a - b
    except (OverflowError, ValueError, TypeError):
        return None


def multiply(a: Any, b: Any) -> Any:
    """A duration times a number (either order); years-and-months round toward zero."""
    if a is None or b is None:
        return None
    if not isinstance(a, timedelta | YearsMonths):
        a, b = b, a
    try:
        factor = Decimal(b)
        if isinstance(a, YearsMonths):
            return YearsMonths(int((a.months * factor).to_integral_value(ROUND_DOWN)))
        micro = (Decimal(a // timedelta(microseconds=1)) * factor).to_integral_value(ROUND_DOWN)
        return timedelta(microseconds=int(micro))
    except (OverflowError, ValueError, TypeError, InvalidOperation):
        return None


def divide(a: Any, b: Any) -> Any:
    """A duration divided by a number (a duration) or by a duration of its kind (a number)."""
    if a is None or b is None:
        return None
    try:
        if isinstance(b, timedelta):
            if not b:
                return None
            return Decimal(a // timedelta(microseconds=1)) / Decimal(b // timedelta(microseconds=1))
        if isinstance(b, YearsMonths):
            return Decimal(a.months) / b.months if b.months else None
        if b == 0:
            return None
        return multiply(a, Decimal(1) / Decimal(b))
    except (OverflowError, ValueError, TypeError, InvalidOperation, ArithmeticError):
        return None


def compare(a: Any, op: str, b: Any) -> bool:
    """A comparison of dates and times that is false (never an error) when one is missing or a
    date and time with a time zone meets one without."""
    if a is None or b is None:
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
        if op == "==":
            return bool(a == b)
        return bool(a != b)
    except TypeError:
        return False


# properties -------------------------------------------------------------------------------------
PROPERTIES: dict[str, dict[str, Type]] = {
    "date": {"year": INT, "month": INT, "day": INT, "weekday": INT},
    "datetime": {
        "year": INT,
        "month": INT,
        "day": INT,
        "weekday": INT,
        "hour": INT,
        "minute": INT,
        "second": INT,
    },
    "time": {"hour": INT, "minute": INT, "second": INT},
    "duration": {"days": INT, "hours": INT, "minutes": INT, "seconds": INT},
    "ym_duration": {"years": INT, "months": INT},
}
"""Properties (``as_of.year``, ``d.days``) by kind, as in FEEL; ``weekday`` is 1 (Monday) to 7."""


def prop(value: Any, name: str) -> Any:
    """A property of a date, time or duration (see :data:`PROPERTIES`); missing stays missing."""
    if value is None:
        return None
    if type(value) is timedelta and name == "days" and not value.seconds and not value.microseconds:
        return value.days  # whole days (a difference of two dates): the common case
    if isinstance(value, YearsMonths):
        return value.years if name == "years" else value.month_part
    if isinstance(value, timedelta):
        micro = value // timedelta(microseconds=1)
        whole = abs(micro) // 1_000_000
        part = {
            "days": whole // 86400,
            "hours": whole % 86400 // 3600,
            "minutes": whole % 3600 // 60,
            "seconds": whole % 60,
        }[name]
        return -part if micro < 0 else part
    if name == "weekday":
        return value.isoweekday()
    return getattr(value, name)


# functions --------------------------------------------------------------------------------------
def to_date(*args: Any) -> date | None:
    """``date("2025-05-20")``, ``date(2025, 5, 20)`` or the date of a date and time."""
    try:
        if len(args) == 3:
            if any(not isinstance(a, int | Decimal) or isinstance(a, bool) for a in args):
                return None
            return date(int(args[0]), int(args[1]), int(args[2]))
        (value,) = args
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return None


def to_time(*args: Any) -> time | None:
    """``time("10:30:00")`` (offset allowed), ``time(10, 30, 0)`` or the time of a date and time."""
    try:
        if len(args) == 3:
            if any(not isinstance(a, int | Decimal) or isinstance(a, bool) for a in args):
                return None
            return time(int(args[0]), int(args[1]), int(args[2]))
        (value,) = args
        if isinstance(value, datetime):
            return value.timetz()
        if isinstance(value, str) and re.fullmatch(
            r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", value
        ):
            return time.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, TypeError):
        return None
    return None


def to_datetime(*args: Any) -> datetime | None:
    """``date_and_time("2025-05-20T10:30:00")`` or ``date_and_time(date, time)``."""
    try:
        if len(args) == 2:
            day, clock = args
            if isinstance(day, date) and isinstance(clock, time):
                return datetime.combine(day if not isinstance(day, datetime) else day.date(), clock)
            return None
        (value,) = args
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time())
        if isinstance(value, str) and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", value
        ):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, TypeError):
        return None
    return None


def years_and_months(start: Any, end: Any) -> YearsMonths | None:
    """Whole months from ``start`` to ``end`` as a years-and-months duration (FEEL)."""
    if start is None or end is None:
        return None
    a = start if type(start) is date else start.date()
    b = end if type(end) is date else end.date()
    if b < a:
        inverse = years_and_months(end, start)
        return None if inverse is None else -inverse
    months = (b.year - a.year) * 12 + b.month - a.month
    if b.day < a.day:
        months -= 1
    return YearsMonths(months)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_of_week(value: date) -> str:
    return _DAYS[value.weekday()]


def day_of_year(value: date) -> int:
    return value.timetuple().tm_yday


def week_of_year(value: date) -> int:
    return value.isocalendar()[1]


def month_of_year(value: date) -> str:
    return _MONTHS[value.month - 1]


def _dates(result: Type) -> Any:
    def check(types: list[Type]) -> Type | str:
        ok = all(t.kind in ("date", "datetime", "any") for t in types)
        return result if ok else "expects dates"

    return check


def _conversion(result: Type, from_kinds: tuple[str, ...]) -> Any:
    def check(types: list[Type]) -> Type | str:
        if len(types) == 3:
            return result if all(t.numeric or t.kind == "any" for t in types) else "expects three numbers"
        if len(types) == 2:
            ok = types[0].kind in ("date", "any") and types[1].kind in ("time", "any")
            return result if ok else "expects a date and a time"
        return result if types[0].kind in (*from_kinds, "any") else f"expects text or {from_kinds[-1]}"

    return check


def _duration(types: list[Type]) -> Type | str:
    return ANY if types[0].kind in ("str", "any") else "expects text such as duration('P1Y2M')"


FUNCTIONS = (
    Function("date", (1, 3), _conversion(DATE, ("str", "datetime", "date")), "_to_date", summary="a date"),
    Function("time", (1, 3), _conversion(TIME, ("str", "datetime")), "_to_time", summary="a time of day"),
    Function(
        "date_and_time",
        (1, 2),
        _conversion(DATETIME, ("str", "date", "datetime")),
        "_to_datetime",
        summary="a date and time",
    ),
    Function("duration", (1, 1), _duration, "_parse_duration", summary="a duration, ISO 8601 (P1Y2M, P3D)"),
    Function(
        "years_and_months_duration",
        (2, 2),
        _dates(YM_DURATION),
        "_years_and_months",
        summary="whole years and months between two dates",
    ),
    Function("day_of_week", (1, 1), _dates(STR), "_day_of_week", summary="Monday ... Sunday"),
    Function("day_of_year", (1, 1), _dates(INT), "_day_of_year", summary="1 to 366"),
    Function("week_of_year", (1, 1), _dates(INT), "_week_of_year", summary="ISO week number"),
    Function("month_of_year", (1, 1), _dates(STR), "_month_of_year", summary="January ... December"),
)

RUNTIME: dict[str, Any] = {
    "_to_date": to_date,
    "_to_time": to_time,
    "_to_datetime": to_datetime,
    "_parse_duration": parse_duration,
    "_years_and_months": years_and_months,
    "_day_of_week": day_of_week,
    "_day_of_year": day_of_year,
    "_week_of_year": week_of_year,
    "_month_of_year": month_of_year,
    "_tadd": add,
    "_tsub": subtract,
    "_tmul": multiply,
    "_tdiv": divide,
    "_tcmp": compare,
    "_prop": prop,
}
