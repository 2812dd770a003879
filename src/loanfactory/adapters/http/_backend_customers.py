"""The customer-account methods of :class:`~._service_backend.ServiceBackend` (客户账户).

Registration through the origination service (KYC checks through its port; a sign-in of the
bank's identity provider bound in the same transaction), the profile with its tags and KYC
results, the credit line with its sub-limits, the repayment records over all the customer's loans,
and the changes of bound cards that only the customer may make (re-verify, remove).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from loanfactory.actor import Actor
from loanfactory.adapters.http._backend_accounts import payout_account_view
from loanfactory.adapters.http._bodies import LinkRequest
from loanfactory.adapters.http._models import CustomerRegistration
from loanfactory.lender import Lender
from loanfactory.origination import CreditLine, Customer, OwnershipProof
from loanfactory.servicing import DebitOrder, Loan


class CustomerMethods:
    lender: Lender

    def register_customer(
        self, request: CustomerRegistration, *, login: str | None, key: str
    ) -> dict[str, Any]:
        customer = self.lender.origination.register_customer(
            request.profile,
            idempotency_key=key,
            channel=request.channel,
            language=request.language,
            login=login,
        )
        return customer_view(customer)

    def link_customer(self, request: LinkRequest, *, login: str, key: str) -> dict[str, Any]:
        """Bind the sign-in to the customer the proof names (see ``Origination.link_login``)."""
        proof = OwnershipProof.model_validate(request.model_dump())
        return customer_view(self.lender.origination.link_login(login, proof, idempotency_key=key))

    def customer_for_login(self, login: str) -> str | None:
        found: str | None = self.lender.origination.customer_for_login(login)
        return found

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        return customer_view(self.lender.origination.get(Customer, customer_id))

    def customer_credit_lines(self, customer_id: str, today: date | None = None) -> list[dict[str, Any]]:
        self.lender.origination.get(Customer, customer_id)  # NotFound for a customer never registered
        day = today or self.lender.clock.today()
        lines: list[CreditLine] = self.lender.origination.list(CreditLine, customer_id=customer_id)
        return [credit_line_view(line, day) for line in sorted(lines, key=lambda x: x.opened_on)]

    def customer_repayments(self, customer_id: str) -> list[dict[str, Any]]:
        """Every collection order of every loan of the customer, newest first (还款记录)."""
        self.lender.origination.get(Customer, customer_id)
        with self.lender.store.transaction() as tx:
            loans = tx.repo(Loan).list(customer_id=customer_id)
            orders: list[DebitOrder] = [
                o for loan in loans for o in tx.repo(DebitOrder).list(loan_id=loan.id)
            ]
        orders.sort(key=lambda o: (o.requested_at, o.id), reverse=True)
        return [{**o.model_dump(mode="json"), "customer_id": customer_id} for o in orders]

    def reverify_payout_account(self, customer_id: str, account_id: str, *, actor: str, key: str) -> Any:
        by = Actor.customer(customer_id, actor)
        return payout_account_view(
            self.lender.payout_accounts.reverify_card(customer_id, account_id, by=by, key=key)
        )

    def remove_payout_account(self, customer_id: str, account_id: str, *, actor: str, key: str) -> Any:
        by = Actor.customer(customer_id, actor)
        return payout_account_view(
            self.lender.payout_accounts.remove(customer_id, account_id, by=by, key=key)
        )


def customer_view(customer: Customer) -> dict[str, Any]:
    """The profile as the API shows it: identity and card numbers are masked by the renderer; the
    identity hash stays inside; tags and KYC results with when and why."""
    view = customer.model_dump(mode="json", exclude={"identity_hash"})
    view["name"] = customer.name
    view["tag_names"] = list(customer.tag_names)
    return view


def credit_line_view(line: CreditLine, day: date) -> dict[str, Any]:
    view = line.model_dump(mode="json")
    view["available"] = str(line.available_on(day))
    view["sub_limits"] = [
        {**s.model_dump(mode="json"), "available": str(line.available_for(s.product_code, day))}
        for s in line.sub_limits
    ]
    return view
