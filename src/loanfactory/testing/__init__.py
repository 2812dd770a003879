"""The test kit: in-memory and simulated implementations of every port.

Embedding developers test their integration with these, without a database or network::

    from loanfactory.testing import FixedClock, MemoryStore

The hypothesis strategies (``loanfactory.testing.strategies``, ``servicing_strategies``) need the
``testing`` extra: ``pip install 'loanfactory[testing]'``; the rest of the kit needs nothing more.
"""

from __future__ import annotations

from typing import Any

from loanfactory.testing.accounts import (
    confirm_deposits,
    seed_payout_account,
    verify_corporate_account,
    verify_payee,
)
from loanfactory.testing.bureau import SimulatedBureau
from loanfactory.testing.clock import FixedClock
from loanfactory.testing.kyc import SimulatedKyc
from loanfactory.testing.memory import MemoryStore
from loanfactory.testing.notify import RecordingNotifier
from loanfactory.testing.payments import SimulatedGateway
from loanfactory.testing.signature import SimulatedSigner

__all__ = [
    "FixedClock",
    "MemoryStore",
    "RecordingNotifier",
    "SimulatedBureau",
    "SimulatedGateway",
    "SimulatedKyc",
    "SimulatedSigner",
    "confirm_deposits",
    "seed_payout_account",
    "servicing_strategies",
    "strategies",
    "verify_corporate_account",
    "verify_payee",
]


def __getattr__(name: str) -> Any:
    # hypothesis is imported only by those who use the strategies: the ``testing`` extra
    if name in ("strategies", "servicing_strategies"):
        import importlib

        return importlib.import_module(f"loanfactory.testing.{name}")
    raise AttributeError(f"module 'loanfactory.testing' has no attribute {name!r}")
