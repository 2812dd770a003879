"""Hostile inputs: LoanTerms refuses bad values with the field named (en/zh); nothing half-built."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import loanfactory.schedule as schedule_api
from loanfactory.calendar import Frequency
from loanfactory.conventions import InterestMode, RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import RoundingMode, RoundingPolicy
from loanfactory.schedule import Balloon, LoanTerms, RateChange, ScheduleFee, vector_schedule

D = Decimal
GOOD: dict[str, Any] = {"principal": D("1000.00"), "annual_rate": D("0.05"), "term": 12}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principal": D("-1")}, "principal"),
        ({"principal": D(0)}, "principal"),
        ({"principal": D("1.001")}, "principal"),
        ({"principal": 1000.0}, "principal"),
        ({"principal": D("NaN")}, "principal"),
        ({"principal": D("1e14")}, "principal"),
        ({"annual_rate": D("-0.01")}, "annual_rate"),
        ({"annual_rate": D(11)}, "annual_rate"),
        ({"annual_rate": "4.9%"}, "annual_rate"),
        ({"term": 0}, "term"),
        ({"term": True}, "term"),
        ({"term": 12.0}, "term"),
        ({"every": 0}, "every"),
        ({"method": "annuity"}, "method"),
        ({"interest": InterestMode.daily}, "start"),
        ({"first_due": date(2025, 1, 1)}, "start"),
        ({"start": date(2025, 2, 1), "first_due": date(2025, 1, 1)}, "first_due"),
        ({"start": date(2025, 2, 1), "first_due": date(2025, 2, 1)}, "first_due"),
        ({"start": date(2025, 2, 1), "due_day": 32}, "due_day"),
        ({"start": date(2025, 2, 1), "due_day": 5, "frequency": Frequency.weekly}, "due_day"),
        ({"grace_principal": 12}, "grace_principal"),
        ({"grace_interest": 12}, "grace_interest"),
        ({"method": RepaymentMethod.bullet, "grace_principal": 1}, "grace_principal"),
        ({"method": RepaymentMethod.balloon}, "balloon"),
        ({"balloon": Balloon(final=D("0.2"))}, "balloon"),
        ({"installment_multiple": D("0.005")}, "installment_multiple"),
        ({"installment_multiple": D("-1")}, "installment_multiple"),
        ({"installment": D(0)}, "installment"),
        ({"method": RepaymentMethod.equal_principal, "installment": D(100)}, "installment"),
        ({"principal_per_period": D(100)}, "principal_per_period"),
        ({"rounding": RoundingPolicy(RoundingMode.half_up, D(0))}, "rounding"),
        (
            {
                "start": date(2025, 1, 1),
                "rate_changes": (
                    RateChange(date(2025, 3, 1), D("0.04")),
                    RateChange(date(2025, 2, 1), D("0.03")),
                ),
            },
            "rate_changes",
        ),
        ({"rate_changes": (RateChange(date(2025, 3, 1), D("0.04")),)}, "start"),
        ({"fees": (ScheduleFee("a", amount=D(1)), ScheduleFee("a", amount=D(2)))}, "fees"),
    ],
)
def test_bad_terms_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        LoanTerms(**{**GOOD, **changes})
    assert caught.value.field == field
    assert caught.value.message_zh


@pytest.mark.parametrize(
    "make",
    [
        lambda: Balloon(),
        lambda: Balloon(final=D("0.2"), per_period=D("0.1")),
        lambda: Balloon(final=D("1")),
        lambda: ScheduleFee("x"),
        lambda: ScheduleFee("x", amount=D(1), percent=D("0.01")),
        lambda: ScheduleFee("x", amount=D(-1)),
        lambda: ScheduleFee("x", timing="monthly", amount=D(1)),  # type: ignore[arg-type]
        lambda: ScheduleFee("x", basis="income", percent=D("0.01")),  # type: ignore[arg-type]
        lambda: ScheduleFee("x", timing="upfront", basis="balance", percent=D("0.01")),
        lambda: ScheduleFee("x", percent=D("0.01"), minimum=D(5), maximum=D(1)),
        lambda: RateChange(date(2025, 1, 1), D("-0.01")),
        lambda: RateChange("2025-01-01", D("0.01")),  # type: ignore[arg-type]
    ],
)
def test_bad_parts_are_refused(make: Any) -> None:
    with pytest.raises(InvalidInput):
        make()


def test_terms_are_frozen_and_with_revalidates() -> None:
    terms = LoanTerms(**GOOD)
    with pytest.raises(AttributeError):
        terms.term = 5  # type: ignore[misc]
    with pytest.raises(InvalidInput):
        terms.with_(term=-1)
    assert terms.with_(term=24).term == 24


@pytest.mark.parametrize(
    ("principal", "rate", "kwargs"),
    [
        ([100], [1, 2], {}),
        ([0], [1], {}),
        ([100], [-1], {}),
        ([2**53], [1], {}),
        ([100], [1], {"method": RepaymentMethod.bullet}),
        ([100], [1], {"rounding": RoundingPolicy(RoundingMode.half_up, D("0.001"))}),
        ([100], [1], {"term": 0}),
    ],
)
def test_vector_inputs_are_checked(principal: list[int], rate: list[int], kwargs: dict[str, Any]) -> None:
    term = kwargs.pop("term", 12)
    with pytest.raises(InvalidInput):
        vector_schedule(np.array(principal, dtype=np.int64), np.array(rate, dtype=np.int64), term, **kwargs)


def test_vector_conversions_refuse_inexact_values() -> None:
    assert list(schedule_api.to_fen([D("1.25")])) == [125]
    assert list(schedule_api.to_rate_units([D("0.049")])) == [49000]
    with pytest.raises(InvalidInput):
        schedule_api.to_fen([D("1.255")])
    with pytest.raises(InvalidInput):
        schedule_api.to_rate_units([D("0.0490001")])


def test_public_api_is_sorted_and_complete() -> None:
    names = schedule_api.__all__
    assert names == sorted(names)
    assert all(hasattr(schedule_api, name) for name in names)
