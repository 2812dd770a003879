"""A stored loan book at bank scale, built fast (批量造数): for end-of-day benchmarks and tests.

Running origination and months of servicing for every one of 100,000 loans would take hours, so
the book is built in two steps:

1. **templates** — a few dozen loans live through the real servicing path on an in-memory store
   (the customer registered with an identity; the loan opened, signed, disbursed, repaid with
   confirmed money, aged by the real end of day every business date, prepaid, written off) up to
   the eve of the book date. Each template has a *profile*: ``current``, ``grace`` (1–3 days past
   due), ``tier1`` (4–30), ``tier2`` (31–90), ``tier3`` (91–150), ``prepaid`` (settled early) or
   ``written-off``; start dates and terms are spread so that due dates fall on every day of the
   month and loans are of every age.
2. **copies** — the target store receives ``n`` loans, each a copy of a template under its own ids
   (the loan, its customer, its ledger postings and every record that names the loan), written in
   chunks through the store's bulk load (``load``: one transaction and one audit link digesting the
   chunk, the way a book migrated from another core system arrives).

The copies are exact: a copy's postings, schedule and state are the template's, so the end of day
on a copy does what it would do on the template. What differs between copies of one template is
only their ids. ::

    book = build_stored_book(store, 10_000, date(2026, 6, 30))
    servicing.run_eod(book.day)           # the first run on the stored book
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import BaseModel

from loanfactory.calendar import add_months
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import Entity
from loanfactory.ports import (
    LedgerEntryRecord,
    PaymentChannel,
    PaymentConfirmation,
    SignatureMethod,
)
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import LoanRequest, LoanStatus, Servicing
from loanfactory.spec import ProductSpec, load_product_or_raise
from loanfactory.terms import contract_terms
from loanfactory.testing._clock import FixedClock
from loanfactory.testing._memory import MemoryStore
from loanfactory.testing._payments import SimulatedGateway
from loanfactory.testing._signature import SimulatedSigner

PROFILES = ("current", "grace", "tier1", "tier2", "tier3", "prepaid", "written-off")
"""The states a template is brought to by the book date (see the module docstring)."""

_PAST_DUE = {"current": (0, 0), "prepaid": (0, 0), "grace": (1, 3), "tier1": (4, 30)}
_PAST_DUE |= {"tier2": (31, 90), "tier3": (91, 150), "written-off": (91, 150)}
_ID_NUMBER = "110101199003078515"  # every template borrower's resident ID (a valid GB 11643 number)
_MARK = "~"  # ends every template id, and only ids: a copy's ids replace it with "~<copy number>"
_PRODUCT = Path("products") / "consumer_credit.yaml"  # the repository's products, from its root


class _TemplateIds:
    """Ids ``loan-00001~``: the mark makes each id a token no other id contains."""

    def __init__(self) -> None:
        self._count = 0

    def new(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}-{self._count:05d}{_MARK}"


@dataclass(frozen=True, slots=True)
class Template:
    """One template loan: the loan and the records naming it, its postings, and how to copy each."""

    profile: str
    loan_id: str
    records: tuple[_Copier, ...]  # the loan first
    postings: tuple[_Copier, ...]  # in sequence order


@dataclass(frozen=True, slots=True)
class StoredBook:
    """What :func:`build_stored_book` wrote: the book date, loan ids and the count per profile."""

    day: date
    loan_ids: tuple[str, ...]
    profiles: dict[str, int] = field(default_factory=dict)
    postings: int = 0


class BookStore(Protocol):
    """A store that takes a ready-made book in bulk (:class:`MemoryStore`, the SQL store)."""

    def load(self, entities: list[Entity], postings: list[LedgerEntryRecord], *, at: datetime) -> None: ...


def build_stored_book(
    store: BookStore,
    n: int,
    day: date,
    *,
    templates: int = 42,
    seed: int = 15,
    chunk: int = 1000,
    product: ProductSpec | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StoredBook:
    """Write ``n`` loans, as they stand on the eve of ``day``, into ``store`` (see the module)."""
    if n < 1 or templates < 1 or chunk < 1:
        raise ValueError("n, templates and chunk must be positive")
    kinds = make_templates(day, templates, seed=seed, product=product)
    return write_copies(store, kinds, n, day, chunk=chunk, progress=progress)


def make_templates(
    day: date, count: int, *, seed: int = 15, product: ProductSpec | None = None
) -> list[Template]:
    """``count`` template loans lived through the real servicing path up to the eve of ``day``."""
    spec = product or load_product_or_raise(_PRODUCT)
    rng = random.Random(seed)
    plans = [_plan(rng, i, day) for i in range(count)]
    first = min(p.start for p in plans)
    clock = FixedClock(first)
    store = MemoryStore()
    gateway = SimulatedGateway(clock, seed=seed)
    servicing = Servicing(
        store,
        clock,
        products={spec.code: spec},
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=_TemplateIds(),
    )
    current = first
    while current < day:
        clock.set(current)
        for plan in plans:
            if plan.start == current:
                plan.loan_id = _open(servicing, gateway, spec, plan)
            elif plan.loan_id:
                _live(servicing, plan, current)
        _deliver(servicing, gateway)
        servicing.run_eod(current, allow_gap=True)
        current += timedelta(days=1)
    return [_template(store, plan) for plan in plans]


def write_copies(
    store: BookStore,
    kinds: list[Template],
    n: int,
    day: date,
    *,
    chunk: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> StoredBook:
    """Write ``n`` copies of ``kinds`` (round robin) into ``store``, ``chunk`` loans a load."""
    ids: list[str] = []
    profiles: Counter[str] = Counter()
    postings = 0
    at = datetime.combine(day - timedelta(days=1), time(23, 0), tzinfo=UTC)
    for start in range(0, n, chunk):
        records: list[Entity] = []
        entries: list[LedgerEntryRecord] = []
        for number in range(start, min(n, start + chunk)):
            template = kinds[number % len(kinds)]
            mark = f"{_MARK}{number}"
            records.extend(cast(Entity, c.copy(mark)) for c in template.records)
            entries.extend(cast(LedgerEntryRecord, c.copy(mark)) for c in template.postings)
            ids.append(template.loan_id.replace(_MARK, mark))
            profiles[template.profile] += 1
        store.load(records, entries, at=at)
        postings += len(entries)
        if progress is not None:
            progress(min(n, start + chunk), n)
    return StoredBook(day=day, loan_ids=tuple(ids), profiles=dict(profiles), postings=postings)


@dataclass(frozen=True, slots=True)
class _Copier:
    """Copies a stored value under new ids: the fields naming a template id are replaced; when such
    a field holds a nested model, the value goes through its JSON text instead."""

    value: BaseModel
    fields: tuple[str, ...]  # plain fields (text, JSON-like data) that hold a template id
    text: str | None  # the JSON of a value whose nested models hold one

    @classmethod
    def of(cls, value: BaseModel) -> _Copier:
        text = value.model_dump_json()
        names = tuple(n for n in type(value).model_fields if _MARK in json.dumps(_plain(getattr(value, n))))
        nested = any(not _is_plain(getattr(value, n)) for n in names)
        return cls(value, () if nested else names, text if nested else None)

    def copy(self, mark: str) -> BaseModel:
        if self.text is not None:
            return type(self.value).model_validate_json(self.text.replace(_MARK, mark))
        return self.value.model_copy(update={n: _renamed(getattr(self.value, n), mark) for n in self.fields})


def _is_plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_is_plain(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_is_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool | Decimal | date)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _renamed(value: Any, mark: str) -> Any:
    if isinstance(value, str):
        return value.replace(_MARK, mark)
    if isinstance(value, dict):
        return {k: _renamed(v, mark) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, mark) for v in value]
    if isinstance(value, tuple):
        return tuple(_renamed(v, mark) for v in value)
    return value


# --- the template loans' lives --------------------------------------------------------------------


@dataclass
class _Plan:
    number: int
    profile: str
    start: date
    term: int
    rate: Decimal
    amount: Decimal
    unpaid_from: date  # installments due on or after this date are not paid (the day itself if none)
    settle_on: date | None = None  # prepaid: paid off on this date
    write_off_on: date | None = None
    loan_id: str = ""
    paid: set[int] = field(default_factory=set)


def _plan(rng: random.Random, number: int, day: date) -> _Plan:
    profile = PROFILES[number % len(PROFILES)]
    low, high = _PAST_DUE[profile]
    past_due = rng.randint(low, high)
    term = rng.choice((12, 24, 36))
    age = rng.randint(1, 6)  # months from the start to the first unpaid due date
    anchor = day - timedelta(days=past_due if past_due else rng.randint(0, 29))
    start = add_months(anchor, -age)
    plan = _Plan(
        number=number,
        profile=profile,
        start=start,
        term=term,
        rate=Decimal(rng.choice(("0.039", "0.072", "0.108", "0.144"))),
        amount=Decimal(rng.randrange(10, 500)) * 100,
        unpaid_from=day - timedelta(days=past_due) if past_due else day,
    )
    if profile == "prepaid":
        plan.settle_on = day - timedelta(days=rng.randint(1, 10))
    elif profile == "written-off":
        plan.write_off_on = day - timedelta(days=1)
    return plan


def _open(servicing: Servicing, gateway: SimulatedGateway, product: ProductSpec, plan: _Plan) -> str:
    from loanfactory.testing._accounts import seed_payout_account

    customer = f"cust-{plan.number:05d}{_MARK}"
    account = f"6222{plan.number:012d}"
    _register(servicing, customer)
    terms = contract_terms(
        product,
        plan.amount,
        plan.term,
        method=RepaymentMethod.annuity,
        start=plan.start,
        pricing=PricingDecision(rate=plan.rate),
    )
    gateway.fund(account, Decimal(0))  # auto-debits fail: the plan pays by transfer
    payout = seed_payout_account(
        servicing.store, customer_id=customer, number=account, holder="样例客户", at=servicing.clock.now()
    )
    request = LoanRequest(
        customer_id=customer,
        borrower_name="样例客户",
        borrower_id_number=_ID_NUMBER,
        terms=terms,
        apr=plan.rate,
        account=account,
        account_name="样例客户",
        payee_category="consumption",
        payout_account_id=payout.id,
    )
    contract = servicing.open_loan(request, key=f"{customer}-open")
    for signer, role, method in (
        (customer, "borrower", SignatureMethod.sms_code),
        ("bank", "lender", SignatureMethod.ca_certificate),
    ):
        servicing.sign_contract(
            contract.id, signer=signer, role=role, method=method, key=f"{customer}-{role}"
        )
    servicing.disburse(contract.loan_id, key=f"{contract.loan_id}-disburse")
    return contract.loan_id


def _register(servicing: Servicing, customer_id: str) -> None:
    """The template's borrower as origination keeps customers (credit reporting reads the identity)."""
    from loanfactory.origination import (
        Customer,
        CustomerType,
        Employment,
        EmploymentKind,
        IndividualProfile,
    )

    profile = IndividualProfile(
        id_number=_ID_NUMBER,
        name="样例客户",
        phone="13800138000",
        annual_income=Decimal("120000"),
        employment=Employment(kind=EmploymentKind.salaried),
    )
    with servicing.store.transaction() as tx:
        tx.repo(Customer).add(
            Customer(
                id=customer_id,
                type=CustomerType.individual,
                identity_hash=hashlib.sha256(profile.id_number.encode()).hexdigest(),
                individual=profile,
                registered_at=servicing.clock.now(),
            )
        )


