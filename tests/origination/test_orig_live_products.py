"""Origination reads a ProductCatalog live: a product paused (or taken offline) after the service
was built refuses the next application, drops out of the product search, and comes back when
published again — without rebuilding the service."""

from __future__ import annotations

import pytest
from orig_samples import NOW, ROOT, individual, request

from loanfactory.errors import StateConflict
from loanfactory.origination import Origination
from loanfactory.origination._products import LiveSpecs, product_specs
from loanfactory.product import ProductCatalog
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc


@pytest.fixture
def products() -> ProductCatalog:
    return ProductCatalog.load([ROOT / "products", ROOT / "rules"])


@pytest.fixture
def origination(products: ProductCatalog) -> Origination:
    return Origination(
        store=MemoryStore(),
        catalog=products,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
    )


def test_the_specs_of_a_product_catalog_are_a_live_view(products: ProductCatalog) -> None:
    specs = product_specs(products)
    assert isinstance(specs, LiveSpecs)
    assert list(specs) == list(products.products)
    assert len(specs) == len(products)
    assert "salary_loan" in specs
    assert "nope" not in specs
    assert specs.get("nope") is None
    products.set_status("salary_loan", "paused")
    assert specs["salary_loan"].status.value == "paused"


def test_a_paused_product_refuses_the_next_application(
    origination: Origination, products: ProductCatalog
) -> None:
    customer = origination.register_customer(individual(), idempotency_key="reg").id
    products.set_status("consumer_credit", "paused")
    with pytest.raises(StateConflict) as refused:
        origination.submit_application(request(customer), idempotency_key="app-1")
    assert refused.value.code == "product-closed"
    assert refused.value.field == "product_code"
    assert "paused" in refused.value.message
    assert "不可申请" in (refused.value.message_zh or "")
    assert "consumer_credit" not in [p.code for p in origination.find_products({})]

    products.set_status("consumer_credit", "online")
    submitted = origination.submit_application(request(customer), idempotency_key="app-2")
    assert submitted.product_code == "consumer_credit"
    assert "consumer_credit" in [p.code for p in origination.find_products({})]


def test_a_product_taken_offline_keeps_its_rules_but_takes_no_application(
    origination: Origination, products: ProductCatalog
) -> None:
    customer = origination.register_customer(individual(), idempotency_key="reg").id
    before = products.product("consumer_credit")
    after = products.set_status("consumer_credit", "offline")
    assert after.compiled("eligibility") is before.compiled("eligibility")  # not compiled again
    with pytest.raises(StateConflict):
        origination.submit_application(request(customer), idempotency_key="app-1")
