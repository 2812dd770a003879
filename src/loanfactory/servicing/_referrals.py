"""Delivering 90+ day actions to outside parties (严重逾期处置的外部交付): collection agencies,
the court, the auction house.

The end of day writes an outbox message on topic ``collection`` for each referral of an overdue
tier (``outsourced-collection``, ``litigation``, ``collateral-disposal``, see
:mod:`loanfactory.overdue_actions`). :func:`deliver_referrals` hands each to the
:class:`~loanfactory.ports.CaseRecipient` configured for its action, with the document that
action needs, and marks it delivered with the recipient's reference:

- ``outsourced-collection`` — the assignment export (委外催收分案清单), a CSV row per loan: the
  loan, the customer, days past due, overdue principal, interest, penalty and fee, the principal
  outstanding and the assignment date;
- ``litigation`` — the case file (诉讼材料包), a zip of the signed contract text, the posting
  schedule, the ledger, the loan's recorded events (reminders, notices, collection actions, with
  their times) and a summary;
- ``collateral-disposal`` — the disposal request (押品处置申请) as JSON. The proceeds come back
  as money confirmed by the bank and are credited with :func:`._receipts.repay` like any other receipt, so
  they are allocated to the loan by its waterfall.

A recipient that fails leaves the message pending (its error recorded) for the next run.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from loanfactory.money import format_money
from loanfactory.ports import CaseRecipient, OutboxMessage, Transaction
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._loan import Component, Loan
from loanfactory.servicing._records import Contract, ContractStatus

ZERO = Decimal(0)
TOPIC = "collection"
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed entry times: the same case file is the same bytes


def deliver_referrals(ctx: Context, recipients: Mapping[str, CaseRecipient], *, limit: int = 10_000) -> int:
    """Deliver waiting referrals whose action has a recipient; the number delivered."""
    with ctx.store.transaction() as tx:
        waiting = [m for m in tx.outbox.pending(limit) if m.topic == TOPIC]
    delivered = 0
    for message in waiting:
        action = str(message.payload.get("action", ""))
        recipient = recipients.get(action)
        if recipient is None:
            continue
        with ctx.store.transaction() as tx:
            name, content, media = referral_document(ctx, tx, message)
            try:
                reference = recipient.deliver(
                    action=action,
                    loan_id=str(message.payload["loan_id"]),
                    name=name,
                    content=content,
                    media_type=media,
                )
            except Exception as exc:
                tx.outbox.mark_failed(message.id, f"{type(exc).__name__}: {exc}")
                continue
            tx.outbox.mark_delivered(message.id, ctx.clock.now())
            ctx.emit(
                tx,
                "referral.delivered",
                str(message.payload["loan_id"]),
                action=action,
                reference=reference,
            )
            delivered += 1
    return delivered


def referral_document(ctx: Context, tx: Transaction, message: OutboxMessage) -> tuple[str, bytes, str]:
    """(file name, content, media type) of what a referral message delivers."""
    loan = loan_in(tx, str(message.payload["loan_id"]))
    action = str(message.payload.get("action", ""))
    on = str(message.payload.get("on", ""))
    if action == "litigation":
        return f"case-{loan.id}-{on}.zip", case_file(ctx, tx, loan), "application/zip"
    if action == "outsourced-collection":
        return f"assignment-{loan.id}-{on}.csv", _assignment(ctx, tx, loan, message), "text/csv"
    principal = position_in(tx, loan, ctx.clock.today()).principal
    body = {**message.payload, "principal_outstanding": format_money(principal)}
    return (
        f"{action}-{loan.id}-{on}.json",
        json.dumps(body, ensure_ascii=False).encode(),
        "application/json",
    )


def case_file(ctx: Context, tx: Transaction, loan: Loan) -> bytes:
    """The litigation case file of the loan as a zip (诉讼材料包)."""
    contracts = [c for c in tx.repo(Contract).list(loan_id=loan.id) if c.status is ContractStatus.signed]
    entries = tx.ledger.entries(loan.id)
    events = tx.events.for_subject(loan.id)
    position = position_in(tx, loan, ctx.clock.today())
    files: dict[str, str] = {
        "contract.txt": "\n\n".join(c.body for c in contracts),
        "schedule.csv": _csv(
            ("number", "due_date", "principal", "interest", "fee", "total", "balance"),
            [
                (r.number, r.due_date, r.principal, r.interest, r.fee, r.total, r.balance)
                for r in loan.schedule
            ],
        ),
        "ledger.csv": _csv(
            (
                "id",
                "business_date",
                "type",
                "amount",
                "principal",
                "interest",
                "penalty",
                "fee",
                "credit",
            ),
            [
                (
                    e.id,
                    e.business_date,
                    e.type,
                    e.amount,
                    e.principal,
                    e.interest,
                    e.penalty,
                    e.fee,
                    e.credit,
                )
                for e in entries
            ],
        ),
        "events.csv": _csv(
            ("at", "type", "actor", "details"),
            [
                (
                    e.at.isoformat(),
                    e.type,
                    e.actor,
                    json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
                )
                for e in events
            ],
        ),
        "summary.json": json.dumps(
            {
                "loan_id": loan.id,
                "customer_id": loan.customer_id,
                "contract_ids": [c.id for c in contracts],
                "contract_sha256": [c.sha256 for c in contracts],
                "amount": format_money(loan.amount),
                "principal_outstanding": format_money(position.principal),
                "interest_due": format_money(position.interest),
                "penalty_due": format_money(position.penalty),
                "fee_due": format_money(position.fee),
                "days_past_due": loan.days_past_due,
                "as_of": ctx.clock.today().isoformat(),
            },
            ensure_ascii=False,
            indent=2,
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), text.encode("utf-8"))
    return buffer.getvalue()


def _assignment(ctx: Context, tx: Transaction, loan: Loan, message: OutboxMessage) -> bytes:
    position = position_in(tx, loan, ctx.clock.today())
    overdue = {c: position.overdue(ctx.clock.today() + timedelta(days=1), c) for c in Component}
    row = (
        loan.id,
        loan.customer_id,
        loan.contract_id or "",
        message.payload.get("days_past_due", loan.days_past_due),
        format_money(overdue[Component.principal]),
        format_money(overdue[Component.interest]),
        format_money(position.penalty),
        format_money(overdue[Component.fee]),
        format_money(position.principal),
        message.payload.get("on", ""),
    )
    header = (
        "loan_id",
        "customer_id",
        "contract_id",
        "days_past_due",
        "overdue_principal",
        "overdue_interest",
        "penalty",
        "overdue_fee",
        "principal_outstanding",
        "assigned_on",
    )
    return _csv(header, [row]).encode("utf-8")


def _csv(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([format(v, "f") if isinstance(v, Decimal) else v for v in row])
    return out.getvalue()
