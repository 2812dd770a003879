"""The effect of a campaign (营销活动效果): reach, participation, conversion, cost and return.

:func:`campaign_effect` reads one store — origination's campaigns, coupons, rewards and
applications, servicing's loans and ledger — and counts, per campaign:

- **reached** (触达): customers given a coupon or a cash reward of the campaign, from their first
  one on;
- **participated** (参与): customers who used it — a coupon priced into an offer (reserved or
  redeemed), a red packet credited, a referral reward paid out;
- **converted** (转化), among the reached, after they were reached and by the end of the campaign
  plus ``attribution_days``: **applied** (an application submitted), **approved** (one of them
  was offered a loan) and **disbursed** (a loan of theirs got its value date);
- **cost** (成本): the campaign's spent budget (interest subsidies of accepted coupons, cash used);
- **interest income** (利息收入): interest charged so far on the disbursed loans counted above
  (attributed to the campaign; there is no control group, so it is not an uplift estimate);
- **ROI**: (interest income - cost) / cost, None without cost.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from loanfactory.entity import CST
from loanfactory.errors import NotFound
from loanfactory.origination import (
    Application,
    ApplicationStatus,
    Campaign,
    Coupon,
    CouponStatus,
    Reward,
    RewardStatus,
)
from loanfactory.ports import Store, Transaction
from loanfactory.servicing import EntryType, Loan, LoanStatus

ZERO = Decimal(0)
APPROVED = frozenset(
    {
        ApplicationStatus.offered,
        ApplicationStatus.accepted,
        ApplicationStatus.declined,
        ApplicationStatus.expired,
    }
)
BOOKED = frozenset({LoanStatus.active, LoanStatus.settled, LoanStatus.written_off})


class CampaignEffect(BaseModel):
    """The effect figures of one campaign (活动效果)."""

    model_config = ConfigDict(frozen=True)

    code: str
    kind: str
    reached: int
    participated: int
    applied: int
    approved: int
    disbursed: int
    disbursed_amount: Decimal
    cost: Decimal
    interest_income: Decimal
    roi: Decimal | None
    window_end: date


def campaign_effect(store: Store, code: str, *, attribution_days: int = 30) -> CampaignEffect:
    """The effect of campaign ``code``; raises :class:`NotFound` for an unknown code."""
    with store.transaction() as tx:
        found = tx.repo(Campaign).list(code=code)
        if not found:
            raise NotFound(f"no campaign '{code}'", field="code", message_zh=f"没有活动 '{code}'")
        return _effect(tx, found[0], attribution_days)


def campaign_effects(store: Store, *, attribution_days: int = 30) -> list[CampaignEffect]:
    """The effect of every campaign, by code."""
    with store.transaction() as tx:
        campaigns = sorted(tx.repo(Campaign).list(), key=lambda c: c.code)
        return [_effect(tx, c, attribution_days) for c in campaigns]


def _effect(tx: Transaction, campaign: Campaign, attribution_days: int) -> CampaignEffect:
    reached: dict[str, datetime] = {}
    used: set[str] = set()
    for coupon in tx.repo(Coupon).list(campaign_id=campaign.id):
        _reach(reached, coupon.customer_id, coupon.issued_at)
        if coupon.status in (CouponStatus.reserved, CouponStatus.redeemed):
            used.add(coupon.customer_id)
    for reward in tx.repo(Reward).list(campaign_id=campaign.id):
        _reach(reached, reward.customer_id, reward.granted_at)
        if reward.status is RewardStatus.used:
            used.add(reward.customer_id)
    window_end = campaign.valid_to + timedelta(days=attribution_days)
    end = datetime.combine(window_end + timedelta(days=1), datetime.min.time(), tzinfo=CST)
    applied: set[str] = set()
    approved: set[str] = set()
    disbursed: set[str] = set()
    amount = income = ZERO
    for customer, since in sorted(reached.items()):
        for application in tx.repo(Application).list(customer_id=customer):
            if since <= application.submitted_at < end:
                applied.add(customer)
                if application.status in APPROVED:
                    approved.add(customer)
        for loan in tx.repo(Loan).list(customer_id=customer):
            if loan.status in BOOKED and loan.start is not None and since.date() <= loan.start <= window_end:
                disbursed.add(customer)
                amount += loan.amount
                income += _interest(tx, loan)
    cost = campaign.spent
    roi = ((income - cost) / cost).quantize(Decimal("0.0001")) if cost > 0 else None
    return CampaignEffect(
        code=campaign.code,
        kind=campaign.campaign_kind.value,
        reached=len(reached),
        participated=len(used),
        applied=len(applied),
        approved=len(approved),
        disbursed=len(disbursed),
        disbursed_amount=amount,
        cost=cost,
        interest_income=income,
        roi=roi,
        window_end=window_end,
    )


def _reach(reached: dict[str, datetime], customer: str, at: datetime) -> None:
    if customer not in reached or at < reached[customer]:
        reached[customer] = at


def _interest(tx: Transaction, loan: Loan) -> Decimal:
    """Interest charged on the loan so far, net of reversals (已计收利息)."""
    total = ZERO
    for entry in tx.ledger.entries(loan.id):
        original = (
            entry.data.get("reverses_type", entry.type) if entry.type == EntryType.reversal else entry.type
        )
        if original == EntryType.interest:
            total += entry.interest
    return total
