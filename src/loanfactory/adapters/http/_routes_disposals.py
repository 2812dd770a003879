"""Routes: collateral disposal (抵押物处置) of loans 90+ days past due, for operations and risk.

Operations request a disposal, record the appraisal, the sale (or its failure) and close it; risk
approves it (a second person: never the requester or the appraisal recorder). The proceeds are
recorded only as money the bank confirmed, with its serial number, taken once; allocating them
posts to the loan (costs of disposal first, then the product's waterfall, then the principal not
yet due) and refunds or holds what is beyond the whole debt. Every step needs an
``Idempotency-Key``; a step in the wrong state answers 409 ``disposal-state``.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response

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
from loanfactory.adapters.http._deps import as_staff, call, guard, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import Body
from loanfactory.adapters.http._roles import Principal

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
TAGS: list[str | Enum] = ["collateral disposal"]
STEP = {403: "Not this role, or the same person twice", 404: "No such disposal", 409: "Not in this state"}


async def _step(
    request: Request, principal: Principal, key: str | None, disposal_id: str, step: str, body: Body
) -> Response:
    return await as_staff(request, principal, key, "disposal_step", disposal_id, step, body)


@router.post(
    "/loans/{loan_id}/disposals",
    status_code=201,
    tags=TAGS,
    **op(
        "disposals.request",
        "Ask to dispose of a loan's collateral (申请处置押品)",
        extra={404: "No such loan", 409: "Not 90+ days past due, not secured, or one under way"},
    ),
)
async def request_disposal(
    request: Request,
    loan_id: IdPath,
    body: DisposalRequest,
    principal: Annotated[Principal, guard("disposals.request")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await as_staff(request, principal, idempotency_key, "request_disposal", loan_id, body, status=201)


@router.get(
    "/loans/{loan_id}/disposals",
    tags=TAGS,
    **op("disposals.list", "A loan's collateral disposals (处置记录)", extra={404: "No such loan"}),
)
async def loan_disposals(
    request: Request, loan_id: IdPath, principal: Annotated[Principal, guard("disposals.list")]
) -> Response:
    return render(await call(request, "loan_disposals", loan_id))


@router.get(
    "/disposals/{disposal_id}",
    tags=TAGS,
    **op("disposals.get", "A disposal, its steps and money (处置详情)", extra={404: "No such disposal"}),
)
async def get_disposal(
    request: Request, disposal_id: IdPath, principal: Annotated[Principal, guard("disposals.get")]
) -> Response:
    return render(await call(request, "get_disposal", disposal_id))


@router.post(
    "/disposals/{disposal_id}/appraisal",
    tags=TAGS,
    **op("disposals.appraisal", "Record the appraised value (评估)", extra=STEP),
)
async def appraise(
    request: Request,
    disposal_id: IdPath,
    body: AppraisalIn,
    principal: Annotated[Principal, guard("disposals.appraisal")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "appraisal", body)


@router.post(
    "/disposals/{disposal_id}/approve",
    tags=TAGS,
    **op("disposals.approve", "Approve the disposal, a second person (双人审批)", extra=STEP),
)
async def approve(
    request: Request,
    disposal_id: IdPath,
    body: Note,
    principal: Annotated[Principal, guard("disposals.approve")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "approve", body)


@router.post(
    "/disposals/{disposal_id}/sale",
    tags=TAGS,
    **op("disposals.sale", "Put the collateral up for sale (挂拍/变卖)", extra=STEP),
)
async def start_sale(
    request: Request,
    disposal_id: IdPath,
    body: SaleStart,
    principal: Annotated[Principal, guard("disposals.sale")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "sale", body)


@router.post(
    "/disposals/{disposal_id}/sold",
    tags=TAGS,
    **op("disposals.sold", "Record the sale: price and costs of disposal (成交)", extra=STEP),
)
async def record_sale(
    request: Request,
    disposal_id: IdPath,
    body: SaleIn,
    principal: Annotated[Principal, guard("disposals.sold")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "sold", body)


@router.post(
    "/disposals/{disposal_id}/fail",
    tags=TAGS,
    **op("disposals.fail", "The sale failed (流拍/处置失败)", extra=STEP),
)
async def fail(
    request: Request,
    disposal_id: IdPath,
    body: Reason,
    principal: Annotated[Principal, guard("disposals.fail")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "fail", body)


@router.post(
    "/disposals/{disposal_id}/withdraw",
    tags=TAGS,
    **op("disposals.withdraw", "Withdraw the disposal before proceeds arrive (撤回)", extra=STEP),
)
async def withdraw(
    request: Request,
    disposal_id: IdPath,
    body: Reason,
    principal: Annotated[Principal, guard("disposals.withdraw")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "withdraw", body)


@router.post(
    "/disposals/{disposal_id}/proceeds",
    tags=TAGS,
    **op(
        "disposals.proceeds",
        "Record the proceeds the bank confirmed (处置款到账)",
        extra={**STEP, 409: "Not sold, or the reference was taken", 422: "More than the price"},
    ),
)
async def receive_proceeds(
    request: Request,
    disposal_id: IdPath,
    body: ProceedsIn,
    principal: Annotated[Principal, guard("disposals.proceeds")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "proceeds", body)


@router.post(
    "/disposals/{disposal_id}/allocate",
    tags=TAGS,
    **op(
        "disposals.allocate",
        "Apply the proceeds to the loan; refund or hold the surplus (处置款冲抵)",
        extra={**STEP, 409: "No proceeds yet, or no verified account for a refund"},
    ),
)
async def allocate(
    request: Request,
    disposal_id: IdPath,
    body: AllocationIn,
    principal: Annotated[Principal, guard("disposals.allocate")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "allocate", body)


@router.post(
    "/disposals/{disposal_id}/close",
    tags=TAGS,
    **op("disposals.close", "Close an allocated disposal (结案)", extra=STEP),
)
async def close(
    request: Request,
    disposal_id: IdPath,
    body: Note,
    principal: Annotated[Principal, guard("disposals.close")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _step(request, principal, idempotency_key, disposal_id, "close", body)
