"""The real origination service on every store: the same commands leave the same state.

The memory store is the reference: after the same commands (same ids, same clock), every entity,
event, outbox message and audit link read back from SQLite and PostgreSQL equals the memory
store's. On PostgreSQL, eight writers occupy one real credit line at once.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from store_support import Databases

from loanfactory.adapters.sql import SqlStore, default_mappings, verify_audit
from loanfactory.catalog import LoadedCatalog, load_catalog
from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import StateConflict
from loanfactory.origination import (
    ApplicationRequest,
    BankCard,
    Consent,
    ConsentScope,
    CreditLine,
    DocumentKind,
    DocumentSource,
    Employment,
    EmploymentKind,
    IndividualProfile,
    LineOccupation,
    Offer,
    Origination,
    SupportingDocument,
    id_check_character,
)
from loanfactory.ports import ConcurrentUpdate, Store
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 8, 1, 9, 0, tzinfo=CST)
LI = "31010419880512123" + id_check_character("31010419880512123")


@pytest.fixture(scope="module")
def catalog() -> LoadedCatalog:
    loaded, diagnostics = load_catalog([ROOT / "products"])
    assert not [d for d in diagnostics if d.severity == "error"], [d.format() for d in diagnostics]
    return loaded


def service(store: Store, catalog: LoadedCatalog) -> Origination:
    return Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={LI: "prime"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )


def profile() -> IndividualProfile:
    return IndividualProfile(
        id_number=LI,
        name="李娜",
        phone="13812345678",
        annual_income=Decimal("240000"),
        employment=Employment(kind=EmploymentKind.salaried, employer="上海某科技公司", years=Decimal(5)),
        bank_cards=(BankCard(number="6222021234567890123", bank="中国工商银行"),),
        city="上海",
        face_image_sha256=hashlib.sha256(b"selfie").hexdigest(),
    )


def application(customer_id: str) -> ApplicationRequest:
    at = NOW - timedelta(minutes=5)
    return ApplicationRequest(
        customer_id=customer_id,
        product_code="consumer_credit",
        amount=Decimal("50000"),
        term=12,
        purpose="consumer",
        channel="app",
        documents=tuple(
            SupportingDocument(
                kind=k, sha256=hashlib.sha256(k.value.encode()).hexdigest(), source=DocumentSource.photo
            )
            for k in (DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.income_proof)
        ),
        consents=(
            Consent(scope=ConsentScope.bureau_query, granted_at=at, expires_at=at + timedelta(days=30)),
            Consent(scope=ConsentScope.data_use, granted_at=at, expires_at=at + timedelta(days=30)),
        ),
    )


def scenario(store: Store, catalog: LoadedCatalog) -> None:
    origination = service(store, catalog)
    customer = origination.register_customer(profile(), idempotency_key="reg-1")
    assert origination.register_customer(profile(), idempotency_key="reg-1") == customer  # a replay
    app = origination.submit_application(application(customer.id), idempotency_key="app-1")
    offers = origination.list(Offer, application_id=app.id)
    if offers:
        origination.accept_offer(offers[0].id, idempotency_key="accept-1")
    origination.relay_notifications()
    line = origination.open_line(
        customer.id, "100000", sub_limits={"consumer_credit": "60000"}, idempotency_key="line-1"
    )
    taken = origination.occupy(line.id, "consumer_credit", "loan-1", "30000", idempotency_key="occ-1")
    origination.release(taken.id, "12000.50", idempotency_key="rel-1")
    origination.freeze_line(line.id, "1000", idempotency_key="frz-1")


def snapshot(store: Store) -> dict[str, Any]:
    with store.transaction() as tx:
        state: dict[str, Any] = {m.kind: tx.repo(m.entity).list() for m in default_mappings()}
        subjects = sorted({e.id for entities in state.values() for e in entities})
        state["events"] = [e for s in subjects for e in tx.events.for_subject(s)]
        state["outbox"] = tx.outbox.pending()
        state["audit"] = tx.audit.records()
    return state


def test_origination_leaves_the_same_state_on_every_store(
    databases: Databases, catalog: LoadedCatalog
) -> None:
    reference = MemoryStore()
    scenario(reference, catalog)
    expected = snapshot(reference)
    assert expected["customer"]
    assert expected["application"]
    assert expected["credit_line"]
    store = databases.store()
    scenario(store, catalog)
    actual = snapshot(store)
    for kind in expected:
        assert actual[kind] == expected[kind], kind
    if isinstance(store, SqlStore):
        assert verify_audit(store) is None


def test_identity_numbers_are_encrypted_in_customer_rows(
    sql_databases: Databases, catalog: LoadedCatalog
) -> None:
    from loanfactory.adapters.sql import PiiCipher

    store = sql_databases.store(cipher=PiiCipher(bytes(range(32))))
    assert isinstance(store, SqlStore)
    service(store, catalog).register_customer(profile(), idempotency_key="reg-1")
    from sqlalchemy import text

    with store.engine.connect() as connection:
        body = str(connection.execute(text("SELECT body FROM customer")).scalar_one())
    assert LI not in body
    assert "13812345678" not in body
    assert "6222021234567890123" not in body
    with store.transaction() as tx:
        (customer,) = tx.repo(default_mappings().for_kind(_customer_kind()).entity).list()
    assert customer.individual is not None
    assert customer.individual.id_number == LI


def _customer_kind() -> Any:
    from loanfactory.origination import Customer

    return Customer


@pytest.mark.postgres
@pytest.mark.slow
def test_eight_writers_occupy_one_real_credit_line(pg_databases: Databases, catalog: LoadedCatalog) -> None:
    store = pg_databases.store()
    origination = service(store, catalog)
    customer = origination.register_customer(profile(), idempotency_key="reg-1")
    line = origination.open_line(customer.id, "5000", idempotency_key="line-1")
    per_writer, writers = 60, 8
    taken: list[LineOccupation] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        own = Origination(
            store=store,
            catalog=catalog,
            kyc=SimulatedKyc(),
            bureau=SimulatedBureau(),
            notifier=RecordingNotifier(),
            clock=FixedClock(NOW),
            ids=_ThreadIds(n),
        )
        start.wait()
        for i in range(per_writer):
            for _ in range(50):
                try:
                    occupation = own.occupy(
                        line.id, "consumer_credit", f"loan-{n}-{i}", "11.11", idempotency_key=f"occ-{n}-{i}"
                    )
                    with lock:
                        taken.append(occupation)
                    break
                except ConcurrentUpdate:
                    continue
                except StateConflict as exc:  # the line is used up
                    with lock:
                        refused.append(exc.message)
                    break
                except BaseException as exc:
                    with lock:
                        errors.append(exc)
                    return

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors[:3]
    with store.transaction() as tx:
        final = tx.repo(CreditLine).get(line.id)
        occupations = tx.repo(LineOccupation).list(line_id=line.id)
    assert len(taken) + len(refused) == writers * per_writer
    assert len(occupations) == len(taken) == 450  # 5000 / 11.11 = 450.04: exactly 450 fit
    assert final.occupied == Decimal("11.11") * len(taken) <= final.total
    assert verify_audit(store) is None


class _ThreadIds:
    """Ids that cannot collide between writer threads."""

    def __init__(self, writer: int) -> None:
        self._ids = SequentialIds()
        self._writer = writer

    def new(self, prefix: str) -> str:
        return self._ids.new(f"{prefix}_w{self._writer}")
