"""One product, one truth over a whole life: for every sample product, random applicants, amounts,
terms, methods, start dates, coupons and LPR fixings published after the start (crossing repricing
dates), the quote, the offer, the contract's schedule and what servicing posts through the end of
day with on-time auto-debits agree to the fen.

Everything runs through :class:`loanfactory.Lender` on the memory store — origination's rules and
pricing, the contract, disbursement, the end of day, auto-debits, LPR repricing — the production
path. Origination knows only the fixings published by the start date; servicing learns the later
ones as they are published. The quote is :func:`loanfactory.quote.quote` with the offer's pricing
decision and coupon: on the fixings known at the start for the offer and the contract, and on every
fixing for what servicing charges over the loan's life.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st
from lifecycle_world import Applicant, Life, NotOffered, catalog, open_loan, person_id, with_fixings

from loanfactory.lpr import LprFixing, LprSeries
from loanfactory.money import format_money
from loanfactory.origination import Application, Offer
from loanfactory.quote import Quote, quote
from loanfactory.servicing import Contract, EntryType, LoanStatus
from loanfactory.spec import ProductSpec
from loanfactory.terms import Concession

PRODUCTS = catalog()
CODES = sorted(PRODUCTS.products)
BASE = LprSeries.default()
MAX_MONTHS = 24  # the longest life lived here: two years of end-of-day runs per example


@st.composite
def lives(draw: st.DrawFn, spec: ProductSpec) -> dict[str, object]:
    """One applicant's choice of ``spec`` and the LPR fixings published after the start."""
    start = draw(st.dates(date(2025, 7, 1), date(2026, 6, 30)))
    terms = [t for t in spec.term.values() if spec.term.unit.value == "days" or t <= MAX_MONTHS]
    term = draw(st.sampled_from(terms))
    limits = spec.amount
    top = min(limits.max, Decimal(2_000_000))
    steps = int((top - limits.min) / limits.step)
    amount = limits.min + limits.step * draw(st.integers(0, steps))
    method = draw(st.sampled_from([m.value for m in spec.repayment.methods]))
    fixings = []
    when = start
    for _ in range(draw(st.integers(0, 3))):  # new fixings on the 20th of later months
        when = (when.replace(day=1) + timedelta(days=32 * draw(st.integers(1, 9)))).replace(day=20)
        move = draw(st.integers(-4, 4)) * Decimal("0.0005")
        last = fixings[-1] if fixings else BASE.latest
        fixings.append(
            LprFixing(
                when, max(last.one_year + move, Decimal("0.01")), max(last.five_year + move, Decimal("0.01"))
            )
        )
    birth = draw(st.dates(date(1970, 1, 1), date(2000, 12, 31)))
    applicant = Applicant(
        id_number=person_id(birth, draw(st.integers(1, 999))),
        income=Decimal(draw(st.integers(300, 5000)) * 1000),
        persona=draw(st.sampled_from(["prime", "near-prime"])),
    )
    coupon = draw(st.sampled_from([(0, 0), (7, 0), (0, 30), (15, 20)]))
    return {
        "start": start,
        "term": term,
        "amount": amount,
        "method": method,
        "fixings": fixings,
        "applicant": applicant,
        "coupon": coupon,
    }


def _quote(spec: ProductSpec, life: Life, lpr: LprSeries) -> Quote:
    offer = life.offer
    with life.lender.store.transaction() as tx:
        application = tx.repo(Application).get(offer.application_id)
    coupon = None
    if offer.coupon_id is not None:
        discount = -sum((c.value for c in offer.rate_breakdown if c.name == "campaign"), Decimal(0))
        coupon = Concession(
            rate_discount=discount, interest_free_days=offer.interest_free_days, id=offer.coupon_id
        )
    return quote(
        spec,
        offer.amount,
        offer.term,
        method=offer.repayment_method,
        start=offer.start_date,
        lpr=lpr,
        pricing=application.pricing,
        concession=coupon,
    )


