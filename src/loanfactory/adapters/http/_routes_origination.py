"""Routes: applications (贷款申请), their documents and consents, results, review tasks (审批) and
offers (接受或放弃报价)."""

# no "from __future__ import annotations": the routes made in functions need their annotations
# evaluated where `operation` is in scope (FastAPI resolves string annotations in module globals)
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, check_owner, customer_scope, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import (
    ApplicationCreate,
    ConsentIn,
    DocumentIn,
    OfferAcceptance,
    ReviewDecision,
)
from loanfactory.adapters.http._problems import ApiProblem
from loanfactory.adapters.http._roles import Principal

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Status = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
NOT_FOUND = {404: "No such application"}


@router.post(
    "/applications",
    status_code=201,
    tags=["applications"],
    **op("applications.create", "Apply for a loan (在线申请)"),
)
async def create_application(
    request: Request,
    body: ApplicationCreate,
    principal: Annotated[Principal, guard("applications.create")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, body.customer_id)
    if customer is None:
        raise ApiProblem(
            422, "customer-required", "name the customer_id to apply for", "请填写客户编号 customer_id"
        )

    async def run(key: str) -> object:
        return await call(
            request, "create_application", body, customer_id=customer, actor=principal.subject, key=key
        )

    if idempotency_key is None:  # not money yet: a key is welcome but optional
        return render(await run(f"{principal.subject}:{uuid.uuid4().hex}"), 201)
    return await idempotent(request, principal, idempotency_key, run, 201)


@router.get("/applications", tags=["applications"], **op("applications.list", "List applications"))
async def list_applications(
    request: Request,
    principal: Annotated[Principal, guard("applications.list")],
    status: Status = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    scope = customer_scope(principal, customer_id)
    return render(await call(request, "list_applications", customer_id=scope, status=status))


async def _own_application(request: Request, principal: Principal, application_id: str) -> object:
    application = await call(request, "get_application", application_id)
    check_owner(principal, application, "application", application_id)
    return application


@router.get(
    "/applications/{application_id}",
    tags=["applications"],
    **op("applications.get", "One application", extra=NOT_FOUND),
)
async def get_application(
    request: Request, application_id: IdPath, principal: Annotated[Principal, guard("applications.get")]
) -> Response:
    return render(await _own_application(request, principal, application_id))


@router.post(
    "/applications/{application_id}/documents",
    tags=["applications"],
    **op("applications.documents.add", "Add a document's metadata (上传材料)", extra=NOT_FOUND),
)
async def add_document(
    request: Request,
    application_id: IdPath,
    body: DocumentIn,
    principal: Annotated[Principal, guard("applications.documents.add")],
) -> Response:
    await _own_application(request, principal, application_id)
    return render(await call(request, "add_document", application_id, body, actor=principal.subject))


@router.post(
    "/applications/{application_id}/consents",
    tags=["applications"],
    **op("applications.consents.add", "Record a consent (授权)", extra=NOT_FOUND),
)
async def add_consent(
    request: Request,
    application_id: IdPath,
    body: ConsentIn,
    principal: Annotated[Principal, guard("applications.consents.add")],
) -> Response:
    await _own_application(request, principal, application_id)
    return render(await call(request, "add_consent", application_id, body, actor=principal.subject))


@router.get(
    "/applications/{application_id}/result",
    tags=["applications"],
    **op("applications.result", "Decision with reasons and offer (审批结果)", extra=NOT_FOUND),
)
async def application_result(
    request: Request, application_id: IdPath, principal: Annotated[Principal, guard("applications.result")]
) -> Response:
    await _own_application(request, principal, application_id)
    return render(await call(request, "application_result", application_id))


@router.get("/review-tasks", tags=["reviews"], **op("reviews.list", "Review tasks (审批任务)"))
async def list_reviews(
    request: Request,
    principal: Annotated[Principal, guard("reviews.list")],
    stage: Annotated[Literal["first", "second"] | None, Query()] = None,
    status: Status = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    return render(await call(request, "list_review_tasks", stage=stage, status=status, assignee=assignee))


@router.post(
    "/review-tasks/{task_id}/claim",
    tags=["reviews"],
    **op(
        "reviews.claim",
        "Claim a task (领取)",
        extra={
            403: "Not this reviewer's duty (role and amount, own application, four-eyes)",
            404: "No such task",
            409: "Already claimed or decided",
        },
    ),
)
async def claim(
    request: Request, task_id: IdPath, principal: Annotated[Principal, guard("reviews.claim")]
) -> Response:
    return render(
        await call(request, "claim_review", task_id, actor=principal.subject, role=principal.role.value)
    )


def _decision_route(outcome: str, operation: str, summary: str) -> None:
    @router.post(
        f"/review-tasks/{{task_id}}/{outcome}",
        tags=["reviews"],
        name=operation,
        **op(
            operation,
            summary,
            extra={
                403: "Not this reviewer's duty (role and amount, own application, four-eyes)",
                404: "No such task",
                409: "Not held by the caller",
            },
        ),
    )
    async def decide(
        request: Request,
        task_id: IdPath,
        body: ReviewDecision,
        principal: Annotated[Principal, guard(operation)],
    ) -> Response:
        return render(
            await call(
                request,
                "decide_review",
                task_id,
                outcome,
                body,
                actor=principal.subject,
                role=principal.role.value,
            )
        )


_decision_route("approve", "reviews.approve", "Approve (通过)")
_decision_route("reject", "reviews.reject", "Reject (拒绝)")
_decision_route("return", "reviews.return", "Return for more documents (退回补件)")


async def _own_offer(request: Request, principal: Principal, offer_id: str) -> object:
    offer = await call(request, "get_offer", offer_id)
    check_owner(principal, offer, "offer", offer_id)
    return offer


@router.post(
    "/offers/{offer_id}/accept",
    status_code=201,
    tags=["offers"],
    **op(
        "offers.accept",
        "Accept an offer: the contract is drawn up (接受报价并生成合同)",
        extra={404: "No such offer", 409: "The offer is not open (accepted, declined or lapsed)"},
    ),
)
async def accept_offer(
    request: Request,
    offer_id: IdPath,
    principal: Annotated[Principal, guard("offers.accept")],
    body: OfferAcceptance | None = None,
    idempotency_key: IdemKey = None,
) -> Response:
    await _own_offer(request, principal, offer_id)
    acceptance = body or OfferAcceptance()

    async def run(key: str) -> object:
        return await call(request, "accept_offer", offer_id, acceptance, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.post(
    "/offers/{offer_id}/decline",
    tags=["offers"],
    **op(
        "offers.decline",
        "Decline an offer; the credit line hold is released (放弃报价)",
        extra={404: "No such offer", 409: "The offer is not open"},
    ),
)
async def decline_offer(
    request: Request, offer_id: IdPath, principal: Annotated[Principal, guard("offers.decline")]
) -> Response:
    await _own_offer(request, principal, offer_id)
    return render(await call(request, "decline_offer", offer_id, actor=principal.subject))
