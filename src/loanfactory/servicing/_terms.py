"""A loan's schedule from its contract terms, and back to the posting rows stored on the loan.

Servicing never translates a product into terms: the loan carries its contract terms
(:class:`~loanfactory.terms.ContractTerms`, built by :func:`loanfactory.terms.contract_terms`), and
the schedule engine computes from them. This module keeps what is servicing's own:

- :func:`posting_rows`, :func:`contract_rows` — the engine's rows as stored on a loan, with the
  interest the interest-free days take off each (:func:`with_waiver`, :func:`waiver_left`);
- :func:`stretch_terms`, :func:`tail_schedule` — the current stretch of the schedule (from the value
  date, or from the last re-amortisation) as the engine's terms and schedule;
- :func:`respread` — the principal not yet due spread again over the remaining due dates;
- :func:`reprice` — the schedule after an LPR reset, re-amortised as the contract says.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.calendar import FirstPeriod, Frequency
from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.lpr import LprSeries
from loanfactory.schedule import LoanTerms, RateChange, Schedule, Totals, build_schedule, method_of
from loanfactory.schedule import ScheduleRow as EngineInstallment
from loanfactory.servicing._loan import Installment, Loan
from loanfactory.terms import (
    ContractTerms,
    interest_cuts,
    interest_free_amount,
    repriced,
    schedule_terms,
    waive_interest,
)

ZERO = Decimal(0)


def posting_rows(schedule: Schedule, *, first_number: int = 1) -> tuple[Installment, ...]:
    """The engine's posting rows as stored on a loan, numbered from ``first_number``."""
    if schedule.style is not ScheduleStyle.posting:
        raise ValueError("a loan keeps the posting schedule")
    rows = []
    for row in schedule.installments:
        assert row.due_date is not None
        rows.append(
            Installment(
                number=row.number + first_number - 1,
                due_date=row.due_date,
                days=row.days or 0,
                principal=row.principal,
                interest=row.interest,
                fee=row.fee,
                total=row.total,
                balance=row.balance,
            )
        )
    return tuple(rows)


def contract_rows(
    terms: ContractTerms, paid_out: Decimal | None = None
) -> tuple[Schedule, tuple[Installment, ...]]:
    """The contract's schedule (interest-free days waived) and its rows as a loan stores them,
    each with the interest its interest-free days took off. ``paid_out`` is the principal of a
    first tranche when it is not the whole amount (the interest-free amount stays the contract's)."""
    amount = terms.amount if paid_out is None else paid_out
    engine = build_schedule(schedule_terms(terms if amount == terms.amount else terms.evolve(amount=amount)))
    free = interest_free_amount(terms)
    return waive_interest(engine, free), with_waiver(posting_rows(engine), free)


def with_waiver(rows: tuple[Installment, ...], amount: Decimal) -> tuple[Installment, ...]:
    """``rows`` with an interest-free ``amount`` taken off their interest, first rows first."""
    if amount <= 0:
        return rows
    cuts = interest_cuts([r.interest for r in rows], amount)
    return tuple(
        r.model_copy(update={"interest": r.interest - c, "total": r.total - c, "waived": r.waived + c})
        if c
        else r
        for r, c in zip(rows, cuts, strict=True)
    )


def waiver_left(loan: Loan, on: date) -> Decimal:
    """The interest-free amount the rows due after ``on`` may still take (免息余额)."""
    used = sum((r.waived for r in loan.schedule if r.due_date <= on), ZERO)
    return max(interest_free_amount(loan.terms) - used, ZERO)


def _original(loan: Loan) -> bool:
    """Whether the loan's current stretch is the contract's own schedule (no re-amortisation, the
    whole amount paid out at once)."""
    return (
        loan.tail_from == 1
        and loan.tail_start is not None
        and loan.tail_start == loan.terms.start
        and sum((r.principal for r in loan.schedule), ZERO) == loan.terms.amount
    )


def tail_terms(
    terms: ContractTerms, *, principal: Decimal, start: date, periods: int, first_due: date | None, first: int
) -> LoanTerms:
    """The engine's terms of ``principal`` spread from ``start`` over ``periods`` periods, the first due
    on ``first_due`` (a bullet loan runs by days to it), continuing installment ``first`` on."""
    base = schedule_terms(terms)
    changes = tuple(c for c in base.rate_changes if c.on > start)
    common = {
        "principal": principal,
        "start": start,
        "annual_rate": terms.rate_on(start),
        "rate_changes": changes,
        "grace_principal": max(0, base.grace_principal - (first - 1)),
        "grace_interest": 0 if first > 1 else base.grace_interest,
        "fees": tuple(f for f in base.fees if f.timing == "per-installment"),
        "first_period": FirstPeriod.actual_days,  # a stretch begun mid-period pays that stub by its days
    }
    continued = method_of(terms.method).remainder
    if continued is not None:  # e.g. a stepped schedule keeps its steps in phase
        common.update(continued(base, first - 1, principal))
    if terms.method is RepaymentMethod.bullet and first_due is not None:
        return base.with_(term=(first_due - start).days, frequency=Frequency.daily, first_due=None, **common)
    moved = base.with_(term=periods, due_day=None, first_due=first_due, **common)
    if moved.grace_principal >= moved.term:
        moved = moved.with_(grace_principal=moved.term - 1)
    return moved


