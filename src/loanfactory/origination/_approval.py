"""From an approval to an offer (出具报价): limit, line, price, coupon, offer, notice — or a refusal.

Runs for an application approved automatically by routing and for one approved at 复审. Limits
come from :mod:`.limits`, the price from :mod:`.pricing`. When the limit falls below the product's
minimum or the APR would break a cap, the application is rejected with that reason instead. The
customer's credit line is opened on first approval (total = the limit, a sub-limit for the
product, linked to the collateral; under the group line when the customer's group has one), or
given a sub-limit for a new product; with ``occupy_on=approval`` the offered amount is occupied at
once under the offer's id.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanfactory.calendar import add_months
from loanfactory.errors import StateConflict
from loanfactory.money import ZERO
from loanfactory.origination import _occupation as occupation
from loanfactory.origination._application import Application, ApplicationStatus
from loanfactory.origination._campaign import Campaign, Coupon, CouponStatus, reserve
from loanfactory.origination._collateral import Collateral
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import CreditLine, LineScope, LineStatus, set_sub_limit
from loanfactory.origination._customer import Customer
from loanfactory.origination._decision import DecisionRecord, DecisionStep, StepOutcome, json_safe
from loanfactory.origination._desk import Desk
from loanfactory.origination._limits import OfferLimit, offer_limit
from loanfactory.origination._offer import LimitSource, Offer, ScheduleLine
from loanfactory.origination._pricing import Priced, price
from loanfactory.origination._settings import OccupyOn
from loanfactory.origination._submission import find_spec
from loanfactory.origination._valuation import link
from loanfactory.origination._values import StepReason
from loanfactory.pricing import PricingDecision
from loanfactory.spec import ProductSpec


def reject(
    cmd: Command, desk: Desk, app: Application, reasons: tuple[StepReason, ...], *, by: str
) -> Application:
    """Reject ``app`` with ``reasons`` and tell the applicant."""
    rejected = cmd.tx.repo(Application).update(
        app.model_copy(
            update={"status": ApplicationStatus.rejected, "reasons": reasons, "decided_at": cmd.clock.now()}
        )
    )
    cmd.emit("application.rejected", app.id, by=by, reasons=[r.code for r in reasons])
    desk.tell(cmd, rejected, "rejected", reasons)
    return rejected


def record(
    cmd: Command,
    app: Application,
    step: DecisionStep,
    outcome: StepOutcome,
    *,
    values: object = None,
    reasons: tuple[StepReason, ...] = (),
    actor: str = "system",
) -> None:
    cmd.tx.repo(DecisionRecord).add(
        DecisionRecord(
            id=cmd.ids.new("dec"),
            application_id=app.id,
            customer_id=app.customer_id,
            product_code=app.product_code,
            step=step,
            outcome=outcome,
            values=json_safe(values or {}),
            reasons=reasons,
            actor=actor,
            at=cmd.clock.now(),
        )
    )


def assessed_values(app: Application) -> dict[str, Any]:
    """What the latest assessment decided for the offer: rule limit, pricing, grade, score."""
    return {
        "rule_limit": app.rule_limit,
        "line_limit": app.line_limit,
        "pricing": app.pricing,
        "grade": app.grade,
        "score": app.score,
    }


def _lines(cmd: Command, customer: Customer) -> tuple[CreditLine | None, CreditLine | None]:
    """The customer's open line, and the group line it draws on (or the group's line, for a new one)."""
    own = occupation.customer_line(cmd, customer.id)
    repo = cmd.tx.repo(CreditLine)
    if own is not None and own.parent_id is not None:
        return own, repo.get(own.parent_id)
    if own is None and customer.group_id is not None:
        found = [
            x
            for x in repo.list(group_id=customer.group_id, scope=LineScope.group)
            if x.status is not LineStatus.closed
        ]
        return None, found[0] if found else None
    return own, None


def approve(
    cmd: Command,
    desk: Desk,
    app: Application,
    *,
    rule_limit: Decimal | None,
    pricing: PricingDecision,
    line_limit: Decimal | None = None,
    grade: str | None,
    score: int | None,
    approved_amount: Decimal | None = None,
    actor: str = "system",
) -> Offer | None:
    """Limit, price and issue an offer for ``app``; None when it had to be rejected instead."""
    spec = find_spec(desk.specs, app.product_code)
    customer = cmd.tx.repo(Customer).get(app.customer_id)
    day = cmd.clock.today()
    pieces = [cmd.tx.repo(Collateral).get(c) for c in app.collateral_ids]
    own, group = _lines(cmd, customer)
    sized = offer_limit(
        spec,
        requested=app.amount,
        rule_limit=rule_limit,
        collateral=pieces,
        lines=[x for x in (own, group) if x is not None],
        day=day,
        approved=approved_amount,
    )
    record(
        cmd,
        app,
        DecisionStep.limit,
        StepOutcome.reject if sized.refusal else StepOutcome.passed,
        actor=actor,
        values={"limit": sized.limit, "amount": sized.amount, "components": sized.components},
        reasons=(sized.refusal,) if sized.refusal else tuple(sized.reasons),
    )
    if sized.refusal is not None:
        reject(cmd, desk, app, (sized.refusal,), by="limit")
        return None
    coupon = _usable_coupon(cmd, app)
    # priced as if disbursed on the business date of the decision
    priced = _price(desk, spec, app, sized.amount, coupon, pricing, day)
    coupon, priced, coupon_reasons = _hold_budget(
        cmd, desk, spec, app, sized.amount, coupon, priced, pricing, day
    )
    record(
        cmd,
        app,
        DecisionStep.pricing,
        StepOutcome.reject if priced.refusals else StepOutcome.passed,
        actor=actor,
        values={
            "annual_rate": priced.annual_rate,
            "apr": priced.apr.nominal,
            "cap": priced.cap,
            "components": priced.components,
            "subsidy": priced.subsidy,
        },
        reasons=tuple(priced.refusals or [*priced.reasons, *coupon_reasons]),
    )
    if priced.refusals:
        reject(cmd, desk, app, tuple(priced.refusals), by="pricing")
        return None
    offer_id = cmd.ids.new("ofr")
    line = _grant(cmd, desk, customer, own, group, spec.code, _line_total(sized, line_limit), pieces)
    occupation_id = None
    if desk.settings.occupy_on is OccupyOn.approval:
        occupation_id = occupation.draw(cmd, line.id, spec.code, offer_id, sized.amount).id
    for piece in pieces:
        link(cmd, piece.id, app.id, line.id)
    offer = _offer(
        cmd,
        desk,
        app,
        offer_id,
        sized,
        priced,
        coupon,
        line.id,
        occupation_id,
        grade,
        score,
        (*sized.reasons, *priced.reasons, *coupon_reasons),
    )
    stored = cmd.tx.repo(Offer).add(offer)
    if coupon is not None:
        cmd.tx.repo(Coupon).update(
            coupon.model_copy(
                update={"status": CouponStatus.reserved, "offer_id": offer_id, "subsidy": priced.subsidy}
            )
        )
    offered = cmd.tx.repo(Application).update(
        app.model_copy(
            update={
                "status": ApplicationStatus.offered,
                "offer_id": offer_id,
                "decided_at": cmd.clock.now(),
                "reasons": stored.reasons,
            }
        )
    )
    cmd.emit(
        "offer.issued",
        offer_id,
        application_id=app.id,
        amount=stored.amount,
        annual_rate=stored.annual_rate,
        apr=stored.apr,
        line_id=line.id,
    )
    desk.tell(cmd, offered, "approved", offer=stored)
    return stored


def _usable_coupon(cmd: Command, app: Application) -> Coupon | None:
    if app.coupon_id is None:
        return None
    coupon = cmd.tx.repo(Coupon).lock(app.coupon_id)
    return coupon if coupon.usable_on(cmd.clock.today()) else None


def _price(
    desk: Desk,
    spec: ProductSpec,
    app: Application,
    amount: Decimal,
    coupon: Coupon | None,
    pricing: PricingDecision,
    day: date,
) -> Priced:
    return price(
        spec,
        amount,
        app.term,
        method=app.repayment_method,
        start=day,
        lpr=desk.settings.lpr,
        pricing=pricing,
        coupon=coupon,
        caps=desk.caps,
    )


def _hold_budget(
    cmd: Command,
    desk: Desk,
    spec: ProductSpec,
    app: Application,
    amount: Decimal,
    coupon: Coupon | None,
    priced: Priced,
    pricing: PricingDecision,
    day: date,
) -> tuple[Coupon | None, Priced, tuple[StepReason, ...]]:
    """Reserve the coupon's subsidy from its campaign; without budget, price without the coupon."""
    if coupon is None:
        return None, priced, ()
    campaigns = cmd.tx.repo(Campaign)
    campaign = campaigns.lock(coupon.campaign_id)
    try:
        campaigns.update(reserve(campaign, priced.subsidy))
    except StateConflict as exc:
        reason = StepReason(
            code="campaign.budget", rule="campaign", en=exc.message, zh=exc.message_zh or exc.message
        )
        return None, _price(desk, spec, app, amount, None, pricing, day), (reason,)
    return coupon, priced, ()


