"""Application intake (申请受理): checks an application against its product before storing it.

Refused with a clear error and nothing stored: an unknown product (with a did-you-mean), a product
not on sale today (closed, paused, not yet or no longer effective), a segment, channel, purpose,
amount, term or repayment method the product does not offer, a missing or expired consent for the
bureau query or data use, collateral or a coupon that is not the applicant's or not usable, a
blocked customer, or a second open application for the same product.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from loanfactory.errors import InvalidInput, NotFound, StateConflict, hint_for
from loanfactory.money import format_money
from loanfactory.origination._application import (
    Application,
    ApplicationRequest,
    ApplicationStatus,
    ConsentScope,
)
from loanfactory.origination._campaign import Coupon
from loanfactory.origination._collateral import Collateral, CollateralStatus
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import Customer, CustomerStatus
from loanfactory.spec import ProductSpec, Segment

REQUIRED_CONSENTS = (ConsentScope.bureau_query, ConsentScope.data_use)
_OPEN = (
    ApplicationStatus.submitted,
    ApplicationStatus.manual_review,
    ApplicationStatus.info_requested,
    ApplicationStatus.offered,
)


_SEGMENT_ZH = {Segment.individual: "个人", Segment.sole_proprietor: "个体工商户", Segment.enterprise: "企业"}


def find_spec(specs: Mapping[str, ProductSpec], code: str) -> ProductSpec:
    spec = specs.get(code)
    if spec is None:
        hint, hint_zh = hint_for(code, specs)
        raise NotFound(
            f"no product '{code}'" + (f"; {hint}" if hint else ""),
            field="product_code",
            code="unknown-product",
            message_zh=f"没有产品 '{code}'" + (f"，{hint_zh}" if hint_zh else ""),
        )
    return spec


def check_sellable(spec: ProductSpec, moment: datetime) -> None:
    day = moment.date()
    if not spec.is_sellable(day):
        state = spec.status.value if spec.status.value != "online" else "not effective on " + day.isoformat()
        raise StateConflict(
            field="product_code", code="product-closed", params={"code": spec.code, "state": state}
        )


def check_request(
    spec: ProductSpec, customer: Customer, request: ApplicationRequest, moment: datetime
) -> None:
    """Every product-fit and consent check of a request; raises on the first problem."""
    check_sellable(spec, moment)
    segment = Segment(customer.type.value)
    if segment not in spec.segments:
        raise InvalidInput(
            f"{spec.code} is not offered to {segment.value} customers",
            field="customer_id",
            code="segment",
            message_zh=f"产品 {spec.code} 不面向{_SEGMENT_ZH[segment]}客户",
        )
    if request.channel not in spec.channels:
        raise InvalidInput(
            field="channel", code="channel", params={"code": spec.code, "channel": request.channel.value}
        )
    if request.purpose not in spec.purposes:
        allowed = ", ".join(p.value for p in spec.purposes)
        raise InvalidInput(
            f"{spec.code} does not lend for '{request.purpose.value}' (allowed: {allowed})",
            field="purpose",
            code="purpose",
            message_zh=f"产品 {spec.code} 不支持用途 '{request.purpose.value}'",
        )
    if not spec.amount.allows(request.amount):
        raise InvalidInput(
            f"amount {format_money(request.amount)} is outside {format_money(spec.amount.min)}-"
            f"{format_money(spec.amount.max)} in steps of {format_money(spec.amount.step)}",
            field="amount",
            code="amount-out-of-range",
            message_zh=f"金额 {format_money(request.amount)} 不在 {format_money(spec.amount.min)}-"
            f"{format_money(spec.amount.max)} 范围内（步长 {format_money(spec.amount.step)}）",
        )
    if not spec.term.allows(request.term):
        terms = ", ".join(str(t) for t in spec.term.values()[:12])
        raise InvalidInput(
            f"term {request.term} {spec.term.unit.value} is not offered (allowed: {terms})",
            field="term",
            code="term-out-of-range",
            message_zh=f"期限 {request.term} 不在可选期限中",
        )
    if request.repayment_method is not None and request.repayment_method not in spec.repayment.methods:
        raise InvalidInput(
            f"{spec.code} is not repaid by '{request.repayment_method.value}'",
            field="repayment_method",
            code="method",
            message_zh="产品不支持该还款方式",
        )
    for scope in REQUIRED_CONSENTS:
        _check_consent(request, scope, moment)


def _check_consent(request: ApplicationRequest, scope: ConsentScope, moment: datetime) -> None:
    given = [c for c in request.consents if c.scope is scope]
    label = {"bureau-query": "征信查询授权", "data-use": "个人信息使用授权"}[scope.value]
    if not given:
        raise InvalidInput(
            f"the applicant has not consented to '{scope.value}'",
            field="consents",
            code="consent-missing",
            message_zh=f"缺少{label}",
        )
    if not any(c.valid_at(moment) for c in given):
        future = all(c.granted_at > moment for c in given)
        why, why_zh = (
            ("is dated in the future", "授权时间晚于当前")
            if future
            else ("has expired or does not cover loan approval", "已过期或未覆盖贷款审批用途")
        )
        raise InvalidInput(
            f"the '{scope.value}' consent {why}",
            field="consents",
            code="consent-expired",
            message_zh=f"{label}{why_zh}",
        )


def submit(cmd: Command, spec: ProductSpec, request: ApplicationRequest) -> Application:
    now = cmd.clock.now()
    customer = cmd.tx.repo(Customer).get(request.customer_id)
    if customer.status is CustomerStatus.blocked:
        raise StateConflict(field="customer_id", code="customer-blocked", params={"id": customer.id})
    check_request(spec, customer, request, now)
    _check_collateral(cmd, customer, request)
    if request.coupon_id is not None:
        coupon = cmd.tx.repo(Coupon).get(request.coupon_id)
        if coupon.customer_id != customer.id or not coupon.usable_on(now.date()):
            raise InvalidInput(field="coupon_id", code="coupon-unusable", params={"id": coupon.id})
    applications = cmd.tx.repo(Application)
    for other in applications.list(customer_id=customer.id, product_code=spec.code):
        if other.status in _OPEN:
            raise StateConflict(
                f"customer already has open application {other.id} for {spec.code}",
                field="product_code",
                code="application-open",
                message_zh=f"客户已有该产品的在途申请 {other.id}",
            )
    application = Application(
        id=cmd.ids.new("app"),
        customer_id=customer.id,
        product_code=spec.code,
        product_version=spec.version,
        amount=request.amount,
        term=request.term,
        purpose=request.purpose,
        channel=request.channel,
        repayment_method=request.repayment_method or spec.repayment.method,
        documents=request.documents,
        consents=request.consents,
        collateral_ids=tuple(dict.fromkeys(request.collateral_ids)),
        coupon_id=request.coupon_id,
        guarantors=request.guarantors,
        filed_by=request.filed_by,
        submitted_at=now,
    )
    stored = applications.add(application)
    cmd.emit(
        "application.received",
        stored.id,
        customer_id=customer.id,
        product_code=spec.code,
        amount=request.amount,
        term=request.term,
        channel=request.channel.value,
    )
    return stored


def _check_collateral(cmd: Command, customer: Customer, request: ApplicationRequest) -> None:
    repo = cmd.tx.repo(Collateral)
    for collateral_id in request.collateral_ids:
        collateral = repo.find(collateral_id)
        if collateral is None or collateral.customer_id != customer.id:
            raise InvalidInput(
                field="collateral_ids", code="collateral-unknown", params={"collateral_id": collateral_id}
            )
        if collateral.status in (CollateralStatus.released, CollateralStatus.disposed):
            raise InvalidInput(
                f"collateral {collateral_id} is {collateral.status.value}",
                field="collateral_ids",
                code="collateral-unusable",
                message_zh=f"押品 {collateral_id} 已解押或已处置",
            )
