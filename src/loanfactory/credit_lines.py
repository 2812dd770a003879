"""Credit lines through origination (额度占用与释放): the :class:`~loanfactory.servicing.CreditLines`
servicing uses, joined up here because it needs both services (servicing never imports origination).

A payout occupies the customer's line (reference: the loan id); principal repaid gives it back,
occupation by occupation, oldest first. When origination already holds the amount since approval
(``occupy_on=approval``, reference: the offer id), the payout hands that hold over to the loan in
the same transaction, so the line is never counted twice nor left free in between. The calls are
origination's own commands (``Origination.occupy`` / ``Origination.release``) run inside
servicing's open transaction — both services must share one store, so the line and the ledger
change together or not at all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from loanfactory.origination import LineOccupation, OccupationStatus
from loanfactory.ports import Transaction
from loanfactory.servicing import Loan


class LineCommands(Protocol):
    """What servicing needs of origination's service (``loanfactory.origination._service.Origination``)."""

    def occupy(
        self, line_id: str, product_code: str, reference: str, amount: Any, *, idempotency_key: str
    ) -> LineOccupation: ...

    def release(self, occupation_id: str, amount: Any = None, *, idempotency_key: str) -> LineOccupation: ...


class OriginationCreditLines:
    """:class:`~loanfactory.servicing.CreditLines` on origination's line commands."""

    def __init__(self, origination: LineCommands) -> None:
        self.origination = origination

    def occupy(
        self,
        tx: Transaction,
        *,
        line_id: str,
        loan_id: str,
        product_code: str,
        amount: Decimal,
        day: date,
        key: str,
    ) -> None:
        del day  # origination's commands join the open transaction of the same store
        loan = tx.repo(Loan).find(loan_id)
        if loan is not None and loan.offer_id is not None:
            held = tx.repo(LineOccupation).list(reference=loan.offer_id, status=OccupationStatus.active)
            for found in sorted((o for o in held if o.line_id == line_id), key=lambda o: o.id):
                self.origination.release(found.id, None, idempotency_key=f"{key}:handover:{found.id}")
        self.origination.occupy(line_id, product_code, loan_id, amount, idempotency_key=key)

    def release(
        self,
        tx: Transaction,
        *,
        line_id: str,
        loan_id: str,
        product_code: str,
        amount: Decimal,
        day: date,
        key: str,
    ) -> None:
        del product_code, day
        occupations = sorted(
            (
                o
                for o in tx.repo(LineOccupation).list(reference=loan_id, status=OccupationStatus.active)
                if o.line_id == line_id
            ),
            key=lambda o: o.id,
        )
        left = amount
        for index, found in enumerate(occupations):
            if left <= 0:
                break
            part = min(left, found.outstanding)
            self.origination.release(found.id, part, idempotency_key=f"{key}:{index}")
            left -= part
