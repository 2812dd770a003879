"""Routes: who am I, the product catalog (list, filter, compare, recommend) and quotes (报价试算)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import compute, customer_scope, guard, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import CompareRequest, QuoteRequest, RecommendRequest
from loanfactory.adapters.http._roles import Principal
from loanfactory.money import StrictMoney
from loanfactory.spec import LoanPurpose, SalesChannel, Segment, Status

router = APIRouter()
CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/me", tags=["auth"], **op("me.get", "The authenticated caller"))
async def me(principal: Annotated[Principal, guard("me.get")]) -> Response:
    return render(
        {"subject": principal.subject, "role": principal.role.value, "customer_id": principal.customer_id}
    )


@router.get("/products", tags=["catalog"], **op("catalog.list", "List and filter products (产品列表)"))
async def list_products(
    request: Request,
    principal: Annotated[Principal, guard("catalog.list")],
    channel: SalesChannel | None = None,
    segment: Segment | None = None,
    purpose: LoanPurpose | None = None,
    status: Status | None = None,
    amount: Annotated[StrictMoney | None, Query()] = None,
    term: Annotated[int | None, Query(ge=1, le=600)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    filters = {
        "channel": channel,
        "segment": segment,
        "purpose": purpose,
        "status": status,
        "amount": amount,
        "term": term,
        "tag": tag,
    }
    return render(compute(request, "list_products", {k: v for k, v in filters.items() if v is not None}))


@router.get(
    "/products/{code}",
    tags=["catalog"],
    **op("catalog.get", "One product (产品详情)", extra={404: "No such product"}),
)
async def get_product(
    request: Request, code: CodePath, principal: Annotated[Principal, guard("catalog.get")]
) -> Response:
    return render(compute(request, "get_product", code))


@router.post("/products/compare", tags=["catalog"], **op("catalog.compare", "Compare products (产品对比)"))
async def compare(
    request: Request, body: CompareRequest, principal: Annotated[Principal, guard("catalog.compare")]
) -> Response:
    return render(compute(request, "compare_products", body))


@router.post(
    "/products/recommend", tags=["catalog"], **op("catalog.recommend", "Recommend products (产品推荐)")
)
async def recommend(
    request: Request, body: RecommendRequest, principal: Annotated[Principal, guard("catalog.recommend")]
) -> Response:
    return render(compute(request, "recommend_products", body, customer_scope(principal, body.customer_id)))


@router.post(
    "/quotes",
    tags=["quotes"],
    **op("quotes.create", "Quote a loan: schedule, fees, APR (报价)", extra={404: "No such product"}),
)
async def quote(
    request: Request, body: QuoteRequest, principal: Annotated[Principal, guard("quotes.create")]
) -> Response:
    return render(compute(request, "quote", body), public=True)
