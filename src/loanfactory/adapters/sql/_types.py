"""Column types that keep values exact on every database, and the exact JSON codec.

- :class:`ExactDecimal` — money and rates with a stated scale. PostgreSQL stores ``NUMERIC(18,
  scale)``; SQLite has no exact decimal (its NUMERIC is a float), so there the value is an integer
  count of the smallest unit (fen for scale 2), which sums and compares exactly. A value with more
  places than the scale is refused, never rounded.
- :class:`UtcDateTime` — aware timestamps: ``timestamptz`` on PostgreSQL, a fixed-width UTC ISO
  string on SQLite (so that text order is time order); read back in China Standard Time.
- :func:`encode` / :func:`decode` — JSON bodies that read back as equal values of the same types,
  also inside free-form ``dict[str, Any]`` payloads: Decimals keep their exact digits
  (``"0.000136986"`` stays that, where pydantic's JSON mode rounds a rate to four places), dates and
  datetimes keep their offsets.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from loanfactory.entity import CST
from loanfactory.errors import InvalidInput

PRECISION = 18  # digits: fits a signed 64-bit integer at any scale on SQLite


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal with ``scale`` places, stored exactly (see the module docstring)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(PRECISION, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = check_scale(value, self.scale)
        unit = Decimal(1).scaleb(-self.scale)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact.quantize(unit)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)


def check_scale(value: object, scale: int, field: str = "amount") -> Decimal:
    """``value`` as a Decimal if it fits ``scale`` places and the precision, else InvalidInput."""
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise InvalidInput(f"expected a Decimal, got {type(value).__name__}", field=field)
    exact = Decimal(value)
    if not exact.is_finite() or exact != exact.quantize(Decimal(1).scaleb(-scale)):
        raise InvalidInput(
            f"{exact} has more than {scale} decimal places; the store never rounds",
            field=field,
            message_zh=f"{exact} 的小数位超过 {scale} 位，存储不做舍入",
        )
    if abs(exact) >= Decimal(10) ** (PRECISION - scale):
        raise InvalidInput(
            f"{exact} is too large to store", field=field, message_zh=f"{exact} 超出可存储范围"
        )
    return exact


_UTC_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime; naive values are refused (see the module docstring)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput("a stored time must carry its time zone", field="at")
        if dialect.name == "sqlite":
            return value.astimezone(UTC).strftime(_UTC_FORMAT)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(moment, datetime)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(CST)


_TAGS: dict[str, Callable[[str], Any]] = {
    "$decimal": Decimal,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
}


def encode(value: Any) -> Any:
    """JSON data for ``value`` that :func:`decode` turns back into an equal value of the same type.

    Decimals, datetimes, dates and times become one-key objects (``{"$decimal": "0.000136986"}``);
    a dict key that starts with ``$`` gets one more ``$`` so user data is never read as a tag.
    """
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool or kind is float:  # most values
        return value
    if kind is dict:  # a model's dump: plain dicts of plain values, checked once per dict
        return {
            ("$" + k if k[:1] == "$" else k) if type(k) is str else _key(k): encode(v)
            for k, v in value.items()
        }
    if kind is list or kind is tuple:
        return [encode(v) for v in value]
    if kind is Decimal:
        return {"$decimal": str(value)}
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return encode(value.model_dump(mode="python", round_trip=True))
    if isinstance(value, Mapping):
        return {_key(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((encode(v) for v in value), key=repr)
    raise TypeError(f"cannot store {type(value).__name__} exactly")


def _key(key: Any) -> str:
    """A dict key as stored: text (an enum's value, a date's ISO form), ``$`` doubled at its start."""
    text = key if isinstance(key, str) else str(encode(key))
    return "$" + text if text.startswith("$") else text


def decode(data: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(data, dict):
        if len(data) == 1:
            ((key, item),) = data.items()
            parse = _TAGS.get(key)
            if parse is not None and isinstance(item, str):
                return parse(item)
        return {(k[1:] if k.startswith("$") else k): decode(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v) for v in data]
    return data


def decode_text(text: Any) -> Any:
    """``decode(json.loads(text))`` in one pass: each object's tag or escaped keys are undone as
    the parser builds it (the stored JSON of a posting, read many times in an end of day). A
    driver that parses JSON itself (psycopg) hands over the data: it is decoded as it is."""
    if not isinstance(text, str | bytes):
        return decode(text)
    return _DECODER.decode(text.decode() if isinstance(text, bytes) else text)


def _undone(data: dict[str, Any]) -> Any:
    if len(data) == 1:
        ((key, item),) = data.items()
        parse = _TAGS.get(key)
        if parse is not None and isinstance(item, str):
            return parse(item)
    for key in data:
        if key[:1] == "$":
            return {(k[1:] if k[:1] == "$" else k): v for k, v in data.items()}
    return data


_DECODER = json.JSONDecoder(object_hook=_undone)


def entity_body(entity: BaseModel) -> dict[str, Any]:
    """The stored JSON body of a model (all fields, aliases as the model serialises them)."""
    body = encode(entity.model_dump(mode="python", round_trip=True))
    assert isinstance(body, dict)
    return body
