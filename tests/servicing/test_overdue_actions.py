"""Overdue actions come from one registry: the product language, servicing and the docs read it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from servicing_world import World, product

from loanfactory.notices import NOTICE_KINDS
from loanfactory.overdue_actions import ACTIONS, OverdueAction
from loanfactory.servicing import CollectionTask
from loanfactory.spec import OverduePolicy, load_product_text

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "6222020200112233"


def test_every_action_is_registered_once_with_titles_and_effects() -> None:
    assert set(ACTIONS) == set(OverdueAction)
    for action, kind in ACTIONS.items():
        assert kind.action is action
        assert kind.title_zh
        assert kind.title_en
        assert kind.effects
        for notice in kind.notices:
            assert NOTICE_KINDS[notice].sender == "servicing"


def test_the_product_guide_lists_every_action_with_its_chinese_title() -> None:
    guide = (ROOT / "docs" / "products.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| ([^|]+?) \|", guide, re.M))
    for action, kind in ACTIONS.items():
        assert rows.get(action.value) == kind.title_zh, action


def _unsecured_with(action: str) -> str:
    text = (ROOT / "products" / "consumer_credit.yaml").read_text(encoding="utf-8")
    return text.replace(
        "actions: [penalty, outsourced-collection, litigation, credit-report]",
        f"actions: [penalty, {action}]",
    )


def test_an_action_that_needs_collateral_is_refused_on_an_unsecured_product() -> None:
    spec, diagnostics = load_product_text(_unsecured_with("collateral-disposal"), file="p.yaml")
    assert spec is None
    [problem] = [d for d in diagnostics if d.code == "never-applies"]
    assert problem.path == "overdue.tiers[2].actions[1]"
    assert problem.line is not None
    assert "mortgage or pledge" in problem.message


def test_an_unknown_action_suggests_the_registered_one() -> None:
    spec, diagnostics = load_product_text(_unsecured_with("phone-remindr"), file="p.yaml")
    assert spec is None
    [problem] = [d for d in diagnostics if d.severity == "error"]
    assert problem.code == "unknown-value"
    assert "phone-reminder" in (problem.hint or "")


def test_a_phone_reminder_opens_one_call_centre_task_per_episode() -> None:
    spec = product("consumer_credit")
    assert spec.overdue is not None
    first, *rest = spec.overdue.tiers
    tiers = (first.model_copy(update={"actions": (*first.actions, OverdueAction.phone_reminder)}), *rest)
    policy = OverduePolicy(tiers=tiers, overdue_rate_alert=spec.overdue.overdue_rate_alert)
    world = World(products={"consumer_credit": spec.model_copy(update={"overdue": policy})})
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, Decimal(0))
    world.until(date(2026, 2, 20))  # due 02-05: 14 days late, still in the first tier
    with world.store.transaction() as tx:
        tasks = tx.repo(CollectionTask).list(loan_id=loan_id)
        notes = [m.payload for m in tx.outbox.pending(100_000) if m.topic == "notification"]
    assert [(t.action, t.assignee) for t in tasks] == [(OverdueAction.phone_reminder, "call-centre")]
    staff = [n for n in notes if n["template"] == "collection_task"]
    assert [n["data"]["action"] for n in staff] == ["phone-reminder"]
    reminders = [n for n in notes if n["template"] == "overdue_notice"]
    assert len(reminders) >= 2  # the SMS reminder repeats; the call task does not
