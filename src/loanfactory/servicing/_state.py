"""A loan's state kept with its ledger (账户状态): the fold of :mod:`._position`, made incremental.

The store keeps one :class:`~loanfactory.ports.LedgerState` per loan and moves it on with every
posting it appends (``new state = advance_state(old state, posting)``, same transaction), so reading a
loan's position costs one row, not its whole ledger. The state holds what does not depend on the
date it is read for: the balances, what live allocations paid against each due (by key and
component), the live one-off charges, the installments already charged, and the penalty accrual
and amounts posted (with those of the latest penalty date apart, so the end of day can ask for
"before today"). The dues themselves come from the loan's schedule when a position is asked for
(:func:`position_of`).

A state answers for a date on or after its latest posting date; for an earlier date (a position
as it was) :func:`position_of` and :func:`penalty_before` return None and the caller folds the
ledger. :func:`replay` builds a state from a loan's postings; ``loanfactory db verify-state``
compares it with the stored one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.ports import LedgerEntryRecord, LedgerState, OneOffCharge
from loanfactory.servicing._loan import Component, Installment
from loanfactory.servicing._overdue import ACCRUAL
from loanfactory.servicing._position import ALLOCATING, CASH_IN, PENALTY_KEY, Due, EntryType, Position

ZERO = Decimal(0)
_FIELDS = tuple(LedgerState.model_fields)


def empty(loan_id: str) -> LedgerState:
    """The state of a loan without postings."""
    return LedgerState(loan_id=loan_id)


def replay(loan_id: str, entries: Iterable[LedgerEntryRecord]) -> LedgerState:
    """The state after ``entries`` (in sequence order), folded one posting at a time."""
    state = empty(loan_id)
    by_id: dict[str, LedgerEntryRecord] = {}
    for entry in entries:
        by_id[entry.id] = entry
        state = advance_state(state, entry, by_id.get(entry.reverses) if entry.reverses else None)
    return state


def advance_state(
    state: LedgerState, entry: LedgerEntryRecord, original: LedgerEntryRecord | None
) -> LedgerState:
    """The state after one more posting; ``original`` is the posting a reversal reverses."""
    if entry.loan_id != state.loan_id:
        raise ValueError(f"posting {entry.id} is not of loan {state.loan_id}")
    s: dict[str, Any] = {name: getattr(state, name) for name in _FIELDS}
    paid, charges = dict(state.paid), dict(state.charges)
    s["sequence"] = entry.sequence
    s["last_entry_id"] = entry.id
    s["last_date"] = max(state.last_date or entry.business_date, entry.business_date)
    s["entries"] = state.entries + 1
    for name in ("principal", "interest", "penalty", "fee", "credit"):
        s[name] += getattr(entry, name)
    kind = EntryType(entry.type)
    reversal = kind is EntryType.reversal
    flow = EntryType(entry.data.get("reverses_type", kind)) if reversal else kind
    sign = -1 if reversal else 1
    if flow is EntryType.disbursement:
        s["disbursed"] += sign * entry.amount
    elif flow in CASH_IN:
        s["repaid"] += sign * entry.amount
        if not reversal:
            s["last_cash_in"] = max(state.last_cash_in or entry.business_date, entry.business_date)
    elif flow is EntryType.write_off:
        s["written_off"] += sign * entry.amount
    installment = entry.data.get("installment")
    if kind in (EntryType.interest, EntryType.fee) and installment is not None:
        mark = f"{kind.value}|{installment}"
        if mark not in state.charged:
            s["charged"] = (*state.charged, mark)
    if reversal:
        if original is None:
            raise ValueError(f"reversal {entry.id} without the posting it reverses ({entry.reverses})")
        _count(s, paid, charges, original, -1)
    else:
        _count(s, paid, charges, entry, 1)
    s["paid"], s["charges"] = paid, charges
    return LedgerState.model_construct(**s)


def _count(
    s: dict[str, Any],
    paid: dict[str, Decimal],
    charges: dict[str, OneOffCharge],
    entry: LedgerEntryRecord,
    sign: int,
) -> None:
    """Add (sign 1) or take back (sign -1, reversed) what a live posting does to dues and penalty."""
    kind = EntryType(entry.type)
    if kind is EntryType.penalty:
        recorded = entry.data.get(ACCRUAL)
        accrual, unrecorded = (Decimal(recorded), ZERO) if recorded is not None else (ZERO, entry.penalty)
        if sign > 0 and (s["penalty_date"] is None or entry.business_date > s["penalty_date"]):
            s["penalty_date"] = entry.business_date
            s["day_accrual"] = s["day_unrecorded"] = s["day_posted"] = ZERO
        s["accrual"] += sign * accrual
        s["unrecorded"] += sign * unrecorded
        s["penalty_posted"] += sign * entry.penalty
        if entry.business_date == s["penalty_date"]:
            s["day_accrual"] += sign * accrual
            s["day_unrecorded"] += sign * unrecorded
            s["day_posted"] += sign * entry.penalty
    elif kind in (EntryType.fee, EntryType.interest) and entry.data.get("installment") is None:
        key = f"u:{entry.id}"
        if sign > 0:
            component = Component.fee if kind is EntryType.fee else Component.interest
            amount = entry.fee if kind is EntryType.fee else entry.interest
            charges[key] = OneOffCharge(
                due_date=entry.business_date, component=component.value, amount=amount
            )
        else:
            charges.pop(key, None)
    if kind in ALLOCATING:
        for key, component, amount in entry.data.get("allocation", ()):
            if key == PENALTY_KEY:
                s["penalty_paid"] += sign * Decimal(amount)
                continue
            slot = f"{key}|{component}"
            paid[slot] = paid.get(slot, ZERO) + sign * Decimal(amount)


def position_of(state: LedgerState, schedule: Iterable[Installment], as_of: date) -> Position | None:
    """The position at the end of ``as_of`` (as :func:`~._position.fold` gives it), or None when
    the state has a posting dated after ``as_of`` (fold the ledger for a position in the past)."""
    if state.last_date is not None and state.last_date > as_of:
        return None
    position = Position(
        as_of=as_of,
        principal=state.principal,
        interest=state.interest,
        penalty=state.penalty,
        fee=state.fee,
        credit=state.credit,
        disbursed=state.disbursed,
        repaid=state.repaid,
        written_off=state.written_off,
        entries=state.entries,
    )
    paid = state.paid
    dues: list[Due] = []
    for row in schedule:
        if row.due_date > as_of:
            continue
        key = str(row.number)
        for component, amount in (
            (Component.principal, row.principal),
            (Component.interest, row.interest),
            (Component.fee, row.fee),
        ):
            if amount > 0:
                dues.append(Due(key, row.due_date, component, amount, _paid(paid, key, component)))
    for key, charge in state.charges.items():
        component = Component(charge.component)
        dues.append(Due(key, charge.due_date, component, charge.amount, _paid(paid, key, component)))
    dues.sort(key=lambda d: (d.due_date, int(d.key) if d.key.isdigit() else 0, d.component.value))
    penalty_paid = state.penalty_paid
    if state.penalty + penalty_paid > 0:
        dues.insert(0, Due(PENALTY_KEY, as_of, Component.penalty, state.penalty + penalty_paid, penalty_paid))
    position.dues = dues
    return position


def _paid(paid: dict[str, Decimal], key: str, component: Component) -> Decimal:
    return ZERO + paid.get(f"{key}|{component.value}", ZERO)


def penalty_before(state: LedgerState, before: date, day_basis: int) -> tuple[Decimal, Decimal] | None:
    """(exact accrual, amount posted) of the live penalty postings dated before ``before``, as
    :func:`~._overdue.penalty_to_date` gives them; None when a penalty posting is dated after
    ``before`` (fold the ledger)."""
    accrual, unrecorded, posted = state.accrual, state.unrecorded, state.penalty_posted
    if state.penalty_date is not None and state.penalty_date >= before:
        if state.penalty_date > before:
            return None
        accrual -= state.day_accrual
        unrecorded -= state.day_unrecorded
        posted -= state.day_posted
    return accrual + unrecorded * day_basis, posted


def installments_charged(state: LedgerState) -> set[tuple[str, int]]:
    """(type, installment) of every installment's interest and fee posted (reversed ones too)."""
    return {(mark.split("|")[0], int(mark.split("|")[1])) for mark in state.charged}


