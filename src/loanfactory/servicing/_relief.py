"""Relief for a live loan (贷款展期、重组与延期还款): what is asked, and the loan it makes.

Three kinds of contract adjustment (合同调整) are supported:

- **extension** (展期): installments are added to the loan (or a single-payment loan gets a later
  maturity); the rate stays. 《贷款通则》第十二条 caps the extensions of a loan in total: no more
  than the original term for a short-term loan (up to one year), half of it for a medium-term loan
  (up to five years), three years for a long-term loan;
- **restructuring** (重组): a new number of remaining installments and/or a new contract rate;
- **payment holiday** (延期还款/还款假期): the next ``holiday_periods`` installments pay no
  principal; their interest is paid as usual (``interest-only``), deferred to the first installment
  after the holiday (``deferred``) or waived (``waived``). ``keep-term`` keeps the maturity (the
  principal is repaid over the installments after the holiday), ``extend-term`` adds the holiday's
  installments at the end.

The new schedule is always computed by the one schedule path servicing uses for the rest of a
loan (:func:`._terms.tail_terms` from the loan's contract terms, evolved by
the adjustment): the stretch restarts at the start of the current period (the last due date on or
before the adjustment, or the last re-amortisation) with the principal not yet due — read from the
ledger and checked against the schedule — so no interest of the current period is lost and the
principal after equals the principal before to the fen. Amounts already due stay due.

Under the 2023 classification rules (《商业银行金融资产风险分类办法》第十七至二十三条) an
adjustment made because the borrower is in financial difficulty makes a restructured asset (重组
资产): one classified normal or special-mention before is at least special-mention after; one
classified substandard or worse is not upgraded during the observation period (观察期), which
starts on the first due date after the adjustment, covers at least two installments and at least
one year; a loan restructured again within its observation period is at least substandard. An
adjustment without financial difficulty is not a restructuring and sets no floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.calendar import add_months
from loanfactory.conventions import RepaymentMethod, TermUnit
from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import Money
from loanfactory.schedule import build_schedule
from loanfactory.servicing._ledger import LedgerIdentityError
from loanfactory.servicing._loan import Category, Component, Installment, Loan, LoanStatus, Value
from loanfactory.servicing._position import Position
from loanfactory.servicing._terms import posting_rows, tail_terms, waiver_left, with_waiver
from loanfactory.terms import ContractTerms, RateReset

ZERO = Decimal(0)
RESTRUCTURED = "restructured"
"""The classification flag of a restructured loan (重组贷款, at least 关注)."""
RESTRUCTURED_AGAIN = "restructured-again"
"""The flag of a loan restructured again within its observation period (at least 次级)."""


def held_at(category: Category) -> str:
    """The flag that keeps a loan restructured from ``category`` (次级 or worse) from an upgrade."""
    return f"restructured-held-{category.value}"


class ReliefKind(StrEnum):
    extension = "extension"  # 展期
    restructuring = "restructuring"  # 重组：调整期限、利率
    holiday = "payment-holiday"  # 延期还款（还款假期）


class HolidayTerm(StrEnum):
    keep_term = "keep-term"  # 到期日不变
    extend_term = "extend-term"  # 到期日顺延


class HolidayInterest(StrEnum):
    interest_only = "interest-only"  # 只还息不还本
    deferred = "deferred"  # 利息延后至假期后首期收取
    waived = "waived"  # 假期内利息减免


class ReliefTerms(Value):
    """What an adjustment changes (调整内容); which fields apply depends on ``kind``."""

    kind: ReliefKind
    extra_periods: Annotated[int, Field(ge=0, le=600)] = 0  # extension: installments added
    maturity: date | None = None  # extension of a single-payment loan: the new maturity (到期日)
    periods: Annotated[int, Field(ge=1, le=600)] | None = None  # restructuring: installments left
    annual_rate: Annotated[Decimal, Field(allow_inf_nan=False, ge=0, le=1)] | None = None  # 新合同利率
    holiday_periods: Annotated[int, Field(ge=0, le=60)] = 0
    holiday_term: HolidayTerm = HolidayTerm.keep_term
    holiday_interest: HolidayInterest = HolidayInterest.deferred
    financial_difficulty: bool = True  # 债务人财务困难：调整即为重组资产


class ReliefStatus(StrEnum):
    pending = "pending"  # 待复核
    applied = "applied"  # 已生效
    rejected = "rejected"  # 已驳回


class Relief(Entity):
    """A request to adjust a live loan's contract, its four-eyes decision and what it did."""

    kind: ClassVar[str] = "loan_relief"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "status")
    audited: ClassVar[tuple[str, ...]] = ("loan_id", "status", "principal", "applied_on")

    loan_id: str
    terms: ReliefTerms
    reason: str
    maker: str
    requested_at: datetime
    status: ReliefStatus = ReliefStatus.pending
    checker: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    applied_on: date | None = None
    principal: Money = ZERO  # principal rescheduled (重新安排的本金)
    first_due: date | None = None
    maturity_before: date | None = None
    maturity_after: date | None = None
    months_added: int = 0  # months (or days, for a term in days) the maturity moved
    category_before: Category | None = None
    restructured: bool = False
    observation_until: date | None = None  # 重组观察期截止日


