"""Overdue: days past due, penalty and compound interest with grace, tiers, classification, plans."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from servicing_world import World, product

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.servicing import (
    DEFAULT_RULES,
    Category,
    ClassificationRules,
    CollectionTask,
    EntryType,
    NegotiatedPlan,
    Override,
    PlanStatus,
    RiskSignal,
    SignalKind,
    TaskStatus,
    tier_index,
)
from loanfactory.spec import OverdueAction

D = Decimal
ACCOUNT = "6222020200112233"


def _penalties(world: World, loan_id: str) -> dict[date, Decimal]:
    return {e.business_date: e.penalty for e in world.entries(loan_id) if e.type == EntryType.penalty}


def test_penalty_starts_after_the_grace_days_and_compounds_on_interest(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 2, 12))
    penalties = _penalties(world, loan_id)
    assert min(penalties) == date(2026, 2, 9)  # due 02-05, grace 3 days: 06, 07, 08 are free
    rate = D("0.12") * D("1.5")
    exact = (D("788.49") + D("100.00")) * rate / 360  # principal 788.49 and interest 100.00 overdue
    assert penalties[date(2026, 2, 9)] == exact.quantize(D("0.01"), ROUND_HALF_UP) == D("0.44")


def test_paying_within_the_grace_costs_no_penalty(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 2, 8))
    assert world.servicing.loan(loan_id).days_past_due == 2
    world.repay(loan_id, D("888.49"))
    world.until(date(2026, 2, 15))
    assert _penalties(world, loan_id) == {}
    assert world.servicing.loan(loan_id).days_past_due == 0


def test_without_the_waiver_the_grace_days_are_charged_once_exceeded() -> None:
    spec = product("consumer_credit")
    strict = spec.model_copy(update={"penalty": spec.penalty.model_copy(update={"grace_waives": False})})
    world = World(products={"consumer_credit": strict})
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 2, 11))
    penalties = _penalties(world, loan_id)
    daily = (D("788.49") + D("100.00")) * D("0.18") / 360
    # the first day past the grace charges it and the three grace days: 4 days, rounded once
    first = (daily * 4).quantize(D("0.01"), ROUND_HALF_UP)
    assert penalties[date(2026, 2, 9)] == first == D("1.78")
    # then the cumulative figure minus what was posted: 5 days' worth less 1.78
    assert penalties[date(2026, 2, 10)] == (daily * 5).quantize(D("0.01"), ROUND_HALF_UP) - first


def test_days_past_due_and_category_follow_the_oldest_unpaid_installment(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 5, 7))  # first unpaid due 02-05: 90 days at the end of 05-05
    loan = world.servicing.loan(loan_id)
    assert loan.days_past_due == 90
    assert loan.category is Category.special_mention
    world.advance(1)
    loan = world.servicing.loan(loan_id)
    assert loan.days_past_due == 91
    assert loan.category is Category.substandard
    assert world.position(loan_id).days_past_due(date(2026, 5, 7)) == 91


@pytest.mark.parametrize(
    ("dpd", "category"),
    [
        (0, Category.normal),
        (1, Category.special_mention),
        (90, Category.special_mention),
        (91, Category.substandard),
        (270, Category.substandard),
        (271, Category.doubtful),
        (360, Category.doubtful),
        (361, Category.loss),
    ],
)
def test_the_2023_thresholds(dpd: int, category: Category) -> None:
    assert DEFAULT_RULES.classify(dpd) is category


def test_overrides_are_floors_never_upgrades() -> None:
    assert DEFAULT_RULES.classify(0, ("fund-misuse",)) is Category.special_mention
    assert DEFAULT_RULES.classify(200, ("fund-misuse",)) is Category.substandard
    rules = ClassificationRules(overrides=(Override(flag="restructured", at_least=Category.substandard),))
    assert rules.classify(0, ("restructured",)) is Category.substandard
    assert rules.classify(0, ("unknown-flag",)) is Category.normal


def test_provisions_by_category() -> None:
    exposure = D("10000.00")
    assert [DEFAULT_RULES.provision(c, exposure) for c in Category] == [
        D("100.00"),
        D("200.00"),
        D("2500.00"),
        D("5000.00"),
        D("10000.00"),
    ]


def test_tiers_of_the_product() -> None:
    policy = product("consumer_credit").overdue
    assert [tier_index(policy, d) for d in (0, 1, 30, 31, 90, 91, 1000)] == [None, 0, 0, 1, 1, 2, 2]


def test_each_tier_fires_its_actions_once_per_episode(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 5, 10))
    with world.store.transaction() as tx:
        tasks = tx.repo(CollectionTask).list(loan_id=loan_id)
        actions = [e.payload["action"] for e in tx.events.for_subject(loan_id) if e.type == "overdue.action"]
        topics = [m.topic for m in tx.outbox.pending(100_000)]
    assert {t.action for t in tasks} == {
        OverdueAction.manual_collection,
        OverdueAction.negotiated_plan,
        OverdueAction.outsourced_collection,
        OverdueAction.litigation,
    }
    assert all(t.status is TaskStatus.open for t in tasks)
    assert actions.count("manual-collection") == 1
    assert actions.count("litigation") == 1
    assert actions.count("reminder") >= 4  # on entering tier 1, then every 7 days in it
    assert topics.count("collection") == 2
    assert "bureau" not in topics  # credit reporting sends its own notice and files (regulatory)
    assert "litigation" in world.servicing.loan(loan_id).overrides


def test_a_cured_loan_closes_its_tasks(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 3, 20))
    world.repay(loan_id, world.position(loan_id).due_now)
    world.advance(1)
    with world.store.transaction() as tx:
        tasks = tx.repo(CollectionTask).list(loan_id=loan_id)
    assert tasks
    assert all(t.status is TaskStatus.done and t.outcome == "cured" for t in tasks)
    assert world.servicing.loan(loan_id).category is Category.normal


def test_a_negotiated_plan_waives_penalty_and_is_watched(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    world.until(date(2026, 3, 10))
    penalty = world.position(loan_id).penalty
    plan = world.servicing.agree_plan(
        loan_id,
        [(date(2026, 3, 15), D("900")), (date(2026, 3, 25), D("900"))],
        key="plan",
        waive_penalty=penalty,
        agreed_by="staff-7",
    )
    assert world.position(loan_id).penalty == 0
    assert plan.status is PlanStatus.active
    with pytest.raises(StateConflict, match="active plan"):
        world.servicing.agree_plan(loan_id, [(date(2026, 4, 1), D("1"))], key="plan-2", agreed_by="staff-7")
    world.repay(loan_id, D("900"))
    world.until(date(2026, 3, 27))  # the second promise is missed
    with world.store.transaction() as tx:
        assert tx.repo(NegotiatedPlan).get(plan.id).status is PlanStatus.broken
        signals = tx.repo(RiskSignal).list(loan_id=loan_id)
    assert SignalKind.broken_promise in {s.signal for s in signals}


def test_plans_are_checked_for_sense(world: World) -> None:
    loan_id = world.active()
    with pytest.raises(InvalidInput):
        world.servicing.agree_plan(loan_id, [], key="p", agreed_by="s")
    with pytest.raises(InvalidInput):
        world.servicing.agree_plan(
            loan_id, [(world.clock.today() - timedelta(days=1), D("1"))], key="p", agreed_by="s"
        )
