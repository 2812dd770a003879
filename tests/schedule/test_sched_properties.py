"""Properties of the schedule engine over thousands of generated loans (hypothesis).

At least 2,000 examples per repayment method for the ledger invariants; the APR of a fee-free
annuity equals its nominal rate; prepaying zero changes nothing; the vectorised path equals the
Decimal one after rounding.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sched_strategies import amounts, loan_terms, rates, rounding_policies

from loanfactory.conventions import RepaymentMethod, ScheduleStyle
from loanfactory.errors import InvalidInput
from loanfactory.money import RoundingMode, RoundingPolicy
from loanfactory.schedule import (
    LoanTerms,
    Schedule,
    annual_percentage_rate,
    apr_of_flows,
    build_schedule,
    prepay,
    registered,
    vector_schedule,
)

EXAMPLES = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZERO = Decimal(0)


def _too_small(terms: LoanTerms) -> bool:
    """An amount small against the rounding: its principal per repaying period is at most 1,000
    units (10.00 a period in fen). Early rows of an annuity or a step schedule repay far less than
    the average, so a row may round to 0.00 and be refused well above 100 units a period."""
    share = Decimal(1)
    if terms.balloon is not None and terms.balloon.per_period is not None:
        share = terms.balloon.per_period * (terms.term - terms.grace_principal)
    per_period = terms.principal * share / (terms.term - terms.grace_principal)
    return per_period <= 1000 * terms.installment_unit


def _ledger_invariants(terms: LoanTerms) -> None:
    if terms.step is not None:  # a step may make an installment fall below its interest, or to zero
        try:
            build_schedule(terms)
        except InvalidInput as refused:
            reason = refused.message if refused.field == "step" else ""
        else:
            reason = ""
        if "does not cover its interest" in reason or "fall to zero" in reason:
            return
    if _too_small(terms):  # an installment may be 0.00: either refused, or built as below
        try:
            s = build_schedule(terms)
        except InvalidInput as refused:
            field = refused.field
        else:
            field = None
        if field is not None:
            assert field == "principal"
            return
    else:
        s = build_schedule(terms)
    rows = s.installments
    if terms.method is RepaymentMethod.bullet:
        assert len(rows) == 1
    elif s.shortened_from is None:
        assert len(rows) == terms.term
    else:  # a rounded installment repaid the loan early: the schedule ends with that row
        assert s.shortened_from == terms.term > len(rows)
        assert "repaid in" in s.convention
    # no repaying row of 0.00 (rows whose interest is deferred pay only their principal)
    first = max(terms.grace_principal, terms.grace_interest)
    repaying = rows[first:-1] if terms.method is not RepaymentMethod.interest_only else ()
    assert all(r.principal + r.interest > 0 for r in repaying), repr(terms)
    assert sum((r.principal for r in rows), ZERO) == terms.principal  # exactly, to the fen
    balance = terms.principal
    for row in rows:
        assert row.principal >= 0
        assert row.interest >= 0
        assert row.fee >= 0
        assert row.total == row.principal + row.interest + row.fee
        balance -= row.principal
        assert row.balance == balance >= 0
        assert row.deferred_interest >= 0
    assert rows[-1].balance == 0
    assert rows[-1].deferred_interest == 0
    assert s.totals.principal == terms.principal
    assert s.totals.total == sum((r.total for r in rows), ZERO)
    unit = terms.rounding.unit
    assert all(r.interest % unit == 0 for r in rows)
    if terms.installment_multiple and terms.method is RepaymentMethod.annuity and s.level_installment:
        assert s.level_installment % terms.installment_multiple == 0


def _buildable(terms: LoanTerms) -> Schedule:
    """The schedule of ``terms``; the example is discarded when they are refused as too small."""
    try:
        return build_schedule(terms)
    except InvalidInput:
        assume(False)
        raise


@pytest.mark.slow
@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_posting_ledger_invariants(method: RepaymentMethod) -> None:
    @EXAMPLES
    @given(loan_terms(method))
    def check(terms: LoanTerms) -> None:
        _ledger_invariants(terms)

    check()


@FEWER
@given(loan_terms(max_term=60))
def test_display_schedule_is_the_exact_schedule_rounded(terms: LoanTerms) -> None:
    try:
        exact = build_schedule(terms, ScheduleStyle.display)
    except InvalidInput as refused:  # a step falling to zero, or below its interest
        assume(refused.field != "step")
        raise
    assert abs(exact.totals.principal - terms.principal) <= terms.rounding.unit
    assert all(r.interest >= 0 for r in exact.installments)


@pytest.mark.slow
@EXAMPLES
@given(amounts.filter(lambda a: a >= 1000), rates.filter(lambda r: r > 0), st.integers(1, 360))
def test_apr_of_a_fee_free_monthly_annuity_is_its_nominal_rate(
    principal: Decimal, rate: Decimal, term: int
) -> None:
    terms = LoanTerms(principal, rate, term)
    exact = build_schedule(terms, ScheduleStyle.display)
    flows = [-principal, *([exact.exact_installment] * term)]
    assert exact.exact_installment is not None
    assert abs(apr_of_flows(flows, Decimal(12)).nominal - rate) < Decimal("1e-18")
    # from the posted (rounded) cash flows: within half the disclosed precision (0.005 %) when the
    # loan is large enough for fen rounding (at most ~2 fen per row) not to move the rate that far
    posted = build_schedule(terms)
    if principal >= 2400 * term:
        assert abs(annual_percentage_rate(posted).nominal - rate) < Decimal("0.00005")


@pytest.mark.slow
@EXAMPLES
@given(loan_terms(max_term=48), st.data())
def test_prepaying_zero_changes_nothing(terms: LoanTerms, data: st.DataObject) -> None:
    s = _buildable(terms)
    rows = s.installments
    after = data.draw(st.integers(0, len(rows) - 1))
    result = prepay(s, ZERO, after=after)
    assert result.total == 0
    assert result.balance_after == result.balance_before
    assert result.remaining is not None
    assert result.remaining.installments == rows[after:]
    if terms.start is not None:
        previous = rows[after - 1].due_date if after else terms.start
        due = rows[after].due_date
        assert previous is not None
        assert due is not None
        on = previous + (due - previous) / 2
        same = prepay(s, ZERO, on=on)
        assert same.total == 0
        assert same.after == after
        assert same.remaining is not None
        assert same.remaining.installments == rows[after:]


@FEWER
@given(loan_terms(RepaymentMethod.annuity, max_term=60), st.data())
def test_partial_prepayment_repays_exactly_the_balance(terms: LoanTerms, data: st.DataObject) -> None:
    s = _buildable(terms)
    rows = s.installments
    after = data.draw(st.integers(0, len(rows) - 1))
    balance = rows[after - 1].balance if after else terms.principal
    amount = data.draw(st.integers(0, int(balance * 100))).__truediv__(100)
    amount = terms.rounding(Decimal(str(amount)))
    if amount > balance:
        amount = balance
    how = data.draw(st.sampled_from(["keep-term", "keep-installment"]))
    left = balance - amount
    if 0 < left < 100 * terms.installment_unit * (len(rows) - after):
        # a balance too small for the rounding over the installments left may be refused
        try:
            result = prepay(s, amount, after=after, reamortise=how)
        except InvalidInput as refused:
            assume(refused.field != "principal")
            raise
    else:
        result = prepay(s, amount, after=after, reamortise=how)
    if result.remaining is None:
        assert amount == balance
        return
    remaining = result.remaining.installments
    assert sum((r.principal for r in remaining), ZERO) == balance - amount
    assert remaining[-1].balance == 0
    assert len(remaining) <= len(rows) - after
    if how == "keep-term":  # the same due dates, unless a rounded installment repays it sooner
        assert len(remaining) == len(rows) - after or result.remaining.shortened_from == len(rows) - after


VECTOR_METHODS = [m.name for m in registered() if m.vector is not None]


@pytest.mark.slow
@EXAMPLES
@given(
    st.lists(st.tuples(st.integers(100, 10**11), st.integers(0, 360_000)), min_size=1, max_size=8),
    st.integers(1, 60),
    st.sampled_from(VECTOR_METHODS),
    rounding_policies,
    st.sampled_from([None, Decimal(1), Decimal(10)]),
)
def test_vectorised_equals_decimal_after_rounding(
    loans: list[tuple[int, int]],
    term: int,
    method: RepaymentMethod,
    policy: RoundingPolicy,
    multiple: Decimal | None,
) -> None:
    if multiple is not None and multiple < policy.unit:
        multiple = None
    principal = np.array([p for p, _ in loans], dtype=np.int64)
    rate = np.array([r for _, r in loans], dtype=np.int64)
    expected = []
    for p, r in loans:
        terms = LoanTerms(
            Decimal(p).scaleb(-2),
            Decimal(r).scaleb(-6),
            term,
            method=method,
            rounding=policy,
            installment_multiple=multiple,
        )
        try:
            expected.append(build_schedule(terms).installments)
        except InvalidInput:  # too small for the rounding: the vectorised path refuses it too
            with pytest.raises(InvalidInput):
                vector_schedule(
                    principal, rate, term, method=method, rounding=policy, installment_multiple=multiple
                )
            return
    batch = vector_schedule(
        principal, rate, term, method=method, rounding=policy, installment_multiple=multiple
    )
    for i, rows in enumerate(expected):
        assert batch.installments(i) == rows


def test_vectorised_big_random_book_reconciles() -> None:
    """A 20,000-loan book with every rounding mode: every loan equals its Decimal schedule."""
    rng = np.random.default_rng(20250702)
    for mode in RoundingMode:
        principal = rng.integers(1_000_00, 3_000_000_00, 5000)
        rate = rng.integers(0, 240_000, 5000)
        policy = RoundingPolicy(mode)
        batch = vector_schedule(principal, rate, 24, rounding=policy)
        assert batch.arithmetic == "int64"
        for i in range(0, 5000, 97):
            terms = LoanTerms(
                Decimal(int(principal[i])).scaleb(-2), Decimal(int(rate[i])).scaleb(-6), 24, rounding=policy
            )
            assert batch.installments(i) == build_schedule(terms).installments


def test_vectorised_float_path_for_huge_loans_reconciles() -> None:
    """Loans whose int64 products would overflow take the float path; still equal to Decimal."""
    rng = np.random.default_rng(7)
    principal = rng.integers(10**13, 9 * 10**14, 300)
    rate = rng.integers(1_000_000, 9_000_000, 300)
    for mode in RoundingMode:
        policy = RoundingPolicy(mode)
        batch = vector_schedule(principal, rate, 6, rounding=policy)
        assert batch.arithmetic == "float64"
        for i in range(0, 300, 7):
            terms = LoanTerms(
                Decimal(int(principal[i])).scaleb(-2), Decimal(int(rate[i])).scaleb(-6), 6, rounding=policy
            )
            assert batch.installments(i) == build_schedule(terms).installments
