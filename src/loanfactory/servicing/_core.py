"""What every servicing command shares: ports, products, ids, and the idempotent command runner.

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
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, TypeAdapter

from loanfactory.audit import fingerprint
from loanfactory.command import check_key, find_done, keyed_event, retry_conflicts
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
from loanfactory.servicing._loan import Loan
from loanfactory.servicing._position import Position, fold
from loanfactory.servicing._records import EodCalendar
from loanfactory.servicing._state import position_of
from loanfactory.spec import ProductSpec

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


class Core:
    """The ports and helpers the command groups share; see :class:`~loanfactory.servicing.Servicing`."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        products: ProductSource,
        gateway: PaymentGateway,
        signer: SignatureProvider,
        ids: IdFactory | None = None,
        credit_lines: CreditLines | None = None,
        config: ServicingConfig | None = None,
        lpr: LprSource | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.gateway = gateway
        self.signer = signer
        self.ids = ids or UuidIds()
        self.credit_lines = credit_lines
        self.config = config or ServicingConfig()
        self._products = products
        self._lpr = lpr

    # --- look-ups -------------------------------------------------------------------------------

    def product(self, code: str) -> ProductSpec:
        source = self._products
        try:
            return source[code] if isinstance(source, Mapping) else source(code)
        except KeyError:
            raise NotFound(
                f"no product '{code}'", field="product_code", message_zh=f"找不到产品 '{code}'"
            ) from None

    def lpr(self) -> LprSeries:
        """The LPR fixings known now (for repricing floating loans): the series given, the one its
        source returns now, or the series shipped with loanfactory."""
        source = self._lpr
        if source is None:
            return LprSeries.default()
        return source if isinstance(source, LprSeries) else source()

    def today(self, on: date | None = None) -> date:
        return on if on is not None else self.clock.today()

    @staticmethod
    def loan_in(tx: Transaction, loan_id: str, *, lock: bool = False) -> Loan:
        repo = tx.repo(Loan)
        return repo.lock(loan_id) if lock else repo.get(loan_id)

    @staticmethod
    def position_in(tx: Transaction, loan: Loan, as_of: date) -> Position:
        """From the loan's kept state; the ledger is folded only for a date before its latest
        posting (or a loan whose state was never built)."""
        state = tx.ledger.state(loan.id)
        if state is not None:
            position = position_of(state, loan.schedule, as_of)
            if position is not None:
                return position
        return fold(tx.ledger.entries(loan.id), loan.schedule, as_of)

    def position(self, loan_id: str, as_of: date | None = None) -> Position:
        """The loan's balances and open dues at the end of ``as_of`` (default today), from the ledger."""
        with self.store.transaction() as tx:
            loan = self.loan_in(tx, loan_id)
            return self.position_in(tx, loan, self.today(as_of))

    @staticmethod
    def last_eod_date(tx: Transaction) -> date | None:
        """The latest business date whose end-of-day run completed."""
        calendar = tx.repo(EodCalendar).find("eod")
        return calendar.last_completed if calendar is not None else None

    @staticmethod
    def attend(tx: Transaction, loan: Loan, day: date) -> Loan:
        """Make sure the end of day of ``day`` looks at the loan (after a change outside it)."""
        current = tx.repo(Loan).get(loan.id)
        if current.attention_on is not None and current.attention_on <= day:
            return current
        return tx.repo(Loan).update(current.evolve(attention_on=day))

    def loan(self, loan_id: str) -> Loan:
        with self.store.transaction() as tx:
            return self.loan_in(tx, loan_id)

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
        audit: bool = False,
    ) -> R:
        """Run ``body`` once per idempotency ``key``; it returns ``(subject id, result)``."""
        key = check_key(key)
        digest = fingerprint(arguments)
        adapter: TypeAdapter[Any] = TypeAdapter(result_type)

        def attempt() -> R:
            with self.store.transaction() as tx:
                done = find_done(tx, key, name, digest)
                if done is not None:
                    replayed: R = adapter.validate_python(done.payload["result"])
                    return replayed
                subject, result = body(tx)
                event = keyed_event(
                    self.ids,
                    self.clock,
                    event_type=name,
                    subject=subject,
                    actor=actor,
                    key=key,
                    name=name,
                    digest=digest,
                    result=adapter.dump_python(result, mode="json"),
                )
                tx.events.append(event)
                if audit:
                    tx.audit.append(
                        actor=actor,
                        action=name,
                        subject=subject,
                        at=event.at,
                        after={"key": key, "arguments": _plain(arguments)},
                    )
                return result

        return retry_conflicts(attempt)

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
