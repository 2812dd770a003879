"""Payment orders through the gateway (支付指令): the relay, answers, polling, auto-debits, refunds.

Instructions wait in the outbox (topic ``payment``) until :meth:`PaymentOps.relay_payments` submits
them; the gateway de-duplicates by idempotency key, so a relay that crashed after submitting and
before marking the message delivered submits again harmlessly. The first final answer for an
order — from ``submit``, ``status`` or a callback — is acted on; later ones change nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.errors import NotFound, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import (
    Channel,
    PaymentDirection,
    PaymentInstruction,
    PaymentResult,
    PaymentStatus,
    Transaction,
)
from loanfactory.servicing._disbursement import DisbursementOps, _settled_on
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._position import EntryType
from loanfactory.servicing._prepayment import PrepaymentOps
from loanfactory.servicing._records import DebitOrder, Disbursement, OrderStatus

ZERO = Decimal(0)
_FINAL = (OrderStatus.succeeded, OrderStatus.failed)


class PaymentOps(DisbursementOps, PrepaymentOps):
    """Moving money through the :class:`~loanfactory.ports.PaymentGateway`."""

    def relay_payments(self, limit: int = 1000) -> int:
        """Submit waiting payment instructions; returns how many were sent."""
        with self.store.transaction() as tx:
            waiting = [m for m in tx.outbox.pending(limit=1_000_000) if m.topic == "payment"][:limit]
        for message in waiting:
            instruction = PaymentInstruction.model_validate(message.payload)
            result = self.gateway.submit(instruction)
            with self.store.transaction() as tx:
                tx.outbox.mark_delivered(message.id, self.clock.now())
                self._apply(tx, result)
        return len(waiting)

    def apply_payment_result(self, result: PaymentResult) -> bool:
        """Act on a gateway answer or callback; False when it changed nothing (a duplicate)."""
        with self.store.transaction() as tx:
            return self._apply(tx, result)

    def poll_payments(self) -> int:
        """Ask the gateway about orders still pending (e.g. after a timeout); returns answers applied."""
        with self.store.transaction() as tx:
            ids = [o.id for o in tx.repo(Disbursement).list(status=OrderStatus.pending)]
            ids += [o.id for o in tx.repo(DebitOrder).list(status=OrderStatus.pending)]
        applied = 0
        for order_id in ids:
            result = self.gateway.status(order_id)
            if result.status is not PaymentStatus.pending and self.apply_payment_result(result):
                applied += 1
        return applied

    def _apply(self, tx: Transaction, result: PaymentResult) -> bool:
        payout = tx.repo(Disbursement).find(result.instruction_id)
        debit = None if payout is not None else tx.repo(DebitOrder).find(result.instruction_id)
        order = payout or debit
        if order is None:
            raise NotFound(
                f"no payment order '{result.instruction_id}'",
                field="instruction_id",
                message_zh=f"找不到支付指令 '{result.instruction_id}'",
            )
        if order.status in _FINAL:
            return False
        if result.status is PaymentStatus.pending:
            if order.status is OrderStatus.pending:
                return False
            if payout is not None:
                tx.repo(Disbursement).update(payout.evolve(status=OrderStatus.pending))
            elif debit is not None:
                tx.repo(DebitOrder).update(debit.evolve(status=OrderStatus.pending))
            return True
        if payout is not None:
            self.settle_disbursement(tx, payout, result)
        elif debit is not None:
            self._settle_debit(tx, debit, result)
        return True

    # --- auto-debit -----------------------------------------------------------------------------

    def queue_fee_debit(self, tx: Transaction, loan: Loan, day: date, amount: Decimal) -> None:
        self.queue_debit(tx, loan, day, amount)

    def queue_debit(self, tx: Transaction, loan: Loan, due_on: date, amount: Decimal) -> DebitOrder | None:
        """Order an auto-debit of ``amount`` for ``due_on`` (自动扣款), once per loan and date."""
        order_id = f"dbt_{loan.id}_{due_on.isoformat()}"
        if amount <= 0 or tx.repo(DebitOrder).find(order_id) is not None:
            return None
        order = DebitOrder(
            id=order_id,
            loan_id=loan.id,
            amount=amount,
            due_on=due_on,
            idempotency_key=order_id,
            requested_at=self.clock.now(),
        )
        stored = tx.repo(DebitOrder).add(order)
        self.queue_payment(
            tx,
            PaymentInstruction(
                id=order_id,
                direction=PaymentDirection.debit,
                loan_id=loan.id,
                amount=amount,
                account=loan.account,
                account_name=loan.account_name,
                idempotency_key=order_id,
                requested_at=self.clock.now(),
            ),
        )
        return stored

    def _settle_debit(self, tx: Transaction, order: DebitOrder, result: PaymentResult) -> None:
        loan = self.loan_in(tx, order.loan_id, lock=True)
        day = _settled_on(result, self.clock.today())
        if result.status is PaymentStatus.failed:
            tx.repo(DebitOrder).update(order.evolve(status=OrderStatus.failed, reason=result.reason))
            if order.direction is PaymentDirection.payout:  # a refund that did not go out: hold it again
                postings = Postings(tx, loan.id, self.clock.now())
                refund = next((e for e in postings.entries() if e.data.get("order") == order.id), None)
                if refund is not None:
                    postings.reverse(
                        refund, refund.business_date, key=f"reversal:{refund.id}", memo="refund failed"
                    )
                return
            self.notify(
                tx,
                recipient=loan.customer_id,
                template="debit_failed",
                body=f"自动扣款 {format_money(order.amount)} 元未成功（{result.reason}），"
                "请及时存入足额资金或主动还款。",
                dedup_key=f"debit-failed:{order.id}",
                data={
                    "loan_id": loan.id,
                    "amount": format_money(order.amount),
                    "reason": result.reason or "-",
                },
            )
            return
        tx.repo(DebitOrder).update(
            order.evolve(
                status=OrderStatus.succeeded,
                settled_on=day,
                collected=result.amount,
                reference=result.reference,
            )
        )
        if order.direction is PaymentDirection.debit and result.amount > 0:
            self.take_payment(tx, loan, result.amount, day, key=f"debit:{order.id}", source="auto-debit")

    # --- refunds --------------------------------------------------------------------------------

    def refund_credit(self, loan_id: str, *, key: str, on: date | None = None) -> DebitOrder:
        """Pay the borrower's credit (溢缴款) back to their account."""
        day = self.today(on)

        def body(tx: Transaction) -> tuple[str, DebitOrder]:
            loan = self.loan_in(tx, loan_id, lock=True)
            position = self.position_in(tx, loan, day)
            if position.credit <= 0:
                raise StateConflict(
                    f"loan {loan_id} holds no credit",
                    field="loan_id",
                    message_zh=f"贷款 {loan_id} 没有溢缴款",
                )
            if loan.status is LoanStatus.active and position.due_now > 0:
                raise StateConflict(
                    "apply the credit to what is due first",
                    field="loan_id",
                    message_zh="尚有应还款项，溢缴款应先冲抵",
                )
            postings = Postings(tx, loan.id, self.clock.now())
            order_id = f"rfd_{loan.id}_{key}"
            postings.post(
                EntryType.refund,
                day,
                position.credit,
                credit=-position.credit,
                key=f"refund:{key}",
                data={"order": order_id},
            )
            order = DebitOrder(
                id=order_id,
                loan_id=loan.id,
                amount=position.credit,
                due_on=day,
                direction=PaymentDirection.payout,
                idempotency_key=order_id,
                requested_at=self.clock.now(),
            )
            stored = tx.repo(DebitOrder).add(order)
            self.queue_payment(
                tx,
                PaymentInstruction(
                    id=order_id,
                    direction=PaymentDirection.payout,
                    loan_id=loan.id,
                    amount=position.credit,
                    account=loan.account,
                    account_name=loan.account_name,
                    idempotency_key=order_id,
                    requested_at=self.clock.now(),
                ),
            )
            self.notify(
                tx,
                recipient=loan.customer_id,
                template="refund_notice",
                channel=Channel.sms,
                body=f"溢缴款 {format_money(position.credit)} 元将退回您的还款账户。",
                dedup_key=f"refund:{key}",
                data={"loan_id": loan.id, "amount": format_money(position.credit)},
            )
            return loan_id, stored

        return self.run(
            name="loan.refund",
            key=key,
            arguments={"loan": loan_id, "on": day},
            result_type=DebitOrder,
            body=body,
            audit=True,
        )
