"""Extension, restructuring and payment holidays of live loans: four-eyes, the new schedule through
the loan's own schedule path (money conserved to the fen, interest checked by hand), the
classification floor of restructured loans, the observation period, and hostile requests."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from servicing_world import World

from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.servicing import (
    Category,
    HolidayInterest,
    HolidayTerm,
    Installment,
    LoanStatus,
    Operator,
    Relief,
    ReliefKind,
    ReliefStatus,
    ReliefTerms,
)

D = Decimal
CENT = D("0.01")
MAKER = Operator("risk-zhao", "risk-officer")
CHECKER = Operator("committee-qian", "credit-committee")
AFTER_FOUR = date(2026, 5, 10)  # four installments (Feb-May 5th) paid by auto-debit


def fen(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def annuity_by_hand(principal: Decimal, monthly: Decimal, n: int) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) of each row of a level-payment schedule, by the textbook formula:
    payment = P r / (1 - (1 + r)^-n) rounded to the fen, interest = balance x r rounded, the last
    row repays what is left."""
    payment = fen(principal * monthly / (1 - (1 + monthly) ** -n))
    rows, balance = [], principal
    for k in range(n):
        interest = fen(balance * monthly)
        part = balance if k == n - 1 else payment - interest
        rows.append((part, interest))
        balance -= part
    return rows


def ask(world: World, loan_id: str, terms: ReliefTerms, *, reason: str = "收入下降，申请调整") -> Relief:
    return world.servicing.request_relief(loan_id, terms, reason=reason, operator=MAKER, key=world.key("ask"))


def approved(world: World, loan_id: str, terms: ReliefTerms) -> Relief:
    relief = ask(world, loan_id, terms)
    return world.servicing.approve_relief(relief.id, operator=CHECKER, key=world.key("approve"))


def later_rows(world: World, loan_id: str, day: date) -> list[Installment]:
    return [r for r in world.servicing.loan(loan_id).schedule if r.due_date > day]


@pytest.fixture
def loan_id(world: World) -> str:
    loan_id = world.active()  # 10,000.00 over 12 months at 12 %, annuity, from 2026-01-05
    world.until(AFTER_FOUR)
    return loan_id


def test_an_extension_conserves_principal_and_its_interest_is_the_textbook_schedule(
    world: World, loan_id: str
) -> None:
    before = world.position(loan_id)
    assert before.due_now == 0
    relief = approved(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=6))
    rows = later_rows(world, loan_id, AFTER_FOUR)
    assert len(rows) == 8 + 6
    assert sum((r.principal for r in rows), D(0)) == before.principal == relief.principal == D("6798.42")
    by_hand = annuity_by_hand(before.principal, D("0.12") / 12, 14)
    assert [(r.principal, r.interest) for r in rows] == by_hand
    assert relief.status is ReliefStatus.applied
    assert relief.maturity_before == date(2027, 1, 5)
    assert relief.maturity_after == date(2027, 7, 5) == world.servicing.loan(loan_id).maturity
    assert relief.months_added == 6
    assert world.position(loan_id).principal == before.principal  # no money moved


def test_the_loan_is_repaid_to_settlement_on_the_new_schedule(world: World, loan_id: str) -> None:
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=3))
    rows = world.servicing.loan(loan_id).schedule
    world.until(date(2027, 4, 7))
    loan = world.servicing.loan(loan_id)
    assert loan.status is LoanStatus.settled
    position = world.position(loan_id)
    assert position.principal == 0
    assert position.repaid == sum((r.total for r in rows), D(0))


def test_a_restructuring_for_financial_difficulty_is_at_least_special_mention(
    world: World, loan_id: str
) -> None:
    relief = approved(world, loan_id, ReliefTerms(kind=ReliefKind.restructuring, periods=12))
    loan = world.servicing.loan(loan_id)
    assert relief.restructured
    assert relief.category_before is Category.normal
    assert loan.category is Category.special_mention
    assert "restructured" in loan.overrides
    world.until(date(2026, 7, 10))  # paid on time; the end of day keeps the floor
    assert world.servicing.loan(loan_id).category is Category.special_mention
    assert relief.observation_until == date(2027, 6, 5)  # first due 2026-06-05 plus a year


