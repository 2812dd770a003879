"""The SQL store: SQLite (embedded default) and PostgreSQL, behind the Store port.

::

    from loanfactory.adapters.sql import SqlStore, relay, verify_audit

    store = SqlStore()                                  # ./loanfactory.db, migrated on open
    store = SqlStore("postgresql://lf@db/lf")           # production (run `loanfactory db upgrade`)
    with store.transaction() as tx:                     # one unit of work, all or nothing
        line = tx.repo(CreditLine).lock(line_id)        # SELECT ... FOR UPDATE on PostgreSQL
        tx.repo(CreditLine).update(line.evolve(...))    # version check: ConcurrentUpdate if stale
        tx.ledger.append(entry)                         # idempotency key unique
        tx.outbox.add(message)                          # delivered later by relay(), at least once
        tx.audit.append(actor=..., action=..., subject=..., at=...)  # hash-chained
    relay(store, notifier, clock)                       # deliver pending outbox messages
    verify_audit(store)                                 # None, or the first broken link
    verify_sql_books(store).intact                       # ... and every posting and balance against it

See ``docs/persistence.md`` for URLs, migrations and PII encryption; ``docs/archive.md`` for the archive.
"""

from __future__ import annotations

from loanfactory.adapters.sql._catalog import ProductStatus, ProductVersion, StatusChange, content_hash
from loanfactory.adapters.sql._crypto import PiiCipher
from loanfactory.adapters.sql._engine import database_url, make_engine, mask_url
from loanfactory.adapters.sql._entities import default_mappings
from loanfactory.adapters.sql._mapping import EntityMapping, EntityMappings, map_entity
from loanfactory.adapters.sql._migrate import check, current, head, upgrade
from loanfactory.adapters.sql._relay import (
    DedupingNotifier,
    MemoryDedup,
    OutboxRelayReport,
    SqlInboxDedup,
    relay,
)
from loanfactory.adapters.sql._rotation import KeyRotation, rotate_pii_key
from loanfactory.adapters.sql._schema import Base, metadata
from loanfactory.adapters.sql._states import rebuild_states
from loanfactory.adapters.sql._store import SqlStore, SqlTransaction
from loanfactory.adapters.sql._types import ExactDecimal, UtcDateTime
from loanfactory.adapters.sql._verify import verify_audit, verify_sql_books

__all__ = [
    "Base",
    "DedupingNotifier",
    "EntityMapping",
    "EntityMappings",
    "ExactDecimal",
    "KeyRotation",
    "MemoryDedup",
    "OutboxRelayReport",
    "PiiCipher",
    "ProductStatus",
    "ProductVersion",
    "SqlInboxDedup",
    "SqlStore",
    "SqlTransaction",
    "StatusChange",
    "UtcDateTime",
    "check",
    "content_hash",
    "current",
    "database_url",
    "default_mappings",
    "head",
    "make_engine",
    "map_entity",
    "mask_url",
    "metadata",
    "rebuild_states",
    "relay",
    "rotate_pii_key",
    "upgrade",
    "verify_audit",
    "verify_sql_books",
]
