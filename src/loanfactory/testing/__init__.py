"""The test kit: in-memory and simulated implementations of every port.

Embedding developers test their integration with these, without a database or network::

    from loanfactory.testing import FixedClock, MemoryStore
"""

from __future__ import annotations

from loanfactory.testing.clock import FixedClock
from loanfactory.testing.memory import MemoryStore

__all__ = ["FixedClock", "MemoryStore"]
