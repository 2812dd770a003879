"""Linking a sign-in to a customer registered at a branch (登录身份认领): the person proves the
customer is them (ID, name, a verified card on file and its phone, four elements checked again
through the KYC port); refused when the sign-in or the customer is linked already, when any part
does not match or the check fails — with one answer that tells nobody who is a customer — and every
attempt is in the audit chain."""

from __future__ import annotations

from typing import Any

import pytest
from orig_samples import CHEN_ID, LI_ID, Keys, individual

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import CustomerLogin, Origination
from loanfactory.testing import MemoryStore, SimulatedKyc

CARD = "6222021234567890123"
LOGIN = "t:" + "ab" * 16
OTHER_LOGIN = "t:" + "cd" * 16


def proof(**changes: Any) -> dict[str, Any]:
    return {"id_number": LI_ID, "name": "李娜", "card_number": CARD, "phone": "13812345678"} | changes


def test_a_branch_customer_links_a_sign_in_once(
    origination: Origination, store: MemoryStore, key: Keys
) -> None:
    customer = origination.register_customer(individual(), idempotency_key=key("reg"))
    assert origination.customer_for_login(LOGIN) is None
    linked = origination.link_login(LOGIN, proof(), idempotency_key="link-1")
    assert linked.id == customer.id
    assert origination.customer_for_login(LOGIN) == customer.id
    assert linked.kyc[-1].check.value == "bank-card-four"
    assert len(linked.kyc) == len(customer.kyc) + 1  # the new check is kept as evidence
    assert origination.link_login(LOGIN, proof(), idempotency_key="link-1").id == customer.id  # replayed
    with pytest.raises(StateConflict) as bound:
        origination.link_login(LOGIN, proof(), idempotency_key="link-2")
    assert bound.value.code == "login-bound"
    with pytest.raises(StateConflict) as second:
        origination.link_login(OTHER_LOGIN, proof(), idempotency_key="link-3")
    assert second.value.code == "customer-linked"
    with store.transaction() as tx:
        assert [x.customer_id for x in tx.repo(CustomerLogin).list()] == [customer.id]
        actions = [r.action for r in tx.audit.records(LOGIN)] + [r.action for r in tx.audit.records()]
    assert "customer.link_refused" in actions


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": "李四"}, "ownership-not-proven"),  # not the name on file
        ({"card_number": "6222020200112233"}, "ownership-not-proven"),  # not a card on file
        ({"id_number": CHEN_ID}, "ownership-not-proven"),  # not a customer at all
    ],
)
def test_what_does_not_match_proves_nothing(
    origination: Origination, store: MemoryStore, key: Keys, change: dict[str, Any], code: str
) -> None:
    origination.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(StateConflict) as refused:
        origination.link_login(LOGIN, proof(**change), idempotency_key="l")
    assert refused.value.code == code
    assert origination.customer_for_login(LOGIN) is None
    with store.transaction() as tx:
        refusals = [r for r in tx.audit.records(LOGIN) if r.action == "customer.link_refused"]
    assert len(refusals) == 1
    assert CHEN_ID not in str(refusals[0])
    assert LI_ID not in str(refusals[0])


def test_a_failing_four_element_check_or_a_kyc_outage_refuses(
    origination: Origination, kyc: SimulatedKyc, key: Keys
) -> None:
    origination.register_customer(individual(), idempotency_key=key("reg"))
    kyc.rejected_cards = frozenset({CARD})  # the bank now says the card and phone do not belong together
    with pytest.raises(StateConflict) as failed:
        origination.link_login(LOGIN, proof(), idempotency_key="l-1")
    assert failed.value.code == "ownership-not-proven"
    kyc.rejected_cards = frozenset()
    kyc.unavailable = True
    with pytest.raises(StateConflict) as down:
        origination.link_login(LOGIN, proof(), idempotency_key="l-2")
    assert down.value.code == "kyc-unavailable"
    kyc.unavailable = False
    assert origination.link_login(LOGIN, proof(), idempotency_key="l-3").individual is not None


@pytest.mark.parametrize(
    "change",
    [{"phone": "12345"}, {"card_number": "62220212345678901234567"}, {"id_number": "110"}, {"extra": 1}],
)
def test_hostile_proofs_get_a_located_error(
    origination: Origination, key: Keys, change: dict[str, Any]
) -> None:
    origination.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(InvalidInput) as bad:
        origination.link_login(LOGIN, proof(**change), idempotency_key="l")
    assert bad.value.field is not None
    assert bad.value.field.startswith("proof")
    assert origination.customer_for_login(LOGIN) is None
