"""Every origination entity survives a JSON round trip exactly, and declares a kind and its indexes.

This is the contract with the SQL store, which keeps an entity as its JSON document plus the
indexed columns (``notes/entities-origination.md``).
"""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from orig_decider import scripted
from orig_samples import (
    CHEN_ID,
    ENTERPRISE_DOCS,
    LI_ID,
    NOW,
    ROOT,
    Keys,
    documents,
    enterprise,
    individual,
    request,
    valid_id,
)

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import Entity, SequentialIds
from loanfactory.origination import (
    ENTITIES,
    CampaignInput,
    ChannelChoice,
    CollateralInput,
    NotificationSettings,
    Origination,
    Valuation,
    ValuationSource,
)
from loanfactory.ports import Channel
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

NOTE = ROOT / "notes" / "entities-origination.md"


@pytest.fixture
def populated(catalog: LoadedCatalog, key: Keys) -> MemoryStore:
    """A store holding at least one entity of every origination kind."""
    store = MemoryStore()
    near = valid_id("32010219850615002")
    service = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={LI_ID: "prime", near: "near-prime", CHEN_ID: "severe"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    person = service.register_customer(individual(), idempotency_key=key())
    service.launch_campaign(
        CampaignInput.model_validate(
            {
                "code": "c1",
                "name": {"zh": "优惠"},
                "rate_discount_bp": 20,
                "valid_from": "2025-07-01",
                "valid_to": "2025-12-31",
            }
        ),
        idempotency_key=key(),
    )
    coupon = service.issue_coupon("c1", person.id, idempotency_key=key())
    service.originate(request(person.id, coupon_id=coupon.id), idempotency_key=key())
    firm = service.register_customer(enterprise(), idempotency_key=key())
    service.form_group("集团", (firm.id,), idempotency_key=key())
    service.register_collateral(
        CollateralInput(
            customer_id=firm.id,
            type="receivables",
            description="应收账款",
            identifier="AR-1",
            valuation=Valuation(value="800000", valued_on="2025-07-31", source=ValuationSource.book_value),
        ),
        idempotency_key=key(),
    )
    service.originate(
        request(
            firm.id,
            product="micro_business",
            amount="500000",
            purpose="business",
            documents=documents(*ENTERPRISE_DOCS),
        ),
        idempotency_key=key(),
    )
    other = service.register_customer(individual(near, "周静"), idempotency_key=key())
    service.originate(request(other.id), idempotency_key=key())
    with store.transaction() as tx:  # written by the notification adapters, not by a command here
        tx.repo(NotificationSettings).add(
            NotificationSettings(
                id=NotificationSettings.id_for(person.id),
                customer_id=person.id,
                language="en",
                channels=(ChannelChoice(kind="repayment_reminder", channels=(Channel.push,)),),
                quiet_start=time(22),
                quiet_end=time(8),
                updated_at=NOW,
                updated_by="alice-app",
            )
        )
    return store


@pytest.mark.parametrize("kind", ENTITIES, ids=lambda k: k.kind)
def test_entities_round_trip_through_json(populated: MemoryStore, kind: type[Entity]) -> None:
    with populated.transaction() as tx:
        stored = tx.repo(kind).list()
    assert stored, f"no {kind.kind} was produced by the scenario"
    for entity in stored:
        document = json.loads(json.dumps(entity.model_dump(mode="json")))
        assert kind.model_validate(document) == entity


@pytest.mark.parametrize("kind", ENTITIES, ids=lambda k: k.kind)
def test_entities_declare_kind_and_indexes_listed_in_the_note(kind: type[Entity]) -> None:
    note = Path(NOTE).read_text(encoding="utf-8")
    assert kind.kind != "entity"
    row = next(line for line in note.splitlines() if line.startswith(f"| `{kind.kind}` |"))
    for index in kind.indexes:
        assert index in kind.model_fields, f"{kind.kind} indexes unknown field {index}"
        assert f"`{index}`" in row, f"{index} of {kind.kind} missing from the note"
