"""Credit lines: occupy, release, freeze never overdraw, and the sums always reconcile."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from loanfactory.entity import CST
from loanfactory.errors import InvalidInput, LoanfactoryError, StateConflict
from loanfactory.origination._credit_line import (
    CreditLine,
    LineStatus,
    SubLimit,
    freeze,
    occupy,
    release,
    resize,
    set_sub_limit,
    unfreeze,
)

TODAY = date(2025, 8, 1)
PRODUCTS = ("consumer_credit", "auto_loan")


def make_line(total: str = "100000", subs: dict[str, str] | None = None) -> CreditLine:
    return CreditLine(
        id="line_1",
        customer_id="cus_1",
        total=Decimal(total),
        sub_limits=tuple(SubLimit(product_code=k, limit=Decimal(v)) for k, v in (subs or {}).items()),
        opened_on=date(2025, 1, 1),
        expires_on=date(2026, 1, 1),
        updated_at=datetime(2025, 1, 1, tzinfo=CST),
    )


def test_occupy_and_release_move_available() -> None:
    line = make_line(subs={"consumer_credit": "60000"})
    line = occupy(line, "consumer_credit", Decimal("50000"), TODAY)
    assert line.available == Decimal("50000")
    assert line.available_for("consumer_credit", TODAY) == Decimal("10000")
    with pytest.raises(StateConflict) as caught:
        occupy(line, "consumer_credit", Decimal("10000.01"), TODAY)
    assert caught.value.code == "line-insufficient"
    line = release(line, "consumer_credit", Decimal("20000"))
    assert line.occupied == Decimal("30000")


def test_a_product_without_a_sub_limit_cannot_draw_on_a_line_that_has_them() -> None:
    line = make_line(subs={"consumer_credit": "60000"})
    with pytest.raises(StateConflict) as caught:
        occupy(line, "auto_loan", Decimal("1000"), TODAY)
    assert caught.value.code == "no-sub-limit"


def test_frozen_and_expired_lines_cannot_be_drawn_but_can_be_repaid() -> None:
    line = occupy(make_line(), "consumer_credit", Decimal("1000"), TODAY)
    frozen = freeze(line)
    assert frozen.available == 0
    with pytest.raises(StateConflict):
        occupy(frozen, "consumer_credit", Decimal("1"), TODAY)
    assert release(frozen, "consumer_credit", Decimal("1000")).occupied == 0
    with pytest.raises(StateConflict):
        occupy(line, "consumer_credit", Decimal("1"), date(2026, 1, 2))
    assert line.available_on(date(2026, 1, 2)) == 0
    assert unfreeze(frozen).status is LineStatus.active


def test_bad_amounts_are_refused() -> None:
    line = make_line()
    with pytest.raises(InvalidInput):
        occupy(line, "consumer_credit", Decimal(0), TODAY)
    with pytest.raises(InvalidInput):
        occupy(line, "consumer_credit", Decimal(-5), TODAY)
    with pytest.raises(StateConflict):
        release(line, "consumer_credit", Decimal(1))
    with pytest.raises(StateConflict):
        freeze(line, Decimal("100000.01"))
    with pytest.raises(StateConflict):
        unfreeze(line, Decimal(1))


def test_sub_limits_stay_within_the_line_and_above_what_is_drawn() -> None:
    line = occupy(make_line(subs={"consumer_credit": "60000"}), "consumer_credit", Decimal("40000"), TODAY)
    with pytest.raises(InvalidInput):
        set_sub_limit(line, "auto_loan", Decimal("100000.01"))
    with pytest.raises(StateConflict):
        set_sub_limit(line, "consumer_credit", Decimal("39999"))
    assert set_sub_limit(line, "auto_loan", Decimal("30000")).sub_limit("auto_loan") is not None


def test_a_limit_review_below_what_is_drawn_shows_as_excess_not_negative_available() -> None:
    line = occupy(make_line(), "consumer_credit", Decimal("80000"), TODAY)
    cut = resize(line, Decimal("50000"))
    assert cut.available == 0
    assert cut.excess == Decimal("30000")


amounts = st.integers(1, 60_000).map(lambda n: Decimal(n) / 2)  # half-yuan steps, to exercise the fen


class LineMachine(RuleBasedStateMachine):
    """Random sequences of occupy / release / freeze / unfreeze on one line with two sub-limits."""

    def __init__(self) -> None:
        super().__init__()
        self.line = make_line("100000", {"consumer_credit": "70000", "auto_loan": "50000"})
        self.drawn = {code: Decimal(0) for code in PRODUCTS}  # our own book of what is drawn

    @rule(product=st.sampled_from(PRODUCTS), amount=amounts)
    def occupy(self, product: str, amount: Decimal) -> None:
        try:
            self.line = occupy(self.line, product, amount, TODAY)
        except LoanfactoryError:
            assert amount > self.line.available_for(product, TODAY)
        else:
            self.drawn[product] += amount

    @precondition(lambda self: any(self.drawn.values()))
    @rule(product=st.sampled_from(PRODUCTS), share=st.integers(1, 100))
    def release(self, product: str, share: int) -> None:
        amount = (self.drawn[product] * share / 100).quantize(Decimal("0.01"))
        if amount <= 0:
            return
        self.line = release(self.line, product, amount)
        self.drawn[product] -= amount

    @rule(amount=st.none() | amounts)
    def freeze(self, amount: Decimal | None) -> None:
        try:
            self.line = freeze(self.line, amount)
        except StateConflict:
            assert (amount is not None and amount > self.line.available) or amount is None

    @rule(amount=st.none() | amounts)
    def unfreeze(self, amount: Decimal | None) -> None:
        try:
            self.line = unfreeze(self.line, amount)
        except StateConflict:
            assert amount is None or amount > self.line.frozen

    @invariant()
    def never_overdrawn_and_sums_reconcile(self) -> None:
        line = self.line
        assert line.available >= 0
        assert line.occupied == sum(self.drawn.values())
        assert line.occupied == sum(s.occupied for s in line.sub_limits)
        for sub in line.sub_limits:
            assert 0 <= sub.occupied <= sub.limit
            assert sub.occupied == self.drawn[sub.product_code]
        assert line.excess == 0
        if line.status is LineStatus.active:
            assert line.occupied + line.frozen + line.available == line.total
        else:
            assert line.available == 0


TestLineMachine = LineMachine.TestCase
TestLineMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
