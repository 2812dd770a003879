"""Idempotent commands (幂等指令): what every state-changing command of the core shares.

A command runs in one ``store.transaction()`` under the caller's idempotency key. Its first run
appends a *keyed* :class:`~loanfactory.entity.DomainEvent` holding the command's name, a
fingerprint of its arguments and (usually) its result; a replay with the same key and the same
arguments finds that event and returns the stored result, changing nothing; the same key with
other arguments is refused (``key-reused``). A :class:`~loanfactory.ports.ConcurrentUpdate`
(another writer changed a row first) reruns the whole command, a bounded number of times.

Origination (:mod:`loanfactory.origination`) and servicing (:mod:`loanfactory.servicing`) both run
their commands through :func:`run_keyed`, under one audit policy: every command is a link of the
audit chain (:mod:`loanfactory.audit`), written in the command's own transaction — one record for
the command (actor, its event type, subject, time, and the command's name, idempotency key and
argument fingerprint; the arguments themselves when the command says they hold no personal data),
and one record per further event the command reports. A replay writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from loanfactory.audit import fingerprint
from loanfactory.entity import DomainEvent, IdFactory
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Clock, ConcurrentUpdate, Store, Transaction

R = TypeVar("R")
MAX_ATTEMPTS = 5
"""How many times a command runs when other writers keep getting in the way."""


def check_key(key: object) -> str:
    """The idempotency key, if it is a usable one (1–200 characters); InvalidInput otherwise."""
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise InvalidInput(
            "an idempotency key (1-200 characters) is required",
            field="idempotency_key",
            message_zh="需要幂等键（1-200 个字符）",
        )
    return key


def find_done(tx: Transaction, key: str, name: str, digest: str) -> DomainEvent | None:
    """The keyed event of command ``name`` already run under ``key`` with arguments ``digest``.

    ``None`` when the key is new; StateConflict (``key-reused``) when the key was used for
    another command or other arguments.
    """
    done = tx.events.by_key(key)
    if done is None:
        return None
    if done.payload.get("command") != name or done.payload.get("fingerprint") != digest:
        raise StateConflict(
            f"idempotency key '{key}' was already used for a different request "
            f"({done.payload.get('command')})",
            field="idempotency_key",
            code="key-reused",
            message_zh=f"幂等键 '{key}' 已用于另一个请求",
        )
    return done


def keyed_event(
    ids: IdFactory,
    clock: Clock,
    *,
    event_type: str,
    subject: str,
    actor: str,
    key: str,
    name: str,
    digest: str,
    result: Any = None,
) -> DomainEvent:
    """The event that marks command ``name`` as run under ``key`` (with its JSON ``result``)."""
    payload: dict[str, Any] = {"command": name, "fingerprint": digest}
    if result is not None:
        payload["result"] = result
    return DomainEvent(
        id=ids.new("evt"),
        type=event_type,
        subject=subject,
        at=clock.now(),
        actor=actor,
        idempotency_key=key,
        payload=payload,
    )


def retry_conflicts(attempt: Callable[[], R]) -> R:
    """Run ``attempt`` (one whole transaction) again after a ConcurrentUpdate, at most
    :data:`MAX_ATTEMPTS` times in all; the last ConcurrentUpdate is raised."""
    for remaining in range(MAX_ATTEMPTS - 1, -1, -1):
        try:
            return attempt()
        except ConcurrentUpdate:
            if not remaining:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def run_keyed(
    store: Store,
    clock: Clock,
    ids: IdFactory,
    *,
    name: str,
    event_type: str,
    key: str,
    arguments: Any,
    body: Callable[[Transaction], tuple[str, R, list[DomainEvent]]],
    dump: Callable[[R], Any] | None,
    load: Callable[[Transaction, DomainEvent], R],
    actor: str = "system",
    audited: Any = None,
) -> R:
    """Run ``body`` once per idempotency ``key``, in one transaction, retried on ConcurrentUpdate.

    ``body`` returns ``(subject id, result, further events)``. ``dump`` gives the JSON result kept
    in the keyed event (``None``: nothing is kept, as for a result holding personal data); on a
    replay ``load`` gives the result back from the transaction and the keyed event. The command
    and each further event become audit records; ``audited`` (JSON, no personal data) is recorded
    with the command as its ``arguments``.
    """
    key = check_key(key)
    digest = fingerprint(arguments)

    def attempt() -> R:
        with store.transaction() as tx:
            done = find_done(tx, key, name, digest)
            if done is not None:
                return load(tx, done)
            subject, result, events = body(tx)
            keyed = keyed_event(
                ids,
                clock,
                event_type=event_type,
                subject=subject,
                actor=actor,
                key=key,
                name=name,
                digest=digest,
                result=None if dump is None else dump(result),
            )
            tx.events.append(keyed)
            command: dict[str, Any] = {"command": name, "key": key, "fingerprint": digest}
            if audited is not None:
                command["arguments"] = audited
            tx.audit.append(actor=actor, action=event_type, subject=subject, at=keyed.at, after=command)
            for event in events:
                tx.events.append(event)
                tx.audit.append(
                    actor=event.actor,
                    action=event.type,
                    subject=event.subject,
                    at=event.at,
                    after={k: v for k, v in event.payload.items() if k != "result"} or None,
                )
            return result

    return retry_conflicts(attempt)
