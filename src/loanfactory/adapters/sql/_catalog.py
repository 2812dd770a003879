"""The published product catalog: immutable product versions and their status history (产品目录).

A version's spec text is stored once with its SHA-256 and never changed: publishing the same code
and version again with the same text is a no-op, with other text a conflict (publish a new
version instead). Status moves draft → online ⇄ paused → offline (a draft may also be withdrawn
straight to offline; offline is final). Every move records who, when and why, in the history
table and in the audit chain.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, select, update

from loanfactory.adapters.sql._schema import ProductStatusRow, ProductVersionRow, table_of
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.product import STATUS_MOVES, parse_status
from loanfactory.spec import Status

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction


ProductStatus = Status  # the spec's publication status; the moves are the product module's
ALLOWED_MOVES = STATUS_MOVES


class ProductVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    version: str
    content_hash: str
    spec: str
    status: ProductStatus
    created_at: datetime
    created_by: str
    status_changed_at: datetime


class StatusChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    version: str
    from_status: ProductStatus | None
    to_status: ProductStatus
    at: datetime
    actor: str
    reason: str


def content_hash(spec: str) -> str:
    return hashlib.sha256(spec.encode()).hexdigest()


class ProductCatalog:
    """Product versions inside one transaction (``tx.catalog``)."""

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    def publish(
        self, code: str, version: str, spec: str, *, actor: str, at: datetime | None = None
    ) -> ProductVersion:
        """Store a new version as a draft (idempotent for identical text)."""
        if not code.strip() or not version.strip():
            raise InvalidInput("a product version needs a code and a version", field="code")
        at = at or self._tx.now()
        digest = content_hash(spec)
        values = {
            "code": code,
            "version": version,
            "content_hash": digest,
            "spec": spec,
            "status": ProductStatus.draft.value,
            "created_at": at,
            "created_by": actor,
            "status_changed_at": at,
            "row_version": 1,
        }
        if self._tx.insert_new(table_of(ProductVersionRow), values):
            self._history(code, version, None, ProductStatus.draft, at, actor, "published")
            self._tx.audit.append(
                actor=actor,
                action="product.publish",
                subject=f"product:{code}@{version}",
                at=at,
                after={"content_hash": digest, "status": "draft"},
            )
            return self.get(code, version)
        existing = self.get(code, version)
        if existing.content_hash != digest:
            raise StateConflict(
                f"product {code} version {version} is already published with other content; "
                "published versions never change: publish a new version",
                field="version",
                message_zh=f"产品 {code} 版本 {version} 已发布且内容不同；已发布版本不可修改，请发布新版本",
            )
        return existing

    def set_status(
        self,
        code: str,
        version: str,
        status: ProductStatus | str,
        *,
        actor: str,
        reason: str = "",
        at: datetime | None = None,
    ) -> ProductVersion:
        target = parse_status(status)
        at = at or self._tx.now()
        query = select(ProductVersionRow).where(
            ProductVersionRow.code == code, ProductVersionRow.version == version
        )
        if self._tx.dialect == "postgresql":
            query = query.with_for_update()
        row = self._tx.connection.execute(query).first()
        if row is None:
            raise NotFound(f"no product {code} version {version}", field="version")
        current = ProductStatus(row.status)
        if target == current:
            return self.get(code, version)
        if target not in ALLOWED_MOVES[current]:
            allowed = ", ".join(sorted(ALLOWED_MOVES[current])) or "none (offline is final)"
            raise StateConflict(
                f"product {code} version {version} cannot go from {current} to {target}; allowed: {allowed}",
                field="status",
                message_zh=f"产品 {code} 版本 {version} 不能从 {current} 变为 {target}",
            )
        self._tx.connection.execute(
            update(ProductVersionRow)
            .where(ProductVersionRow.code == code, ProductVersionRow.version == version)
            .values(status=target.value, status_changed_at=at, row_version=row.row_version + 1)
        )
        self._history(code, version, current, target, at, actor, reason)
        self._tx.audit.append(
            actor=actor,
            action="product.status",
            subject=f"product:{code}@{version}",
            at=at,
            before={"status": current.value},
            after={"status": target.value, "reason": reason},
        )
        return self.get(code, version)

    def get(self, code: str, version: str) -> ProductVersion:
        row = self._tx.connection.execute(
            select(ProductVersionRow).where(
                ProductVersionRow.code == code, ProductVersionRow.version == version
            )
        ).first()
        if row is None:
            raise NotFound(f"no product {code} version {version}", field="version")
        return _version(row)

    def versions(self, code: str, *, status: ProductStatus | str | None = None) -> list[ProductVersion]:
        query = select(ProductVersionRow).where(ProductVersionRow.code == code)
        if status is not None:
            query = query.where(ProductVersionRow.status == parse_status(status).value)
        rows = self._tx.connection.execute(
            query.order_by(ProductVersionRow.created_at, ProductVersionRow.version)
        )
        return [_version(row) for row in rows]

    def history(self, code: str, version: str) -> list[StatusChange]:
        rows = self._tx.connection.execute(
            select(ProductStatusRow)
            .where(ProductStatusRow.code == code, ProductStatusRow.version == version)
            .order_by(ProductStatusRow.id)
        )
        return [
            StatusChange(
                code=r.code,
                version=r.version,
                from_status=r.from_status,
                to_status=r.to_status,
                at=r.at,
                actor=r.actor,
                reason=r.reason,
            )
            for r in rows
        ]

    def verify(self, code: str, version: str) -> bool:
        """True when the stored spec text still has the hash it was published with."""
        stored = self.get(code, version)
        return content_hash(stored.spec) == stored.content_hash

    def _history(
        self,
        code: str,
        version: str,
        before: ProductStatus | None,
        after: ProductStatus,
        at: datetime,
        actor: str,
        reason: str,
    ) -> None:
        self._tx.connection.execute(
            insert(ProductStatusRow).values(
                code=code,
                version=version,
                from_status=before.value if before else None,
                to_status=after.value,
                at=at,
                actor=actor,
                reason=reason,
            )
        )


def _version(row: Any) -> ProductVersion:
    return ProductVersion(
        code=row.code,
        version=row.version,
        content_hash=row.content_hash,
        spec=row.spec,
        status=row.status,
        created_at=row.created_at,
        created_by=row.created_by,
        status_changed_at=row.status_changed_at,
    )
