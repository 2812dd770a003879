"""What the origination steps share: products, decider, bureau, settings, caps — and telling people.

The service builds one :class:`Desk` from its ports; the step modules (assessment, approval,
review) take it instead of a long list of arguments. :meth:`Desk.tell` queues the applicant's
notice in their language; :meth:`Desk.alert_staff` queues a task notice for reviewers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from loanfactory.origination._application import Application
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import Customer, LoanHistory
from loanfactory.origination._feedback import (
    approval_notice,
    info_request_notice,
    pending_notice,
    queue,
    rejection_notice,
    staff_notice,
)
from loanfactory.origination._offer import Offer
from loanfactory.origination._pricing import CapSource
from loanfactory.origination._products import Decider
from loanfactory.origination._review import ReviewTask
from loanfactory.origination._settings import OriginationSettings
from loanfactory.origination._values import StepReason
from loanfactory.ports import CreditBureau
from loanfactory.spec import ProductSpec


@dataclass(frozen=True)
class Desk:
    specs: Mapping[str, ProductSpec]
    decider: Decider
    bureau: CreditBureau
    settings: OriginationSettings
    caps: CapSource
    history: LoanHistory | None = None

    def product_name(self, code: str, lang: str) -> str:
        spec = self.specs.get(code)
        return spec.name.text(lang) if spec is not None else code

    def tell(
        self,
        cmd: Command,
        app: Application,
        outcome: str,
        reasons: tuple[StepReason, ...] = (),
        missing: tuple[str, ...] = (),
        offer: Offer | None = None,
    ) -> None:
        """Queue the applicant's notice: approved, rejected, manual_review or info_requested."""
        customer = cmd.tx.repo(Customer).get(app.customer_id)
        lang = customer.language
        name = self.product_name(app.product_code, lang)
        channel = self.settings.customer_channel
        if outcome == "approved":
            assert offer is not None
            notice = approval_notice(
                cmd.ids, recipient=customer.id, lang=lang, product_name=name, offer=offer, channel=channel
            )
        elif outcome == "rejected":
            notice = rejection_notice(
                cmd.ids,
                recipient=customer.id,
                lang=lang,
                product_name=name,
                application_id=app.id,
                reasons=reasons,
                channel=channel,
            )
        elif outcome == "manual_review":
            notice = pending_notice(
                cmd.ids,
                recipient=customer.id,
                lang=lang,
                product_name=name,
                application_id=app.id,
                round=app.review_round,
                channel=channel,
            )
        else:
            notice = info_request_notice(
                cmd.ids,
                recipient=customer.id,
                lang=lang,
                product_name=name,
                application_id=app.id,
                round=app.review_round,
                missing=missing,
                channel=channel,
            )
        queue(cmd.tx, cmd.ids, notice, cmd.clock.now())

    def alert_staff(self, cmd: Command, task: ReviewTask) -> None:
        """Queue a notice of a new review task for the reviewers' role."""
        reasons = "；".join(r.zh for r in task.reasons) or "人工审核"
        notice = staff_notice(
            cmd.ids,
            role=self.settings.reviewer_role,
            template="review_task",
            subject=f"{task.stage.zh}任务：申请 {task.application_id}",
            body=f"申请 {task.application_id}（产品 {task.product_code}）待{task.stage.zh}。原因：{reasons}",
            dedup_key=f"review_task:{task.id}",
            data={
                "task_id": task.id,
                "application_id": task.application_id,
                "product_code": task.product_code,
                "stage": task.stage.value,
                "reasons": [r.zh for r in task.reasons],
            },
        )
        queue(cmd.tx, cmd.ids, notice, cmd.clock.now())
