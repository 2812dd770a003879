"""The payout-account methods of :class:`~._service_backend.ServiceBackend` (放款账户).

Every change is the customer's own: the HTTP role table admits only customers, for themselves,
and the methods build the customer :class:`~loanfactory.actor.Actor` that
:class:`~loanfactory.origination.PayoutAccounts` requires. Views never carry the deposit's digest.
"""

from __future__ import annotations

from typing import Any

from loanfactory.actor import Actor
from loanfactory.adapters.http._models import DepositConfirmation, PayoutAccountIn
from loanfactory.errors import InvalidInput
from loanfactory.lender import Lender
from loanfactory.origination import DEPOSIT_ATTEMPTS, Customer, PayoutAccount


class PayoutAccountMethods:
    lender: Lender

    # --- payout accounts: the customer's own ---------------------------------------------------

    def list_payout_accounts(self, customer_id: str) -> list[dict[str, Any]]:
        self.lender.origination.get(Customer, customer_id)  # NotFound for a customer never registered
        return [payout_account_view(a) for a in self.lender.payout_accounts.list(customer_id)]

    def add_payout_account(
        self, customer_id: str, request: PayoutAccountIn, *, actor: str, key: str
    ) -> dict[str, Any]:
        accounts, by = self.lender.payout_accounts, Actor.customer(customer_id, actor)
        if request.kind == "payee":
            if request.name is None or request.category is None:
                raise InvalidInput(
                    "a payee needs its account name and the use of funds (category)",
                    field="name" if request.name is None else "category",
                    message_zh="受托支付收款人须填写户名和资金用途",
                )
            added = accounts.add_payee(
                customer_id,
                name=request.name,
                number=request.number,
                bank=request.bank,
                category=request.category,
                by=by,
                key=key,
            )
        elif request.name is not None or request.category is not None:
            raise InvalidInput(
                "an own account is in the customer's registered name; name and category are for payees",
                field="name" if request.name is not None else "category",
                message_zh="本人账户的户名即客户登记的名称，户名与资金用途只用于受托支付收款人",
            )
        elif request.kind == "card":
            added = accounts.add_card(
                customer_id, number=request.number, bank=request.bank, phone=request.phone, by=by, key=key
            )
        else:
            added = accounts.add_corporate_account(
                customer_id, number=request.number, bank=request.bank, by=by, key=key
            )
        return payout_account_view(added)

    def confirm_payout_account(
        self, customer_id: str, account_id: str, request: DepositConfirmation, *, actor: str, key: str
    ) -> dict[str, Any]:
        done = self.lender.payout_accounts.confirm(
            customer_id,
            account_id,
            amount=request.amount,
            code=request.code,
            by=Actor.customer(customer_id, actor),
            key=key,
        )
        return payout_account_view(done)

    def resend_payout_deposit(
        self, customer_id: str, account_id: str, *, actor: str, key: str
    ) -> dict[str, Any]:
        sent = self.lender.payout_accounts.resend_deposit(
            customer_id, account_id, by=Actor.customer(customer_id, actor), key=key
        )
        return payout_account_view(sent)


def payout_account_view(account: PayoutAccount) -> dict[str, Any]:
    """A payout account as the API shows it: never the deposit's digest, only where the check stands."""
    view = account.model_dump(mode="json", exclude={"challenge"})
    challenge = account.challenge
    view["deposit"] = (
        None
        if challenge is None
        else {
            "sent": challenge.sent,
            "expires_at": challenge.expires_at.isoformat(),
            "attempts_left": DEPOSIT_ATTEMPTS - challenge.attempts,
        }
    )
    return view
