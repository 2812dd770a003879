"""Closing a business date in the books (日终记账与结账), in one transaction.

1. every ledger posting dated on or before the date and not booked yet becomes its journal, with
   the loan's class and basis as the books hold them (a write-off turns the basis to written-off);
2. schedules that changed give new accrual periods; each loan's accrued-not-charged interest is
   computed for the date (:mod:`._accrual`) and the accrued-interest account of each product and
   basis is brought to the sum (one accrual journal per product and basis);
3. loans past the non-accrual days stop accruing (their interest and penalty receivable is
   reversed out of income into the off-balance register); loans back within them resume;
4. a loan whose five-category class changed moves its principal to the new class's account;
5. the allowance of each product and class is re-measured to the provision its loans require;
6. the day's turnover is summed per account, product and class, and the date is recorded closed.

Nothing is written unless all of it is; a closed date is never closed again. When dates were
skipped (the books were not attached to some end-of-day runs), the next close books everything
up to its date, with each journal's value date kept.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import numpy as np

from loanfactory.accounting._accrual import NEVER, accrual_periods, accrued
from loanfactory.accounting._chart import Side
from loanfactory.accounting._journal import Journal, JournalKind, JournalLine, merge_lines
from loanfactory.accounting._posting import lines_of, posting_journal
from loanfactory.accounting._rules import BASES, Basis, PostingRules
from loanfactory.accounting._store import (
    ACTIVE,
    NONE,
    BookStore,
    DayClose,
    IntArray,
    LoanBooks,
    LoanRows,
    Turnover,
)
from loanfactory.servicing import CATEGORIES, ClassificationRules, provision_fen

ZERO = Decimal(0)
BATCH = 5000  # journals written, or loans read for their schedules, at a time
Key = tuple[str, str, str]  # account, product, category


@dataclass
class _Day:
    """What one close builds up before it writes."""

    day: date
    at: datetime
    rules: PostingRules
    state: LoanBooks
    status: IntArray  # servicing's status code, aligned with ``state``
    category: IntArray
    dpd: IntArray
    version: IntArray
    balances: dict[Key, Decimal]
    books: BookStore
    pending: list[Journal] = field(default_factory=list)  # written in batches: memory stays bounded
    sums: dict[Key, list[Decimal]] = field(default_factory=dict)  # the day's debit and credit turnover
    journals: int = 0
    lines: int = 0
    dirty: set[int] = field(default_factory=set)

    def add(self, journal: Journal) -> None:
        journal.check(self.rules.chart)
        for line in journal.lines:
            key = (line.account, line.product, line.category)
            self.balances[key] = self.balances.get(key, ZERO) + line.signed
            pair = self.sums.setdefault(key, [ZERO, ZERO])
            pair[0 if line.side is Side.debit else 1] += line.amount
        self.journals += 1
        self.lines += len(journal.lines)
        self.pending.append(journal)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        self.books.add_journals(self.pending)
        self.pending = []


def close_day(
    books: BookStore, day: date, rules: PostingRules, classification: ClassificationRules, at: datetime
) -> DayClose | None:
    """Close ``day`` (see the module docstring); None when it is already closed."""
    last = books.last_closed()
    if last is not None and day <= last.day:
        return None
    work = _open(books, day, rules, at, last)
    _book_postings(books, work)
    targets = _accrue(books, work)
    _move_basis(work, targets)
    _move_class(work)
    _provide(work, classification)
    _close_loans(work, targets)
    work.flush()
    turnover = [Turnover(a, p, c, d, cr) for (a, p, c), (d, cr) in sorted(work.sums.items())]
    books.add_turnover(day, turnover)
    if work.dirty:
        books.save_loan_books(_take(work.state, sorted(work.dirty)))
    close = DayClose(
        day=day,
        closed_at=at,
        journals=work.journals,
        lines=work.lines,
        previous=last.day if last is not None else None,
        digest=_digest(day, turnover),
    )
    books.add_day_close(close)
    return close


# --- the book -----------------------------------------------------------------------------------


def _open(books: BookStore, day: date, rules: PostingRules, at: datetime, last: DayClose | None) -> _Day:
    state = books.loan_books()
    rows = books.loan_rows()
    known = set(state.ids)
    listed = set(rows.ids)
    missing = [i for i in state.ids if i not in listed]
    if missing:
        rows = _join_rows(rows, books.loan_rows(missing))
    candidates = {i: p for i, p in zip(rows.ids, rows.product, strict=True) if i not in known}
    added = len(state)
    if candidates:
        reopened = books.loan_books(list(candidates))  # closed in the books, active again (a reversal)
        reopened.open[:] = True
        again = set(reopened.ids)
        fresh = LoanBooks.new(
            [i for i in candidates if i not in again], [p for i, p in candidates.items() if i not in again]
        )
        books.save_loan_books(fresh)  # the postings of a new loan are found through its state
        state = state.extend(reopened).extend(fresh)
    balances: dict[Key, Decimal] = defaultdict(lambda: ZERO)
    if last is not None:
        for row in books.turnover(None, last.day):
            balances[(row.account, row.product, row.category)] += row.net
    work = _Day(day, at, rules, state, *_aligned(rows, state), balances=balances, books=books)
    work.dirty.update(range(added, len(state)))
    return work


def _join_rows(a: LoanRows, b: LoanRows) -> LoanRows:
    return LoanRows(
        a.ids + b.ids,
        a.product + b.product,
        np.concatenate([a.status, b.status]),
        np.concatenate([a.category, b.category]),
        np.concatenate([a.days_past_due, b.days_past_due]),
        np.concatenate([a.schedule_version, b.schedule_version]),
    )


def _aligned(rows: LoanRows, state: LoanBooks) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Servicing's columns in the order of the books' slots (status 3 where a loan has no row)."""
    where = {loan_id: i for i, loan_id in enumerate(rows.ids)}
    order = np.array([where.get(i, -1) for i in state.ids], dtype=np.int64)
    found = order >= 0
    pick = np.where(found, order, 0)

    def take(column: IntArray, default: int) -> IntArray:
        if len(column) == 0:
            return np.full(len(state), default, dtype=np.int64)
        return np.where(found, column[pick], default).astype(np.int64)

    return (
        take(rows.status, 3),
        take(rows.category, 0),
        take(rows.days_past_due, 0),
        take(rows.schedule_version, NONE),
    )


