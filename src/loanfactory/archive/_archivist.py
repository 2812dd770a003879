"""Archiving as things happen (自动归档): an observer of domain events, in their own transaction.

:class:`Archivist` is called with every domain event a command appends, inside the command's
transaction, and archives what the event finished: the application with its document files, the
decision trace, each manual review, the accepted offer, the contract text and every signature, the
disbursement, and the start of retention when a loan is settled or written off. Because it runs
in the same transaction, a command that rolls back leaves no archive record behind (a blob written
for it stays unreferenced: blobs are addressed by content and harmless). :class:`ObservedStore`
wraps a store so every transaction reports its events to the archivist; :class:`ArchivingNotifier`
wraps the notifier so every notice actually sent is archived with its delivery receipt.

The lender wires all three (``Lender(..., archive=Archive(...))``); nothing else needs to call the
archive for these kinds. Monthly credit-reporting files archive themselves when generated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from loanfactory.archive._archive import Archive
from loanfactory.archive._model import ArchiveCategory
from loanfactory.entity import DomainEvent
from loanfactory.ports import DeliveryReceipt, EventLog, Notification, Notifier, Store, Transaction

_LINKS = ("customer_id", "application_id", "contract_id", "loan_id")
"""The record fields an archive record is found by (and the entity fields that fill them)."""


class Archivist:
    """Maps finished commands to archive records (see the module docstring)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._handlers: dict[str, Callable[[Transaction, DomainEvent], None]] = {
            "application.submitted": self._application,
            "application.supplemented": self._application,
            "application.assessed": self._decisions,
            "review.approve": self._review,
            "review.reject": self._review,
            "review.return": self._review,
            "offer.accept": self._offer,
            "contract.drafted": self._contract,
            "contract.sign": self._signatures,
            "loan.disbursed": self._disbursed,
            "loan.settled": self._closed,
            "loan.write_off": self._closed,
        }

    def __call__(self, tx: Transaction, event: DomainEvent) -> None:
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(tx, event)

    def _keep(
        self,
        tx: Transaction,
        category: ArchiveCategory,
        subject: str,
        content: Any,
        title: str,
        *,
        about: Any = None,
        actor: str = "system",
        media_type: str | None = None,
        filename: str | None = None,
        **links: str | None,
    ) -> None:
        """Archive ``content`` linked to the customer, application, contract and loan that
        ``about`` names (its ``customer_id`` ... fields), ``links`` overriding or adding to them."""
        named = {name: getattr(about, name, None) for name in _LINKS}
        named.update({name: value for name, value in links.items() if value is not None})
        self.archive.put_in(
            tx,
            category=category,
            subject=subject,
            content=content,
            title=title,
            media_type=media_type,
            filename=filename,
            actor=actor,
            **named,
        )

    def receive_document(self, application_id: str, data: bytes, *, actor: str = "system") -> Any:
        """Archive a document file of an application after it was submitted; the bytes must hash
        to one of the documents the application declared (InvalidInput otherwise)."""
        import hashlib

        from loanfactory.errors import InvalidInput
        from loanfactory.origination import Application

        digest = hashlib.sha256(data).hexdigest()
        with self.archive.store.transaction() as tx:
            application = tx.repo(Application).get(application_id)
            declared = {d.sha256: d for d in application.documents}
            document = declared.get(digest)
            if document is None:
                raise InvalidInput(
                    "the file is not one of the application's declared documents (its SHA-256 differs)",
                    field="document",
                    message_zh="该文件不是申请中登记的证明材料（SHA-256 不一致）",
                )
            self.archive.blobs.put(data)
            self._document(tx, application.id, application.customer_id, document.kind.value, digest)
            return self.archive.find(application_id=application_id, category=ArchiveCategory.document)

    # --- origination ----------------------------------------------------------------------------

    def _application(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.origination import Application

        application = tx.repo(Application).get(event.subject)
        self._keep(
            tx,
            ArchiveCategory.application,
            application.id,
            application,
            f"申请 {application.id}（{application.product_code}）",
            about=application,
            application_id=application.id,
            actor=event.actor,
        )
        for document in application.documents:
            if not self.archive.blobs.exists(document.sha256):
                continue  # the file has not been received yet (Archive.receive_document adds it)
            self._document(tx, application.id, application.customer_id, document.kind.value, document.sha256)

    def _document(self, tx: Transaction, application_id: str, customer_id: str, kind: str, sha: str) -> None:
        data = self.archive.blobs.get(sha)
        self._keep(
            tx,
            ArchiveCategory.document,
            f"{application_id}:{kind}",
            data,
            f"证明材料 {kind}",
            customer_id=customer_id,
            application_id=application_id,
        )

    def _decisions(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.origination import Application, DecisionRecord

        application = tx.repo(Application).get(event.subject)
        records = tx.repo(DecisionRecord).list(application_id=application.id)
        if not records:
            return
        self._keep(
            tx,
            ArchiveCategory.decision,
            application.id,
            {"application_id": application.id, "steps": [r.model_dump(mode="json") for r in records]},
            f"审批决策轨迹 {application.id}",
            about=application,
            application_id=application.id,
            actor=event.actor,
        )

    def _review(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.origination import Application, ReviewTask

        task = tx.repo(ReviewTask).get(event.subject)
        self._keep(
            tx,
            ArchiveCategory.review,
            task.id,
            task,
            f"人工审核 {task.stage.value} {task.id}",
            about=task,
            actor=event.actor,
        )
        application = tx.repo(Application).find(task.application_id)
        if application is not None:
            self._decisions(tx, event.model_copy(update={"subject": application.id}))

    def _offer(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.origination import Offer

        offer = tx.repo(Offer).get(event.subject)
        title = f"已接受的报价 {offer.id}"
        self._keep(tx, ArchiveCategory.decision, offer.id, offer, title, about=offer, actor=event.actor)

    # --- servicing ------------------------------------------------------------------------------

    def _contract(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.origination import Offer
        from loanfactory.servicing import Contract, Loan

        contract = tx.repo(Contract).get(event.subject)
        loan = tx.repo(Loan).get(contract.loan_id)
        application_id = None
        if loan.offer_id is not None:
            offer = tx.repo(Offer).find(loan.offer_id)
            if offer is not None:
                application_id = offer.application_id
                self.archive.link_loan(tx, application_id, loan.id, contract.id)
        self._keep(
            tx,
            ArchiveCategory.contract,
            contract.id,
            contract.body.encode(),
            f"借款合同 {contract.id}",
            about=contract,
            media_type="text/plain",
            filename=f"contract-{contract.id}.{contract.language}.txt",
            application_id=application_id,
            contract_id=contract.id,
            loan_id=loan.id,
            actor=event.actor,
        )

    def _signatures(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.servicing import Contract

        contract = tx.repo(Contract).get(event.subject)
        self._keep(
            tx,
            ArchiveCategory.signature,
            contract.id,
            {
                "contract_id": contract.id,
                "sha256": contract.sha256,
                "status": contract.status.value,
                "signatures": [s.model_dump(mode="json") for s in contract.signatures],
            },
            f"签署记录 {contract.id}（{len(contract.signatures)} 方）",
            about=contract,
            contract_id=contract.id,
            actor=event.actor,
        )

    def _disbursed(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.servicing import Disbursement, Loan

        order = tx.repo(Disbursement).get(str(event.payload["disbursement"]))
        loan = tx.repo(Loan).get(event.subject)
        self._keep(
            tx, ArchiveCategory.disbursement, order.id, order, f"放款 {order.id}", about=loan, loan_id=loan.id
        )

    def _closed(self, tx: Transaction, event: DomainEvent) -> None:
        from loanfactory.servicing import Loan

        loan = tx.repo(Loan).get(event.subject)
        if loan.closed_on is not None:
            self.archive.close_loan(tx, loan.id, loan.closed_on)


class _ObservedEvents:
    def __init__(
        self, inner: EventLog, tx: Transaction, observer: Callable[[Transaction, DomainEvent], None]
    ):
        self._inner = inner
        self._tx = tx
        self._observer = observer

    def append(self, event: DomainEvent) -> None:
        self._inner.append(event)
        self._observer(self._tx, event)

    def by_key(self, idempotency_key: str) -> DomainEvent | None:
        return self._inner.by_key(idempotency_key)

    def for_subject(self, subject: str) -> list[DomainEvent]:
        return self._inner.for_subject(subject)


class _ObservedTransaction:
    """A transaction whose event log reports each appended event to the observer."""

    def __init__(self, inner: Any, observer: Callable[[Transaction, DomainEvent], None]) -> None:
        self._inner = inner
        self.events = _ObservedEvents(inner.events, inner, observer)

    @property
    def ledger(self) -> Any:
        return self._inner.ledger

    @property
    def outbox(self) -> Any:
        return self._inner.outbox

    @property
    def audit(self) -> Any:
        return self._inner.audit

    def repo(self, kind: Any) -> Any:
        return self._inner.repo(kind)

    def __getattr__(self, name: str) -> Any:  # a store's extras (the SQL store's inbox, catalog ...)
        return getattr(self._inner, name)


class ObservedStore:
    """``store`` with every appended domain event passed to ``observer`` in its transaction."""

    def __init__(self, store: Store, observer: Callable[[Transaction, DomainEvent], None]) -> None:
        self.store = store
        self._observer = observer

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.store.transaction() as tx:
            yield _ObservedTransaction(tx, self._observer)

    def __getattr__(self, name: str) -> Any:  # audit_head, dispose, ... of the wrapped store
        return getattr(self.store, name)

    def __repr__(self) -> str:
        return f"ObservedStore({self.store!r})"


class ArchivingNotifier:
    """A notifier that archives every notice it sends, with the delivery receipt (已发送通知留档)."""

    def __init__(self, inner: Notifier, archive: Archive) -> None:
        self.inner = inner
        self.archive = archive

    def send(self, notification: Notification) -> DeliveryReceipt:
        receipt = self.inner.send(notification)
        loan_id = notification.data.get("loan_id")
        customer = None if notification.channel.value == "staff" else notification.recipient
        self.archive.put(
            category=ArchiveCategory.notice,
            subject=notification.id,
            content={
                "notification": notification.model_dump(mode="json"),
                "receipt": receipt.model_dump(mode="json"),
                "sent_at": self.archive.clock.now().isoformat(),
            },
            title=f"通知 {notification.template}（{'已送达' if receipt.delivered else '未送达'}）",
            customer_id=customer,
            loan_id=str(loan_id) if loan_id else None,
        )
        return receipt


__all__ = ["ArchivingNotifier", "Archivist", "ObservedStore"]
