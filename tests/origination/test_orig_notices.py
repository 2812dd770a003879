"""Every notice kind origination sends is emitted by the real paths, fits the registry and renders in
both languages from the notify adapter's templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orig_samples import CHEN_ID, LI_ID, Keys, individual, request
from test_orig_collateral_campaigns import HOUSE
from test_orig_feedback import NEAR, service

from loanfactory.actor import Actor
from loanfactory.adapters.notify import TemplateBook
from loanfactory.catalog import LoadedCatalog
from loanfactory.notices import NOTICE_KINDS, check_data
from loanfactory.origination import Collateral, CreditLine, PayoutAccounts, Valuation, ValuationSource
from loanfactory.ports import Notification
from loanfactory.testing import MemoryStore, RecordingNotifier, SimulatedGateway, SimulatedKyc


def _decisions(catalog: LoadedCatalog, key: Keys) -> list[Notification]:
    store, notifier = MemoryStore(), RecordingNotifier()
    origination = service(catalog, store, notifier)
    for id_number, name in ((LI_ID, "李雷"), (CHEN_ID, "陈晨")):
        customer = origination.register_customer(individual(id_number, name), idempotency_key=key())
        origination.originate(request(customer.id), idempotency_key=key())  # approval_result, rejection
    near = origination.register_customer(individual(NEAR, "周静"), idempotency_key=key(), language="en")
    result = origination.originate(
        request(near.id), idempotency_key=key()
    )  # application_pending, review_task
    assert result.task is not None
    origination.claim_task(result.task.id, "alice", role="officer", idempotency_key=key())
    origination.return_task(
        result.task.id, "alice", role="officer", missing=("bank statement",), idempotency_key=key()
    )
    accounts = PayoutAccounts(
        store=store, clock=origination.clock, kyc=SimulatedKyc(), gateway=SimulatedGateway(origination.clock)
    )
    accounts.add_card(  # payout_account_changed
        near.id, number="6228480012345678901", bank="农行", by=Actor.customer(near.id), key=key()
    )
    house = origination.register_collateral(
        HOUSE.model_copy(update={"customer_id": near.id}), idempotency_key=key()
    )
    line = origination.open_line(
        near.id, "4000000", sub_limits={"home_mortgage": "4000000"}, idempotency_key=key()
    )
    with store.transaction() as tx:  # what approval does: the house backs the line
        tx.repo(CreditLine).update(
            tx.repo(CreditLine).get(line.id).model_copy(update={"collateral_ids": (house.id,)})
        )
        tx.repo(Collateral).update(tx.repo(Collateral).get(house.id).model_copy(update={"line_id": line.id}))
    origination.occupy(line.id, "home_mortgage", "loan_1", "3000000", idempotency_key=key())
    lower = Valuation(value=Decimal("3200000"), valued_on=date(2025, 8, 1), source=ValuationSource.automated)
    origination.revalue_collateral(house.id, lower, idempotency_key=key())  # limit_review
    origination.relay_notifications()
    return notifier.sent


def test_origination_emits_every_origination_kind_and_each_renders_in_both_languages(
    catalog: LoadedCatalog, key: Keys
) -> None:
    sent = _decisions(catalog, key)
    assert {n.template for n in sent} == {n for n, k in NOTICE_KINDS.items() if k.sender == "origination"}
    book = TemplateBook.default(brand="示例银行")
    for notification in sent:
        check_data(notification.template, notification.data)
        for language in ("zh", "en"):
            rendered = book.rerender(notification, language=language)
            assert rendered.body.strip()
            assert "{{" not in rendered.body
            assert "None" not in rendered.body