def _book_postings(books: BookStore, work: _Day) -> None:
    postings = books.unposted(work.day)
    slots = {loan_id: i for i, loan_id in enumerate(work.state.ids)}
    absent = sorted({p.loan_id for p in postings if p.loan_id not in slots})
    if absent:  # closed loans with a late posting (a recovery, a reversal)
        more = books.loan_books(absent)
        rows = books.loan_rows(absent)
        first = len(work.state)
        work.state = work.state.extend(more)
        status, category, dpd, version = _aligned(rows, more)
        work.status = np.concatenate([work.status, status])
        work.category = np.concatenate([work.category, category])
        work.dpd = np.concatenate([work.dpd, dpd])
        work.version = np.concatenate([work.version, version])
        slots.update({loan_id: first + k for k, loan_id in enumerate(more.ids)})
        work.state.open[first:] = True
    state = work.state
    for posting in postings:
        i = slots[posting.loan_id]
        basis = BASES[int(state.basis[i])]
        book = work.rules.book(state.product[i])
        work.add(
            posting_journal(
                posting,
                category=CATEGORIES[int(state.category[i])],
                basis=basis,
                book=book,
                day=work.day,
                at=work.at,
            )
        )
        kind = posting.reverses_type if posting.type == "reversal" else posting.type
        state.principal[i] += _fen(posting.principal)
        state.interest[i] += _fen(posting.interest)
        state.penalty[i] += _fen(posting.penalty)
        state.fee[i] += _fen(posting.fee)
        if basis is Basis.written_off:
            state.written_off[i] -= _fen(posting.credit)
        else:
            state.credit[i] += _fen(posting.credit)
        if kind == "write-off":
            owed = posting.principal + posting.interest + posting.penalty + posting.fee
            state.written_off[i] -= _fen(owed)
            if posting.type != "reversal":
                state.basis[i] = Basis.written_off.code
        state.posted_seq[i] = max(int(state.posted_seq[i]), posting.sequence)
        state.open[i] = True
        work.dirty.add(i)


