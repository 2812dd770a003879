"""PII key rotation (个人信息密钥轮换): rewrite personal data under the newest key.

After the new key is put first in ``LOANFACTORY_PII_KEY`` (the old ones after it),
:func:`rotate_pii_key` walks every entity table with personal fields in id order, in batches of
one transaction each, and rewrites each row holding a value not yet under the newest key: the
value is decrypted with whichever listed key opens it (plain values written before encryption
are taken as they are) and sealed again; the row's look-up hashes are recomputed. A row is
updated only at the version it was read (no version bump: nothing about the entity changed),
so a command writing the same row meanwhile wins and the row is counted as ``changed_meanwhile``
(run the rotation again; a process with the new key list writes under the new key anyway).

The report counts the values found by the key that sealed them (``plain`` for values in clear,
``enc:v1`` for values sealed before keys had ids), so ``dry_run=True`` answers "is anything left
under the old key?" before that key is dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from loanfactory.adapters.sql._crypto import LEGACY_PREFIX, PREFIX, is_sealed
from loanfactory.errors import StateConflict

if TYPE_CHECKING:
    from loanfactory.adapters.sql._mapping import EntityMapping
    from loanfactory.adapters.sql._store import SqlStore


@dataclass
class KeyRotation:
    """What a rotation found and did."""

    newest_key: str
    values: Counter[str] = field(default_factory=Counter)  # key id / "enc:v1" / "plain" -> values seen
    rewritten: Counter[str] = field(default_factory=Counter)  # entity kind -> rows rewritten
    changed_meanwhile: int = 0
    dry_run: bool = False

    @property
    def left_behind(self) -> int:
        """Values not under the newest key (before the rewrite; all of them on a dry run)."""
        return sum(n for label, n in self.values.items() if label != self.newest_key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "newest_key": self.newest_key,
            "values_by_key": dict(sorted(self.values.items())),
            "rows_rewritten": dict(sorted(self.rewritten.items())),
            "changed_meanwhile": self.changed_meanwhile,
            "dry_run": self.dry_run,
        }


def rotate_pii_key(store: SqlStore, *, dry_run: bool = False, batch: int = 500) -> KeyRotation:
    """Rewrite every personal value of ``store`` that is not under its cipher's newest key."""
    cipher = store.cipher
    if cipher is None:
        raise StateConflict(
            "no PII key: set LOANFACTORY_PII_KEY (newest key first) to rotate",
            field="LOANFACTORY_PII_KEY",
            message_zh="未设置个人信息密钥：请设置 LOANFACTORY_PII_KEY（新密钥在前）后再轮换",
        )
    report = KeyRotation(newest_key=cipher.key_ids[0], dry_run=dry_run)
    for mapping in store.mappings:
        if mapping.pii:
            _rotate_table(store, mapping, report, max(1, batch))
    return report


def _label(value: Any) -> str:
    if not is_sealed(value):
        return "plain"
    if value.startswith(PREFIX):
        return str(value[len(PREFIX) :].partition(":")[0])
    return LEGACY_PREFIX.rstrip(":")


def _rotate_table(store: SqlStore, mapping: EntityMapping, report: KeyRotation, batch: int) -> None:
    table = mapping.table
    cipher = store.cipher
    assert cipher is not None
    order = table.c.id.collate("C") if store.dialect == "postgresql" else table.c.id
    personal = [c for c in mapping.columns if c.pii]
    after = ""
    while True:
        with store.transaction() as tx:
            page = select(table.c.id, table.c.version, table.c.body).where(order > after)
            rows = tx.connection.execute(page.order_by(order).limit(batch)).all()
            for row in rows:
                values = mapping.personal_values(row.body)
                report.values.update(_label(v) for v in values)
                if report.dry_run or all(cipher.is_current(v) for v in values):
                    continue
                body = mapping.reseal(row.body, cipher)
                entity = mapping.load(body, row.version, cipher)
                typed = mapping.typed_values(entity, cipher)
                done = tx.connection.execute(
                    table.update()
                    .where(table.c.id == row.id, table.c.version == row.version)
                    .values(body=body, **{c.name: typed[c.name] for c in personal})
                )
                if done.rowcount == 1:
                    report.rewritten[mapping.kind] += 1
                else:
                    report.changed_meanwhile += 1
        if len(rows) < batch:
            return
        after = rows[-1].id
