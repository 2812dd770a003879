"""What a product's pricing rules decided (定价结果): an absolute rate, or a spread on the product's rate.

A pricing step sets either ``rate`` — the annual rate itself (e.g. a grade table A 4.35 % / B 5.5 %,
or 0 for an interest-free first loan) — or ``spread`` — a signed amount added to the product's own
rate for the term and amount (its fixed rate, or the LPR in force plus the product's spread).
``grade_spread`` and ``rate_spread`` are older names of ``spread``. The product's floor and cap,
and campaign coupons, apply afterwards, where the loan's terms are built.

This is the one reading of a decision's pricing values: origination, the scenario runner, lint and
``explain`` all take a :class:`PricingDecision` from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

RATE_VALUES = ("rate",)
"""Names under which pricing rules give an absolute annual rate."""
SPREAD_VALUES = ("spread", "grade_spread", "rate_spread")
"""Names under which pricing rules give a signed spread on the product's rate (first found wins)."""


@dataclass(frozen=True, slots=True)
class PricingDecision:
    """The pricing rules' answer: ``rate`` (absolute) or ``spread`` (signed, on the product's rate).

    Neither set means the product's own rate applies. ``rule`` names the rule set that decided.
    """

    rate: Decimal | None = None
    spread: Decimal | None = None
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.rate is not None and self.spread is not None:
            raise ValueError("a pricing decision sets a rate or a spread, not both")

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, rule: str | None = None) -> PricingDecision:
        """The pricing decision in a decision's values (:data:`RATE_VALUES`, :data:`SPREAD_VALUES`)."""
        rate = _first(values, RATE_VALUES)
        spread = _first(values, SPREAD_VALUES)
        if rate is not None and spread is not None:
            raise ValueError(
                f"pricing rules set both a rate ({rate}) and a spread ({spread}); set one of them"
            )
        return cls(rate=rate, spread=spread, rule=rule)

    def applied_to(self, product_rate: Decimal) -> Decimal:
        """The annual rate before floor, cap and coupons: the rule's rate, or the product's + spread."""
        if self.rate is not None:
            return self.rate
        return product_rate + (self.spread or Decimal(0))


def _first(values: Mapping[str, Any], names: tuple[str, ...]) -> Decimal | None:
    for name in names:
        value = values.get(name)
        if value is not None:
            return value if isinstance(value, Decimal) else Decimal(str(value))
    return None


__all__ = ["RATE_VALUES", "SPREAD_VALUES", "PricingDecision"]
