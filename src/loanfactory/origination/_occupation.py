"""Drawing on credit lines inside a transaction (额度占用与释放).

Each function runs inside a :class:`~loanfactory.origination._commands.Command`: it reads the
line with ``lock()`` (SELECT ... FOR UPDATE in SQL), applies the pure change from
:mod:`loanfactory.origination._credit_line`, and writes with the version check — so two drawings
racing for the last yuan cannot both succeed. A member's line is locked before its group line,
always in that order, so two transactions never wait on each other in a cycle.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.money import ZERO, format_money
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import (
    CreditLine,
    LineOccupation,
    LineScope,
    LineStatus,
    OccupationStatus,
    SubLimit,
    occupy,
    release,
)


def open_line(
    cmd: Command,
    *,
    total: Decimal,
    expires_on: date,
    customer_id: str | None = None,
    group_id: str | None = None,
    parent_id: str | None = None,
    sub_limits: dict[str, Decimal] | None = None,
    checked: bool = False,
) -> CreditLine:
    """A new line for a customer (or a group line when only ``group_id`` is given).

    ``checked`` says the caller already found no open line for the customer in this transaction.
    """
    today = cmd.clock.today()
    if total <= 0:
        raise InvalidInput("a line total must be positive", field="total", message_zh="授信总额必须大于 0")
    if expires_on <= today:
        raise InvalidInput(
            "a line must expire after today", field="expires_on", message_zh="额度到期日须晚于今天"
        )
    subs = tuple(
        SubLimit(product_code=code, limit=limit) for code, limit in sorted((sub_limits or {}).items())
    )
    for sub in subs:
        if sub.limit > total:
            raise InvalidInput(
                f"sub-limit of {sub.product_code} exceeds the line total",
                field="sub_limits",
                message_zh=f"{sub.product_code} 的分项额度超过授信总额",
            )
    repo = cmd.tx.repo(CreditLine)
    if (
        customer_id is not None
        and not checked
        and any(line.status is not LineStatus.closed for line in repo.list(customer_id=customer_id))
    ):
        raise StateConflict(field="customer_id", code="line-exists", params={"customer_id": customer_id})
    if parent_id is not None:
        repo.get(parent_id)
    scope = LineScope.customer if customer_id is not None else LineScope.group
    line = CreditLine(
        id=cmd.ids.new("line"),
        scope=scope,
        customer_id=customer_id,
        group_id=group_id,
        parent_id=parent_id,
        total=total,
        sub_limits=subs,
        opened_on=today,
        expires_on=expires_on,
        updated_at=cmd.clock.now(),
    )
    stored = repo.add(line)
    cmd.emit(
        "credit_line.opened",
        stored.id,
        total=total,
        expires_on=expires_on,
        customer_id=customer_id,
        group_id=group_id,
        parent_id=parent_id,
    )
    return stored


def customer_line(cmd: Command, customer_id: str) -> CreditLine | None:
    """The customer's open (not closed) line, if any."""
    lines = [
        x for x in cmd.tx.repo(CreditLine).list(customer_id=customer_id) if x.status is not LineStatus.closed
    ]
    return lines[0] if lines else None


def draw(cmd: Command, line_id: str, product_code: str, reference: str, amount: Decimal) -> LineOccupation:
    """Occupy ``amount`` of the line (and its group line) for ``reference``."""
    lines = cmd.tx.repo(CreditLine)
    today = cmd.clock.today()
    line = lines.lock(line_id)
    changed = occupy(line, product_code, amount, today)
    parent: CreditLine | None = None
    if line.parent_id is not None:
        group = lines.lock(line.parent_id)
        parent = occupy(group, product_code, amount, today)
    now = cmd.clock.now()
    lines.update(changed.model_copy(update={"updated_at": now}))
    if parent is not None:
        lines.update(parent.model_copy(update={"updated_at": now}))
    occupation = LineOccupation(
        id=cmd.ids.new("occ"),
        line_id=line_id,
        product_code=product_code,
        reference=reference,
        amount=amount,
        group_line_id=line.parent_id,
        occupied_at=now,
    )
    stored = cmd.tx.repo(LineOccupation).add(occupation)
    cmd.emit(
        "credit_line.occupied",
        line_id,
        occupation_id=stored.id,
        product_code=product_code,
        reference=reference,
        amount=amount,
        group_line_id=line.parent_id,
    )
    return stored


def give_back(cmd: Command, occupation_id: str, amount: Decimal | None = None) -> LineOccupation:
    """Release ``amount`` (all that is outstanding when None) of an occupation, line and group line."""
    occupations = cmd.tx.repo(LineOccupation)
    occupation = occupations.get(occupation_id)
    if occupation.status is OccupationStatus.released:
        raise StateConflict(
            field="occupation_id", code="already-released", params={"occupation_id": occupation_id}
        )
    amount = occupation.outstanding if amount is None else amount
    if amount <= 0 or amount > occupation.outstanding:
        raise InvalidInput(
            f"release between 0.01 and {format_money(occupation.outstanding)}",
            field="amount",
            message_zh=f"释放金额须在 0.01 与 {format_money(occupation.outstanding)} 之间",
        )
    lines = cmd.tx.repo(CreditLine)
    line = lines.lock(occupation.line_id)
    changed = release(line, occupation.product_code, amount)
    parent = None
    if occupation.group_line_id is not None:
        parent = release(lines.lock(occupation.group_line_id), occupation.product_code, amount)
    now = cmd.clock.now()
    lines.update(changed.model_copy(update={"updated_at": now}))
    if parent is not None:
        lines.update(parent.model_copy(update={"updated_at": now}))
    released = occupation.released + amount
    done = released == occupation.amount
    updated = occupations.update(
        occupation.model_copy(
            update={
                "released": released,
                "status": OccupationStatus.released if done else OccupationStatus.active,
                "released_at": now if done else None,
            }
        )
    )
    cmd.emit(
        "credit_line.released",
        occupation.line_id,
        occupation_id=occupation_id,
        amount=amount,
        outstanding=updated.outstanding,
    )
    return updated


def active_occupations(cmd: Command, reference: str) -> list[LineOccupation]:
    return [
        o
        for o in cmd.tx.repo(LineOccupation).list(reference=reference)
        if o.status is OccupationStatus.active and o.outstanding > ZERO
    ]


def get_line(cmd: Command, line_id: str) -> CreditLine:
    line = cmd.tx.repo(CreditLine).find(line_id)
    if line is None:
        raise NotFound(f"no credit line '{line_id}'", field="line_id", message_zh=f"找不到额度 '{line_id}'")
    return line
