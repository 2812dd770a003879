"""Compliance archive and retention (合规档案管理).

Documents, contracts, decisions and logs are archived with the customer, contract and loan they
belong to (indexed, for audits). A record tied to a loan is kept while the loan is open and for
``years_after_closure`` (default 5) after the loan closes; a record tied to no loan is kept for
``years_after_storage`` after it was stored. ``purge`` removes the content of records whose
retention has ended, all or nothing: if any asked-for record is still under retention it refuses
with :class:`RetentionViolation` listing them. A purge keeps the index row (who purged, when) and
writes an audit link, so the archive shows what existed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update

from loanfactory.adapters.sql._schema import ArchiveRow, table_of
from loanfactory.adapters.sql._types import decode, encode
from loanfactory.audit import canonical_json
from loanfactory.calendar import add_months
from loanfactory.errors import InvalidInput, NotFound, StateConflict

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction


class ArchiveCategory(StrEnum):
    document = "document"  # 证明材料、影像
    contract = "contract"  # 合同
    decision = "decision"  # 审批决策
    log = "log"  # 操作与通知日志
    application = "application"  # 申请资料


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long archived records are kept."""

    years_after_closure: int = 5
    years_after_storage: int = 5

    def __post_init__(self) -> None:
        if self.years_after_closure < 0 or self.years_after_storage < 0:
            raise InvalidInput("retention periods cannot be negative", field="years_after_closure")

    def until_after_closure(self, closed_on: date) -> date:
        return add_months(closed_on, 12 * self.years_after_closure)

    def until_after_storage(self, stored_on: date) -> date:
        return add_months(stored_on, 12 * self.years_after_storage)


class ArchiveItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    category: ArchiveCategory
    title: str
    customer_id: str | None
    contract_id: str | None
    loan_id: str | None
    stored_at: datetime
    retain_until: date | None  # None: the loan is still open
    loan_closed_on: date | None
    sha256: str
    content: dict[str, Any] | None  # None once purged
    purged_at: datetime | None
    purged_by: str | None

    def under_retention(self, today: date) -> bool:
        return self.retain_until is None or today <= self.retain_until


class RetentionViolation(StateConflict):
    """A purge asked for records that must still be kept; ``items`` lists them."""

    def __init__(self, items: list[ArchiveItem]) -> None:
        listed = ", ".join(f"{i.id} (until {i.retain_until or 'loan closure + retention'})" for i in items)
        super().__init__(
            f"{len(items)} record(s) are still under retention: {listed}",
            field="ids",
            message_zh=f"{len(items)} 条档案仍在保存期内，不能清除：{listed}",
        )
        self.items = items


def content_digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(encode(content)).encode()).hexdigest()


