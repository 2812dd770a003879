"""Fixtures for the origination tests: the sample catalog, a service over the in-memory kit."""

from __future__ import annotations

import pytest
from orig_samples import CHEN_ID, HUAWEI, LI_ID, NOW, ROOT, ZHAO_ID, Keys

from loanfactory.catalog import LoadedCatalog, load_catalog
from loanfactory.entity import SequentialIds
from loanfactory.origination import Origination
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc


@pytest.fixture(scope="session")
def catalog() -> LoadedCatalog:
    loaded, diagnostics = load_catalog(
        [ROOT / "products", *([ROOT / "rules"] if any((ROOT / "rules").glob("*.y*ml")) else [])]
    )
    assert not [d for d in diagnostics if d.severity == "error"], [d.format() for d in diagnostics]
    return loaded


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def kyc() -> SimulatedKyc:
    return SimulatedKyc()


@pytest.fixture
def bureau() -> SimulatedBureau:
    return SimulatedBureau(personas={LI_ID: "prime", CHEN_ID: "severe", ZHAO_ID: "subprime", HUAWEI: "prime"})


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def origination(
    store: MemoryStore,
    catalog: LoadedCatalog,
    kyc: SimulatedKyc,
    bureau: SimulatedBureau,
    notifier: RecordingNotifier,
    clock: FixedClock,
) -> Origination:
    return Origination(
        store=store,
        catalog=catalog,
        kyc=kyc,
        bureau=bureau,
        notifier=notifier,
        clock=clock,
        ids=SequentialIds(),
    )


@pytest.fixture
def key() -> Keys:
    counter = iter(range(1, 10_000))
    return lambda prefix="k": f"{prefix}-{next(counter)}"