@dataclass(frozen=True, slots=True)
class Adjusted:
    """The loan after an adjustment, and the figures the record keeps."""

    loan: Loan
    principal: Decimal
    first_due: date
    months_added: int
    observation_until: date | None


def adjust(loan: Loan, position: Position, relief: ReliefTerms, day: date, *, again: bool) -> Adjusted:
    """The loan with ``relief`` applied on ``day``; ``position`` is its position at the end of ``day``
    and ``again`` says whether it is still in the observation period of an earlier restructuring.

    Raises :class:`StateConflict` when the loan cannot be adjusted and :class:`InvalidInput` when the
    adjustment does not fit it.
    """
    if loan.status is not LoanStatus.active:
        raise StateConflict(
            f"loan {loan.id} is {loan.status}",
            field="loan_id",
            message_zh=f"贷款 {loan.id} 状态为 {loan.status}",
        )
    past = tuple(r for r in loan.schedule if r.due_date <= day)
    future = [r for r in loan.schedule if r.due_date > day]
    if not future:
        raise StateConflict(
            f"loan {loan.id} has no installment due after {day} to adjust",
            field="loan_id",
            code="nothing-to-adjust",
            message_zh=f"贷款 {loan.id} 在 {day} 之后没有未到期的还款计划，无法调整",
        )
    due_principal = sum((d.outstanding for d in position.dues if d.component is Component.principal), ZERO)
    principal = position.principal - due_principal
    if principal != future[0].principal + future[0].balance:
        raise LedgerIdentityError(
            f"loan {loan.id}: the ledger's principal not yet due {principal} differs from the schedule's "
            f"{future[0].principal + future[0].balance}"
        )
    starts = [d for d in (past[-1].due_date if past else None, loan.tail_start) if d is not None]
    start = max(starts)
    number = future[0].number
    terms, periods, first_due, added = _new_terms(loan, relief, len(future), future[0].due_date, start)
    engine = tail_terms(
        terms, principal=principal, start=start, periods=periods, first_due=first_due, first=number
    )
    holiday = relief.holiday_periods if relief.kind is ReliefKind.holiday else 0
    if holiday:
        if holiday >= periods:
            raise InvalidInput(
                f"a holiday of {holiday} installments leaves none to repay the principal in",
                field="holiday_periods",
                message_zh=f"延期 {holiday} 期后没有剩余期次偿还本金",
            )
        deferred = relief.holiday_interest is HolidayInterest.deferred
        engine = engine.with_(grace_principal=holiday, grace_interest=holiday if deferred else 0)
    schedule = build_schedule(engine)
    rows = posting_rows(schedule, first_number=number)
    if holiday and relief.holiday_interest is HolidayInterest.waived:
        rows = _waive_first(rows, holiday)
    rows = with_waiver(rows, waiver_left(loan, start))
    if sum((r.principal for r in rows), ZERO) != principal:  # the engine's own identity; never skip it
        raise LedgerIdentityError(f"loan {loan.id}: the new schedule does not repay {principal}")
    flags = loan.overrides
    observation = None
    if relief.financial_difficulty:
        extra = [RESTRUCTURED]
        if loan.category.rank >= Category.substandard.rank:
            extra.append(held_at(loan.category))
        if again:
            extra.append(RESTRUCTURED_AGAIN)
        flags = (*flags, *(f for f in extra if f not in flags))
        observation = observation_end(rows)
    adjusted = loan.evolve(
        terms=terms,
        schedule=past + rows,
        schedule_version=loan.schedule_version + 1,
        tail_start=start,
        tail_from=number,
        level_installment=schedule.level_installment,
        overrides=flags,
    )
    return Adjusted(adjusted, principal, rows[0].due_date, added, observation)


