"""Every notice kind servicing sends is emitted by the real paths, fits the registry and renders in
both languages from the notify adapter's templates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from servicing_world import OPS, World

from loanfactory.adapters.notify import NotificationRelay, TemplateBook
from loanfactory.entity import CST
from loanfactory.notices import NOTICE_KINDS, check_data
from loanfactory.ports import Notification, OutboxMessage, PaymentChannel, PaymentRecord

ACCOUNT = "6222020200112233"


def _notifications(world: World) -> list[OutboxMessage]:
    with world.store.transaction() as tx:
        return [m for m in tx.outbox.pending(100_000) if m.topic == "notification"]


def _lifecycle() -> list[OutboxMessage]:
    world = World()
    late = world.active()  # disbursement_notice
    world.gateway.fund(ACCOUNT, Decimal(0))  # every auto-debit fails: debit_failed, then overdue
    world.until(date(2026, 3, 12))  # reminders, overdue_notice, penalty_notice, collection_task
    world.servicing.observe_payment(
        PaymentRecord(
            loan_id=late,
            at=datetime(2026, 3, 12, 10, tzinfo=CST),
            amount=Decimal("5000"),
            payee="某证券",
            payee_category="securities",
        )
    )  # risk_warning to staff, risk_notice to the borrower
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    owed = world.position(late).due_now
    world.repay(late, owed + Decimal("50"), key="overpay")  # repayment_receipt, credit held
    world.servicing.refund_credit(late, key="refund")  # refund_notice
    world.servicing.post_offline_payment(
        late,
        world.servicing.config.four_eyes_above + Decimal("0.01"),
        reference="BANK-TRF-0001",
        channel=PaymentChannel.bank_transfer,
        received_on=world.clock.today(),
        operator=OPS,
        key="counter",
    )  # posting_review to a second operations user
    world.until(date(2026, 4, 10))  # the third installment auto-debited: prepayment is allowed
    world.prepaid(late, key="payoff")  # settlement_notice
    failing = World(failure_rate=1.0)
    failing.active()  # disbursement_failed
    short = World(partial=True)
    loan_id = short.active()
    short.until(date(2026, 4, 20))
    short.gateway.fund(ACCOUNT, Decimal("1000"))
    short.servicing.request_prepayment(loan_id, key="payoff")
    short.deliver()  # prepayment_refused: the money is short of the quote
    return _notifications(world) + _notifications(failing) + _notifications(short)


def test_servicing_emits_every_servicing_kind_and_each_renders_in_both_languages() -> None:
    messages = _lifecycle()
    emitted = {m.payload["template"] for m in messages}
    assert emitted == {name for name, kind in NOTICE_KINDS.items() if kind.sender == "servicing"}
    book = TemplateBook.default(brand="示例银行")
    for message in messages:
        written = Notification.model_validate(message.payload)
        check_data(written.template, written.data)  # what was queued still fits after the JSON trip
        for language in ("zh", "en"):
            rendered = book.rerender(written, language=language)
            assert rendered.body.strip()
            assert "{{" not in rendered.body
            assert "None" not in rendered.body


def test_the_relay_words_servicing_notices_from_the_templates() -> None:
    world = World()
    world.active()
    book = TemplateBook.default(brand="示例银行")
    relay = NotificationRelay(world.store, _Sink(), templates=book, now=world.clock.now)
    [message] = _notifications(world)
    sent = relay.notification_for(message)
    assert sent.template == "disbursement_notice"
    assert sent.body.startswith("【示例银行】您的贷款10,000.00元已于2026年1月5日发放")


class _Sink:
    def send(self, notification: Notification) -> object:  # pragma: no cover - not called
        raise AssertionError("not sent in this test")
