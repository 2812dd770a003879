"""Routes: customer service (客户服务) — self-service answers, tickets and the service report.

A customer asks ``POST /v1/service/questions``; an answer it is unsure of, or a request for a
person (转人工), becomes an inquiry ticket in the agents' queue. Customers open, follow, reply to,
escalate and rate their own tickets; agents (客服坐席) assign, reply, extend a complaint's time
limit (the second extension with another person's approval), escalate and resolve them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._deps import call, check_owner, customer_scope, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import (
    AssignIn,
    ExtendIn,
    QuestionIn,
    RatingIn,
    ReplyIn,
    ResolveIn,
    TicketIn,
)
from loanfactory.adapters.http._problems import ApiProblem
from loanfactory.adapters.http._roles import Principal, Role

router = APIRouter()
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
TICKET_404 = {404: "No such ticket"}
STATE_409 = {**TICKET_404, 409: "Not in a state that allows it"}


@router.post(
    "/service/questions",
    tags=["service"],
    **op("service.ask", "Ask the self-service answerer; unsure or 转人工 opens a ticket (智能客服)"),
)
async def ask(
    request: Request,
    body: QuestionIn,
    principal: Annotated[Principal, guard("service.ask")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, None) or ""

    async def run(key: str) -> object:
        return await call(request, "ask", customer, body, key=key)

    return await idempotent(request, principal, idempotency_key, run)


@router.get(
    "/service/report",
    tags=["service"],
    **op(
        "service.report", "Tickets received in a period: volume, time limits met, top categories (客服报告)"
    ),
)
async def report(
    request: Request,
    principal: Annotated[Principal, guard("service.report")],
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> Response:
    if end < start:
        raise ApiProblem(422, "invalid-period", "'to' is before 'from'", "截止日期早于起始日期")
    return render(await call(request, "service_report", start, end))


@router.post(
    "/tickets",
    status_code=201,
    tags=["service"],
    **op(
        "tickets.create",
        "Open an inquiry, complaint or suggestion (提交工单)",
        extra={404: "No such customer"},
    ),
)
async def create_ticket(
    request: Request,
    body: TicketIn,
    principal: Annotated[Principal, guard("tickets.create")],
    idempotency_key: IdemKey = None,
) -> Response:
    customer = customer_scope(principal, body.customer_id)
    if customer is None:
        raise ApiProblem(
            422,
            "customer-required",
            "an agent names the customer (customer_id)",
            "坐席代客户提交须填写 customer_id",
        )

    async def run(key: str) -> object:
        return await call(request, "open_ticket", customer, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.get(
    "/tickets", tags=["service"], **op("tickets.list", "Tickets, soonest time limit first (工单列表)")
)
async def list_tickets(
    request: Request,
    principal: Annotated[Principal, guard("tickets.list")],
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(pattern=r"^(open|assigned|resolved|closed)$")] = None,
    assignee: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    scope = customer_scope(principal, customer_id)
    return render(await call(request, "list_tickets", customer_id=scope, status=status, assignee=assignee))


@router.get(
    "/tickets/{ticket_id}", tags=["service"], **op("tickets.get", "A ticket (工单)", extra=TICKET_404)
)
async def get_ticket(
    request: Request, ticket_id: IdPath, principal: Annotated[Principal, guard("tickets.get")]
) -> Response:
    found = await call(request, "get_ticket", ticket_id)
    check_owner(principal, found, "ticket", ticket_id)
    return render(found)


async def _on_ticket(
    request: Request,
    principal: Principal,
    ticket_id: str,
    key: str | None,
    method: str,
    body: object,
    **extra: object,
) -> Response:
    if principal.role is Role.customer:  # customers act only on their own tickets
        check_owner(principal, await call(request, "get_ticket", ticket_id), "ticket", ticket_id)

    async def run(service_key: str) -> object:
        return await call(request, method, ticket_id, body, actor=principal.subject, key=service_key, **extra)

    return await idempotent(request, principal, key, run)


@router.post(
    "/tickets/{ticket_id}/assign",
    tags=["service"],
    **op("tickets.assign", "Assign to an agent (分派)", extra=STATE_409),
)
async def assign(
    request: Request,
    ticket_id: IdPath,
    body: AssignIn,
    principal: Annotated[Principal, guard("tickets.assign")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _on_ticket(request, principal, ticket_id, idempotency_key, "assign_ticket", body)


@router.post(
    "/tickets/{ticket_id}/replies",
    tags=["service"],
    **op("tickets.reply", "Reply on a ticket (回复)", extra=STATE_409),
)
async def reply(
    request: Request,
    ticket_id: IdPath,
    body: ReplyIn,
    principal: Annotated[Principal, guard("tickets.reply")],
    idempotency_key: IdemKey = None,
) -> Response:
    from_customer = principal.role is Role.customer
    return await _on_ticket(
        request, principal, ticket_id, idempotency_key, "reply_ticket", body, from_customer=from_customer
    )


@router.post(
    "/tickets/{ticket_id}/extend",
    tags=["service"],
    **op("tickets.extend", "Extend a complaint's time limit with the reason (延期处理)", extra=STATE_409),
)
async def extend(
    request: Request,
    ticket_id: IdPath,
    body: ExtendIn,
    principal: Annotated[Principal, guard("tickets.extend")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _on_ticket(request, principal, ticket_id, idempotency_key, "extend_ticket", body)


@router.post(
    "/tickets/{ticket_id}/escalate",
    tags=["service"],
    **op("tickets.escalate", "Escalate (升级)", extra=STATE_409),
)
async def escalate(
    request: Request,
    ticket_id: IdPath,
    body: ReplyIn,
    principal: Annotated[Principal, guard("tickets.escalate")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _on_ticket(request, principal, ticket_id, idempotency_key, "escalate_ticket", body)


@router.post(
    "/tickets/{ticket_id}/resolve",
    tags=["service"],
    **op("tickets.resolve", "Record the decision told to the customer (处理决定)", extra=STATE_409),
)
async def resolve(
    request: Request,
    ticket_id: IdPath,
    body: ResolveIn,
    principal: Annotated[Principal, guard("tickets.resolve")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _on_ticket(request, principal, ticket_id, idempotency_key, "resolve_ticket", body)


@router.post(
    "/tickets/{ticket_id}/rating",
    tags=["service"],
    **op("tickets.rate", "Rate a resolved ticket 1-5 (满意度评价)", extra=STATE_409),
)
async def rate(
    request: Request,
    ticket_id: IdPath,
    body: RatingIn,
    principal: Annotated[Principal, guard("tickets.rate")],
    idempotency_key: IdemKey = None,
) -> Response:
    return await _on_ticket(request, principal, ticket_id, idempotency_key, "rate_ticket", body)
