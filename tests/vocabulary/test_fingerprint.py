"""Command fingerprints compare arguments by value, so a replayed command is recognised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanfactory.audit import fingerprint
from loanfactory.conventions import RepaymentMethod


def test_amounts_compare_by_value_not_by_scale() -> None:
    assert fingerprint({"amount": Decimal("80000")}) == fingerprint({"amount": Decimal("80000.00")})
    assert fingerprint({"amount": Decimal("80000")}) != fingerprint({"amount": Decimal("80000.01")})


def test_enums_dates_and_nesting() -> None:
    one = {"method": RepaymentMethod.annuity, "on": date(2025, 1, 1), "rows": [Decimal("1.50")]}
    two = {"rows": [Decimal("1.5")], "on": date(2025, 1, 1), "method": "annuity"}
    assert fingerprint(one) == fingerprint(two)
    assert fingerprint({"rows": [1, 2]}) != fingerprint({"rows": [2, 1]})
