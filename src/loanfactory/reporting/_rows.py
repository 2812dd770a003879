"""The rows of each source built from entities (the memory store's path; see :mod:`._sources`).

Each function states in Python what a field means; the SQL store computes the same fields with SQL
expressions (``loanfactory.adapters.sql``), and ``tests/reporting`` compares the two field by field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from loanfactory.conventions import TermUnit
from loanfactory.entity import CST
from loanfactory.origination import Application, ApplicationStatus, Customer, CustomerType, Offer, ReviewTask
from loanfactory.ports import KycCheck, Transaction
from loanfactory.reporting._positions import REPORTED
from loanfactory.servicing import EntryType, Loan

_APPROVED = frozenset(
    {
        ApplicationStatus.offered,
        ApplicationStatus.accepted,
        ApplicationStatus.declined,
        ApplicationStatus.expired,
    }
)
_PENDING = frozenset(
    {ApplicationStatus.submitted, ApplicationStatus.manual_review, ApplicationStatus.info_requested}
)


def local_date(moment: datetime) -> Any:
    return moment.astimezone(CST).date()


def term_months(loan: Loan) -> int:
    """A term in whole months (a term in days counts 30 days a month, rounded up)."""
    terms = loan.terms
    return terms.term if terms.term_unit is TermUnit.months else -(-terms.term // 30)


def outcome(status: ApplicationStatus) -> str:
    if status in _APPROVED:
        return "approved"
    if status is ApplicationStatus.rejected:
        return "rejected"
    if status in _PENDING:
        return "pending"
    return "withdrawn"


def customer_fields(customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {"region": None, "segment": None, "industry": None}
    if customer.type is CustomerType.individual and customer.individual is not None:
        return {
            "region": customer.individual.city,
            "segment": customer.type.value,
            "industry": customer.individual.employment.industry,
        }
    return {
        "region": None,
        "segment": customer.type.value,
        "industry": customer.enterprise.industry if customer.enterprise else None,
    }


def loan_rows(tx: Transaction, products: Mapping[str, Mapping[str, str]]) -> Iterator[dict[str, Any]]:
    """One row per disbursed loan with the loan's dimensions."""
    offers = {o.id: o for o in _all(tx, Offer)}
    applications = {a.id: a for a in _all(tx, Application)}
    customers = {c.id: c for c in _all(tx, Customer)}
    for status in REPORTED:
        for loan in tx.repo(Loan).list(status=status):
            if loan.start is None:
                continue
            offer = offers.get(loan.offer_id) if loan.offer_id else None
            application = applications.get(offer.application_id) if offer else None
            yield {
                "loan_id": loan.id,
                "customer_id": loan.customer_id,
                "product": loan.product_code,
                "channel": application.channel.value if application else None,
                **customer_fields(customers.get(loan.customer_id)),
                "grade": offer.grade if offer else None,
                "purpose": loan.purpose or None,
                "guarantee": products.get(loan.product_code, {}).get("guarantee"),
                "cohort": loan.start.strftime("%Y-%m"),
                "start": loan.start,
                "term_months": term_months(loan),
                "rate": loan.terms.rate.annual,
                "amount": loan.amount,
                "status": loan.status.value,
            }


def position_rows(
    loans: Mapping[str, Mapping[str, Any]], stored: Mapping[Any, Mapping[str, Mapping[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """Stored positions (as_of -> loan id -> figures) joined with their loans' rows."""
    for as_of, rows in stored.items():
        for loan_id, figures in rows.items():
            loan = loans.get(loan_id)
            if loan is None:
                continue
            start = loan["start"]
            yield {
                **loan,
                **figures,
                "as_of": as_of,
                "months_on_book": (as_of.year * 12 + as_of.month) - (start.year * 12 + start.month),
            }


def posting_rows(tx: Transaction, loans: Mapping[str, Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every posting of the loans, a reversal as the negative of the type it reverses."""
    for loan_id, loan in loans.items():
        for entry in tx.ledger.entries(loan_id):
            reversal = entry.type == EntryType.reversal
            yield {
                **loan,
                "business_date": entry.business_date,
                "type": entry.data.get("reverses_type") if reversal else entry.type,
                "posted_amount": -entry.amount if reversal else entry.amount,
                "principal_change": entry.principal,
                "interest_change": entry.interest,
                "penalty_change": entry.penalty,
                "fee_change": entry.fee,
            }


def application_rows(tx: Transaction) -> Iterator[dict[str, Any]]:
    reviewed = {t.application_id for t in _all(tx, ReviewTask)}
    for application in _all(tx, Application):
        yield {
            "application_id": application.id,
            "customer_id": application.customer_id,
            "product": application.product_code,
            "channel": application.channel.value,
            "grade": application.grade,
            "purpose": application.purpose.value,
            "submitted": local_date(application.submitted_at),
            "amount": application.amount,
            "term": application.term,
            "outcome": outcome(application.status),
            "route": "manual" if application.id in reviewed else "auto",
        }


def customer_rows(tx: Transaction) -> Iterator[dict[str, Any]]:
    for customer in _all(tx, Customer):
        passed = [r.at for r in customer.kyc if r.check is KycCheck.id_card and r.passed]
        yield {
            "customer_id": customer.id,
            "channel": customer.channel,
            **customer_fields(customer),
            "registered": local_date(customer.registered_at),
            "verified": local_date(min(passed)) if passed else None,
            "customer_status": customer.status.value,
        }


def _all(tx: Transaction, kind: Any) -> list[Any]:
    """Every entity of ``kind`` (the memory store lists all with no filter)."""
    return list(tx.repo(kind).list())
