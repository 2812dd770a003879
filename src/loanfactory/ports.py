"""Ports: the only ways the core reaches the outside world.

Each port is a :class:`typing.Protocol`. The core (origination, servicing, compliance, reporting)
depends on these and never on a database driver, web framework or SDK. Implementations:

=====================  ==========================================  ===================================
port                   in-memory / simulated (``loanfactory.testing``)  production (``loanfactory.adapters``)
=====================  ==========================================  ===================================
Clock                  FixedClock                                  adapters.clock.SystemClock
Store / Transaction    MemoryStore                                 adapters.sql.SqlStore (SQLite, PG)
Notifier               RecordingNotifier                           adapters.notify.* (console, file,
                                                                   webhook, SMS/push)
PaymentGateway         SimulatedGateway (failures, timeouts,       adapters.payments.HttpPaymentGateway
                       duplicate callbacks)                        (a bank's payment system over HTTP)
KycVerifier            SimulatedKyc                                a KYC vendor
CreditBureau           SimulatedBureau                             PBOC credit reference centre
SignatureProvider      SimulatedSigner                             a CA / e-signature vendor
BlobStore              MemoryBlobStore                             adapters.blob (filesystem, S3)
=====================  ==========================================  ===================================

The message types that cross the ports (payment instructions, notifications, KYC and bureau
answers) are defined here too, as frozen pydantic models, so that they can be written to the
outbox as JSON and read back exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from loanfactory.entity import DomainEvent, Entity
from loanfactory.errors import LoanfactoryError
from loanfactory.money import Money

E = TypeVar("E", bound=Entity)


class Message(BaseModel):
    """Base of the values that cross a port."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- time -------------------------------------------------------------------------------------


class Clock(Protocol):
    """The current time and business date; never read the wall clock in the core."""

    def now(self) -> datetime:
        """An aware datetime (China Standard Time)."""
        ...

    def today(self) -> date:
        """The business date."""
        ...


# --- storage ----------------------------------------------------------------------------------


class ConcurrentUpdate(LoanfactoryError):
    """An entity changed since it was read (optimistic locking); the command may be retried."""

    code = "concurrent-update"


class ServiceUnavailable(LoanfactoryError):
    """A remote service behind a port (KYC vendor, credit bureau ...) did not answer; retry later."""

    code = "service-unavailable"


class Repository(Protocol[E]):
    """Versioned entities of one kind."""

    def get(self, id: str) -> E:
        """The entity, or :class:`loanfactory.errors.NotFound`."""
        ...

    def find(self, id: str) -> E | None: ...

    def lock(self, id: str) -> E:
        """Read for update: other writers of this entity wait until the transaction ends."""
        ...

    def add(self, entity: E) -> E:
        """Insert a new entity (version 1 is returned); an existing id is a conflict."""
        ...

    def update(self, entity: E) -> E:
        """Store a changed entity read at ``entity.version``; returns it at the next version.

        Raises :class:`ConcurrentUpdate` when the stored version differs.
        """
        ...

    def ids(self, **where: Any) -> list[str]:
        """The ids of the entities :meth:`list` would return, in no set order, without reading
        the entities (an index scan)."""
        ...

    def list(self, **where: Any) -> list[E]:
        """Entities whose indexed attributes equal the given values, in id order."""
        ...


class LedgerEntryRecord(Message):
    """One append-only ledger posting as stored (the servicing ledger builds these)."""

    id: str
    loan_id: str
    sequence: int
    type: str
    business_date: date
    posted_at: datetime
    amount: Decimal
    principal: Decimal = Decimal(0)
    interest: Decimal = Decimal(0)
    penalty: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)  # change in money held for the borrower (溢缴款): + kept, - applied/refunded
    reverses: str | None = None
    idempotency_key: str | None = None
    memo: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class OneOffCharge(Message):
    """A charge due when posted (an upfront fee, broken-period interest) kept in a loan's state."""

    due_date: date
    component: str
    amount: Decimal


