"""Overdue handling (逾期处置): the product's tiered actions, collection tasks, negotiated plans.

Each end of day, a loan whose days past due enter a tier of the product's ``overdue.tiers`` gets
that tier's actions, once per delinquency episode (the episode is the oldest unpaid due date).
What an action does is registered in :mod:`loanfactory.overdue_actions` as effects, and carried
out here without any per-action code: a notice to the borrower, a collection task in a work queue
(with a staff notice), a referral message for an outside party (agency, court, auction house), a
classification flag on the loan. Actions marked ``repeats`` (reminders) go out again every few
days while the loan stays in the tier; while a negotiated plan is active only ``during_plan``
actions run. Every action taken is a recorded ``overdue.action`` event. A loan that is current
again closes its open tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money
from loanfactory.overdue_actions import ActionType, FlagLoan, OpenTask, Refer, SendNotice, action_type
from loanfactory.ports import Channel, OutboxMessage, Transaction
from loanfactory.servicing._allocation import allocate
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Component, Loan, LoanStatus
from loanfactory.servicing._overdue import tier_index
from loanfactory.servicing._position import EntryType, Position
from loanfactory.servicing._records import (
    CollectionTask,
    NegotiatedPlan,
    PlannedPayment,
    PlanStatus,
    SignalKind,
    TaskStatus,
)
from loanfactory.servicing._warnings import raise_signal
from loanfactory.spec import GuaranteeType, ProductSpec

ZERO = Decimal(0)
SECURED = frozenset({GuaranteeType.mortgage, GuaranteeType.pledge})


@dataclass(frozen=True, slots=True)
class Episode:
    """One loan's delinquency on one end-of-day date, as the actions see it."""

    loan: Loan
    tier: int
    day: date
    dpd: int
    overdue: Decimal  # the amount past due
    key: str  # the oldest unpaid due date: the episode's identity

    @property
    def facts(self) -> dict[str, object]:
        return {
            "loan_id": self.loan.id,
            "customer_id": self.loan.customer_id,
            "days_past_due": self.dpd,
            "overdue_amount": format_money(self.overdue),
            "on": self.day.isoformat(),
        }


def fire_tier_actions(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    product: ProductSpec,
    day: date,
    previous_dpd: int,
    dpd: int,
    position: Position,
    actions: dict[str, int],
) -> int:
    """Carry out the actions of the tier ``dpd`` falls in; returns how many were taken (and
    counts each by kind in ``actions``: the end of day's batch totals them into its run)."""
    if dpd <= 0:
        close_tasks(ctx, tx, loan, day, "cured")
        return 0
    policy = product.overdue
    index = tier_index(policy, dpd)
    if policy is None or index is None:
        return 0
    tier = policy.tiers[index]
    entered = tier_index(policy, previous_dpd) != index
    oldest = position.oldest_unpaid()
    episode = Episode(
        loan, index, day, dpd, position.overdue(day), oldest.isoformat() if oldest else day.isoformat()
    )
    planned = bool(tx.repo(NegotiatedPlan).list(loan_id=loan.id, status=PlanStatus.active))
    secured = bool(SECURED & set(product.guarantee.types))
    taken = 0
    for action in tier.actions:
        kind = action_type(action)
        if kind.secured_only and not secured:
            continue  # validate refuses this; a product changed under a running loan skips it
        again = kind.repeats and (dpd - tier.from_day) % max(1, ctx.config.reminder_every_days) == 0
        if not (entered or again) or (planned and not kind.during_plan):
            continue
        repeat = str(dpd) if kind.repeats else ""
        for effect in kind.effects:
            if isinstance(effect, SendNotice):
                _send_notice(ctx, tx, episode, kind, effect, repeat)
            elif isinstance(effect, OpenTask):
                _open_task(ctx, tx, episode, kind, effect)
            elif isinstance(effect, Refer):
                _refer(ctx, tx, episode, kind, effect)
            elif isinstance(effect, FlagLoan):
                _flag(ctx, tx, loan, effect.flag)
            # ReportingNotice: loanfactory.regulatory sends the notice before reporting (征信告知)
        taken += _record(ctx, tx, episode, kind, repeat, actions)
    return taken