class Archive:
    """The archive inside one transaction (``tx.archive``)."""

    def __init__(self, tx: SqlTransaction, policy: RetentionPolicy) -> None:
        self._tx = tx
        self.policy = policy

    def put(
        self,
        *,
        id: str,
        category: ArchiveCategory | str,
        title: str,
        content: dict[str, Any],
        customer_id: str | None = None,
        contract_id: str | None = None,
        loan_id: str | None = None,
        at: datetime | None = None,
    ) -> ArchiveItem:
        try:
            kind = ArchiveCategory(category)
        except ValueError:
            raise InvalidInput(f"'{category}' is not an archive category", field="category") from None
        at = at or self._tx.now()
        retain_until = None if loan_id else self.policy.until_after_storage(at.date())
        values = {
            "id": id,
            "category": kind.value,
            "title": title,
            "customer_id": customer_id,
            "contract_id": contract_id,
            "loan_id": loan_id,
            "stored_at": at,
            "retain_until": retain_until,
            "loan_closed_on": None,
            "sha256": content_digest(content),
            "content": encode(content),
            "purged_at": None,
            "purged_by": None,
        }
        if not self._tx.insert_new(table_of(ArchiveRow), values):
            raise StateConflict(f"archive record '{id}' already exists", field="id")
        return self.get(id)

    def close_loan(self, loan_id: str, closed_on: date) -> int:
        """Start the retention clock of every record of a closed loan; returns how many."""
        result = self._tx.connection.execute(
            update(ArchiveRow)
            .where(ArchiveRow.loan_id == loan_id)
            .values(loan_closed_on=closed_on, retain_until=self.policy.until_after_closure(closed_on))
        )
        return int(result.rowcount)

    def get(self, id: str) -> ArchiveItem:
        row = self._tx.connection.execute(select(ArchiveRow).where(ArchiveRow.id == id)).first()
        if row is None:
            raise NotFound(f"no archive record '{id}'", field="id")
        return _item(row)

    def find(
        self,
        *,
        customer_id: str | None = None,
        contract_id: str | None = None,
        loan_id: str | None = None,
        category: ArchiveCategory | str | None = None,
        include_purged: bool = False,
    ) -> list[ArchiveItem]:
        """Records of a customer, contract or loan (at least one of them), oldest first."""
        if customer_id is None and contract_id is None and loan_id is None:
            raise InvalidInput("name a customer, contract or loan to look up", field="customer_id")
        query = select(ArchiveRow)
        for column, value in (
            (ArchiveRow.customer_id, customer_id),
            (ArchiveRow.contract_id, contract_id),
            (ArchiveRow.loan_id, loan_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if category is not None:
            query = query.where(ArchiveRow.category == ArchiveCategory(category).value)
        if not include_purged:
            query = query.where(ArchiveRow.purged_at.is_(None))
        rows = self._tx.connection.execute(query.order_by(ArchiveRow.stored_at, ArchiveRow.id)).all()
        return [_item(row) for row in rows]

    def expired(self, today: date) -> list[ArchiveItem]:
        """Records whose retention has ended and that are not purged yet."""
        rows = self._tx.connection.execute(
            select(ArchiveRow)
            .where(ArchiveRow.retain_until < today, ArchiveRow.purged_at.is_(None))
            .order_by(ArchiveRow.retain_until, ArchiveRow.id)
        ).all()
        return [_item(row) for row in rows]

    def purge(self, ids: Iterable[str], *, today: date, actor: str, at: datetime | None = None) -> list[str]:
        """Remove the content of these records; all or nothing (see the module docstring)."""
        wanted = sorted(set(ids))
        rows = self._tx.connection.execute(select(ArchiveRow).where(ArchiveRow.id.in_(wanted))).all()
        items = {row.id: _item(row) for row in rows}
        missing = [i for i in wanted if i not in items]
        if missing:
            raise NotFound(f"no archive record(s): {', '.join(missing)}", field="ids")
        kept = [items[i] for i in wanted if items[i].under_retention(today)]
        if kept:
            raise RetentionViolation(kept)
        at = at or self._tx.now()
        done = [i for i in wanted if items[i].purged_at is None]
        if done:
            self._tx.connection.execute(
                update(ArchiveRow)
                .where(ArchiveRow.id.in_(done), ArchiveRow.purged_at.is_(None))
                .values(content=None, purged_at=at, purged_by=actor)
            )
        for id in done:
            item = items[id]
            self._tx.audit.append(
                actor=actor,
                action="archive.purge",
                subject=f"archive:{id}",
                at=at,
                before={"sha256": item.sha256, "retain_until": item.retain_until},
            )
        return done

    def verify(self, id: str) -> bool:
        """True when the content still has the digest it was archived with (or was purged)."""
        item = self.get(id)
        return item.content is None or content_digest(item.content) == item.sha256


def _item(row: Any) -> ArchiveItem:
    return ArchiveItem(
        id=row.id,
        category=ArchiveCategory(row.category),
        title=row.title,
        customer_id=row.customer_id,
        contract_id=row.contract_id,
        loan_id=row.loan_id,
        stored_at=row.stored_at,
        retain_until=row.retain_until,
        loan_closed_on=row.loan_closed_on,
        sha256=row.sha256,
        content=None if row.content is None else decode(row.content),
        purged_at=row.purged_at,
        purged_by=row.purged_by,
    )
