"""Money and rates: exact parsing, stated rounding, ambiguous input refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanfactory.errors import InvalidInput
from loanfactory.money import (
    RoundingMode,
    RoundingPolicy,
    format_money,
    format_rate,
    parse_amount,
    parse_rate,
    quantize,
    to_money,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.9%", "0.049"),
        ("85bp", "0.0085"),
        ("4.9‰", "0.0049"),
        (" 12 % ", "0.12"),
        ("0.049", "0.049"),
        (Decimal("0.0435"), "0.0435"),
        ("0", "0"),
    ],
)
def test_rates_in_every_documented_form(text: object, expected: str) -> None:
    assert parse_rate(text) == Decimal(expected)


@pytest.mark.parametrize("bad", ["4.9", 4.9, "abc", "", "4.9 %%", "-1%", True, None, "1e400%", 12])
def test_ambiguous_or_unreadable_rates_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_rate(bad)
    assert info.value.field == "rate"
    assert info.value.message


def test_a_bare_percent_number_says_how_to_write_it() -> None:
    with pytest.raises(InvalidInput, match=r"'4\.9%'"):
        parse_rate("4.9")


def test_spreads_may_be_negative() -> None:
    assert parse_rate("-30bp", signed=True) == Decimal("-0.003")


@pytest.mark.parametrize("bad", [1.5, "12.345", "-1", "abc", "1e40", True])
def test_money_is_exact_and_at_most_two_decimals(bad: object) -> None:
    with pytest.raises(InvalidInput):
        to_money(bad)


def test_money_accepts_grouped_text() -> None:
    assert to_money("1,000,000.50") == Decimal("1000000.50")


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        (RoundingMode.half_up, "2.345", "2.35"),
        (RoundingMode.half_even, "2.345", "2.34"),
        (RoundingMode.down, "2.349", "2.34"),
        (RoundingMode.up, "2.341", "2.35"),
        (RoundingMode.half_up, "-2.345", "-2.35"),
    ],
)
def test_rounding_modes(mode: RoundingMode, value: str, expected: str) -> None:
    assert quantize(Decimal(value), Decimal("0.01"), mode) == Decimal(expected)


def test_units_that_are_not_powers_of_ten() -> None:
    assert quantize(Decimal("7.74"), Decimal("0.5")) == Decimal("7.5")
    assert quantize(Decimal("1234"), Decimal("100")) == Decimal("1200")
    assert RoundingPolicy(RoundingMode.up, Decimal(1))(Decimal("10.01")) == Decimal(11)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6))
def test_quantize_is_within_half_a_unit(value: Decimal) -> None:
    rounded = quantize(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))


def test_formatting() -> None:
    assert format_rate(Decimal("0.049")) == "4.9%"
    assert format_rate(Decimal("0.12")) == "12%"
    assert format_money(Decimal("1234.5")) == "1234.50"


# --- amounts written by clients (parse_amount) --------------------------------------------------


@given(st.decimals(min_value=0, max_value=Decimal("999999999999999.99"), places=2))
def test_a_plainly_written_amount_reads_back_exactly(amount: Decimal) -> None:
    assert parse_amount(format(amount, "f")) == amount
    assert parse_amount(amount) == amount


@given(
    st.integers(0, 10**12),
    st.sampled_from(
        ["{:,}", "{:_}", "+{}", "-{}", "{}e0", " {}", "{} ", "{}.", ".{}", "０{}", "{}٠", "{}.1.2"]
    ),
)
def test_an_amount_written_with_anything_else_is_refused(number: int, form: str) -> None:
    text = form.format(number)
    if text.isascii() and text.isdigit():  # "{:,}" of a small number has no separator
        return
    with pytest.raises(InvalidInput) as info:
        parse_amount(text, field="principal")
    assert info.value.field == "principal"
    assert info.value.message_zh


def test_parse_amount_and_to_money_agree_on_the_value() -> None:
    for text in ("0", "12.5", "4333.33", "100000000"):
        assert parse_amount(text) == to_money(text)
    with pytest.raises(InvalidInput, match="more than 2 decimal places"):
        parse_amount("1.234")
