"""Stored things: entities, domain events and id factories.

An :class:`Entity` is a frozen pydantic model with an ``id`` and a ``version``. Changing one means
building a new value (``entity.evolve(...)``) and saving it through a repository, which checks the
version it was read at (optimistic locking) and stores ``version + 1``. Each entity class names
its ``kind`` (the table or collection it lives in) and the attributes stores index for look-ups.

A :class:`DomainEvent` records a state change with its own id and the idempotency key of the
command that caused it; replaying the command finds the key and changes nothing.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, Protocol, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time (UTC+8); business dates are in this zone."""


class Entity(BaseModel):
    """Base of every stored entity; frozen, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)

    kind: ClassVar[str] = "entity"
    indexes: ClassVar[tuple[str, ...]] = ()
    # Money records name the fields whose every change the store writes into the audit chain
    # (loanfactory.audit): ``audited`` as they are, ``audited_sealed`` (personal data) as a digest.
    audited: ClassVar[tuple[str, ...]] = ()
    audited_sealed: ClassVar[tuple[str, ...]] = ()

    id: str
    version: int = 0

    def evolve(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied and validated (the version is kept; the store bumps it)."""
        data = self.model_dump()
        data.update(changes)
        return type(self).model_validate(data)


class DomainEvent(BaseModel):
    """Something that happened: ``type`` on ``subject`` (an entity id), with a payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: str
    subject: str
    at: datetime
    actor: str = "system"
    idempotency_key: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)


class IdFactory(Protocol):
    """Makes new ids; injected so tests get predictable ones."""

    def new(self, prefix: str) -> str: ...


class UuidIds:
    """Random ids such as ``app_1f0c...`` (the production default)."""

    def new(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex}"


class SequentialIds:
    """Predictable ids ``app_000001``, per prefix; for tests and the demo."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def new(self, prefix: str) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}_{next(counter):06d}"


class Value(BaseModel):
    """Base of nested value objects inside entities: frozen, no unknown keys.

    Validation errors never echo the input: it may be an ID number, a phone or a card number.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a timestamp must carry its time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
