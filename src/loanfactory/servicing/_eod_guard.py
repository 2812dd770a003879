"""The end of day's calendar guard (日终日期校验): a wrong business date must not pin the calendar.

End-of-day runs go in date order, one date after the other, so the first date ever run fixes the
calendar: one run dated 1970-01-01 would leave every later date waiting for the 20 000 dates in
between. Before a new run starts, :func:`check_business_date` therefore refuses, unless the
caller passes ``allow_gap`` (``loanfactory eod --allow-gap``) to say the date is meant:

- a first run dated before the value date of the book's first loan (``before-first-loan``);
- a first run more than ``max_gap_days`` before today (``date-far-behind``);
- a date that skips dates after the last run (``date-gap``; the message says when the last run is
  more than ``max_gap_days`` behind, the sign of a calendar pinned by a wrong date).

With ``allow_gap`` the skipped dates are not run: nothing accrues or ages for them.
"""

from __future__ import annotations

from datetime import date, timedelta

from loanfactory.errors import StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing._loan import Loan

FLAG = "--allow-gap"


def check_business_date(
    tx: Transaction, day: date, *, last: date | None, today: date, max_gap_days: int, allow_gap: bool
) -> None:
    """Raise :class:`StateConflict` when ``day`` may not open a new end-of-day run."""
    if last is not None:
        if last >= day:
            raise StateConflict(field="business_date", code="date-passed", params={"last": last})
        if day - last > timedelta(days=1) and not allow_gap:
            behind = (day - last).days
            far = (
                (
                    f"; the last run is {behind} days behind: if {last} was a mistake, run {day} with {FLAG}",
                    f"；上次日终落后 {behind} 天：如果 {last} 是误操作，请用 {FLAG} 执行 {day}",
                )
                if behind > max_gap_days
                else ("", "")
            )
            raise StateConflict(
                f"run the end of day for {last + timedelta(days=1)} first{far[0]}",
                field="business_date",
                code="date-gap",
                message_zh=f"请先执行 {last + timedelta(days=1)} 的日终{far[1]}",
            )
        return
    if allow_gap:
        return
    first_loan = min((loan.start for loan in tx.repo(Loan).list() if loan.start is not None), default=None)
    if first_loan is not None and day < first_loan:
        raise StateConflict(
            field="business_date",
            code="before-first-loan",
            params={"day": day, "first_loan": first_loan, "FLAG": FLAG},
        )
    behind = (today - day).days
    if behind > max_gap_days:
        raise StateConflict(
            field="business_date",
            code="date-far-behind",
            params={"day": day, "behind": behind, "today": today, "FLAG": FLAG},
        )
