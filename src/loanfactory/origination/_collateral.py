"""Collateral (押品管理): records, valuations, lending value and links to loans.

A :class:`Collateral` is owned by a customer, valued one or more times (date, source, appraiser),
and linked to the applications and loans it secures. What may be lent on it is the latest value
after the product's haircut, times the product's loan-to-value ceiling (抵质押率)::

    lending value = value x (1 - haircut) x max_ltv

A revaluation that lowers the lending value of collateral behind a credit line asks for a limit
review of that line (the service does it in the same transaction).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.money import ZERO, Money, RoundingMode, quantize
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.spec import CollateralRule, CollateralType


class ValuationSource(StrEnum):
    """Where a value came from (估值来源)."""

    appraiser = "appraiser"  # 评估机构
    automated = "automated"  # 自动估值模型
    purchase_price = "purchase-price"  # 购买价格/发票
    market_quote = "market-quote"  # 市场报价
    face_value = "face-value"  # 存单/债券面值
    book_value = "book-value"  # 账面价值 (receivables, inventory)


class Valuation(Value):
    """One valuation of a piece of collateral."""

    value: Money
    valued_on: date
    source: ValuationSource
    appraiser: Annotated[str | None, Field(max_length=100)] = None
    reference: Annotated[str | None, Field(max_length=100)] = None


class CollateralStatus(StrEnum):
    registered = "registered"  # 已登记
    pledged = "pledged"  # 已抵质押 (linked to a loan or line)
    released = "released"  # 已解押
    disposed = "disposed"  # 已处置


class CollateralInput(Value):
    """What is registered about a piece of collateral (押品登记)."""

    customer_id: Annotated[str, Field(min_length=1)]
    type: CollateralType
    description: Annotated[str, Field(min_length=1, max_length=200)]
    identifier: Annotated[str, Field(min_length=1, max_length=100, repr=False)]  # certificate no., VIN ...
    valuation: Valuation
    owner_name: Annotated[str | None, Field(max_length=100)] = None  # when not the borrower (第三方抵押)
    subtype: Annotated[
        str | None, Field(pattern=r"^[a-z][a-z0-9_]*$", description="e.g. first_home, second_home (细分类型)")
    ] = None
    first_lien: bool = True  # 第一顺位


class Collateral(Entity):
    """A piece of collateral and its valuation history."""

    kind: ClassVar[str] = "collateral"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "type", "status")

    customer_id: str
    type: CollateralType
    description: str
    identifier: Annotated[str, Field(repr=False)]
    owner_name: str | None = None
    subtype: str | None = None
    first_lien: bool = True
    valuations: Annotated[tuple[Valuation, ...], Field(min_length=1)]
    status: CollateralStatus = CollateralStatus.registered
    linked: tuple[str, ...] = ()  # application and loan ids it secures
    line_id: str | None = None
    registered_at: AwareDatetime

    @property
    def latest(self) -> Valuation:
        return max(self.valuations, key=lambda v: v.valued_on)

    def value_on(self, day: date) -> Decimal:
        """The latest value known on ``day`` (zero before the first valuation)."""
        known = [v for v in self.valuations if v.valued_on <= day]
        return max(known, key=lambda v: v.valued_on).value if known else ZERO

    def is_stale(self, rule: CollateralRule, day: date) -> bool:
        """Older than the product's revaluation period (需重估)."""
        if rule.revalue_months is None:
            return False
        valued = self.latest.valued_on
        months = (day.year - valued.year) * 12 + day.month - valued.month - (day.day < valued.day)
        return months >= rule.revalue_months


def lending_value(collateral: Collateral, rule: CollateralRule, day: date) -> Decimal:
    """Value x (1 - haircut) x max LTV, rounded down to the fen (never lend a fen too much)."""
    raw = collateral.value_on(day) * (1 - rule.haircut) * rule.max_ltv
    return quantize(raw, mode=RoundingMode.down)
