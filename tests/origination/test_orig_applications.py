"""Submitting applications: every product-fit and consent check, clear errors, nothing stored."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from orig_samples import NOW, Keys, consents, individual, request

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import InvalidInput, LoanfactoryError, NotFound, StateConflict
from loanfactory.origination import (
    Application,
    ApplicationStatus,
    Consent,
    ConsentScope,
    Customer,
    CustomerStatus,
    Origination,
)
from loanfactory.spec import Status
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc


def applications(store: MemoryStore) -> list[Application]:
    with store.transaction() as tx:
        return tx.repo(Application).list()


@pytest.fixture
def customer(origination: Origination, key: Keys) -> Customer:
    return origination.register_customer(individual(), idempotency_key=key("reg"))


def test_a_valid_application_is_stored_with_the_product_default_method(
    origination: Origination, customer: Customer, key: Keys
) -> None:
    app = origination.submit_application(request(customer.id), idempotency_key=key("app"))
    assert app.status is ApplicationStatus.submitted
    assert app.repayment_method.value == "annuity"
    assert app.product_version == 1


def test_replay_with_the_same_key_returns_the_same_application(
    origination: Origination, store: MemoryStore, customer: Customer
) -> None:
    first = origination.submit_application(request(customer.id), idempotency_key="same")
    assert origination.submit_application(request(customer.id), idempotency_key="same") == first
    assert len(applications(store)) == 1


HOSTILE: list[tuple[str, dict[str, Any], type[LoanfactoryError], str]] = [
    ("amount above the product maximum", {"amount": Decimal("200100")}, InvalidInput, "amount-out-of-range"),
    ("amount below the minimum", {"amount": Decimal("900")}, InvalidInput, "amount-out-of-range"),
    ("amount off the step", {"amount": Decimal("50050")}, InvalidInput, "amount-out-of-range"),
    ("term not offered", {"term": 18}, InvalidInput, "term-out-of-range"),
    ("unknown product", {"product_code": "consumer_credits"}, NotFound, "unknown-product"),
    ("purpose not offered", {"purpose": "housing"}, InvalidInput, "purpose"),
    ("channel not offered", {"channel": "branch"}, InvalidInput, "channel"),
    ("no bureau consent", {"consents": consents()[1:]}, InvalidInput, "consent-missing"),
    (
        "expired consent",
        {
            "consents": tuple(
                c.model_copy(update={"expires_at": NOW - timedelta(seconds=1)}) for c in consents()
            )
        },
        InvalidInput,
        "consent-expired",
    ),
    (
        "consent for another purpose",
        {"consents": tuple(c.model_copy(update={"purposes": ("marketing",)}) for c in consents())},
        InvalidInput,
        "consent-expired",
    ),
    (
        "consent dated in the future",
        {"consents": consents(NOW + timedelta(hours=1))},
        InvalidInput,
        "consent-expired",
    ),
    (
        "enterprise product for a person",
        {
            "product_code": "micro_business",
            "amount": Decimal(200000),
            "purpose": "business",
            "channel": "app",
        },
        InvalidInput,
        "segment",
    ),
    ("unknown collateral", {"collateral_ids": ("col_999",)}, InvalidInput, "collateral-unknown"),
]


@pytest.mark.parametrize(("case", "changes", "error", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_applications_are_refused_with_nothing_stored(
    origination: Origination,
    store: MemoryStore,
    customer: Customer,
    key: Keys,
    case: str,
    changes: dict[str, Any],
    error: type[LoanfactoryError],
    code: str,
) -> None:
    with pytest.raises(error) as caught:
        origination.submit_application(request(customer.id, **changes), idempotency_key=key("app"))
    assert caught.value.code == code, case
    assert caught.value.message_zh
    assert applications(store) == []


def test_unknown_product_suggests_the_closest(
    origination: Origination, customer: Customer, key: Keys
) -> None:
    with pytest.raises(NotFound, match="did you mean 'consumer_credit'"):
        origination.submit_application(
            request(customer.id, product_code="consumer_credits"), idempotency_key=key()
        )


def test_malformed_requests_name_the_field(origination: Origination, customer: Customer, key: Keys) -> None:
    data = request(customer.id).model_dump()
    data["amount"] = "-5000"
    with pytest.raises(InvalidInput) as caught:
        origination.submit_application(data, idempotency_key=key())
    assert caught.value.field == "application.amount"
    data["amount"] = "abc"
    with pytest.raises(InvalidInput):
        origination.submit_application(data, idempotency_key=key())
    data = request(customer.id).model_dump()
    data["consents"][0]["granted_at"] = "2025-08-01T09:00:00"  # no time zone
    with pytest.raises(InvalidInput):
        origination.submit_application(data, idempotency_key=key())


def test_a_closed_product_is_refused(catalog: LoadedCatalog, key: Keys) -> None:
    closed = dict(catalog.products)
    closed["consumer_credit"] = catalog.products["consumer_credit"].model_copy(
        update={"status": Status.paused}
    )
    store = MemoryStore()
    service = Origination(
        store=store,
        catalog=closed,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )
    person = service.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(StateConflict) as caught:
        service.submit_application(request(person.id), idempotency_key=key("app"))
    assert caught.value.code == "product-closed"
    early = FixedClock(NOW.replace(year=2025, month=6))
    before = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=early,
        ids=SequentialIds(),
    )
    person = before.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(StateConflict, match="not effective"):
        before.submit_application(request(person.id), idempotency_key=key("app"))


def test_a_blocked_customer_and_a_second_open_application_are_refused(
    origination: Origination, store: MemoryStore, customer: Customer, key: Keys
) -> None:
    origination.submit_application(request(customer.id), idempotency_key=key("app"))
    with pytest.raises(StateConflict) as caught:
        origination.submit_application(
            request(customer.id, amount=Decimal(10000)), idempotency_key=key("app")
        )
    assert caught.value.code == "application-open"
    with store.transaction() as tx:
        repo = tx.repo(Customer)
        repo.update(repo.get(customer.id).model_copy(update={"status": CustomerStatus.blocked}))
    with pytest.raises(StateConflict, match="blocked"):
        origination.submit_application(
            request(customer.id, product_code="salary_loan"), idempotency_key=key()
        )


def test_unknown_customer(origination: Origination, key: Keys) -> None:
    with pytest.raises(NotFound):
        origination.submit_application(request("cus_404"), idempotency_key=key())


def test_consent_scope_and_validity() -> None:
    consent = Consent(scope=ConsentScope.bureau_query, granted_at=NOW, expires_at=NOW + timedelta(days=1))
    assert consent.valid_at(NOW)
    assert not consent.valid_at(NOW + timedelta(days=1))
    assert not consent.valid_at(NOW - timedelta(seconds=1))
    assert not consent.valid_at(NOW, "marketing")
