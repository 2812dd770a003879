"""Idempotent commands: one transaction, one keyed event, the first result on replay.

Every origination command runs through :func:`run_command` (built on :mod:`loanfactory.command`).
Inside one ``store.transaction()`` it looks up the caller's idempotency key; when the command
already ran, it returns the stored result (after checking the key was used for the same command
with the same arguments) and changes nothing. Otherwise it runs the body, then appends the keyed
event with the result, any further events of the command, and an audit record per event. An
exception anywhere discards everything. A :class:`~loanfactory.ports.ConcurrentUpdate` (another
writer changed a row first) reruns the whole command, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from loanfactory.command import run_keyed
from loanfactory.entity import DomainEvent, IdFactory
from loanfactory.origination._decision import json_safe
from loanfactory.ports import Clock, Store, Transaction

R = TypeVar("R", bound=BaseModel)


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

    def once(tx: Transaction) -> tuple[str, R, list[DomainEvent]]:
        command = Command(tx=tx, clock=clock, ids=ids, key=key, actor=actor)
        subject, result = body(command)
        return subject, result, command.events

    def replay(tx: Transaction, done: DomainEvent) -> R:
        if reload is not None:
            return reload(tx, done.subject)
        return result_type.model_validate(done.payload["result"])

    return run_keyed(
        store,
        clock,
        ids,
        name=name,
        event_type=event_type,
        key=key,
        arguments=arguments,
        body=once,
        dump=None if reload is not None else lambda result: result.model_dump(mode="json"),
        load=replay,
        actor=actor,
    )
