"""End of day over a stored book on a Dask cluster (分布式日终): loan-id ranges in worker processes.

The end of day has a per-loan part and a book-wide part. Per loan (accrue, tier actions,
classify, warnings, tomorrow's debit) a loan touches only its own records — its ledger, its
tasks, plans, orders and notices, all under keys that name it — so loans can be worked in any
order and in several processes. Book-wide, once per date: the calendar guard and the run record
(opened first), then the day steps (the general ledger's close of the day), the calendar and
the ``eod.completed`` event (after every loan). The payment relay is a separate command.

:func:`run_eod_dask` is the driver: it opens the run (:meth:`Servicing.open_eod`), reads the day's
agenda (ids only), cuts it into loan-id ranges of nearly equal size
(:func:`loanfactory.servicing.split_agenda`), and sends one task per range — with the range's slice
of the agenda, so no worker reads the whole agenda — to the cluster. Each
task opens its own store on the database URL (:class:`StoredServicing`) and works its range
through the same code as a single run (:meth:`Servicing.run_eod_range`), batch by batch, with the
range's checkpoint in the run record. When every range is done, the driver closes the day
(:meth:`Servicing.close_eod`). The result is the single run's, to the fen: the same postings,
loan states, notices and outbox messages (only the order in which they were written differs).

A task that fails (a crash, a lost worker) leaves its range at its last checkpoint; the driver
waits for the other ranges and raises, and running the date again works only what is left. Two
ranges never write the same loan; a write that meets another process's lock on a shared record
(:class:`ConcurrentUpdate`) rolls its batch back, and the task resumes after its checkpoint.
"""

from __future__ import annotations

import bisect
import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Literal

from loanfactory.errors import InvalidInput
from loanfactory.ports import ConcurrentUpdate
from loanfactory.servicing import EodRun, LoanRange, RunStatus, Servicing, split_agenda

OpenServicing = Callable[[], AbstractContextManager[Servicing]]
"""Opens servicing on the stored book in the process that calls it (picklable: it goes to workers)."""

RETRIES = 5
"""How often a range resumes after another process's write got in the way, before giving up."""


def distributed() -> Any:
    """The ``distributed`` package (untyped), or a clear error when the extra is not installed."""
    try:
        return importlib.import_module("distributed")
    except ImportError:  # pragma: no cover - the [dask] extra is part of [all]
        raise ImportError(
            "Dask's distributed scheduler is not installed: pip install 'loanfactory[dask]'"
        ) from None


def work_range(
    open_servicing: OpenServicing, business_date: date, loans: LoanRange, agenda: list[str] | None = None
) -> int:
    """One task: work ``loans`` of the open run of ``business_date`` (``agenda``: the range's
    loans on the day's agenda as the driver read it); returns how many loans it did."""
    done = [0]

    def count(finished: int, pending: int) -> None:
        done[0] = finished

    for attempt in range(RETRIES):
        try:
            with open_servicing() as servicing:
                servicing.run_eod_range(business_date, loans, agenda=agenda, progress=count)
            return done[0]
        except ConcurrentUpdate:
            if attempt == RETRIES - 1:
                raise
    return 0  # pragma: no cover - the loop returns or raises


def run_eod_dask(
    servicing: Servicing,
    business_date: date,
    open_worker: OpenServicing,
    *,
    client: Any,
    partitions: int | None = None,
    engine: Literal["per-loan", "vectorised"] = "per-loan",
    allow_gap: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EodRun:
    """Run (or resume) the end of day of ``business_date`` in loan-id ranges on a
    ``dask.distributed`` ``client`` (see the module docstring); returns the completed run.

    ``servicing`` is the driver's own (on the same database; its day steps run once, after every
    range); ``open_worker`` opens each task's. ``partitions`` defaults to twice the cluster's
    worker threads. ``progress(done, agenda)`` is called as ranges finish.
    """
    if partitions is not None and (
        isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1
    ):
        raise InvalidInput(
            f"partitions must be a positive whole number, got {partitions!r}",
            field="partitions",
            message_zh=f"分区数必须是正整数，收到 {partitions!r}",
        )
    dist = distributed()
    run = servicing.open_eod(business_date, engine=engine, allow_gap=allow_gap)
    if run.status is RunStatus.completed:
        return run
    agenda = servicing.eod_agenda(business_date)
    threads = sum(client.nthreads().values()) or 1
    ranges = split_agenda(agenda, partitions or 2 * threads)
    futures = [
        client.submit(work_range, open_worker, business_date, loans, _within(agenda, loans), pure=False)
        for loans in ranges
    ]
    done = 0
    try:
        for future in dist.as_completed(futures):
            done += future.result()
            if progress is not None:
                progress(done, len(agenda))
    except BaseException:
        dist.wait(futures)  # no range may still be running when the date is run again
        raise
    return servicing.close_eod(business_date, len(agenda))


def _within(agenda: list[str], loans: LoanRange) -> list[str]:
    """The ids of a sorted agenda that fall in ``loans`` (a slice: the ranges follow the agenda)."""
    start = 0 if loans.after is None else bisect.bisect_right(agenda, loans.after)
    end = len(agenda) if loans.upto is None else bisect.bisect_right(agenda, loans.upto)
    return agenda[start:end]


__all__ = ["OpenServicing", "distributed", "run_eod_dask", "work_range"]