def test_an_adjustment_without_financial_difficulty_sets_no_floor(world: World, loan_id: str) -> None:
    terms = ReliefTerms(kind=ReliefKind.extension, extra_periods=2, financial_difficulty=False)
    relief = approved(world, loan_id, terms)
    loan = world.servicing.loan(loan_id)
    assert not relief.restructured
    assert relief.observation_until is None
    assert loan.category is Category.normal
    assert loan.overrides == ()


def test_a_second_restructuring_within_the_observation_period_is_at_least_substandard(
    world: World, loan_id: str
) -> None:
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.restructuring, periods=10))
    world.until(date(2026, 7, 10))
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.restructuring, annual_rate=D("0.06")))
    loan = world.servicing.loan(loan_id)
    assert loan.category is Category.substandard
    world.advance(3)
    assert world.servicing.loan(loan_id).category is Category.substandard


def test_a_rate_cut_applies_from_the_current_period_and_interest_follows_by_hand(
    world: World, loan_id: str
) -> None:
    before = world.position(loan_id)
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.restructuring, annual_rate=D("0.06")))
    rows = later_rows(world, loan_id, AFTER_FOUR)
    assert [(r.principal, r.interest) for r in rows] == annuity_by_hand(before.principal, D("0.005"), 8)
    loan = world.servicing.loan(loan_id)
    assert loan.terms.rate_on(date(2026, 6, 1)) == D("0.06")
    assert loan.terms.rate_on(date(2026, 4, 1)) == D("0.12")  # the past keeps its rate


@pytest.mark.parametrize(
    ("term", "count"),
    [(HolidayTerm.keep_term, 8), (HolidayTerm.extend_term, 10)],
)
def test_a_deferred_interest_holiday_pays_nothing_then_collects_the_interest(
    world: World, loan_id: str, term: HolidayTerm, count: int
) -> None:
    before = world.position(loan_id)
    terms = ReliefTerms(kind=ReliefKind.holiday, holiday_periods=2, holiday_term=term)
    approved(world, loan_id, terms)
    rows = later_rows(world, loan_id, AFTER_FOUR)
    assert len(rows) == count
    assert [r.total for r in rows[:2]] == [D(0), D(0)]
    assert sum((r.principal for r in rows), D(0)) == before.principal
    monthly = D("0.01")
    first, second = fen(before.principal * monthly), fen(before.principal * monthly)
    # the third row pays its own interest and the two deferred ones; then a level schedule by hand
    by_hand = annuity_by_hand(before.principal, monthly, count - 2)
    assert rows[2].interest == first + second + by_hand[0][1]
    assert [(r.principal, r.interest) for r in rows[3:]] == by_hand[1:]
    world.until(rows[-1].due_date + (rows[-1].due_date - rows[-2].due_date))
    assert world.servicing.loan(loan_id).status is LoanStatus.settled


def test_an_interest_only_and_a_waived_holiday(world: World, loan_id: str) -> None:
    before = world.position(loan_id)
    interest = fen(before.principal * D("0.01"))
    approved(
        world,
        loan_id,
        ReliefTerms(
            kind=ReliefKind.holiday,
            holiday_periods=1,
            holiday_interest=HolidayInterest.waived,
            financial_difficulty=False,
        ),
    )
    rows = later_rows(world, loan_id, AFTER_FOUR)
    assert (rows[0].principal, rows[0].interest, rows[0].waived) == (D(0), D(0), interest)
    assert sum((r.principal for r in rows), D(0)) == before.principal
    world.until(date(2026, 6, 8))
    assert world.position(loan_id).due_now == 0
    approved(
        world,
        loan_id,
        ReliefTerms(
            kind=ReliefKind.holiday, holiday_periods=1, holiday_interest=HolidayInterest.interest_only
        ),
    )
    after = later_rows(world, loan_id, date(2026, 6, 8))
    assert after[0].principal == 0
    assert after[0].interest == fen(before.principal * D("0.01"))


