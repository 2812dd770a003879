"""What a product's pricing rules decided (定价结果): an absolute rate, or a spread on the product's rate.

A pricing step sets either ``rate`` — the annual rate itself (e.g. a grade table A 4.35 % / B 5.5 %,
or 0 for an interest-free first loan) — or ``spread`` — a signed amount added to the product's own
rate for the term and amount (its fixed rate, or the LPR in force plus the product's spread).
``grade_spread`` and ``rate_spread`` are older names of ``spread``. The product's floor and cap,
and campaign coupons, apply afterwards, where the loan's terms are built.

This is the one reading of a decision's pricing values: origination, the scenario runner, lint and
``explain`` all take a :class:`PricingDecision` from here (:func:`read_pricing`). The plausibility
of a value written in a rule file (a spread of ``-0.2`` is −20 %, not −20 basis points) is judged
here too (:func:`implausible`), for ``validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from loanfactory.errors import InvalidInput

RATE_VALUES = ("rate",)
"""Names under which pricing rules give an absolute annual rate."""
SPREAD_VALUES = ("spread", "grade_spread", "rate_spread")
"""Names under which pricing rules give a signed spread on the product's rate (first found wins)."""
PRICING_VALUES = RATE_VALUES + SPREAD_VALUES
"""Every name a pricing rule may set to price the loan."""

RATE_ERROR = Decimal(1)
"""An annual rate of 100 % or more is a mistake (``4.5`` written for ``4.5%``)."""
RATE_WARNING = Decimal("0.24")
"""Above 24 % a rate is beyond what courts uphold for any lender: say so, it may be a typo."""
SPREAD_ERROR = Decimal("0.2")
"""A spread of 20 points or more either way is a mistake (``-0.2`` written for ``-0.2%``)."""
SPREAD_WARNING = Decimal("0.1")
"""A spread of 10 points or more either way is unusual enough to double-check."""


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

    def describe(self) -> str:
        """``rate 5.5%``, ``spread +1.2%`` or ``product rate`` (for explain and lint paths)."""
        if self.rate is not None:
            return f"rate {_percent(self.rate)}"
        if self.spread:
            return f"spread {'+' if self.spread > 0 else ''}{_percent(self.spread)}"
        return "product rate"


def read_pricing(values: Mapping[str, Any], *, rule: str | None = None) -> PricingDecision:
    """:meth:`PricingDecision.from_values`, with a rule flow that sets both a rate and a spread
    reported as :class:`~loanfactory.errors.InvalidInput` on ``rules.pricing``."""
    try:
        return PricingDecision.from_values(values, rule=rule)
    except ValueError as exc:
        raise InvalidInput(
            f"{rule or 'the pricing rules'}: {exc}",
            field="rules.pricing",
            message_zh=f"{rule or '定价规则'}：同时给出了利率（rate）和加点（spread），只能给出其中一个",
        ) from None


Severity = Literal["error", "warning"]


def implausible(name: str, value: Decimal) -> tuple[Severity, str, str] | None:
    """Whether ``value`` set under ``name`` by a pricing rule is implausible as a rate or spread:
    ``(severity, message, message_zh)``, or None when it is plausible."""
    shown = _percent(value)
    if name in RATE_VALUES:
        if value < 0 or value >= RATE_ERROR:
            return (
                "error",
                f"{name} {value} would be an annual rate of {shown}: write a rate with % "
                f"('4.5%') or as a fraction below 1 (0.045)",
                f"{name} 为 {value}，即年利率 {shown}：利率请写成 '4.5%' 或小于 1 的小数 0.045",
            )
        if value > RATE_WARNING:
            return (
                "warning",
                f"{name} {shown} is above 24 %, more than courts uphold: is it a typo?",
                f"{name} 为 {shown}，高于 24%（司法保护上限），请确认是否写错",
            )
        return None
    if name in SPREAD_VALUES:
        if abs(value) >= SPREAD_ERROR:
            return (
                "error",
                f"{name} {value} would be a spread of {shown}: write a spread with % "
                f"('-0.2%') or as a fraction (-0.002)",
                f"{name} 为 {value}，即加点 {shown}：加点请写成 '-0.2%' 或小数 -0.002",
            )
        if abs(value) >= SPREAD_WARNING:
            return (
                "warning",
                f"{name} {shown} moves the rate by 10 points or more: is it a typo?",
                f"{name} 为 {shown}，使利率变动 10 个百分点以上，请确认是否写错",
            )
    return None


def _percent(value: Decimal) -> str:
    text = format((value * 100).normalize(), "f")
    return f"{text}%"


def _first(values: Mapping[str, Any], names: tuple[str, ...]) -> Decimal | None:
    for name in names:
        value = values.get(name)
        if value is not None:
            return value if isinstance(value, Decimal) else Decimal(str(value))
    return None


__all__ = [
    "PRICING_VALUES",
    "RATE_VALUES",
    "SPREAD_VALUES",
    "PricingDecision",
    "implausible",
    "read_pricing",
]
