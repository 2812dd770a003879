"""From a product and a loan to the schedule engine's input, and back to posting rows.

Servicing never computes a schedule itself: it describes the loan as
:class:`~loanfactory.schedule.LoanTerms` and stores the engine's posting rows on the loan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.calendar import FirstPeriod as CalendarFirstPeriod
from loanfactory.calendar import Frequency
from loanfactory.conventions import RepaymentMethod, ScheduleStyle, TermUnit
from loanfactory.money import ResiduePlacement
from loanfactory.schedule import Balloon, LoanTerms, Schedule, ScheduleFee, Totals, build_schedule
from loanfactory.schedule import Installment as EngineInstallment
from loanfactory.servicing._loan import AllocationPolicy, Installment, Loan, ServicingTerms
from loanfactory.spec import FeeTiming, ProductSpec


def periods_of(product: ProductSpec, term: int, method: RepaymentMethod) -> tuple[int, Frequency]:
    """A term in the product's unit (months or days) as (periods, frequency) of the schedule engine;
    a bullet loan with a term in days runs that many daily periods (一次还本付息按天计)."""
    frequency = product.repayment.frequency
    if product.term.unit is TermUnit.days:
        if method is RepaymentMethod.bullet or frequency.days is None:
            return term, Frequency.daily
        return max(1, term // frequency.days), frequency
    months = frequency.months or 1
    return max(1, term // months), frequency


def loan_terms(
    product: ProductSpec,
    *,
    amount: Decimal,
    term: int,
    annual_rate: Decimal,
    method: RepaymentMethod,
    start: date,
    frequency: Frequency | None = None,
) -> LoanTerms:
    """The schedule engine's description of a loan of ``product`` disbursed on ``start``
    (``term`` in periods of ``frequency``, by default the product's)."""
    repayment = product.repayment
    rounding = repayment.rounding
    balloon = None
    if method is RepaymentMethod.balloon and repayment.balloon is not None:
        balloon = Balloon(
            final=repayment.balloon.final_percent, per_period=repayment.balloon.principal_percent_per_period
        )
    fees = tuple(
        ScheduleFee(
            name=fee.id,
            timing=fee.timing.value,  # type: ignore[arg-type]
            basis=fee.basis.value,
            percent=fee.percent,
            amount=fee.amount,
            minimum=fee.min,
            maximum=fee.max,
            total_max=fee.total_max,
            in_apr=fee.in_apr,
        )
        for fee in product.fees
        if fee.timing is not FeeTiming.on_event
    )
    return LoanTerms(
        principal=amount,
        annual_rate=annual_rate,
        term=term,
        method=method,
        frequency=frequency or repayment.frequency,
        start=start,
        due_day=repayment.due_day if (frequency or repayment.frequency).months else None,
        interest=repayment.interest,
        day_count=repayment.day_count,
        first_period=CalendarFirstPeriod(repayment.first_period.value),
        rounding=rounding.policy,
        installment_multiple=rounding.installment_multiple
        if rounding.installment_multiple != rounding.unit
        else None,
        residue=ResiduePlacement(rounding.residue.value),
        totals=rounding.totals,
        grace_principal=repayment.grace.principal_periods,
        grace_interest=repayment.grace.interest_periods,
        balloon=balloon,
        fees=fees,
    )


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


def schedule_for(
    product: ProductSpec,
    *,
    amount: Decimal,
    term: int,
    annual_rate: Decimal,
    method: RepaymentMethod,
    start: date,
) -> Schedule:
    """The engine's posting schedule of a loan disbursed on ``start`` (``term`` in the product's unit)."""
    periods, frequency = periods_of(product, term, method)
    terms = loan_terms(
        product,
        amount=amount,
        term=periods,
        annual_rate=annual_rate,
        method=method,
        start=start,
        frequency=frequency,
    )
    return build_schedule(terms)


def servicing_terms(
    product: ProductSpec, annual_rate: Decimal, allocation: AllocationPolicy | None = None
) -> ServicingTerms:
    """The servicing terms frozen into the contract (penalty and allocation)."""
    penalty = product.penalty
    return ServicingTerms(
        annual_rate=annual_rate,
        penalty_uplift=penalty.uplift,
        compound=penalty.compound,
        day_basis=penalty.day_basis,
        grace_days=penalty.grace_days,
        grace_waives=penalty.grace_waives,
        allocation=allocation or AllocationPolicy(),
    )


def tail(
    product: ProductSpec,
    *,
    principal: Decimal,
    annual_rate: Decimal,
    method: RepaymentMethod,
    start: date,
    term: int,
    first_due: date | None = None,
    first_number: int = 1,
) -> tuple[tuple[Installment, ...], Decimal | None]:
    """Posting rows (numbered from ``first_number``) and level installment of ``principal`` spread
    from ``start`` over ``term`` periods, the first due on ``first_due`` when given. A bullet loan
    runs by days from ``start`` to ``first_due`` (its maturity)."""
    if method is RepaymentMethod.bullet and first_due is not None:
        terms = loan_terms(
            product,
            amount=principal,
            term=(first_due - start).days,
            annual_rate=annual_rate,
            method=method,
            start=start,
            frequency=Frequency.daily,
        )
    else:
        terms = loan_terms(
            product, amount=principal, term=term, annual_rate=annual_rate, method=method, start=start
        )
        if first_due is not None:
            terms = terms.with_(due_day=None, first_due=first_due)
    schedule = build_schedule(terms)
    return posting_rows(schedule, first_number=first_number), schedule.level_installment


def respread(product: ProductSpec, loan: Loan, *, on: date, principal: Decimal) -> Loan:
    """The loan with ``principal`` (what is not yet due) spread over its due dates after ``on``
    (按剩余期限重新摊还, e.g. after a later tranche); rows due on or before ``on`` are kept."""
    past = tuple(r for r in loan.schedule if r.due_date <= on)
    future = [r for r in loan.schedule if r.due_date > on]
    if principal <= 0 or not future:
        return loan.evolve(schedule=past, schedule_version=loan.schedule_version + 1)
    number = past[-1].number + 1 if past else 1
    rows, level = tail(
        product,
        principal=principal,
        annual_rate=loan.terms.annual_rate,
        method=loan.method,
        start=on,
        term=len(future),
        first_due=future[0].due_date,
        first_number=number,
    )
    return loan.evolve(
        schedule=past + rows,
        schedule_version=loan.schedule_version + 1,
        tail_start=on,
        tail_from=number,
        level_installment=level,
    )


def tail_schedule(product: ProductSpec, loan: Loan) -> Schedule:
    """The current stretch of the loan's schedule as the schedule engine's :class:`Schedule`."""
    rows = tuple(r for r in loan.schedule if r.number >= loan.tail_from)
    if not rows or loan.tail_start is None:
        raise ValueError(f"loan {loan.id} has no schedule to prepay against")
    first = rows[0]
    if loan.method is RepaymentMethod.bullet:
        terms = loan_terms(
            product,
            amount=first.principal + first.balance,
            term=(first.due_date - loan.tail_start).days,
            annual_rate=loan.terms.annual_rate,
            method=loan.method,
            start=loan.tail_start,
            frequency=Frequency.daily,
        )
    else:
        terms = loan_terms(
            product,
            amount=first.principal + first.balance,
            term=len(rows),
            annual_rate=loan.terms.annual_rate,
            method=loan.method,
            start=loan.tail_start,
        )
        terms = terms.with_(due_day=None, first_due=first.due_date)
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
            Decimal(0),
        )
        for r in rows
    )
    totals = Totals(
        sum((r.principal for r in rows), Decimal(0)),
        sum((r.interest for r in rows), Decimal(0)),
        sum((r.fee for r in rows), Decimal(0)),
        sum((r.total for r in rows), Decimal(0)),
    )
    return Schedule(
        terms, ScheduleStyle.posting, engine_rows, totals, loan.level_installment, None, Decimal(0), False
    )
