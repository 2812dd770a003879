"""Extension, restructuring and payment holidays of live loans, four-eyes (展期、重组、延期还款审批).

A user of a relief role (``ServicingConfig.relief_roles``) asks for an adjustment with its reason
(:func:`request_relief`); the request is checked against the loan at once, so a request
that cannot apply is refused rather than stored. A second user of a relief role approves it
(:func:`approve_relief`) — the maker never decides their own request (双人审批) — and the
adjustment is applied on the approval day: new contract terms and schedule
(:func:`._relief.adjust`), the classification floor of a restructured loan,
and the ``loan.restructured`` event. Credit reporting (征信报送) reads the applied relief record: one
that moved the maturity is its month's 1 展期 special transaction. Every command is a link of the
audit chain.

:func:`end_observation` lifts the restructured flags when the observation period has
passed and every installment of it was paid in full by its due date (按期足额还款).
"""

from __future__ import annotations

from datetime import date

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing._core import Context, loan_in, position_in
from loanfactory.servicing._early_warning import late_rows
from loanfactory.servicing._four_eyes import Duty, Operator, command, reject
from loanfactory.servicing._loan import Installment, Loan
from loanfactory.servicing._relief import (
    RESTRUCTURED,
    Relief,
    ReliefKind,
    ReliefStatus,
    ReliefTerms,
    adjust,
)

LONG_TERM_CAP_MONTHS = 36  # 长期贷款展期累计不得超过三年
RELIEF = Duty(
    refused="ask for or approve loan adjustments",
    refused_zh="只有授权的风险或审批人员可以申请或审批贷款调整",
    field="relief_id",
    record="adjustment",
    record_zh="调整申请",
    undecided_zh="无需审批",
    own_zh="申请人不能审批自己的申请，须由另一名授权人员审批",
)


def preview_relief(
    ctx: Context, loan_id: str, terms: ReliefTerms, *, on: date | None = None
) -> tuple[Installment, ...]:
    """The loan's schedule after ``terms`` applied on ``on`` (default today), without changing
    anything (调整试算)."""
    day = ctx.today(on)
    with ctx.store.transaction() as tx:
        loan = loan_in(tx, loan_id)
        _check_extension(tx, loan, terms)
        return adjust(loan, position_in(tx, loan, day), terms, day, again=False).loan.schedule


def request_relief(
    ctx: Context, loan_id: str, terms: ReliefTerms, *, reason: str, operator: Operator, key: str
) -> Relief:
    """Ask for an adjustment of the loan (申请展期/重组/延期还款); it waits for a second user."""
    RELIEF.check(operator, ctx.config.relief_roles)
    if not reason.strip():
        raise InvalidInput("give the reason for the adjustment", field="reason", message_zh="请填写调整原因")

    def body(tx: Transaction) -> tuple[str, Relief]:
        loan = loan_in(tx, loan_id, lock=True)
        if tx.repo(Relief).list(loan_id=loan_id, status=ReliefStatus.pending.value):
            raise StateConflict(
                f"loan {loan_id} already has an adjustment waiting for approval",
                field="loan_id",
                code="relief-pending",
                message_zh=f"贷款 {loan_id} 已有待审批的调整申请",
            )
        day = ctx.clock.today()
        _check_extension(tx, loan, terms)
        adjust(loan, position_in(tx, loan, day), terms, day, again=False)  # refuse what cannot apply
        record = Relief(
            id=ctx.ids.new("rlf"),
            loan_id=loan_id,
            terms=terms,
            reason=reason,
            maker=operator.user,
            requested_at=ctx.clock.now(),
        )
        return loan_id, tx.repo(Relief).add(record)

    return command(
        ctx,
        operator,
        name="loan.request_relief",
        key=key,
        arguments={"loan": loan_id, "terms": terms, "reason": reason},
        result_type=Relief,
        body=body,
    )


def approve_relief(ctx: Context, relief_id: str, *, operator: Operator, key: str, note: str = "") -> Relief:
    """A second user approves the adjustment, which applies today (审批通过并生效)."""
    RELIEF.check(operator, ctx.config.relief_roles)

    def body(tx: Transaction) -> tuple[str, Relief]:
        record = RELIEF.pending(tx, Relief, relief_id, operator)
        day = ctx.clock.today()
        loan = loan_in(tx, record.loan_id, lock=True)
        _check_extension(tx, loan, record.terms)
        again = _observing(tx, loan.id, day)
        done = adjust(loan, position_in(tx, loan, day), record.terms, day, again=again)
        changed = done.loan
        floor = ctx.rules.floor(changed.overrides)
        if floor.rank > changed.category.rank:
            changed = changed.evolve(category=floor)
        changed = tx.repo(Loan).update(changed.evolve(attention_on=day))
        applied = tx.repo(Relief).update(
            record.evolve(
                status=ReliefStatus.applied,
                checker=operator.user,
                decided_at=ctx.clock.now(),
                decision_note=note,
                applied_on=day,
                principal=done.principal,
                first_due=done.first_due,
                maturity_before=loan.maturity,
                maturity_after=changed.maturity,
                months_added=done.months_added,
                category_before=loan.category,
                restructured=record.terms.financial_difficulty,
                observation_until=done.observation_until,
            )
        )
        ctx.emit(
            tx,
            "loan.restructured",
            loan.id,
            relief=applied.id,
            kind=record.terms.kind.value,
            restructured=record.terms.financial_difficulty,
            on=day,
            principal=done.principal,
            maturity_before=loan.maturity,
            maturity_after=changed.maturity,
            category_before=loan.category.value,
            category_after=changed.category.value,
            schedule_version=changed.schedule_version,
        )
        return loan.id, applied

    return command(
        ctx,
        operator,
        name="loan.approve_relief",
        key=key,
        arguments={"relief": relief_id, "note": note},
        result_type=Relief,
        body=body,
    )


