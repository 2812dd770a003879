"""Checking the kept loan states against their ledgers (账户状态核对): ``loanfactory db verify-state``.

The ledger is the truth; each loan's :class:`~loanfactory.ports.LedgerState` is a cache the store
moves on with every posting. :func:`verify_states` replays every loan's ledger, in chunks of loans
(one transaction and one read of ledgers and of states per chunk), and reports each field where
the stored state differs, located by loan and field. A loan with postings and no state is
reported too (a book from before states were kept: ``loanfactory db rebuild-state``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from loanfactory.ports import Store
from loanfactory.servicing._loan import Loan
from loanfactory.servicing._state import differences, replay

CHUNK = 500


@dataclass(frozen=True, slots=True)
class StateDifference:
    """One field of one loan's stored state that its ledger does not give."""

    loan_id: str
    field: str
    stored: str
    replayed: str

    def as_dict(self) -> dict[str, str]:
        return {
            "loan_id": self.loan_id,
            "field": self.field,
            "stored": self.stored,
            "replayed": self.replayed,
        }


@dataclass(frozen=True, slots=True)
class StateReport:
    """What :func:`verify_states` looked at and found."""

    loans: int
    postings: int
    differences: tuple[StateDifference, ...] = field(default=())

    @property
    def clean(self) -> bool:
        return not self.differences


def verify_states(
    store: Store,
    loan_ids: Sequence[str] | None = None,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> StateReport:
    """Replay the ledger of every loan (or of ``loan_ids``) and compare it with the stored state."""
    if loan_ids is None:
        with store.transaction() as tx:
            loan_ids = sorted(tx.repo(Loan).ids())
    found: list[StateDifference] = []
    postings = 0
    size = max(1, chunk)
    for start in range(0, len(loan_ids), size):
        ids = list(loan_ids[start : start + size])
        with store.transaction() as tx:
            ledgers = tx.ledger.entries_of(ids)
            states = tx.ledger.states_of(ids)
        for loan_id in ids:
            entries = ledgers.get(loan_id, [])
            postings += len(entries)
            for name, stored, replayed in differences(states.get(loan_id), replay(loan_id, entries)):
                found.append(StateDifference(loan_id, name, stored, replayed))
        if progress is not None:
            progress(start + len(ids), len(loan_ids))
    return StateReport(loans=len(loan_ids), postings=postings, differences=tuple(found))


__all__ = ["StateDifference", "StateReport", "verify_states"]
