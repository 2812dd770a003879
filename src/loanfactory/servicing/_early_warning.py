"""Early warnings ahead of the due date (到期前风险预警): a rules-language scorecard over each
upcoming installment, warning risk staff 72 hours before it is due, with the reasons.

Each loan the end of day looks at on the reminder day (``ServicingConfig.reminder_hours`` before
a due date) has its upcoming installment scored by the scorecard of :class:`EarlyWarning` — a
``scoring`` definition of the rules language (``rules/early_warning.yaml`` ships one), reading
``loan.*`` facts:

- ``loan.balance_short`` — the payment system's pre-debit balance check
  (:class:`~loanfactory.ports.BalanceEnquiry`) found the repayment account short of the
  installment (None when it was not asked or cannot tell);
- ``loan.late_installments``, ``loan.max_dpd`` — installments not paid in full by their due date
  so far, and the worst days past due;
- ``loan.new_bad_records`` — bad credit-report records seen since disbursement (风险信号);
- ``loan.fund_misuse`` — a fund-use signal (资金挪用) on the loan;
- the installment (``installment_due``, ``days_to_due``, ``next_due_date``) and the loan's
  balance, classification and restructured flag.

A grade in ``EarlyWarning.warn`` stores a :class:`~loanfactory.servicing.RiskWarning` (kind
``early-warning``) and notifies the risk role, once per installment and schedule version;
:func:`upcoming_risk` scores without writing, for a staff screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from loanfactory.errors import SpecError
from loanfactory.facts import Facts, LoanFacts
from loanfactory.money import format_money
from loanfactory.ports import BalanceEnquiry, Channel, LedgerEntryRecord, Transaction
from loanfactory.rules import CompiledDefinition, compile_definition, load_rule_file
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._loan import Installment, Loan, LoanStatus, Value
from loanfactory.servicing._position import PENALTY_KEY, fold
from loanfactory.servicing._records import RiskSignal, RiskWarning, SignalKind, WarningKind

ZERO = Decimal(0)
DEFINITION = "upcoming_installment_risk"


@dataclass(frozen=True)
class EarlyWarning:
    """How upcoming installments are scored and which grades warn staff (预警配置)."""

    scorecard: CompiledDefinition
    balances: BalanceEnquiry | None = None
    warn: frozenset[str] = field(default_factory=lambda: frozenset({"high"}))

    @classmethod
    def from_file(
        cls,
        path: Path | str,
        *,
        definition: str = DEFINITION,
        balances: BalanceEnquiry | None = None,
        warn: Sequence[str] = ("high",),
    ) -> EarlyWarning:
        """The scorecard ``definition`` of the rule file at ``path``; raises :class:`SpecError`
        with the file's located diagnostics when it does not load."""
        library, diagnostics = load_rule_file(path)
        errors = [d for d in diagnostics if d.severity == "error"]
        if library is None or errors:
            raise SpecError(diagnostics=errors)
        return cls(compile_definition(library.get(definition)), balances, frozenset(warn))


class UpcomingRisk(Value):
    """The score of one upcoming installment (到期前风险评分) and why."""

    loan_id: str
    installment: int
    due_date: date
    amount: Decimal
    score: Decimal
    grade: str
    reasons: tuple[str, ...] = ()  # reason codes
    messages: tuple[str, ...] = ()  # their Chinese texts
    warned: bool = False


def upcoming_risk(ctx: Context, loan_id: str, *, on: date | None = None) -> list[UpcomingRisk]:
    """The scores of the loan's installments due ``reminder_hours`` after ``on`` (default today)."""
    day = ctx.today(on)
    with ctx.store.transaction() as tx:
        return _scores(ctx, tx, loan_in(tx, loan_id), day)


