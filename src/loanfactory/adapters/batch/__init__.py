"""Batch jobs scaled out on Dask (批量作业): the stored end of day in loan-id ranges on a cluster; the
vectorised end of day and book schedules in partitions.

:func:`run_eod_dask` runs the end of day of a book stored in PostgreSQL on a ``dask.distributed``
cluster: each worker opens its own store (:class:`StoredServicing`) and works a range of loan ids
through the same code as a single run; the book-wide steps run once in the driver (see
:mod:`loanfactory.adapters.batch._eod`).

The vectorised paths of the core (:func:`loanfactory.servicing.assess_book`,
:func:`loanfactory.schedule.vector_schedule`) compute every loan independently in integer fen, so
a book split into partitions and computed on several cores or machines gives exactly the figures
of one process — the tests check it loan by loan. This module does the splitting and the
gathering; Dask runs the partitions::

    from loanfactory.adapters.batch import assess_book_dask, summarise_book_dask
    results = assess_book_dask(book, rules, tier_starts=(1, 31, 91), partitions=8)
    summary = summarise_book_dask(book, rules, partitions=64)   # per category, nothing per loan

``scheduler`` is any Dask scheduler name (``"threads"``, the default — numpy releases the GIL in
these kernels; ``"processes"``; ``"synchronous"`` for debugging) or ``None`` to use the
``dask.distributed`` client the caller has started. Install with ``pip install loanfactory[dask]``.
"""

from __future__ import annotations

from loanfactory.adapters.batch._dask import (
    BookSummary,
    CategoryTotals,
    assess_book_dask,
    split_book,
    summarise_book,
    summarise_book_dask,
    vector_schedule_dask,
)
from loanfactory.adapters.batch._eod import OpenServicing, distributed, run_eod_dask, work_range
from loanfactory.adapters.batch._stored import NoSigner, RelayedPayments, StoredServicing, load_products

__all__ = [
    "BookSummary",
    "CategoryTotals",
    "NoSigner",
    "OpenServicing",
    "RelayedPayments",
    "StoredServicing",
    "assess_book_dask",
    "distributed",
    "load_products",
    "run_eod_dask",
    "split_book",
    "summarise_book",
    "summarise_book_dask",
    "vector_schedule_dask",
    "work_range",
]
