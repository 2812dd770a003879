"""Early warnings 72 hours ahead of the due date, over a simulated book: the shipped scorecard
(rules/early_warning.yaml) reads the pre-debit balance check, past lateness, new bureau records and
fund-misuse signals; the expected warnings are worked out here from each loan's own story."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from servicing_world import World

from loanfactory.entity import CST
from loanfactory.errors import SpecError
from loanfactory.ports import BureauRecord, PaymentRecord
from loanfactory.servicing import EarlyWarning, RiskWarning, WarningKind

D = Decimal
RULES = Path(__file__).resolve().parents[2] / "rules" / "early_warning.yaml"
INSTALLMENT = D("888.49")  # 10,000 over 12 months at 12 %


@dataclass
class Story:
    loan_id: str
    account: str
    short: bool  # the account cannot pay the first installment
    bureau: bool  # a court judgement appears after disbursement
    misuse: bool  # money went to securities


def book(world: World, size: int = 24, seed: int = 11) -> list[Story]:
    rng = random.Random(seed)
    stories = []
    for n in range(size):
        account = f"62220202{n:08d}"
        loan_id = world.active(account=account)
        story = Story(loan_id, account, rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.3)
        if story.short:
            world.gateway.fund(account, D("100.00"))
        if story.bureau:
            record = BureauRecord(kind="court_judgement", worst_status="bad_debt", reported=date(2026, 1, 20))
            world.servicing.report_bureau_record(loan_id, record, on=date(2026, 1, 20))
        if story.misuse:
            world.servicing.observe_payment(
                PaymentRecord(
                    loan_id=loan_id,
                    at=datetime(2026, 1, 12, 10, tzinfo=CST),
                    amount=D("3000"),
                    payee="某证券",
                    payee_category="securities",
                )
            )
        stories.append(story)
    world.servicing.early_warning = EarlyWarning.from_file(RULES, balances=world.gateway)
    return stories


def early(world: World) -> dict[str, list[RiskWarning]]:
    with world.store.transaction() as tx:
        found = tx.repo(RiskWarning).list(warning=WarningKind.early.value)
    out: dict[str, list[RiskWarning]] = {}
    for w in found:
        out.setdefault(w.loan_id, []).append(w)
    return out


def test_risk_staff_are_warned_72_hours_ahead_with_the_reasons(world: World) -> None:
    stories = book(world)
    assert any(s.short for s in stories)
    assert any(s.bureau and s.misuse for s in stories)
    world.until(date(2026, 2, 2))
    assert early(world) == {}
    world.advance(1)  # the end of day of 02-02, 72 hours before 02-05
    warned = early(world)
    # by hand: short balance 50; new bad record 30; misuse 30; high from 50
    expected = {s.loan_id for s in stories if 50 * s.short + 30 * s.bureau + 30 * s.misuse >= 50}
    assert set(warned) == expected
    for story in stories:
        if story.loan_id not in expected:
            continue
        [warning] = warned[story.loan_id]
        assert warning.raised_on == date(2026, 2, 2)
        assert "2026-02-05" in warning.message
        assert ("余额不足" in warning.message) == story.short
        assert ("征信新增不良" in warning.message) == story.bureau
        assert ("挪用" in warning.message) == story.misuse
    world.until(date(2026, 2, 8))
    assert {k: len(v) for k, v in early(world).items()} == dict.fromkeys(expected, 1)  # once each


def test_the_next_installment_reads_the_lateness_of_the_first(world: World) -> None:
    stories = book(world, size=12, seed=5)
    world.until(date(2026, 2, 7))
    for story in stories:
        if story.short:
            world.gateway.fund(story.account, D("100000"))  # paid on the retry, late
    world.until(date(2026, 3, 3))
    first = {k for k, v in early(world).items() if any("2026-02-05" in w.message for w in v)}
    second = {k for k, v in early(world).items() if any("2026-03-05" in w.message for w in v)}
    assert first == {s.loan_id for s in stories if 50 * s.short + 30 * s.bureau + 30 * s.misuse >= 50}
    # late once 20; bureau 30; misuse 30; the balance now suffices
    assert second == {s.loan_id for s in stories if 20 * s.short + 30 * s.bureau + 30 * s.misuse >= 50}
    late = next(s for s in stories if s.short)
    [risk] = world.servicing.upcoming_risk(late.loan_id, on=date(2026, 3, 2))
    assert "PAID_LATE_ONCE" in risk.reasons
    assert risk.amount == INSTALLMENT


def test_no_scorecard_no_warning_and_a_broken_rule_file_is_located(world: World, tmp_path: Path) -> None:
    loan_id = world.active()
    assert world.servicing.upcoming_risk(loan_id, on=date(2026, 2, 2)) == []
    bad = tmp_path / "bad.yaml"
    text = RULES.read_text(encoding="utf-8").replace("loan.max_dpd", "loan.max_dpdd")
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        EarlyWarning.from_file(bad)
    assert "max_dpdd" in str(raised.value)