# --- accrual, basis, class, provision -----------------------------------------------------------


def _accrue(books: BookStore, work: _Day) -> IntArray:
    state, day = work.state, work.day
    active = work.status == ACTIVE
    changed = np.flatnonzero(active & (work.version != state.schedule_version))
    for start in range(0, len(changed), BATCH):  # in batches: a whole book's loans at once is gigabytes
        ids = [state.ids[i] for i in changed[start : start + BATCH].tolist()]
        books.replace_periods({loan.id: accrual_periods(loan) for loan in books.loans(ids)})
    if len(changed):
        state.schedule_version[changed] = work.version[changed]
        state.period_due[changed] = NONE
        work.dirty.update(changed.tolist())
    stale = np.flatnonzero(active & (state.period_due <= day.toordinal()))
    if len(stale):
        ids = [state.ids[i] for i in stale.tolist()]
        found = books.next_periods(ids, day)
        for i, loan_id in zip(stale.tolist(), ids, strict=True):
            period = found.get(loan_id)
            if period is None:
                state.period_start[i], state.period_due[i], state.period_interest[i] = NEVER, NEVER, 0
            else:
                state.period_start[i] = period.start.toordinal()
                state.period_due[i] = period.due.toordinal()
                state.period_interest[i] = period.interest
        work.dirty.update(stale.tolist())
    targets = np.where(
        active, accrued(state.period_start, state.period_due, state.period_interest, day), 0
    ).astype(np.int64)
    _true_up(work, targets)
    return targets


def _true_up(work: _Day, targets: IntArray) -> None:
    """Bring each product's accrued-interest account (per basis) to the loans' accrued total."""
    state = work.state
    wanted: dict[tuple[str, Basis], int] = defaultdict(int)
    for product, basis, target in zip(state.product, state.basis.tolist(), targets.tolist(), strict=True):
        if target:
            wanted[(product, BASES[basis])] += target
    products = set(state.product) | {p for (_, p, _) in work.balances}
    for product in sorted(products):
        book = work.rules.book(product)
        for basis, role in (
            (Basis.accrual, "interest.accrued"),
            (Basis.non_accrual, "offbs.interest.accrued"),
        ):
            held = work.balances.get((book.account(role), product, ""), ZERO)
            delta = Decimal(wanted.get((product, basis), 0)) / 100 - held
            if delta == 0:
                continue
            pairs = book.lines_for("accrual", "accrued", basis) or ()
            lines = lines_of(pairs, delta, book, category=CATEGORIES[0])
            journal_id = f"accrual:{work.day}:{product}:{basis.value}"
            work.add(_journal(work, journal_id, JournalKind.accrual, lines, product))


def _move_basis(work: _Day, targets: IntArray) -> None:
    state = work.state
    days = work.rules.non_accrual_after_days
    want = np.where(work.dpd > days, Basis.non_accrual.code, Basis.accrual.code)
    moving = np.flatnonzero(
        (work.status == ACTIVE) & (state.basis != Basis.written_off.code) & (state.basis != want)
    )
    for i in moving.tolist():
        stop = int(want[i]) == Basis.non_accrual.code
        kind = JournalKind.stop_accrual if stop else JournalKind.resume_accrual
        book = work.rules.book(state.product[i])
        lines: list[JournalLine] = []
        for component, fen in (
            ("interest", int(state.interest[i])),
            ("accrued", int(targets[i])),
            ("penalty", int(state.penalty[i])),
        ):
            if fen:
                pairs = book.lines_for(kind.value, component, None) or ()
                lines += lines_of(
                    pairs,
                    Decimal(fen) / 100,
                    book,
                    category=CATEGORIES[int(state.category[i])],
                    loan_id=state.ids[i],
                )
        if lines:
            journal_id = f"{kind.value}:{work.day}:{state.ids[i]}"
            work.add(_journal(work, journal_id, kind, lines, state.product[i], state.ids[i]))
        state.basis[i] = want[i]
        work.dirty.add(i)


