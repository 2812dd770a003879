"""loanfactory — a loan product factory and rules engine for CNY lending.

Products and rules are YAML; loanfactory validates them, compiles the rules once, and gives an
executable product: eligibility with reasons, pricing, limits, offers with an exact schedule and
APR, and servicing of the loan for its whole life. See ``docs/`` for the guides.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
