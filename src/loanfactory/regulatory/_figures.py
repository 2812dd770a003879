"""The figures a credit-reporting record carries, derived from the loan and its ledger (the one source).

Every figure comes from servicing's own derivation: :func:`loanfactory.servicing.fold` turns the
append-only postings and the loan's schedule into a position as of a date, exactly as the end of
day and the portfolio report see it. Definitions (each documented in ``docs/regulatory-zh.md``):

- balance (余额) — principal outstanding in the ledger at the end of the date; for a written-off
  account, the written-off principal not yet recovered;
- overdue total (当前逾期总额) — principal, interest and fees due before the date and unpaid, plus
  penalty interest charged and unpaid; for a written-off account, the written-off amount not yet
  recovered (recoveries settle penalty, fees and interest before principal);
- overdue principal by age (逾期 31-60 / 61-90 / 91-180 / 180 天以上未归还本金) — each unpaid
  principal due counted by the days since its due date;
- days past due and overdue periods — from the oldest unpaid due date, as servicing ages loans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loanfactory.ports import LedgerEntryRecord
from loanfactory.servicing import (
    CASH_IN,
    PENALTY_KEY,
    Component,
    EntryType,
    Installment,
    Loan,
    LoanStatus,
    fold,
)

ZERO = Decimal(0)
_BUCKETS = ((31, 60), (61, 90), (91, 180), (181, None))


@dataclass(frozen=True, slots=True)
class Figures:
    """One account's figures at the end of ``day``."""

    day: date
    state: str  # "open", "closed" (settled) or "written-off"
    balance: Decimal
    overdue: Decimal
    overdue_principal: Decimal
    buckets: tuple[Decimal, Decimal, Decimal, Decimal]
    overdue_periods: int
    days_past_due: int
    oldest_unpaid: date | None
    remaining_periods: int
    last_payment: date | None
    last_payment_amount: Decimal
    last_payment_principal: Decimal

    @property
    def adverse(self) -> bool:
        """Adverse information (不良信息): anything overdue, or a written-off debt."""
        return self.overdue > 0 or self.state == "written-off"


