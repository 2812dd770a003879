"""The wall clock, for production: China Standard Time (UTC+8).

The core never reads the wall clock; it is given a :class:`loanfactory.ports.Clock`. This is the
one that reads it. Tests and replayed batch runs use :class:`loanfactory.testing.FixedClock`.
"""

from __future__ import annotations

from datetime import date, datetime

from loanfactory.entity import CST

__all__ = ["SystemClock"]


class SystemClock:
    """Now, as an aware datetime in CST; today's business date in CST."""

    def now(self) -> datetime:
        return datetime.now(CST)

    def today(self) -> date:
        return self.now().date()

    def __repr__(self) -> str:
        return "SystemClock()"
