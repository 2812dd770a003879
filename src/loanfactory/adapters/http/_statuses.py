"""Product publication (产品上下架): each status change recorded in the store, then applied live.

A product manager publishes, pauses or takes a product offline; :class:`ProductStatuses` checks
the move (:data:`loanfactory.product.STATUS_MOVES`), records who, when and why, and replaces the
product's status in the running :class:`~loanfactory.product.ProductCatalog` (origination reads
it live, so a paused product refuses the next application). Where it is recorded:

- a store with a product catalog (``tx.catalog`` of :class:`~loanfactory.adapters.sql.SqlStore`):
  the product version is published there the first time its status changes (its spec as
  canonical JSON, status left out, hashed), brought from ``draft`` to the status of the product
  file (recorded as done by ``system:product-file``), then moved; the catalog keeps the status
  history and writes the audit records;
- any other store: a :class:`~loanfactory.entity.DomainEvent` ``product.status_changed`` on the
  subject ``product:<code>@<version>`` and an audit record, through the Store port.

:meth:`ProductStatuses.restore` applies the recorded statuses to the catalog (on start, and
periodically so that several server processes converge). A recorded status always wins over
the file's: a product paused for a reason stays paused after a restart. Statuses belong to a
product *version*: publishing version 2 starts again from the file's status.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loanfactory.entity import DomainEvent
from loanfactory.errors import NotFound
from loanfactory.ports import Store
from loanfactory.product import Product, ProductCatalog, parse_status
from loanfactory.spec import ProductSpec, Status

EVENT = "product.status_changed"
FILE_ACTOR = "system:product-file"
_PATH = {  # from draft to the status a product file may state, one allowed move at a time
    Status.draft: (),
    Status.online: (Status.online,),
    Status.paused: (Status.online, Status.paused),
    Status.offline: (Status.offline,),
}


def subject_of(spec: ProductSpec) -> str:
    return f"product:{spec.code}@{spec.version}"


def spec_text(spec: ProductSpec) -> str:
    """The spec as canonical JSON without its status (what a published version's hash covers)."""
    data = spec.model_dump(mode="json", exclude={"status"})
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class ProductStatuses:
    """Changes, records and restores the publication status of the catalog's products."""

    def __init__(self, store: Store, products: ProductCatalog, *, now: Callable[[], datetime]) -> None:
        self._store = store
        self._products = products
        self._now = now
        self._lock = threading.Lock()  # one change at a time in this process

    def change(self, code: str, status: Status | str, *, actor: str, reason: str | None = None) -> Product:
        """Move product ``code`` to ``status``; a move to the status it has changes nothing.

        Raises NotFound (no such product), InvalidInput (no such status) or StateConflict (a
        move :data:`~loanfactory.product.STATUS_MOVES` does not allow), with nothing recorded.
        """
        product = self._products.product(code)  # unknown code or status: refused before anything opens
        target = parse_status(status)
        at = self._now()
        with self._lock, self._store.transaction() as tx:
            catalog = getattr(tx, "catalog", None)
            if catalog is not None:
                product = self._move_in_catalog(catalog, product, target, actor, reason or "", at)
            else:
                product = self._products.check_status(code, target)
                if product.spec.status is not target:
                    _record_event(tx, product.spec, target, actor, reason or "", at)
        return self._products.set_status(code, target, check=False)

    def _move_in_catalog(
        self, catalog: Any, product: Product, target: Status, actor: str, reason: str, at: datetime
    ) -> Product:
        spec = product.spec
        version = str(spec.version)
        try:
            row = catalog.get(spec.code, version)
        except NotFound:
            if target is spec.status:  # nothing recorded and nothing to change: write nothing
                return product
            row = catalog.publish(spec.code, version, spec_text(spec), actor=actor, at=at)
            for step in _PATH[spec.status]:
                row = catalog.set_status(
                    spec.code,
                    version,
                    step.value,
                    actor=FILE_ACTOR,
                    reason="status of the product file",
                    at=at,
                )
        recorded = Status(row.status)
        if recorded is not spec.status:  # another process moved it meanwhile: the store decides
            product = self._products.set_status(spec.code, recorded, check=False)
        product = self._products.check_status(spec.code, target)
        if recorded is not target:
            catalog.set_status(spec.code, version, target.value, actor=actor, reason=reason, at=at)
        return product

    def restore(self) -> Restored:
        """Apply the statuses recorded in the store to the catalog."""
        done = Restored()
        with self._lock, self._store.transaction() as tx:
            catalog = getattr(tx, "catalog", None)
            for product in list(self._products):
                spec = product.spec
                recorded, warning = (
                    _recorded_in_catalog(catalog, spec)
                    if catalog is not None
                    else _recorded_in_events(tx, spec)
                )
                if warning:
                    done.warnings.append(warning)
                if recorded is not None and recorded is not spec.status:
                    self._products.set_status(product.code, recorded, check=False)
                    done.changed.append(
                        f"{spec.code} v{spec.version}: {spec.status.value} -> {recorded.value}"
                    )
        return done


@dataclass
class Restored:
    """What :meth:`ProductStatuses.restore` did: statuses changed, and products whose file
    differs from the version recorded in the store."""

    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _record_event(tx: Any, spec: ProductSpec, target: Status, actor: str, reason: str, at: datetime) -> None:
    subject = subject_of(spec)
    before = spec.status.value
    tx.events.append(
        DomainEvent(
            id=f"evt_{uuid.uuid4().hex}",
            type=EVENT,
            subject=subject,
            at=at,
            actor=actor,
            payload={
                "code": spec.code,
                "version": spec.version,
                "from": before,
                "to": target.value,
                "reason": reason,
            },
        )
    )
    tx.audit.append(
        actor=actor,
        action="product.status",
        subject=subject,
        at=at,
        before={"status": before},
        after={"status": target.value, "reason": reason},
    )


def _recorded_in_catalog(catalog: Any, spec: ProductSpec) -> tuple[Status | None, str | None]:
    from loanfactory.adapters.sql import content_hash

    try:
        row = catalog.get(spec.code, str(spec.version))
    except NotFound:
        return None, None
    note = None
    if row.content_hash != content_hash(spec_text(spec)):
        note = (
            f"{spec.code} v{spec.version}: the product file differs from the version recorded in the "
            "store; its recorded status still applies — give the changed product a new version"
        )
    return Status(row.status), note


def _recorded_in_events(tx: Any, spec: ProductSpec) -> tuple[Status | None, str | None]:
    changes = [e for e in tx.events.for_subject(subject_of(spec)) if e.type == EVENT]
    return (Status(changes[-1].payload["to"]), None) if changes else (None, None)
