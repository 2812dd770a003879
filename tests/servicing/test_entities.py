"""Servicing entities survive a JSON round trip (what the SQL store does) and the note lists them all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from servicing_world import World

import loanfactory.servicing as servicing
from loanfactory.entity import Entity

NOTE = Path(__file__).resolve().parents[2] / "notes" / "entities-servicing.md"


def test_every_stored_entity_round_trips_through_json(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund("6222020200112233", Decimal(0))
    world.until(date(2026, 5, 10))
    world.servicing.agree_plan(loan_id, [(date(2026, 5, 20), Decimal("100"))], key="plan", agreed_by="s")
    seen = set()
    with world.store.transaction() as tx:
        for kind in servicing.ENTITIES:
            for entity in tx.repo(kind).list():
                seen.add(kind.kind)
                assert kind.model_validate_json(entity.model_dump_json()) == entity
    assert seen >= {
        "loan",
        "contract",
        "disbursement",
        "debit_order",
        "collection_task",
        "negotiated_plan",
        "risk_signal",
        "risk_warning",
        "eod_run",
    }


def test_the_persistence_note_names_every_kind_and_index() -> None:
    text = NOTE.read_text(encoding="utf-8")
    kinds: list[type[Entity]] = [*servicing.ENTITIES, servicing.EodCalendar]
    for kind in kinds:
        assert f"`{kind.kind}`" in text, kind.kind
        for index in kind.indexes:
            assert f"`{index}`" in text, (kind.kind, index)


def test_the_public_api_is_sorted_and_real() -> None:
    assert servicing.__all__ == sorted(servicing.__all__)
    for name in servicing.__all__:
        assert hasattr(servicing, name), name
