"""The loader: every kind of mistake a product manager can make, explained and placed exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_support import PRODUCTS, SAMPLE_CODES, errors, load, only, product_doc

from loanfactory.errors import Diagnostic, SpecError
from loanfactory.spec import ProductSpec, load_product, load_product_or_raise, load_product_text

HEAD = """\
code: test_product
name: 测试产品
extends: personal_unsecured
effective: {from: 2025-07-01}
amount: {min: 1000, max: 50000}
rate: {type: fixed, annual: "4.2%"}
"""


def check(extra: str) -> list[Diagnostic]:
    spec, diagnostics = load(HEAD + extra, file="t.yaml")
    assert spec is None
    return diagnostics


@pytest.mark.parametrize("code", SAMPLE_CODES)
def test_every_sample_loads_alone_finding_its_templates(code: str) -> None:
    spec, diagnostics = load_product(PRODUCTS / f"{code}.yaml")
    assert diagnostics == []
    assert spec is not None
    assert spec.code == code


@product_doc
def test_a_valid_product_in_a_docstring(spec: ProductSpec | None, diagnostics: list[Diagnostic]) -> None:
    """
    code: docstring_loan
    name: {zh: 文档里的产品, en: A product in a docstring}
    extends: personal_unsecured
    effective: {from: 2025-07-01}
    amount: {min: 1000, max: 50000}
    rate: {type: fixed, annual: "4.2%"}
    """
    assert diagnostics == []
    assert spec is not None
    assert spec.name.text("en") == "A product in a docstring"
    assert spec.extends == ("personal_unsecured",)


def test_missing_required_key_points_at_the_enclosing_key() -> None:
    text = HEAD.replace("amount: {min: 1000, max: 50000}", "amount: {min: 1000}")
    _, diagnostics = load(text, file="t.yaml")
    d = only(diagnostics, "missing-key")
    assert (d.path, d.line, d.column) == ("amount.max", 5, 1)
    assert d.message == "missing required key 'max'"
    assert d.hint is not None
    assert "Largest amount" in d.hint
    assert d.message_zh == "缺少必填项 'max'"


def test_missing_top_level_key() -> None:
    _, diagnostics = load(HEAD.replace("name: 测试产品\n", ""), file="t.yaml")
    d = only(diagnostics, "missing-key")
    assert d.path == "name"
    assert d.line == 1


def test_unknown_key_has_did_you_mean_and_the_key_position() -> None:
    d = only(check("penalty:\n  grace_days: 3\n  compund: true\n"), "unknown-key")
    assert (d.path, d.line, d.column) == ("penalty.compund", 9, 3)
    assert d.hint == "did you mean 'compound'?"
    assert d.hint_zh == "您是不是想写 'compound'？"


def test_unknown_key_without_close_match_lists_the_keys() -> None:
    d = only(check("penalty:\n  zzz: 1\n"), "unknown-key")
    assert d.hint is not None
    assert d.hint.startswith("allowed keys: uplift, compound")


def test_chinese_key_is_mapped_to_the_english_one() -> None:
    d = only(check("罚息: {uplift: 50%}\n"), "unknown-key")
    assert d.hint == "keys are written in English: did you mean 'penalty'?"


def test_unknown_enum_value_has_did_you_mean() -> None:
    d = only(check("repayment: {methods: [annuity], frequency: montly}\n"), "unknown-value")
    assert (d.path, d.line, d.column) == ("repayment.frequency", 7, 44)
    assert d.hint == "did you mean 'monthly'?"
    assert "allowed: daily, weekly" in d.message
    assert d.message_zh is not None
    assert "不是可选值" in d.message_zh


def test_enum_spelling_variants_are_accepted() -> None:
    spec, diagnostics = load(HEAD + "repayment: {methods: [Annuity, equal-principal], frequency: Monthly}\n")
    assert diagnostics == []
    assert spec is not None
    assert [m.value for m in spec.repayment.methods] == ["annuity", "equal_principal"]


def test_literal_value() -> None:
    d = only(check("currency: USD\n"), "unknown-value")
    assert d.path == "currency"
    assert "allowed: CNY" in d.message


def test_unknown_rate_type_has_did_you_mean() -> None:
    _, diagnostics = load(HEAD.replace("type: fixed", "type: fixd"), file="t.yaml")
    d = only(diagnostics, "unknown-value")
    assert (d.path, d.line) == ("rate.type", 6)
    assert d.hint == "did you mean 'fixed'?"


def test_rate_without_type_guesses_floating_from_its_keys() -> None:
    _, diagnostics = load(HEAD.replace('{type: fixed, annual: "4.2%"}', '{tenor: 1y, spread: "+50bp"}'))
    d = only(diagnostics, "missing-key")
    assert d.path == "rate.type"
    assert d.hint == "write type: fixed or type: floating; the keys written suggest type: floating"
    assert d.hint_zh is not None
    assert "type: floating" in d.hint_zh


def test_rate_written_as_a_plain_value() -> None:
    _, diagnostics = load(HEAD.replace('{type: fixed, annual: "4.2%"}', '"4.2%"'))
    d = only(diagnostics, "wrong-type")
    assert d.path == "rate"
    assert d.message == "expected a mapping (indented 'key: value' lines), got the text '4.2%'"
    assert d.hint == "write type: fixed or type: floating and the settings as indented 'key: value' lines"


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("no", "write false ('no' and 'off' are text, not booleans)"),
        ("off", "write false ('no' and 'off' are text, not booleans)"),
        ("yes", "write true ('yes' and 'on' are text, not booleans)"),
        ("on", "write true ('yes' and 'on' are text, not booleans)"),
        ("1", "write true or false"),
    ],
)
def test_strict_booleans(written: str, hint: str) -> None:
    d = only(check(f"penalty: {{compound: {written}}}\n"), "wrong-type")
    assert d.path == "penalty.compound"
    assert d.hint == hint
    assert d.message.startswith("expected true or false")


def test_whole_numbers() -> None:
    text = check("penalty: {grace_days: three}\n")
    assert only(text, "wrong-type").message == "expected a whole number, got the text 'three'"
    fraction = only(check("penalty: {grace_days: 2.5}\n"), "wrong-type")
    assert fraction.hint == "a whole number, without a decimal point"


def test_numbers_and_bounds() -> None:
    assert only(
        check("repayment: {methods: [annuity], rounding: {unit: abc}}\n"), "wrong-type"
    ).message.startswith("expected a number")
    d = only(check("penalty: {grace_days: 40}\n"), "out-of-range")
    assert d.message == "must be at most 30, got 40"
    assert d.message_zh == "必须不大于 30，实际为 40"


def test_empty_list_lists_the_choices() -> None:
    d = only(check("channels: []\n"), "too-short")
    assert d.message == "list at least 1 item"
    assert d.hint is not None
    assert d.hint.startswith("choose from: app, mini-program")


def test_a_single_value_where_a_list_is_expected() -> None:
    d = only(check("channels: app\n"), "wrong-type")
    assert d.hint == "a list even with one item: [app]"


def test_code_format_suggests_a_code() -> None:
    _, diagnostics = load(HEAD.replace("code: test_product", "code: Consumer-Credit 2"))
    d = only(diagnostics, "bad-format")
    assert d.path == "code"
    assert d.hint == "for example 'consumer_credit_2'"


def test_text_expected_but_number_given() -> None:
    d = only(check("tags: [online, 123]\n"), "wrong-type")
    assert d.path == "tags[1]"
    assert d.hint == "put it in quotes: '123'"


def test_section_written_as_text() -> None:
    d = only(check("penalty: 50%\n"), "wrong-type")
    assert d.message.startswith("expected a mapping")
    assert d.hint is not None


def test_dates() -> None:
    _, diagnostics = load(HEAD.replace("{from: 2025-07-01}", "{from: next week}"))
    d = only(diagnostics, "wrong-type")
    assert d.path == "effective.from"
    assert d.hint == "write the date as YYYY-MM-DD"


def test_amounts_are_checked_with_chinese_messages() -> None:
    negative = only(check("fees: [{id: a, kind: service, amount: -5}]\n"), "bad-amount")
    assert negative.message == "must not be negative, got -5"
    assert negative.message_zh == "不能为负数：-5"
    fen = only(check("fees: [{id: a, kind: service, amount: 1000.005}]\n"), "bad-amount")
    assert "more than 2 decimal places" in fen.message


def test_bare_rate_is_refused_as_ambiguous() -> None:
    _, diagnostics = load(HEAD.replace('annual: "4.2%"', "annual: 4.2"))
    d = only(diagnostics, "bad-rate")
    assert "write '4.2%'" in d.message
    assert d.message_zh is not None
    assert "'4.2%'" in d.message_zh


def test_rule_reference_of_the_wrong_type_is_one_error() -> None:
    diagnostics = check("rules: {eligibility: 5}\n")
    assert len(errors(diagnostics)) == 1
    d = only(diagnostics, "wrong-type")
    assert d.path == "rules.eligibility"
    assert "rule id" in d.message


def test_every_mistake_of_a_file_in_one_run() -> None:
    text = HEAD.replace("{min: 1000, max: 50000}", "{min: 90000, max: 50000}") + (
        "fees: [{id: a, kind: servise, amount: 5}]\npenalty: {compound: no}\n"
    )
    _, diagnostics = load(text, file="t.yaml")
    assert sorted(codes := [d.code for d in diagnostics]) == sorted(
        ["min-gt-max", "unknown-value", "wrong-type"]
    ), codes


def test_warnings_come_with_a_spec() -> None:
    spec, diagnostics = load(HEAD + "penalty: {uplift: 150%}\n")
    assert spec is not None
    assert [d.severity for d in diagnostics] == ["warning"]


def test_messages_have_chinese() -> None:
    diagnostics = check(
        "penalty: {compund: true, grace_days: x}\nchannels: [ap]\nrules: {eligibility: [1]}\n"
    )
    assert len(diagnostics) == 4
    for d in diagnostics:
        assert d.message_zh, d
        assert any("\u4e00" <= ch <= "\u9fff" for ch in d.message_zh), d
        assert d.in_language("zh").message == d.message_zh


def test_load_product_or_raise() -> None:
    with pytest.raises(SpecError) as raised:
        load_product_or_raise(Path(__file__).parent / "broken" / "typo_key.yaml")
    assert [d.code for d in raised.value.diagnostics] == ["unknown-key"]
    assert "unknown-key" in str(raised.value)
    assert load_product_or_raise(PRODUCTS / "consumer_credit.yaml").code == "consumer_credit"


def test_a_template_is_not_a_product() -> None:
    spec, diagnostics = load_product(PRODUCTS / "templates" / "retail_base.yaml")
    assert spec is None
    assert only(diagnostics, "wrong-kind").path == "kind"


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    spec, diagnostics = load_product_text(text, file="x.yaml")
    assert spec is None
    assert only(diagnostics, "not-a-mapping").line == 1


def test_a_missing_file() -> None:
    spec, diagnostics = load_product(Path("/nonexistent/product.yaml"))
    assert spec is None
    assert diagnostics[0].code == "unreadable-file"


def test_huge_numbers_are_errors_not_crashes() -> None:
    for written in ("1e40", "100000000000000000000000000000000000"):
        d = only(check(f"fees: [{{id: a, kind: service, amount: {written}}}]\n"), "bad-amount")
        assert "too large" in d.message


def test_quoted_and_boolean_whole_numbers_are_refused() -> None:
    quoted = only(check('penalty: {grace_days: "3"}\n'), "wrong-type")
    assert quoted.hint == "write it without quotes: 3"
    boolean = only(check("penalty: {grace_days: true}\n"), "wrong-type")
    assert boolean.message == "expected a whole number, got the boolean true"