class LedgerState(Message):
    """A loan's ledger folded through its last posting (账户状态), kept by the store: every
    :meth:`Ledger.append` updates it in the same transaction. The ledger stays the truth;
    ``loanfactory db verify-state`` replays it and compares. See
    :mod:`loanfactory.servicing._state` for the meaning of each field."""

    loan_id: str
    sequence: int = 0  # the last posting's sequence number
    last_entry_id: str | None = None
    last_date: date | None = None  # the latest business date of any posting
    last_cash_in: date | None = None  # the latest business date of a repayment or prepayment
    entries: int = 0
    principal: Decimal = Decimal(0)
    interest: Decimal = Decimal(0)
    penalty: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    disbursed: Decimal = Decimal(0)
    repaid: Decimal = Decimal(0)
    written_off: Decimal = Decimal(0)
    paid: dict[str, Decimal] = Field(default_factory=dict)  # "<due key>|<component>" -> paid
    charges: dict[str, OneOffCharge] = Field(default_factory=dict)  # "u:<entry id>" -> live charge
    charged: tuple[str, ...] = ()  # "<type>|<installment>" of every installment charge posted
    penalty_paid: Decimal = Decimal(0)
    accrual: Decimal = Decimal(0)  # exact accrual of the live penalty postings that record it
    unrecorded: Decimal = Decimal(0)  # penalty of live postings without a recorded accrual
    penalty_posted: Decimal = Decimal(0)  # penalty amount of the live penalty postings
    penalty_date: date | None = None  # the latest business date of a penalty posting
    day_accrual: Decimal = Decimal(0)  # ... the three sums above for postings on penalty_date
    day_unrecorded: Decimal = Decimal(0)
    day_posted: Decimal = Decimal(0)


class Ledger(Protocol):
    """Append-only postings per loan, and each loan's state folded from them."""

    def append(self, entry: LedgerEntryRecord) -> None:
        """Add a posting and update the loan's :class:`LedgerState` in the same transaction;
        a duplicate id or idempotency key is refused."""
        ...

    def state(self, loan_id: str) -> LedgerState | None:
        """The loan's state through its last posting; None when the loan has no posting (or its
        state was never built: see ``loanfactory db rebuild-state``)."""
        ...

    def states_of(self, loan_ids: Sequence[str]) -> dict[str, LedgerState]:
        """:meth:`state` of several loans read at once (loans without a state are left out)."""
        ...

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        """Every posting of a loan, in sequence order."""
        ...

    def entries_of(self, loan_ids: Sequence[str]) -> dict[str, list[LedgerEntryRecord]]:
        """:meth:`entries` of several loans read at once (every loan given is a key)."""
        ...

    def by_key(self, idempotency_key: str) -> LedgerEntryRecord | None: ...


class OutboxMessage(Message):
    """A notification or payment instruction written with the state change that caused it."""

    id: str
    topic: str  # "notification", "payment", "debit", "collection", ...
    dedup_key: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    last_error: str | None = None


class Outbox(Protocol):
    def add(self, message: OutboxMessage) -> None:
        """Queue a message; a second message with the same dedup key is ignored."""
        ...

    def pending(self, limit: int = 100, *, topic: str | None = None) -> list[OutboxMessage]:
        """Undelivered messages, oldest first (only those of ``topic`` when given)."""
        ...

    def mark_delivered(self, id: str, at: datetime) -> None: ...

    def mark_failed(self, id: str, error: str) -> None: ...


class AuditRecord(Message):
    """One link of the hash-chained audit log."""

    sequence: int
    at: datetime
    actor: str
    action: str
    subject: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    previous_hash: str
    hash: str


