"""Servicing by composition: the façade holds one frozen context, and what a run counts is the run's."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from servicing_world import World

from loanfactory.servicing import EodRun, Servicing, ServicingConfig

ACCOUNT = "6222020200112233"


def _actions_by_day(world: World, loan_ids: list[str]) -> dict[date, dict[str, int]]:
    """The tier actions of each day, counted from the event log (not from the runs)."""
    found: dict[date, dict[str, int]] = {}
    with world.store.transaction() as tx:
        for loan_id in loan_ids:
            for event in tx.events.for_subject(loan_id):
                if event.type == "overdue.action":
                    day = date.fromisoformat(event.payload["on"])
                    kinds = found.setdefault(day, {})
                    kinds[event.payload["action"]] = kinds.get(event.payload["action"], 0) + 1
    return found


def test_each_end_of_day_run_counts_only_its_own_tier_actions() -> None:
    world = World(config=ServicingConfig(eod_batch=1))  # one loan a batch: counts cross batches
    loans = [world.active(), world.active()]
    world.gateway.fund(ACCOUNT, Decimal(0))  # nothing is collected: both loans fall overdue
    first = world.clock.today()
    world.until(date(2026, 3, 20))
    expected = _actions_by_day(world, loans)
    assert len(expected) >= 2  # the test looks at several days with actions, and days without
    with world.store.transaction() as tx:
        runs = {r.business_date: r for r in tx.repo(EodRun).list()}
    day = first
    while day < date(2026, 3, 20):
        totals = {
            k.removeprefix("action:"): int(v) for k, v in runs[day].totals.items() if k.startswith("action:")
        }
        assert totals == expected.get(day, {}), day
        day += timedelta(days=1)


def test_the_facade_keeps_no_state_of_a_run_or_a_command() -> None:
    world = World()
    servicing: Servicing = world.servicing
    before = dict(vars(servicing))
    context = servicing.context
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, Decimal(0))
    world.until(date(2026, 2, 20))
    assert world.servicing.loan(loan_id).days_past_due > 0
    assert vars(servicing) == before  # nothing a run or a command did is kept on the service
    assert servicing.context is context
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.config = ServicingConfig()  # type: ignore[misc]