def _move_class(work: _Day) -> None:
    state = work.state
    moving = np.flatnonzero((work.status < 3) & (state.category != work.category))
    for i in moving.tolist():
        book = work.rules.book(state.product[i])
        old, new = CATEGORIES[int(state.category[i])], CATEGORIES[int(work.category[i])]
        amount = Decimal(int(state.principal[i])) / 100
        if amount:
            lines = [
                JournalLine(book.class_account(new), _DEBIT, amount, book.product, new.value, state.ids[i]),
                JournalLine(book.class_account(old), _CREDIT, amount, book.product, old.value, state.ids[i]),
            ]
            work.add(
                _journal(
                    work,
                    f"class-transfer:{work.day}:{state.ids[i]}",
                    JournalKind.class_transfer,
                    lines,
                    state.product[i],
                    state.ids[i],
                    memo=f"{old.zh} → {new.zh}",
                )
            )
        state.category[i] = work.category[i]
        work.dirty.add(i)


def _provide(work: _Day, classification: ClassificationRules) -> None:
    """Re-measure the allowance of each product and class to the provision required."""
    state = work.state
    required = provision_fen(state.principal, state.category, classification)
    wanted: dict[tuple[str, int], int] = defaultdict(int)
    for product, rank, fen in zip(state.product, state.category.tolist(), required.tolist(), strict=True):
        if fen:
            wanted[(product, rank)] += fen
    products = set(state.product) | {p for (_, p, _) in work.balances}
    for product in sorted(products):
        book = work.rules.book(product)
        allowance = book.account("allowance")
        pairs = book.lines_for("provision", "allowance", None) or ()
        lines: list[JournalLine] = []
        for category in CATEGORIES:
            held = -work.balances.get((allowance, product, category.value), ZERO)  # a credit balance
            delta = Decimal(wanted.get((product, category.rank), 0)) / 100 - held
            if delta:
                lines += lines_of(pairs, delta, book, category=category)
        if lines:
            work.add(_journal(work, f"provision:{work.day}:{product}", JournalKind.provision, lines, product))


def _close_loans(work: _Day, targets: IntArray) -> None:
    """Loans settled or written off with nothing left on the books leave the daily work."""
    state = work.state
    empty = (
        (state.principal == 0)
        & (state.interest == 0)
        & (state.penalty == 0)
        & (state.fee == 0)
        & (state.credit == 0)
        & (targets == 0)
    )
    closing = np.flatnonzero(state.open & (work.status != ACTIVE) & (work.status < 3) & empty)
    state.open[closing] = False
    work.dirty.update(closing.tolist())


# --- helpers ------------------------------------------------------------------------------------

_DEBIT, _CREDIT = Side.debit, Side.credit


def _journal(
    work: _Day,
    id: str,
    kind: JournalKind,
    lines: list[JournalLine],
    product: str,
    loan_id: str = "",
    memo: str = "",
) -> Journal:
    return Journal(
        id=id,
        kind=kind.value,
        accounting_date=work.day,
        value_date=work.day,
        booked_at=work.at,
        lines=merge_lines(lines),
        loan_id=loan_id,
        product=product,
        memo=memo,
    )


def _digest(day: date, rows: list[Turnover]) -> str:
    text = "\n".join(f"{day}|{r.account}|{r.product}|{r.category}|{r.debit}|{r.credit}" for r in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _take(state: LoanBooks, indexes: list[int]) -> LoanBooks:
    return LoanBooks.from_records(state.records(indexes))


def _fen(amount: Decimal) -> int:
    return int(amount * 100)
