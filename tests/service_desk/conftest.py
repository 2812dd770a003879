"""Fixtures of the service-desk tests: a registered customer in the memory store, a fixed clock."""

from __future__ import annotations

import pytest
from desk_support import RECEIVED, ROOT

from loanfactory.catalog import load_catalog
from loanfactory.entity import SequentialIds
from loanfactory.origination import Origination
from loanfactory.service_desk import ServiceDesk
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedKyc,
    sample_book,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(RECEIVED)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def customer(store: MemoryStore, clock: FixedClock) -> str:
    catalog, _ = load_catalog([ROOT / "products", ROOT / "rules"])
    origination = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=clock,
        ids=SequentialIds(),
    )
    person = next(p for p in sample_book.PEOPLE if p["name"] == "李娜")
    return str(origination.register_customer(sample_book.individual(person), idempotency_key="reg-li").id)


@pytest.fixture
def desk(store: MemoryStore, clock: FixedClock) -> ServiceDesk:
    return ServiceDesk(store=store, clock=clock)
