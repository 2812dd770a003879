"""Hypothesis strategies for schedule tests: whole LoanTerms, valid by construction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from loanfactory.calendar import DayCount, FirstPeriod, Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.money import ResiduePlacement, RoundingMode, RoundingPolicy
from loanfactory.schedule import Balloon, LevelPayment, LoanTerms, RateChange, ScheduleFee, Step

amounts = st.integers(min_value=100, max_value=2_000_000_000).map(lambda fen: Decimal(fen).scaleb(-2))
rates = st.integers(min_value=0, max_value=360_000).map(lambda micro: Decimal(micro).scaleb(-6))
starts = st.dates(min_value=date(1999, 1, 1), max_value=date(2060, 12, 31))
rounding_policies = st.builds(
    RoundingPolicy,
    st.sampled_from(list(RoundingMode)),
    st.sampled_from([Decimal("0.01"), Decimal("0.01"), Decimal("0.01"), Decimal("1")]),
)


@st.composite
def fees(draw: st.DrawFn) -> tuple[ScheduleFee, ...]:
    out = []
    for i in range(draw(st.integers(0, 2))):
        timing = draw(st.sampled_from(["upfront", "per-installment"]))
        basis = (
            "amount" if timing == "upfront" else draw(st.sampled_from(["amount", "balance", "installment"]))
        )
        if draw(st.booleans()):
            out.append(ScheduleFee(f"f{i}", timing, basis, percent=draw(rates.map(lambda r: r / 10))))  # type: ignore[arg-type]
        else:
            out.append(
                ScheduleFee(
                    f"f{i}",
                    timing,
                    "amount",
                    amount=draw(amounts.map(lambda a: a / 100).map(lambda a: a.quantize(Decimal("0.01")))),
                )
            )  # type: ignore[arg-type]
    return tuple(out)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    """Step settings: rising or falling by up to 5 % or 500.00, every 1 to 24 periods."""
    every = draw(st.integers(1, 24))
    first = draw(st.none() | st.integers(1, 24))
    times = draw(st.none() | st.integers(0, 10))
    if draw(st.booleans()):
        percent = Decimal(draw(st.integers(-500, 500).filter(bool))).scaleb(-4)
        return Step(every, percent=percent, first=first, times=times)
    amount = Decimal(draw(st.integers(-50_000, 50_000).filter(bool))).scaleb(-2)
    return Step(every, amount=amount, first=first, times=times)


@st.composite
def loan_terms(draw: st.DrawFn, method: RepaymentMethod | None = None, *, max_term: int = 120) -> LoanTerms:
    """Any valid LoanTerms (optionally of one method)."""
    method = method or draw(st.sampled_from(list(RepaymentMethod)))
    frequency = draw(st.sampled_from(list(Frequency)))
    term = draw(st.integers(1, max_term) | st.sampled_from([1, 2, 12, 360]))
    if frequency is Frequency.daily and term > 120 and method is not RepaymentMethod.bullet:
        term = 120
    dated = draw(st.booleans()) or (frequency.days is not None and draw(st.booleans()))
    start = draw(starts) if dated else None
    interest = draw(st.sampled_from(list(InterestMode))) if start else InterestMode.per_period
    first_due = due_day = None
    single = method is RepaymentMethod.bullet
    if start is not None and not single and draw(st.integers(0, 3)) == 0:
        first_due = start + timedelta(days=draw(st.integers(1, 75)))
    elif start is not None and not single and frequency.months is not None and draw(st.integers(0, 3)) == 0:
        due_day = draw(st.integers(1, 31))
    grace_p = grace_i = 0
    if not single and term > 1 and draw(st.booleans()):
        grace_p = draw(st.integers(0, term - 1))
        grace_i = draw(st.integers(0, term - 1))
    balloon = None
    if method is RepaymentMethod.balloon:
        share = draw(st.integers(1, 99)).__truediv__(100)
        balloon = (
            Balloon(final=Decimal(str(share)))
            if draw(st.booleans())
            else Balloon(per_period=Decimal(draw(st.integers(1, 2000))).scaleb(-4))
        )
    step = None
    if method is RepaymentMethod.step:
        step = draw(steps())
    policy = draw(rounding_policies)
    multiple = draw(st.sampled_from([None, None, None, policy.unit * 10, policy.unit * 100]))
    changes: tuple[RateChange, ...] = ()
    if start is not None and draw(st.integers(0, 4)) == 0:
        days = sorted(set(draw(st.lists(st.integers(1, 4000), min_size=1, max_size=3))))
        changes = tuple(RateChange(start + timedelta(days=d), draw(rates)) for d in days)
    return LoanTerms(
        principal=draw(amounts),
        annual_rate=draw(rates),
        term=term,
        method=method,
        frequency=frequency,
        every=draw(st.sampled_from([1, 1, 1, 2, 3])),
        start=start,
        first_due=first_due,
        due_day=due_day,
        interest=interest,
        day_count=draw(st.sampled_from(list(DayCount))),
        first_period=draw(st.sampled_from(list(FirstPeriod))),
        rounding=policy,
        installment_multiple=multiple,
        residue=draw(st.sampled_from([ResiduePlacement.last, ResiduePlacement.last, ResiduePlacement.first]))
        if term > 1
        else ResiduePlacement.last,
        grace_principal=grace_p,
        grace_interest=grace_i,
        balloon=balloon,
        step=step,
        fees=draw(fees()),
        rate_changes=changes,
        level_payment=draw(st.sampled_from(list(LevelPayment))),
    )