def _send_notice(
    ctx: Context, tx: Transaction, episode: Episode, kind: ActionType, effect: SendNotice, repeat: str
) -> None:
    loan = episode.loan
    data: dict[str, object] = {"loan_id": loan.id}
    if effect.kind == "penalty_notice":
        data |= {
            "penalty_from": episode.day.isoformat(),
            "penalty_rate": loan.terms.penalty_rate_on(episode.day),
        }
        body = (
            f"您的贷款逾期超过宽限期，自 {episode.day.isoformat()} 起按合同计收罚息"
            f"（年利率 {loan.terms.penalty_rate_on(episode.day) * 100:.4f}%）。"
        )
    else:
        data |= {"days_past_due": episode.dpd, "overdue_amount": format_money(episode.overdue)}
        body = f"您的贷款已逾期 {episode.dpd} 天，逾期金额 {format_money(episode.overdue)} 元，请尽快还款。"
    ctx.notify(
        tx,
        template=effect.kind,
        recipient=loan.customer_id,
        body=body,
        dedup_key=f"{kind.action.value}:{loan.id}:{episode.key}" + (f":{repeat}" if repeat else ""),
        data=data,
    )


def _open_task(ctx: Context, tx: Transaction, episode: Episode, kind: ActionType, effect: OpenTask) -> None:
    loan = episode.loan
    task_id = _task_id(episode, kind)
    if tx.repo(CollectionTask).find(task_id) is not None:
        return
    assignee = effect.queue or ctx.config.staff_role
    tx.repo(CollectionTask).add(
        CollectionTask(
            id=task_id,
            loan_id=loan.id,
            action=kind.action,
            tier=episode.tier,
            opened_on=episode.day,
            days_past_due=episode.dpd,
            amount_overdue=episode.overdue,
            assignee=assignee,
        )
    )
    ctx.notify(
        tx,
        template="collection_task",
        recipient=assignee,
        channel=Channel.staff,
        body=f"新催收任务：贷款 {loan.id} 逾期 {episode.dpd} 天，"
        f"逾期金额 {format_money(episode.overdue)} 元，措施：{kind.title_zh}。",
        dedup_key=f"task:{task_id}",
        data={
            "task_id": task_id,
            "loan_id": loan.id,
            "action": kind.action.value,
            "days_past_due": episode.dpd,
            "overdue_amount": format_money(episode.overdue),
        },
    )


def _refer(ctx: Context, tx: Transaction, episode: Episode, kind: ActionType, effect: Refer) -> None:
    opens_task = any(isinstance(e, OpenTask) for e in kind.effects)
    task = {"task_id": _task_id(episode, kind)} if opens_task else {}
    tx.outbox.add(
        OutboxMessage(
            id=ctx.ids.new("msg"),
            topic=effect.topic,
            dedup_key=f"{effect.topic}:{episode.loan.id}:{episode.key}:{kind.action.value}",
            created_at=ctx.clock.now(),
            payload={**episode.facts, **task, "action": kind.action.value},
        )
    )


def _flag(ctx: Context, tx: Transaction, loan: Loan, flag: str) -> None:
    current = loan_in(tx, loan.id)
    if flag not in current.overrides:
        tx.repo(Loan).update(current.evolve(overrides=(*current.overrides, flag)))


def _record(
    ctx: Context, tx: Transaction, episode: Episode, kind: ActionType, repeat: str, actions: dict[str, int]
) -> int:
    action = kind.action.value
    actions[action] = actions.get(action, 0) + 1
    ctx.emit(
        tx,
        "overdue.action",
        episode.loan.id,
        action=action,
        tier=episode.tier,
        on=episode.day,
        days_past_due=episode.dpd,
        episode=episode.key,
        repeat=repeat,
    )
    return 1


def close_tasks(ctx: Context, tx: Transaction, loan: Loan, day: date, outcome: str) -> int:
    tasks = tx.repo(CollectionTask).list(loan_id=loan.id, status=TaskStatus.open)
    for task in tasks:
        tx.repo(CollectionTask).update(task.evolve(status=TaskStatus.done, closed_on=day, outcome=outcome))
    return len(tasks)


