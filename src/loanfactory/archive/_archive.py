"""The compliance archive (合规档案管理): archive, find, keep, hold, purge and verify.

:class:`Archive` works over the store's repositories (the records and legal holds are entities, so
the memory store, SQLite and PostgreSQL keep them alike) and a blob store for the bytes. Every
write appends a link to the hash-chained audit log: ``archive.put`` carries the record's SHA-256,
so :meth:`Archive.verify` can prove that neither the bytes, nor the record, nor the chain changed.

Retention: a record of a loan is kept while the loan is open and for the category's years after it
closes (:meth:`Archive.close_loan` starts the clock); any other record for the category's years
after it was stored. :meth:`Archive.purge` removes the bytes of records past retention, all or
nothing: one record still under retention or under a legal hold refuses the whole purge with a
:class:`RetentionViolation` listing them. A purged record keeps its index entry (who, when).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from loanfactory.archive._model import (
    ArchiveCategory,
    ArchiveRecord,
    HoldScope,
    LegalHold,
    RetentionPolicy,
    RetentionViolation,
    TamperedRecord,
    category_of,
    default_filename,
    json_bytes,
    record_id,
)
from loanfactory.audit import verify_chain
from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import InvalidInput, NotFound
from loanfactory.ports import BlobStore, Clock, Store, Transaction

PUT = "archive.put"
LINK = "archive.link"
CLOSE = "archive.retention"
PURGE = "archive.purge"
HOLD = "archive.hold"
RELEASE = "archive.release"


class Archive:
    """The archive over ``store`` (records, holds) and ``blobs`` (bytes)."""

    def __init__(
        self,
        store: Store,
        blobs: BlobStore,
        clock: Clock,
        *,
        policy: RetentionPolicy | None = None,
        ids: IdFactory | None = None,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.clock = clock
        self.policy = policy or RetentionPolicy()
        self.ids = ids or UuidIds()

    # --- archiving ------------------------------------------------------------------------------

    def put(
        self,
        *,
        category: ArchiveCategory | str,
        subject: str,
        content: bytes | Mapping[str, Any] | Any,
        title: str = "",
        filename: str | None = None,
        media_type: str | None = None,
        customer_id: str | None = None,
        application_id: str | None = None,
        contract_id: str | None = None,
        loan_id: str | None = None,
        actor: str = "system",
    ) -> ArchiveRecord:
        """Archive ``content`` (bytes, or a value archived as canonical JSON); idempotent."""
        with self.store.transaction() as tx:
            return self.put_in(
                tx,
                category=category,
                subject=subject,
                content=content,
                title=title,
                filename=filename,
                media_type=media_type,
                customer_id=customer_id,
                application_id=application_id,
                contract_id=contract_id,
                loan_id=loan_id,
                actor=actor,
            )

    def put_in(
        self,
        tx: Transaction,
        *,
        category: ArchiveCategory | str,
        subject: str,
        content: bytes | Mapping[str, Any] | Any,
        title: str = "",
        filename: str | None = None,
        media_type: str | None = None,
        customer_id: str | None = None,
        application_id: str | None = None,
        contract_id: str | None = None,
        loan_id: str | None = None,
        actor: str = "system",
    ) -> ArchiveRecord:
        """:meth:`put` inside the caller's transaction (the archivist archives this way)."""
        kind = category_of(category)
        if isinstance(content, bytes | bytearray):
            data = bytes(content)
            media_type = media_type or "application/octet-stream"
        else:
            data = json_bytes(content)
            media_type = media_type or "application/json"
        if not subject or len(subject) > 200:
            raise InvalidInput("an archive subject has 1 to 200 characters", field="subject")
        key = self.blobs.put(data)
        id = record_id(kind, subject, key)
        existing = tx.repo(ArchiveRecord).find(id)
        if existing is not None:
            return existing
        now = self.clock.now()
        record = ArchiveRecord(
            id=id,
            category=kind,
            subject=subject,
            title=(title or f"{kind.zh} {subject}")[:200],
            filename=(filename or default_filename(kind, subject, media_type))[:200],
            media_type=media_type,
            size=len(data),
            sha256=key,
            customer_id=customer_id,
            application_id=application_id,
            contract_id=contract_id,
            loan_id=loan_id,
            stored_at=now,
            stored_by=actor,
            retain_until=None if loan_id else self.policy.until(kind, now.date()),
        )
        closed = self._closed_on(tx, loan_id)
        if closed is not None:  # archived after the loan closed: the clock already runs
            record = record.evolve(loan_closed_on=closed, retain_until=self.policy.until(kind, closed))
        stored = tx.repo(ArchiveRecord).add(record)
        tx.audit.append(
            actor=actor,
            action=PUT,
            subject=id,
            at=now,
            after={"sha256": key, "category": kind.value, "subject": subject, "size": len(data)},
        )
        return stored

    def _closed_on(self, tx: Transaction, loan_id: str | None) -> date | None:
        if loan_id is None:
            return None
        for record in tx.repo(ArchiveRecord).list(loan_id=loan_id):
            if record.loan_closed_on is not None:
                return record.loan_closed_on
        return None

    def link_loan(self, tx: Transaction, application_id: str, loan_id: str, contract_id: str | None) -> int:
        """Attach an application's records to the loan it became (retention follows the loan)."""
        linked = 0
        for record in tx.repo(ArchiveRecord).list(application_id=application_id):
            if record.loan_id == loan_id:
                continue
            tx.repo(ArchiveRecord).update(
                record.evolve(
                    loan_id=loan_id, contract_id=record.contract_id or contract_id, retain_until=None
                )
            )
            linked += 1
        if linked:
            tx.audit.append(
                actor="system",
                action=LINK,
                subject=f"application:{application_id}",
                at=self.clock.now(),
                after={"loan_id": loan_id, "records": linked},
            )
        return linked

    def close_loan(self, tx: Transaction, loan_id: str, closed_on: date) -> int:
        """Start the retention clock of a closed loan's records (settled or written off)."""
        changed = 0
        for record in tx.repo(ArchiveRecord).list(loan_id=loan_id):
            until = self.policy.until(record.category, closed_on)
            if record.loan_closed_on == closed_on and record.retain_until == until:
                continue
            tx.repo(ArchiveRecord).update(record.evolve(loan_closed_on=closed_on, retain_until=until))
            changed += 1
        if changed:
            tx.audit.append(
                actor="system",
                action=CLOSE,
                subject=f"loan:{loan_id}",
                at=self.clock.now(),
                after={"closed_on": closed_on, "records": changed},
            )
        return changed

    # --- reading --------------------------------------------------------------------------------

    def get(self, id: str) -> ArchiveRecord:
        with self.store.transaction() as tx:
            return tx.repo(ArchiveRecord).get(id)

    def find(
        self,
        *,
        customer_id: str | None = None,
        loan_id: str | None = None,
        application_id: str | None = None,
        category: ArchiveCategory | str | None = None,
        since: date | None = None,
        until: date | None = None,
        include_purged: bool = False,
    ) -> list[ArchiveRecord]:
        """Records of a customer, loan, application or category, stored within ``since``..``until``
        (inclusive, either may be open), oldest first. Name at least one of the four."""
        where: dict[str, Any] = {}
        for name, value in (
            ("customer_id", customer_id),
            ("loan_id", loan_id),
            ("application_id", application_id),
        ):
            if value is not None:
                where[name] = value
        if category is not None:
            where["category"] = category_of(category)
        if not where:
            raise InvalidInput(
                "name a customer, loan, application or category to look up",
                field="loan_id",
                message_zh="请指定客户、贷款、申请或档案类别",
            )
        if since is not None and until is not None and since > until:
            raise InvalidInput("'since' is after 'until'", field="since", message_zh="起始日期晚于结束日期")
        with self.store.transaction() as tx:
            found = tx.repo(ArchiveRecord).list(**where)
        kept = [
            r
            for r in found
            if (include_purged or not r.purged)
            and (since is None or r.stored_at.date() >= since)
            and (until is None or r.stored_at.date() <= until)
        ]
        return sorted(kept, key=lambda r: (r.stored_at, r.id))

    def content(self, id: str) -> bytes:
        """The archived bytes, checked against the record's digest (TamperedRecord otherwise)."""
        record = self.get(id)
        if record.purged:
            raise NotFound(f"archive record '{id}' was purged", field="id", message_zh=f"档案 '{id}' 已清除")
        return self._checked(record)

    def _checked(self, record: ArchiveRecord) -> bytes:
        try:
            data = self.blobs.get(record.sha256)
        except NotFound:
            raise TamperedRecord(
                f"the file of archive record '{record.id}' is missing",
                field="id",
                message_zh=f"档案 '{record.id}' 的文件缺失",
            ) from None
        if hashlib.sha256(data).hexdigest() != record.sha256:
            raise TamperedRecord(
                f"the file of archive record '{record.id}' was changed after it was archived",
                field="id",
                message_zh=f"档案 '{record.id}' 的文件在归档后被改动",
            )
        return data

    # --- tamper evidence ------------------------------------------------------------------------

    def verify(self, ids: Iterable[str] | None = None) -> list[str]:
        """Problems found (empty when intact): for each record, its bytes against its digest and
        its digest against the ``archive.put`` link of the audit chain; and the chain itself."""
        with self.store.transaction() as tx:
            chain = tx.audit.records()
            records = [tx.repo(ArchiveRecord).get(i) for i in ids] if ids is not None else _all_records(tx)
        problems: list[str] = []
        broken = verify_chain(chain)
        if broken is not None:
            problems.append(f"audit chain broken at record {broken.sequence}: {broken.reason}")
        put = {r.subject: (r.after or {}).get("sha256") for r in chain if r.action == PUT}
        for record in records:
            if put.get(record.id) != record.sha256:
                problems.append(f"{record.id}: its digest does not match the audit chain")
            if record.purged:
                continue
            try:
                self._checked(record)
            except TamperedRecord as exc:
                problems.append(f"{record.id}: {exc.message}")
        return problems

    # --- legal holds ----------------------------------------------------------------------------

    def place_hold(self, scope: HoldScope | str, target: str, *, reason: str, actor: str) -> LegalHold:
        """Stop every purge of what ``target`` names (a loan, customer or record id) until released."""
        try:
            kind = HoldScope(scope)
        except ValueError:
            raise InvalidInput(
                f"'{scope}' is not a hold scope (loan, customer, record)",
                field="scope",
                message_zh=f"'{scope}' 不是保全范围（loan、customer、record）",
            ) from None
        if not reason.strip():
            raise InvalidInput("a legal hold needs a reason", field="reason", message_zh="法律保全须说明原因")
        now = self.clock.now()
        with self.store.transaction() as tx:
            hold = tx.repo(LegalHold).add(
                LegalHold(
                    id=self.ids.new("hold"),
                    scope=kind,
                    target=target,
                    reason=reason,
                    placed_by=actor,
                    placed_at=now,
                )
            )
            tx.audit.append(
                actor=actor,
                action=HOLD,
                subject=hold.id,
                at=now,
                after={"scope": kind.value, "target": target, "reason": reason},
            )
            return hold

    def release_hold(self, hold_id: str, *, actor: str) -> LegalHold:
        now = self.clock.now()
        with self.store.transaction() as tx:
            hold = tx.repo(LegalHold).get(hold_id)
            if not hold.active:
                return hold
            released = tx.repo(LegalHold).update(
                hold.evolve(active=False, released_by=actor, released_at=now)
            )
            tx.audit.append(
                actor=actor, action=RELEASE, subject=hold_id, at=now, after={"target": hold.target}
            )
            return released

    def holds(self, *, active: bool = True) -> list[LegalHold]:
        with self.store.transaction() as tx:
            return tx.repo(LegalHold).list(active=active)

    # --- retention ------------------------------------------------------------------------------

    def expired(self, today: date, category: ArchiveCategory | str | None = None) -> list[ArchiveRecord]:
        """Records past retention, not purged and under no legal hold (what a purge may remove)."""
        with self.store.transaction() as tx:
            records = (
                tx.repo(ArchiveRecord).list(category=category_of(category))
                if category is not None
                else _all_records(tx)
            )
            holds = tx.repo(LegalHold).list(active=True)
        return sorted(
            (
                r
                for r in records
                if not r.purged and not r.under_retention(today) and not any(h.covers(r) for h in holds)
            ),
            key=lambda r: (r.retain_until or today, r.id),
        )

    def purge(self, ids: Iterable[str], *, today: date, actor: str) -> list[str]:
        """Remove the bytes of these records; all or nothing (see the module docstring)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        now = self.clock.now()
        with self.store.transaction() as tx:
            records = {i: tx.repo(ArchiveRecord).find(i) for i in wanted}
            missing = [i for i, r in records.items() if r is None]
            if missing:
                raise NotFound(f"no archive record(s): {', '.join(missing)}", field="ids")
            found = [r for r in records.values() if r is not None]
            holds = tx.repo(LegalHold).list(active=True)
            kept = [r for r in found if r.under_retention(today)]
            held = [r for r in found if r not in kept and any(h.covers(r) for h in holds)]
            if kept or held:
                raise RetentionViolation(kept, held)
            done: list[str] = []
            for record in found:
                if record.purged:
                    continue
                tx.repo(ArchiveRecord).update(record.evolve(purged_at=now, purged_by=actor))
                tx.audit.append(
                    actor=actor,
                    action=PURGE,
                    subject=record.id,
                    at=now,
                    before={"sha256": record.sha256, "retain_until": record.retain_until},
                )
                done.append(record.id)
            shared = {r.sha256 for r in _all_records(tx) if not r.purged}
        for record in found:
            if record.id in done and record.sha256 not in shared:
                self.blobs.delete(record.sha256)
        return done


def _all_records(tx: Transaction) -> list[ArchiveRecord]:
    repo = tx.repo(ArchiveRecord)
    return [r for category in ArchiveCategory for r in repo.list(category=category)]


__all__ = ["Archive"]
