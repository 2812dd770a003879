"""Routes: a customer's payout accounts (放款账户) — listed by staff, changed only by the customer.

Adding an account starts its verification: a card's four elements are checked at once; a
corporate or payee account gets a small deposit, which the customer confirms with the amount and
the code they read on the account's statement. The role table admits only customers to the
changing operations, for themselves: an officer cannot redirect a customer's payout.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, customer_scope, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import DepositConfirmation, PayoutAccountIn
from loanfactory.adapters.http._roles import Principal

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
ACCOUNT_404 = {404: "No such payout account"}


@router.get(
    "/customers/{customer_id}/payout-accounts",
    tags=["payout accounts"],
    **op("payout_accounts.list", "A customer's payout accounts (放款账户)"),
)
async def list_payout_accounts(
    request: Request, customer_id: IdPath, principal: Annotated[Principal, guard("payout_accounts.list")]
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id
    return render(await call(request, "list_payout_accounts", customer))


@router.post(
    "/customers/{customer_id}/payout-accounts",
    status_code=201,
    tags=["payout accounts"],
    **op(
        "payout_accounts.add",
        "Add a payout account and start its verification (添加并验证放款账户)",
        extra={409: "The check could not run (KYC unavailable)"},
    ),
)
async def add_payout_account(
    request: Request,
    customer_id: IdPath,
    body: PayoutAccountIn,
    principal: Annotated[Principal, guard("payout_accounts.add")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id

    async def run(key: str) -> object:
        return await call(request, "add_payout_account", customer, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.post(
    "/customers/{customer_id}/payout-accounts/{account_id}/confirm",
    tags=["payout accounts"],
    **op(
        "payout_accounts.confirm",
        "Confirm a small deposit: amount and code (确认打款验证)",
        extra={**ACCOUNT_404, 409: "Not waiting for a confirmation"},
    ),
)
async def confirm_payout_account(
    request: Request,
    customer_id: IdPath,
    account_id: IdPath,
    body: DepositConfirmation,
    principal: Annotated[Principal, guard("payout_accounts.confirm")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id

    async def run(key: str) -> object:
        return await call(
            request, "confirm_payout_account", customer, account_id, body, actor=principal.subject, key=key
        )

    return await idempotent(request, principal, idempotency_key, run)


@router.post(
    "/customers/{customer_id}/payout-accounts/{account_id}/resend",
    tags=["payout accounts"],
    **op(
        "payout_accounts.resend",
        "Send a new small deposit (重新打款验证)",
        extra={**ACCOUNT_404, 409: "Nothing to send"},
    ),
)
async def resend_deposit(
    request: Request,
    customer_id: IdPath,
    account_id: IdPath,
    principal: Annotated[Principal, guard("payout_accounts.resend")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id

    async def run(key: str) -> object:
        return await call(
            request, "resend_payout_deposit", customer, account_id, actor=principal.subject, key=key
        )

    return await idempotent(request, principal, idempotency_key, run)
