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

An approved payment is credited through the one receipt path (:func:`._receipts.credit`), a
reversal through :func:`._reversal.reverse_in`; every command is a link of the audit chain.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Channel, LedgerEntryRecord, PaymentChannel, PaymentConfirmation, Transaction
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._four_eyes import Duty, Operator, command, reject
from loanfactory.servicing._ledger import reversed_ids
from loanfactory.servicing._receipts import credit, receipt_order
from loanfactory.servicing._records import CollectionPurpose, ManualKind, ManualPosting, ManualStatus
from loanfactory.servicing._repayment import _positive
from loanfactory.servicing._reversal import reverse_in, reversible

_REFERENCE = re.compile(r"^[\x21-\x7e]{1,100}$")
OFFLINE = (PaymentChannel.counter, PaymentChannel.bank_transfer)


POSTING = Duty(
    refused="post offline payments and reversals",
    refused_zh="只有运营人员可以办理线下入账和冲正",
    field="posting_id",
    record="posting",
    record_zh="手工记账",
    undecided_zh="无需复核",
    own_zh="经办人不能复核自己的记账，须由另一名运营人员复核",
)


def post_offline_payment(
    ctx: Context,
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
    operations user (:func:`approve_posting`).
    """
    POSTING.check(operator, ctx.config.operations_roles)
    _positive(amount)
    _check_reference(reference)
    if channel not in OFFLINE:
        raise InvalidInput(
            f"an offline payment comes by {' or '.join(c.value for c in OFFLINE)}, not {channel.value}",
            field="channel",
            message_zh="线下收款渠道只能是柜台或转账",
        )

    def body(tx: Transaction) -> tuple[str, ManualPosting]:
        loan = loan_in(tx, loan_id, lock=True)
        before = loan.start is not None and received_on < loan.start
        if received_on > ctx.clock.today() or before:
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
            requested_at=ctx.clock.now(),
        )
        return loan_id, _submit(ctx, tx, record)

    return command(
        ctx,
        operator,
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
    )


def reverse_payment(
    ctx: Context,
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
    POSTING.check(operator, ctx.config.operations_roles)
    _check_reference(reference)
    if not reason.strip():
        raise InvalidInput("give the reason for the reversal", field="reason", message_zh="请填写冲正原因")

    def body(tx: Transaction) -> tuple[str, ManualPosting]:
        loan = loan_in(tx, loan_id, lock=True)
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
            requested_at=ctx.clock.now(),
        )
        return loan_id, _submit(ctx, tx, record)

    return command(
        ctx,
        operator,
        name="loan.reverse",
        key=key,
        arguments={"loan": loan_id, "entry": entry_id, "reference": reference, "reason": reason},
        result_type=ManualPosting,
        body=body,
    )


def approve_posting(ctx: Context, posting_id: str, *, operator: Operator, key: str) -> ManualPosting:
    """A second operations user approves a pending posting, which is posted now (复核通过)."""
    POSTING.check(operator, ctx.config.operations_roles)

    def body(tx: Transaction) -> tuple[str, ManualPosting]:
        record = POSTING.pending(tx, ManualPosting, posting_id, operator)
        return record.loan_id, _post(ctx, tx, record, checker=operator.user)

    return command(
        ctx,
        operator,
        name="loan.approve_posting",
        key=key,
        arguments={"posting": posting_id},
        result_type=ManualPosting,
        body=body,
    )


def reject_posting(
    ctx: Context, posting_id: str, *, operator: Operator, reason: str, key: str
) -> ManualPosting:
    """A second operations user rejects a pending posting (复核驳回); nothing is posted."""

    def noted(record: ManualPosting) -> dict[str, str]:
        return {"reason": f"{record.reason}; rejected: {reason}" if record.reason else f"rejected: {reason}"}

    return reject(
        ctx,
        POSTING,
        ManualPosting,
        posting_id,
        operator=operator,
        roles=ctx.config.operations_roles,
        reason=reason,
        key=key,
        name="loan.reject_posting",
        arguments={"posting": posting_id, "reason": reason},
        noted=noted,
    )


def manual_postings(
    ctx: Context, *, status: ManualStatus | None = None, loan_id: str | None = None
) -> list[ManualPosting]:
    """Manual postings, e.g. those waiting for a second user (``status=pending``)."""
    where: dict[str, str] = {}
    if status is not None:
        where["status"] = status.value
    if loan_id is not None:
        where["loan_id"] = loan_id
    with ctx.store.transaction() as tx:
        return tx.repo(ManualPosting).list(**where)


# --- inside a transaction -------------------------------------------------------------------


def _submit(ctx: Context, tx: Transaction, record: ManualPosting) -> ManualPosting:
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
    if record.amount <= ctx.config.four_eyes_above:
        return _post(ctx, tx, stored, checker=None)
    what = "线下收款入账" if record.posting is ManualKind.payment else "冲正"
    ctx.notify(
        tx,
        recipient=ctx.config.operations_roles[0],
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


def _post(ctx: Context, tx: Transaction, record: ManualPosting, *, checker: str | None) -> ManualPosting:
    if record.posting is ManualKind.payment:
        confirmation = PaymentConfirmation(
            channel=record.channel,
            reference=record.reference,
            amount=record.amount,
            settled_on=record.value_date,
            confirmed_by=record.maker if checker is None else f"{record.maker}+{checker}",
        )
        order = receipt_order(
            ctx, tx, record.loan_id, confirmation, purpose=CollectionPurpose.repayment, by=record.maker
        )
        result = credit(ctx, tx, order, confirmation)
        record = record.evolve(order_id=order.id, entry_id=result.entry_id)
    else:
        assert record.entry_id is not None
        entry_id = current(tx.ledger.entries(record.loan_id), record.entry_id)
        reversal = reverse_in(ctx, tx, record.loan_id, entry_id, key=record.id, reason=record.reason)
        record = record.evolve(reversal=reversal)
    return tx.repo(ManualPosting).update(
        record.evolve(status=ManualStatus.posted, checker=checker, decided_at=ctx.clock.now())
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
