"""Reversal with re-processing (冲正与重算): undo a payment and replay what came after it.

Reversing a repayment changes what every later payment settled and how much penalty accrued.
So a reversal (value-dated on the original's business date) also reverses every later payment,
credit application and waiver of the loan, then replays the days from the original's date to the
last end of day: the later payments are posted again in their order and re-allocated by the
waterfall, credit is applied on each day as the end of day would, and each day's penalty is
recomputed — the difference from what was posted becomes a penalty adjustment on that day. The
ledger stays append-only; the derived position is what it would have been without the payment.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import LedgerEntryRecord, Transaction
from loanfactory.servicing._allocation import allocate
from loanfactory.servicing._core import Context, attend, last_eod_date, loan_in, position_in
from loanfactory.servicing._ledger import Postings, live
from loanfactory.servicing._loan import Component, Loan, LoanStatus
from loanfactory.servicing._overdue import ACCRUAL, penalty_change
from loanfactory.servicing._position import EntryType, fold
from loanfactory.servicing._records import ReversalResult
from loanfactory.servicing._repayment import _components

ZERO = Decimal(0)
REVERSIBLE = frozenset({EntryType.repayment, EntryType.credit_applied, EntryType.waiver})
_REPLAYED = frozenset({EntryType.repayment, EntryType.credit_applied, EntryType.waiver})
_BLOCKING = frozenset({EntryType.prepayment, EntryType.refund, EntryType.write_off})
"""Later postings a reversal cannot replay (they changed the schedule or closed the books)."""


def reverse_in(
    ctx: Context, tx: Transaction, loan_id: str, entry_id: str, *, key: str, reason: str
) -> ReversalResult:
    """Reverse a repayment, credit application or waiver and re-process what followed it,
    inside the caller's transaction (the command is
    :func:`._manual.reverse_payment`)."""
    loan = loan_in(tx, loan_id, lock=True)
    postings = Postings(tx, loan.id, ctx.clock.now())
    entries = postings.entries()
    original = reversible(entries, loan_id, entry_id)
    alive = live(entries)
    later = [e for e in alive if e.sequence > original.sequence and EntryType(e.type) in _REPLAYED]
    undone = [original, *later]
    principal_before = sum((-e.principal for e in undone), ZERO)
    for entry in undone:
        postings.reverse(
            entry,
            entry.business_date,
            key=f"reversal:{key}:{entry.id}",
            memo=f"{reason} ({'original' if entry is original else 'replayed'})",
        )
    last_eod = last_eod_date(tx)
    # replay up to the last end of day, and further for payments already taken after it
    end = max(
        [
            last_eod or original.business_date,
            original.business_date,
            *(e.business_date for e in later),
        ]
    )
    reposted, adjustment, principal_after = _replay(
        ctx, tx, loan, postings, later, original.business_date, end, last_eod, key
    )
    after = position_in(tx, loan, max(end, ctx.clock.today()))
    if loan.status is LoanStatus.settled and after.owed > 0:
        loan = tx.repo(Loan).update(loan.evolve(status=LoanStatus.active, closed_on=None))
    _rebalance_line(ctx, tx, loan, principal_before - principal_after, key)
    loan = attend(tx, loan, ctx.clock.today())
    ctx.emit(tx, "loan.reversed", loan.id, entry=entry_id, reason=reason, replayed=len(later))
    return ReversalResult(
        loan_id=loan.id,
        reversed=tuple(e.id for e in undone),
        reposted=tuple(reposted),
        penalty_adjustment=adjustment,
        status=loan.status,
    )


def _replay(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    postings: Postings,
    later: list[LedgerEntryRecord],
    start: date,
    end: date,
    last_eod: date | None,
    key: str,
) -> tuple[list[str], Decimal, Decimal]:
    reposted: list[str] = []
    adjustment = ZERO
    principal = ZERO
    by_day: dict[date, list[LedgerEntryRecord]] = {}
    for entry in later:
        by_day.setdefault(entry.business_date, []).append(entry)
    day = start
    while day <= end:
        for entry in by_day.get(day, []):
            kind = EntryType(entry.type)
            if kind is EntryType.credit_applied:
                continue  # re-applied below, as the end of day does
            # as the payment saw the day: before that day's end-of-day penalty was posted
            earlier = [
                e for e in postings.entries() if not (e.type == EntryType.penalty and e.business_date == day)
            ]
            position = fold(earlier, loan.schedule, day)
            only = (
                frozenset({Component.penalty, Component.interest, Component.fee})
                if kind is EntryType.waiver
                else None
            )
            split = allocate(entry.amount, position.dues, loan.terms.allocation, only=only)
            amount = entry.amount if kind is EntryType.repayment else split.applied
            if amount <= 0:
                continue
            posted, _ = postings.post(
                kind,
                day,
                amount,
                key=f"replay:{key}:{entry.id}",
                data={
                    **{k: v for k, v in entry.data.items() if k != "allocation"},
                    "allocation": split.as_data(),
                    "replays": entry.id,
                },
                **_components(split),
                credit=split.rest if kind is EntryType.repayment else ZERO,
            )
            reposted.append(posted.id)
            principal += split.total(Component.principal)
        if last_eod is not None and day <= last_eod:
            position = position_in(tx, loan, day)
            if position.credit > 0 and position.due_now > 0:
                split = allocate(position.credit, position.dues, loan.terms.allocation)
                if split.applied > 0:
                    posted, _ = postings.post(
                        EntryType.credit_applied,
                        day,
                        split.applied,
                        key=f"replay:{key}:credit:{day}",
                        data={"allocation": split.as_data()},
                        **_components(split),
                        credit=-split.applied,
                    )
                    principal += split.total(Component.principal)
                    position = position_in(tx, loan, day)
            diff, accrual = penalty_change(postings.entries(), position, loan.terms, day, loan.overrides)
            if diff or accrual:
                postings.post(
                    EntryType.penalty,
                    day,
                    diff,
                    penalty=diff,
                    key=f"penalty-adj:{loan.id}:{day}:{key}",
                    memo="penalty recomputed after a reversal",
                    data={ACCRUAL: format(accrual, "f")},
                )
                adjustment += diff
        day += timedelta(days=1)
    return reposted, adjustment, principal


def _rebalance_line(ctx: Context, tx: Transaction, loan: Loan, change: Decimal, key: str) -> None:
    """Occupy the line again by principal no longer repaid (or release what is repaid more)."""
    if ctx.credit_lines is None or not loan.credit_line_id or change == 0:
        return
    if change > 0:
        ctx.credit_lines.occupy(
            tx,
            line_id=loan.credit_line_id,
            loan_id=loan.id,
            product_code=loan.product_code,
            amount=change,
            day=ctx.clock.today(),
            key=f"reoccupy:{key}",
        )
    else:
        ctx.credit_lines.release(
            tx,
            line_id=loan.credit_line_id,
            loan_id=loan.id,
            product_code=loan.product_code,
            amount=-change,
            day=ctx.clock.today(),
            key=f"release:reversal:{key}",
        )


def reversible(entries: list[LedgerEntryRecord], loan_id: str, entry_id: str) -> LedgerEntryRecord:
    """The posting ``entry_id`` of the loan, if a reversal may take it back (NotFound,
    InvalidInput or StateConflict saying why not)."""
    original = next((e for e in entries if e.id == entry_id), None)
    if original is None:
        raise NotFound(
            f"loan {loan_id} has no posting '{entry_id}'",
            field="entry_id",
            message_zh=f"贷款 {loan_id} 没有交易 '{entry_id}'",
        )
    if EntryType(original.type) not in REVERSIBLE:
        raise InvalidInput(
            f"a {original.type} posting cannot be reversed here",
            field="entry_id",
            message_zh=f"{original.type} 类交易不能在此冲正",
        )
    alive = live(entries)
    if original not in alive:
        raise StateConflict(field="entry_id", code="already-reversed", params={"entry_id": entry_id})
    blocking = [e for e in alive if e.sequence > original.sequence and EntryType(e.type) in _BLOCKING]
    if blocking:
        raise StateConflict(
            field="entry_id", code="reversal-blocked", params={"type": blocking[0].type, "id": blocking[0].id}
        )
    return original
