"""The collateral-disposal methods of :class:`~._service_backend.ServiceBackend` (抵押物处置).

Wiring only: each method is one call of ``lender.servicing.disposals`` with the caller as the
:class:`~loanfactory.servicing.Operator`; the risk role approves as the servicing's risk role.
"""

from __future__ import annotations

from typing import Any

from loanfactory.adapters.http._bodies import (
    AllocationIn,
    AppraisalIn,
    DisposalRequest,
    Note,
    ProceedsIn,
    Reason,
    SaleIn,
    SaleStart,
)
from loanfactory.errors import InvalidInput
from loanfactory.lender import Lender
from loanfactory.ports import PaymentChannel, PaymentConfirmation
from loanfactory.servicing import Disposal, Disposals, Operator, SaleMethod, Surplus

STEPS = ("appraisal", "approve", "sale", "sold", "fail", "withdraw", "proceeds", "allocate", "close")


class DisposalMethods:
    lender: Lender

    def _operator(self, actor: str, role: str) -> Operator:
        config = self.lender.servicing.config
        return Operator(actor, config.risk_role if role == "risk" else role)

    @property
    def _disposals(self) -> Disposals:
        return self.lender.servicing.disposals

    def request_disposal(
        self, loan_id: str, request: DisposalRequest, *, actor: str, role: str, key: str
    ) -> Disposal:
        return self._disposals.request(
            loan_id,
            reason=request.reason,
            collateral_id=request.collateral_id,
            operator=self._operator(actor, role),
            key=key,
        )

    def loan_disposals(self, loan_id: str) -> list[Disposal]:
        self.lender.servicing.loan(loan_id)  # 404 for an unknown loan
        return self._disposals.of_loan(loan_id)

    def get_disposal(self, disposal_id: str) -> Disposal:
        return self._disposals.get(disposal_id)

    def disposal_step(
        self, disposal_id: str, step: str, body: Any, *, actor: str, role: str, key: str
    ) -> Disposal:
        """One step of a disposal; ``step`` is one of :data:`STEPS`, ``body`` its request body."""
        d, op = self._disposals, self._operator(actor, role)
        if step == "appraisal" and isinstance(body, AppraisalIn):
            return d.appraise(
                disposal_id,
                value=body.value,
                appraiser=body.appraiser,
                reference=body.reference,
                operator=op,
                key=key,
            )
        if step in ("approve", "close") and isinstance(body, Note):
            decide = d.approve if step == "approve" else d.close
            return decide(disposal_id, operator=op, key=key, note=body.note)
        if step == "sale" and isinstance(body, SaleStart):
            method = SaleMethod(body.method)
            return d.start_sale(disposal_id, method=method, reference=body.reference, operator=op, key=key)
        if step == "sold" and isinstance(body, SaleIn):
            return d.record_sale(
                disposal_id, price=body.price, costs=body.costs, sold_on=body.sold_on, operator=op, key=key
            )
        if step in ("fail", "withdraw") and isinstance(body, Reason):
            stop = d.fail if step == "fail" else d.withdraw
            return stop(disposal_id, reason=body.reason, operator=op, key=key)
        if step == "proceeds" and isinstance(body, ProceedsIn):
            return d.receive_proceeds(disposal_id, _confirmation(body, actor), operator=op, key=key)
        if step == "allocate" and isinstance(body, AllocationIn):
            return d.allocate(disposal_id, surplus=Surplus(body.surplus), operator=op, key=key)
        raise InvalidInput(f"no disposal step '{step}'", field="step", message_zh=f"没有处置步骤 '{step}'")


def _confirmation(body: ProceedsIn, actor: str) -> PaymentConfirmation:
    return PaymentConfirmation(
        channel=PaymentChannel(body.channel),
        reference=body.reference,
        amount=body.amount,
        settled_on=body.settled_on,
        confirmed_by=actor,
    )
