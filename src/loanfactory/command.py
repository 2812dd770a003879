"""Idempotent commands (幂等指令): what every state-changing command of the core shares.

A command runs in one ``store.transaction()`` under the caller's idempotency key. Its first run
appends a *keyed* :class:`~loanfactory.entity.DomainEvent` holding the command's name, a
fingerprint of its arguments and (usually) its result; a replay with the same key and the same
arguments finds that event and returns the stored result, changing nothing; the same key with
other arguments is refused (``key-reused``). A :class:`~loanfactory.ports.ConcurrentUpdate`
(another writer changed a row first) reruns the whole command, a bounded number of times.

Origination (:mod:`loanfactory.origination`) and servicing (:mod:`loanfactory.servicing`) build
their command runners from these pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from loanfactory.entity import DomainEvent, IdFactory
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Clock, ConcurrentUpdate, Transaction

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
