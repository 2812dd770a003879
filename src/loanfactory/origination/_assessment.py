"""Assessment (审批): pre-review, bureau, the product's decision flow, and the route it takes.

For a submitted application, in one transaction:

1. the product must still be on sale, else the application is rejected;
2. structural pre-review (:mod:`.prereview`): a hard failure rejects, missing documents or a
   lapsed consent return the application for information;
3. the bureau report is fetched through the :class:`~loanfactory.ports.CreditBureau` port, under
   the applicant's bureau-query consent (an unreachable bureau changes nothing: retry later);
4. the product's decision flow runs on the facts (eligibility → pre-review rules → scoring →
   routing → pricing → limit → tags); each step is kept as a :class:`DecisionRecord`;
5. the route is taken: reject (with every reason), manual review (a 初审 task; pre-review flags
   force this route), or approve (limit, price, offer — :mod:`.approval`). Profile tags set by the
   tag rules are stored on the customer with the rule that set them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from loanfactory.errors import NotFound, StateConflict
from loanfactory.origination._application import Application, ApplicationStatus, ConsentScope
from loanfactory.origination._approval import approve, record, reject
from loanfactory.origination._collateral import Collateral
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import Customer, ProfileTag
from loanfactory.origination._decision import DecisionRecord, DecisionStep, StepOutcome, json_safe
from loanfactory.origination._desk import Desk
from loanfactory.origination._factsheet import build_facts
from loanfactory.origination._offer import Offer
from loanfactory.origination._prereview import pre_review
from loanfactory.origination._products import FlowResult, limit_money
from loanfactory.origination._review import ReviewStage, ReviewTask
from loanfactory.origination._review_flow import open_task
from loanfactory.origination._submission import check_sellable, find_spec
from loanfactory.origination._values import StepReason
from loanfactory.ports import BureauQuery, BureauReportData, ServiceUnavailable

AssessmentOutcome = Literal["approved", "manual_review", "rejected", "info_requested"]


class ApplicationAssessment(BaseModel):
    """The result of assessing one application (审批结果)."""

    model_config = ConfigDict(frozen=True)

    application: Application
    outcome: AssessmentOutcome
    reasons: tuple[StepReason, ...] = ()
    offer: Offer | None = None
    task: ReviewTask | None = None
    missing: tuple[str, ...] = ()  # what an applicant must supply (info_requested)

    def explain(self, lang: str = "zh") -> str:
        """The reasons in one line, in ``lang``."""
        return ("；" if lang == "zh" else "; ").join(r.text(lang) for r in self.reasons)


def assess(cmd: Command, desk: Desk, application_id: str) -> ApplicationAssessment:
    applications = cmd.tx.repo(Application)
    app = applications.lock(application_id)
    if app.status is not ApplicationStatus.submitted:
        raise StateConflict(
            field="application_id", code="not-submitted", params={"id": app.id, "status": app.status.value}
        )
    customer = cmd.tx.repo(Customer).get(app.customer_id)
    now = cmd.clock.now()
    try:
        spec = find_spec(desk.specs, app.product_code)  # withdrawn from the catalog since submission?
        check_sellable(spec, now)
    except (StateConflict, NotFound) as exc:
        reason = StepReason(
            code="product-closed", en=exc.message, zh=exc.message_zh or exc.message, rule="product"
        )
        record(cmd, app, DecisionStep.eligibility, StepOutcome.reject, reasons=(reason,))
        return ApplicationAssessment(
            application=reject(cmd, desk, app, (reason,), by="product"), outcome="rejected", reasons=(reason,)
        )
    pieces = [cmd.tx.repo(Collateral).get(c) for c in app.collateral_ids]
    checked = pre_review(spec, customer, app, pieces, desk.settings.documents, now, customer.language)
    if checked.outcome is not StepOutcome.passed:
        record(
            cmd,
            app,
            DecisionStep.pre_review,
            checked.outcome,
            reasons=tuple(checked.reasons),
            values={"missing": checked.missing},
        )
        if checked.outcome is StepOutcome.reject:
            reasons = tuple(checked.reasons)
            return ApplicationAssessment(
                application=reject(cmd, desk, app, reasons, by="pre_review"),
                outcome="rejected",
                reasons=reasons,
            )
        return _return_for_information(cmd, desk, app, tuple(checked.reasons), tuple(checked.missing))
    report = _bureau_report(cmd, desk, customer, app)
    facts = build_facts(
        customer=customer,
        application=app,
        spec=spec,
        report=report,
        collateral=pieces,
        lpr=desk.settings.lpr,
        day=cmd.clock.today(),
        existing=customer.accepted_offers > 0,
        history=desk.history.history(cmd.tx, customer.id) if desk.history is not None else None,
    )
    flow = desk.decider(spec, facts)
    _record_flow(cmd, app, flow, checked.flags, report)
    _tag(cmd, customer, spec.code, flow)
    # written once, with the outcome, by the step that decides it
    app = app.model_copy(
        update={
            "score": flow.score,
            "grade": flow.grade,
            "grade_spread": flow.pricing.spread or Decimal(0),
            "pricing_rate": flow.pricing.rate,
            "rule_limit": limit_money(flow.rule_limit),
            "line_limit": limit_money(flow.line_limit),
        }
    )
    route = flow.route
    if route is StepOutcome.approve and checked.flags:
        route = StepOutcome.manual_review
    if route is StepOutcome.reject:
        reasons = flow.reasons
        return ApplicationAssessment(
            application=reject(cmd, desk, app, reasons, by="rules"), outcome="rejected", reasons=reasons
        )
    if route is StepOutcome.manual_review:
        reasons = (*flow.reasons, *checked.flags)
        return _to_review(cmd, desk, app, tuple(reasons))
    offer = approve(
        cmd,
        desk,
        app,
        rule_limit=app.rule_limit,
        line_limit=app.line_limit,
        pricing=app.pricing,
        grade=app.grade,
        score=app.score,
    )
    final = applications.get(app.id)
    if offer is None:
        return ApplicationAssessment(application=final, outcome="rejected", reasons=final.reasons)
    return ApplicationAssessment(application=final, outcome="approved", reasons=offer.reasons, offer=offer)


def _bureau_report(cmd: Command, desk: Desk, customer: Customer, app: Application) -> BureauReportData:
    consent = app.consent(ConsentScope.bureau_query, cmd.clock.now())
    assert consent is not None  # pre-review returned the application otherwise
    query = BureauQuery(
        subject_id=customer.subject_id,
        subject_name=customer.name,
        purpose="loan_approval",
        consent_id=consent.reference or f"{app.id}:bureau-query",
        as_of=cmd.clock.today(),
    )
    try:
        report = desk.bureau.report(query)
    except ServiceUnavailable as exc:
        raise StateConflict(
            f"the credit bureau is unavailable ({exc}); assess again later",
            field="bureau",
            code="bureau-unavailable",
            message_zh="征信系统暂不可用，请稍后重新评估",
        ) from None
    cmd.emit(
        "bureau.queried", app.id, reference=report.reference, score=report.score, consent=query.consent_id
    )
    return report


def _record_flow(
    cmd: Command, app: Application, flow: FlowResult, flags: list[StepReason], report: BureauReportData
) -> None:
    repo = cmd.tx.repo(DecisionRecord)
    for step in flow.steps:
        values = dict(step.values)
        if step.step is DecisionStep.scoring:
            values.setdefault("bureau_reference", report.reference)
        repo.add(
            DecisionRecord(
                id=cmd.ids.new("dec"),
                application_id=app.id,
                customer_id=app.customer_id,
                product_code=app.product_code,
                step=step.step,
                outcome=step.outcome,
                values=json_safe(values),
                reasons=step.reasons,
                fired_rules=step.fired_rules,
                trace=tuple(dict(t) for t in step.trace),  # JSON-ready already (rules' to_json)
                rule_set=step.rule_set,
                at=cmd.clock.now(),
            )
        )
    repo.add(
        DecisionRecord(
            id=cmd.ids.new("dec"),
            application_id=app.id,
            customer_id=app.customer_id,
            product_code=app.product_code,
            step=DecisionStep.routing,
            outcome=flow.route,
            reasons=(*flow.reasons, *flags),
            rule_set="route",
            values=json_safe(
                {
                    "score": flow.score,
                    "grade": flow.grade,
                    "rule_limit": flow.rule_limit,
                    "line_limit": flow.line_limit,
                    "grade_spread": flow.pricing.spread,
                    "pricing_rate": flow.pricing.rate,
                    "flags": [f.code for f in flags],
                }
            ),
            at=cmd.clock.now(),
        )
    )


def _tag(cmd: Command, customer: Customer, product_code: str, flow: FlowResult) -> None:
    """Replace the tags this product's rules set earlier with the ones they set now."""
    if not flow.tags and not any(t.product_code == product_code for t in customer.tags):
        return
    kept = tuple(t for t in customer.tags if t.product_code != product_code)
    now = cmd.clock.now()
    new = tuple(
        ProfileTag(tag=tag, rule=rule, set_at=now, product_code=product_code) for tag, rule in flow.tags
    )
    repo = cmd.tx.repo(Customer)
    repo.update(repo.get(customer.id).model_copy(update={"tags": (*kept, *new)}))
    cmd.emit("customer.tagged", customer.id, tags=[t.tag for t in new], product_code=product_code)


