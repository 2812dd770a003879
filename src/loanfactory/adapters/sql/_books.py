"""The books of the SQL store (:class:`loanfactory.accounting.BookStore` on the ``gl_*`` tables).

Every method is a handful of statements whatever the size of the book: the loans are read from
the covering index ``ix_loan_books`` (never their JSON bodies), the books' state of each loan in
one query, postings not yet booked through the ledger's ``(loan_id, sequence)`` index past each
loan's ``posted_seq``; journals, lines, turnover and states are written with executemany.
Look-ups by a list of ids go in chunks of :data:`CHUNK`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from loanfactory.accounting import (
    COLUMNS,
    AccrualPeriod,
    DayClose,
    Journal,
    LoanBooks,
    LoanRows,
    PostedLine,
    Posting,
    Side,
    Turnover,
)
from loanfactory.adapters.sql._schema import (
    GlDayRow,
    GlJournalRow,
    GlLineRow,
    GlLoanRow,
    GlPeriodRow,
    GlTurnoverRow,
    LedgerRow,
    table_of,
)
from loanfactory.adapters.sql._types import ExactDecimal
from loanfactory.servicing import Loan, LoanStatus

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction

CHUNK = 500
_STATE_COLUMNS = COLUMNS


_UNPOSTED_SQLITE = (
    text(
        "SELECT l.id, l.loan_id, l.sequence, l.type, l.business_date, l.principal, l.interest, l.penalty, "
        "l.fee, l.credit, l.reverses FROM gl_loans AS g CROSS JOIN ledger_entries AS l "
        "ON l.loan_id = g.loan_id AND l.sequence > g.posted_seq "
        "WHERE l.business_date <= :until "
        "AND NOT EXISTS (SELECT 1 FROM gl_journals AS j WHERE j.source = l.id) "
        "ORDER BY g.loan_id, l.sequence"
    )
    .bindparams(bindparam("until", type_=Date))
    .columns(
        column("id", String),
        column("loan_id", String),
        column("sequence", Integer),
        column("type", String),
        column("business_date", Date),
        *(column(name, ExactDecimal(2)) for name in ("principal", "interest", "penalty", "fee", "credit")),
        column("reverses", String),
    )
)
"""The postings not yet booked, on SQLite: ``CROSS JOIN`` keeps the books' loans the outer loop
(one index seek per loan past its ``posted_seq``), where the planner would scan the whole ledger."""


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class SqlBooks:
    """The books inside one SQL transaction."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx
        self._db = tx.connection

    @property
    def _loans(self) -> Table:
        return self._tx.store.mappings.for_kind(Loan).table

    # --- closes -------------------------------------------------------------------------------

    def last_closed(self) -> DayClose | None:
        t = table_of(GlDayRow)
        row = self._db.execute(select(t).order_by(t.c.day.desc()).limit(1)).first()
        if row is None:
            return None
        return DayClose(row.day, row.closed_at, row.journals, row.lines, row.previous, row.digest)

    def add_day_close(self, close: DayClose) -> None:
        self._db.execute(
            insert(GlDayRow).values(
                day=close.day,
                closed_at=close.closed_at,
                journals=close.journals,
                lines=close.lines,
                previous=close.previous,
                digest=close.digest,
            )
        )

    # --- loans --------------------------------------------------------------------------------

    def loan_rows(self, ids: Collection[str] | None = None) -> LoanRows:
        t = self._loans
        columns = (
            t.c.id,
            t.c.product_code,
            t.c.status,
            t.c.category,
            t.c.days_past_due,
            t.c.schedule_version,
        )
        rows: list[Any] = []
        if ids is None:
            held = exists().where(GlLoanRow.loan_id == t.c.id)
            query = union_all(
                select(*columns).where(t.c.status == LoanStatus.active.value),
                select(*columns).where(
                    t.c.status.in_([LoanStatus.settled.value, LoanStatus.written_off.value]), ~held
                ),
            )
            rows = list(self._db.execute(query.order_by("id")))
        else:
            for chunk in _chunks(ids):
                rows += self._db.execute(select(*columns).where(t.c.id.in_(chunk)))
            rows.sort(key=lambda r: r[0])
        return LoanRows.build(rows)

    def loan_books(self, ids: Collection[str] | None = None) -> LoanBooks:
        t = table_of(GlLoanRow)
        query = select(t.c.loan_id, t.c.product, *(t.c[name] for name in COLUMNS))
        found: list[Any] = []
        if ids is None:
            found = list(self._db.execute(query.where(t.c.open.is_(True)).order_by(t.c.loan_id)))
        else:
            for chunk in _chunks(ids):
                found += self._db.execute(query.where(t.c.loan_id.in_(chunk)))
            found.sort(key=lambda r: r[0])
        return LoanBooks.from_rows(found)

    def save_loan_books(self, books: LoanBooks) -> None:
        if not len(books):
            return
        t = table_of(GlLoanRow)
        dialect_insert = postgresql.insert if self._tx.dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(t)
        statement = statement.on_conflict_do_update(
            index_elements=[t.c.loan_id], set_={name: statement.excluded[name] for name in _STATE_COLUMNS}
        )
        values = [
            {"loan_id": r["id"], "product": r["product"], **{name: r[name] for name in _STATE_COLUMNS}}
            for r in books.records()
        ]
        for r in values:
            r["open"] = bool(r["open"])
        self._db.execute(statement, values)

    def loans(self, ids: Collection[str]) -> list[Loan]:
        mapping = self._tx.store.mappings.for_kind(Loan)
        t = mapping.table
        out: list[Loan] = []
        for chunk in _chunks(ids):
            for row in self._db.execute(select(t.c.version, t.c.body).where(t.c.id.in_(chunk))):
                loan = mapping.load(row.body, row.version, self._tx.cipher)
                assert isinstance(loan, Loan)
                out.append(loan)
        return out

    # --- ledger -------------------------------------------------------------------------------

    def unposted(self, until: date) -> list[Posting]:
        ledger, books, journals = table_of(LedgerRow), table_of(GlLoanRow), table_of(GlJournalRow)
        query: Any = (
            select(
                ledger.c.id,
                ledger.c.loan_id,
                ledger.c.sequence,
                ledger.c.type,
                ledger.c.business_date,
                ledger.c.principal,
                ledger.c.interest,
                ledger.c.penalty,
                ledger.c.fee,
                ledger.c.credit,
                ledger.c.reverses,
            )
            .join(books, and_(books.c.loan_id == ledger.c.loan_id, ledger.c.sequence > books.c.posted_seq))
            .where(ledger.c.business_date <= until, ~exists().where(journals.c.source == ledger.c.id))
            .order_by(books.c.loan_id, ledger.c.sequence)
        )
        if self._tx.dialect == "sqlite":  # make the books' loans the outer loop: seeks, not a ledger scan
            query = _UNPOSTED_SQLITE.bindparams(until=until)
        rows = list(self._db.execute(query))
        originals = {r.reverses for r in rows if r.reverses is not None}
        types: dict[str, str] = {}
        for chunk in _chunks(originals):
            types.update(self._db.execute(select(ledger.c.id, ledger.c.type).where(ledger.c.id.in_(chunk))))
        return [
            Posting(
                r.id,
                r.loan_id,
                r.sequence,
                r.type,
                r.business_date,
                r.principal,
                r.interest,
                r.penalty,
                r.fee,
                r.credit,
                types.get(r.reverses) if r.reverses is not None else None,
            )
            for r in rows
        ]

    # --- periods ------------------------------------------------------------------------------

    def replace_periods(self, periods: Mapping[str, Sequence[AccrualPeriod]]) -> None:
        t = table_of(GlPeriodRow)
        for chunk in _chunks(periods):
            self._db.execute(delete(t).where(t.c.loan_id.in_(chunk)))
        values = [
            {"loan_id": loan_id, "due": p.due, "start": p.start, "interest": p.interest}
            for loan_id, rows in periods.items()
            for p in rows
        ]
        if values:
            self._db.execute(insert(t), values)

    def next_periods(self, ids: Collection[str], day: date) -> dict[str, AccrualPeriod]:
        t = table_of(GlPeriodRow)
        inner = t.alias("later")
        first_due = (
            select(func.min(inner.c.due))
            .where(inner.c.loan_id == t.c.loan_id, inner.c.due > day)
            .scalar_subquery()
        )
        out: dict[str, AccrualPeriod] = {}
        for chunk in _chunks(ids):
            query = select(t.c.loan_id, t.c.start, t.c.due, t.c.interest).where(
                t.c.loan_id.in_(chunk), t.c.due == first_due
            )
            for row in self._db.execute(query):
                out[row.loan_id] = AccrualPeriod(row.start, row.due, int(row.interest))
        return out

    # --- journals and turnover ----------------------------------------------------------------

    def add_journals(self, journals: Sequence[Journal]) -> None:
        if not journals:
            return
        self._db.execute(
            insert(GlJournalRow),
            [
                {
                    "id": j.id,
                    "kind": j.kind,
                    "accounting_date": j.accounting_date,
                    "value_date": j.value_date,
                    "booked_at": j.booked_at,
                    "source": j.source or None,
                    "loan_id": j.loan_id,
                    "product": j.product,
                    "memo": j.memo,
                    "red": j.red,
                }
                for j in journals
            ],
        )
        lines = [
            {
                "journal_id": j.id,
                "line": number,
                "accounting_date": j.accounting_date,
                "account": ln.account,
                "side": ln.side.value,
                "amount": ln.amount,
                "product": ln.product,
                "category": ln.category,
                "loan_id": ln.loan_id,
            }
            for j in journals
            for number, ln in enumerate(j.lines, 1)
        ]
        if lines:
            self._db.execute(insert(GlLineRow), lines)

    def add_turnover(self, day: date, rows: Sequence[Turnover]) -> None:
        if rows:
            self._db.execute(
                insert(GlTurnoverRow),
                [
                    {
                        "day": day,
                        "account": r.account,
                        "product": r.product,
                        "category": r.category,
                        "debit": r.debit,
                        "credit": r.credit,
                    }
                    for r in rows
                ],
            )

    def turnover(self, start: date | None, end: date, *, product: str | None = None) -> list[Turnover]:
        t = table_of(GlTurnoverRow)
        money = ExactDecimal(2)
        query = select(
            t.c.account,
            t.c.product,
            t.c.category,
            type_coerce(func.sum(t.c.debit), money).label("debit"),
            type_coerce(func.sum(t.c.credit), money).label("credit"),
        ).where(t.c.day <= end)
        if start is not None:
            query = query.where(t.c.day >= start)
        if product is not None:
            query = query.where(t.c.product == product)
        query = query.group_by(t.c.account, t.c.product, t.c.category).order_by(
            t.c.account, t.c.product, t.c.category
        )
        return [
            Turnover(r.account, r.product, r.category, r.debit or Decimal(0), r.credit or Decimal(0))
            for r in self._db.execute(query)
        ]

    def lines(
        self,
        start: date,
        end: date,
        *,
        account: str | None = None,
        product: str | None = None,
        loan_id: str | None = None,
    ) -> list[PostedLine]:
        lines, journals = table_of(GlLineRow), table_of(GlJournalRow)
        query = (
            select(
                lines,
                journals.c.kind,
                journals.c.value_date,
                journals.c.source,
                journals.c.memo,
                journals.c.booked_at,
                journals.c.red,
            )
            .join(journals, journals.c.id == lines.c.journal_id)
            .where(lines.c.accounting_date >= start, lines.c.accounting_date <= end)
        )
        for field, value in (
            (lines.c.account, account),
            (lines.c.product, product),
            (lines.c.loan_id, loan_id),
        ):
            if value is not None:
                query = query.where(field == value)
        query = query.order_by(lines.c.accounting_date, lines.c.journal_id, lines.c.line)
        return [
            PostedLine(
                r.journal_id,
                r.kind,
                r.accounting_date,
                r.value_date,
                r.source or "",
                r.memo,
                r.line,
                r.account,
                Side(r.side),
                r.amount,
                r.product,
                r.category,
                r.loan_id,
                r.booked_at,
                bool(r.red),
            )
            for r in self._db.execute(query)
        ]