def _line_total(sized: OfferLimit, line_limit: Decimal | None) -> Decimal:
    """The size of a line to grant: what the rules allow at the product's maximum, within the
    product maximum, the collateral and any line above it — never less than this offer's limit."""
    if line_limit is None:
        return sized.limit
    bounds = [c.amount for c in sized.components if c.source in _LINE_BOUNDS]
    return max(sized.limit, min([line_limit, *bounds]))


_LINE_BOUNDS = frozenset({LimitSource.product_max, LimitSource.collateral, LimitSource.line})


def _grant(
    cmd: Command,
    desk: Desk,
    customer: Customer,
    own: CreditLine | None,
    group: CreditLine | None,
    product_code: str,
    total: Decimal,
    pieces: list[Collateral],
) -> CreditLine:
    """The customer's line, opened at ``total`` or given a sub-limit for this product."""
    repo = cmd.tx.repo(CreditLine)
    if own is None:
        expires = add_months(cmd.clock.today(), desk.settings.line_valid_months)
        line = occupation.open_line(
            cmd,
            total=total,
            expires_on=expires,
            customer_id=customer.id,
            parent_id=group.id if group is not None else None,
            sub_limits={product_code: total},
            checked=True,  # the caller found no line for this customer in this transaction
        )
    else:
        line = repo.lock(own.id)
        if line.sub_limits and line.sub_limit(product_code) is None:
            sub = min(total, line.total)
            line = repo.update(set_sub_limit(line, product_code, sub))
            cmd.emit("credit_line.sub_limit_set", line.id, product_code=product_code, limit=sub)
    if pieces:
        ids = tuple(dict.fromkeys((*line.collateral_ids, *(p.id for p in pieces))))
        line = repo.update(repo.get(line.id).model_copy(update={"collateral_ids": ids}))
    return line


