"""What the rules see of an application (决策事实): domain objects mapped onto :mod:`loanfactory.facts`.

The mapping is deliberate and documented field by field, because rule authors write against the
fact names: ``applicant.monthly_income`` is the annual income / 12, ``applicant.debt_to_income``
the stated monthly obligations over that income, ``applicant.region`` the ISO 3166-2:CN province
of the ID number (or of the credit code's region), ``bureau.*`` the report summarised (severe
records are write-offs, bad debts and court judgements; ``card_utilization`` is card balances over
card limits), ``collateral`` the applicant's pledged pieces at their latest value on the business
date, ``product.base_rate`` the product's rate for this term and amount (LPR + spread for a
floating product on the business date).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from loanfactory import facts as f
from loanfactory.entity import CST
from loanfactory.errors import InvalidInput
from loanfactory.lpr import LprSeries
from loanfactory.money import CENT, ZERO
from loanfactory.origination._application import Application, ConsentScope, DocumentKind, DocumentSource
from loanfactory.origination._collateral import Collateral, Valuation, ValuationSource
from loanfactory.origination._customer import Customer
from loanfactory.origination._identity import parse_id_number
from loanfactory.ports import BureauReportData, KycCheck
from loanfactory.product import product_facts
from loanfactory.spec import CollateralType, ProductSpec

PROVINCES = {
    "11": "BJ",
    "12": "TJ",
    "13": "HE",
    "14": "SX",
    "15": "NM",
    "21": "LN",
    "22": "JL",
    "23": "HL",
    "31": "SH",
    "32": "JS",
    "33": "ZJ",
    "34": "AH",
    "35": "FJ",
    "36": "JX",
    "37": "SD",
    "41": "HA",
    "42": "HB",
    "43": "HN",
    "44": "GD",
    "45": "GX",
    "46": "HI",
    "50": "CQ",
    "51": "SC",
    "52": "GZ",
    "53": "YN",
    "54": "XZ",
    "61": "SN",
    "62": "GS",
    "63": "QH",
    "64": "NX",
    "65": "XJ",
    "71": "TW",
    "81": "HK",
    "82": "MO",
}
"""GB/T 2260 province prefixes to ISO 3166-2:CN codes."""

DOCUMENT_TYPES = {
    DocumentKind.id_card_front: "id_card",
    DocumentKind.id_card_back: "id_card",
    DocumentKind.financial_statement: "financial_statements",
    DocumentKind.legal_rep_id: "legal_rep_id_card",
}
VERIFIED_BY = {  # documents whose authenticity a passed KYC check vouches for
    DocumentKind.id_card_front: KycCheck.id_card,
    DocumentKind.id_card_back: KycCheck.id_card,
    DocumentKind.legal_rep_id: KycCheck.id_card,
    DocumentKind.business_licence: KycCheck.business_licence,
}
CONSENT_SCOPES = {
    ConsentScope.bureau_query: "credit_inquiry",
    ConsentScope.data_use: "personal_info",
    ConsentScope.third_party_data: "third_party_data",
    ConsentScope.marketing: "marketing",
}
SEVERE_KINDS = {
    "write_off": "write_off",
    "bad_debt": "bad_debt",
    "court_judgement": "lawsuit",
    "compensation": "compensation",
    "asset_disposal": "asset_disposal",
    "frozen": "frozen",
}


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator <= 0:
        return None
    return (numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _signed_ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _years(start: date, day: date) -> Decimal:
    return (Decimal((day - start).days) / Decimal("365.25")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def applicant_facts(customer: Customer, day: date, *, existing: bool) -> f.Applicant:
    blocked = customer.status.value == "blocked"
    if customer.individual is not None:
        person = customer.individual
        monthly = (person.annual_income / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        kind = person.employment.kind.value.replace("-", "_")
        business = customer.business  # a sole proprietor's licence (个体工商户)
        return f.Applicant(
            kind="individual" if business is None else "sole_proprietor",
            id=customer.id,
            name=person.name if business is None else business.name,
            segment=kind if business is None else "sole_proprietor",
            region=PROVINCES.get(person.id_number[:2]),
            city=person.city,
            age=person.age_on(day),
            birth_date=person.birth_date,
            gender=("male" if int(person.id_number[16]) % 2 else "female"),
            employment_type=kind,
            education=person.education,
            marital_status=person.marital_status,
            employment_years=person.employment.years,
            monthly_income=monthly,
            monthly_debt_payment=person.monthly_debt_payments,
            debt_to_income=_ratio(person.monthly_debt_payments, monthly),
            existing_customer=existing,
            blacklisted=blocked,
            industry=business.industry if business else None,
            years_in_business=_years(business.established_on, day) if business else None,
            annual_revenue=business.annual_revenue if business else None,
            employees=business.employees if business else None,
        )
    assert customer.enterprise is not None
    firm = customer.enterprise
    rep = firm.legal_representative
    rep_born = parse_id_number(rep.id_number).birth_date
    rep_age = day.year - rep_born.year - ((day.month, day.day) < (rep_born.month, rep_born.day))
    return f.Applicant(
        kind="enterprise",
        id=customer.id,
        name=firm.name,
        segment="sme",
        region=PROVINCES.get(firm.credit_code[2:4]),
        industry=firm.industry,
        years_in_business=_years(firm.established_on, day),
        annual_revenue=firm.annual_revenue,
        net_profit=firm.annual_net_profit,
        employees=firm.employees,
        registered_capital=firm.registered_capital,
        legal_representative_age=rep_age,
        asset_liability_ratio=_ratio(firm.total_liabilities, firm.total_assets)
        if firm.total_assets
        else None,
        revenue_growth=(
            _signed_ratio(firm.annual_revenue - firm.previous_revenue, firm.previous_revenue)
            if firm.previous_revenue
            else None
        ),
        tax_rating=firm.tax_rating,
        high_tech=firm.high_tech,
        existing_customer=existing,
        blacklisted=blocked,
    )


def _verified(kind: DocumentKind, source: DocumentSource, customer: Customer) -> bool:
    """Third-party data is verified at the source; an ID or licence copy by the passed KYC check."""
    check = VERIFIED_BY.get(kind)
    return source is DocumentSource.third_party or (check is not None and customer.verified(check))


def application_facts(application: Application, spec: ProductSpec, customer: Customer) -> f.ApplicationFacts:
    documents = tuple(
        f.SubmittedDocument(
            type=DOCUMENT_TYPES.get(d.kind, d.kind.value.replace("-", "_")),
            verified=_verified(d.kind, d.source, customer),
        )
        for d in application.documents
    )
    consents = tuple(
        f.ConsentFacts(
            scope=CONSENT_SCOPES[c.scope],
            granted_at=c.granted_at,
            expires_on=c.expires_at.date() if c.expires_at else None,
        )
        for c in application.consents
    )
    return f.ApplicationFacts(
        id=application.id,
        amount=application.amount,
        term=application.term,
        term_unit=spec.term.unit,
        purpose=application.purpose.value,
        channel=application.channel.value,
        guarantee_type=spec.guarantee.types[0],
        repayment_method=application.repayment_method,
        submitted_at=application.submitted_at,
        documents=documents,
        consents=consents,
    )


def bureau_facts(report: BureauReportData) -> f.BureauReport:
    credit = [r for r in report.records if r.kind in ("loan", "credit_card")]
    loans = [r for r in report.records if r.kind == "loan" and r.balance > 0]
    cards = [r for r in report.records if r.kind == "credit_card"]
    card_limits = sum((r.credit_limit or ZERO for r in cards), ZERO)
    severe = tuple(
        f.AdverseRecord(
            type=SEVERE_KINDS.get(r.kind, "bad_debt"),
            recorded_on=r.reported or r.opened,
            amount=r.balance.quantize(CENT),
        )
        for r in report.records
        if r.kind in SEVERE_KINDS or r.worst_status == "bad_debt"
    )
    return f.BureauReport(
        report_date=report.as_of,
        credit_score=report.score,
        has_history=bool(credit),
        overdue_count_24m=sum(r.overdue_months_24m for r in report.records),
        max_overdue_days_24m=max((r.max_overdue_days_24m for r in report.records), default=0),
        current_overdue_amount=sum((r.overdue_amount for r in report.records), ZERO).quantize(CENT),
        inquiries_3m=report.inquiries_3m,
        inquiries_6m=report.inquiries_6m if report.inquiries_6m is not None else report.inquiries_3m,
        outstanding_loans=len(loans),
        total_debt=sum((r.balance for r in loans), ZERO).quantize(CENT),
        card_utilization=_ratio(sum((r.balance for r in cards), ZERO), card_limits),
        severe_records=severe,
    )


COLLATERAL_TYPES = {"equity": "shares", "real-estate": "real_estate"}
"""Collateral types as the rules name them, when no finer ``subtype`` (first_home ...) is given."""


def collateral_facts(pieces: Sequence[Collateral], day: date) -> tuple[f.CollateralFacts, ...]:
    return tuple(
        f.CollateralFacts(
            type=c.subtype or COLLATERAL_TYPES.get(c.type.value, c.type.value.replace("-", "_")),
            first_lien=c.first_lien,
            value=c.value_on(day),
            valuation_date=c.latest.valued_on,
            owner=c.owner_name,
        )
        for c in pieces
    )


def build_facts(
    *,
    customer: Customer,
    application: Application,
    spec: ProductSpec,
    report: BureauReportData | None,
    collateral: Sequence[Collateral],
    lpr: LprSeries,
    day: date,
    existing: bool,
    history: f.CustomerHistory | None = None,
) -> f.Facts:
    """The facts of one decision on ``application`` on business date ``day``; ``history`` is the
    customer's history with us (``customer.*``), when the lender keeps one."""
    return f.Facts(
        as_of=day,
        applicant=applicant_facts(customer, day, existing=existing),
        application=application_facts(application, spec, customer),
        bureau=bureau_facts(report) if report is not None else None,
        collateral=collateral_facts(collateral, day),
        customer=history,
        product=product_facts(spec, application.term, application.amount, lpr, day),
    )


