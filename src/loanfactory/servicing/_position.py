"""The position of a loan (账户头寸), derived from its ledger — never stored as the truth.

The ledger holds append-only postings (:class:`~loanfactory.ports.LedgerEntryRecord`). Each
component field is the signed change in what the borrower owes: positive when something is
charged (disbursement, interest, penalty, fee), negative when it is paid, waived or written off.
``credit`` is the change in money held for the borrower (溢缴款). So for every posting:

    principal + interest + penalty + fee - credit  ==  cash out - cash in + charges - reliefs

and :func:`fold` turns the postings into the balances and the open dues used by allocation,
ageing and classification. A reversed posting and its reversal cancel; allocations that a
reversed posting made are undone with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from loanfactory.ports import LedgerEntryRecord
from loanfactory.servicing._loan import Component, Installment

ZERO = Decimal(0)


class EntryType(StrEnum):
    """Kinds of ledger posting (账务交易类型)."""

    disbursement = "disbursement"  # 放款
    interest = "interest"  # 利息计提（到期应收）
    penalty = "penalty"  # 罚息、复利计提
    fee = "fee"  # 费用
    repayment = "repayment"  # 还款
    prepayment = "prepayment"  # 提前还款
    credit_applied = "credit-applied"  # 溢缴款冲抵
    refund = "refund"  # 溢缴款退回
    waiver = "waiver"  # 减免
    write_off = "write-off"  # 核销
    reversal = "reversal"  # 冲正


CASH_IN = frozenset({EntryType.repayment, EntryType.prepayment})
CASH_OUT = frozenset({EntryType.disbursement, EntryType.refund})
CHARGES = frozenset({EntryType.interest, EntryType.penalty, EntryType.fee})
RELIEFS = frozenset({EntryType.waiver, EntryType.write_off})
ALLOCATING = frozenset(
    {
        EntryType.repayment,
        EntryType.prepayment,
        EntryType.credit_applied,
        EntryType.waiver,
        EntryType.write_off,
    }
)

PENALTY_KEY = "penalty"
"""The key of the loan-level penalty due in allocations."""


@dataclass(slots=True)
class Due:
    """An amount that has fallen due: a component of an installment, a one-off charge, or penalty."""

    key: str  # installment number as text, "u:<entry id>" for a one-off charge, or "penalty"
    due_date: date
    component: Component
    amount: Decimal
    paid: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid


@dataclass(slots=True)
class Position:
    """Balances and open dues of one loan at the end of a business date (as derived)."""

    as_of: date
    principal: Decimal = ZERO  # outstanding principal, due or not (剩余本金)
    interest: Decimal = ZERO  # charged and unpaid interest (应收未收利息)
    penalty: Decimal = ZERO  # 应收未收罚息
    fee: Decimal = ZERO  # 应收未收费用
    credit: Decimal = ZERO  # money held for the borrower (溢缴款)
    disbursed: Decimal = ZERO
    repaid: Decimal = ZERO  # cash received, net of reversals
    written_off: Decimal = ZERO
    dues: list[Due] = field(default_factory=list)
    entries: int = 0

    @property
    def owed(self) -> Decimal:
        """Everything charged and not yet paid, principal included (不含未到期利息)."""
        return self.principal + self.interest + self.penalty + self.fee

    @property
    def due_now(self) -> Decimal:
        """What is due and unpaid (应还未还)."""
        return sum((d.outstanding for d in self.dues), ZERO)

    def open_dues(self) -> list[Due]:
        return [d for d in self.dues if d.outstanding > 0]

    def overdue(self, on: date, component: Component | None = None) -> Decimal:
        """Unpaid amounts due before ``on`` (逾期金额), optionally of one component."""
        return sum(
            (
                d.outstanding
                for d in self.dues
                if d.key != PENALTY_KEY
                and d.due_date < on
                and (component is None or d.component is component)
            ),
            ZERO,
        )

    def oldest_unpaid(self) -> date | None:
        """The due date of the oldest unpaid installment amount (penalty aside)."""
        dates = [d.due_date for d in self.dues if d.key != PENALTY_KEY and d.outstanding > 0]
        return min(dates) if dates else None

    def days_past_due(self, on: date) -> int:
        """Days past due at the end of ``on`` (逾期天数): 0 when nothing due before ``on`` is unpaid."""
        oldest = self.oldest_unpaid()
        return max(0, (on - oldest).days) if oldest is not None else 0


def fold(entries: Sequence[LedgerEntryRecord], schedule: Iterable[Installment], as_of: date) -> Position:
    """The position after every posting dated on or before ``as_of``."""
    position = Position(as_of=as_of)
    reversed_ids = {e.reverses for e in entries if e.reverses is not None and e.business_date <= as_of}
    dues: dict[tuple[str, Component], Due] = {}
    for row in schedule:
        if row.due_date > as_of:
            continue
        key = str(row.number)
        for component, amount in (
            (Component.principal, row.principal),
            (Component.interest, row.interest),
            (Component.fee, row.fee),
        ):
            if amount > 0:
                dues[(key, component)] = Due(key, row.due_date, component, amount)
    penalty = Due(PENALTY_KEY, as_of, Component.penalty, ZERO)
    for entry in entries:
        if entry.business_date > as_of:
            continue
        position.entries += 1
        _add_balances(position, entry)
        if entry.id in reversed_ids or entry.type == EntryType.reversal:
            continue
        kind = EntryType(entry.type)
        if kind is EntryType.penalty:
            pass  # penalty is owed on the loan as a whole; its total is taken from the balance below
        elif kind in (EntryType.fee, EntryType.interest) and entry.data.get("installment") is None:
            # a one-off charge (upfront fee, broken-period interest) is due when posted
            component = Component.fee if kind is EntryType.fee else Component.interest
            amount = entry.fee if kind is EntryType.fee else entry.interest
            dues[(f"u:{entry.id}", component)] = Due(f"u:{entry.id}", entry.business_date, component, amount)
        if kind in ALLOCATING:
            for key, component_name, amount_text in entry.data.get("allocation", ()):
                component = Component(component_name)
                if key == PENALTY_KEY:
                    penalty.paid += Decimal(amount_text)
                    continue
                due = dues.get((key, component))
                if due is not None:
                    due.paid += Decimal(amount_text)
    # penalty net of reversals: recompute the charged total from the balance plus payments
    penalty.amount = position.penalty + penalty.paid
    ordered = sorted(dues.values(), key=lambda d: (d.due_date, _key_order(d.key), d.component.value))
    if penalty.amount > 0:
        ordered.insert(0, penalty)
    position.dues = ordered
    return position


def _key_order(key: str) -> int:
    return int(key) if key.isdigit() else 0


def _add_balances(position: Position, entry: LedgerEntryRecord) -> None:
    position.principal += entry.principal
    position.interest += entry.interest
    position.penalty += entry.penalty
    position.fee += entry.fee
    position.credit += entry.credit
    kind = entry.type
    original = (
        EntryType(entry.data.get("reverses_type", kind)) if kind == EntryType.reversal else EntryType(kind)
    )
    sign = -1 if kind == EntryType.reversal else 1
    if original is EntryType.disbursement:
        position.disbursed += sign * entry.amount
    elif original in CASH_IN:
        position.repaid += sign * entry.amount
    elif original is EntryType.write_off:
        position.written_off += sign * entry.amount


def owed_change(entry: LedgerEntryRecord) -> Decimal:
    """What the posting changes in the borrower's net balance (owed minus credit held)."""
    return entry.principal + entry.interest + entry.penalty + entry.fee - entry.credit


def expected_change(entry: LedgerEntryRecord) -> Decimal:
    """The same change computed from the posting's type and amount (the accounting identity)."""
    kind = EntryType(entry.type)
    if kind is EntryType.reversal:
        original = EntryType(entry.data["reverses_type"])
        return -_flow(original, entry.amount)
    return _flow(kind, entry.amount)


def _flow(kind: EntryType, amount: Decimal) -> Decimal:
    if kind in CASH_OUT or kind in CHARGES:
        return amount
    if kind in CASH_IN or kind in RELIEFS:
        return -amount
    return ZERO  # credit applied moves money from credit to dues: no net change
