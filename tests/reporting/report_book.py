"""A seeded book for the report tests (imported as ``report_book``): customers registered over two
months through several channels and cities, applications approved automatically, after manual
review, or rejected, loans disbursed and lived day by day to the end of June 2026 — some paid on
time, one late, one never — with positions taken after each month-end's end of day.

:func:`copy_book` copies the memory store's records into another store (SQLite, PostgreSQL), so the
same book is reported on every store.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from loanfactory.entity import CST, Entity, SequentialIds
from loanfactory.lender import Lender
from loanfactory.origination import (
    ApplicationRequest,
    BankCard,
    Consent,
    ConsentScope,
    DocumentKind,
    DocumentSource,
    Employment,
    EmploymentKind,
    IndividualProfile,
    OriginationSettings,
    ReviewTask,
    SupportingDocument,
    id_check_character,
)
from loanfactory.ports import SignatureMethod, Store
from loanfactory.product import ProductCatalog
from loanfactory.reporting import ensure_positions
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
)

ROOT = Path(__file__).resolve().parents[2]
START = date(2026, 1, 5)
END = date(2026, 6, 30)
D = Decimal


@dataclass(frozen=True)
class Person:
    n: int
    registered: date
    city: str
    channel: str
    industry: str
    amount: Decimal
    term: int
    persona: str = "prime"
    pays: str = "on-time"  # "on-time", "late" (pays from May), "never"
    apply: bool = True


PEOPLE = (
    Person(1, date(2026, 1, 5), "上海", "app", "信息技术", D("50000"), 12),
    Person(2, date(2026, 1, 9), "上海", "app", "制造业", D("120000"), 24),
    Person(3, date(2026, 1, 20), "北京", "mini-program", "批发零售", D("30000"), 36, pays="never"),
    Person(4, date(2026, 2, 2), "北京", "app", "信息技术", D("80000"), 12, pays="late"),
    Person(5, date(2026, 2, 3), "广州", "mini-program", "教育", D("20000"), 24, persona="near-prime"),
    Person(6, date(2026, 2, 16), "广州", "app", "制造业", D("60000"), 36, persona="severe"),
    Person(7, date(2026, 2, 24), "深圳", "web", "金融业", D("10000"), 12, apply=False),
    Person(8, date(2026, 3, 2), "深圳", "app", "信息技术", D("150000"), 36),
)


def person_id(n: int) -> str:
    first17 = f"3101041988051{n:03d}1"
    return first17 + id_check_character(first17)


@dataclass
class Book:
    lender: Lender
    clock: FixedClock
    gateway: SimulatedGateway
    loans: dict[int, str]  # person -> loan id
    applications: dict[int, str]
    month_ends: tuple[date, ...]

    @property
    def store(self) -> Store:
        return self.lender.store


def build_book() -> Book:
    clock = FixedClock(datetime.combine(START, time(9), tzinfo=CST))
    gateway = SimulatedGateway(clock=clock)
    products = ProductCatalog.load([ROOT / "products", ROOT / "rules"])
    personas = {person_id(p.n): p.persona for p in PEOPLE}
    lender = Lender(
        store=MemoryStore(),
        products=products,
        clock=clock,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=personas),  # type: ignore[arg-type]
        notifier=RecordingNotifier(),
        gateway=gateway,
        signer=SimulatedSigner(),
        ids=SequentialIds(),
        origination_settings=OriginationSettings(),
    )
    book = Book(lender, clock, gateway, {}, {}, ())
    month_ends = []
    day = START
    while day <= END:
        clock.set(datetime.combine(day, time(9), tzinfo=CST))
        lender.servicing.relay_payments()
        for person in PEOPLE:
            if person.registered == day:
                _open(book, person)
            if person.pays == "late" and day == date(2026, 5, 1) and person.n in book.loans:
                gateway.fund(_card(person.n), D("100000000"))
        lender.end_of_day(day)
        if day.day == calendar.monthrange(day.year, day.month)[1]:
            ensure_positions(lender.store, [day], today=day)
            month_ends.append(day)
        day += timedelta(days=1)
    book.month_ends = tuple(month_ends)
    return book


def _card(n: int) -> str:
    return f"6222021234567{n:06d}"


def _open(book: Book, person: Person) -> None:
    lender, clock = book.lender, book.clock
    profile = IndividualProfile(
        id_number=person_id(person.n),
        name=f"客户{person.n}",
        phone=f"138000000{person.n:02d}",
        annual_income=D("600000"),
        employment=Employment(
            kind=EmploymentKind.salaried, employer="某公司", industry=person.industry, years=D(5)
        ),
        bank_cards=(BankCard(number=_card(person.n), bank="中国工商银行"),),
        city=person.city,
        face_image_sha256=f"{person.n:064x}",
    )
    customer = lender.origination.register_customer(
        profile, idempotency_key=f"reg-{person.n}", channel=person.channel
    )
    if not person.apply:
        return
    now = clock.now()
    result = lender.origination.originate(
        ApplicationRequest(
            customer_id=customer.id,
            product_code="consumer_credit",
            amount=person.amount,
            term=person.term,
            purpose="consumer",
            channel=person.channel,
            documents=tuple(
                SupportingDocument(kind=kind, sha256=f"{person.n * 10 + i:064x}", source=source)
                for i, (kind, source) in enumerate(
                    (
                        (DocumentKind.id_card_front, DocumentSource.photo),
                        (DocumentKind.id_card_back, DocumentSource.photo),
                        (DocumentKind.income_proof, DocumentSource.third_party),
                        (DocumentKind.purchase_contract, DocumentSource.third_party),
                    )
                )
            ),
            consents=(
                Consent(scope=ConsentScope.bureau_query, granted_at=now - timedelta(minutes=5)),
                Consent(scope=ConsentScope.data_use, granted_at=now - timedelta(minutes=5)),
            ),
        ),
        idempotency_key=f"apply-{person.n}",
    )
    book.applications[person.n] = result.application.id
    outcome = result
    reviewers = iter(("reviewer-1", "reviewer-2", "reviewer-3"))
    while result.outcome != "rejected" and getattr(outcome, "offer", None) is None:
        tasks = lender.origination.list(ReviewTask, application_id=result.application.id, status="open")
        if not tasks:
            return
        reviewer = next(reviewers)
        lender.origination.claim_task(tasks[0].id, reviewer, idempotency_key=f"claim-{person.n}-{reviewer}")
        outcome = lender.origination.approve_task(
            tasks[0].id, reviewer, idempotency_key=f"ok-{person.n}-{reviewer}"
        )
    offer = getattr(outcome, "offer", None)
    if offer is None:
        return
    contract = lender.accept_offer(offer.id, key=f"accept-{person.n}")
    for role, signer in (("borrower", customer.id), ("lender", "bank")):
        lender.servicing.sign_contract(
            contract.id, signer=signer, role=role, method=SignatureMethod.face, key=f"sign-{person.n}-{role}"
        )
    lender.servicing.disburse(contract.loan_id, key=f"disburse-{person.n}")
    lender.servicing.relay_payments()
    book.loans[person.n] = contract.loan_id
    book.gateway.fund(_card(person.n), D("100000000") if person.pays == "on-time" else D(0))


def copy_book(source: Store, target: Store) -> None:
    """Every entity, ledger posting, day turnover of the books and stored position of ``source``
    written into ``target``."""
    from loanfactory.testing import MemoryStore as Memory

    assert isinstance(source, Memory)
    state = source._state
    with target.transaction() as tx:
        for entities in state.entities.values():
            for entity in entities.values():
                kind: type[Entity] = type(entity)
                tx.repo(kind).add(entity.model_copy(update={"version": 0}))
        for entries in state.ledger.values():
            for entry in entries:
                tx.ledger.append(entry)
        for day, turnover in state.books.turnover.items():  # the general ledger's day turnover
            tx.books.add_turnover(day, turnover)  # type: ignore[attr-defined]
        reports = tx.reports  # type: ignore[attr-defined]
        for day, rows in state.positions.days.items():
            reports.write_positions(
                day, [{"loan_id": loan_id, **figures} for loan_id, figures in rows.items()]
            )