class LoanHistory:
    """A loan with its postings, answering what a record needs as of any date."""

    def __init__(self, loan: Loan, entries: Sequence[LedgerEntryRecord]) -> None:
        self.loan = loan
        self.entries = list(entries)
        reversed_ids = {e.reverses for e in self.entries if e.reverses is not None}
        self.live = [e for e in self.entries if e.type != EntryType.reversal and e.id not in reversed_ids]
        self.schedule: tuple[Installment, ...] = loan.schedule
        self.opened: date | None = loan.start
        self._figures: dict[date, Figures] = {}

    # --- dates ----------------------------------------------------------------------------------

    def state_on(self, day: date) -> str:
        closed = self.loan.closed_on
        if closed is None or closed > day:
            return "open"
        return "written-off" if self.loan.status is LoanStatus.written_off else "closed"

    def rows_due(self, start: date, end: date) -> list[Installment]:
        return [r for r in self.schedule if start <= r.due_date <= end]

    def maturity(self) -> date | None:
        return self.schedule[-1].due_date if self.schedule else None

    # --- cash -----------------------------------------------------------------------------------

    def payments(self, start: date, end: date) -> list[LedgerEntryRecord]:
        """Cash received in ``start..end`` that still stands (reversed payments left out)."""
        return [e for e in self.live if e.type in CASH_IN and start <= e.business_date <= end]

    def collects_overdue(self, day: date) -> bool:
        """Whether a payment on ``day`` settled anything that fell due before it (or penalty):
        the cheap test before figures are computed for a 收回逾期款项 record."""
        due_on = {str(r.number): r.due_date for r in self.schedule}
        for entry in self.live:
            if entry.business_date != day or entry.type not in CASH_IN:
                continue
            for key, _, _ in entry.data.get("allocation", ()):
                if key == PENALTY_KEY or key.startswith("u:") or due_on.get(key, day) < day:
                    return True
        return False

    def paid_on_time(self, row: Installment) -> bool:
        """Whether everything the installment asked for was allocated by its due date."""
        key = str(row.number)
        paid = ZERO
        for entry in self.live:
            if entry.business_date > row.due_date:
                continue
            for due, component, amount in entry.data.get("allocation", ()):
                if due == key and component != Component.penalty.value:
                    paid += Decimal(amount)
        return paid >= row.principal + row.interest + row.fee - row.waived

    # --- the position ---------------------------------------------------------------------------

    def figures(self, day: date) -> Figures:
        """The figures at the end of ``day`` (computed once per date)."""
        found = self._figures.get(day)
        if found is None:
            found = self._figures[day] = self._compute(day)
        return found

    def _compute(self, day: date) -> Figures:
        entries = [e for e in self.entries if e.business_date <= day]
        state = self.state_on(day)
        cash = [e for e in self.live if e.type in CASH_IN and e.business_date <= day]
        last = max((e.business_date for e in cash), default=None)
        last_amount = sum((e.amount for e in cash if e.business_date == last), ZERO)
        last_principal = sum((-e.principal for e in cash if e.business_date == last), ZERO)
        remaining = sum(1 for r in self.schedule if r.due_date > day)
        if state == "written-off":
            return self._written_off(day, entries, last, last_amount, last_principal)
        position = fold(entries, self.schedule, day)
        overdue_dues = [
            d for d in position.dues if d.key != PENALTY_KEY and d.due_date < day and d.outstanding > 0
        ]
        overdue = sum((d.outstanding for d in overdue_dues), ZERO) + max(position.penalty, ZERO)
        principal_dues = [d for d in overdue_dues if d.component is Component.principal]
        buckets = [ZERO, ZERO, ZERO, ZERO]
        for due in principal_dues:
            age = (day - due.due_date).days
            for i, (low, high) in enumerate(_BUCKETS):
                if age >= low and (high is None or age <= high):
                    buckets[i] += due.outstanding
        periods = len({d.key for d in overdue_dues if d.key.isdigit()})
        oldest = min((d.due_date for d in overdue_dues), default=None)
        return Figures(
            day=day,
            state=state,
            balance=position.principal,
            overdue=overdue,
            overdue_principal=sum((d.outstanding for d in principal_dues), ZERO),
            buckets=(buckets[0], buckets[1], buckets[2], buckets[3]),
            overdue_periods=periods,
            days_past_due=position.days_past_due(day),
            oldest_unpaid=oldest,
            remaining_periods=0 if state == "closed" else remaining,
            last_payment=last,
            last_payment_amount=last_amount,
            last_payment_principal=last_principal,
        )

    def _written_off(
        self,
        day: date,
        entries: list[LedgerEntryRecord],
        last: date | None,
        last_amount: Decimal,
        last_principal: Decimal,
    ) -> Figures:
        offs = [e for e in self.live if e.type == EntryType.write_off and e.business_date <= day]
        total = sum((e.amount for e in offs), ZERO)
        principal = sum((-e.principal for e in offs), ZERO)
        written_on = min((e.business_date for e in offs), default=day)
        recovered = sum(
            (e.amount for e in self.live if e.type in CASH_IN and written_on < e.business_date <= day), ZERO
        )
        outstanding = max(ZERO, total - recovered)
        outstanding_principal = min(principal, outstanding)  # recoveries settle the rest first
        oldest = self._oldest_before(written_on)
        dpd = (day - oldest).days if oldest is not None else 0
        return Figures(
            day=day,
            state="written-off",
            balance=outstanding_principal,
            overdue=outstanding,
            overdue_principal=outstanding_principal,
            buckets=(ZERO, ZERO, ZERO, outstanding_principal) if dpd > 180 else (ZERO, ZERO, ZERO, ZERO),
            overdue_periods=sum(1 for r in self.schedule if oldest is not None and r.due_date >= oldest),
            days_past_due=dpd,
            oldest_unpaid=oldest,
            remaining_periods=0,
            last_payment=last,
            last_payment_amount=last_amount,
            last_payment_principal=last_principal,
        )

    def _oldest_before(self, written_on: date) -> date | None:
        """The oldest due unpaid on the eve of the write-off (the delinquency it ended)."""
        eve = written_on - timedelta(days=1)
        position = fold([e for e in self.entries if e.business_date <= eve], self.schedule, eve)
        return position.oldest_unpaid()


__all__ = ["Figures", "LoanHistory"]