def test_four_eyes_and_roles(world: World, loan_id: str) -> None:
    terms = ReliefTerms(kind=ReliefKind.extension, extra_periods=1)
    with pytest.raises(NotPermitted):
        world.servicing.request_relief(
            loan_id, terms, reason="x", operator=Operator("ops-li", "operations"), key="a-1"
        )
    relief = ask(world, loan_id, terms)
    with pytest.raises(NotPermitted) as raised:
        world.servicing.approve_relief(relief.id, operator=MAKER, key="a-2")
    assert raised.value.code == "four-eyes"
    with pytest.raises(StateConflict):
        ask(world, loan_id, terms)  # one request waits at a time
    schedule = world.servicing.loan(loan_id).schedule
    rejected = world.servicing.reject_relief(relief.id, operator=CHECKER, reason="材料不全", key="a-3")
    assert rejected.status is ReliefStatus.rejected
    assert world.servicing.loan(loan_id).schedule == schedule
    with pytest.raises(StateConflict):
        world.servicing.approve_relief(relief.id, operator=CHECKER, key="a-4")
    # the replay of a decided key returns the stored result
    assert (
        world.servicing.reject_relief(relief.id, operator=CHECKER, reason="材料不全", key="a-3") == rejected
    )


def test_extensions_stay_within_the_general_lending_rules_cap(world: World, loan_id: str) -> None:
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=8))
    with pytest.raises(InvalidInput) as raised:
        ask(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=5))
    assert raised.value.code == "extension-cap"  # a 12-month loan: at most 12 months in total
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=4))


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        (ReliefTerms(kind=ReliefKind.extension), "extra_periods"),
        (ReliefTerms(kind=ReliefKind.holiday), "holiday_periods"),
        (ReliefTerms(kind=ReliefKind.holiday, holiday_periods=8), "holiday_periods"),
        (ReliefTerms(kind=ReliefKind.restructuring), "periods"),
    ],
)
def test_requests_that_cannot_apply_are_refused_and_nothing_is_stored(
    world: World, loan_id: str, terms: ReliefTerms, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        ask(world, loan_id, terms)
    assert raised.value.field == field
    assert world.servicing.reliefs(loan_id) == []


def test_bad_values_are_refused_by_the_request_value() -> None:
    with pytest.raises(ValueError, match="annual_rate"):
        ReliefTerms(kind=ReliefKind.restructuring, annual_rate=D("NaN"))
    with pytest.raises(ValueError, match="extra_periods"):
        ReliefTerms(kind=ReliefKind.extension, extra_periods=-1)


def test_the_observation_period_ends_only_after_a_year_of_timely_payment(world: World, loan_id: str) -> None:
    approved(world, loan_id, ReliefTerms(kind=ReliefKind.restructuring, periods=16))
    with pytest.raises(StateConflict) as raised:
        world.servicing.end_observation(loan_id, operator=CHECKER, key="obs-1")
    assert raised.value.code == "observation-running"
    world.until(date(2027, 6, 6))
    loan = world.servicing.end_observation(loan_id, operator=CHECKER, key="obs-2")
    assert loan.category is Category.normal
    assert loan.overrides == ()


def test_the_credit_reporting_event_is_recorded(world: World, loan_id: str) -> None:
    relief = approved(world, loan_id, ReliefTerms(kind=ReliefKind.extension, extra_periods=2))
    with world.store.transaction() as tx:
        events = [e for e in tx.events.for_subject(loan_id) if e.type == "loan.restructured"]
    assert len(events) == 1
    assert events[0].payload["relief"] == relief.id
    assert events[0].payload["maturity_after"] == "2027-03-05"


def test_a_holiday_is_refused_on_a_floating_rate_loan(world: World, loan_id: str) -> None:
    from loanfactory.conventions import LprTenor
    from loanfactory.servicing._relief import adjust

    loan = world.servicing.loan(loan_id)
    floating = loan.evolve(
        terms=loan.terms.evolve(rate=loan.terms.rate.model_copy(update={"tenor": LprTenor.one_year}))
    )
    with pytest.raises(InvalidInput) as raised:
        adjust(
            floating,
            world.position(loan_id),
            ReliefTerms(kind=ReliefKind.holiday, holiday_periods=1),
            AFTER_FOUR,
            again=False,
        )
    assert raised.value.field == "kind"
