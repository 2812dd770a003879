"""Routes: customer accounts (客户账户) — registration, profile and tags, credit line, repayment
records, and the bound cards' re-verification and removal (the cards themselves are payout
accounts, :mod:`._routes_accounts`).

A customer signed in at the bank's identity provider whose token names no customer yet may only
register; the registration binds that sign-in to the new customer, so the next request with a
token of the same sign-in acts for that customer. An officer may register a customer at a branch;
that customer, signed in later, links the sign-in by proving the customer is them
(``POST /v1/customers/link``: ID, name, a verified card and its phone, checked again).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

from loanfactory.adapters.http._bodies import LinkRequest
from loanfactory.adapters.http._deps import call, check_owner, customer_scope, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import CustomerRegistration
from loanfactory.adapters.http._problems import ApiProblem
from loanfactory.adapters.http._roles import Principal, Role

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
CUSTOMER_404 = {404: "No such customer"}
ACCOUNT_404 = {404: "No such payout account"}


@router.post(
    "/customers",
    status_code=201,
    tags=["customers"],
    **op(
        "customers.register",
        "Open a customer account: individual, 个体工商户 or enterprise (开户与核验)",
        extra={409: "Already registered, this sign-in is bound, or KYC unavailable"},
    ),
)
async def register_customer(
    request: Request,
    body: CustomerRegistration,
    principal: Annotated[Principal, guard("customers.register")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        login = None
        if principal.role is Role.customer:
            if principal.customer_id is not None:
                raise ApiProblem(
                    409,
                    "already-registered",
                    f"this sign-in already acts for customer {principal.customer_id}",
                    f"当前登录身份已对应客户 {principal.customer_id}",
                )
            login = principal.key_id
        return await call(request, "register_customer", body, login=login, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.post(
    "/customers/link",
    tags=["customers"],
    **op(
        "customers.link",
        "Link this sign-in to the customer registered at a branch, by proof (登录身份认领)",
        extra={409: "This sign-in or the customer is linked, not proven, or KYC unavailable"},
    ),
)
async def link_customer(
    request: Request,
    body: LinkRequest,
    principal: Annotated[Principal, guard("customers.link")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        if principal.customer_id is not None:
            raise ApiProblem(
                409,
                "already-registered",
                f"this sign-in already acts for customer {principal.customer_id}",
                f"当前登录身份已对应客户 {principal.customer_id}",
            )
        return await call(request, "link_customer", body, login=principal.key_id, key=key)

    return await idempotent(request, principal, idempotency_key, run)


@router.get(
    "/customers/{customer_id}",
    tags=["customers"],
    **op(
        "customers.get",
        "A customer's profile, tags and verification results (客户资料与画像)",
        extra=CUSTOMER_404,
    ),
)
async def get_customer(
    request: Request, customer_id: IdPath, principal: Annotated[Principal, guard("customers.get")]
) -> Response:
    found = await call(request, "get_customer", customer_id)
    check_owner(principal, {"customer_id": found["id"]}, "customer", customer_id)
    return render(found)


@router.get(
    "/customers/{customer_id}/credit-lines",
    tags=["customers"],
    **op(
        "customers.credit_lines",
        "Credit lines and sub-limits, with what is available (授信额度)",
        extra=CUSTOMER_404,
    ),
)
async def credit_lines(
    request: Request, customer_id: IdPath, principal: Annotated[Principal, guard("customers.credit_lines")]
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id
    return render(await call(request, "customer_credit_lines", customer))


@router.get(
    "/customers/{customer_id}/repayments",
    tags=["customers"],
    **op(
        "customers.repayments",
        "Repayment records over all the customer's loans (还款记录)",
        extra=CUSTOMER_404,
    ),
)
async def repayments(
    request: Request, customer_id: IdPath, principal: Annotated[Principal, guard("customers.repayments")]
) -> Response:
    customer = customer_scope(principal, customer_id) or customer_id
    return render(await call(request, "customer_repayments", customer))


@router.post(
    "/customers/{customer_id}/payout-accounts/{account_id}/reverify",
    tags=["payout accounts"],
    **op(
        "payout_accounts.reverify",
        "Check a bound card's four elements again (银行卡重新核验)",
        extra={**ACCOUNT_404, 409: "Not a card, removed, or KYC unavailable"},
    ),
)
async def reverify(
    request: Request,
    customer_id: IdPath,
    account_id: IdPath,
    principal: Annotated[Principal, guard("payout_accounts.reverify")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _card_command(
        request, principal, idempotency_key, "reverify_payout_account", customer_id, account_id
    )


@router.delete(
    "/customers/{customer_id}/payout-accounts/{account_id}",
    tags=["payout accounts"],
    **op(
        "payout_accounts.remove",
        "Remove (unbind) a card or account; nothing is paid to it afterwards (解绑)",
        extra={**ACCOUNT_404, 409: "Removed already"},
    ),
)
async def remove(
    request: Request,
    customer_id: IdPath,
    account_id: IdPath,
    principal: Annotated[Principal, guard("payout_accounts.remove")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _card_command(
        request, principal, idempotency_key, "remove_payout_account", customer_id, account_id
    )


async def _card_command(
    request: Request,
    principal: Principal,
    idempotency_key: str | None,
    method: str,
    customer_id: str,
    account_id: str,
) -> Response:
    """A customer's command on one of their own cards, once per Idempotency-Key."""
    customer = customer_scope(principal, customer_id) or customer_id

    async def run(key: str) -> object:
        return await call(request, method, customer, account_id, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run)
