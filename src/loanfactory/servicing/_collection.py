"""Overdue handling (逾期处置): the product's tiered actions, collection tasks, negotiated plans.

Each end of day, a loan whose days past due enter a tier of the product's overdue policy gets
that tier's actions, once per delinquency episode (the episode is the oldest unpaid due date):
reminders (repeated every few days while in the tier), penalty notices, staff collection tasks,
negotiated-plan offers, outsourced collection, litigation and collateral disposal (tasks plus an
outbox message for the agency or legal system), and credit-bureau reports. Every action is a
recorded event. While a negotiated plan is active, only reminders go out; a missed promise breaks
the plan and raises a signal. A loan that is current again closes its open tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import Channel, OutboxMessage, Transaction
from loanfactory.servicing._allocation import allocate
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
from loanfactory.servicing._warnings import WarningOps
from loanfactory.spec import OverdueAction, ProductSpec

ZERO = Decimal(0)
_TASKS = {
    OverdueAction.manual_collection: "collections",
    OverdueAction.negotiated_plan: "collections",
    OverdueAction.outsourced_collection: "collection-agency",
    OverdueAction.litigation: "legal",
    OverdueAction.collateral_disposal: "collateral",
}
_EXTERNAL = frozenset(
    {OverdueAction.outsourced_collection, OverdueAction.litigation, OverdueAction.collateral_disposal}
)


class CollectionOps(WarningOps):
    """Tier actions, tasks and negotiated plans."""

    def fire_tier_actions(
        self,
        tx: Transaction,
        loan: Loan,
        product: ProductSpec,
        day: date,
        previous_dpd: int,
        dpd: int,
        position: Position,
    ) -> int:
        """Carry out the actions of the tier ``dpd`` falls in; returns how many were taken (and
        counts each in ``self.action_counts``, which the end of day totals per run)."""
        if dpd <= 0:
            self.close_tasks(tx, loan, day, "cured")
            return 0
        policy = product.overdue
        index = tier_index(policy, dpd)
        if policy is None or index is None:
            return 0
        tier = policy.tiers[index]
        entered = tier_index(policy, previous_dpd) != index
        oldest = position.oldest_unpaid()
        episode = oldest.isoformat() if oldest else day.isoformat()
        planned = bool(tx.repo(NegotiatedPlan).list(loan_id=loan.id, status=PlanStatus.active))
        overdue = position.overdue(day)
        taken = 0
        for action in tier.actions:
            if action is OverdueAction.reminder:
                every = max(1, self.config.reminder_every_days)
                if entered or (dpd - tier.from_day) % every == 0:
                    self.notify(
                        tx,
                        recipient=loan.customer_id,
                        template="overdue_notice",
                        body=f"您的贷款已逾期 {dpd} 天，逾期金额 {format_money(overdue)} 元，请尽快还款。",
                        dedup_key=f"overdue-reminder:{loan.id}:{episode}:{dpd}",
                        data={"loan_id": loan.id, "days_past_due": dpd, "amount": format_money(overdue)},
                    )
                    taken += self._record(tx, loan, action, index, day, dpd, episode, repeat=str(dpd))
                continue
            if not entered or planned:
                continue
            if action is OverdueAction.penalty:
                self.notify(
                    tx,
                    recipient=loan.customer_id,
                    template="penalty_notice",
                    body=f"您的贷款逾期超过宽限期，自 {day.isoformat()} 起按合同计收罚息"
                    f"（年利率 {loan.terms.penalty_rate_on(day) * 100:.4f}%）。",
                    dedup_key=f"penalty-notice:{loan.id}:{episode}",
                )
            elif action is OverdueAction.credit_report:
                tx.outbox.add(
                    OutboxMessage(
                        id=self.ids.new("msg"),
                        topic="bureau",
                        dedup_key=f"bureau:{loan.id}:{episode}",
                        created_at=self.clock.now(),
                        payload={
                            "loan_id": loan.id,
                            "customer_id": loan.customer_id,
                            "days_past_due": dpd,
                            "overdue": format_money(overdue),
                            "on": day.isoformat(),
                        },
                    )
                )
            else:
                self._open_task(tx, loan, action, index, day, dpd, overdue, episode)
            taken += self._record(tx, loan, action, index, day, dpd, episode)
        return taken

    def _open_task(
        self,
        tx: Transaction,
        loan: Loan,
        action: OverdueAction,
        tier: int,
        day: date,
        dpd: int,
        overdue: Decimal,
        episode: str,
    ) -> None:
        task_id = f"task_{loan.id}_{episode}_{action.value}"
        if tx.repo(CollectionTask).find(task_id) is not None:
            return
        assignee = self.config.staff_role if _TASKS[action] == "collections" else _TASKS[action]
        tx.repo(CollectionTask).add(
            CollectionTask(
                id=task_id,
                loan_id=loan.id,
                action=action,
                tier=tier,
                opened_on=day,
                days_past_due=dpd,
                amount_overdue=overdue,
                assignee=assignee,
            )
        )
        if action in _EXTERNAL:
            tx.outbox.add(
                OutboxMessage(
                    id=self.ids.new("msg"),
                    topic="collection",
                    dedup_key=f"collection:{task_id}",
                    created_at=self.clock.now(),
                    payload={
                        "task_id": task_id,
                        "loan_id": loan.id,
                        "action": action.value,
                        "days_past_due": dpd,
                        "overdue": format_money(overdue),
                    },
                )
            )
        if action is OverdueAction.litigation and "litigation" not in loan.overrides:
            current = self.loan_in(tx, loan.id)
            tx.repo(Loan).update(current.evolve(overrides=(*current.overrides, "litigation")))
        self.notify(
            tx,
            recipient=assignee,
            template="collection_task",
            channel=Channel.staff,
            body=f"新催收任务：贷款 {loan.id} 逾期 {dpd} 天，逾期金额 {format_money(overdue)} 元，"
            f"措施：{action.value}。",
            dedup_key=f"task:{task_id}",
        )

    action_counts: dict[str, int] | None = None

    def _record(
        self,
        tx: Transaction,
        loan: Loan,
        action: OverdueAction,
        tier: int,
        day: date,
        dpd: int,
        episode: str,
        repeat: str = "",
    ) -> int:
        if self.action_counts is not None:
            self.action_counts[action.value] = self.action_counts.get(action.value, 0) + 1
        self.emit(
            tx,
            "overdue.action",
            loan.id,
            action=action.value,
            tier=tier,
            on=day,
            days_past_due=dpd,
            episode=episode,
            repeat=repeat,
        )
        return 1

    def close_tasks(self, tx: Transaction, loan: Loan, day: date, outcome: str) -> int:
        tasks = tx.repo(CollectionTask).list(loan_id=loan.id, status=TaskStatus.open)
        for task in tasks:
            tx.repo(CollectionTask).update(
                task.evolve(status=TaskStatus.done, closed_on=day, outcome=outcome)
            )
        return len(tasks)

    # --- negotiated plans -----------------------------------------------------------------------

    def agree_plan(
        self,
        loan_id: str,
        payments: Sequence[tuple[date, Decimal]],
        *,
        key: str,
        waive_penalty: Decimal = ZERO,
        agreed_by: str,
        on: date | None = None,
    ) -> NegotiatedPlan:
        """Record a negotiated repayment plan (协商还款), optionally waiving penalty."""
        day = self.today(on)
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
            loan = self.loan_in(tx, loan_id, lock=True)
            if loan.status is not LoanStatus.active:
                raise StateConflict(f"loan {loan_id} is {loan.status}", field="loan_id")
            if tx.repo(NegotiatedPlan).list(loan_id=loan_id, status=PlanStatus.active):
                raise StateConflict(
                    "the loan already has an active plan",
                    field="loan_id",
                    message_zh="该贷款已有生效中的协商还款计划",
                )
            position = self.position_in(tx, loan, day)
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
                Postings(tx, loan.id, self.clock.now()).post(
                    EntryType.waiver,
                    day,
                    waive_penalty,
                    key=f"waiver:plan:{key}",
                    penalty=-waive_penalty,
                    data={"allocation": split.as_data(), "reason": "negotiated plan"},
                )
            plan = NegotiatedPlan(
                id=self.ids.new("plan"),
                loan_id=loan_id,
                agreed_on=day,
                payments=tuple(PlannedPayment(due_date=d, amount=a) for d, a in sorted(payments)),
                waived_penalty=waive_penalty,
                baseline_repaid=position.repaid,
                agreed_by=agreed_by,
            )
            return loan_id, tx.repo(NegotiatedPlan).add(plan)

        return self.run(
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
            audit=True,
        )

    def check_plans(self, tx: Transaction, loan: Loan, day: date, position: Position) -> None:
        """Mark active plans kept or broken as of ``day`` (履约检查)."""
        for plan in tx.repo(NegotiatedPlan).list(loan_id=loan.id, status=PlanStatus.active):
            paid = position.repaid - plan.baseline_repaid
            promised = ZERO
            for payment in plan.payments:
                promised += payment.amount
                if payment.due_date < day and paid < promised:
                    tx.repo(NegotiatedPlan).update(plan.evolve(status=PlanStatus.broken))
                    self.raise_signal(
                        tx,
                        self.loan_in(tx, loan.id),
                        SignalKind.broken_promise,
                        day,
                        {"plan": plan.id, "promised": format_money(promised), "paid": format_money(paid)},
                        dedup=f"plan_{plan.id}",
                    )
                    break
            else:
                if paid >= promised:
                    tx.repo(NegotiatedPlan).update(plan.evolve(status=PlanStatus.kept))