class AuditLog(Protocol):
    def append(
        self,
        *,
        actor: str,
        action: str,
        subject: str,
        at: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditRecord: ...

    def records(self, subject: str | None = None) -> list[AuditRecord]: ...


class EventLog(Protocol):
    """Domain events, and the idempotency keys of the commands already done."""

    def append(self, event: DomainEvent) -> None: ...

    def by_key(self, idempotency_key: str) -> DomainEvent | None:
        """The event a command with this key produced, if it already ran."""
        ...

    def for_subject(self, subject: str) -> list[DomainEvent]: ...


class Transaction(Protocol):
    """One unit of work: everything in it commits together or not at all."""

    @property
    def ledger(self) -> Ledger: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def events(self) -> EventLog: ...

    def repo(self, kind: type[E]) -> Repository[E]: ...


class Store(Protocol):
    """Where state lives: ``with store.transaction() as tx: ...`` commits on success."""

    def transaction(self) -> AbstractContextManager[Transaction]: ...


# --- notifications ----------------------------------------------------------------------------


class Channel(StrEnum):
    sms = "sms"
    push = "push"
    email = "email"
    webhook = "webhook"
    in_app = "in-app"
    staff = "staff"  # a task or alert for bank staff


class Notification(Message):
    """A message to a customer or to staff, already rendered in its language."""

    id: str
    recipient: str  # customer id or staff role/user
    channel: Channel
    template: str  # e.g. "approval_result", "repayment_reminder", "overdue_notice", "risk_warning"
    language: str = "zh"
    subject: str = ""
    body: str
    data: dict[str, Any] = Field(default_factory=dict)
    dedup_key: str


class DeliveryReceipt(Message):
    notification_id: str
    delivered: bool
    provider_reference: str | None = None
    error: str | None = None


class Notifier(Protocol):
    def send(self, notification: Notification) -> DeliveryReceipt: ...


# --- payments ---------------------------------------------------------------------------------


class PaymentStatus(StrEnum):
    succeeded = "succeeded"
    failed = "failed"
    pending = "pending"  # timed out or still in flight: ask again with status()


class PaymentDirection(StrEnum):
    payout = "payout"  # disbursement to the borrower or an entrusted payee (放款)
    debit = "debit"  # collection from the borrower's account (扣款)


class PaymentInstruction(Message):
    """Move money; ``idempotency_key`` makes a resubmission safe."""

    id: str
    direction: PaymentDirection
    loan_id: str = ""  # empty for a small-deposit account check (打款验证), which has no loan
    amount: Decimal
    account: str  # bank card or account number (masked in logs)
    account_name: str
    payee_category: str | None = None  # for fund supervision (资金用途)
    idempotency_key: str
    requested_at: datetime
    remark: str | None = None  # 附言, shown on the payee's statement (a small deposit's code)


class PaymentResult(Message):
    instruction_id: str
    status: PaymentStatus
    amount: Decimal
    reference: str | None = None
    reason: str | None = None
    settled_at: datetime | None = None


class PaymentGateway(Protocol):
    """A payment system (支付通道) that pays out and collects.

    ``submit`` is safe to repeat with the same instruction (the gateway de-duplicates by
    ``idempotency_key``). When the outcome of a call is unknown (a timeout or a server error that
    an enquiry could not settle either), raise :class:`ServiceUnavailable`: the instruction stays
    queued and is submitted again later, with the same key, never under a new one.
    """

    def submit(self, instruction: PaymentInstruction) -> PaymentResult: ...

    def status(self, instruction_id: str) -> PaymentResult: ...


class PaymentChannel(StrEnum):
    """How money reached the lender (收款渠道)."""

    gateway = "gateway"  # a collection order through the payment system (代扣)
    counter = "counter"  # paid at a branch counter (柜台)
    bank_transfer = "bank-transfer"  # the borrower's transfer into the lender's account (转账)
    red_packet = "red-packet"  # a campaign's cash red packet, paid from the marketing budget (营销红包抵扣)


class PaymentConfirmation(Message):
    """Evidence that money arrived (到账凭证), as the payment system or the bank confirmed it.

    The ledger credits a loan only from one of these (never from an amount someone asked to pay).
    ``reference`` is the payment system's or the bank's serial number (流水号): one reference is
    credited once per channel, so the same money is never taken twice.
    """

    channel: PaymentChannel
    reference: str = Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")
    amount: Money = Field(gt=0)
    settled_on: date
    payer_account: str | None = None
    confirmed_by: str = "system"  # the payment system, or the operations user who posted it


class PaymentRecord(Message):
    """A payment observed on a borrower's or payee's account (for fund-use supervision)."""

    loan_id: str
    at: datetime
    amount: Decimal
    payee: str
    payee_category: str


class BalanceEnquiry(Protocol):
    """The payment system's pre-debit balance check (代扣前余额查询).

    ``sufficient`` says whether ``account`` holds ``amount`` for a debit on ``on``: True, False, or
    None when the payment system cannot tell (the account's bank does not answer such enquiries).
    """

    def sufficient(self, account: str, amount: Decimal, on: date) -> bool | None: ...


class CaseRecipient(Protocol):
    """An outside party that takes over a severely overdue loan (委外催收机构、法院/律所、拍卖机构).

    ``deliver`` receives one referral's document (the assignment export, the case file, the
    disposal request) and returns the party's reference for it; raising leaves it to be retried.
    """

    def deliver(self, *, action: str, loan_id: str, name: str, content: bytes, media_type: str) -> str: ...


# --- KYC, credit bureau, signatures -----------------------------------------------------------


class KycCheck(StrEnum):
    id_card = "id-card"  # 身份证核验
    face_match = "face-match"  # 人脸比对
    bank_card_four = "bank-card-four"  # 银行卡四要素
    business_licence = "business-licence"  # 营业执照核验


class KycResult(Message):
    check: KycCheck
    passed: bool
    score: Decimal | None = None
    reason: str | None = None
    reference: str | None = None


class KycVerifier(Protocol):
    def verify_id_card(self, id_number: str, name: str) -> KycResult: ...

    def match_face(self, id_number: str, image_sha256: str) -> KycResult: ...

    def verify_bank_card(self, id_number: str, name: str, card_number: str, phone: str) -> KycResult: ...

    def verify_business_licence(
        self, credit_code: str, name: str, legal_representative: str
    ) -> KycResult: ...


class BureauRecord(Message):
    """One account or event in a credit report."""

    kind: str  # "loan", "credit_card", "guarantee", "court_judgement", "write_off", ...
    opened: date | None = None
    balance: Decimal = Decimal(0)
    overdue_months_24m: int = 0
    worst_status: str = "normal"  # normal, overdue, bad_debt, ...
    reported: date | None = None
    credit_limit: Decimal | None = None  # card limit or loan amount granted (授信额度)
    max_overdue_days_24m: int = 0  # longest overdue run in the last 24 months (最长逾期天数)
    overdue_amount: Decimal = Decimal(0)  # currently overdue (当前逾期金额)


class BureauQuery(Message):
    subject_id: str  # ID number or unified social credit code
    subject_name: str
    purpose: str  # "loan_approval", "post_loan_management", ...
    consent_id: str
    as_of: date


class BureauReportData(Message):
    """What a bureau returned; origination maps it onto the rule facts."""

    subject_id: str
    as_of: date
    score: int | None = None
    records: tuple[BureauRecord, ...] = ()
    inquiries_3m: int = 0
    inquiries_12m: int = 0
    reference: str | None = None
    inquiries_6m: int | None = None  # when the bureau reports it (近 6 个月查询次数)


class CreditBureau(Protocol):
    def report(self, query: BureauQuery) -> BureauReportData: ...


class SignatureMethod(StrEnum):
    sms_code = "sms-code"
    face = "face"
    ca_certificate = "ca-certificate"
    handwritten = "handwritten"


class SignatureRecord(Message):
    signer: str
    signer_role: str  # "borrower", "lender", "guarantor"
    method: SignatureMethod
    signed_at: datetime
    document_sha256: str
    certificate_id: str
    signature: str


class SignatureProvider(Protocol):
    def sign(
        self, *, document_sha256: str, signer: str, signer_role: str, method: SignatureMethod, at: datetime
    ) -> SignatureRecord: ...

    def verify(self, record: SignatureRecord) -> bool: ...


# --- blobs (archived files) -------------------------------------------------------------------


class BlobStore(Protocol):
    """Files kept for the compliance archive, addressed by the SHA-256 of their content.

    ``put`` returns the key (the lowercase hex SHA-256 of ``data``); storing the same bytes twice
    is one blob. ``get`` raises :class:`loanfactory.errors.NotFound` for an unknown key; it returns
    the bytes as stored, and the archive checks them against the key (tamper evidence).
    """

    def put(self, data: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove a blob (a purge); an unknown key is not an error."""
        ...
