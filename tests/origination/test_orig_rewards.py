"""Cash rewards of campaigns: red packets credited through servicing's confirmed-payment path,
referral rewards with anti-abuse, caps, stacking, and a budget that concurrent grants on SQLite
and on PostgreSQL (real connections, one a thread) never overspend."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from orig_samples import NOW, Keys, individual, valid_id
from sqlalchemy.engine import make_url

from loanfactory.adapters.sql import SqlStore
from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import (
    Campaign,
    CampaignInput,
    Customer,
    Origination,
    Reward,
    RewardKind,
    RewardStatus,
)
from loanfactory.ports import PaymentChannel
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "servicing"))
from servicing_world import World

D = Decimal


def ids(n: int) -> list[str]:
    return [valid_id(f"11010119900101{k + 100:03d}") for k in range(n)]


def cash(**changes: object) -> CampaignInput:
    data: dict[str, object] = {
        "code": "spring_packets",
        "name": {"zh": "春季还款红包", "en": "Spring repayment red packets"},
        "campaign_kind": "red-packet",
        "cash": D("20.00"),
        "valid_from": date(2025, 7, 1),
        "valid_to": date(2026, 12, 31),
        "budget": D("100.00"),
        "coupon_valid_days": 366,
    }
    data.update(changes)
    return CampaignInput.model_validate(data)


def referral(**changes: object) -> CampaignInput:
    return cash(
        code="bring_a_friend",
        campaign_kind="referral",
        cash=None,
        referrer_reward=D("30.00"),
        referee_reward=D("10.00"),
        per_customer=3,
        **changes,
    )


def people(origination: Origination, key: Keys, n: int) -> list[Customer]:
    return [
        origination.register_customer(individual(id_number=i, name=f"客户{k}"), idempotency_key=key("reg"))
        for k, i in enumerate(ids(n))
    ]


def test_red_packets_hold_budget_and_respect_the_per_customer_cap(
    origination: Origination, key: Keys
) -> None:
    a, b = people(origination, key, 2)
    origination.launch_campaign(cash(), idempotency_key=key())
    first = origination.grant_red_packet("spring_packets", a.id, idempotency_key=key())
    assert (first.reward, first.amount, first.status) == (
        RewardKind.red_packet,
        D("20.00"),
        RewardStatus.granted,
    )
    with pytest.raises(StateConflict) as raised:
        origination.grant_red_packet("spring_packets", a.id, idempotency_key=key())
    assert raised.value.code == "reward-limit"
    origination.grant_red_packet("spring_packets", b.id, idempotency_key=key())
    with origination.store.transaction() as tx:
        [campaign] = tx.repo(Campaign).list(code="spring_packets")
    assert (campaign.reserved, campaign.spent, campaign.issued) == (D("40.00"), D(0), 2)
    with pytest.raises(StateConflict) as raised:
        origination.issue_coupon("spring_packets", a.id, idempotency_key=key())
    assert raised.value.code == "campaign-kind"


def test_non_stacking_rewards_are_not_held_together(origination: Origination, key: Keys) -> None:
    [a] = people(origination, key, 1)
    origination.launch_campaign(cash(stackable=False), idempotency_key=key())
    origination.launch_campaign(cash(code="other_packets", stackable=False), idempotency_key=key())
    origination.launch_campaign(cash(code="stacking_packets"), idempotency_key=key())
    origination.grant_red_packet("spring_packets", a.id, idempotency_key=key())
    with pytest.raises(StateConflict) as raised:
        origination.grant_red_packet("other_packets", a.id, idempotency_key=key())
    assert raised.value.code == "reward-stacking"
    origination.grant_red_packet("stacking_packets", a.id, idempotency_key=key())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cash": None}, "cash"),
        ({"budget": None}, "budget"),
        ({"referrer_reward": D("5")}, "referrer_reward"),
        ({"rate_discount_bp": 50}, "rate_discount_bp"),
    ],
)
def test_hostile_cash_campaigns(
    origination: Origination, key: Keys, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        origination.launch_campaign(cash(**changes), idempotency_key=key())
    assert raised.value.field == field
    with origination.store.transaction() as tx:
        assert tx.repo(Campaign).list() == []


def test_referral_rewards_both_sides_and_refuses_abuse(origination: Origination, key: Keys) -> None:
    referrer, friend, other, third = people(origination, key, 4)
    origination.launch_campaign(referral(), idempotency_key=key())
    pair = origination.reward_referral(
        "bring_a_friend", referrer.id, friend.id, device="dev-A", idempotency_key=key()
    )
    assert (pair.referrer.customer_id, pair.referrer.amount) == (referrer.id, D("30.00"))
    assert (pair.referee.customer_id, pair.referee.amount) == (friend.id, D("10.00"))
    abuse = [
        (referrer.id, referrer.id, "dev-B", "referral-self"),
        (other.id, friend.id, "dev-C", "referral-repeat"),  # the same verified person again
        (referrer.id, third.id, "dev-A", "referral-repeat"),  # the same device again
    ]
    for who, whom, device, code in abuse:
        with pytest.raises(StateConflict) as raised:
            origination.reward_referral("bring_a_friend", who, whom, device=device, idempotency_key=key())
        assert raised.value.code == code, (who, whom, device)
    origination.reward_referral(
        "bring_a_friend", referrer.id, third.id, device="dev-D", idempotency_key=key()
    )
    with origination.store.transaction() as tx:
        [campaign] = tx.repo(Campaign).list(code="bring_a_friend")
    assert campaign.reserved == D("80.00")  # two referrals, 40.00 each; the refused ones held nothing


def test_an_unverified_referee_is_not_rewarded(catalog: LoadedCatalog, key: Keys) -> None:
    friend_id, referrer_id = ids(2)
    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(failing_ids={friend_id}),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )
    referrer = origination.register_customer(individual(id_number=referrer_id), idempotency_key=key())
    friend = origination.register_customer(
        individual(id_number=friend_id, name="王五"), idempotency_key=key()
    )
    origination.launch_campaign(referral(), idempotency_key=key())
    with pytest.raises(StateConflict) as raised:
        origination.reward_referral(
            "bring_a_friend", referrer.id, friend.id, device="d", idempotency_key=key()
        )
    assert raised.value.code == "referral-unverified"


def test_a_red_packet_is_credited_to_the_loan_as_confirmed_marketing_money(catalog: LoadedCatalog) -> None:
    world = World(start=date(2026, 1, 5))
    origination = Origination(
        store=world.store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=world.clock,
        ids=world.servicing.ids,  # one id factory for the shared store
    )
    customer = origination.register_customer(individual(), idempotency_key="reg-1")
    stranger = origination.register_customer(
        individual(id_number=ids(1)[0], name="路人"), idempotency_key="reg-2"
    )
    loan_id = world.active(customer_id=customer.id)
    origination.launch_campaign(cash(), idempotency_key="launch")
    packet = origination.grant_red_packet("spring_packets", customer.id, idempotency_key="grant")
    theirs = origination.grant_red_packet("spring_packets", stranger.id, idempotency_key="grant-2")
    with pytest.raises(StateConflict) as raised:
        origination.use_red_packet(theirs.id, loan_id, repayments=world.servicing, idempotency_key="use-0")
    assert raised.value.code == "reward-customer"
    used = origination.use_red_packet(packet.id, loan_id, repayments=world.servicing, idempotency_key="use-1")
    assert used.status is RewardStatus.used
    [entry] = [e for e in world.entries(loan_id) if e.type == "repayment"]
    assert entry.amount == D("20.00")
    assert entry.data["channel"] == PaymentChannel.red_packet.value
    assert world.position(loan_id).credit == D("20.00")  # nothing due yet: held as the borrower's credit
    again = origination.use_red_packet(
        packet.id, loan_id, repayments=world.servicing, idempotency_key="use-2"
    )
    assert again.status is RewardStatus.used
    assert len([e for e in world.entries(loan_id) if e.type == "repayment"]) == 1  # credited once
    with world.store.transaction() as tx:
        [campaign] = tx.repo(Campaign).list(code="spring_packets")
    assert (campaign.spent, campaign.reserved) == (D("20.00"), D("20.00"))
    world.clock.advance(timedelta(days=400))
    with pytest.raises(StateConflict):
        origination.use_red_packet(theirs.id, loan_id, repayments=world.servicing, idempotency_key="use-3")


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def concurrent_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database each grants from its own connections: a SQLite file, or a throwaway
    PostgreSQL database on the test server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rewards.db'}"
        return
    server: str = request.getfixturevalue("pg_server")
    name = f"lf_rewards_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(server)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_grants_never_overspend_the_budget(
    catalog: LoadedCatalog, key: Keys, concurrent_url: str
) -> None:
    clock = FixedClock(NOW)
    store = SqlStore(concurrent_url, clock=clock, cipher=None, migrate=True)
    try:
        origination = Origination(
            store=store,
            catalog=catalog,
            kyc=SimulatedKyc(),
            bureau=SimulatedBureau(),
            notifier=RecordingNotifier(),
            clock=clock,
            ids=SequentialIds(),
        )
        customers = people(origination, key, 12)
        origination.launch_campaign(cash(budget=D("100.00")), idempotency_key="launch")  # room for 5
        granted: list[str] = []
        refused: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        start = threading.Barrier(len(customers))  # all ask at once, each on its own connection

        def grant(customer: Customer) -> None:
            try:
                start.wait(timeout=30)
                reward = origination.grant_red_packet(
                    "spring_packets", customer.id, idempotency_key=f"g-{customer.id}"
                )
                with lock:
                    granted.append(reward.id)
            except StateConflict as exc:
                with lock:
                    refused.append(exc.code)
            except BaseException as exc:
                with lock:
                    errors.append(exc)

        threads = [threading.Thread(target=grant, args=(c,)) for c in customers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(granted) == 5
        assert refused == ["campaign-budget"] * 7
        with store.transaction() as tx:
            [campaign] = tx.repo(Campaign).list(code="spring_packets")
            stored = tx.repo(Reward).list()
        assert campaign.reserved == D("100.00") == sum((r.amount for r in stored), D(0))
        assert campaign.issued == len(stored) == 5
    finally:
        store.dispose()


def test_the_eligibility_rule_decides_who_takes_part(origination: Origination, key: Keys) -> None:
    young = origination.register_customer(
        individual(id_number=valid_id("11010120100101123"), name="小明"), idempotency_key=key("reg")
    )
    [adult] = people(origination, key, 1)
    origination.launch_campaign(cash(eligibility="new_customer_campaign"), idempotency_key=key())
    with pytest.raises(StateConflict) as raised:
        origination.grant_red_packet("spring_packets", young.id, idempotency_key=key())
    assert raised.value.code == "campaign-ineligible"
    assert "22 至 55" in (raised.value.message_zh or "")
    origination.grant_red_packet("spring_packets", adult.id, idempotency_key=key())
    with pytest.raises(InvalidInput) as bad:
        origination.launch_campaign(
            cash(code="typo", eligibility="new_customer_campaing"), idempotency_key=key()
        )
    assert bad.value.field == "eligibility"


def test_a_limit_increase_campaign_raises_selected_lines_within_its_cap(
    origination: Origination, key: Keys
) -> None:
    rich, poor, lineless = (
        origination.register_customer(individual(id_number=i, name=n, income=inc), idempotency_key=key("reg"))
        for i, n, inc in zip(ids(3), ("甲", "乙", "丙"), ("240000", "60000", "240000"), strict=True)
    )
    origination.open_line(rich.id, D("50000"), idempotency_key=key())
    origination.open_line(poor.id, D("50000"), idempotency_key=key())
    origination.launch_campaign(
        cash(
            code="autumn_limits",
            campaign_kind="limit-increase",
            cash=None,
            budget=None,
            limit_increase=D("30000"),
            limit_cap=D("70000"),
            eligibility="limit_increase_selection",
        ),
        idempotency_key=key(),
    )
    raised = origination.raise_limit("autumn_limits", rich.id, idempotency_key=key())
    assert raised.amount == D("20000")  # 50,000 + 30,000 held within the 70,000 cap
    line = origination.line_of(rich.id)
    assert line is not None
    assert line.total == D("70000")
    for who, code in ((poor.id, "campaign-ineligible"), (lineless.id, "no-line"), (rich.id, "reward-limit")):
        with pytest.raises(StateConflict) as raised_error:
            origination.raise_limit("autumn_limits", who, idempotency_key=key())
        assert raised_error.value.code == code
    with pytest.raises(InvalidInput) as bad:
        origination.launch_campaign(
            cash(
                code="no_rule",
                campaign_kind="limit-increase",
                cash=None,
                limit_increase=D("1"),
                limit_cap=D("2"),
            ),
            idempotency_key=key(),
        )
    assert bad.value.field == "eligibility"
