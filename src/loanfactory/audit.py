"""The tamper-evident audit trail: hash-chained records and their verifier.

Each record's hash is SHA-256 over the previous record's hash and the record's canonical JSON
(sorted keys, Decimals and dates as strings). Editing, inserting or deleting any record breaks
the chain from that point; :func:`verify_chain` names the first broken link. Every store uses
these two functions, so a chain written by one can be checked by another.

A chain alone cannot show that its newest records were cut off: the rest still links up. Stores
therefore keep the newest link apart as an :class:`AuditHead` (sequence and hash), and
``verify_chain(records, head=...)`` also checks that the chain reaches it. Publishing the head
elsewhere from time to time (an anchor) also catches someone who rewrote the head itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from loanfactory.ports import AuditRecord

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Stable JSON: sorted keys, no spaces, Decimals/dates/datetimes as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return canonical_json(value.model_dump(mode="json"))
    raise TypeError(f"cannot serialise {type(value).__name__} in an audit record")


def fingerprint(value: Any) -> str:
    """SHA-256 of a command's arguments, by value: ``Decimal("80000")`` and ``Decimal("80000.00")``
    are the same amount and give the same fingerprint (the audit hash, by contrast, keeps every
    digit as written). Used to refuse an idempotency key reused for a different request."""
    return hashlib.sha256(canonical_json(_by_value(value)).encode()).hexdigest()


def _by_value(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return _by_value(value.model_dump(mode="python"))
    if isinstance(value, dict):
        return {str(k): _by_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_by_value(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, Enum):
        return _by_value(value.value)
    return value


def record_hash(
    previous_hash: str,
    *,
    sequence: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    body = canonical_json(
        {
            "sequence": sequence,
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "subject": subject,
            "before": before,
            "after": after,
        }
    )
    return hashlib.sha256(f"{previous_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest link of a chain: its sequence and hash (sequence 0 and GENESIS when empty)."""

    sequence: int
    hash: str


EMPTY_HEAD = AuditHead(0, GENESIS)


def make_record(
    previous: AuditRecord | AuditHead | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    """The next link after ``previous`` (or the first link)."""
    sequence = previous.sequence + 1 if previous else 1
    previous_hash = previous.hash if previous else GENESIS
    before = json.loads(canonical_json(before)) if before is not None else None
    after = json.loads(canonical_json(after)) if after is not None else None
    digest = record_hash(
        previous_hash,
        sequence=sequence,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        before=before,
        after=after,
    )
    return AuditRecord(
        sequence=sequence,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        before=before,
        after=after,
        previous_hash=previous_hash,
        hash=digest,
    )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the chain stops holding: the record's sequence and why."""

    sequence: int
    reason: str


def verify_chain(records: Iterable[AuditRecord], head: AuditHead | None = None) -> ChainBreak | None:
    """The first broken link of a chain given in sequence order, or None when it is intact.

    With ``head`` (the newest link as the store recorded it, or an anchor published earlier), a
    chain that stops short of it, or whose record at the head's sequence has another hash, is
    broken too: that is how deleted newest records show.
    """
    previous_hash = GENESIS
    expected = 1
    for record in records:
        if record.sequence != expected:
            return ChainBreak(expected, f"record {expected} is missing (found {record.sequence})")
        if record.previous_hash != previous_hash:
            return ChainBreak(record.sequence, "the link to the previous record does not match")
        digest = record_hash(
            previous_hash,
            sequence=record.sequence,
            at=record.at,
            actor=record.actor,
            action=record.action,
            subject=record.subject,
            before=record.before,
            after=record.after,
        )
        if digest != record.hash:
            return ChainBreak(record.sequence, "the record was changed after it was written")
        if head is not None and record.sequence == head.sequence and record.hash != head.hash:
            return ChainBreak(record.sequence, "the record does not match the recorded head of the chain")
        previous_hash = record.hash
        expected += 1
    if head is not None and head.sequence >= expected:
        return ChainBreak(
            expected,
            f"records {expected} to {head.sequence} are missing (the head says "
            f"the chain has {head.sequence})",
        )
    return None
