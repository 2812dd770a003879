"""Collections: a repayment or prepayment request is a collection order, credited only when the
payment system confirms it, by the amount it confirms; answers may come twice, late or out of
order; offline payments and reversals need an operations role, a unique reference and four-eyes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from servicing_world import CHECKER, OPS, World

from loanfactory.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from loanfactory.ports import (
    OutboxMessage,
    PaymentChannel,
    PaymentInstruction,
    PaymentResult,
    PaymentStatus,
)
from loanfactory.servicing import (
    CollectionPurpose,
    EntryType,
    ManualPosting,
    ManualStatus,
    Operator,
    OrderStatus,
    ServicingConfig,
)
from loanfactory.testing import SimulatedGateway

D = Decimal
ACCOUNT = "6222020200112233"


def cash_in(world: World, loan_id: str) -> list[Decimal]:
    return [e.amount for e in world.entries(loan_id) if e.type in (EntryType.repayment, EntryType.prepayment)]


def test_a_request_credits_nothing_until_the_payment_system_confirms(world: World) -> None:
    loan_id = world.active()
    order = world.servicing.request_repayment(loan_id, D("500"), key="app-1")
    assert (order.status, order.purpose, order.channel) == (
        OrderStatus.requested,
        CollectionPurpose.repayment,
        PaymentChannel.gateway,
    )
    assert cash_in(world, loan_id) == []
    assert world.position(loan_id).repaid == 0
    world.servicing.relay_payments()
    done = world.order(order.id)
    assert done.status is OrderStatus.succeeded
    assert done.collected == D("500")
    assert cash_in(world, loan_id) == [D("500")]
    entry = next(e for e in world.entries(loan_id) if e.id == done.entry_id)
    assert entry.data["order"] == order.id
    assert entry.data["reference"] == done.reference
    assert world.position(loan_id).repaid == D("500")


def test_a_failed_collection_credits_nothing_and_tells_the_borrower(world: World) -> None:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D(0))
    order = world.collect(loan_id, D("500"))
    assert order.status is OrderStatus.failed
    assert order.reason == "insufficient-funds"
    assert cash_in(world, loan_id) == []
    with world.store.transaction() as tx:
        notices = [m.payload for m in tx.outbox.pending(limit=1000) if m.topic == "notification"]
    assert any(n["template"] == "debit_failed" and n["data"]["loan_id"] == loan_id for n in notices)


def test_the_amount_confirmed_is_credited_not_the_amount_asked() -> None:
    world = World(partial=True)
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D("123.45"))
    order = world.collect(loan_id, D("500"))
    assert (order.amount, order.collected) == (D("500"), D("123.45"))
    assert cash_in(world, loan_id) == [D("123.45")]
    assert world.position(loan_id).repaid == world.gateway.settled(order.direction) == D("123.45")


def test_a_pending_answer_is_settled_by_polling() -> None:
    world = World(timeout_rate=1.0)
    loan_id = world.signed()
    world.servicing.disburse(loan_id, key="d")
    world.servicing.relay_payments()
    world.servicing.poll_payments()
    order = world.servicing.request_repayment(loan_id, D("300"), key="app")
    world.servicing.relay_payments()
    assert world.order(order.id).status is OrderStatus.pending
    assert cash_in(world, loan_id) == []
    assert world.servicing.poll_payments() == 1
    assert world.order(order.id).status is OrderStatus.succeeded
    assert cash_in(world, loan_id) == [D("300")]


def test_answers_twice_late_and_out_of_order_change_nothing_after_the_first_final_one(world: World) -> None:
    loan_id = world.active()
    order = world.servicing.request_repayment(loan_id, D("250"), key="app")
    final = PaymentResult(
        instruction_id=order.id,
        status=PaymentStatus.succeeded,
        amount=D("250"),
        reference="PS-1",
        settled_at=world.clock.now(),
    )
    pending = PaymentResult(instruction_id=order.id, status=PaymentStatus.pending, amount=D(0))
    failed = PaymentResult(instruction_id=order.id, status=PaymentStatus.failed, amount=D(0), reason="late")
    assert world.servicing.apply_payment_result(pending) is True  # first news: in flight
    assert world.servicing.apply_payment_result(pending) is False
    assert world.servicing.apply_payment_result(final) is True
    for late in (final, pending, failed, final):
        assert world.servicing.apply_payment_result(late) is False
    assert cash_in(world, loan_id) == [D("250")]
    assert world.order(order.id).status is OrderStatus.succeeded
    world.servicing.relay_payments()  # the relay's own answer arrives last: nothing more
    assert cash_in(world, loan_id) == [D("250")]


def test_a_signed_message_is_accepted_once_and_a_reference_credits_once(world: World) -> None:
    loan_id = world.active()
    first = world.servicing.request_repayment(loan_id, D("100"), key="a")
    second = world.servicing.request_repayment(loan_id, D("100"), key="b")
    result = PaymentResult(
        instruction_id=first.id, status=PaymentStatus.succeeded, amount=D("100"), reference="PS-9"
    )
    assert world.servicing.apply_payment_result(result, message_id="paysys:nonce-0000000001") is True
    with pytest.raises(StateConflict) as replay:
        world.servicing.apply_payment_result(result, message_id="paysys:nonce-0000000001")
    assert replay.value.code == "replayed-message"
    reused = result.model_copy(update={"instruction_id": second.id})
    with pytest.raises(StateConflict) as twice:
        world.servicing.apply_payment_result(reused, message_id="paysys:nonce-0000000002")
    assert twice.value.code == "reference-used"
    assert world.order(second.id).status is OrderStatus.requested
    # the refused message left no trace: the same nonce is still free for a genuine message
    other = reused.model_copy(update={"reference": "PS-10"})
    assert world.servicing.apply_payment_result(other, message_id="paysys:nonce-0000000002") is True
    assert cash_in(world, loan_id) == [D("100"), D("100")]


def test_more_confirmed_than_asked_and_unknown_orders_are_refused(world: World) -> None:
    loan_id = world.active()
    order = world.servicing.request_repayment(loan_id, D("100"), key="a")
    over = PaymentResult(
        instruction_id=order.id, status=PaymentStatus.succeeded, amount=D("100.01"), reference="R"
    )
    with pytest.raises(InvalidInput) as caught:
        world.servicing.apply_payment_result(over)
    assert caught.value.code == "over-collected"
    no_reference = over.model_copy(update={"amount": D("100"), "reference": None})
    with pytest.raises(InvalidInput):
        world.servicing.apply_payment_result(no_reference)
    with pytest.raises(NotFound):
        world.servicing.apply_payment_result(over.model_copy(update={"instruction_id": "col_forged"}))
    assert cash_in(world, loan_id) == []
    assert world.order(order.id).status is OrderStatus.requested


def test_requests_for_loans_that_owe_nothing_or_bad_amounts_are_refused(world: World) -> None:
    loan_id = world.signed()  # not disbursed
    with pytest.raises(StateConflict):
        world.servicing.request_repayment(loan_id, D("100"), key="early")
    active = world.active()
    for bad in (D(0), D("-5"), D("0.001"), D("Infinity")):
        with pytest.raises(InvalidInput):
            world.servicing.request_repayment(active, bad, key=f"bad-{bad}")
    assert world.servicing.collection_orders(loan_id) == []
    assert world.servicing.collection_orders(active) == []


def test_a_prepayment_is_made_when_its_money_is_confirmed(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    quote = world.servicing.payoff_quote(loan_id, principal=D("3000"))
    order = world.servicing.request_prepayment(loan_id, key="pp", principal=D("3000"))
    assert (order.amount, order.purpose, order.principal) == (
        quote.total,
        CollectionPurpose.prepayment,
        D("3000"),
    )
    before = world.servicing.loan(loan_id).schedule_version
    assert world.servicing.loan(loan_id).schedule_version == before  # nothing before the money
    world.deliver()
    assert world.order(order.id).status is OrderStatus.succeeded
    assert world.position(loan_id).principal == D("10000") - D("3000") - sum(
        r.principal for r in world.servicing.loan(loan_id).schedule if r.due_date <= date(2026, 4, 20)
    )
    assert world.servicing.loan(loan_id).schedule_version == before + 1


def test_a_prepayment_short_of_its_quote_is_taken_as_a_repayment() -> None:
    world = World(partial=True)
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.gateway.fund(ACCOUNT, D("1000"))
    order = world.servicing.request_prepayment(loan_id, key="payoff")
    assert order.amount > D("1000")
    world.deliver()
    done = world.order(order.id)
    assert (done.status, done.collected) == (OrderStatus.succeeded, D("1000"))
    assert [e.type for e in world.entries(loan_id)][-1] == EntryType.repayment
    assert world.servicing.loan(loan_id).status.value == "active"
    assert world.position(loan_id).credit == D("1000")  # nothing due today: all held


def test_a_prepayment_the_held_credit_covers_needs_no_collection(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.repay(loan_id, D("20000"))  # far more than the loan: held as credit
    order = world.servicing.request_prepayment(loan_id, key="from-credit")
    assert (order.amount, order.status) == (D(0), OrderStatus.succeeded)
    assert order.entry_id is not None
    with world.store.transaction() as tx:
        assert not [m for m in tx.outbox.pending(limit=100) if m.payload.get("id") == order.id]
    assert world.servicing.loan(loan_id).status.value == "settled"
    with pytest.raises(StateConflict):
        world.servicing.prepay(loan_id, key="again")


def test_prepaying_from_held_credit_needs_enough_credit(world: World) -> None:
    loan_id = world.active()
    world.until(date(2026, 4, 20))
    world.repay(loan_id, D("100"))
    with pytest.raises(StateConflict) as caught:
        world.servicing.prepay(loan_id, key="short")
    assert caught.value.code == "credit-short"
    assert world.position(loan_id).credit == D("100")


def test_a_confirmed_payment_cannot_settle_in_the_future_or_before_the_loan(world: World) -> None:
    loan_id = world.active()
    for day in (world.clock.today() + timedelta(days=1), date(2025, 12, 31)):
        with pytest.raises(InvalidInput):
            world.servicing.repay(loan_id, world.confirmed(D("10"), on=day), key=f"bad-{day}")
    assert cash_in(world, loan_id) == []


# --- offline payments and reversals, four-eyes ------------------------------------------------------


def four_eyes_world() -> World:
    return World(config=ServicingConfig(four_eyes_above=D("1000")))


def test_offline_payments_need_an_operations_role() -> None:
    world = four_eyes_world()
    loan_id = world.active()
    for who in (
        Operator("li.officer", "officer"),
        Operator("  ", "operations"),
        Operator("cust-1", "customer"),
    ):
        with pytest.raises(NotPermitted):
            world.servicing.post_offline_payment(
                loan_id,
                D("100"),
                reference="CNTR-1",
                channel=PaymentChannel.counter,
                received_on=world.clock.today(),
                operator=who,
                key=f"k-{who.role}",
            )
    assert cash_in(world, loan_id) == []


def test_an_offline_reference_is_posted_once_and_must_look_like_one() -> None:
    world = four_eyes_world()
    loan_id = world.active()
    today = world.clock.today()

    def post(reference: str, key: str, channel: PaymentChannel = PaymentChannel.counter) -> ManualPosting:
        return world.servicing.post_offline_payment(
            loan_id, D("100"), reference=reference, channel=channel, received_on=today, operator=OPS, key=key
        )

    assert post("CNTR-1", "k1").status is ManualStatus.posted
    with pytest.raises(StateConflict) as caught:
        post("CNTR-1", "k2")
    assert caught.value.code == "reference-used"
    for bad in ("", "has space", "流水号", "x" * 101):
        with pytest.raises(InvalidInput):
            post(bad, f"bad-{len(bad)}")
    with pytest.raises(InvalidInput):
        post("GW-1", "k3", PaymentChannel.gateway)
    # a transfer the bank's own systems already credited cannot be posted again by hand
    world.servicing.repay(loan_id, world.confirmed(D("100"), reference="BT-7"), key="r1")
    with pytest.raises(StateConflict) as again:
        post("BT-7", "k4", PaymentChannel.bank_transfer)
    assert again.value.code == "reference-used"
    assert cash_in(world, loan_id) == [D("100"), D("100")]


def test_above_the_amount_a_second_user_must_approve() -> None:
    world = four_eyes_world()
    loan_id = world.active()
    posting = world.servicing.post_offline_payment(
        loan_id,
        D("1000.01"),
        reference="TRF-88",
        channel=PaymentChannel.bank_transfer,
        received_on=world.clock.today(),
        operator=OPS,
        key="post",
    )
    assert posting.status is ManualStatus.pending
    assert cash_in(world, loan_id) == []
    assert [p.id for p in world.servicing.manual_postings(status=ManualStatus.pending)] == [posting.id]
    with pytest.raises(NotPermitted) as caught:
        world.servicing.approve_posting(posting.id, operator=OPS, key="self")
    assert caught.value.code == "four-eyes"
    with pytest.raises(NotPermitted):
        world.servicing.approve_posting(posting.id, operator=Operator("wang", "risk"), key="risk")
    approved = world.servicing.approve_posting(posting.id, operator=CHECKER, key="ok")
    assert (approved.status, approved.maker, approved.checker) == (
        ManualStatus.posted,
        OPS.user,
        CHECKER.user,
    )
    assert cash_in(world, loan_id) == [D("1000.01")]
    assert world.servicing.approve_posting(posting.id, operator=CHECKER, key="ok") == approved  # replay
    with pytest.raises(StateConflict):
        world.servicing.approve_posting(posting.id, operator=CHECKER, key="twice")
    with world.store.transaction() as tx:
        trail = [r.action for r in tx.audit.records(loan_id)]
    assert "loan.offline_payment" in trail
    assert "loan.approve_posting" in trail


def test_a_rejected_posting_posts_nothing_and_may_be_submitted_again_corrected() -> None:
    world = four_eyes_world()
    loan_id = world.active()
    details = {
        "reference": "TRF-99",
        "channel": PaymentChannel.bank_transfer,
        "received_on": world.clock.today(),
        "operator": OPS,
    }
    posting = world.servicing.post_offline_payment(loan_id, D("20000"), key="typo", **details)  # type: ignore[arg-type]
    with pytest.raises(NotPermitted):
        world.servicing.reject_posting(posting.id, operator=OPS, reason="mine", key="r0")
    rejected = world.servicing.reject_posting(
        posting.id, operator=CHECKER, reason="amount mistyped", key="r1"
    )
    assert rejected.status is ManualStatus.rejected
    assert cash_in(world, loan_id) == []
    corrected = world.servicing.post_offline_payment(loan_id, D("2000"), key="fixed", **details)  # type: ignore[arg-type]
    assert (corrected.id, corrected.status, corrected.amount) == (posting.id, ManualStatus.pending, D("2000"))
    world.servicing.approve_posting(corrected.id, operator=CHECKER, key="ok")
    assert cash_in(world, loan_id) == [D("2000")]


def test_a_reversal_follows_the_same_rules() -> None:
    world = four_eyes_world()
    loan_id = world.active()
    small = world.repay(loan_id, D("300"))
    large = world.repay(loan_id, D("1500"))
    with pytest.raises(NotPermitted):
        world.servicing.reverse_payment(
            loan_id,
            small.entry_id or "",
            reference="RTN-1",
            reason="recalled",
            operator=Operator("x", "officer"),
            key="no",
        )
    # a large reversal waits for a second user, a small one goes at once
    waiting = world.servicing.reverse_payment(
        loan_id, large.entry_id or "", reference="RTN-2", reason="recalled", operator=OPS, key="r2"
    )
    assert waiting.status is ManualStatus.pending
    assert world.position(loan_id).repaid == D("1800")
    done = world.servicing.reverse_payment(
        loan_id, small.entry_id or "", reference="RTN-1", reason="recalled", operator=OPS, key="r1"
    )
    assert done.status is ManualStatus.posted
    assert done.reversal is not None
    assert done.reversal.reversed == (small.entry_id, large.entry_id)  # the later payment is replayed
    assert world.position(loan_id).repaid == D("1500")
    replayed = done.reversal.reposted[0]
    with pytest.raises(StateConflict) as used:
        world.servicing.reverse_payment(
            loan_id, replayed, reference="RTN-1", reason="again", operator=OPS, key="r3"
        )
    assert used.value.code == "reference-used"
    # approved after the replay, the waiting reversal takes back the payment's live posting
    approved = world.servicing.approve_posting(waiting.id, operator=CHECKER, key="ok")
    assert approved.reversal is not None
    assert approved.reversal.reversed == (replayed,)
    assert world.position(loan_id).repaid == 0
    with pytest.raises(StateConflict) as twice:
        world.servicing.reverse_payment(
            loan_id, large.entry_id or "", reference="RTN-4", reason="again", operator=OPS, key="r4"
        )
    assert twice.value.code == "already-reversed"


def test_an_instruction_sent_twice_is_paid_and_credited_once() -> None:
    world = World(duplicate_rate=1.0)
    loan_id = world.active()
    order = world.servicing.request_repayment(loan_id, D("10"), key="k")
    world.servicing.relay_payments()
    with world.store.transaction() as tx:  # as if the relay crashed before marking it delivered
        tx.outbox.add(_requeue(world, order.id))
    world.deliver()  # sent again, polled, and every (duplicated) callback fed back
    assert world.gateway.settled(order.direction) == D("10")
    assert cash_in(world, loan_id) == [D("10")]


def _requeue(world: World, order_id: str) -> OutboxMessage:
    order = world.order(order_id)
    loan = world.servicing.loan(order.loan_id)
    instruction = PaymentInstruction(
        id=order.id,
        direction=order.direction,
        loan_id=loan.id,
        amount=order.amount,
        account=loan.account,
        account_name=loan.account_name,
        idempotency_key=order.idempotency_key,
        requested_at=order.requested_at,
    )
    return OutboxMessage(
        id=f"again:{order.id}",
        topic="payment",
        dedup_key=f"again:{order.id}",
        payload=instruction.model_dump(mode="json"),
        created_at=world.clock.now(),
    )


class Overpaying:
    """A payment system that confirms one order for more than it asked."""

    def __init__(self, inner: SimulatedGateway, order_id: str) -> None:
        self.inner, self.order_id = inner, order_id

    def submit(self, instruction: PaymentInstruction) -> PaymentResult:
        result = self.inner.submit(instruction)
        if instruction.id == self.order_id:
            return result.model_copy(update={"amount": result.amount + D("1")})
        return result

    def status(self, instruction_id: str) -> PaymentResult:
        return self.inner.status(instruction_id)


def test_a_refused_answer_keeps_its_instruction_queued_and_the_others_go_on(world: World) -> None:
    loan_id = world.active()
    odd = world.servicing.request_repayment(loan_id, D("10"), key="odd")
    fine = world.servicing.request_repayment(loan_id, D("20"), key="fine")
    world.servicing.gateway = Overpaying(world.gateway, odd.id)
    assert world.servicing.relay_payments() == 1
    assert world.order(odd.id).status is OrderStatus.requested
    assert world.order(fine.id).status is OrderStatus.succeeded
    with world.store.transaction() as tx:
        [waiting] = [m for m in tx.outbox.pending(limit=100) if m.topic == "payment"]
    assert waiting.payload["id"] == odd.id
    assert "10.00" in (waiting.last_error or "")
    assert cash_in(world, loan_id) == [D("20")]
