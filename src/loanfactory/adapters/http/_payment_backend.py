"""The collection part of :class:`ServiceBackend`: repayment and prepayment requests, the payment
system's callbacks, offline payments, reversals and their four-eyes review.

Wiring only: each method is one call of ``lender.servicing`` (see ``docs/servicing.md``,
"Collections"). A repayment request answers with the collection order, not a credit: the money
is credited when the payment system confirms it, by a signed callback (:meth:`payment_callback`)
or the server's polling.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loanfactory.adapters.http._json import body_problem
from loanfactory.adapters.http._models import PrepaymentRequest, RepaymentRequest
from loanfactory.adapters.http._payment_models import OfflinePaymentRequest, PostingDecision, ReversalRequest
from loanfactory.adapters.payments import SignatureRefused, Verifier
from loanfactory.errors import InvalidInput
from loanfactory.lender import Lender
from loanfactory.ports import PaymentChannel, PaymentResult
from loanfactory.servicing import DebitOrder, ManualPosting, ManualStatus, Operator
from loanfactory.spec import Reamortisation


class PaymentBackend:
    """Collections over a lender's servicing; ``callbacks`` checks the payment system's messages."""

    lender: Lender
    callbacks: Verifier | None

    def repay(self, loan_id: str, request: RepaymentRequest, *, actor: str, key: str) -> DebitOrder:
        return self.lender.servicing.request_repayment(loan_id, request.amount, key=key, actor=actor)

    def prepay(self, loan_id: str, request: PrepaymentRequest, *, actor: str, key: str) -> DebitOrder:
        return self.lender.servicing.request_prepayment(
            loan_id,
            key=key,
            principal=request.amount,
            reamortisation=Reamortisation(request.mode),
            actor=actor,
        )

    def collection_orders(self, loan_id: str) -> list[DebitOrder]:
        return self.lender.servicing.collection_orders(loan_id)

    def collection_order(self, order_id: str) -> dict[str, Any]:
        """The order, with the customer it belongs to (for the ownership check)."""
        order = self.lender.servicing.collection_order(order_id)
        loan = self.lender.servicing.loan(order.loan_id)
        return {**order.model_dump(mode="json"), "customer_id": loan.customer_id}

    def payment_callback(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """A callback of the payment system: verified, then acted on once (by its nonce)."""
        if self.callbacks is None:
            raise SignatureRefused(code="callbacks-not-configured")
        signed = self.callbacks.verify(headers, body)
        problem = body_problem(body)  # strict JSON whatever the content type: no key given twice
        if problem is not None:
            raise InvalidInput(
                problem.message,
                field=".".join(map(str, problem.loc)),
                code=problem.code,
                message_zh=problem.message_zh,
            )
        try:
            result = PaymentResult.model_validate_json(body)
        except ValueError:
            raise InvalidInput(
                "the callback body is not a payment result", field="body", message_zh="回调报文不是支付结果"
            ) from None
        applied = self.lender.servicing.apply_payment_result(result, message_id=signed.message_id)
        return {"instruction_id": result.instruction_id, "status": result.status.value, "applied": applied}

    def offline_payment(
        self, loan_id: str, request: OfflinePaymentRequest, *, actor: str, role: str, key: str
    ) -> ManualPosting:
        return self.lender.servicing.post_offline_payment(
            loan_id,
            request.amount,
            reference=request.reference,
            channel=PaymentChannel(request.channel),
            received_on=request.received_on or self.lender.clock.today(),
            operator=Operator(actor, role),
            key=key,
            memo=request.memo,
        )

    def reverse_payment(
        self, loan_id: str, request: ReversalRequest, *, actor: str, role: str, key: str
    ) -> ManualPosting:
        return self.lender.servicing.reverse_payment(
            loan_id,
            request.entry_id,
            reference=request.reference,
            reason=request.reason,
            operator=Operator(actor, role),
            key=key,
        )

    def manual_postings(self, *, status: str | None, loan_id: str | None) -> list[ManualPosting]:
        wanted = ManualStatus(status) if status is not None else None
        return self.lender.servicing.manual_postings(status=wanted, loan_id=loan_id)

    def decide_posting(
        self, posting_id: str, outcome: str, decision: PostingDecision, *, actor: str, role: str, key: str
    ) -> ManualPosting:
        operator = Operator(actor, role)
        if outcome == "approve":
            return self.lender.servicing.approve_posting(posting_id, operator=operator, key=key)
        if decision.reason is None:
            raise InvalidInput("give the reason for rejecting", field="reason", message_zh="请填写驳回原因")
        return self.lender.servicing.reject_posting(
            posting_id, operator=operator, reason=decision.reason, key=key
        )
