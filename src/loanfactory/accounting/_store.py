"""The books' port (账务存储端口): what the general ledger reads and writes, set-based.

A store that keeps books gives its transactions a ``books`` attribute implementing
:class:`BookStore` (the memory store and the SQL store do); :func:`books_in` finds it. Everything
that runs over the book moves in bulk — the loans as columns (:class:`LoanRows`), the books' own
state of each loan as columns (:class:`LoanBooks`), journals and day turnovers in lists — so that a
close over 100,000 loans is a few statements, never one per loan.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from loanfactory.accounting._chart import Side
from loanfactory.accounting._journal import Journal
from loanfactory.errors import StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing import CATEGORIES, Loan, LoanStatus

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
NONE = -1  # no date (ordinal), no period

STATUSES = (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off)
"""The statuses of loans with money on the books; a loan's status code is its index here."""
ACTIVE, SETTLED, WRITTEN_OFF = 0, 1, 2


_STATUS_CODES = {s.value: i for i, s in enumerate(STATUSES)}
_RANKS = {c.value: c.rank for c in CATEGORIES}


def status_code(status: LoanStatus | str) -> int:
    try:
        return STATUSES.index(LoanStatus(status))
    except ValueError:
        return len(STATUSES)


@dataclass(frozen=True, slots=True)
class Posting:
    """A ledger posting as the books read it (the typed columns of the ledger)."""

    id: str
    loan_id: str
    sequence: int
    type: str
    business_date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    fee: Decimal
    credit: Decimal
    reverses_type: str | None = None  # for a reversal: the type of the posting it reverses


@dataclass(frozen=True, slots=True)
class AccrualPeriod:
    """One installment's interest period for accrual: interest (fen) earned from ``start`` to the
    day before ``due`` (算头不算尾)."""

    start: date
    due: date
    interest: int


@dataclass(frozen=True, slots=True)
class Turnover:
    """Debit and credit turnover of an account (and dimensions) over some days (发生额)."""

    account: str
    product: str
    category: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        """Debit minus credit."""
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class PostedLine:
    """A journal line with its journal's header, as stored (明细账行)."""

    journal_id: str
    kind: str
    accounting_date: date
    value_date: date
    source: str
    memo: str
    line: int
    account: str
    side: Side
    amount: Decimal
    product: str
    category: str
    loan_id: str
    booked_at: datetime
    red: bool = False


@dataclass(frozen=True, slots=True)
class DayClose:
    """One closed business date of the books (日终结账记录)."""

    day: date
    closed_at: datetime
    journals: int
    lines: int
    previous: date | None  # the close before it (a gap means days closed together)
    digest: str  # sha256 of the day's turnover, also in the audit chain


@dataclass
class LoanRows:
    """Servicing's view of loans, one slot per loan (read from the loan table's columns)."""

    ids: list[str]
    product: list[str]
    status: IntArray  # index in STATUSES (3: another status)
    category: IntArray  # five-category rank: 0 normal .. 4 loss
    days_past_due: IntArray
    schedule_version: IntArray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, rows: Sequence[Sequence[Any]]) -> LoanRows:
        """From ``(id, product, status, category, days_past_due, schedule_version)`` rows."""
        if not rows:
            empty = np.zeros(0, dtype=np.int64)
            return cls([], [], empty, empty.copy(), empty.copy(), empty.copy())
        ids, products, statuses, categories, dpd, versions = zip(*rows, strict=True)
        n = len(ids)
        return cls(
            list(ids),
            list(products),
            np.fromiter((_STATUS_CODES.get(s, len(STATUSES)) for s in statuses), np.int64, n),
            np.fromiter((_RANKS.get(c, 0) for c in categories), np.int64, n),
            np.array(dpd, dtype=np.int64),
            np.array(versions, dtype=np.int64),
        )


