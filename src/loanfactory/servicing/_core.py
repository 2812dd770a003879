"""What every servicing command shares: the :class:`Context` (ports, products, settings, rules),
the idempotent command runner, and the reads of a loan every command module uses.

The command modules (``_signing``, ``_disbursement``, ``_payments``, ``_requests``, ``_receipts``,
``_manual``, ``_restructuring``, ``_eod`` ...) are plain functions ``f(ctx, ...)`` over one frozen
context; :class:`~loanfactory.servicing.Servicing` is the façade that builds it.

A command runs in one ``store.transaction()``: it looks up its idempotency key in the event log
and, when the command already ran, returns the result stored with that event and changes nothing
(a key reused for other arguments is refused). Otherwise the body runs, and the keyed event is
appended with the result. Notifications and payment instructions are written to the outbox in
the same transaction, so they exist exactly when the state change does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, TypeAdapter

from loanfactory.command import run_keyed
from loanfactory.entity import DomainEvent, IdFactory, UuidIds
from loanfactory.errors import NotFound
from loanfactory.lpr import LprSeries
from loanfactory.notices import notice
from loanfactory.ports import (
    Channel,
    Clock,
    OutboxMessage,
    PaymentGateway,
    SignatureProvider,
    Store,
    Transaction,
)
from loanfactory.servicing._contract import ContractRenderer
from loanfactory.servicing._loan import Loan
from loanfactory.servicing._overdue import DEFAULT_RULES, ClassificationRules
from loanfactory.servicing._position import Position, fold
from loanfactory.servicing._records import EodCalendar
from loanfactory.servicing._state import position_of
from loanfactory.spec import ProductSpec

if TYPE_CHECKING:
    from loanfactory.servicing._early_warning import EarlyWarning
    from loanfactory.servicing._eod import DayStep
    from loanfactory.servicing._warnings import WarningMonitor

R = TypeVar("R")


class CreditLines(Protocol):
    """How servicing occupies and releases a customer's credit line (额度占用/释放).

    Both run inside the caller's open transaction and must be idempotent by ``key``.
    """

    def occupy(
        self,
        tx: Transaction,
        *,
        line_id: str,
        loan_id: str,
        product_code: str,
        amount: Decimal,
        day: date,
        key: str,
    ) -> None: ...

    def release(
        self,
        tx: Transaction,
        *,
        line_id: str,
        loan_id: str,
        product_code: str,
        amount: Decimal,
        day: date,
        key: str,
    ) -> None: ...


ProductSource = Mapping[str, ProductSpec] | Callable[[str], ProductSpec]
LprSource = LprSeries | Callable[[], LprSeries]
"""The LPR series, or a callable giving the fixings published so far (a bank's feed)."""


@dataclass
class ServicingConfig:
    """Settings of the servicing service that are not (yet) product settings."""

    lender_name: str = "示例银行股份有限公司"
    reminder_hours: int = 72  # 到期提醒提前量
    reminder_every_days: int = 7  # overdue reminders repeat this often within a reminder tier
    template_dirs: tuple[str, ...] = ()
    staff_role: str = "collections"
    risk_role: str = "risk-officer"
    eod_batch: int = 200
    eod_max_gap_days: int = 31  # a first end of day further behind today needs allow_gap (日终日期校验)
    allocation: Any = None  # an AllocationPolicy default for every product (see ask in the report)
    allocation_by_product: dict[str, Any] = field(default_factory=dict)
    operations_roles: tuple[str, ...] = ("operations",)  # who posts offline payments and reversals (运营)
    four_eyes_above: Decimal = Decimal("50000.00")  # manual postings above this need a second user (双人复核)
    relief_roles: tuple[str, ...] = ("risk-officer", "credit-committee")  # who asks for/approves 展期、重组


@dataclass(frozen=True)
class Context:
    """What every servicing command works with: the ports, the products, the settings and rules.

    The :class:`~loanfactory.servicing.Servicing` façade builds one and hands it to the command
    modules; it holds no state of its own, so one context serves any number of commands and end
    of day runs at once (what a run counts lives in the run).
    """

    store: Store
    clock: Clock
    gateway: PaymentGateway
    signer: SignatureProvider
    products: ProductSource
    ids: IdFactory = field(default_factory=UuidIds)
    credit_lines: CreditLines | None = None
    config: ServicingConfig = field(default_factory=ServicingConfig)
    lpr_source: LprSource | None = None
    rules: ClassificationRules = DEFAULT_RULES
    monitor: WarningMonitor | None = None
    early_warning: EarlyWarning | None = None
    day_steps: tuple[DayStep, ...] = ()
    renderer: ContractRenderer = field(default_factory=ContractRenderer)

    # --- look-ups -------------------------------------------------------------------------------

    def product(self, code: str) -> ProductSpec:
        source = self.products
        try:
            return source[code] if isinstance(source, Mapping) else source(code)
        except KeyError:
            raise NotFound(
                f"no product '{code}'", field="product_code", message_zh=f"找不到产品 '{code}'"
            ) from None

    def lpr(self) -> LprSeries:
        """The LPR fixings known now (for repricing floating loans): the series given, the one its
        source returns now, or the series shipped with loanfactory."""
        source = self.lpr_source
        if source is None:
            return LprSeries.default()
        return source if isinstance(source, LprSeries) else source()

    def today(self, on: date | None = None) -> date:
        return on if on is not None else self.clock.today()

    # --- commands -------------------------------------------------------------------------------

    def run(
        self,
        *,
        name: str,
        key: str,
        arguments: Any,
        result_type: Any,
        body: Callable[[Transaction], tuple[str, R]],
        actor: str = "system",
        audit_arguments: bool = False,
    ) -> R:
        """Run ``body`` once per idempotency ``key``; it returns ``(subject id, result)``.

        The one command runner of :mod:`loanfactory.command`, under its one audit policy: the
        command is a link of the audit chain; with ``audit_arguments`` (money commands, whose
        arguments hold no personal data) the link also holds the arguments in the clear."""
        adapter: TypeAdapter[Any] = TypeAdapter(result_type)

        def once(tx: Transaction) -> tuple[str, R, list[DomainEvent]]:
            subject, result = body(tx)
            return subject, result, []

        replayed: R = run_keyed(
            self.store,
            self.clock,
            self.ids,
            name=name,
            event_type=name,
            key=key,
            arguments=arguments,
            body=once,
            dump=lambda result: adapter.dump_python(result, mode="json"),
            load=lambda tx, event: adapter.validate_python(event.payload["result"]),
            actor=actor,
            audited=_plain(arguments) if audit_arguments else None,
        )
        return replayed

    # --- outbox ---------------------------------------------------------------------------------

    def notify(
        self,
        tx: Transaction,
        *,
        recipient: str,
        template: str,
        body: str,
        dedup_key: str,
        channel: Channel = Channel.sms,
        subject: str = "",
        data: dict[str, Any] | None = None,
        language: str = "zh",
    ) -> None:
        """Queue a notification of a registered kind (:mod:`loanfactory.notices`) in the outbox;
        ``data`` must fit the kind. The notification relay delivers it later."""
        note = notice(
            template,
            id=self.ids.new("ntf"),
            recipient=recipient,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
            data=data or {},
            dedup_key=dedup_key,
        )
        tx.outbox.add(
            OutboxMessage(
                id=note.id,
                topic="notification",
                dedup_key=dedup_key,
                payload=note.model_dump(mode="json"),
                created_at=self.clock.now(),
            )
        )

    def emit(self, tx: Transaction, type: str, subject: str, **payload: Any) -> None:
        tx.events.append(
            DomainEvent(
                id=self.ids.new("evt"),
                type=type,
                subject=subject,
                at=self.clock.now(),
                payload=_plain(payload),
            )
        )


# --- reads every command module shares ---------------------------------------------------------


def loan_in(tx: Transaction, loan_id: str, *, lock: bool = False) -> Loan:
    repo = tx.repo(Loan)
    return repo.lock(loan_id) if lock else repo.get(loan_id)


def position_in(tx: Transaction, loan: Loan, as_of: date) -> Position:
    """From the loan's kept state; the ledger is folded only for a date before its latest
    posting (or a loan whose state was never built)."""
    state = tx.ledger.state(loan.id)
    if state is not None:
        position = position_of(state, loan.schedule, as_of)
        if position is not None:
            return position
    return fold(tx.ledger.entries(loan.id), loan.schedule, as_of)


def read_position(ctx: Context, loan_id: str, as_of: date | None = None) -> Position:
    """The loan's balances and open dues at the end of ``as_of`` (default today), from the ledger."""
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id)
        return position_in(tx, loan, ctx.today(as_of))


def last_eod_date(tx: Transaction) -> date | None:
    """The latest business date whose end-of-day run completed."""
    calendar = tx.repo(EodCalendar).find("eod")
    return calendar.last_completed if calendar is not None else None


def attend(tx: Transaction, loan: Loan, day: date) -> Loan:
    """Make sure the end of day of ``day`` looks at the loan (after a change outside it)."""
    current = tx.repo(Loan).get(loan.id)
    if current.attention_on is not None and current.attention_on <= day:
        return current
    return tx.repo(Loan).update(current.evolve(attention_on=day))


def read_loan(ctx: Context, loan_id: str) -> Loan:
    with ctx.store.transaction() as tx:
        return loan_in(tx, loan_id)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value
