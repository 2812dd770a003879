"""The manual-review desk (审批工作台): tasks opened, claimed, decided, returned and reopened.

Routing opens a first-stage task (初审). Approving it opens the second-stage task (复审). Every
claim and decision passes :func:`~.duties.check_duty` first (the product's roles by amount, the
filer, four eyes), with the reviewer's role. Approving the second stage hands the application to
the approval pipeline (limit, price, offer) passed in by the service. A rejection at either stage
rejects the application with the reviewer's reasons and tells the applicant; a return asks the
applicant for more information, and their answer opens a new first-stage task.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination._application import Application, ApplicationStatus, Consent, SupportingDocument
from loanfactory.origination._approval import approve, assessed_values
from loanfactory.origination._commands import Command
from loanfactory.origination._decision import DecisionRecord, DecisionStep, StepOutcome
from loanfactory.origination._desk import Desk
from loanfactory.origination._duties import check_duty, excluded
from loanfactory.origination._offer import Offer
from loanfactory.origination._review import (
    ReviewStage,
    ReviewTask,
    ReviewTaskStatus,
    add_note,
    claim,
    decide,
    review_reason,
)
from loanfactory.origination._values import StepReason
from loanfactory.spec import DEFAULT_DUTIES


class ReviewOutcome(BaseModel):
    """What a review command changed."""

    model_config = ConfigDict(frozen=True)

    task: ReviewTask | None
    application: Application
    next_task: ReviewTask | None = None
    offer: Offer | None = None


def open_task(
    cmd: Command,
    desk: Desk,
    application: Application,
    stage: ReviewStage,
    reasons: tuple[StepReason, ...],
    approved_amount: Decimal | None = None,
) -> ReviewTask:
    history = cmd.tx.repo(ReviewTask).list(application_id=application.id)
    task = ReviewTask(
        id=cmd.ids.new("task"),
        application_id=application.id,
        customer_id=application.customer_id,
        product_code=application.product_code,
        stage=stage,
        round=application.review_round,
        excluded=excluded(application, stage, history),
        reasons=reasons,
        approved_amount=approved_amount,
        created_at=cmd.clock.now(),
    )
    stored = cmd.tx.repo(ReviewTask).add(task)
    cmd.emit(
        "review.opened",
        stored.id,
        application_id=application.id,
        stage=stage.value,
        round=application.review_round,
    )
    desk.alert_staff(cmd, stored)
    return stored


def _may_act(cmd: Command, desk: Desk, task: ReviewTask, app: Application, reviewer: str, role: str) -> None:
    spec = desk.specs.get(task.product_code)
    duties = spec.review if spec is not None else DEFAULT_DUTIES
    history = cmd.tx.repo(ReviewTask).list(application_id=task.application_id)
    check_duty(task, app, reviewer.strip() if isinstance(reviewer, str) else "", role, duties, history)


def claim_task(cmd: Command, desk: Desk, task_id: str, reviewer: str, role: str) -> ReviewTask:
    repo = cmd.tx.repo(ReviewTask)
    task = repo.lock(task_id)
    _may_act(cmd, desk, task, cmd.tx.repo(Application).get(task.application_id), reviewer, role)
    claimed = claim(task, reviewer)
    if claimed is task:
        return task
    stored = repo.update(claimed)
    cmd.emit("review.claimed", task_id, reviewer=claimed.assignee)
    return stored


def note_task(cmd: Command, task_id: str, reviewer: str, text: str) -> ReviewTask:
    repo = cmd.tx.repo(ReviewTask)
    stored = repo.update(add_note(repo.lock(task_id), reviewer, text, cmd.clock.now()))
    cmd.emit("review.noted", task_id, reviewer=reviewer)
    return stored


def _record(
    cmd: Command,
    app: Application,
    outcome: StepOutcome,
    reviewer: str,
    reasons: tuple[StepReason, ...],
    task: ReviewTask,
) -> None:
    values = {"stage": task.stage.value, "task_id": task.id, "round": task.round}
    if task.approved_amount is not None:
        values["approved_amount"] = format(task.approved_amount, "f")
    record = DecisionRecord(
        id=cmd.ids.new("dec"),
        application_id=app.id,
        customer_id=app.customer_id,
        product_code=app.product_code,
        step=DecisionStep.manual_review,
        outcome=outcome,
        values=values,
        reasons=reasons,
        actor=reviewer,
        at=cmd.clock.now(),
    )
    cmd.tx.repo(DecisionRecord).add(record)


def _application_in_review(cmd: Command, task: ReviewTask) -> Application:
    app = cmd.tx.repo(Application).lock(task.application_id)
    if app.status is not ApplicationStatus.manual_review:
        raise StateConflict(
            f"application {app.id} is {app.status.value}",
            field="task",
            code="application-not-in-review",
            message_zh=f"申请 {app.id} 不在人工审核中",
        )
    return app


def approve_task(
    cmd: Command,
    desk: Desk,
    task_id: str,
    reviewer: str,
    *,
    role: str,
    note: str | None,
    approved_amount: Decimal | None,
) -> ReviewOutcome:
    repo = cmd.tx.repo(ReviewTask)
    task = repo.lock(task_id)
    app = _application_in_review(cmd, task)
    _may_act(cmd, desk, task, app, reviewer, role)
    if approved_amount is not None and not (0 < approved_amount <= app.amount):
        raise InvalidInput(
            "an approved amount must be positive and at most the amount applied for",
            field="approved_amount",
            message_zh="核定金额须大于 0 且不超过申请金额",
        )
    done = repo.update(
        decide(
            task,
            reviewer,
            ReviewTaskStatus.approved,
            cmd.clock.now(),
            note=note,
            approved_amount=approved_amount,
        )
    )
    cmd.emit("review.approved", task_id, reviewer=done.decided_by, stage=task.stage.value)
    _record(cmd, app, StepOutcome.approve, done.decided_by or reviewer, (), done)
    if task.stage is ReviewStage.first:
        second = open_task(cmd, desk, app, ReviewStage.second, task.reasons, approved_amount)
        return ReviewOutcome(task=done, application=app, next_task=second)
    amount = approved_amount if approved_amount is not None else task.approved_amount
    assessed = assessed_values(app)
    offer = approve(cmd, desk, app, approved_amount=amount, actor=done.decided_by or reviewer, **assessed)
    return ReviewOutcome(task=done, application=cmd.tx.repo(Application).get(app.id), offer=offer)


def reject_task(
    cmd: Command,
    desk: Desk,
    task_id: str,
    reviewer: str,
    *,
    role: str,
    reasons: tuple[str, ...],
    note: str | None,
) -> ReviewOutcome:
    if not reasons:
        raise InvalidInput(
            "a rejection needs at least one reason", field="reasons", message_zh="拒绝须选择至少一个原因"
        )
    picked = tuple(review_reason(code) for code in reasons)
    repo = cmd.tx.repo(ReviewTask)
    task = repo.lock(task_id)
    app = _application_in_review(cmd, task)
    _may_act(cmd, desk, task, app, reviewer, role)
    done = repo.update(
        decide(task, reviewer, ReviewTaskStatus.rejected, cmd.clock.now(), note=note, reasons=picked)
    )
    now = cmd.clock.now()
    rejected = cmd.tx.repo(Application).update(
        app.model_copy(update={"status": ApplicationStatus.rejected, "reasons": picked, "decided_at": now})
    )
    _record(cmd, app, StepOutcome.reject, done.decided_by or reviewer, picked, done)
    cmd.emit("review.rejected", task_id, reviewer=done.decided_by, reasons=[r.code for r in picked])
    cmd.emit("application.rejected", app.id, by="manual_review", reasons=[r.code for r in picked])
    desk.tell(cmd, rejected, "rejected", picked)
    return ReviewOutcome(task=done, application=rejected)


def return_task(
    cmd: Command,
    desk: Desk,
    task_id: str,
    reviewer: str,
    *,
    role: str,
    missing: tuple[str, ...],
    note: str | None,
) -> ReviewOutcome:
    items = tuple(m.strip() for m in missing if m.strip())
    if not items:
        raise InvalidInput(
            "say what information is missing", field="missing", message_zh="请说明需要补充的资料"
        )
    repo = cmd.tx.repo(ReviewTask)
    task = repo.lock(task_id)
    app = _application_in_review(cmd, task)
    _may_act(cmd, desk, task, app, reviewer, role)
    reason = StepReason(
        code="review.more-information",
        en="more information is needed: " + "; ".join(items),
        zh="需要补充资料：" + "；".join(items),
        rule="manual_review",
    )
    done = repo.update(
        decide(task, reviewer, ReviewTaskStatus.returned, cmd.clock.now(), note=note, reasons=(reason,))
    )
    returned = cmd.tx.repo(Application).update(
        app.model_copy(
            update={
                "status": ApplicationStatus.info_requested,
                "reasons": (reason,),
                "review_round": app.review_round + 1,
                "returned_by": "manual_review",
            }
        )
    )
    _record(cmd, app, StepOutcome.returned, done.decided_by or reviewer, (reason,), done)
    cmd.emit("review.returned", task_id, reviewer=done.decided_by, missing=list(items))
    desk.tell(cmd, returned, "info_requested", (reason,), items)
    return ReviewOutcome(task=done, application=returned)


def supply_information(
    cmd: Command,
    desk: Desk,
    application_id: str,
    documents: tuple[SupportingDocument, ...],
    consents: tuple[Consent, ...] = (),
) -> ReviewOutcome:
    """The applicant's answer to a return: documents (and renewed consents) are added, a new task opens."""
    if not documents and not consents:
        raise InvalidInput(
            "supply at least one document or consent",
            field="documents",
            message_zh="请至少补充一份材料或授权",
        )
    applications = cmd.tx.repo(Application)
    app = applications.lock(application_id)
    if app.status is not ApplicationStatus.info_requested:
        raise StateConflict(
            f"application {app.id} is {app.status.value}, not waiting for information",
            field="application_id",
            code="not-returned",
            message_zh=f"申请 {app.id} 不在待补充资料状态",
        )
    to_review = app.returned_by == "manual_review"
    updated = applications.update(
        app.model_copy(
            update={
                "status": ApplicationStatus.manual_review if to_review else ApplicationStatus.submitted,
                "documents": (*app.documents, *documents),
                "consents": (*app.consents, *consents),
                "returned_by": None,
            }
        )
    )
    cmd.emit(
        "application.supplemented",
        app.id,
        documents=[d.kind.value for d in documents],
        consents=[c.scope.value for c in consents],
    )
    if not to_review:  # returned by pre-review: the service assesses it again
        return ReviewOutcome(task=None, application=updated)
    task = open_task(cmd, desk, updated, ReviewStage.first, updated.reasons)
    return ReviewOutcome(task=task, application=updated)
