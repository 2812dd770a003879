"""Penalty interest (罚息) on overdue principal and compound interest (复利) on unpaid interest.

The penalty rate is the contract rate x (1 + uplift) (typically 30 %–50 %), charged daily at
``day_basis`` (360 or 365): ``amount x rate x days / basis``, rounded once for the span (so a
30-day figure is not 30 rounded daily figures). Compound interest on unpaid interest is charged at
the same penalty rate when the product says so.

Grace days (宽限期) after the due date: paid within them, nothing is charged. Once they are
exceeded, ``grace_waives=True`` charges only the days beyond the grace; ``grace_waives=False``
charges every day from the due date.

For end-of-day accrual post the cumulative figure minus what was posted before, so that daily
rounding never drifts: keep each day's exact accrual (``base x annual rate``) and turn the sum into
money once with :func:`accrued_penalty` (``accrued_to`` gives the cumulative figure of one
installment whose overdue amount has not changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput
from loanfactory.money import FEN_HALF_UP, RoundingPolicy

ZERO, ONE = Decimal(0), Decimal(1)


@dataclass(frozen=True, slots=True)
class PenaltyCharge:
    """Penalty interest for one overdue span (逾期罚息与复利)."""

    days: int
    charged_days: int
    rate: Decimal
    penalty: Decimal
    compound: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty + self.compound


def penalty_rate(contract_rate: Decimal, uplift: Decimal) -> Decimal:
    """The annual penalty rate: contract rate x (1 + uplift) (罚息利率 = 合同利率 x (1 + 上浮比例))."""
    if contract_rate < 0 or uplift < 0:
        raise InvalidInput("rates must not be negative", field="uplift", message_zh="利率不能为负")
    return contract_rate * (ONE + uplift)


def charged_days(days: int, grace_days: int = 0, grace_waives: bool = True) -> int:
    """The overdue days that bear penalty interest, after the grace rule."""
    if days < 0 or grace_days < 0:
        raise InvalidInput("days must not be negative", field="days", message_zh="天数不能为负")
    if days <= grace_days:
        return 0
    return days - grace_days if grace_waives else days


def penalty_interest(
    *,
    overdue_principal: Decimal,
    days: int,
    rate: Decimal,
    unpaid_interest: Decimal = ZERO,
    day_basis: int = 360,
    grace_days: int = 0,
    grace_waives: bool = True,
    compound: bool = True,
    rounding: RoundingPolicy = FEN_HALF_UP,
) -> PenaltyCharge:
    """Penalty on ``overdue_principal`` and compound interest on ``unpaid_interest`` for ``days``.

    ``rate`` is the annual penalty rate (see :func:`penalty_rate`).
    """
    if day_basis not in (360, 365, 366):
        raise InvalidInput(
            f"day_basis must be 360 or 365, got {day_basis}",
            field="day_basis",
            message_zh="计息天数只能是 360 或 365",
        )
    for name, value in (
        ("overdue_principal", overdue_principal),
        ("unpaid_interest", unpaid_interest),
        ("rate", rate),
    ):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise InvalidInput(
                f"{name} must be a non-negative Decimal", field=name, message_zh="必须是非负数"
            )
    counted = charged_days(days, grace_days, grace_waives)
    penalty = accrued_penalty(overdue_principal * rate * counted, day_basis, rounding)
    extra = accrued_penalty(unpaid_interest * rate * counted, day_basis, rounding) if compound else ZERO
    return PenaltyCharge(days, counted, rate, penalty, extra)


def accrued_penalty(accrual: Decimal, day_basis: int, rounding: RoundingPolicy = FEN_HALF_UP) -> Decimal:
    """An exact accrual ``amount x annual rate x days`` as money: divided by the day basis last and
    rounded once (so a sum of daily accruals is rounded once, never day by day)."""
    return rounding(accrual / day_basis)


def accrued_to(
    due: date,
    on: date,
    *,
    overdue_principal: Decimal,
    rate: Decimal,
    unpaid_interest: Decimal = ZERO,
    day_basis: int = 360,
    grace_days: int = 0,
    grace_waives: bool = True,
    compound: bool = True,
    rounding: RoundingPolicy = FEN_HALF_UP,
) -> PenaltyCharge:
    """The cumulative penalty of an installment due on ``due``, as of ``on`` (days = on - due)."""
    return penalty_interest(
        overdue_principal=overdue_principal,
        days=max(0, (on - due).days),
        rate=rate,
        unpaid_interest=unpaid_interest,
        day_basis=day_basis,
        grace_days=grace_days,
        grace_waives=grace_waives,
        compound=compound,
        rounding=rounding,
    )
