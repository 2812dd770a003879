"""Registering, valuing and linking collateral; a revaluation reviews the line it backs (押品估值).

When a piece of collateral behind a credit line is revalued, the lending capacity of that line's
secured sub-limits is worked out again from every piece behind it (value x (1 - haircut) x LTV,
by the product's collateral rules). A sub-limit above its new capacity is cut to the capacity (never
below what is drawn: loans already made are not called in), the line is marked for review with the
reason, and credit staff get a task notice. A higher value never raises a limit by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import ZERO, format_money
from loanfactory.origination._collateral import (
    Collateral,
    CollateralInput,
    CollateralStatus,
    Valuation,
    lending_value,
)
from loanfactory.origination._commands import Command
from loanfactory.origination._credit_line import CreditLine, set_sub_limit
from loanfactory.origination._customer import Customer
from loanfactory.origination._feedback import queue, staff_notice
from loanfactory.spec import ProductSpec


def register_collateral(cmd: Command, data: CollateralInput) -> Collateral:
    cmd.tx.repo(Customer).get(data.customer_id)
    _check_valuation(cmd, data.valuation)
    collateral = Collateral(
        id=cmd.ids.new("col"),
        customer_id=data.customer_id,
        type=data.type,
        description=data.description,
        identifier=data.identifier,
        owner_name=data.owner_name,
        subtype=data.subtype,
        first_lien=data.first_lien,
        valuations=(data.valuation,),
        registered_at=cmd.clock.now(),
    )
    stored = cmd.tx.repo(Collateral).add(collateral)
    cmd.emit(
        "collateral.registered",
        stored.id,
        customer_id=data.customer_id,
        type=data.type.value,
        value=data.valuation.value,
        valued_on=data.valuation.valued_on,
    )
    return stored


def _check_valuation(cmd: Command, valuation: Valuation) -> None:
    if valuation.valued_on > cmd.clock.today():
        raise InvalidInput(
            "a valuation cannot be dated in the future",
            field="valuation.valued_on",
            message_zh="估值日期不能晚于今天",
        )
    if valuation.value <= 0:
        raise InvalidInput(
            "a valuation must be positive", field="valuation.value", message_zh="估值必须大于 0"
        )


def link(cmd: Command, collateral_id: str, reference: str, line_id: str | None) -> Collateral:
    """Mark collateral as securing ``reference`` (an application or loan) and the line."""
    repo = cmd.tx.repo(Collateral)
    collateral = repo.lock(collateral_id)
    if collateral.status in (CollateralStatus.released, CollateralStatus.disposed):
        raise StateConflict(
            f"collateral {collateral_id} is {collateral.status.value}",
            field="collateral_id",
            code="collateral-unusable",
            message_zh=f"押品 {collateral_id} 已解押或已处置",
        )
    linked = collateral.linked if reference in collateral.linked else (*collateral.linked, reference)
    changed = collateral.model_copy(
        update={
            "linked": linked,
            "status": CollateralStatus.pledged,
            "line_id": line_id or collateral.line_id,
        }
    )
    return repo.update(changed)


def revalue(
    cmd: Command, collateral_id: str, valuation: Valuation, specs: Mapping[str, ProductSpec]
) -> Collateral:
    _check_valuation(cmd, valuation)
    repo = cmd.tx.repo(Collateral)
    collateral = repo.lock(collateral_id)
    if valuation.valued_on < collateral.latest.valued_on:
        raise InvalidInput(
            "a revaluation cannot predate the latest valuation",
            field="valuation.valued_on",
            message_zh="重估日期不能早于最近一次估值",
        )
    before = collateral.latest.value
    stored = repo.update(collateral.model_copy(update={"valuations": (*collateral.valuations, valuation)}))
    cmd.emit(
        "collateral.revalued",
        collateral_id,
        before=before,
        after=valuation.value,
        valued_on=valuation.valued_on,
        source=valuation.source.value,
    )
    if stored.line_id is not None:
        review_line(cmd, stored.line_id, specs, trigger=collateral_id)
    return stored


def line_capacity(cmd: Command, line: CreditLine, spec: ProductSpec) -> Decimal | None:
    """What the collateral behind ``line`` supports for ``spec``'s product (None: it takes no collateral)."""
    if not spec.guarantee.collateral:
        return None
    repo = cmd.tx.repo(Collateral)
    day = cmd.clock.today()
    total = ZERO
    for collateral_id in line.collateral_ids:
        collateral = repo.get(collateral_id)
        rule = spec.guarantee.rule_for(collateral.type)
        if rule is not None and collateral.status is not CollateralStatus.released:
            total += lending_value(collateral, rule, day)
    return total


def review_line(cmd: Command, line_id: str, specs: Mapping[str, ProductSpec], *, trigger: str) -> CreditLine:
    """Cut secured sub-limits above what their collateral now supports; flag the line for review."""
    lines = cmd.tx.repo(CreditLine)
    line = lines.lock(line_id)
    changed = line
    cuts: list[str] = []
    for sub in line.sub_limits:
        spec = specs.get(sub.product_code)
        capacity = None if spec is None else line_capacity(cmd, line, spec)
        if capacity is not None and sub.limit > capacity:
            new_limit = max(capacity, sub.occupied)
            changed = set_sub_limit(changed, sub.product_code, new_limit)
            cuts.append(f"{sub.product_code}: {format_money(sub.limit)} -> {format_money(new_limit)}")
    if not cuts:
        return line
    reason = f"collateral {trigger} revalued; " + ", ".join(cuts)
    stored = lines.update(changed.model_copy(update={"review_reason": reason, "updated_at": cmd.clock.now()}))
    cmd.emit("credit_line.review_requested", line_id, reason=reason, trigger=trigger)
    notice = staff_notice(
        cmd.ids,
        role="credit-officer",
        template="limit_review",
        subject=f"额度复核：{line_id}",
        body=f"押品 {trigger} 重估后，额度 {line_id} 的分项额度已下调（{'；'.join(cuts)}），请复核。",
        dedup_key=f"limit_review:{line_id}:{cmd.key}",
        data={"line_id": line_id, "trigger": trigger, "changes": cuts},
    )
    queue(cmd.tx, cmd.ids, notice, cmd.clock.now())
    return stored