@dataclass
class LoanBooks:
    """The books' own state of each loan (会计分户): one slot per loan, amounts in integer fen.

    ``category`` is the class whose loan account holds the principal, ``basis`` the accrual basis
    (:class:`~loanfactory.accounting.Basis` code), ``posted_seq`` the last ledger sequence booked;
    the balances are what the loan's journals put on the control accounts; ``period_*`` cache the
    installment period being accrued.
    """

    ids: list[str]
    product: list[str]
    category: IntArray
    basis: IntArray
    open: BoolArray
    posted_seq: IntArray
    schedule_version: IntArray
    principal: IntArray
    interest: IntArray
    penalty: IntArray
    fee: IntArray
    credit: IntArray
    written_off: IntArray
    period_start: IntArray
    period_due: IntArray
    period_interest: IntArray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def new(cls, ids: Sequence[str], products: Sequence[str]) -> LoanBooks:
        n = len(ids)

        def zeros() -> IntArray:
            return np.zeros(n, dtype=np.int64)

        def unknown() -> IntArray:
            return np.full(n, NONE, dtype=np.int64)

        return cls(
            ids=list(ids),
            product=list(products),
            category=zeros(),
            basis=zeros(),
            open=np.ones(n, dtype=np.bool_),
            posted_seq=zeros(),
            schedule_version=unknown(),
            principal=zeros(),
            interest=zeros(),
            penalty=zeros(),
            fee=zeros(),
            credit=zeros(),
            written_off=zeros(),
            period_start=unknown(),
            period_due=unknown(),
            period_interest=zeros(),
        )

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[Any]]) -> LoanBooks:
        """From rows of ``(id, product, *COLUMNS)`` (the order of :data:`COLUMNS`)."""
        if not rows:
            return cls.new([], [])
        columns = list(zip(*rows, strict=True))
        out = cls.new(list(columns[0]), list(columns[1]))
        for name, values in zip(_ARRAYS, columns[2:], strict=True):
            getattr(out, name)[:] = values
        return out

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]]) -> LoanBooks:
        """From mappings with one key per field (``id`` for ``ids``, ``product``, ...)."""
        out = cls.new([str(r["id"]) for r in records], [str(r["product"]) for r in records])
        for name in _ARRAYS:
            column = getattr(out, name)
            column[:] = [r[name] for r in records]
        return out

    def records(self, indexes: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """The slots at ``indexes`` (all by default) as plain mappings (see :meth:`from_records`)."""
        chosen = range(len(self)) if indexes is None else indexes
        columns = {name: getattr(self, name).tolist() for name in _ARRAYS}
        return [
            {"id": self.ids[i], "product": self.product[i], **{name: columns[name][i] for name in _ARRAYS}}
            for i in chosen
        ]

    def extend(self, other: LoanBooks) -> LoanBooks:
        values = {name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in _ARRAYS}
        return LoanBooks(self.ids + other.ids, self.product + other.product, **values)


_ARRAYS = tuple(f.name for f in fields(LoanBooks) if f.name not in ("ids", "product"))
COLUMNS = _ARRAYS
"""The state columns of :class:`LoanBooks` after ``ids`` and ``product``, in order."""


class BookStore(Protocol):
    """The books inside one store transaction (see the module docstring)."""

    def last_closed(self) -> DayClose | None:
        """The newest closed business date."""
        ...

    def add_day_close(self, close: DayClose) -> None: ...

    def loan_rows(self, ids: Collection[str] | None = None) -> LoanRows:
        """Servicing's columns of the loans ``ids``; by default of the active loans and of the
        loans settled or written off that the books do not hold yet."""
        ...

    def loan_books(self, ids: Collection[str] | None = None) -> LoanBooks:
        """The books' state of the loans ``ids``; by default of the open loans."""
        ...

    def save_loan_books(self, books: LoanBooks) -> None:
        """Insert or replace these loans' states."""
        ...

    def unposted(self, until: date) -> list[Posting]:
        """Postings of the loans in the books after their ``posted_seq`` dated on or before ``until``
        and not booked yet, in loan and sequence order."""
        ...

    def loans(self, ids: Collection[str]) -> list[Loan]:
        """The loans themselves (for their schedules)."""
        ...

    def replace_periods(self, periods: Mapping[str, Sequence[AccrualPeriod]]) -> None: ...

    def next_periods(self, ids: Collection[str], day: date) -> dict[str, AccrualPeriod]:
        """Per loan, the first period due after ``day`` (loans with none are left out)."""
        ...

    def add_journals(self, journals: Sequence[Journal]) -> None: ...

    def add_turnover(self, day: date, rows: Sequence[Turnover]) -> None: ...

    def turnover(self, start: date | None, end: date, *, product: str | None = None) -> list[Turnover]:
        """Turnover per account, product and category summed over the closed days from ``start``
        (the beginning when None) to ``end``."""
        ...

    def lines(
        self,
        start: date,
        end: date,
        *,
        account: str | None = None,
        product: str | None = None,
        loan_id: str | None = None,
    ) -> list[PostedLine]:
        """Journal lines booked from ``start`` to ``end``, in date, journal and line order."""
        ...


def books_in(tx: Transaction) -> BookStore:
    """The books of a store transaction, or :class:`StateConflict` when the store keeps none."""
    books: BookStore | None = getattr(tx, "books", None)
    if books is None:
        raise StateConflict(
            f"{type(tx).__name__} keeps no books: use the memory store or the SQL store",
            field="store",
            message_zh="该存储不支持会计账簿：请使用内存存储或 SQL 存储",
        )
    return books