def differences(stored: LedgerState | None, replayed: LedgerState) -> list[tuple[str, str, str]]:
    """(field, stored, replayed) of every field where the stored state is not the replayed one."""
    if stored is None:
        return [] if replayed.entries == 0 else [("state", "missing", f"{replayed.entries} postings")]
    found = []
    for name in _FIELDS:
        mine, truth = getattr(stored, name), getattr(replayed, name)
        if isinstance(truth, dict):
            keys = list(dict.fromkeys([*truth, *mine]))
            for key in keys:
                if _value(mine.get(key)) != _value(truth.get(key)):
                    found.append((f"{name}[{key}]", _text(mine.get(key)), _text(truth.get(key))))
        elif _value(mine) != _value(truth):
            found.append((name, _text(mine), _text(truth)))
    return found


def _value(value: object) -> object:
    if isinstance(value, Decimal) and value == 0:
        return None  # a zero paid amount and no entry are the same state
    if isinstance(value, tuple | list):
        return sorted(value)
    return value


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, OneOffCharge):
        return f"{value.due_date} {value.component} {value.amount}"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def replay_book(postings: Iterable[LedgerEntryRecord]) -> list[LedgerState]:
    """The state of every loan the postings name (a bulk load's postings, any order)."""
    by_loan: dict[str, list[LedgerEntryRecord]] = {}
    for entry in postings:
        by_loan.setdefault(entry.loan_id, []).append(entry)
    return [replay(i, sorted(e, key=lambda p: p.sequence)) for i, e in sorted(by_loan.items())]


__all__ = [
    "advance_state",
    "differences",
    "empty",
    "installments_charged",
    "penalty_before",
    "position_of",
    "replay",
    "replay_book",
]