def _to_review(
    cmd: Command, desk: Desk, app: Application, reasons: tuple[StepReason, ...]
) -> ApplicationAssessment:
    in_review = cmd.tx.repo(Application).update(
        app.model_copy(update={"status": ApplicationStatus.manual_review, "reasons": reasons})
    )
    cmd.emit("application.routed", app.id, route="manual_review", reasons=[r.code for r in reasons])
    task = open_task(cmd, desk, in_review, ReviewStage.first, reasons)
    desk.tell(cmd, in_review, "manual_review", reasons)
    return ApplicationAssessment(application=in_review, outcome="manual_review", reasons=reasons, task=task)


def _return_for_information(
    cmd: Command, desk: Desk, app: Application, reasons: tuple[StepReason, ...], missing: tuple[str, ...]
) -> ApplicationAssessment:
    returned = cmd.tx.repo(Application).update(
        app.model_copy(
            update={
                "status": ApplicationStatus.info_requested,
                "reasons": reasons,
                "returned_by": "pre_review",
                "review_round": app.review_round + 1,
            }
        )
    )
    cmd.emit("application.returned", app.id, by="pre_review", missing=list(missing))
    desk.tell(cmd, returned, "info_requested", reasons, missing)
    return ApplicationAssessment(
        application=returned, outcome="info_requested", reasons=reasons, missing=missing
    )
