"""Templates: every kind in both languages, strict variables, overrides checked at load time."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notify_samples import SAMPLES

from loanfactory.adapters.notify import TemplateBook, normalize_language
from loanfactory.errors import InvalidInput, SpecError
from loanfactory.notices import NOTICE_KINDS
from loanfactory.ports import Channel


def test_the_builtin_templates_are_exactly_the_registered_kinds(book: TemplateBook) -> None:
    assert set(book.kinds) == set(NOTICE_KINDS)


@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_kind_renders_without_gaps(book: TemplateBook, kind: str, language: str) -> None:
    rendered = book.render(kind, language, SAMPLES[kind])
    for text in (rendered.subject, rendered.body, rendered.short):
        assert text.strip()
        assert "{{" not in text
        assert "{%" not in text
        assert "None" not in text
    if NOTICE_KINDS[kind].audience == "customer":
        assert "示例银行" in rendered.short


@pytest.mark.parametrize("kind", sorted(k for k, v in NOTICE_KINDS.items() if v.audience == "customer"))
def test_chinese_sms_fits_in_one_or_two_segments(book: TemplateBook, kind: str) -> None:
    assert len(book.render(kind, "zh", SAMPLES[kind]).short) <= 134


def test_filters_format_money_rate_date_and_card_tail(book: TemplateBook) -> None:
    zh = book.render("approval_result", "zh", SAMPLES["approval_result"])
    assert "50,000.00 元" in zh.body
    assert "年利率 7.25%" in zh.body
    assert "年化利率（APR）7.51%" in zh.body
    assert "期限 12 个月" in zh.body
    assert "2025年8月1日" in zh.body
    en = book.render("approval_result", "en", SAMPLES["approval_result"])
    assert "CNY 50,000.00 for 12 months" in en.body
    assert "2025-08-01" in en.body
    days = book.render(
        "approval_result", "zh", {**SAMPLES["approval_result"], "term": 90, "term_unit": "days"}
    )
    assert "期限 90 天" in days.body


def test_rejection_lists_reasons_or_none(book: TemplateBook) -> None:
    many = book.render("rejection", "en", {**SAMPLES["rejection"], "reasons": ["score too low", "DTI 60%"]})
    assert "1. score too low" in many.body
    assert "2. DTI 60%" in many.body
    none = book.render("rejection", "en", {**SAMPLES["rejection"], "reasons": []})
    assert "Main reasons" not in none.body


def test_a_missing_variable_names_the_field(book: TemplateBook) -> None:
    data = dict(SAMPLES["repayment_reminder"])
    del data["due_date"]
    with pytest.raises(InvalidInput) as caught:
        book.render("repayment_reminder", "zh", data)
    assert caught.value.field == "data.due_date"
    assert "due_date" in caught.value.localized("zh")


def test_an_unknown_kind_suggests_the_closest(book: TemplateBook) -> None:
    with pytest.raises(InvalidInput, match="did you mean 'overdue_notice'") as caught:
        book.render("overdue_notic", "zh", {})
    assert caught.value.field == "template"


@pytest.mark.parametrize(
    ("field", "value"), [("amount", "lots"), ("amount", 1.5), ("offer_expires", "next week")]
)
def test_bad_data_values_are_invalid_input(book: TemplateBook, field: str, value: object) -> None:
    with pytest.raises(InvalidInput):
        book.render("approval_result", "zh", {**SAMPLES["approval_result"], field: value})


@pytest.mark.parametrize(
    ("given_", "expected"), [(None, "zh"), ("", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("EN-us", "en")]
)
def test_language_tags_are_normalised(given_: str | None, expected: str) -> None:
    assert normalize_language(given_) == expected


def test_an_unsupported_language_is_refused(book: TemplateBook) -> None:
    with pytest.raises(InvalidInput) as caught:
        book.render("settlement_notice", "fr", SAMPLES["settlement_notice"])
    assert caught.value.field == "language"


def test_compose_uses_short_text_for_sms_and_push_and_body_elsewhere(book: TemplateBook) -> None:
    data = SAMPLES["overdue_notice"]
    sms = book.compose("overdue_notice", recipient="cus_1", channel=Channel.sms, data=data, dedup_key="k1")
    app = book.compose("overdue_notice", recipient="cus_1", channel=Channel.in_app, data=data, dedup_key="k2")
    assert sms.body.startswith("【示例银行】")
    assert not app.body.startswith("【")
    assert sms.id == "ntf_k1"
    assert sms.language == "zh"
    assert sms.data == data
    english = book.rerender(sms, language="en")
    assert english.body.startswith("[示例银行] Your loan is 5 days overdue")
    assert english.data == sms.data
    assert english.dedup_key == "k1"


def test_templates_cannot_reach_python_internals(tmp_path: Path) -> None:
    (tmp_path / "zh.yaml").write_text(
        "x:\n  subject: s\n  body: '{{ data.__class__.__mro__ }}'\n  short: s\n"
    )
    (tmp_path / "en.yaml").write_text("x:\n  subject: s\n  body: b\n  short: s\n")
    book = TemplateBook.load(tmp_path)
    with pytest.raises(InvalidInput, match="unsafe") as caught:
        book.render("x", "zh", {"data": {}})
    assert caught.value.field == "template"


def test_overrides_replace_builtin_text_and_add_kinds(tmp_path: Path) -> None:
    (tmp_path / "zh.yaml").write_text(
        "repayment_reminder:\n  short: '【{{ brand }}】{{ due_date | date }}请还{{ amount_due | money }}元'\n"
        "birthday:\n  subject: 生日快乐\n  body: '{{ name }}，生日快乐'\n  short: 生日快乐\n",
        encoding="utf-8",
    )
    (tmp_path / "en.yaml").write_text(
        "birthday:\n  subject: Happy birthday\n"
        "  body: 'Happy birthday, {{ name }}'\n  short: Happy birthday\n"
    )
    book = TemplateBook.load(tmp_path, brand="B")
    reminder = book.render("repayment_reminder", "zh", SAMPLES["repayment_reminder"])
    assert reminder.short == "【B】2025年9月1日请还4,333.33元"
    assert reminder.subject == "还款提醒"  # parts not overridden keep the built-in text
    assert book.render("birthday", "en", {"name": "Li"}).body == "Happy birthday, Li"


def test_an_override_with_a_misspelt_variable_is_refused_with_a_hint(tmp_path: Path) -> None:
    (tmp_path / "zh.yaml").write_text(
        "overdue_notice:\n  short: '逾期{{ days_past_deu }}天'\n  bodyy: x\n", encoding="utf-8"
    )
    with pytest.raises(SpecError) as caught:
        TemplateBook.load(tmp_path)
    problems = {d.code: d for d in caught.value.diagnostics}
    assert problems["unknown-variable"].hint == "did you mean 'days_past_due'?"
    assert problems["unknown-key"].hint == "did you mean 'body'?"
    assert problems["unknown-key"].line == 3
    assert problems["unknown-key"].file == str(tmp_path / "zh.yaml")


def test_a_kind_in_one_language_only_or_broken_syntax_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zh.yaml").write_text("extra:\n  subject: s\n  body: '{% if %}'\n  short: s\n")
    with pytest.raises(SpecError) as caught:
        TemplateBook.load(tmp_path)
    assert {d.code for d in caught.value.diagnostics} == {"template-syntax", "missing-language"}


def test_a_registered_kind_without_its_templates_is_refused_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from loanfactory import notices
    from loanfactory.adapters.notify import _templates

    extra = notices.NoticeKind("card_expiring", "servicing", "银行卡到期", "card expiring", (notices.LOAN,))
    monkeypatch.setattr(_templates, "NOTICE_KINDS", {**NOTICE_KINDS, "card_expiring": extra})
    with pytest.raises(SpecError) as caught:
        TemplateBook.default()
    missing = [d for d in caught.value.diagnostics if d.code == "missing-template"]
    assert [d.path for d in missing] == ["card_expiring", "card_expiring"]
    assert "has no zh template" in missing[0].message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("- just\n- a list\n")
    with pytest.raises(SpecError, match="maps kinds to templates"):
        TemplateBook.load(tmp_path)


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(min_size=1, max_size=40),
    reasons=st.lists(st.text(max_size=30), max_size=4),
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_any_text_in_the_data_renders_verbatim(name: str, reasons: list[str], amount: object) -> None:
    book = TemplateBook.default()
    body = book.render(
        "rejection", "zh", {"application_id": "a", "product_name": name, "reasons": reasons}
    ).body
    assert name.strip() in body or not name.strip()
    approved = book.render("approval_result", "en", {**SAMPLES["approval_result"], "amount": amount})
    assert "{{" not in approved.body


def test_the_notifications_page_lists_every_registered_kind_with_its_fields() -> None:
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "notifications.md").read_text(encoding="utf-8")
    rows = {m[0]: m[1] for m in re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]+ \| `([^`]*)` \|", page, re.M)}
    assert set(rows) == set(NOTICE_KINDS)
    for name, kind in NOTICE_KINDS.items():
        assert rows[name].split() == [f"{f.name}:{f.type}" for f in kind.fields], name
