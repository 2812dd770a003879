"""Collateral valuation and limit review; campaigns and coupons on a budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from orig_samples import Keys, individual, valid_id

from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.origination import (
    CollateralInput,
    CreditLine,
    Customer,
    Origination,
    Valuation,
    ValuationSource,
    lending_value,
)
from loanfactory.origination._campaign import Campaign, CampaignInput, reserve, settle
from loanfactory.spec import CollateralRule, CollateralType
from loanfactory.testing import MemoryStore, RecordingNotifier

HOUSE = CollateralInput(
    customer_id="set-per-test",
    type=CollateralType.real_estate,
    description="上海市浦东新区某小区 3 室 2 厅 120 平方米",
    identifier="沪(2023)浦字不动产权第0012345号",
    valuation=Valuation(
        value=Decimal("5000000"),
        valued_on=date(2025, 7, 20),
        source=ValuationSource.appraiser,
        appraiser="上海某房地产估价有限公司",
    ),
)


@pytest.fixture
def person(origination: Origination, key: Keys) -> Customer:
    return origination.register_customer(individual(), idempotency_key=key("reg"))


def test_lending_value_applies_haircut_and_ltv(origination: Origination, person: Customer, key: Keys) -> None:
    house = origination.register_collateral(
        HOUSE.model_copy(update={"customer_id": person.id}), idempotency_key=key()
    )
    rule = CollateralRule(type=CollateralType.real_estate, max_ltv=Decimal("0.7"), haircut=Decimal("0.1"))
    assert lending_value(house, rule, date(2025, 8, 1)) == Decimal("3150000.00")
    assert lending_value(house, rule, date(2025, 7, 19)) == 0  # not valued yet on that day
    assert "不动产权" not in repr(house)  # the certificate number stays out of reprs


def test_collateral_is_linked_to_loans(origination: Origination, person: Customer, key: Keys) -> None:
    house = origination.register_collateral(
        HOUSE.model_copy(update={"customer_id": person.id}), idempotency_key=key()
    )
    linked = origination.link_collateral(house.id, "loan_000001", idempotency_key="link-1")
    assert linked.linked == ("loan_000001",)
    assert linked.status.value == "pledged"
    assert origination.link_collateral(house.id, "loan_000001", idempotency_key="link-1") == linked


def test_hostile_collateral(origination: Origination, person: Customer, key: Keys) -> None:
    future = HOUSE.valuation.model_copy(update={"valued_on": date(2025, 8, 2)})
    with pytest.raises(InvalidInput):
        origination.register_collateral(
            HOUSE.model_copy(update={"customer_id": person.id, "valuation": future}), idempotency_key=key()
        )
    with pytest.raises(NotFound):
        origination.register_collateral(
            HOUSE.model_copy(update={"customer_id": "cus_404"}), idempotency_key=key()
        )
    data = HOUSE.model_dump()
    data["customer_id"] = person.id
    data["valuation"]["value"] = "-1"
    with pytest.raises(InvalidInput) as caught:
        origination.register_collateral(data, idempotency_key=key())
    assert caught.value.field == "collateral.valuation.value"


def test_a_lower_revaluation_cuts_the_secured_sub_limit_and_tells_staff(
    origination: Origination, store: MemoryStore, notifier: RecordingNotifier, person: Customer, key: Keys
) -> None:
    house = origination.register_collateral(
        HOUSE.model_copy(update={"customer_id": person.id}), idempotency_key=key()
    )
    line = origination.open_line(
        person.id, "4000000", sub_limits={"home_mortgage": "4000000"}, idempotency_key=key()
    )
    with store.transaction() as tx:  # what approval does: the house backs the line
        lines = tx.repo(CreditLine)
        lines.update(lines.get(line.id).model_copy(update={"collateral_ids": (house.id,)}))
        from loanfactory.origination import Collateral

        pieces = tx.repo(Collateral)
        pieces.update(pieces.get(house.id).model_copy(update={"line_id": line.id}))
    origination.occupy(line.id, "home_mortgage", "loan_1", "3000000", idempotency_key=key())
    lower = Valuation(value=Decimal("3200000"), valued_on=date(2025, 8, 1), source=ValuationSource.automated)
    origination.revalue_collateral(house.id, lower, idempotency_key="reval-1")
    reviewed = origination.get(CreditLine, line.id)
    sub = reviewed.sub_limit("home_mortgage")
    assert sub is not None
    assert sub.limit == Decimal("3000000")
    assert reviewed.review_reason is not None
    assert house.id in reviewed.review_reason
    origination.relay_notifications()
    assert "limit_review" in notifier.templates()
    older = lower.model_copy(update={"valued_on": date(2025, 7, 1)})
    with pytest.raises(InvalidInput):
        origination.revalue_collateral(house.id, older, idempotency_key=key())


def campaign_input(**changes: object) -> CampaignInput:
    data: dict[str, object] = {
        "code": "summer_2025",
        "name": {"zh": "夏日利率优惠", "en": "Summer rate offer"},
        "rate_discount_bp": 50,
        "interest_free_days": 0,
        "valid_from": date(2025, 7, 1),
        "valid_to": date(2025, 9, 30),
        "budget": Decimal("1000"),
        "max_coupons": 2,
        "product_codes": ("consumer_credit",),
    }
    data.update(changes)
    return CampaignInput.model_validate(data)


def test_coupons_are_issued_within_the_campaign_limits(
    origination: Origination, person: Customer, key: Keys
) -> None:
    campaign = origination.launch_campaign(campaign_input(), idempotency_key=key())
    coupon = origination.issue_coupon(campaign.code, person.id, idempotency_key="cpn-1")
    assert coupon.rate_discount == Decimal("0.005")
    assert coupon.expires_on == date(2025, 8, 31)
    assert origination.issue_coupon(campaign.code, person.id, idempotency_key="cpn-1") == coupon
    with pytest.raises(StateConflict) as caught:
        origination.issue_coupon(campaign.code, person.id, idempotency_key=key())
    assert caught.value.code == "coupon-limit"
    other = origination.register_customer(
        individual(name="王芳", id_number="11010519491231002X"), idempotency_key=key("reg")
    )
    origination.issue_coupon(campaign.code, other.id, idempotency_key=key())
    assert origination.get(Campaign, campaign.id).issued == 2
    third = origination.register_customer(
        individual(name="孙磊", id_number=valid_id("44030519920130221")), idempotency_key=key("reg")
    )
    with pytest.raises(StateConflict) as exhausted:
        origination.issue_coupon(campaign.code, third.id, idempotency_key=key())
    assert exhausted.value.code == "campaign-exhausted"
    with pytest.raises(NotFound):
        origination.issue_coupon("winter", person.id, idempotency_key=key())


def test_hostile_campaigns(origination: Origination, key: Keys) -> None:
    with pytest.raises(InvalidInput):
        origination.launch_campaign(campaign_input(valid_to=date(2025, 6, 1)), idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.launch_campaign(campaign_input(rate_discount_bp=0), idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.launch_campaign(
            {**campaign_input().model_dump(), "rate_discount_bp": -5}, idempotency_key=key()
        )
    origination.launch_campaign(campaign_input(), idempotency_key=key())
    with pytest.raises(StateConflict):
        origination.launch_campaign(campaign_input(), idempotency_key=key())


def test_budget_reservations_never_exceed_the_budget(origination: Origination, key: Keys) -> None:
    campaign = origination.launch_campaign(campaign_input(), idempotency_key=key())
    held = reserve(campaign, Decimal("600"))
    with pytest.raises(StateConflict) as caught:
        reserve(held, Decimal("400.01"))
    assert caught.value.code == "campaign-budget"
    spent = settle(held, Decimal("600"), spent=True)
    assert (spent.reserved, spent.spent, spent.budget_left) == (0, Decimal("600"), Decimal("400"))
    back = settle(held, Decimal("600"), spent=False)
    assert back.budget_left == Decimal("1000")
