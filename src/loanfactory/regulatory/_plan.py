"""Which records a month holds for one account (报告时点), built from its history.

See :mod:`loanfactory.regulatory._build` for the report codes; this module walks one account
through one month and returns its records in date order, with the classification carried forward.
"""

from __future__ import annotations

from datetime import date, timedelta

from loanfactory.regulatory._build import Classification, RecordBuilder, ReportAccount
from loanfactory.regulatory._figures import Figures, LoanHistory
from loanfactory.regulatory._record import CreditRecord
from loanfactory.servicing import Category

DAY = timedelta(days=1)


def _classified(
    builder: RecordBuilder,
    account: ReportAccount,
    history: LoanHistory,
    figures: Figures,
    known: Classification,
) -> tuple[Category, date]:
    result = builder.classify(account, history, figures, history.loan.overrides, known)
    if known.category is not result[0] or known.since is None:
        known.history.append(result)
    known.category, known.since = result
    return result


def personal_month(
    builder: RecordBuilder,
    account: ReportAccount,
    history: LoanHistory,
    start: date,
    end: date,
    *,
    first: bool,
    known: Classification,
) -> list[CreditRecord]:
    """The 210 records of ``start..end`` (``first``: the account has never been reported)."""
    fmt = builder.personal
    opened = history.opened
    if opened is None or opened > end:
        return []
    closed = history.loan.closed_on if history.state_on(end) == "closed" else None
    if closed is not None and closed < start:
        return []
    records: list[CreditRecord] = []
    if first and start <= opened:
        figures = history.figures(opened)
        category = _classified(builder, account, history, figures, known)
        records.append(
            builder.record(
                fmt,
                account,
                opened,
                "10",
                (
                    builder.basic(fmt, account, history),
                    builder.monthly(account, history, figures, category, start),
                ),
            )
        )
        first = False
    last_day = closed if closed is not None else end
    if not first:
        paid = sorted({e.business_date for e in history.payments(max(start, opened + DAY), last_day)})
        for day in paid:
            if day in (end, closed) or not history.collects_overdue(day):
                continue
            before = history.figures(day - DAY)
            if before.overdue <= 0 or before.state != "open":
                continue
            after = history.figures(day)
            if after.overdue >= before.overdue:
                continue
            category = _classified(builder, account, history, after, known)
            records.append(
                builder.record(fmt, account, day, "40", (builder.nonmonthly(history, after, category),))
            )
    figures = history.figures(last_day)
    category = _classified(builder, account, history, figures, known)
    if closed is not None:
        code = "32" if closed == end else "20"
    else:
        code = "31" if first else "30"
    basic = builder.basic(fmt, account, history) if first else None
    monthly = builder.monthly(account, history, figures, category, start)
    special = builder.specials(fmt, account, history, start, last_day)
    records.append(builder.record(fmt, account, last_day, code, (basic, monthly, special)))
    return records


def enterprise_month(
    builder: RecordBuilder,
    account: ReportAccount,
    history: LoanHistory,
    start: date,
    end: date,
    *,
    first: bool,
    known: Classification,
) -> list[CreditRecord]:
    """The 410 records of ``start..end``: opening, agreed repayment dates, repayments on other
    dates, class changes, closure; the special transactions ride on the month's last record."""
    fmt = builder.enterprise
    opened = history.opened
    if opened is None or opened > end:
        return []
    closed = history.loan.closed_on if history.state_on(end) != "open" else None
    if closed is not None and closed < start and history.state_on(end) == "closed":
        return []
    stop = closed if closed is not None and history.state_on(end) == "closed" else end
    events: dict[date, str] = {}
    if first:
        events[max(opened, start) if opened < start else opened] = "10"
    for row in history.rows_due(max(start, opened + DAY), stop):
        events.setdefault(row.due_date, "31")
    for entry in history.payments(max(start, opened + DAY), stop):
        events.setdefault(entry.business_date, "33")
    for day in _class_changes(account, history, start, stop):
        events.setdefault(day, "41")
    if closed is not None and start <= closed <= end:
        events[closed] = "20"
    specials = builder.specials(fmt, account, history, start, stop)
    if specials is not None and not events:
        events[stop] = "49"
    records: list[CreditRecord] = []
    days = sorted(events)
    for index, day in enumerate(days):
        code = events[day]
        figures = history.figures(day)
        category = _classified(builder, account, history, figures, known)
        segments = [builder.basic(fmt, account, history) if code == "10" or (first and index == 0) else None]
        segments.append(builder.performance(account, history, figures, category))
        if index == len(days) - 1:
            segments.append(specials)
        records.append(builder.record(fmt, account, day, code, segments))
    return records


def _class_changes(account: ReportAccount, history: LoanHistory, start: date, end: date) -> list[date]:
    """Dates in ``start..end`` where the class by days past due moves up (the day it is reached)."""
    rules = account.rules
    found: list[date] = []
    figures = history.figures(end)
    oldest = figures.oldest_unpaid
    if oldest is None:
        return found
    for after in (0, rules.substandard_after, rules.doubtful_after, rules.loss_after):
        day = oldest + timedelta(days=after + 1)
        if start <= day <= end:
            found.append(day)
    return found


__all__ = ["enterprise_month", "personal_month"]