def need_facts(customer: Customer, spec: ProductSpec, need: Any, lpr: LprSeries, day: date) -> f.Facts:
    """Facts for screening a product against a stated need (no application, no bureau report)."""
    amount = min(max(need.amount, spec.amount.min), spec.amount.max)
    term = need.term if spec.term.allows(need.term) else spec.term.shortest
    application = f.ApplicationFacts(
        amount=amount,
        term=term,
        term_unit=spec.term.unit,
        purpose=need.purpose.value,
        channel=need.channel.value,
        guarantee_type=spec.guarantee.types[0],
        repayment_method=need.method,
    )
    return f.Facts(
        as_of=day,
        applicant=applicant_facts(customer, day, existing=False),
        application=application,
        product=product_facts(spec, term, amount, lpr, day),
    )


def completed_facts(facts: f.Facts, spec: ProductSpec, lpr: LprSeries) -> f.Facts:
    """Facts written at fact level (a scenario's ``given``) completed as :func:`build_facts`
    completes an application's: the application's term unit and guarantee type from the product,
    its method the product's default when none is stated, and the product's facts for the
    application's term and amount on ``as_of``. ``facts.application`` must be given."""
    assert facts.application is not None
    stated = facts.application
    guarantee = (
        stated.guarantee_type
        if "guarantee_type" in stated.model_fields_set
        and stated.guarantee_type in {g.value for g in spec.guarantee.types}
        else spec.guarantee.types[0].value
    )
    application = stated.model_copy(
        update={
            "term_unit": spec.term.unit,
            "guarantee_type": guarantee,
            "repayment_method": stated.repayment_method or spec.repayment.method,
        }
    )
    return facts.model_copy(
        update={
            "application": application,
            "product": product_facts(spec, stated.term, stated.amount, lpr, facts.as_of),
        }
    )


