"""Customer registration: validation, KYC through the port, PII never indexed or shown, idempotency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from orig_samples import CHEN_ID, HUAWEI, LI_ID, ZHAO_ID, Keys, enterprise, individual

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import Customer, CustomerType, Origination, identity_hash
from loanfactory.ports import KycCheck
from loanfactory.testing import MemoryStore, SimulatedKyc


def count(store: MemoryStore, kind: type[Customer] = Customer) -> int:
    with store.transaction() as tx:
        return len(tx.repo(kind).list())


def test_an_individual_is_registered_verified_and_indexed_by_hash(
    origination: Origination, key: Keys
) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    assert customer.type is CustomerType.individual
    assert customer.identity_hash == identity_hash("id", LI_ID)
    assert {r.check for r in customer.kyc} == {KycCheck.id_card, KycCheck.face_match, KycCheck.bank_card_four}
    assert all(r.passed for r in customer.kyc)
    assert customer.individual is not None
    assert customer.individual.bank_cards[0].verified
    assert origination.find_customer(LI_ID) == customer
    assert origination.find_customer(HUAWEI) is None


def test_reprs_and_events_never_show_raw_identities(
    origination: Origination, store: MemoryStore, key: Keys
) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    text = repr(customer)
    assert LI_ID not in text
    assert "13812345678" not in text
    assert "6222021234567890123" not in text
    assert LI_ID[:3] + "*" * 11 + LI_ID[-4:] in text
    for record in store.audit_records():
        assert LI_ID not in str(record)
    with store.transaction() as tx:
        events = tx.events.for_subject(customer.id)
    assert events
    assert all(LI_ID not in str(e.payload) for e in events)


def test_an_enterprise_is_verified_with_its_licence_and_legal_representative(
    origination: Origination, key: Keys
) -> None:
    customer = origination.register_customer(enterprise(), idempotency_key=key("reg"))
    assert customer.type is CustomerType.enterprise
    assert customer.verified(KycCheck.business_licence)
    assert customer.verified(KycCheck.id_card)
    assert customer.enterprise is not None
    assert customer.enterprise.years_in_business(date(2025, 8, 1)) == 9
    assert origination.find_customer(HUAWEI.lower()) == customer


def test_replaying_registration_returns_the_first_customer(
    origination: Origination, store: MemoryStore
) -> None:
    first = origination.register_customer(individual(), idempotency_key="reg-1")
    again = origination.register_customer(individual(), idempotency_key="reg-1")
    assert again == first
    assert count(store) == 1


def test_a_second_registration_of_the_same_identity_is_refused(origination: Origination, key: Keys) -> None:
    origination.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(StateConflict) as caught:
        origination.register_customer(individual(name="李娜"), idempotency_key=key("reg"))
    assert caught.value.code == "customer-exists"


def test_a_key_reused_for_another_request_is_refused(origination: Origination, store: MemoryStore) -> None:
    origination.register_customer(individual(), idempotency_key="reg-1")
    with pytest.raises(StateConflict) as caught:
        origination.register_customer(individual(CHEN_ID, "陈晨"), idempotency_key="reg-1")
    assert caught.value.code == "key-reused"
    assert count(store) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "110105194912310021"}, "profile.id_number"),
        ({"annual_income": "-1"}, "profile.annual_income"),
        ({"phone": "12345"}, "profile.phone"),
        ({"name": ""}, "profile.name"),
        ({"employment": {"kind": "astronaut"}}, "profile.employment.kind"),
    ],
)
def test_hostile_profiles_are_clear_errors_with_nothing_stored(
    origination: Origination, store: MemoryStore, key: Keys, changes: dict[str, object], field: str
) -> None:
    data = individual().model_dump()
    data.update(changes)
    with pytest.raises(InvalidInput) as caught:
        origination.register_customer(data, idempotency_key=key("reg"))
    assert caught.value.field == field
    assert count(store) == 0
    assert store.audit_records() == []


def test_bad_checksum_in_a_model_is_a_bilingual_error() -> None:
    with pytest.raises(ValueError, match="GB 11643"):
        individual(id_number="110105194912310021")
    with pytest.raises(ValueError, match="GB 32100"):
        enterprise(code="91440300708461136U")


def test_a_birth_date_after_today_is_refused(origination: Origination, key: Keys) -> None:
    from orig_samples import valid_id

    with pytest.raises(InvalidInput, match="out of range"):
        origination.register_customer(individual(valid_id("11010520300101001")), idempotency_key=key("reg"))


def test_failed_kyc_is_recorded_not_hidden(store: MemoryStore, catalog: object, key: Keys) -> None:
    from loanfactory.entity import SequentialIds
    from loanfactory.testing import FixedClock, RecordingNotifier, SimulatedBureau

    service = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(failing_ids={LI_ID}),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(date(2025, 8, 1)),
        ids=SequentialIds(),
    )
    customer = service.register_customer(individual(), idempotency_key=key("reg"))
    assert not customer.verified(KycCheck.id_card)
    assert customer.individual is not None
    assert not customer.individual.bank_cards[0].verified


def test_an_unavailable_kyc_vendor_stores_nothing(store: MemoryStore, catalog: object, key: Keys) -> None:
    from loanfactory.entity import SequentialIds
    from loanfactory.testing import FixedClock, RecordingNotifier, SimulatedBureau

    service = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(unavailable=True),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(date(2025, 8, 1)),
        ids=SequentialIds(),
    )
    with pytest.raises(StateConflict) as caught:
        service.register_customer(individual(), idempotency_key="reg-1")
    assert caught.value.code == "kyc-unavailable"
    assert count(store) == 0


def test_related_enterprises_form_a_group(origination: Origination, key: Keys) -> None:
    from orig_samples import valid_code

    a = origination.register_customer(enterprise(), idempotency_key=key("reg"))
    b = origination.register_customer(
        enterprise(valid_code("91440300MA5DCX3A"), name="深圳市示例贸易有限公司"), idempotency_key=key("reg")
    )
    group = origination.form_group("示例集团", (a.id, b.id), idempotency_key=key("grp"))
    assert origination.get(Customer, a.id).group_id == group.id
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(InvalidInput):
        origination.form_group("错误集团", (person.id,), idempotency_key=key("grp"))
    with pytest.raises(StateConflict):
        origination.form_group("重复集团", (a.id,), idempotency_key=key("grp"))


def test_income_is_exact_money(origination: Origination, key: Keys) -> None:
    with pytest.raises(InvalidInput):
        origination.register_customer(
            {**individual().model_dump(), "annual_income": 1.5}, idempotency_key=key("r")
        )
    customer = origination.register_customer(individual(income="240000.50"), idempotency_key=key("r"))
    assert customer.individual is not None
    assert customer.individual.annual_income == Decimal("240000.50")
    assert ZHAO_ID  # used by the enterprise fixture's legal representative


def test_validation_errors_never_echo_personal_numbers() -> None:
    with pytest.raises(ValueError) as caught:
        individual(id_number="110105194912310021")
    assert "110105194912310021" not in str(caught.value)
    with pytest.raises(ValueError) as phone:
        individual(phone="1381234567X")
    assert "1381234567X" not in str(phone.value)