def stretch_terms(loan: Loan) -> LoanTerms:
    """The engine's terms of the loan's current stretch of schedule."""
    if _original(loan):
        return schedule_terms(loan.terms)
    rows = [r for r in loan.schedule if r.number >= loan.tail_from]
    if not rows or loan.tail_start is None:
        raise ValueError(f"loan {loan.id} has no schedule to work on")
    first = rows[0]
    return tail_terms(
        loan.terms,
        principal=first.principal + first.balance,
        start=loan.tail_start,
        periods=len(rows),
        first_due=first.due_date,
        first=loan.tail_from,
    )


def tail_schedule(loan: Loan) -> Schedule:
    """The current stretch of the loan's schedule, as stored, as the schedule engine's :class:`Schedule`."""
    rows = tuple(r for r in loan.schedule if r.number >= loan.tail_from)
    if not rows or loan.tail_start is None:
        raise ValueError(f"loan {loan.id} has no schedule to prepay against")
    engine_rows = tuple(
        EngineInstallment(
            r.number - loan.tail_from + 1,
            r.due_date,
            r.days,
            r.principal,
            r.interest,
            r.fee,
            r.total,
            r.balance,
            ZERO,
        )
        for r in rows
    )
    totals = Totals(
        sum((r.principal for r in rows), ZERO),
        sum((r.interest for r in rows), ZERO),
        sum((r.fee for r in rows), ZERO),
        sum((r.total for r in rows), ZERO),
    )
    return Schedule(
        stretch_terms(loan),
        ScheduleStyle.posting,
        engine_rows,
        totals,
        loan.level_installment,
        None,
        ZERO,
        False,
    )


def respread(loan: Loan, *, on: date, principal: Decimal) -> Loan:
    """The loan with ``principal`` (what is not yet due) spread over its due dates after ``on``
    (按剩余期限重新摊还, e.g. after a later tranche or an LPR reset); rows due on or before ``on`` are
    kept."""
    past = tuple(r for r in loan.schedule if r.due_date <= on)
    future = [r for r in loan.schedule if r.due_date > on]
    if principal <= 0 or not future:
        return loan.evolve(schedule=past, schedule_version=loan.schedule_version + 1)
    number = past[-1].number + 1 if past else 1
    terms = tail_terms(
        loan.terms,
        principal=principal,
        start=on,
        periods=len(future),
        first_due=future[0].due_date,
        first=number,
    )
    schedule = build_schedule(terms)
    return loan.evolve(
        schedule=past + with_waiver(posting_rows(schedule, first_number=number), waiver_left(loan, on)),
        schedule_version=loan.schedule_version + 1,
        tail_start=on,
        tail_from=number,
        level_installment=schedule.level_installment,
    )


def reprice(loan: Loan, series: LprSeries, day: date) -> Loan:
    """The loan after its LPR resets up to ``day`` (重定价): the resets taken from ``series`` and
    the rows due after ``day`` re-amortised.

    The schedule engine rebuilds the current stretch with the new resets — what the quote and the
    contract's schedule do, so a loan repaid as agreed stays equal to them to the fen. Rows due on
    or before ``day`` stand; where the rebuilt stretch would not meet them (a stretch the engine
    cannot reproduce from its terms), the balance after them is re-amortised from the last of them.
    """
    terms = repriced(loan.terms, series)
    done = loan.evolve(terms=terms, repriced_on=day)
    if terms.rate.resets == loan.terms.rate.resets or not loan.schedule:
        return done
    kept = tuple(r for r in loan.schedule if r.due_date <= day)
    if _original(loan):
        fresh = contract_rows(terms)[1]
        future = tuple(r for r in fresh if r.due_date > day)
    else:
        stretch = stretch_terms(loan)
        assert stretch.start is not None
        changes = tuple(RateChange(r.on, r.annual) for r in terms.rate.resets if r.on > stretch.start)
        fresh = posting_rows(build_schedule(stretch.with_(rate_changes=changes)), first_number=loan.tail_from)
        future = with_waiver(tuple(r for r in fresh if r.due_date > day), waiver_left(loan, day))
    last = kept[-1] if kept else None
    balances = {r.number: r.balance for r in fresh}
    follows = bool(future) and future[0].number == (last.number + 1 if last else 1)
    if follows and (last is None or balances.get(last.number) == last.balance):
        return done.evolve(
            schedule=kept + future,
            schedule_version=loan.schedule_version + 1,
            level_installment=_level_after(done, future, day),
        )
    start = last.due_date if last is not None else loan.tail_start
    assert start is not None
    return respread(done, on=start, principal=last.balance if last is not None else loan.amount)


def _level_after(loan: Loan, future: tuple[Installment, ...], day: date) -> Decimal | None:
    """The level installment from the first period starting on or after ``day`` (the new rate's)."""
    if loan.level_installment is None:
        return None
    previous = max((r.due_date for r in loan.schedule if r.due_date <= day), default=loan.tail_start)
    for row in future[:-1]:
        if previous is not None and previous >= day:
            return row.total
        previous = row.due_date
    return loan.level_installment
