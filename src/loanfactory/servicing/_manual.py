"""Manual postings (手工入账与冲正): offline payments and reversals by operations staff, four-eyes.

Money that reaches the lender outside the payment system — paid at a branch counter (柜台) or
transferred into the lender's account (转账) — is posted by an operations user with the bank's
external reference (流水号/回单号); so is the reversal of a credited payment (冲正), e.g. when the
bank recalls a transfer. The rules are the same for both:

- only a user of an operations role (``ServicingConfig.operations_roles``) may post
  (``NotPermitted`` otherwise);
- the external reference is unique: the record's id follows from the kind, the channel and the
  reference, so a reference is posted once (a rejected one may be submitted again);
- above ``ServicingConfig.four_eyes_above`` the posting waits (``pending``) until a second
  operations user approves it (双人复核); the maker never approves or rejects their own posting.

An approved payment is credited through the one receipt path (:meth:`ReceiptOps.credit`), a
reversal through :meth:`ReversalOps.reverse_in`; every command is a link of the audit chain.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Channel, LedgerEntryRecord, PaymentChannel, PaymentConfirmation, Transaction
from loanfactory.servicing._ledger import reversed_ids
from loanfactory.servicing._records import CollectionPurpose, ManualKind, ManualPosting, ManualStatus
from loanfactory.servicing._repayment import _positive
from loanfactory.servicing._reversal import ReversalOps, reversible

_REFERENCE = re.compile(r"^[\x21-\x7e]{1,100}$")
OFFLINE = (PaymentChannel.counter, PaymentChannel.bank_transfer)


@dataclass(frozen=True, slots=True)
class Operator:
    """Who does a manual posting: a user and their role (经办人/复核人)."""

    user: str
    role: str


class ManualOps(ReversalOps):
    """Offline payments and reversals, posted by operations staff under four-eyes."""

    def post_offline_payment(
        self,
        loan_id: str,
        amount: Decimal,
        *,
        reference: str,
        channel: PaymentChannel,
        received_on: date,
        operator: Operator,
        key: str,
        memo: str = "",
    ) -> ManualPosting:
        """Post money received at the counter or by transfer (线下收款入账).

        Credited at once up to the four-eyes amount; above it the posting waits for a second
        operations user (:meth:`approve_posting`).
        """
        self._check_operator(operator)
        _positive(amount)
        _check_reference(reference)
        if channel not in OFFLINE:
            raise InvalidInput(
                f"an offline payment comes by {' or '.join(c.value for c in OFFLINE)}, not {channel.value}",
                field="channel",
                message_zh="线下收款渠道只能是柜台或转账",
            )

        def body(tx: Transaction) -> tuple[str, ManualPosting]:
            loan = self.loan_in(tx, loan_id, lock=True)
            before = loan.start is not None and received_on < loan.start
            if received_on > self.clock.today() or before:
                raise InvalidInput(
                    f"money received on {received_on} must be between the value date and today",
                    field="received_on",
                    code="before-value-date" if before else None,
                    message_zh=f"到账日期 {received_on} 应在起息日与今天之间",
                )
            record = ManualPosting(
                id=manual_id(ManualKind.payment, channel, reference),
                loan_id=loan_id,
                posting=ManualKind.payment,
                channel=channel,
                reference=reference,
                amount=amount,
                value_date=received_on,
                reason=memo,
                maker=operator.user,
                requested_at=self.clock.now(),
            )
            return loan_id, self._submit(tx, record)

        return self.run(
            name="loan.offline_payment",
            key=key,
            arguments={
                "loan": loan_id,
                "amount": amount,
                "reference": reference,
                "channel": channel.value,
                "received_on": received_on,
                "memo": memo,
            },
            result_type=ManualPosting,
            body=body,
            actor=operator.user,
            audit=True,
        )

    def reverse_payment(
        self,
        loan_id: str,
        entry_id: str,
        *,
        reference: str,
        reason: str,
        operator: Operator,
        key: str,
    ) -> ManualPosting:
        """Reverse a credited payment (冲正) — e.g. a transfer the bank recalled — and re-process what
        followed it; ``reference`` is the bank's notice of it. Four-eyes above the configured amount."""
        self._check_operator(operator)
        _check_reference(reference)
        if not reason.strip():
            raise InvalidInput(
                "give the reason for the reversal", field="reason", message_zh="请填写冲正原因"
            )

        def body(tx: Transaction) -> tuple[str, ManualPosting]:
            loan = self.loan_in(tx, loan_id, lock=True)
            original = reversible(tx.ledger.entries(loan.id), loan_id, entry_id)
            channel = PaymentChannel(original.data.get("channel", PaymentChannel.bank_transfer.value))
            record = ManualPosting(
                id=manual_id(ManualKind.reversal, channel, reference),
                loan_id=loan_id,
                posting=ManualKind.reversal,
                channel=channel,
                reference=reference,
                amount=original.amount,
                value_date=original.business_date,
                entry_id=original.id,
                reason=reason,
                maker=operator.user,
                requested_at=self.clock.now(),
            )
            return loan_id, self._submit(tx, record)

        return self.run(
            name="loan.reverse",
            key=key,
            arguments={"loan": loan_id, "entry": entry_id, "reference": reference, "reason": reason},
            result_type=ManualPosting,
            body=body,
            actor=operator.user,
            audit=True,
        )

    def approve_posting(self, posting_id: str, *, operator: Operator, key: str) -> ManualPosting:
        """A second operations user approves a pending posting, which is posted now (复核通过)."""
        self._check_operator(operator)

        def body(tx: Transaction) -> tuple[str, ManualPosting]:
            record = self._pending(tx, posting_id, operator)
            return record.loan_id, self._post(tx, record, checker=operator.user)

        return self.run(
            name="loan.approve_posting",
            key=key,
            arguments={"posting": posting_id},
            result_type=ManualPosting,
            body=body,
            actor=operator.user,
            audit=True,
        )

    def reject_posting(self, posting_id: str, *, operator: Operator, reason: str, key: str) -> ManualPosting:
        """A second operations user rejects a pending posting (复核驳回); nothing is posted."""
        self._check_operator(operator)
        if not reason.strip():
            raise InvalidInput("give the reason for rejecting", field="reason", message_zh="请填写驳回原因")

        def body(tx: Transaction) -> tuple[str, ManualPosting]:
            record = self._pending(tx, posting_id, operator)
            rejected = tx.repo(ManualPosting).update(
                record.evolve(
                    status=ManualStatus.rejected,
                    checker=operator.user,
                    decided_at=self.clock.now(),
                    reason=f"{record.reason}; rejected: {reason}" if record.reason else f"rejected: {reason}",
                )
            )
            return record.loan_id, rejected

        return self.run(
            name="loan.reject_posting",
            key=key,
            arguments={"posting": posting_id, "reason": reason},
            result_type=ManualPosting,
            body=body,
            actor=operator.user,
            audit=True,
        )

    def manual_postings(
        self, *, status: ManualStatus | None = None, loan_id: str | None = None
    ) -> list[ManualPosting]:
        """Manual postings, e.g. those waiting for a second user (``status=pending``)."""
        where: dict[str, str] = {}
        if status is not None:
            where["status"] = status.value
        if loan_id is not None:
            where["loan_id"] = loan_id
        with self.store.transaction() as tx:
            return tx.repo(ManualPosting).list(**where)

    # --- inside a transaction -------------------------------------------------------------------

    def _check_operator(self, operator: Operator) -> None:
        if not operator.user.strip() or operator.role not in self.config.operations_roles:
            raise NotPermitted(
                f"only {', '.join(self.config.operations_roles)} staff post offline payments and reversals",
                field="operator",
                message_zh="只有运营人员可以办理线下入账和冲正",
            )

    def _submit(self, tx: Transaction, record: ManualPosting) -> ManualPosting:
        """Store a new posting (or one rejected before, submitted again); post it now unless
        it needs a second user."""
        repo = tx.repo(ManualPosting)
        earlier = repo.find(record.id)
        if earlier is None:
            stored = repo.add(record)
        elif earlier.status is ManualStatus.rejected:
            stored = repo.update(record.model_copy(update={"version": earlier.version}))
        else:
            raise StateConflict(
                f"reference '{record.reference}' was already posted ({earlier.status.value})",
                field="reference",
                code="reference-used",
                message_zh=f"流水号 '{record.reference}' 已登记，不能重复入账",
            )
        if record.amount <= self.config.four_eyes_above:
            return self._post(tx, stored, checker=None)
        what = "线下收款入账" if record.posting is ManualKind.payment else "冲正"
        self.notify(
            tx,
            recipient=self.config.operations_roles[0],
            template="posting_review",
            channel=Channel.staff,
            body=f"贷款 {record.loan_id} 的{what} {format_money(record.amount)} 元"
            f"（流水号 {record.reference}）待复核，经办人 {record.maker}。",
            dedup_key=f"posting-review:{record.id}:{stored.version}",
            data={
                "posting": record.id,
                "loan_id": record.loan_id,
                "kind": record.posting.value,
                "amount": format_money(record.amount),
                "reference": record.reference,
                "maker": record.maker,
            },
        )
        return stored

    def _pending(self, tx: Transaction, posting_id: str, operator: Operator) -> ManualPosting:
        record = tx.repo(ManualPosting).lock(posting_id)
        if record.status is not ManualStatus.pending:
            raise StateConflict(
                f"posting {posting_id} is {record.status.value}",
                field="posting_id",
                code="not-pending",
                message_zh=f"手工记账 {posting_id} 状态为 {record.status.value}，无需复核",
            )
        if operator.user == record.maker:
            raise NotPermitted(
                "a second person approves or rejects a posting; the maker cannot",
                field="operator",
                code="four-eyes",
                message_zh="经办人不能复核自己的记账，须由另一名运营人员复核",
            )
        return record

    def _post(self, tx: Transaction, record: ManualPosting, *, checker: str | None) -> ManualPosting:
        if record.posting is ManualKind.payment:
            confirmation = PaymentConfirmation(
                channel=record.channel,
                reference=record.reference,
                amount=record.amount,
                settled_on=record.value_date,
                confirmed_by=record.maker if checker is None else f"{record.maker}+{checker}",
            )
            order = self.receipt_order(
                tx, record.loan_id, confirmation, purpose=CollectionPurpose.repayment, by=record.maker
            )
            result = self.credit(tx, order, confirmation)
            record = record.evolve(order_id=order.id, entry_id=result.entry_id)
        else:
            assert record.entry_id is not None
            entry_id = current(tx.ledger.entries(record.loan_id), record.entry_id)
            reversal = self.reverse_in(tx, record.loan_id, entry_id, key=record.id, reason=record.reason)
            record = record.evolve(reversal=reversal)
        return tx.repo(ManualPosting).update(
            record.evolve(status=ManualStatus.posted, checker=checker, decided_at=self.clock.now())
        )


def current(entries: list[LedgerEntryRecord], entry_id: str) -> str:
    """The live posting of a payment: itself, or — when a reversal of an earlier payment replayed
    it while this reversal waited for approval — the posting that replays it."""
    replays = {e.data["replays"]: e.id for e in entries if e.data.get("replays")}
    gone = reversed_ids(entries)
    while entry_id in gone and entry_id in replays:
        entry_id = replays[entry_id]
    return entry_id


def manual_id(kind: ManualKind, channel: PaymentChannel, reference: str) -> str:
    """The id of the manual posting of ``reference``: one posting per kind, channel and reference."""
    digest = hashlib.sha256(f"{kind.value}\n{channel.value}\n{reference}".encode()).hexdigest()
    return f"man_{digest[:32]}"


def _check_reference(reference: str) -> None:
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        raise InvalidInput(
            "the external reference is 1-100 visible ASCII characters (the bank's serial number)",
            field="reference",
            message_zh="外部流水号应为 1-100 个可见 ASCII 字符（银行流水号或回单号）",
        )
