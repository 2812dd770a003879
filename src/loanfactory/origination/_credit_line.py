"""Credit lines (额度管理): a unified line per customer, product sub-limits, group lines.

A :class:`CreditLine` holds a total, what is occupied and what is frozen; ``available`` is what
may still be drawn. A line with sub-limits lets a product draw only through its own sub-limit (and
never beyond the line); a line without sub-limits (a group line) is limited by its total only.
A member enterprise's line may have a ``parent_id``: the group line (集团额度), which every
occupation of the member occupies as well.

Each drawing is a :class:`LineOccupation` (额度占用) keyed by its reference (application, offer
or loan), released in part or whole on repayment. The functions here are pure: they take a line
and return the changed line, or raise — the service runs them under the line's lock, so
concurrent drawings can never overdraw it.

Invariants (tested by hypothesis): ``available >= 0``; ``occupied == sum of sub-limit occupied``
(when there are sub-limits) ``== sum of active occupations outstanding``;
``occupied + frozen + available == total + excess`` where ``excess`` is only ever positive after
the total was reduced below what is already drawn (a limit review never claws back loans).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.money import ZERO, Money, format_money
from loanfactory.origination._values import AwareDatetime, Value


class LineScope(StrEnum):
    customer = "customer"  # 客户统一授信
    group = "group"  # 集团授信


class LineStatus(StrEnum):
    active = "active"  # 有效
    frozen = "frozen"  # 冻结: nothing may be drawn
    expired = "expired"  # 到期
    closed = "closed"  # 关闭


class SubLimit(Value):
    """A product's share of the line (产品分项额度)."""

    product_code: str
    limit: Money
    occupied: Money = ZERO

    @property
    def available(self) -> Decimal:
        return max(self.limit - self.occupied, ZERO)


class CreditLine(Entity):
    """A credit line (授信额度)."""

    kind: ClassVar[str] = "credit_line"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "group_id", "scope", "status")

    scope: LineScope = LineScope.customer
    customer_id: str | None = None
    group_id: str | None = None
    parent_id: str | None = None  # the group line this member line also draws on
    total: Money
    occupied: Money = ZERO
    frozen: Money = ZERO  # a frozen part of the available amount (部分冻结)
    sub_limits: tuple[SubLimit, ...] = ()
    status: LineStatus = LineStatus.active
    opened_on: date
    expires_on: date
    collateral_ids: tuple[str, ...] = ()
    review_reason: str | None = None  # set when a revaluation asks for a limit review
    updated_at: AwareDatetime

    def usable_on(self, day: date) -> bool:
        return self.status is LineStatus.active and day <= self.expires_on

    @property
    def available(self) -> Decimal:
        """What may be drawn, ignoring expiry (see :meth:`available_on`)."""
        if self.status is not LineStatus.active:
            return ZERO
        return max(self.total - self.occupied - self.frozen, ZERO)

    @property
    def excess(self) -> Decimal:
        """Drawn and frozen beyond the total (only after the total was reduced)."""
        return max(self.occupied + self.frozen - self.total, ZERO)

    def available_on(self, day: date) -> Decimal:
        return self.available if day <= self.expires_on else ZERO

    def sub_limit(self, product_code: str) -> SubLimit | None:
        return next((s for s in self.sub_limits if s.product_code == product_code), None)

    def available_for(self, product_code: str, day: date) -> Decimal:
        """What ``product_code`` may still draw on ``day``."""
        line = self.available_on(day)
        if not self.sub_limits:
            return line
        sub = self.sub_limit(product_code)
        return ZERO if sub is None else min(line, sub.available)


def _positive(amount: Decimal, field: str = "amount") -> None:
    if amount <= 0:
        raise InvalidInput(
            f"{field} must be positive, got {format_money(amount)}",
            field=field,
            message_zh=f"金额必须大于 0：{format_money(amount)}",
        )


def occupy(line: CreditLine, product_code: str, amount: Decimal, day: date) -> CreditLine:
    """The line with ``amount`` drawn for ``product_code``; refuses to overdraw."""
    _positive(amount)
    if not line.usable_on(day):
        state = "expired" if line.status is LineStatus.active else line.status.value
        raise StateConflict(field="line", code="line-unusable", params={"id": line.id, "state": state})
    available = line.available_for(product_code, day)
    if line.sub_limits and line.sub_limit(product_code) is None:
        raise StateConflict(
            field="product_code", code="no-sub-limit", params={"id": line.id, "product_code": product_code}
        )
    if amount > available:
        raise StateConflict(
            f"credit line {line.id} has {format_money(available)} available for {product_code}, "
            f"{format_money(amount)} was asked",
            field="amount",
            code="line-insufficient",
            message_zh=f"额度 {line.id} 可用 {format_money(available)}，"
            f"申请占用 {format_money(amount)}，额度不足",
        )
    subs = tuple(
        s.model_copy(update={"occupied": s.occupied + amount}) if s.product_code == product_code else s
        for s in line.sub_limits
    )
    return line.model_copy(update={"occupied": line.occupied + amount, "sub_limits": subs})