def _offer(
    cmd: Command,
    desk: Desk,
    app: Application,
    offer_id: str,
    sized: OfferLimit,
    priced: Priced,
    coupon: Coupon | None,
    line_id: str,
    occupation_id: str | None,
    grade: str | None,
    score: int | None,
    reasons: tuple[StepReason, ...],
) -> Offer:
    spec = find_spec(desk.specs, app.product_code)
    rows = priced.schedule.installments
    keep = desk.settings.preview_rows
    preview = [*rows[:keep], *(rows[-1:] if len(rows) > keep else ())]
    totals = priced.schedule.totals
    upfront = priced.schedule.upfront_fee
    fees_total = sum((f.amount for f in priced.fees), ZERO)
    now = cmd.clock.now()
    return Offer(
        id=offer_id,
        application_id=app.id,
        customer_id=app.customer_id,
        product_code=spec.code,
        product_version=spec.version,
        requested_amount=app.amount,
        amount=sized.amount,
        limit=sized.limit,
        limit_breakdown=tuple(sized.components),
        term=app.term,
        term_unit=spec.term.unit,
        repayment_method=app.repayment_method,
        start_date=cmd.clock.today(),
        terms=priced.terms,
        annual_rate=priced.annual_rate,
        rate_breakdown=tuple(priced.components),
        apr=priced.apr.nominal.quantize(Decimal("1e-8")),
        effective_annual_rate=priced.apr.effective.quantize(Decimal("1e-8")),
        fees=priced.fees,
        first_payment=rows[0].total,
        total_interest=totals.interest,
        total_fees=fees_total,
        total_repayment=totals.total + upfront,
        schedule_preview=tuple(
            ScheduleLine(
                period=r.number,
                due_date=r.due_date or cmd.clock.today(),
                principal=r.principal,
                interest=r.interest,
                fee=r.fee,
                payment=r.total,
                balance=r.balance,
            )
            for r in preview
        ),
        periods=len(rows),
        grade=grade,
        score=score,
        coupon_id=coupon.id if coupon else None,
        campaign_code=coupon.campaign_code if coupon else None,
        interest_free_days=coupon.interest_free_days if coupon else 0,
        subsidy=priced.subsidy if coupon else ZERO,
        apr_cap=priced.cap,
        apr_cap_basis=priced.cap_basis,
        credit_line_id=line_id,
        occupation_id=occupation_id,
        reasons=reasons,
        issued_at=now,
        expires_at=now + timedelta(days=desk.settings.offer_valid_days),
    )
