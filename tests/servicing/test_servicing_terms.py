"""Servicing on the contract's terms: LPR repricing, the penalty that follows it, cumulative penalty
accrual, the prepayment penalty window, a full-period product's mid-period prepayment, the coupon's
interest-free days, and figures that need no product file after a restart.

Every expected figure is computed in the test with plain Decimal arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from servicing_world import World, product

from loanfactory.calendar import FirstPeriod
from loanfactory.errors import InvalidInput, NotFound
from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.schedule import LoanTerms, build_schedule, prepay
from loanfactory.servicing import DebitOrder, EntryType, Loan, LoanDay, Servicing, penalty_of
from loanfactory.servicing._overdue import accrual_of

D = Decimal
CENT = D("0.01")
ACCOUNT = "6222020200112233"
HOUSE = {"payee": "开发商", "payee_account": "6200222", "payee_category": "housing-purchase"}


def fen(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def pmt(balance: Decimal, annual: Decimal, n: int) -> Decimal:
    i = annual / 12
    return fen(balance * i / (1 - (1 + i) ** -n))


def _prepayment_fee(world: World, loan_id: str, order: DebitOrder) -> Decimal:
    """The prepayment penalty posted for the prepayment ``order`` paid (none: 0)."""
    keyed = f"prepay-fee:{order.id}"
    return sum((e.amount for e in world.entries(loan_id) if e.idempotency_key == keyed), D(0))


def _penalties(world: World, loan_id: str) -> dict[date, Decimal]:
    return {e.business_date: e.penalty for e in world.entries(loan_id) if e.type == EntryType.penalty}


# --- LPR repricing --------------------------------------------------------------------------------


def _mortgage_world(start: date, fixings: list[LprFixing]) -> tuple[World, Callable[[], LprSeries]]:
    """A servicing world whose LPR feed publishes ``fixings`` on their dates."""
    full = LprSeries.of([*LprSeries.default().fixings, *fixings])
    clock: list[World] = []

    def published() -> LprSeries:
        today = clock[0].clock.today()
        return LprSeries(tuple(f for f in full.fixings if f.date <= today))

    world = World(start=start, products={"home_mortgage": product("home_mortgage")}, lpr=published)
    clock.append(world)
    return world, published


def test_a_305_mortgage_reprices_on_1_january_after_a_new_fixing() -> None:
    world, _ = _mortgage_world(date(2025, 8, 1), [LprFixing(date(2025, 12, 22), D("0.0290"), D("0.0330"))])
    # booked before the new fixing is published: LPR 3.50 - 45 bp = 3.05 %, no reset foreseen
    loan_id = world.active("home_mortgage", amount=D("1000000"), term=120, annual_rate=D("0.0305"), **HOUSE)
    booked = world.servicing.loan(loan_id)
    assert booked.terms.annual_rate == D("0.0305")
    assert booked.terms.rate.resets == ()
    world.until(date(2026, 2, 2))
    loan = world.servicing.loan(loan_id)
    assert loan.terms.rate_on(date(2026, 1, 1)) == D("0.0285")  # 3.30 - 0.45 from 1 January
    assert loan.repriced_on == date(2026, 1, 1)
    # by hand: five installments at 3.05 % (Sep-Jan), then the rest re-amortised at 2.85 % from 1 January
    balance = D("1000000")
    level = pmt(balance, D("0.0305"), 120)
    for _ in range(5):
        balance -= level - fen(balance * D("0.0305") / 12)
    new_level = pmt(balance, D("0.0285"), 115)
    feb = loan.installment(6)
    assert feb.due_date == date(2026, 2, 1)
    assert feb.interest == fen(balance * D("0.0285") / 12)
    assert feb.total == new_level
    assert [r.total for r in loan.schedule[:5]] == [level] * 5  # what was due before stays
    interest = {
        e.data["installment"]: e.interest for e in world.entries(loan_id) if e.type == EntryType.interest
    }
    assert interest[6] == feb.interest  # and servicing charged the new rate


def test_the_penalty_rate_follows_the_repriced_contract_rate() -> None:
    world, _ = _mortgage_world(date(2025, 8, 1), [LprFixing(date(2025, 12, 22), D("0.0290"), D("0.0330"))])
    loan_id = world.active("home_mortgage", amount=D("1000000"), term=120, annual_rate=D("0.0305"), **HOUSE)
    world.until(date(2026, 1, 20))
    world.gateway.fund(ACCOUNT, D(0))  # the February installment is not paid
    world.until(date(2026, 2, 6))
    feb = world.servicing.loan(loan_id).installment(6)
    penalties = _penalties(world, loan_id)
    first = min(penalties)
    assert first == date(2026, 2, 5)  # due 02-01, three grace days
    rate = D("0.0285") * D("1.5")  # the repriced rate x (1 + 50 %)
    assert penalties[first] == fen((feb.principal + feb.interest) * rate / 360)


def test_repricing_needs_no_product_after_a_restart() -> None:
    world, published = _mortgage_world(
        date(2025, 8, 1), [LprFixing(date(2025, 12, 22), D("0.0290"), D("0.0330"))]
    )
    loan_id = world.active("home_mortgage", amount=D("1000000"), term=120, annual_rate=D("0.0305"), **HOUSE)
    world.until(date(2026, 3, 10))
    before = world.servicing.payoff_quote(loan_id, on=date(2026, 3, 10))
    restarted = Servicing(  # another process: the same store, no product file at all
        world.store,
        world.clock,
        products={},
        gateway=world.gateway,
        signer=world.signer,
        lpr=published,
    )
    assert restarted.payoff_quote(loan_id, on=date(2026, 3, 10)) == before
    assert restarted.loan(loan_id).terms == world.servicing.loan(loan_id).terms


# --- cumulative penalty accrual ---------------------------------------------------------------


def _day(
    base_principal: Decimal, base_interest: Decimal, rate: Decimal, accrued: Decimal, posted: Decimal
) -> LoanDay:
    return LoanDay(
        loan_id="x",
        day=date(2026, 3, 1),
        penalty_rate=rate,
        day_basis=360,
        compound=True,
        principal=base_principal,
        base_principal=base_principal,
        base_interest=base_interest,
        back_principal=D(0),
        back_interest=D(0),
        oldest_unpaid=date(2026, 2, 1),
        accrued=accrued,
        posted=posted,
    )


def _post_days(bases: list[tuple[Decimal, Decimal, Decimal]]) -> list[Decimal]:
    """What the end of day posts on each day for (principal, interest, penalty rate) bases."""
    accrued = posted = D(0)
    out = []
    for principal, interest, rate in bases:
        day = _day(principal, interest, rate, accrued, posted)
        amount = penalty_of(day)
        accrued += accrual_of(day)
        posted += amount
        out.append(amount)
    return out


def test_a_ten_yuan_compound_base_at_18_percent_is_charged_once_not_twice() -> None:
    posted = _post_days([(D(0), D("10.00"), D("0.18"))] * 30)
    assert sum(posted) == fen(D("10.00") * D("0.18") * 30 / 360) == D("0.15")  # not 30 x 0.01


def test_a_component_under_24_49_at_7_35_percent_is_charged() -> None:
    rate = D("0.049") * D("1.5")  # a 4.9 % contract: penalty interest at 7.35 %
    posted = _post_days([(D("24.48"), D(0), rate)] * 30)
    assert fen(D("24.48") * rate / 360) == 0  # a day's penalty alone rounds to nothing
    assert sum(posted) == fen(D("24.48") * rate * 30 / 360) == D("0.15")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5_000_000).map(lambda f: D(f) / 100),
            st.integers(0, 500_000).map(lambda f: D(f) / 100),
            st.integers(1, 3600).map(lambda bp: D(bp) / 10000 * D("1.5")),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_over_any_days_the_posted_total_is_the_exact_accrual_rounded_once(
    bases: list[tuple[Decimal, Decimal, Decimal]],
) -> None:
    posted = _post_days(bases)
    exact = sum(((p + i) * r for p, i, r in bases), D(0)) / 360
    assert sum(posted) == fen(exact)
    assert all(amount >= 0 for amount in posted)


def test_the_end_of_day_posts_the_cumulative_penalty_of_a_small_loan() -> None:
    world = World()
    loan_id = world.active(amount=D("1000"), annual_rate=D("0.0735"))
    first = world.servicing.loan(loan_id).installment(1)
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 3, 1))  # the first installment is overdue from 02-05; the second is not due
    penalties = _penalties(world, loan_id)
    days = (date(2026, 2, 28) - date(2026, 2, 9)).days + 1  # 02-09 .. 02-28: past the three grace days
    exact = (first.principal + first.interest) * D("0.0735") * D("1.5") * days / 360
    assert sum(penalties.values()) == fen(exact)
    assert len(penalties) == days  # a posting every day, 0.00 where the increment rounds to nothing


# --- the prepayment penalty window, the full-period first period -------------------------------


def test_the_prepayment_penalty_window_counts_from_disbursement() -> None:
    world = World(products={"home_mortgage": product("home_mortgage")})
    loan_id = world.active("home_mortgage", amount=D("1000000"), term=360, annual_rate=D("0.035"), **HOUSE)
    world.until(date(2026, 3, 10))  # two installments due: within the first 12
    first, _ = world.prepaid(loan_id, "pp-1", principal=D("50000"))
    assert _prepayment_fee(world, loan_id, first) == D("50000") * D("0.01") == D("500.00")
    world.until(date(2027, 3, 10))  # fourteen installments since disbursement, twelve since the first
    quote = world.servicing.payoff_quote(loan_id, principal=D("100000"))
    assert quote.prepayment_fee == 0  # not 1,000.00: the window is the first 12 installments of the loan
    second, entry = world.prepaid(loan_id, "pp-2", principal=D("100000"))
    assert _prepayment_fee(world, loan_id, second) == 0
    assert second.collected == entry.amount == quote.total  # the confirmed money paid the quote


def test_a_mid_period_prepayment_charges_the_stub_by_its_days_under_full_period() -> None:
    """120,000 at 4.9 % from 2025-01-10 with a full-period first period; prepaying 60,000 on
    2025-03-25 leaves 40,405.28, whose 16 days to 2025-04-10 cost 40,405.28 x 4.9 % x 16 / 360."""
    terms = LoanTerms(
        D("120000.00"), D("0.049"), 12, start=date(2025, 1, 10), first_period=FirstPeriod.full_period
    )
    result = prepay(build_schedule(terms), D("60000.00"), on=date(2025, 3, 25))
    assert result.balance_after == D("40405.28")
    assert result.remaining is not None
    stub = result.remaining.installments[0]
    assert stub.days == 16
    assert stub.interest == fen(D("40405.28") * D("0.049") * 16 / 360) == D("87.99")


def test_servicing_charges_the_stub_by_its_days_on_a_full_period_product() -> None:
    spec = product("consumer_credit")
    full = spec.model_copy(
        update={"repayment": spec.repayment.model_copy(update={"first_period": FirstPeriod.full_period})}
    )
    world = World(start=date(2026, 1, 10), products={"consumer_credit": full})
    loan_id = world.active(amount=D("120000"), annual_rate=D("0.049"))
    world.until(date(2026, 4, 25))  # three installments paid, as the product requires
    world.prepaid(loan_id, "pp", principal=D("60000"))
    loan = world.servicing.loan(loan_id)
    stub = next(r for r in loan.schedule if r.due_date > date(2026, 4, 25))
    left = world.position(loan_id).principal
    assert stub.due_date == date(2026, 5, 10)
    assert stub.interest == fen(left * D("0.049") * 15 / 360)  # 04-25 .. 05-10, not a whole month


# --- the coupon reaches the loan ------------------------------------------------------------------


def test_interest_free_days_are_booked_and_kept_through_a_prepayment() -> None:
    spec = product("consumer_credit")
    anytime = spec.model_copy(
        update={"prepayment": spec.prepayment.model_copy(update={"allowed_after_periods": 0})}
    )
    world = World(start=date(2025, 8, 1), products={"consumer_credit": anytime})
    loan_id = world.active(amount=D("80000"), annual_rate=D("0.041"), interest_free_days=7)
    loan = world.servicing.loan(loan_id)
    free = fen(D("80000") * D("0.041") * 7 / 360)
    assert loan.schedule[0].waived == free == D("63.78")
    assert loan.schedule[0].total == D("6751.87")
    assert sum(r.interest for r in loan.schedule) == D("1724.01")
    world.until(date(2025, 8, 3))  # a prepayment before the first due date: the waiver is used first
    quote = world.servicing.payoff_quote(loan_id, principal=D("10000"))
    assert quote.accrued_interest == 0  # two days' interest (18.22) is inside the 63.78
    world.prepaid(loan_id, "pp", principal=D("10000"))
    after = world.servicing.loan(loan_id)
    used = fen(D("80000") * D("0.041") * 2 / 360)
    assert sum(r.waived for r in after.schedule) == free - used


def test_hostile_requests_are_refused_before_anything_is_written() -> None:
    world = World()
    request = world.request()
    foreign = request.model_copy(update={"terms": request.terms.evolve(product_code="no_such_product")})
    with pytest.raises(NotFound) as found:
        world.servicing.open_loan(foreign, key="foreign")
    assert found.value.field == "product_code"
    undated = request.model_copy(update={"terms": request.terms.evolve(start=None)})
    with pytest.raises(InvalidInput) as caught:
        world.servicing.open_loan(undated, key="undated")
    assert caught.value.field == "terms.start"
    tampered = request.model_copy(update={"terms": request.terms.evolve(amount=D("999"))})
    with pytest.raises(InvalidInput) as caught:
        world.servicing.open_loan(tampered, key="tampered")
    assert caught.value.field == "amount"
    with world.store.transaction() as tx:
        assert tx.repo(Loan).list() == []