def warn_ahead(ctx: Context, tx: Transaction, loan: Loan, day: date) -> int:
    """Score the installments due ``reminder_hours`` after ``day`` and warn risk staff of those
    graded to warn (inside the end of day's transaction); the number of warnings raised."""
    raised = 0
    for risk in _scores(ctx, tx, loan, day):
        if not risk.warned:
            continue
        warning_id = f"ewr_{loan.id}_{risk.installment}_{loan.schedule_version}"
        if tx.repo(RiskWarning).find(warning_id) is not None:
            continue
        details = "；".join(risk.messages) or "-"
        message = (
            f"贷款 {loan.id}（客户 {loan.customer_id}）第 {risk.installment} 期 "
            f"{format_money(risk.amount)} 元将于 {risk.due_date} 到期，预警评分 {risk.score}"
            f"（{risk.grade}）：{details}"
        )
        tx.repo(RiskWarning).add(
            RiskWarning(
                id=warning_id,
                loan_id=loan.id,
                warning=WarningKind.early,
                raised_on=day,
                recipients=(ctx.config.risk_role,),
                message=message,
            )
        )
        ctx.notify(
            tx,
            recipient=ctx.config.risk_role,
            template="risk_warning",
            channel=Channel.staff,
            body=message,
            dedup_key=f"early-warning:{warning_id}",
            data={
                "loan_id": loan.id,
                "customer_id": loan.customer_id,
                "signal": WarningKind.early.value,
                "details": f"第 {risk.installment} 期 {risk.due_date} 到期；评分 {risk.score}；{details}",
            },
        )
        ctx.emit(
            tx,
            "risk.early_warning",
            loan.id,
            installment=risk.installment,
            due_date=risk.due_date,
            score=risk.score,
            grade=risk.grade,
            reasons=list(risk.reasons),
        )
        raised += 1
    return raised


def _scores(ctx: Context, tx: Transaction, loan: Loan, day: date) -> list[UpcomingRisk]:
    policy = ctx.early_warning
    if policy is None or loan.status is not LoanStatus.active:
        return []
    ahead = day + timedelta(hours=ctx.config.reminder_hours)
    rows = [r for r in loan.schedule if r.due_date == ahead and r.total > 0]
    if not rows:
        return []
    entries = tx.ledger.entries(loan.id)
    signals = tx.repo(RiskSignal).list(loan_id=loan.id)
    position = fold(entries, loan.schedule, day)
    late = late_rows(entries, loan.schedule, None, day)
    out = []
    for row in rows:
        short = None
        if policy.balances is not None and loan.account:
            enough = policy.balances.sufficient(loan.account, row.total, day)
            short = None if enough is None else not enough
        facts = Facts(
            as_of=day,
            loan=LoanFacts(
                id=loan.id,
                principal=loan.amount,
                balance=position.principal,
                disbursed_on=loan.start,
                maturity_date=loan.maturity,
                next_due_date=row.due_date,
                dpd=loan.days_past_due,
                classification=loan.category.value.replace("-", "_"),  # type: ignore[arg-type]
                restructured=any(f.startswith("restructured") for f in loan.overrides),
                installment_due=row.total,
                days_to_due=(row.due_date - day).days,
                balance_short=short,
                late_installments=len(late),
                max_dpd=loan.max_days_past_due,
                new_bad_records=sum(s.signal is SignalKind.bad_bureau_record for s in signals),
                fund_misuse="fund-misuse" in loan.overrides
                or any(s.signal is SignalKind.fund_misuse for s in signals),
            ),
        )
        decision = policy.scorecard.evaluate(facts)
        grade = str(decision.values.get("grade", ""))
        out.append(
            UpcomingRisk(
                loan_id=loan.id,
                installment=row.number,
                due_date=row.due_date,
                amount=row.total,
                score=Decimal(str(decision.values.get("score", 0))),
                grade=grade,
                reasons=decision.reason_codes,
                messages=tuple(r.message_zh or r.message for r in decision.reasons),
                warned=grade in policy.warn,
            )
        )
    return out


def late_rows(
    entries: Sequence[LedgerEntryRecord], schedule: Sequence[Installment], since: date | None, until: date
) -> list[Installment]:
    """The installments due after ``since`` (from the start without it) and by ``until`` that were
    not paid in full at the end of their due date (逾期还款的期次)."""
    late = []
    for row in schedule:
        if (since is not None and row.due_date <= since) or row.due_date > until:
            continue
        position = fold(entries, schedule, row.due_date)
        key = str(row.number)
        if any(d.key == key and d.key != PENALTY_KEY and d.outstanding > 0 for d in position.dues):
            late.append(row)
    return late