def _live(servicing: Servicing, plan: _Plan, day: date) -> None:
    """The borrower's day: pay the installment falling due (unless past the plan), settle, or
    the lender writes the loan off."""
    loan = servicing.loan(plan.loan_id)
    if loan.status is not LoanStatus.active:
        return
    if plan.settle_on == day:
        quote = servicing.payoff_quote(plan.loan_id, on=day)
        servicing.prepay(
            plan.loan_id, key=f"{plan.loan_id}-payoff", confirmation=_paid(plan, quote.total, day)
        )
        return
    if plan.write_off_on == day:
        servicing.write_off(plan.loan_id, key=f"{plan.loan_id}-write-off", reason="uncollectable")
        return
    for row in loan.schedule:
        if row.due_date == day and day < plan.unpaid_from and row.number not in plan.paid:
            servicing.repay(plan.loan_id, _paid(plan, row.total, day), key=f"{plan.loan_id}-pay-{row.number}")
            plan.paid.add(row.number)


def _paid(plan: _Plan, amount: Decimal, day: date) -> PaymentConfirmation:
    return PaymentConfirmation(
        channel=PaymentChannel.bank_transfer,
        reference=f"TRF-{plan.loan_id}-{day.isoformat()}",
        amount=amount,
        settled_on=day,
    )


