"""The encoded quote (the API's hot path) is exactly the quote view, for every product and size."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from loanfactory.adapters.http._views import JsonBytes, quote_json, quote_view
from loanfactory.product import Product, ProductCatalog

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ProductCatalog.load([ROOT / "products", ROOT / "rules"])


@st.composite
def quotes(draw: st.DrawFn) -> tuple[Product, Decimal, int, date]:
    product = draw(st.sampled_from(list(CATALOG)))
    limits = product.spec.amount
    steps = int((limits.max - limits.min) / limits.step)
    amount = limits.min + limits.step * draw(st.integers(0, steps))
    term = draw(st.sampled_from(product.spec.term.values()))
    start = draw(st.dates(date(2025, 7, 1), date(2026, 6, 30)))  # the API always gives one
    return product, amount, term, start


@settings(max_examples=60, deadline=None)
@given(quotes(), st.booleans())
def test_the_encoded_quote_is_the_quote_view(case: tuple[Product, Decimal, int, date], rows: bool) -> None:
    product, amount, term, start = case
    result = product.quote(amount, term, start=start)
    encoded = quote_json(result, schedule=rows)
    assert type(encoded) is JsonBytes
    assert json.loads(encoded) == quote_view(result, schedule=rows)


def test_money_in_rows_keeps_two_decimals_as_quantize_does() -> None:
    result = CATALOG.product("salary_loan").quote(Decimal(50000), 12)  # no dates without a start
    view = json.loads(quote_json(result))
    assert view["schedule"][0]["due_date"] is None
    assert all(len(r["total"].split(".")[1]) == 2 for r in view["schedule"])
