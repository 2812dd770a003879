"""The tamper-evident audit trail: hash-chained records and their verifier.

Each record's hash is SHA-256 over the previous record's hash and the record's canonical JSON
(sorted keys, Decimals and dates as strings). Editing, inserting or deleting any record breaks
the chain from that point; :func:`verify_chain` names the first broken link. Every store uses
these two functions, so a chain written by one can be checked by another.

A chain alone cannot show that its newest records were cut off: the rest still links up. Stores
therefore keep the newest link apart as an :class:`AuditHead` (sequence and hash), and
``verify_chain(records, head=...)`` also checks that the chain reaches it. Publishing the head
elsewhere from time to time (an anchor) also catches someone who rewrote the head itself.

Money is in the chain without anyone having to remember it: every store writes a link for each
ledger posting (action :data:`POSTED`, subject the loan, the whole posting by value, see
:func:`posting_state`) and one for each new or changed money record — an entity kind that names
``audited`` fields, such as a loan, a disbursement or a payment order (action ``<kind>.state``,
see :func:`entity_state`). Personal data among those fields (an account number, a name) is kept
as a digest made by the store's ``seal`` (a keyed HMAC when the store has a PII key), never in
clear. These links are written when the transaction commits, after the writes they record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from loanfactory.entity import Entity
from loanfactory.ports import AuditRecord, LedgerEntryRecord

GENESIS = "0" * 64

POSTED = "ledger.posted"
"""The action of the link each ledger posting gets; its subject is the loan id."""

STATE = ".state"
"""The action of a money record's link ends so: ``loan.state``, ``disbursement.state`` ..."""

LEDGER_ACTOR = "ledger"
STORE_ACTOR = "store"

Seal = Callable[[str], str]
"""Turns a personal-data value into the digest the chain keeps."""


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


# --- money in the chain ---------------------------------------------------------------------------


def plain_seal(value: str) -> str:
    """The digest of a personal-data value for a store without a PII key (whose data is in clear
    anyway): SHA-256. A store with a key seals with a keyed HMAC instead."""
    return "sha256:" + hashlib.sha256(f"loanfactory audit seal v1\n{value}".encode()).hexdigest()


def posting_state(entry: LedgerEntryRecord) -> dict[str, Any]:
    """What the chain keeps of a ledger posting: every field, by value (``100.00`` = ``100``,
    times in UTC), so a posting read back from any store gives the same state."""
    state: dict[str, Any] = _normal(entry.model_dump(mode="python"))
    return state


def state_action(kind: str) -> str:
    return kind + STATE


def entity_state(entity: Entity, seal: Seal) -> dict[str, Any]:
    """What the chain keeps of a money record: its ``audited`` fields by value and its
    ``audited_sealed`` fields as ``seal`` digests (an empty value stays empty)."""
    kind = type(entity)
    values: dict[str, Any] = {name: getattr(entity, name) for name in kind.audited}
    for name in kind.audited_sealed:
        value = getattr(entity, name)
        values[name] = seal(str(value)) if value not in (None, "") else value
    state: dict[str, Any] = _normal(values)
    return state


def is_audited(kind: type[Entity]) -> bool:
    return bool(kind.audited or kind.audited_sealed)


def state_changed(before: Entity | None, after: Entity) -> bool:
    """Whether ``after`` needs a link: it is new, or one of its audited fields changed."""
    kind = type(after)
    if not is_audited(kind):
        return False
    if before is None:
        return True
    return any(getattr(before, n) != getattr(after, n) for n in (*kind.audited, *kind.audited_sealed))


LOADED = "book.loaded"
"""The action of the one link a bulk load (:meth:`load`) of a book writes for all it stored."""


def loaded_state(entities: Iterable[Entity], postings: Iterable[LedgerEntryRecord]) -> dict[str, Any]:
    """What the chain keeps of a bulk load: counts and a SHA-256 over every record's kind, id and
    version, and every posting's id and amounts in the order written."""
    digest = hashlib.sha256()
    count = 0
    for entity in entities:
        digest.update(f"{entity.kind}|{entity.id}|{entity.version}\n".encode())
        count += 1
    posted = 0
    for e in postings:
        digest.update(f"{e.id}|{e.type}|{e.business_date}|{e.amount}|{e.principal}|{e.interest}|".encode())
        digest.update(f"{e.penalty}|{e.fee}|{e.credit}|{e.idempotency_key}\n".encode())
        posted += 1
    return {"records": count, "postings": posted, "sha256": digest.hexdigest()}


def state_digest(state: dict[str, Any]) -> str:
    """SHA-256 of a state's canonical JSON, to compare states without keeping them."""
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()


def _normal(value: Any) -> Any:
    return json.loads(canonical_json(_utc(_by_value(value))))


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dict):
        return {k: _utc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value
