"""Tranches (分阶段放款): which payout may be ordered now, for how much, and what is left to draw.

A loan in ``single`` mode pays its whole amount once. A ``staged`` loan pays one tranche per
milestone of its product, in the product's order, each on its evidence. A tranche may draw up to
the loan's share of the milestones so far (cumulative percent × amount, rounded by the product's
rounding policy; the last milestone takes the rest) less what earlier tranches drew: a tranche
drawn short leaves its rest to the next one. A payout the gateway refused does not count, so its
milestone may be drawn again. :func:`commitment` shows the remaining commitment (剩余可放款额).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict, hint_for
from loanfactory.money import format_money
from loanfactory.servicing._loan import Loan, LoanStatus, Value
from loanfactory.servicing._records import Disbursement, OrderStatus
from loanfactory.spec import DisbursementMode, Milestone, ProductSpec

ZERO = Decimal(0)
FEN = Decimal("0.01")


class Tranche(Value):
    """One tranche of a loan's commitment as it stands (放款阶段)."""

    number: int
    milestone: str | None = None
    name: str | None = None
    requires: tuple[str, ...] = ()
    cap: Decimal  # what the tranches up to this one may draw in all
    ordered: Decimal = ZERO  # ordered and not failed
    paid: Decimal = ZERO  # confirmed by the gateway
    status: str  # "paid", "in-flight", "open" (may be ordered now) or "later"


class Commitment(Value):
    """A loan's commitment: the contract amount, what is paid out, in flight and left (贷款承诺)."""

    loan_id: str
    amount: Decimal
    paid: Decimal
    in_flight: Decimal
    remaining: Decimal
    mode: DisbursementMode
    tranches: tuple[Tranche, ...]


def live_orders(orders: Sequence[Disbursement]) -> list[Disbursement]:
    """The payouts that count: every one the gateway did not refuse, in tranche order."""
    return sorted((o for o in orders if o.status is not OrderStatus.failed), key=lambda o: o.tranche)


def _caps(product: ProductSpec, loan: Loan) -> list[Decimal]:
    stages = product.disbursement.milestones
    rounding = product.repayment.rounding.policy
    caps, share = [], ZERO
    for i, stage in enumerate(stages):
        share += stage.percent
        caps.append(loan.amount if i == len(stages) - 1 else rounding(loan.amount * share))
    return caps


