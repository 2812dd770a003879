"""A clock that stands still until told to move."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from loanfactory.entity import CST


class FixedClock:
    """A :class:`loanfactory.ports.Clock` for tests, the demo and replayed batch runs."""

    def __init__(self, start: datetime | date) -> None:
        if isinstance(start, datetime):
            self._now = start if start.tzinfo else start.replace(tzinfo=CST)
        else:
            self._now = datetime.combine(start, time(9, 0), tzinfo=CST)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(CST).date()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock does not go backwards")
        self._now += delta

    def set(self, moment: datetime | date) -> None:
        """Move to ``moment`` (a date means 09:00 that day); never backwards."""
        target = FixedClock(moment).now()
        if target < self._now:
            raise ValueError("a clock does not go backwards")
        self._now = target
