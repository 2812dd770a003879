"""Writing the append-only ledger (分户账): postings with idempotency keys, and reversals.

Every posting goes through :class:`Postings`, which numbers it, stamps it, checks the accounting
identity of :mod:`~loanfactory.servicing._position` and refuses nothing silently: a posting whose
idempotency key already exists is skipped (the command already ran) and the existing one is
returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from loanfactory.ports import LedgerEntryRecord, Transaction
from loanfactory.servicing._position import EntryType, expected_change, owed_change

ZERO = Decimal(0)


class Components(TypedDict):
    """The component changes of a posting (signed; negative when paid or relieved)."""

    principal: Decimal
    interest: Decimal
    penalty: Decimal
    fee: Decimal


class LedgerIdentityError(AssertionError):
    """A posting that does not balance: a bug in loanfactory, never a user error."""


class Postings:
    """Appends postings of one loan inside a transaction."""

    def __init__(self, tx: Transaction, loan_id: str, at: datetime) -> None:
        self.tx = tx
        self.loan_id = loan_id
        self.at = at
        self._entries: list[LedgerEntryRecord] | None = None

    def entries(self) -> list[LedgerEntryRecord]:
        if self._entries is None:
            self._entries = self.tx.ledger.entries(self.loan_id)
        return self._entries

    def post(
        self,
        type: EntryType,
        business_date: date,
        amount: Decimal,
        *,
        key: str | None,
        principal: Decimal = ZERO,
        interest: Decimal = ZERO,
        penalty: Decimal = ZERO,
        fee: Decimal = ZERO,
        credit: Decimal = ZERO,
        reverses: str | None = None,
        memo: str = "",
        data: dict[str, Any] | None = None,
    ) -> tuple[LedgerEntryRecord, bool]:
        """Append a posting; returns it and whether it is new (False: the key was already used)."""
        if key is not None:
            existing = self.tx.ledger.by_key(key)
            if existing is not None:
                return existing, False
        state = self.tx.ledger.state(self.loan_id)  # the last sequence, without reading the ledger
        if state is not None:
            sequence = state.sequence + 1
        else:
            entries = self.entries()
            sequence = entries[-1].sequence + 1 if entries else 1
        entry = LedgerEntryRecord(
            id=f"{self.loan_id}:{sequence:06d}",
            loan_id=self.loan_id,
            sequence=sequence,
            type=type.value,
            business_date=business_date,
            posted_at=self.at,
            amount=amount,
            principal=principal,
            interest=interest,
            penalty=penalty,
            fee=fee,
            credit=credit,
            reverses=reverses,
            idempotency_key=key,
            memo=memo,
            data=data or {},
        )
        if owed_change(entry) != expected_change(entry):
            raise LedgerIdentityError(
                f"posting {entry.type} {entry.amount} does not balance: "
                f"components change {owed_change(entry)}, expected {expected_change(entry)}"
            )
        self.tx.ledger.append(entry)
        if self._entries is not None:
            self._entries.append(entry)
        return entry, True

    def reverse(
        self, original: LedgerEntryRecord, business_date: date, *, key: str, memo: str = ""
    ) -> LedgerEntryRecord:
        """Post the exact opposite of ``original`` (冲正); the original stays, marked by the link."""
        if original.type == EntryType.reversal:
            raise LedgerIdentityError("a reversal is not reversed; post the original again instead")
        entry, _ = self.post(
            EntryType.reversal,
            business_date,
            original.amount,
            key=key,
            principal=-original.principal,
            interest=-original.interest,
            penalty=-original.penalty,
            fee=-original.fee,
            credit=-original.credit,
            reverses=original.id,
            memo=memo or f"reversal of {original.id}",
            data={"reverses_type": original.type},
        )
        return entry


def reversed_ids(entries: Sequence[LedgerEntryRecord]) -> set[str]:
    return {e.reverses for e in entries if e.reverses is not None}


def live(entries: Sequence[LedgerEntryRecord]) -> list[LedgerEntryRecord]:
    """Postings that are neither reversals nor reversed."""
    gone = reversed_ids(entries)
    return [e for e in entries if e.type != EntryType.reversal and e.id not in gone]
