"""The collateral register servicing's disposals use (押品登记簿): origination's collateral records,
joined up here because a disposal needs both services (servicing never imports origination).

A disposal may name the registered piece it sells: it must be the borrower's and neither released
nor disposed of already; when the disposal closes, the piece is marked disposed (已处置), in the
same transaction, so no later application or line counts it again.
"""

from __future__ import annotations

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import Collateral, CollateralStatus
from loanfactory.ports import Transaction


class StoredCollateral:
    """:class:`~loanfactory.servicing.CollateralRegister` on origination's collateral records."""

    def check_disposable(self, tx: Transaction, *, customer_id: str, collateral_id: str) -> None:
        found = tx.repo(Collateral).find(collateral_id)
        if found is None or found.customer_id != customer_id:
            raise InvalidInput(
                f"no collateral {collateral_id} of the borrower",
                field="collateral_id",
                message_zh=f"借款人名下没有押品 {collateral_id}",
            )
        if found.status in (CollateralStatus.released, CollateralStatus.disposed):
            raise StateConflict(
                f"collateral {collateral_id} is {found.status.value}",
                field="collateral_id",
                code="collateral-gone",
                message_zh=f"押品 {collateral_id} 状态为 {found.status.value}，不能处置",
            )

    def mark_disposed(self, tx: Transaction, collateral_id: str) -> None:
        repo = tx.repo(Collateral)
        repo.update(repo.lock(collateral_id).evolve(status=CollateralStatus.disposed))