def _deliver(servicing: Servicing, gateway: SimulatedGateway) -> None:
    servicing.relay_payments()
    servicing.poll_payments()
    for result in gateway.callbacks():
        servicing.apply_payment_result(result)


def _template(store: MemoryStore, plan: _Plan) -> Template:
    """The template loan and everything stored that names it, ready to copy."""
    with store.transaction() as tx:
        entries = tx.ledger.entries(plan.loan_id)
    return Template(
        profile=plan.profile,
        loan_id=plan.loan_id,
        records=tuple(_Copier.of(entity) for entity in _naming(store, plan.loan_id)),
        postings=tuple(_Copier.of(entry) for entry in entries),
    )


def _naming(store: MemoryStore, loan_id: str) -> Iterator[Entity]:
    """The loan first, its customer, then every other stored entity that names it by ``loan_id``."""
    entities = store.entities_of_every_kind()
    loan = entities["loan"][loan_id]
    yield loan
    customer = entities.get("customer", {}).get(getattr(loan, "customer_id", ""))
    if customer is not None:
        yield customer
    for kind, found in sorted(entities.items()):
        if kind == "loan":
            continue
        for entity in found.values():
            if getattr(entity, "loan_id", None) == loan_id:
                yield entity


__all__ = [
    "PROFILES",
    "BookStore",
    "StoredBook",
    "Template",
    "build_stored_book",
    "make_templates",
    "write_copies",
]
