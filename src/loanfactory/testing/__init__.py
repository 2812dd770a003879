"""The test kit: in-memory and simulated implementations of every port.

Embedding developers test their integration with these, without a database or network::

    from loanfactory.testing import FixedClock, MemoryStore

The hypothesis strategies (``loanfactory.testing.strategies``, ``servicing_strategies``) need the
``testing`` extra: ``pip install 'loanfactory[testing]'``; the rest of the kit needs nothing more.
Two more modules are namespaces of data: ``sample_book`` (the demo's people and firms) and
``stored_book`` (a realistic book written to a store, for benchmarks).
"""

from __future__ import annotations

from typing import Any

from loanfactory.testing._accounts import (
    confirm_deposits,
    seed_payout_account,
    verify_corporate_account,
    verify_payee,
)
from loanfactory.testing._blobs import MemoryBlobStore
from loanfactory.testing._bureau import SimulatedBureau, generate_report
from loanfactory.testing._clock import FixedClock
from loanfactory.testing._kyc import SimulatedKyc
from loanfactory.testing._memory import MemoryStore
from loanfactory.testing._notify import RecordingNotifier
from loanfactory.testing._payments import SimulatedGateway
from loanfactory.testing._signature import SimulatedSigner
from loanfactory.testing._synthetic import loan_days, synthetic_book

__all__ = [
    "FixedClock",
    "MemoryBlobStore",
    "MemoryStore",
    "RecordingNotifier",
    "SimulatedBureau",
    "SimulatedGateway",
    "SimulatedKyc",
    "SimulatedSigner",
    "confirm_deposits",
    "generate_report",
    "loan_days",
    "seed_payout_account",
    "servicing_strategies",
    "strategies",
    "synthetic_book",
    "verify_corporate_account",
    "verify_payee",
]


def __getattr__(name: str) -> Any:
    # hypothesis is imported only by those who use the strategies: the ``testing`` extra
    if name in ("strategies", "servicing_strategies"):
        import importlib

        return importlib.import_module(f"loanfactory.testing.{name}")
    raise AttributeError(f"module 'loanfactory.testing' has no attribute {name!r}")