REAL_ESTATE_SUBTYPES = frozenset({"first_home", "second_home", "commercial_property"})
"""Finer real-estate types that rules name (``collateral_facts`` passes a piece's ``subtype``)."""


def collateral_kind(fact_type: str) -> CollateralType | None:
    """The kind of collateral a collateral fact's ``type`` names (the inverse of
    :func:`collateral_facts`): a kind (``vehicle``, ``real_estate``), a name rules use
    (``shares``), or a real-estate subtype (``first_home``); None when it names none."""
    if fact_type in REAL_ESTATE_SUBTYPES:
        return CollateralType.real_estate
    named = {v: k for k, v in COLLATERAL_TYPES.items()}.get(fact_type, fact_type.replace("_", "-"))
    try:
        return CollateralType(named)
    except ValueError:
        return None


def collateral_pieces(facts: Sequence[f.CollateralFacts], day: date) -> list[Collateral]:
    """Collateral records for collateral stated as facts (a scenario's ``given.collateral``), each
    valued once at its fact value; raises :class:`InvalidInput` for a type that names no kind."""
    at = datetime.combine(day, datetime.min.time(), tzinfo=CST)
    pieces = []
    for i, c in enumerate(facts):
        kind = collateral_kind(c.type)
        if kind is None:
            choices = ", ".join(sorted({*(t.value.replace("-", "_") for t in CollateralType), "shares"}))
            raise InvalidInput(
                f"collateral[{i}].type '{c.type}' names no kind of collateral ({choices}, "
                f"or {', '.join(sorted(REAL_ESTATE_SUBTYPES))})",
                field=f"collateral[{i}].type",
                message_zh=f"collateral[{i}].type '{c.type}' 不是押品类型",
            )
        subtype = c.type if c.type in REAL_ESTATE_SUBTYPES else None
        pieces.append(
            Collateral(
                id=f"collateral-{i + 1}",
                customer_id="scenario",
                type=kind,
                subtype=subtype,
                description=c.type,
                identifier=f"collateral-{i + 1}",
                owner_name=c.owner,
                first_lien=c.first_lien,
                valuations=(
                    Valuation(
                        value=c.value,
                        valued_on=c.valuation_date or day,
                        source=ValuationSource.appraiser,
                    ),
                ),
                registered_at=at,
            )
        )
    return pieces