def next_tranche(
    product: ProductSpec,
    loan: Loan,
    orders: Sequence[Disbursement],
    *,
    milestone: str | None,
    tranche: int | None,
    amount: Decimal | None,
    evidence: tuple[str, ...],
) -> tuple[int, Decimal, Milestone | None]:
    """The tranche number, amount and milestone of the payout asked for, or why it is refused."""
    if loan.status not in (LoanStatus.signed, LoanStatus.active):
        raise StateConflict(field="loan_id", code="not-signed", params={"id": loan.id, "status": loan.status})
    earlier = live_orders(orders)
    if amount is not None and (
        not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(
            "a tranche amount is a positive amount in yuan with at most two decimals",
            field="amount",
            message_zh="放款金额须为正数，最多两位小数",
        )
    if product.disbursement.mode is DisbursementMode.single:
        return _single(loan, earlier, milestone, tranche, amount)
    stages = product.disbursement.milestones
    if len(earlier) >= len(stages):
        raise StateConflict(field="milestone", code="already-disbursed")
    index = _index(stages, milestone, tranche)
    if index != len(earlier):
        expected = stages[len(earlier)]
        raise InvalidInput(
            f"the next tranche is '{expected.id}' (tranche {len(earlier) + 1}), not '{stages[index].id}'; "
            "tranches are paid in the product's order",
            field="milestone",
            message_zh=f"下一阶段应为 '{expected.id}'（第 {len(earlier) + 1} 笔），"
            f"而不是 '{stages[index].id}'",
        )
    stage = stages[index]
    missing = [r for r in stage.requires if r not in evidence]
    if missing:
        raise StateConflict(
            f"tranche '{stage.id}' needs evidence: {', '.join(missing)}",
            field="evidence",
            code="evidence-missing",
            message_zh=f"阶段 '{stage.id}' 缺少证明材料：{'、'.join(missing)}",
        )
    room = _caps(product, loan)[index] - sum((o.amount for o in earlier), ZERO)
    if amount is None:
        amount = room
    elif amount > room:
        raise StateConflict(
            f"tranche '{stage.id}' may draw at most {format_money(room)} (the milestones so far allow "
            f"{format_money(_caps(product, loan)[index])} in all); {format_money(amount)} asked",
            field="amount",
            code="tranche-exceeds-milestone",
            message_zh=f"阶段 '{stage.id}' 最多可放款 {format_money(room)} 元，"
            f"申请 {format_money(amount)} 元",
        )
    if amount <= 0:
        raise StateConflict(field="amount", code="tranche-exceeds-milestone", params={"id": stage.id})
    return index + 1, amount, stage


def _single(
    loan: Loan,
    earlier: list[Disbursement],
    milestone: str | None,
    tranche: int | None,
    amount: Decimal | None,
) -> tuple[int, Decimal, None]:
    if earlier:
        raise StateConflict(
            f"loan {loan.id} is paid out in one amount, already ordered",
            field="loan_id",
            code="already-disbursed",
            message_zh="该贷款为一次性放款，已经发起过放款",
        )
    if milestone is not None or tranche not in (None, 1):
        raise InvalidInput(
            "this product pays out in one amount; no milestone or tranche",
            field="milestone" if milestone is not None else "tranche",
            message_zh="该产品一次性放款，不需要放款阶段",
        )
    if amount is not None and amount != loan.amount:
        raise InvalidInput(
            f"this product pays the whole {format_money(loan.amount)} in one payout, "
            f"not {format_money(amount)}",
            field="amount",
            message_zh=f"该产品一次性发放全部 {format_money(loan.amount)} 元，"
            f"不能发放 {format_money(amount)} 元",
        )
    return 1, loan.amount, None


def _index(stages: Sequence[Milestone], milestone: str | None, tranche: int | None) -> int:
    ids = [s.id for s in stages]
    by_id = None
    if milestone is not None:
        if milestone not in ids:
            hint, hint_zh = hint_for(milestone, ids)
            raise InvalidInput(
                f"no milestone '{milestone}' in this product" + (f"; {hint}" if hint else ""),
                field="milestone",
                message_zh=f"该产品没有放款阶段 '{milestone}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        by_id = ids.index(milestone)
    if tranche is not None and not 1 <= tranche <= len(stages):
        raise InvalidInput(
            f"tranche must be 1 to {len(stages)}",
            field="tranche",
            message_zh=f"放款阶段序号应为 1 至 {len(stages)}",
        )
    by_number = None if tranche is None else tranche - 1
    if by_id is not None and by_number is not None and by_id != by_number:
        raise InvalidInput(
            f"tranche {tranche} is '{ids[by_number]}', not '{milestone}'",
            field="tranche",
            message_zh=f"第 {tranche} 笔为 '{ids[by_number]}'，而不是 '{milestone}'",
        )
    found = by_id if by_id is not None else by_number
    if found is None:
        raise InvalidInput(
            f"name the tranche: milestone (one of {', '.join(ids)}) or tranche number",
            field="milestone",
            message_zh=f"请指明放款阶段：{'、'.join(ids)}",
        )
    return found


def commitment(product: ProductSpec, loan: Loan, orders: Sequence[Disbursement]) -> Commitment:
    """What is paid out, in flight and left of a loan's amount, tranche by tranche."""
    earlier = live_orders(orders)
    paid = sum((o.amount for o in earlier if o.status is OrderStatus.succeeded), ZERO)
    in_flight = sum((o.amount for o in earlier if o.status is not OrderStatus.succeeded), ZERO)
    mode = product.disbursement.mode
    stages: Sequence[Milestone | None] = (
        product.disbursement.milestones if mode is DisbursementMode.staged else [None]
    )
    caps = _caps(product, loan) if mode is DisbursementMode.staged else [loan.amount]
    open_at = len(earlier) if loan.status in (LoanStatus.signed, LoanStatus.active) else -1
    tranches = []
    for i, (stage, cap) in enumerate(zip(stages, caps, strict=True)):
        mine = [o for o in earlier if o.tranche == i + 1]
        ordered = sum((o.amount for o in mine), ZERO)
        done = sum((o.amount for o in mine if o.status is OrderStatus.succeeded), ZERO)
        status = (
            "paid"
            if mine and done == ordered
            else "in-flight"
            if mine
            else "open"
            if i == open_at
            else "later"
        )
        tranches.append(
            Tranche(
                number=i + 1,
                milestone=stage.id if stage else None,
                name=stage.name.text("zh") if stage and stage.name else None,
                requires=stage.requires if stage else (),
                cap=cap.quantize(FEN),
                ordered=ordered.quantize(FEN),
                paid=done.quantize(FEN),
                status=status,
            )
        )
    return Commitment(
        loan_id=loan.id,
        amount=loan.amount.quantize(FEN),
        paid=paid.quantize(FEN),
        in_flight=in_flight.quantize(FEN),
        remaining=(loan.amount - paid - in_flight).quantize(FEN),
        mode=mode,
        tranches=tuple(tranches),
    )
