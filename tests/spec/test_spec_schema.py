"""The JSON Schema editors use: valid, accepts every sample file, flags the mistakes editors can see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from spec_support import BROKEN, PRODUCTS

from loanfactory.document import load_document
from loanfactory.spec import product_json_schema

SCHEMA = product_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def plain(value: Any) -> Any:
    """Data as an editor sees YAML: numbers are numbers, dates are strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def problems(text: str) -> list[str]:
    document, diagnostics = load_document(text)
    assert document is not None, diagnostics
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(plain(document.data))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", sorted(PRODUCTS.rglob("*.yaml")), ids=lambda p: str(p.relative_to(PRODUCTS)))
def test_every_sample_file_matches_the_schema(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


def test_a_typo_is_flagged_by_the_editor() -> None:
    found = problems((BROKEN / "typo_key.yaml").read_text(encoding="utf-8"))
    assert any("uplfit" in p for p in found), found


def test_enum_values_and_unknown_sections_are_flagged() -> None:
    text = (PRODUCTS / "consumer_credit.yaml").read_text(encoding="utf-8")
    assert any("'annuity'" in p or "annuitty" in p for p in problems(text.replace("[annuity,", "[annuitty,")))
    assert problems(text + "unknown_section: 1\n")


def test_use_forms_are_accepted() -> None:
    text = (PRODUCTS / "consumer_credit.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "penalty:                # 罚息：合同利率上浮 50%，宽限期 3 天\n", "penalty:\n  use: std\n"
    )
    text += "fees:\n  - use: svc\n    percent: '0.5%'\n"
    assert problems(text) == []
    assert problems(text.replace("fees:\n  - use: svc\n    percent: '0.5%'\n", "fees: {use: svc}\n")) == []


def test_products_on_templates_need_only_their_code() -> None:
    assert problems("code: tiny\nextends: base\nrate: {annual: '3%'}\n") == []
    assert problems("code: tiny\n") != []


def test_fragment_content_is_checked_against_its_section() -> None:
    good = "kind: fragment\nid: f_a\nsection: penalty\ncontent: {grace_days: 3}\n"
    assert problems(good) == []
    assert problems(good.replace("grace_days", "grace_dayz")) != []
    assert problems(good.replace("section: penalty", "section: nothing")) != []
    fees = "kind: fragment\nid: f_a\nsection: fees\ncontent: {id: a, kind: service, amount: 5}\n"
    assert problems(fees) == []


def test_templates_require_an_id_and_nothing_else() -> None:
    assert problems("kind: template\nid: base\npenalty: {grace_days: 3}\n") == []
    assert problems("kind: template\npenalty: {grace_days: 3}\n") != []
    assert problems("kind: template\nid: base\npenalty: {grace_dayz: 3}\n") != []


def test_amounts_with_cents_are_not_flagged() -> None:
    text = (
        (PRODUCTS / "consumer_credit.yaml")
        .read_text(encoding="utf-8")
        .replace("max: 200000", "max: 200000.07")
    )
    assert problems(text) == []