def release(line: CreditLine, product_code: str, amount: Decimal) -> CreditLine:
    """The line with ``amount`` given back (on repayment, decline or expiry); works on any status."""
    _positive(amount)
    sub = line.sub_limit(product_code)
    if amount > line.occupied or (sub is not None and amount > sub.occupied):
        raise StateConflict(
            f"cannot release {format_money(amount)}: only {format_money(line.occupied)} occupied",
            field="amount",
            code="over-release",
            message_zh="释放金额超过已占用额度",
        )
    subs = tuple(
        s.model_copy(update={"occupied": s.occupied - amount}) if s.product_code == product_code else s
        for s in line.sub_limits
    )
    return line.model_copy(update={"occupied": line.occupied - amount, "sub_limits": subs})


def freeze(line: CreditLine, amount: Decimal | None = None) -> CreditLine:
    """Freeze the whole line (``amount=None``) or a part of what is available (部分冻结)."""
    if amount is None:
        if line.status is not LineStatus.active:
            raise StateConflict(
                f"credit line {line.id} is {line.status.value}",
                field="line",
                code="line-unusable",
                message_zh=f"额度 {line.id} 当前状态为 {line.status.value}",
            )
        return line.model_copy(update={"status": LineStatus.frozen})
    _positive(amount)
    if amount > line.available:
        raise StateConflict(
            f"cannot freeze {format_money(amount)}: {format_money(line.available)} available",
            field="amount",
            code="line-insufficient",
            message_zh="冻结金额超过可用额度",
        )
    return line.model_copy(update={"frozen": line.frozen + amount})


def unfreeze(line: CreditLine, amount: Decimal | None = None) -> CreditLine:
    """Lift a whole-line freeze (``amount=None``) or unfreeze part of the frozen amount."""
    if amount is None:
        if line.status is not LineStatus.frozen:
            raise StateConflict(field="line", code="not-frozen", params={"id": line.id})
        return line.model_copy(update={"status": LineStatus.active})
    _positive(amount)
    if amount > line.frozen:
        raise StateConflict(
            f"only {format_money(line.frozen)} is frozen",
            field="amount",
            code="over-release",
            message_zh="解冻金额超过已冻结金额",
        )
    return line.model_copy(update={"frozen": line.frozen - amount})


def set_sub_limit(line: CreditLine, product_code: str, limit: Decimal) -> CreditLine:
    """Add or change a product's sub-limit; never below what it has drawn, never above the line."""
    if limit < 0:
        raise InvalidInput("a sub-limit cannot be negative", field="limit", message_zh="分项额度不能为负")
    if limit > line.total:
        raise InvalidInput(
            f"a sub-limit cannot exceed the line total {format_money(line.total)}",
            field="limit",
            message_zh="分项额度不能超过授信总额",
        )
    current = line.sub_limit(product_code)
    if current is not None and limit < current.occupied:
        raise StateConflict(
            f"{product_code} has {format_money(current.occupied)} drawn",
            field="limit",
            code="below-occupied",
            message_zh="分项额度不能低于已占用金额",
        )
    if current is None:
        subs = (*line.sub_limits, SubLimit(product_code=product_code, limit=limit))
    else:
        subs = tuple(s.model_copy(update={"limit": limit}) if s is current else s for s in line.sub_limits)
    return line.model_copy(update={"sub_limits": subs})


def resize(line: CreditLine, total: Decimal) -> CreditLine:
    """Change the line total (a limit review); sub-limits above the new total are cut to it."""
    if total < 0:
        raise InvalidInput("a line total cannot be negative", field="total", message_zh="授信总额不能为负")
    subs = tuple(
        s.model_copy(update={"limit": max(min(s.limit, total), s.occupied)}) for s in line.sub_limits
    )
    return line.model_copy(update={"total": total, "sub_limits": subs})


class OccupationStatus(StrEnum):
    active = "active"
    released = "released"


class LineOccupation(Entity):
    """One drawing on a line (额度占用) by an application, offer or loan."""

    kind: ClassVar[str] = "line_occupation"
    indexes: ClassVar[tuple[str, ...]] = ("line_id", "reference", "status")

    line_id: str
    product_code: str
    reference: str  # application, offer or loan id
    amount: Money
    released: Money = ZERO
    status: OccupationStatus = OccupationStatus.active
    group_line_id: str | None = None  # also drawn on this group line
    occupied_at: AwareDatetime
    released_at: AwareDatetime | None = None

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.released
