"""Building the kept loan states of a stored book from its ledgers (``loanfactory db rebuild-state``).

A book written before states were kept (or whose states ``verify-state`` found wrong) gets them
by one replay of every ledger, in chunks of loans, each chunk one transaction that replaces the
chunk's state rows. Run it while nothing else posts to the book (no end of day, no commands):
a posting committed between a chunk's read and its write would be missing from the state; run
``loanfactory db verify-state`` after it.
"""

from __future__ import annotations

from collections.abc import Callable

from loanfactory.adapters.sql._store import SqlStore
from loanfactory.servicing import Loan, replay

CHUNK = 500


def rebuild_states(
    store: SqlStore, *, chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None
) -> int:
    """Replace every loan's state by the replay of its ledger; returns how many loans have one."""
    with store.transaction() as tx:
        loan_ids = sorted(tx.repo(Loan).ids())
    built = 0
    size = max(1, chunk)
    for start in range(0, len(loan_ids), size):
        ids = loan_ids[start : start + size]
        with store.transaction() as tx:
            ledgers = tx.ledger.entries_of(ids)
            states = [replay(i, ledgers[i]) for i in ids if ledgers[i]]
            tx.ledger.save_states(states, replacing=ids)
        built += len(states)
        if progress is not None:
            progress(start + len(ids), len(loan_ids))
    return built


__all__ = ["rebuild_states"]
