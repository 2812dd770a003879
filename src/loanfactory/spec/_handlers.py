"""One explanation per family of pydantic error types (missing key, unknown key, enum, union tag,
strict boolean, wrong type, bounds, lengths, patterns, rates and amounts), in English and Chinese.

Each handler takes the pydantic error and where its location leads in the models
(:class:`~loanfactory.spec._types.Walk`) and returns an :class:`Explanation`; :data:`HANDLERS`
and :data:`PREFIX_HANDLERS` choose the handler by error type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.errors import InvalidInput, format_path, hint_for
from loanfactory.money import parse_rate, to_money
from loanfactory.spec import _types
from loanfactory.spec._reading import RETIRED
from loanfactory.spec._wording import (
    CHINESE_KEYS,
    CODE_PATTERN_EN,
    CODE_PATTERN_ZH,
    EXPECTED,
    FALSE_WORDS,
    TRUE_WORDS,
    Explanation,
    as_code,
    describe_field,
    given_en,
    given_zh,
    parse_expected,
    plain,
)

Handler = Callable[[Mapping[str, Any], _types.Walk], Explanation]


def _missing(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    key = str(step.path[-1]) if step.path else "?"
    about = describe_field(step.parent, key)
    hint = f"add '{key}:'" + (f" — {about}" if about else "")
    return Explanation(
        step.path,
        "missing-key",
        f"missing required key '{key}'",
        f"缺少必填项 '{key}'",
        hint,
        f"请添加 '{key}:'" + (f"（{about}）" if about else ""),
        key=True,
    )


def _extra(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    key = str(step.path[-1]) if step.path else "?"
    retired = RETIRED.get(tuple(str(p) for p in step.path if not isinstance(p, int)))
    if retired is not None:
        return Explanation(step.path, "retired-key", retired[0], retired[1], key=True)
    allowed = _types.keys_of(step.parent) if step.parent is not None else ()
    hint, hint_zh = _key_hint(key, allowed)
    return Explanation(
        step.path, "unknown-key", f"unknown key '{key}'", f"未知的键 '{key}'", hint, hint_zh, key=True
    )


def _key_hint(key: str, allowed: tuple[str, ...]) -> tuple[str | None, str | None]:
    if key in CHINESE_KEYS and CHINESE_KEYS[key] in allowed:
        english = CHINESE_KEYS[key]
        return (
            f"keys are written in English: did you mean '{english}'?",
            f"键名请用英文：您是不是想写 '{english}'？",
        )
    hint, hint_zh = hint_for(key, allowed)
    if hint is None and allowed:
        listed = ", ".join(allowed) if len(allowed) <= 14 else ", ".join(allowed[:14]) + ", ..."
        return f"allowed keys: {listed}", f"可用的键：{listed}"
    return hint, hint_zh


def _enum(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    given = error["input"]
    choices = _types.choices_of(step.type) if step.type is not None else ()
    if not choices:
        choices = parse_expected(str((error.get("ctx") or {}).get("expected", "")))
    listed = ", ".join(choices)
    hint, hint_zh = hint_for(str(given), choices) if isinstance(given, str) else (None, None)
    if hint is None:
        hint, hint_zh = f"choose one of: {listed}", f"请从以下值中选择：{listed}"
    en = f"{given_en(given)} is not an allowed value (allowed: {listed})"
    zh = f"{given_zh(given)} 不是可选值（可选：{listed}）"
    return Explanation(step.path, "unknown-value", en, zh, hint, hint_zh)


def _union_tag_invalid(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    tag = str(ctx.get("tag", ""))
    field = str(ctx.get("discriminator", "'type'")).strip("'")
    tags = _types.tag_values(step.type, field) or parse_expected(str(ctx.get("expected_tags", "")))
    listed = ", ".join(tags)
    hint, hint_zh = hint_for(tag, tags)
    if hint is None:
        hint, hint_zh = (
            f"write {field}: " + f" or {field}: ".join(tags),
            f"请写 {field}: " + f" 或 {field}: ".join(tags),
        )
    return Explanation(
        (*step.path, field),
        "unknown-value",
        f"'{tag}' is not an allowed {field} (allowed: {listed})",
        f"'{tag}' 不是可选的 {field}（可选：{listed}）",
        hint,
        hint_zh,
    )


def _union_tag_missing(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    field = str(ctx.get("discriminator", "'type'")).strip("'")
    tags = _types.tag_values(step.type, field)
    given = error["input"]
    if not isinstance(given, dict):
        en_kind, zh_kind = EXPECTED["mapping"]
        return Explanation(
            step.path,
            "wrong-type",
            f"expected {en_kind} with '{field}:', got {given_en(given)}",
            f"应为带 '{field}:' 的{zh_kind}，实际为 {given_zh(given)}",
            f"write {field}: " + f" or {field}: ".join(tags) + " and its settings on the lines below",
            f"请写 {field}: " + f" 或 {field}: ".join(tags) + "，并在下面几行写出具体设置",
        )
    guess = _guess_tag(given, step.type, field)
    choices = f"{field}: " + f" or {field}: ".join(tags)
    choices_zh = f"{field}: " + f" 或 {field}: ".join(tags)
    hint = f"write {choices}" + (f"; the keys written suggest {field}: {guess}" if guess else "")
    hint_zh = f"请写 {choices_zh}" + (f"；从已写的键看应为 {field}: {guess}" if guess else "")
    where = format_path(step.path)
    return Explanation(
        (*step.path, field),
        "missing-key",
        f"'{where}' needs '{field}' ({', '.join(tags)})",
        f"'{where}' 需要填写 '{field}'（{', '.join(tags)}）",
        hint,
        hint_zh,
        key=True,
    )


def _guess_tag(given: Mapping[str, Any], union: Any, field: str) -> str | None:
    """The member whose own keys best match the keys written (``tenor`` means floating)."""
    best: tuple[int, str] | None = None
    shared = None
    for member in _types.members(union):
        base, _ = _types.strip(member)
        keys = set(_types.keys_of(base))
        shared = keys if shared is None else shared & keys
    for member in _types.members(union):
        base, _ = _types.strip(member)
        own = set(_types.keys_of(base)) - (shared or set())
        score = len(own & set(given))
        tags = _types.choices_of(base.model_fields[field].annotation) if field in base.model_fields else ()
        if score and tags and (best is None or score > best[0]):
            best = (score, tags[0])
    return best[1] if best else None


def _bool(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    given = error["input"]
    hint = hint_zh = None
    if isinstance(given, str) and given.strip().lower() in FALSE_WORDS:
        hint, hint_zh = (
            "write false ('no' and 'off' are text, not booleans)",
            "请写 false（'no'、'off' 是文字，不是布尔值）",
        )
    elif isinstance(given, str) and given.strip().lower() in TRUE_WORDS:
        hint, hint_zh = (
            "write true ('yes' and 'on' are text, not booleans)",
            "请写 true（'yes'、'on' 是文字，不是布尔值）",
        )
    else:
        hint, hint_zh = "write true or false", "请写 true 或 false"
    return Explanation(
        step.path,
        "wrong-type",
        f"expected true or false, got {given_en(given)}",
        f"应为 true 或 false，实际为 {given_zh(given)}",
        hint,
        hint_zh,
    )


def _wrong_type(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    given = error["input"]
    kind = _types.value_kind(step.type) if step.type is not None else _kind_from_error(error["type"])
    if error["type"] in ("int_from_float", "int_parsing") and isinstance(given, Decimal | str):
        kind = "int"
    en_kind, zh_kind = EXPECTED[kind]
    hint = hint_zh = None
    if kind == "list" and isinstance(given, str | int | Decimal):
        hint = f"a list even with one item: [{given}]"
        hint_zh = f"即使只有一项也要写成列表：[{given}]"
    elif kind == "text" and isinstance(given, int | Decimal | bool | date):
        hint, hint_zh = f"put it in quotes: '{given}'", f"请加引号：'{given}'"
    elif (
        kind in ("int", "decimal") and isinstance(given, str) and given.strip().replace(".", "", 1).isdigit()
    ):
        hint, hint_zh = f"write it without quotes: {given.strip()}", f"请去掉引号：{given.strip()}"
    elif kind == "int" and isinstance(given, Decimal):
        hint, hint_zh = "a whole number, without a decimal point", "请写整数，不带小数点"
    elif kind == "mapping" and (tags := _types.tag_values(step.type) if step.type is not None else ()):
        hint = "write type: " + " or type: ".join(tags) + " and the settings as indented 'key: value' lines"
        hint_zh = "请写 type: " + " 或 type: ".join(tags) + "，并用缩进的 '键: 值' 行写出设置"
    elif kind == "mapping" and isinstance(given, str):
        hint = "write the settings as indented 'key: value' lines under this key"
        hint_zh = "请在该键下面用缩进的 '键: 值' 行写出设置"
    elif kind == "date":
        hint, hint_zh = "write the date as YYYY-MM-DD", "日期请写成 YYYY-MM-DD"
    return Explanation(
        step.path,
        "wrong-type",
        f"expected {en_kind}, got {given_en(given)}",
        f"应为{zh_kind}，实际为 {given_zh(given)}",
        hint,
        hint_zh,
    )


def _kind_from_error(kind: str) -> str:
    for prefix, value in (
        ("int", "int"),
        ("bool", "bool"),
        ("decimal", "decimal"),
        ("float", "decimal"),
        ("string", "text"),
        ("date", "date"),
        ("datetime", "date"),
        ("list", "list"),
        ("tuple", "list"),
        ("dict", "mapping"),
        ("model", "mapping"),
    ):
        if kind.startswith(prefix):
            return value
    return "value"


def _bounds(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    words = {
        "greater_than": ("gt", "greater than", "大于"),
        "greater_than_equal": ("ge", "at least", "不小于"),
        "less_than": ("lt", "less than", "小于"),
        "less_than_equal": ("le", "at most", "不大于"),
    }
    key, en, zh = words[error["type"]]
    limit = ctx.get(key)
    given = error["input"]
    return Explanation(
        step.path,
        "out-of-range",
        f"must be {en} {limit}, got {plain(given)}",
        f"必须{zh} {limit}，实际为 {plain(given)}",
    )


def _length(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return Explanation(
            step.path,
            "too-short",
            f"list at least {n} item{'s' if n != 1 else ''}",
            f"至少需要 {n} 项",
            _list_hint(step)[0],
            _list_hint(step)[1],
        )
    if kind == "too_long":
        n = ctx.get("max_length")
        return Explanation(step.path, "too-long", f"list at most {n} items", f"最多 {n} 项")
    if kind == "string_too_short":
        return Explanation(step.path, "too-short", "must not be empty", "不能为空")
    n = ctx.get("max_length")
    return Explanation(step.path, "too-long", f"is longer than {n} characters", f"超过 {n} 个字符")


def _list_hint(step: _types.Walk) -> tuple[str | None, str | None]:
    item = _types.item_type(step.type) if step.type is not None else None
    choices = _types.choices_of(item) if item is not None else ()
    if choices:
        listed = ", ".join(choices)
        return f"choose from: {listed}", f"可选：{listed}"
    return None, None


def _pattern(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    pattern = str(ctx.get("pattern", ""))
    given = error["input"]
    if pattern.startswith("^[a-z][a-z0-9_]"):
        suggestion = as_code(str(given))
        hint = f"for example '{suggestion}'" if suggestion else None
        hint_zh = f"例如 '{suggestion}'" if suggestion else None
        return Explanation(
            step.path,
            "bad-format",
            f"{given_en(given)} must use {CODE_PATTERN_EN}",
            f"{given_zh(given)} 只能包含{CODE_PATTERN_ZH}",
            hint,
            hint_zh,
        )
    return Explanation(
        step.path,
        "bad-format",
        f"{given_en(given)} does not match the pattern {pattern}",
        f"{given_zh(given)} 不符合格式 {pattern}",
    )


def _value_error(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    given = error["input"]
    kind = _types.value_kind(step.type) if step.type is not None else "value"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in ("rate", "money"):
        try:
            if kind == "rate":
                parse_rate(given, signed=True)
            else:
                to_money(given)
        except InvalidInput as exc:
            code = "bad-rate" if kind == "rate" else "bad-amount"
            return Explanation(
                step.path, code, exc.message, exc.message_zh or exc.message, *_value_hints(kind, given)
            )
    return Explanation(step.path, "invalid-value", message, f"值不合法：{message}")


def _value_hints(kind: str, given: Any) -> tuple[str | None, str | None]:
    if kind == "rate":
        if isinstance(given, int | Decimal) and not isinstance(given, bool) and abs(Decimal(given)) >= 1:
            return None, None  # the message already shows the intended form
        return "write '4.9%', '85bp' or a fraction such as 0.049", "请写成 '4.9%'、'85bp' 或小数 0.049"
    return (
        "amounts are yuan with at most two decimals, e.g. 50000 or 1234.56",
        "金额以元为单位，最多两位小数，例如 50000 或 1234.56",
    )


def _multiple(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    ctx = error.get("ctx") or {}
    return Explanation(
        step.path,
        "out-of-range",
        f"must be a multiple of {ctx.get('multiple_of')}",
        f"必须是 {ctx.get('multiple_of')} 的整数倍",
    )


def _digits(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    return Explanation(
        step.path,
        "out-of-range",
        f"too many digits: {plain(error['input'])}",
        f"位数过多：{plain(error['input'])}",
    )


def generic(error: Mapping[str, Any], step: _types.Walk) -> Explanation:
    message = str(error.get("msg", "invalid value"))
    return Explanation(step.path, "invalid-value", message, f"值不合法：{message}")


HANDLERS: dict[str, Handler] = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "enum": _enum,
    "literal_error": _enum,
    "union_tag_invalid": _union_tag_invalid,
    "union_tag_not_found": _union_tag_missing,
    "bool_type": _bool,
    "bool_parsing": _bool,
    "greater_than": _bounds,
    "greater_than_equal": _bounds,
    "less_than": _bounds,
    "less_than_equal": _bounds,
    "too_short": _length,
    "too_long": _length,
    "string_too_short": _length,
    "string_too_long": _length,
    "string_pattern_mismatch": _pattern,
    "value_error": _value_error,
    "assertion_error": _value_error,
    "multiple_of": _multiple,
    "decimal_max_digits": _digits,
    "decimal_max_places": _digits,
    "decimal_whole_digits": _digits,
    "finite_number": _wrong_type,
}
PREFIX_HANDLERS: tuple[tuple[str, Handler], ...] = (
    ("int_", _wrong_type),
    ("decimal_", _wrong_type),
    ("float_", _wrong_type),
    ("string_", _wrong_type),
    ("date", _wrong_type),
    ("time", _wrong_type),
    ("model_", _wrong_type),
    ("dict_", _wrong_type),
    ("list_", _wrong_type),
    ("tuple_", _wrong_type),
    ("set_", _wrong_type),
    ("iterable_", _wrong_type),
    ("mapping_", _wrong_type),
)
