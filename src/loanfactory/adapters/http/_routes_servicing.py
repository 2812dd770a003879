"""Routes: contracts (合同), disbursements (放款), loans (贷款), end of day (日终).

Repayments, prepayments and the other collections are in ``_routes_payments``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, check_owner, customer_scope, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import (
    BatchDisbursementRequest,
    DisbursementRequest,
    EodRequest,
    SignRequest,
)
from loanfactory.adapters.http._roles import Principal, Role

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
LOAN_404 = {404: "No such loan"}


@router.get(
    "/contracts/{contract_id}",
    tags=["contracts"],
    **op("contracts.get", "A contract (合同)", extra={404: "No such contract"}),
)
async def get_contract(
    request: Request, contract_id: IdPath, principal: Annotated[Principal, guard("contracts.get")]
) -> Response:
    contract = await call(request, "get_contract", contract_id)
    check_owner(principal, contract, "contract", contract_id)
    return render(contract)


@router.post(
    "/contracts/{contract_id}/sign",
    tags=["contracts"],
    **op("contracts.sign", "Sign a contract (签署)", extra={404: "No such contract", 409: "Already signed"}),
)
async def sign_contract(
    request: Request,
    contract_id: IdPath,
    body: SignRequest,
    principal: Annotated[Principal, guard("contracts.sign")],
) -> Response:
    contract = await call(request, "get_contract", contract_id)
    check_owner(principal, contract, "contract", contract_id)
    signer = "borrower" if principal.role is Role.customer else "lender"
    return render(
        await call(request, "sign_contract", contract_id, body, actor=principal.subject, signer_role=signer)
    )


@router.post(
    "/disbursements",
    status_code=201,
    tags=["disbursements"],
    **op("disbursements.create", "Disburse a loan (放款)"),
)
async def disburse(
    request: Request,
    body: DisbursementRequest,
    principal: Annotated[Principal, guard("disbursements.create")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        return await call(request, "disburse", body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.post(
    "/disbursements/batch",
    tags=["disbursements"],
    **op("disbursements.batch", "Disburse many loans (批量放款)"),
)
async def disburse_batch(
    request: Request,
    body: BatchDisbursementRequest,
    principal: Annotated[Principal, guard("disbursements.batch")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        return await call(request, "disburse_batch", body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run)


@router.get("/loans", tags=["loans"], **op("loans.list", "List loans"))
async def list_loans(
    request: Request,
    principal: Annotated[Principal, guard("loans.list")],
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_-]+$")] = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    scope = customer_scope(principal, customer_id)
    return render(await call(request, "list_loans", customer_id=scope, status=status))


async def _own_loan(request: Request, principal: Principal, loan_id: str) -> object:
    loan = await call(request, "get_loan", loan_id)
    check_owner(principal, loan, "loan", loan_id)
    return loan


@router.get("/loans/{loan_id}", tags=["loans"], **op("loans.get", "A loan with its balances", extra=LOAN_404))
async def get_loan(
    request: Request, loan_id: IdPath, principal: Annotated[Principal, guard("loans.get")]
) -> Response:
    return render(await _own_loan(request, principal, loan_id))


@router.get(
    "/loans/{loan_id}/schedule",
    tags=["loans"],
    **op("loans.schedule", "Repayment schedule (还款计划)", extra=LOAN_404),
)
async def loan_schedule(
    request: Request, loan_id: IdPath, principal: Annotated[Principal, guard("loans.schedule")]
) -> Response:
    await _own_loan(request, principal, loan_id)
    return render(await call(request, "loan_schedule", loan_id))


@router.get(
    "/loans/{loan_id}/commitment",
    tags=["loans"],
    **op("loans.commitment", "Paid out, in flight and left to draw, by tranche (放款进度)", extra=LOAN_404),
)
async def loan_commitment(
    request: Request, loan_id: IdPath, principal: Annotated[Principal, guard("loans.commitment")]
) -> Response:
    await _own_loan(request, principal, loan_id)
    return render(await call(request, "loan_commitment", loan_id))


@router.get(
    "/loans/{loan_id}/payoff-quote",
    tags=["loans"],
    **op("loans.payoff", "Payoff amount on a date (提前结清试算)", extra=LOAN_404),
)
async def payoff_quote(
    request: Request,
    loan_id: IdPath,
    principal: Annotated[Principal, guard("loans.payoff")],
    on: Annotated[date | None, Query(description="Business date; today by default")] = None,
) -> Response:
    await _own_loan(request, principal, loan_id)
    return render(await call(request, "payoff_quote", loan_id, on))


@router.post(
    "/eod-runs", tags=["end of day"], **op("eod.run", "Run end of day (日终)", extra={409: "Already running"})
)
async def run_eod(
    request: Request, body: EodRequest, principal: Annotated[Principal, guard("eod.run")]
) -> Response:
    return render(await call(request, "run_eod", body, actor=principal.subject))


@router.get(
    "/eod-runs/{business_date}",
    tags=["end of day"],
    **op("eod.status", "End-of-day status", extra={404: "No run for that date"}),
)
async def eod_status(
    request: Request, business_date: date, principal: Annotated[Principal, guard("eod.status")]
) -> Response:
    return render(await call(request, "eod_status", business_date))
