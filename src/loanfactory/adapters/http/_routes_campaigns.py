"""Routes: campaigns (营销活动) for the marketing role — list, launch, pause, resume, issue rewards
(red packet, line increase, coupon; referrals), and the effect report (活动效果: reached,
participated, converted, cost, interest income, ROI).

Campaigns are named by their code. Launching, pausing, resuming and issuing rewards need an
``Idempotency-Key``: a retried request answers what the first one did, and never launches a second
campaign or grants a second reward.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response

from loanfactory.adapters.http._bodies import ReferralIn, RewardIn
from loanfactory.adapters.http._deps import call, guard, idempotent, render
from loanfactory.adapters.http._doc import op
from loanfactory.adapters.http._models import CampaignCreate, CampaignStatusChange
from loanfactory.adapters.http._roles import Principal

router = APIRouter()
CodePath = Annotated[str, Path(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]{1,63}$")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
CAMPAIGN_404 = {404: "No such campaign"}


@router.get(
    "/campaigns", tags=["campaigns"], **op("campaigns.list", "Campaigns by code, with budgets (营销活动)")
)
async def list_campaigns(
    request: Request,
    principal: Annotated[Principal, guard("campaigns.list")],
    status: Annotated[Literal["active", "paused", "ended"] | None, Query()] = None,
) -> Response:
    return render(await call(request, "list_campaigns", status=status))


@router.post(
    "/campaigns",
    status_code=201,
    tags=["campaigns"],
    **op("campaigns.create", "Launch a campaign (创建活动)", extra={409: "The code is taken"}),
)
async def create_campaign(
    request: Request,
    body: CampaignCreate,
    principal: Annotated[Principal, guard("campaigns.create")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        return await call(request, "launch_campaign", body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.get(
    "/campaigns/{code}", tags=["campaigns"], **op("campaigns.get", "A campaign (活动)", extra=CAMPAIGN_404)
)
async def get_campaign(
    request: Request, code: CodePath, principal: Annotated[Principal, guard("campaigns.get")]
) -> Response:
    return render(await call(request, "get_campaign", code))


def _status_route(action: str, status: str, summary: str) -> None:
    operation = f"campaigns.{action}"

    @router.post(
        f"/campaigns/{{code}}/{action}",
        tags=["campaigns"],
        name=operation,
        **op(operation, summary, extra={**CAMPAIGN_404, 409: "Not allowed from the current status"}),
    )
    async def change(
        request: Request,
        code: CodePath,
        principal: Annotated[Principal, guard(operation)],
        body: CampaignStatusChange | None = None,
        idempotency_key: IdemKey = None,
    ) -> Response:
        reason = body.reason if body else None

        async def run(key: str) -> object:
            return await call(
                request, "set_campaign_status", code, status, reason=reason, actor=principal.subject, key=key
            )

        return await idempotent(request, principal, idempotency_key, run)


_status_route("pause", "paused", "Pause a campaign: it issues and grants nothing until resumed (暂停)")
_status_route("resume", "active", "Resume a paused campaign (恢复)")


@router.get(
    "/campaigns/{code}/effect",
    tags=["campaigns"],
    **op(
        "campaigns.effect",
        "Reached, participated, converted, cost, interest income and ROI (活动效果)",
        extra=CAMPAIGN_404,
    ),
)
async def campaign_effect(
    request: Request,
    code: CodePath,
    principal: Annotated[Principal, guard("campaigns.effect")],
    attribution_days: Annotated[int, Query(ge=0, le=366)] = 30,
) -> Response:
    return render(await call(request, "campaign_effect", code, attribution_days=attribution_days))


@router.post(
    "/campaigns/{code}/rewards",
    status_code=201,
    tags=["campaigns"],
    **op(
        "campaigns.reward",
        "Give a customer the campaign's reward: red packet, line increase or coupon (发放奖励)",
        extra={
            **CAMPAIGN_404,
            409: "Closed, over budget or cap, not eligible, or not stackable",
            422: "A referral campaign, or a bad customer id",
        },
    ),
)
async def grant_reward(
    request: Request,
    code: CodePath,
    body: RewardIn,
    principal: Annotated[Principal, guard("campaigns.reward")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        return await call(request, "grant_reward", code, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.post(
    "/campaigns/{code}/referrals",
    status_code=201,
    tags=["campaigns"],
    **op(
        "campaigns.referral",
        "Reward a referral: the referrer's and the referee's rewards (推荐有礼)",
        extra={**CAMPAIGN_404, 409: "Abuse refused (one per person and device), over budget or cap"},
    ),
)
async def reward_referral(
    request: Request,
    code: CodePath,
    body: ReferralIn,
    principal: Annotated[Principal, guard("campaigns.referral")],
    idempotency_key: IdemKey = None,
) -> Response:
    async def run(key: str) -> object:
        return await call(request, "reward_referral", code, body, actor=principal.subject, key=key)

    return await idempotent(request, principal, idempotency_key, run, 201)


@router.get(
    "/campaigns/{code}/rewards",
    tags=["campaigns"],
    **op("campaigns.rewards", "The cash rewards a campaign granted (奖励明细)", extra=CAMPAIGN_404),
)
async def campaign_rewards(
    request: Request, code: CodePath, principal: Annotated[Principal, guard("campaigns.rewards")]
) -> Response:
    return render(await call(request, "campaign_rewards", code))