def observation_end(rows: tuple[Installment, ...]) -> date:
    """The end of the observation period (观察期): from the first due date after the adjustment, at
    least two installments and at least one year."""
    first = rows[0].due_date
    second = rows[1].due_date if len(rows) > 1 else first
    return max(second, add_months(first, 12))


def _new_terms(
    loan: Loan, relief: ReliefTerms, left: int, next_due: date, start: date
) -> tuple[ContractTerms, int, date, int]:
    """(contract terms, installments left, first due date, months or days added) after ``relief``."""
    terms = loan.terms
    single = terms.method is RepaymentMethod.bullet
    months = terms.frequency.months or 0
    kind = relief.kind
    if kind is ReliefKind.extension:
        if single:
            if relief.maturity is None or relief.maturity <= next_due:
                raise InvalidInput(
                    f"extend a single-payment loan to a maturity after {next_due}",
                    field="maturity",
                    message_zh=f"一次还本付息贷款展期须给出晚于 {next_due} 的新到期日",
                )
            added = (relief.maturity - next_due).days
            if terms.term_unit is TermUnit.months:
                raise InvalidInput(
                    "a single-payment loan with a term in months is extended by whole installments",
                    field="maturity",
                    message_zh="按月计期限的一次还本付息贷款暂不支持按日展期",
                )
            longer = terms.evolve(term=terms.term + added, periods=terms.periods + added)
            return longer, 1, relief.maturity, added
        if relief.extra_periods < 1:
            raise InvalidInput(
                "an extension adds at least one installment",
                field="extra_periods",
                message_zh="展期至少增加一期",
            )
        added = relief.extra_periods * months
        return (
            terms.evolve(term=terms.term + added, periods=terms.periods + relief.extra_periods),
            left + relief.extra_periods,
            next_due,
            added,
        )
    if single and kind is not ReliefKind.restructuring:
        raise InvalidInput(
            "a single-payment loan has no installments to pause; extend it instead",
            field="kind",
            message_zh="一次还本付息贷款没有可延期的期次，请办理展期",
        )
    if kind is ReliefKind.holiday:
        if terms.rate.floating:  # a repricing rebuilds the stretch from the terms, which hold no holiday
            raise InvalidInput(
                "a payment holiday is not supported on a floating-rate loan",
                field="kind",
                message_zh="浮动利率贷款暂不支持延期还款",
            )
        if relief.holiday_periods < 1:
            raise InvalidInput(
                "a payment holiday covers at least one installment",
                field="holiday_periods",
                message_zh="延期还款至少覆盖一期",
            )
        more = relief.holiday_periods if relief.holiday_term is HolidayTerm.extend_term else 0
        changed = terms.evolve(term=terms.term + more * months, periods=terms.periods + more)
        return changed, left + more, next_due, more * months
    if relief.periods is None and relief.annual_rate is None:
        raise InvalidInput(
            "a restructuring changes the installments left, the rate, or both",
            field="periods",
            message_zh="重组须调整剩余期数或利率",
        )
    if single and relief.periods is not None:
        raise InvalidInput(
            "a single-payment loan keeps one installment; extend it to change its maturity",
            field="periods",
            message_zh="一次还本付息贷款只能通过展期调整到期日",
        )
    periods = relief.periods or left
    more = periods - left
    changed = terms.evolve(term=terms.term + more * months, periods=terms.periods + more)
    if relief.annual_rate is not None:
        if terms.rate.floating:
            raise InvalidInput(
                "a floating-rate loan is restructured at its LPR spread; a new fixed rate is not supported",
                field="annual_rate",
                message_zh="浮动利率贷款暂不支持重组为新的固定利率",
            )
        kept = tuple(r for r in terms.rate.resets if r.on < start)
        reset = RateReset(on=start, annual=relief.annual_rate)
        changed = changed.evolve(rate=terms.rate.model_copy(update={"resets": (*kept, reset)}))
    return changed, periods, next_due, more * months


def _waive_first(rows: tuple[Installment, ...], count: int) -> tuple[Installment, ...]:
    """The first ``count`` rows with their interest waived (假期利息减免)."""
    return tuple(_waived(r) if i < count else r for i, r in enumerate(rows))


def _waived(row: Installment) -> Installment:
    return row.model_copy(
        update={"interest": ZERO, "total": row.total - row.interest, "waived": row.waived + row.interest}
    )
