"""Reading stored JSON in one pass gives exactly what encode wrote (and what decode reads)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from loanfactory.adapters.sql._types import decode, decode_text, encode

KEYS = st.sampled_from(["a", "$a", "$$a", "$decimal", "$date", "amount", "data", "$"])
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@given(VALUES)
def test_decoding_the_text_in_one_pass_gives_back_the_value(value: Any) -> None:
    text = json.dumps(encode(value))
    assert decode_text(text) == decode(json.loads(text)) == value


def test_a_user_key_that_looks_like_a_tag_stays_data() -> None:
    value = {
        "$decimal": "1.5",
        "d": Decimal("1.50"),
        "on": date(2026, 6, 30),
        "at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    decoded = decode_text(json.dumps(encode(value)))
    assert decoded == value
    assert decoded["$decimal"] == "1.5"  # a string, not a Decimal
    assert str(decoded["d"]) == "1.50"  # every digit as stored


def test_data_a_driver_already_parsed_is_decoded_as_it_is() -> None:
    stored = encode({"amount": Decimal("3.10"), "$x": [date(2026, 1, 2)]})
    assert decode_text(stored) == {"amount": Decimal("3.10"), "$x": [date(2026, 1, 2)]}
