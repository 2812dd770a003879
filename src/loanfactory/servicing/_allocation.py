"""The allocation waterfall (还款冲销顺序): which dues a payment settles, in which order.

Past-due amounts are settled before amounts due today because dues are visited oldest first;
nothing that is not yet due is settled here (money beyond the dues is the borrower's credit, or
principal reduction in a prepayment). The order of components and whether installments or
components come first are the product's :class:`~loanfactory.servicing.AllocationPolicy`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from loanfactory.servicing._loan import AllocationPolicy, Component
from loanfactory.servicing._position import PENALTY_KEY, Due

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Allocation:
    """How a payment was split: ``parts`` are (due key, component, amount); ``rest`` was not needed."""

    parts: tuple[tuple[str, Component, Decimal], ...]
    rest: Decimal

    def total(self, component: Component) -> Decimal:
        return sum((amount for _, c, amount in self.parts if c is component), ZERO)

    @property
    def applied(self) -> Decimal:
        return sum((amount for *_, amount in self.parts), ZERO)

    def as_data(self) -> list[list[str]]:
        """The JSON shape stored in a posting's ``data["allocation"]``."""
        return [[key, component.value, format(amount, "f")] for key, component, amount in self.parts]


def waterfall(dues: Iterable[Due], policy: AllocationPolicy) -> list[Due]:
    """The open dues in the order the policy settles them."""
    open_dues = [d for d in dues if d.outstanding > 0]
    rank = {component: i for i, component in enumerate(policy.order)}
    for component in Component:
        rank.setdefault(component, len(rank))
    penalty = [d for d in open_dues if d.key == PENALTY_KEY]
    others = [d for d in open_dues if d.key != PENALTY_KEY]
    if policy.scope == "component":
        ordered = sorted(open_dues, key=lambda d: (rank[d.component], d.due_date, _number(d.key)))
        return ordered
    others.sort(key=lambda d: (d.due_date, _number(d.key), d.key, rank[d.component]))
    if rank[Component.penalty] < rank[Component.principal]:
        return penalty + others
    return others + penalty


def allocate(
    amount: Decimal,
    dues: Iterable[Due],
    policy: AllocationPolicy,
    *,
    only: frozenset[Component] | None = None,
) -> Allocation:
    """Split ``amount`` over the dues by the waterfall; ``only`` limits the components (waivers)."""
    remaining = amount
    parts: list[tuple[str, Component, Decimal]] = []
    for due in waterfall(dues, policy):
        if remaining <= 0:
            break
        if only is not None and due.component not in only:
            continue
        take = min(remaining, due.outstanding)
        parts.append((due.key, due.component, take))
        remaining -= take
    return Allocation(tuple(parts), remaining)


def _number(key: str) -> int:
    return int(key) if key.isdigit() else -1