def _offer_agrees(offer: Offer, q: Quote) -> None:
    rows = q.schedule.installments
    assert offer.terms == q.contract
    assert offer.annual_rate == q.contract.annual_rate
    assert offer.first_payment == rows[0].total
    assert offer.total_interest == q.schedule.totals.interest
    assert offer.total_repayment == q.schedule.totals.total + q.schedule.upfront_fee
    assert offer.apr == q.apr.nominal.quantize(Decimal("1e-8"))
    for line in offer.schedule_preview:
        row = rows[line.period - 1]
        assert (line.due_date, line.principal, line.interest, line.fee, line.payment, line.balance) == (
            row.due_date,
            row.principal,
            row.interest,
            row.fee,
            row.total,
            row.balance,
        )


def _contract_agrees(life: Life, q: Quote) -> None:
    loan = life.lender.servicing.loan(life.loan_id)
    with life.lender.store.transaction() as tx:
        contract = tx.repo(Contract).get(loan.contract_id or "")
    rows = q.schedule.installments
    assert [(r.number, r.due_date, r.principal, r.interest, r.fee, r.total) for r in loan.schedule] == [
        (r.number, r.due_date, r.principal, r.interest, r.fee, r.total) for r in rows
    ]
    for row in rows:
        assert format_money(row.total) in contract.body
    assert loan.terms.model_copy(update={"allocation": q.contract.allocation}) == q.contract


def _servicing_agrees(life: Life, q: Quote) -> None:
    """What the ledger charged and collected, installment by installment, is the quote's."""
    loan = life.lender.servicing.loan(life.loan_id)
    assert loan.status is LoanStatus.settled
    with life.lender.store.transaction() as tx:
        entries = tx.ledger.entries(life.loan_id)
    interest: dict[int, Decimal] = {}
    fee: dict[int, Decimal] = {}
    principal: dict[int, Decimal] = {}
    for entry in entries:
        assert entry.type not in (EntryType.penalty, EntryType.reversal), entry
        number = entry.data.get("installment")
        if entry.type == EntryType.interest:
            assert number is not None, "no interest beyond the schedule's (on-time payments)"
            interest[number] = interest.get(number, Decimal(0)) + entry.interest
        elif entry.type == EntryType.fee and number is not None:
            fee[number] = fee.get(number, Decimal(0)) + entry.fee
        for key, component, amount in entry.data.get("allocation", ()):
            if component == "principal" and key.isdigit():
                principal[int(key)] = principal.get(int(key), Decimal(0)) + Decimal(amount)
    rows = q.schedule.installments
    assert interest == {r.number: r.interest for r in rows if r.interest}
    assert fee == {r.number: r.fee for r in rows if r.fee}
    assert principal == {r.number: r.principal for r in rows if r.principal}
    upfront = sum(
        (e.fee for e in entries if e.type == EntryType.fee and "installment" not in e.data), Decimal(0)
    )
    assert upfront == q.schedule.upfront_fee
    paid = sum((e.amount for e in entries if e.type == EntryType.repayment), Decimal(0))
    assert paid == q.schedule.totals.total + q.schedule.upfront_fee


@pytest.mark.parametrize("code", CODES)
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_quote_offer_contract_and_servicing_agree_to_the_fen(code: str, data: st.DataObject) -> None:
    spec = PRODUCTS.product(code).spec
    case = data.draw(lives(spec))
    start: date = case["start"]  # type: ignore[assignment]
    future = with_fixings(BASE, case["fixings"])  # type: ignore[arg-type]
    published = LprSeries(tuple(f for f in future.fixings if f.date <= start))
    days, bp = case["coupon"]  # type: ignore[misc]
    try:
        life = open_loan(
            PRODUCTS,
            spec,
            start=start,
            amount=case["amount"],  # type: ignore[arg-type]
            term=case["term"],  # type: ignore[arg-type]
            method=case["method"],  # type: ignore[arg-type]
            published=published,
            future=future,
            coupon_days=days,
            coupon_bp=bp,
            applicant=case["applicant"],  # type: ignore[arg-type]
        )
    except NotOffered:
        event("not offered")
        reject()
    at_start = _quote(spec, life, published)
    _offer_agrees(life.offer, at_start)
    _contract_agrees(life, at_start)
    loan = life.lender.servicing.loan(life.loan_id)
    assert loan.maturity is not None
    life.live_to(loan.maturity + timedelta(days=1))
    repriced = life.lender.servicing.loan(life.loan_id).terms.rate.resets != loan.terms.rate.resets
    event("repriced on a fixing published after the start" if repriced else "no new rate")
    _servicing_agrees(life, _quote(spec, life, future))
