"""Masking personal numbers in text, as a property over the ways a number reaches a log line:
any decimal digits (ASCII, full-width, Arabic-Indic), percent-encoded (ASCII or UTF-8 full-width),
grouped with spaces or dashes, after or before percent-encoded characters and Chinese text."""

from __future__ import annotations

import unicodedata
from datetime import date
from urllib.parse import quote, unquote

from hypothesis import given
from hypothesis import strategies as st

from loanfactory.pii import mask_text

SEPARATORS = [" ", "-", "\u3000", "－", "%20", "%2D", "\u00a0"]
BEFORE = [
    "",
    " ",
    "id=",
    "id%3D",
    "?q=",
    "/v1/customers/",
    "身份证",
    "号码：",
    "%E5%8F%B7",
    "(",
    "\n",
    "tel:",
    "%20",
    "+",
]
AFTER = ["", " ", "&x=1", "%26", ")", "。", "\n", ",", "%2C", "%E3%80%82", " 元"]


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.integers(100000, 999999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    order = draw(st.integers(0, 999))
    check = draw(st.sampled_from("0123456789X"))
    return f"{region}{born:%Y%m%d}{order:03d}{check}"


phones = st.builds(lambda second, rest: f"1{second}{rest:09d}", st.integers(3, 9), st.integers(0, 10**9 - 1))
cards = st.integers(12, 19).flatmap(
    lambda n: st.builds(
        lambda first, rest: f"{first}{rest:0{n - 1}d}", st.integers(3, 9), st.integers(0, 10 ** (n - 1) - 1)
    )
)
LAYOUTS = {
    "id": [(18,), (6, 8, 4), (6, 4, 4, 4), (3, 3, 4, 4, 4)],
    "phone": [(11,), (3, 4, 4), (3, 8), (7, 4)],
}


def _card_layouts(n: int) -> list[tuple[int, ...]]:
    fours = (4,) * ((n - 1) // 4)
    return [(n,), (*fours, n - 4 * len(fours))]


def _digits_in(script: str, text: str) -> str:
    """ASCII digits written in another script or percent-encoded."""
    if script == "ascii":
        return text
    if script == "fullwidth":
        return text.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"} | {ord("X"): "Ｘ"})
    if script == "arabic-indic":
        return text.translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
    if script == "percent":
        return "".join(f"%{ord(c):02X}" for c in text)
    return quote(_digits_in("fullwidth", text), safe="")  # percent-encoded UTF-8 full-width


def _written(number: str, layout: tuple[int, ...], separator: str, script: str) -> str:
    groups, at = [], 0
    for size in layout:
        groups.append(_digits_in(script, number[at : at + size]))
        at += size
    return separator.join(groups)


def _plain(text: str) -> str:
    """What a reader recovers: percent-decoded, every digit in ASCII, separators removed."""
    decoded = unquote(text)
    out = []
    for char in decoded:
        if char.isdecimal():
            out.append(str(unicodedata.decimal(char)))
        elif char in "Ｘ":
            out.append("X")
        elif char not in " -\u3000－\u00a0":
            out.append(char)
    return "".join(out)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["id", "phone", "card"]))
    number = draw({"id": id_numbers(), "phone": phones, "card": cards}[kind])
    layouts = _card_layouts(len(number)) if kind == "card" else LAYOUTS[kind]
    layout = draw(st.sampled_from(layouts))
    separator = draw(st.sampled_from(SEPARATORS))
    script = draw(st.sampled_from(["ascii", "fullwidth", "arabic-indic", "percent", "percent-fullwidth"]))
    text = (
        draw(st.sampled_from(BEFORE))
        + _written(number, layout, separator, script)
        + draw(st.sampled_from(AFTER))
    )
    return number, text


@given(written_numbers())
def test_a_personal_number_is_masked_however_it_is_written(case: tuple[str, str]) -> None:
    number, text = case
    assert number in _plain(text)  # the test writes the number recoverably ...
    masked = mask_text(text)
    assert number not in _plain(masked), masked  # ... and after masking it cannot be read back
    assert "*" in masked


@given(st.lists(written_numbers(), min_size=2, max_size=4), st.sampled_from([" ", ", ", "&", "%26", "；"]))
def test_several_numbers_in_one_line_are_all_masked(cases: list[tuple[str, str]], joint: str) -> None:
    masked = mask_text(joint.join(text for _, text in cases))
    for number, _ in cases:
        assert number not in _plain(masked)


def test_the_reported_forms() -> None:
    assert (
        mask_text("GET /v1/customers?id%3D110105199003071234") == "GET /v1/customers?id%3D110***********1234"
    )
    assert mask_text("手机 138 1234 5678。") == "手机 138****5678。"
    assert mask_text("手机 138-1234-5678") == "手机 138****5678"
    assert mask_text("手机 １３８１２３４５６７８") == "手机 138****5678"
    assert mask_text("+86 138 1234 5678") == "+86 138****5678"
    assert mask_text("卡号 6222 0212 3456 7890 123") == "卡号 622202*********0123"


amounts = st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: format(d, "f"))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)


@given(
    st.lists(
        st.one_of(amounts, days, st.text(alphabet=st.characters(categories=["L", "P", "Zs"]))), max_size=6
    )
)
def test_amounts_dates_and_words_are_left_alone(parts: list[str]) -> None:
    text = " ".join(parts)
    assert mask_text(text) == text


@given(st.integers(10**19, 10**30))
def test_order_ids_and_long_references_are_left_alone(number: int) -> None:
    for text in (f"app_{number}", f"ref {number}", f"{number}"):
        assert mask_text(text) == text


def test_letters_next_to_digits_mean_it_is_not_a_number_on_its_own() -> None:
    for text in ("x13812345678", "13812345678y", "%4113812345678", "13812345678%41"):
        assert mask_text(text) == text