# --- negotiated plans -----------------------------------------------------------------------


def agree_plan(
    ctx: Context,
    loan_id: str,
    payments: Sequence[tuple[date, Decimal]],
    *,
    key: str,
    waive_penalty: Decimal = ZERO,
    agreed_by: str,
    on: date | None = None,
) -> NegotiatedPlan:
    """Record a negotiated repayment plan (协商还款), optionally waiving penalty."""
    day = ctx.today(on)
    if not payments:
        raise InvalidInput(
            "a plan needs at least one payment", field="payments", message_zh="还款计划不能为空"
        )
    if any(amount <= 0 for _, amount in payments) or any(when < day for when, _ in payments):
        raise InvalidInput(
            "planned payments must be positive and not in the past",
            field="payments",
            message_zh="计划还款金额须为正数且日期不早于今天",
        )

    def body(tx: Transaction) -> tuple[str, NegotiatedPlan]:
        loan = loan_in(tx, loan_id, lock=True)
        if loan.status is not LoanStatus.active:
            raise StateConflict(f"loan {loan_id} is {loan.status}", field="loan_id")
        if tx.repo(NegotiatedPlan).list(loan_id=loan_id, status=PlanStatus.active):
            raise StateConflict(
                "the loan already has an active plan",
                field="loan_id",
                message_zh="该贷款已有生效中的协商还款计划",
            )
        position = position_in(tx, loan, day)
        if waive_penalty > 0:
            split = allocate(
                waive_penalty, position.dues, loan.terms.allocation, only=frozenset({Component.penalty})
            )
            if split.rest > 0:
                raise StateConflict(
                    f"only {format_money(split.applied)} of penalty is due",
                    field="waive_penalty",
                    message_zh=f"可减免罚息仅 {format_money(split.applied)} 元",
                )
            Postings(tx, loan.id, ctx.clock.now()).post(
                EntryType.waiver,
                day,
                waive_penalty,
                key=f"waiver:plan:{key}",
                penalty=-waive_penalty,
                data={"allocation": split.as_data(), "reason": "negotiated plan"},
            )
        plan = NegotiatedPlan(
            id=ctx.ids.new("plan"),
            loan_id=loan_id,
            agreed_on=day,
            payments=tuple(PlannedPayment(due_date=d, amount=a) for d, a in sorted(payments)),
            waived_penalty=waive_penalty,
            baseline_repaid=position.repaid,
            agreed_by=agreed_by,
        )
        return loan_id, tx.repo(NegotiatedPlan).add(plan)

    return ctx.run(
        name="plan.agreed",
        key=key,
        arguments={
            "loan": loan_id,
            "payments": list(payments),
            "waive": waive_penalty,
            "by": agreed_by,
            "on": day,
        },
        result_type=NegotiatedPlan,
        body=body,
        actor=agreed_by,
        audit_arguments=True,
    )


def check_plans(ctx: Context, tx: Transaction, loan: Loan, day: date, position: Position) -> None:
    """Mark active plans kept or broken as of ``day`` (履约检查)."""
    for plan in tx.repo(NegotiatedPlan).list(loan_id=loan.id, status=PlanStatus.active):
        paid = position.repaid - plan.baseline_repaid
        promised = ZERO
        for payment in plan.payments:
            promised += payment.amount
            if payment.due_date < day and paid < promised:
                tx.repo(NegotiatedPlan).update(plan.evolve(status=PlanStatus.broken))
                raise_signal(
                    ctx,
                    tx,
                    loan_in(tx, loan.id),
                    SignalKind.broken_promise,
                    day,
                    {"plan": plan.id, "promised": format_money(promised), "paid": format_money(paid)},
                    dedup=f"plan_{plan.id}",
                )
                break
        else:
            if paid >= promised:
                tx.repo(NegotiatedPlan).update(plan.evolve(status=PlanStatus.kept))


def _task_id(episode: Episode, kind: ActionType) -> str:
    return f"task_{episode.loan.id}_{episode.key}_{kind.action.value}"
