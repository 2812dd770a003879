"""Disbursement (放款管理): single and staged payouts through the payment gateway, idempotent by key.

A payout is a :class:`~loanfactory.servicing.Disbursement` record plus a payment instruction in the
outbox, written in one transaction together with the credit-line occupation. The relay
(:func:`._payments.relay_payments`) submits instructions; answers — immediate, polled after a
timeout, or delivered (possibly twice) by callback — all go through
:func:`._payments.apply_payment_result`, which acts on the first final answer only.

Money goes only where the evidence says it may: the loan names the verified payout account
(:class:`~loanfactory.payout.PayoutAccount`) that its account is, or — under entrusted payment
— the verified account of its payee; a payout to anything else is refused before any order
exists. Which tranche, and how much, follows the product's milestones (:mod:`._tranches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from loanfactory.entity import CST
from loanfactory.errors import LoanfactoryError, StateConflict
from loanfactory.lpr import LprSeries
from loanfactory.money import format_money
from loanfactory.payout import AccountOwner, PayoutAccount
from loanfactory.pii import mask_bank_card as mask_account
from loanfactory.ports import (
    Channel,
    ConcurrentUpdate,
    PaymentDirection,
    PaymentInstruction,
    PaymentResult,
    PaymentStatus,
    Transaction,
)
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._debits import queue_debit, queue_payment
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Component, Loan, LoanStatus
from loanfactory.servicing._position import EntryType, Position
from loanfactory.servicing._records import Disbursement, OrderStatus
from loanfactory.servicing._terms import contract_rows, respread
from loanfactory.servicing._tranches import Commitment, next_tranche
from loanfactory.servicing._tranches import commitment as commitment_of
from loanfactory.spec import ProductSpec
from loanfactory.terms import dated


def disburse(
    ctx: Context,
    loan_id: str,
    *,
    key: str,
    milestone: str | None = None,
    tranche: int | None = None,
    amount: Decimal | None = None,
    evidence: tuple[str, ...] = (),
    actor: str = "system",
) -> Disbursement:
    """Order the payout of a signed loan, or of one tranche (放款申请).

    A staged loan names the tranche by ``milestone`` id or ``tranche`` number (the next one in
    the product's order) and may draw less than the milestones allow (``amount``); a loan paid
    in one amount takes no milestone, and an ``amount`` must be the whole loan.
    """

    def body(tx: Transaction) -> tuple[str, Disbursement]:
        loan = loan_in(tx, loan_id, lock=True)
        product = ctx.product(loan.product_code)
        orders = tx.repo(Disbursement).list(loan_id=loan_id)
        number, amount_now, stage = next_tranche(
            product, loan, orders, milestone=milestone, tranche=tranche, amount=amount, evidence=evidence
        )
        _check_use(product, loan)
        entrusted = product.disbursement.entrusted_payment_above
        to_payee = loan.payee is not None and (entrusted is None or amount_now > entrusted)
        if entrusted is not None and amount_now > entrusted and loan.payee is None:
            raise StateConflict(
                f"payouts above {format_money(entrusted)} go to the seller (entrusted payment); "
                "the loan has no payee",
                field="payee",
                code="entrusted-payment",
                message_zh="超过受托支付起点的放款须支付给交易对手，贷款未指定收款人",
            )
        account = verified_account(tx, loan, to_payee=to_payee)
        order = Disbursement(
            id=ctx.ids.new("dsb"),
            loan_id=loan_id,
            tranche=number,
            milestone=stage.id if stage else None,
            evidence=evidence,
            amount=amount_now,
            payee=account.holder,
            payee_account=account.number,
            payee_category=loan.payee_category,
            idempotency_key=key,
            requested_at=ctx.clock.now(),
        )
        stored = tx.repo(Disbursement).add(order)
        if ctx.credit_lines is not None and loan.credit_line_id:
            ctx.credit_lines.occupy(
                tx,
                line_id=loan.credit_line_id,
                loan_id=loan.id,
                product_code=loan.product_code,
                amount=amount_now,
                day=ctx.clock.today(),
                key=f"occupy:{order.id}",
            )
        instruction = PaymentInstruction(
            id=order.id,
            direction=PaymentDirection.payout,
            loan_id=loan_id,
            amount=amount_now,
            account=order.payee_account,
            account_name=order.payee,
            payee_category=loan.payee_category,
            idempotency_key=order.id,
            requested_at=ctx.clock.now(),
        )
        queue_payment(ctx, tx, instruction)
        return loan_id, stored

    return ctx.run(
        name="loan.disburse",
        key=key,
        arguments={
            "loan": loan_id,
            "milestone": milestone,
            "tranche": tranche,
            "amount": amount,
            "evidence": list(evidence),
        },
        result_type=Disbursement,
        body=body,
        actor=actor,
        audit_arguments=True,
    )


def commitment(ctx: Context, loan_id: str) -> Commitment:
    """What is paid out, in flight and left to draw of a loan, tranche by tranche (剩余可放款额)."""
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id)
        orders = tx.repo(Disbursement).list(loan_id=loan_id)
    return commitment_of(ctx.product(loan.product_code), loan, orders)


def disburse_batch(
    ctx: Context, orders: Sequence[tuple[str, str]], *, actor: str = "system"
) -> list[Disbursement | LoanfactoryError]:
    """Order many payouts (批量放款): ``(loan_id, key)`` pairs, each in its own transaction, so
    one refused loan does not stop the others; returns the order, or the refusal, of each."""
    out: list[Disbursement | LoanfactoryError] = []
    for loan_id, key in orders:
        try:
            out.append(disburse(ctx, loan_id, key=key, actor=actor))
        except ConcurrentUpdate:  # not a refusal: the caller retries
            raise
        except LoanfactoryError as exc:
            out.append(exc)
    return out


def settle_disbursement(ctx: Context, tx: Transaction, order: Disbursement, result: PaymentResult) -> None:
    """Act on the final answer for a payout (inside the caller's transaction)."""
    loan = loan_in(tx, order.loan_id, lock=True)
    day = _settled_on(result, ctx.clock.today())
    if result.status is PaymentStatus.failed:
        tx.repo(Disbursement).update(order.evolve(status=OrderStatus.failed, reason=result.reason))
        if ctx.credit_lines is not None and loan.credit_line_id:
            ctx.credit_lines.release(
                tx,
                line_id=loan.credit_line_id,
                loan_id=loan.id,
                product_code=loan.product_code,
                amount=order.amount,
                day=day,
                key=f"release:{order.id}",
            )
        ctx.notify(
            tx,
            recipient=ctx.config.staff_role,
            template="disbursement_failed",
            body=f"贷款 {loan.id} 放款失败：{result.reason}",
            dedup_key=f"dsb-failed:{order.id}",
            channel=Channel.staff,
            data={
                "loan_id": loan.id,
                "amount": format_money(order.amount),
                "reason": result.reason or "-",
            },
        )
        return
    tx.repo(Disbursement).update(
        order.evolve(status=OrderStatus.succeeded, settled_on=day, reference=result.reference)
    )
    postings = Postings(tx, loan.id, ctx.clock.now())
    postings.post(
        EntryType.disbursement,
        day,
        order.amount,
        key=f"disbursement:{order.id}",
        principal=order.amount,
        memo=f"tranche {order.tranche}",
        data={"disbursement": order.id, "reference": result.reference},
    )
    loan = _with_schedule(loan, order, day, position_in(tx, loan, day), ctx.lpr())
    if order.tranche == 1:
        upfront = contract_rows(loan.terms)[0].upfront_fee  # on the whole amount, whatever the tranche
        if upfront > 0:  # collected by a debit on the day, never taken out of the payout
            postings.post(
                EntryType.fee, day, upfront, key=f"fee:{loan.id}:upfront", fee=upfront, memo="upfront fee"
            )
            queue_debit(ctx, tx, loan, day, upfront)
    attention = loan.next_attention(day)
    if upfront_due(tx, loan.id):
        attention = day + timedelta(days=1)
    tx.repo(Loan).update(loan.evolve(attention_on=attention))
    ctx.emit(tx, "loan.disbursed", loan.id, disbursement=order.id, amount=order.amount, on=day)
    ctx.notify(
        tx,
        recipient=loan.customer_id,
        template="disbursement_notice",
        body=f"您的贷款 {format_money(order.amount)} 元已于 {day.isoformat()} 发放，首期还款日 "
        f"{loan.schedule[0].due_date.isoformat()}。",
        dedup_key=f"disbursed:{order.id}",
        data={
            "loan_id": loan.id,
            "amount": format_money(order.amount),
            "disbursed_on": day.isoformat(),
            "first_due_date": loan.schedule[0].due_date.isoformat(),
        },
    )


def upfront_due(tx: Transaction, loan_id: str) -> bool:
    return tx.ledger.by_key(f"fee:{loan_id}:upfront") is not None


def _settled_on(result: PaymentResult, fallback: date) -> date:
    return result.settled_at.astimezone(CST).date() if result.settled_at else fallback


def _with_schedule(loan: Loan, order: Disbursement, day: date, position: Position, lpr: LprSeries) -> Loan:
    """The loan after a payout: the first one fixes the value date, the contract terms are dated
    to it and the schedule computed from them; a later tranche re-spreads the principal not yet
    due over the remaining due dates (按剩余期限重新摊还)."""
    if order.tranche == 1 or not loan.schedule or loan.start is None:
        terms = dated(loan.terms, day, lpr)
        schedule, rows = contract_rows(terms, order.amount)
        return loan.evolve(
            status=LoanStatus.active,
            start=day,
            terms=terms,
            schedule=rows,
            tail_start=day,
            tail_from=1,
            level_installment=schedule.level_installment,
            schedule_version=loan.schedule_version + 1,
        )
    due_unpaid = sum((d.outstanding for d in position.dues if d.component is Component.principal), Decimal(0))
    return respread(loan, on=day, principal=position.principal - due_unpaid).evolve(status=LoanStatus.active)


def verified_account(tx: Transaction, loan: Loan, *, to_payee: bool) -> PayoutAccount:
    """The verified account a payout of ``loan`` goes to, or why there is none (the evidence)."""
    account_id = loan.payee_account_id if to_payee else loan.payout_account_id
    number, name = (loan.payee_account, loan.payee) if to_payee else (loan.account, loan.account_name)
    owner = AccountOwner.payee if to_payee else AccountOwner.borrower
    account = tx.repo(PayoutAccount).find(account_id) if account_id else None
    if (
        account is None
        or account.customer_id != loan.customer_id
        or account.owner is not owner
        or not account.status.usable
        or account.number != number
        or account.holder != name
    ):
        whose = "the payee's" if to_payee else "the borrower's own"
        raise StateConflict(
            f"loan {loan.id} pays out only to {whose} verified account; account "
            f"{mask_account(number or '')} in the name {name!r} is not one",
            field="payee_account" if to_payee else "account",
            code="payout-account-unverified",
            message_zh=f"贷款 {loan.id} 只能放款至{'受托支付收款人' if to_payee else '借款人本人'}"
            f"已验证的账户，账户 {mask_account(number or '')} 不符合",
        )
    return account


def _check_use(product: ProductSpec, loan: Loan) -> None:
    category = loan.payee_category
    if category is None:
        return
    policy = product.disbursement
    if category in {u.value for u in policy.forbidden_uses}:
        raise StateConflict(field="payee_category", code="forbidden-use", params={"category": category})
    if policy.allowed_uses and category not in {u.value for u in policy.allowed_uses}:
        raise StateConflict(field="payee_category", code="use-not-allowed", params={"category": category})
