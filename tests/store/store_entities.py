"""Small entities for the store contract tests (not part of the package: their tables are created
by the tests next to the migrated schema)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import MetaData

from loanfactory.adapters.sql import EntityMappings, ExactDecimal, default_mappings, map_entity
from loanfactory.entity import Entity
from loanfactory.money import Money


class Colour(StrEnum):
    red = "red"
    blue = "blue"


class Owner(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    id_number: str
    phone: str | None = None


class Widget(Entity):
    """Every kind of field a real entity has: money, exact rates, dates, enums, nested, free JSON."""

    kind: ClassVar[str] = "test_widget"
    indexes: ClassVar[tuple[str, ...]] = ("owner_id", "colour", "due", "label", "owner.id_number")

    owner_id: str
    colour: Colour = Colour.red
    label: str | None = None
    amount: Money = Decimal(0)
    rate: Decimal = Decimal("0.0435")
    due: date | None = None
    at: datetime | None = None
    owner: Owner | None = None
    tags: tuple[str, ...] = ()
    data: dict[str, Any] = Field(default_factory=dict)


class Line(Entity):
    """A credit line for the concurrency tests (does not depend on origination)."""

    kind: ClassVar[str] = "test_line"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id",)

    customer_id: str
    limit: Money
    occupied: Money = Decimal(0)


class Account(Entity):
    """A loan balance for the concurrency tests."""

    kind: ClassVar[str] = "test_account"
    indexes: ClassVar[tuple[str, ...]] = ()

    balance: Money
    repaid: Money = Decimal(0)
    postings: int = 0


class Unmapped(Entity):
    kind: ClassVar[str] = "test_unmapped"


TEST_METADATA = MetaData()
TEST_MAPPINGS = (
    map_entity(
        Widget, columns={"amount": None}, pii=("owner.id_number", "owner.phone"), metadata=TEST_METADATA
    ),
    map_entity(Line, columns={"limit": ExactDecimal(2), "occupied": ExactDecimal(2)}, metadata=TEST_METADATA),
    map_entity(Account, columns={"balance": None}, metadata=TEST_METADATA),
)


def all_mappings() -> EntityMappings:
    return default_mappings().with_(*TEST_MAPPINGS)
