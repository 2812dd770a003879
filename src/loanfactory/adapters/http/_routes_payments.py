"""Routes: collections (收款) — repayment and prepayment requests, collection orders, the payment
system's callbacks, offline payments, reversals and their four-eyes review (双人复核).

A repayment or prepayment request answers ``202 Accepted`` with the collection order: nothing is
credited until the payment system confirms the collection, by a signed callback to
``POST /v1/payments/callbacks`` or the server's polling (see ``docs/http-api.md``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import (
    as_staff,
    call,
    check_owner,
    guard,
    idempotent,
    not_found,
    render,
)
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import PrepaymentRequest, RepaymentRequest
from loanfactory.adapters.http._payment_models import OfflinePaymentRequest, PostingDecision, ReversalRequest
from loanfactory.adapters.http._problems import PROBLEM_JSON, ApiProblem
from loanfactory.adapters.http._roles import SIGNED, Principal
from loanfactory.adapters.payments import SignatureRefused
from loanfactory.errors import NotFound

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
LOAN_404 = {404: "No such loan"}
ACCEPTED = {202: {"description": "The collection order; credited when the payment system confirms it"}}


async def _own_loan(request: Request, principal: Principal, loan_id: str) -> object:
    loan = await call(request, "get_loan", loan_id)
    check_owner(principal, loan, "loan", loan_id)
    return loan


@router.post(
    "/loans/{loan_id}/repayments",
    status_code=202,
    tags=["collections"],
    **op("loans.repay", "Ask to repay: a collection order (还款)", extra={**LOAN_404, 409: "Loan closed"}),
)
async def repay(
    request: Request,
    loan_id: IdPath,
    body: RepaymentRequest,
    principal: Annotated[Principal, guard("loans.repay")],
    idempotency_key: IdemKey = None,
) -> Response:
    await _own_loan(request, principal, loan_id)

    async def run(key: str) -> object:
        return await call(request, "repay", loan_id, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 202)


@router.post(
    "/loans/{loan_id}/prepayments",
    status_code=202,
    tags=["collections"],
    **op(
        "loans.prepay",
        "Ask to prepay: a collection order (提前还款)",
        extra={**LOAN_404, 409: "Not allowed now"},
    ),
)
async def prepay(
    request: Request,
    loan_id: IdPath,
    body: PrepaymentRequest,
    principal: Annotated[Principal, guard("loans.prepay")],
    idempotency_key: IdemKey = None,
) -> Response:
    await _own_loan(request, principal, loan_id)

    async def run(key: str) -> object:
        return await call(request, "prepay", loan_id, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 202)


@router.get(
    "/loans/{loan_id}/collections",
    tags=["collections"],
    **op("loans.collections", "A loan's collection orders (扣款记录)", extra=LOAN_404),
)
async def loan_collections(
    request: Request, loan_id: IdPath, principal: Annotated[Principal, guard("loans.collections")]
) -> Response:
    await _own_loan(request, principal, loan_id)
    return render(await call(request, "collection_orders", loan_id))


@router.get(
    "/collections/{order_id}",
    tags=["collections"],
    **op("collections.get", "A collection order and what was confirmed", extra={404: "No such order"}),
)
async def get_collection(
    request: Request, order_id: IdPath, principal: Annotated[Principal, guard("collections.get")]
) -> Response:
    try:
        order = await call(request, "collection_order", order_id)
    except NotFound:
        raise not_found("collection order", order_id) from None
    check_owner(principal, order, "collection order", order_id)
    return render(order)


_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_CALLBACK_DOC: dict[str, Any] = {
    "operation_id": "payments.callback",
    "summary": "The payment system reports an outcome (支付结果通知)",
    "description": f"**Caller:** {SIGNED['payments.callback']}. The body is a payment result; a "
    "message (key id and nonce) is accepted once, and the first final outcome of an order wins.",
    "responses": {
        code: {
            "description": text,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code, text in (
            (401, "Not signed, unknown key, bad signature or stale timestamp"),
            (404, "No such payment order"),
            (409, "A replayed message, or a reference already credited"),
            (422, "The body is not a payment result"),
        )
    },
    "openapi_extra": {"security": [], "x-roles": []},
}


@router.post("/payments/callbacks", tags=["collections"], **_CALLBACK_DOC)
async def payment_callback(request: Request) -> Response:
    body = await request.body()
    try:
        done = await call(request, "payment_callback", dict(request.headers), body)
    except SignatureRefused as exc:
        raise ApiProblem(401, exc.code, exc.message, exc.message_zh or exc.message) from None
    return render(done)


@router.post(
    "/loans/{loan_id}/offline-payments",
    status_code=201,
    tags=["collections"],
    **op(
        "loans.offline_payments",
        "Post money received at the counter or by transfer (线下收款入账)",
        extra={**LOAN_404, 409: "Reference already posted"},
    ),
)
async def offline_payment(
    request: Request,
    loan_id: IdPath,
    body: OfflinePaymentRequest,
    principal: Annotated[Principal, guard("loans.offline_payments")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await as_staff(request, principal, idempotency_key, "offline_payment", loan_id, body, status=201)


@router.post(
    "/loans/{loan_id}/reversals",
    status_code=201,
    tags=["collections"],
    **op(
        "loans.reversals",
        "Reverse a credited payment (冲正)",
        extra={**LOAN_404, 409: "Already reversed, blocked, or reference used"},
    ),
)
async def reverse_payment(
    request: Request,
    loan_id: IdPath,
    body: ReversalRequest,
    principal: Annotated[Principal, guard("loans.reversals")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await as_staff(request, principal, idempotency_key, "reverse_payment", loan_id, body, status=201)


@router.get("/manual-postings", tags=["collections"], **op("postings.list", "Manual postings (待复核)"))
async def list_postings(
    request: Request,
    principal: Annotated[Principal, guard("postings.list")],
    status: Literal["pending", "posted", "rejected"] | None = None,
    loan_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
) -> Response:
    return render(await call(request, "manual_postings", status=status, loan_id=loan_id))


@router.post(
    "/manual-postings/{posting_id}/approve",
    tags=["collections"],
    **op(
        "postings.approve",
        "Approve a pending posting: it is posted now (复核通过)",
        extra={403: "The maker cannot approve", 404: "No such posting", 409: "Not pending"},
    ),
)
async def approve_posting(
    request: Request,
    posting_id: IdPath,
    body: PostingDecision,
    principal: Annotated[Principal, guard("postings.approve")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await as_staff(request, principal, idempotency_key, "decide_posting", posting_id, "approve", body)


@router.post(
    "/manual-postings/{posting_id}/reject",
    tags=["collections"],
    **op(
        "postings.reject",
        "Reject a pending posting (复核驳回)",
        extra={403: "The maker cannot reject", 404: "No such posting", 409: "Not pending"},
    ),
)
async def reject_posting(
    request: Request,
    posting_id: IdPath,
    body: PostingDecision,
    principal: Annotated[Principal, guard("postings.reject")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await as_staff(request, principal, idempotency_key, "decide_posting", posting_id, "reject", body)
