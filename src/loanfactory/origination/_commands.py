"""Idempotent commands: one transaction, one keyed event, the first result on replay.

Every origination command runs through :func:`run_command`. Inside one ``store.transaction()`` it
looks up the caller's idempotency key; when the command already ran, it returns the stored result
(after checking the key was used for the same command with the same arguments) and changes
nothing. Otherwise it runs the body, then appends the keyed event with the result, any further
events of the command, and an audit record per event. An exception anywhere discards everything.
A :class:`~loanfactory.ports.ConcurrentUpdate` (another writer changed a row first) reruns the
whole command, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from loanfactory.audit import fingerprint
from loanfactory.entity import DomainEvent, IdFactory
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination.decision import json_safe
from loanfactory.ports import Clock, ConcurrentUpdate, Store, Transaction

R = TypeVar("R", bound=BaseModel)
MAX_ATTEMPTS = 5


@dataclass
class Command:
    """What the body of a command sees: the transaction, time, ids, and where events go."""

    tx: Transaction
    clock: Clock
    ids: IdFactory
    key: str
    actor: str
    events: list[DomainEvent] = field(default_factory=list)

    def emit(self, event_type: str, subject: str, /, **payload: Any) -> DomainEvent:
        """Record a further event of this command (the keyed event is written by run_command)."""
        event = DomainEvent(
            id=self.ids.new("evt"),
            type=event_type,
            subject=subject,
            at=self.clock.now(),
            actor=self.actor,
            payload={"command_key": self.key, **json_safe(payload)},
        )
        self.events.append(event)
        return event


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise InvalidInput(
            "an idempotency key (1-200 characters) is required",
            field="idempotency_key",
            message_zh="需要幂等键（1-200 个字符）",
        )
    return key


def run_command(
    store: Store,
    clock: Clock,
    ids: IdFactory,
    *,
    name: str,
    event_type: str,
    key: str,
    arguments: Any,
    result_type: type[R],
    body: Callable[[Command], tuple[str, R]],
    actor: str = "system",
    reload: Callable[[Transaction, str], R] | None = None,
) -> R:
    """Run ``body`` once per ``key``; it returns ``(subject id, result)``.

    The result is stored in the keyed event and returned as it was on replay. A result holding
    personal data passes ``reload`` instead: only the subject id is stored, and a replay reloads it.
    """
    key = check_key(key)
    digest = fingerprint(arguments)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with store.transaction() as tx:
                done = tx.events.by_key(key)
                if done is not None:
                    _check_same(done, name, digest)
                    if reload is not None:
                        return reload(tx, done.subject)
                    return result_type.model_validate(done.payload["result"])
                command = Command(tx=tx, clock=clock, ids=ids, key=key, actor=actor)
                subject, result = body(command)
                payload: dict[str, Any] = {"command": name, "fingerprint": digest}
                if reload is None:
                    payload["result"] = result.model_dump(mode="json")
                keyed = DomainEvent(
                    id=ids.new("evt"),
                    type=event_type,
                    subject=subject,
                    at=clock.now(),
                    actor=actor,
                    idempotency_key=key,
                    payload=payload,
                )
                for event in (keyed, *command.events):
                    tx.events.append(event)
                    tx.audit.append(
                        actor=event.actor,
                        action=event.type,
                        subject=event.subject,
                        at=event.at,
                        after={k: v for k, v in event.payload.items() if k != "result"} or None,
                    )
                return result
        except ConcurrentUpdate:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _check_same(event: DomainEvent, name: str, digest: str) -> None:
    if event.payload.get("command") != name or event.payload.get("fingerprint") != digest:
        raise StateConflict(
            f"idempotency key '{event.idempotency_key}' was already used for a different request "
            f"({event.payload.get('command')})",
            field="idempotency_key",
            code="key-reused",
            message_zh=f"幂等键 '{event.idempotency_key}' 已用于另一个请求",
        )
