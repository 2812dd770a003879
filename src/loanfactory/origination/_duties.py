"""Segregation of duties at review (审核职责分离): the one place that says who may act on a task.

Every claim and every decision (approve, reject, return) of a review task passes
:func:`check_duty`, which applies, in order:

1. the product's ``review`` bands (:class:`~loanfactory.spec.ReviewDuties`): the reviewer's role
   must be among those allowed for the stage at the amount under review — by default a plain
   officer may not do 复审;
2. nobody reviews an application they filed themselves (申请录入人不得审核本人录入的申请);
3. at 复审, nobody who approved a 初审 of the same application, or returned any of its rounds
   for more information, may act (四眼原则; 退回补件者不得复审).

:func:`excluded` lists the people of rules 2 and 3 for a stage; the task keeps that list when it
opens (``ReviewTask.excluded``) so a desk can show it, and the check recomputes it from the
application's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from loanfactory.errors import NotPermitted
from loanfactory.money import format_money
from loanfactory.origination._application import Application
from loanfactory.origination._review import ReviewStage, ReviewTask, ReviewTaskStatus
from loanfactory.spec import ReviewDuties


def under_review(task: ReviewTask, application: Application) -> Decimal:
    """The amount a task decides on: what the 初审 approved, else what was applied for."""
    return task.approved_amount if task.approved_amount is not None else application.amount


def excluded(application: Application, stage: ReviewStage, history: Iterable[ReviewTask]) -> tuple[str, ...]:
    """Who may not act on ``stage`` of this application, given its earlier tasks."""
    people = [application.filed_by] if application.filed_by else []
    if stage is ReviewStage.second:
        for task in history:
            if task.decided_by and (
                (task.stage is ReviewStage.first and task.status is ReviewTaskStatus.approved)
                or task.status is ReviewTaskStatus.returned
            ):
                people.append(task.decided_by)
    return tuple(dict.fromkeys(people))


def check_duty(
    task: ReviewTask,
    application: Application,
    reviewer: str,
    role: str,
    duties: ReviewDuties,
    history: Iterable[ReviewTask],
) -> None:
    """Refuse (:class:`~loanfactory.errors.NotPermitted`) a reviewer this task is not for."""
    stage = task.stage
    amount = under_review(task, application)
    allowed = duties.roles_for(stage.value, amount)
    if role not in {r.value for r in allowed}:
        names = ", ".join(r.value for r in allowed) or "nobody"
        raise NotPermitted(
            f"{stage.value} review of {format_money(amount)} on {task.product_code} is for {names}; "
            f"{reviewer} acts as {role}",
            field="role",
            code="duty-role",
            message_zh=f"{task.product_code} 金额 {format_money(amount)} 元的{stage.zh}须由 "
            f"{'、'.join(r.value for r in allowed) or '（无）'} 完成，{reviewer}（{role}）无权处理",
        )
    if application.filed_by is not None and application.filed_by == reviewer:
        raise NotPermitted(
            field="reviewer", code="duty-filer", params={"reviewer": reviewer, "id": application.id}
        )
    others = [t for t in history if t.id != task.id]
    if reviewer in excluded(application, stage, others) or reviewer in task.excluded:
        raise NotPermitted(field="reviewer", code="four-eyes", params={"reviewer": reviewer})