def reject_relief(ctx: Context, relief_id: str, *, operator: Operator, reason: str, key: str) -> Relief:
    """A second user rejects the adjustment (审批驳回); the loan is unchanged."""
    return reject(
        ctx,
        RELIEF,
        Relief,
        relief_id,
        operator=operator,
        roles=ctx.config.relief_roles,
        reason=reason,
        key=key,
        name="loan.reject_relief",
        arguments={"relief": relief_id, "reason": reason},
        noted=lambda record: {"decision_note": reason},
    )


def reliefs(ctx: Context, loan_id: str) -> list[Relief]:
    """The adjustments asked for on a loan, oldest first."""
    with ctx.store.transaction() as tx:
        return sorted(tx.repo(Relief).list(loan_id=loan_id), key=lambda r: r.requested_at)


def end_observation(ctx: Context, loan_id: str, *, operator: Operator, key: str) -> Loan:
    """Lift the restructured classification floor (退出重组资产认定) after the observation period,
    when every installment due in it was paid in full by its due date.

    Whether the borrower's financial difficulty is resolved is the checker's judgement; the
    command records who made it. Raises :class:`StateConflict` otherwise.
    """
    RELIEF.check(operator, ctx.config.relief_roles)

    def body(tx: Transaction) -> tuple[str, Loan]:
        loan = loan_in(tx, loan_id, lock=True)
        day = ctx.clock.today()
        last = _last_restructuring(tx, loan_id)
        if last is None or RESTRUCTURED not in loan.overrides:
            raise StateConflict(
                f"loan {loan_id} is not a restructured loan",
                field="loan_id",
                message_zh=f"贷款 {loan_id} 不是重组贷款",
            )
        assert last.observation_until is not None
        assert last.applied_on is not None
        if day < last.observation_until:
            raise StateConflict(
                f"the observation period runs until {last.observation_until}",
                field="loan_id",
                code="observation-running",
                message_zh=f"重组观察期至 {last.observation_until} 结束",
            )
        lates = late_rows(tx.ledger.entries(loan.id), loan.schedule, last.applied_on, day)
        if lates:
            late = lates[0]
            raise StateConflict(
                f"installment {late.number} due {late.due_date} was not paid in full on time; "
                "the observation period restarts from then",
                field="loan_id",
                code="observation-broken",
                message_zh=f"第 {late.number} 期（{late.due_date} 到期）未按期足额还款，"
                "观察期应自该日重新计算",
            )
        kept = tuple(f for f in loan.overrides if not f.startswith(RESTRUCTURED))
        category = ctx.rules.classify(loan.days_past_due, kept)
        changed = tx.repo(Loan).update(loan.evolve(overrides=kept, category=category, attention_on=day))
        ctx.emit(tx, "loan.observation_ended", loan_id, relief=last.id, on=day, by=operator.user)
        return loan_id, changed

    return command(
        ctx,
        operator,
        name="loan.end_observation",
        key=key,
        arguments={"loan": loan_id},
        result_type=Loan,
        body=body,
    )


# --- inside a transaction -------------------------------------------------------------------


def _check_extension(tx: Transaction, loan: Loan, terms: ReliefTerms) -> None:
    """《贷款通则》第十二条: the extensions of a loan in total stay within the original term (up to
    one year), half of it (up to five years) or three years (longer)."""
    if terms.kind is not ReliefKind.extension or loan.terms.frequency.months is None:
        return
    done = [
        r
        for r in tx.repo(Relief).list(loan_id=loan.id, status=ReliefStatus.applied.value)
        if r.terms.kind is ReliefKind.extension
    ]
    extended = sum(r.months_added for r in done)
    original = loan.terms.term - extended
    if original <= 12:
        cap = original
    elif original <= 60:
        cap = original // 2
    else:
        cap = LONG_TERM_CAP_MONTHS
    wanted = terms.extra_periods * loan.terms.frequency.months
    if extended + wanted > cap:
        raise InvalidInput(
            f"extensions of a {original}-month loan total at most {cap} months; "
            f"{extended} granted, {wanted} asked",
            field="extra_periods",
            code="extension-cap",
            message_zh=f"原期限 {original} 个月的贷款展期累计不得超过 {cap} 个月"
            f"（已展期 {extended}，本次 {wanted}）",
        )


def _last_restructuring(tx: Transaction, loan_id: str) -> Relief | None:
    applied = [
        r for r in tx.repo(Relief).list(loan_id=loan_id, status=ReliefStatus.applied.value) if r.restructured
    ]
    return max(applied, key=lambda r: r.requested_at) if applied else None


def _observing(tx: Transaction, loan_id: str, day: date) -> bool:
    """Whether the loan is in the observation period of an earlier restructuring on ``day``."""
    last = _last_restructuring(tx, loan_id)
    return last is not None and last.observation_until is not None and day < last.observation_until
