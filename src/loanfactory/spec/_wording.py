"""The words of validation messages: what each kind of value looks like, how a given value is
named ("the text 'no'", "文字 'no'"), Chinese key names, and the :class:`Explanation` they make up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.spec import _types

PathPart = str | int


@dataclass(frozen=True, slots=True)
class Explanation:
    """One validation error, explained; ``key`` places it at the key rather than the value."""

    path: tuple[PathPart, ...]
    code: str
    message: str
    message_zh: str
    hint: str | None = None
    hint_zh: str | None = None
    key: bool = False


# What a value of each kind looks like (see _types.value_kind).


EXPECTED: dict[str, tuple[str, str]] = {
    "rate": ("a rate such as '4.9%' or '85bp'", "利率，例如 '4.9%' 或 '85bp'"),
    "money": ("an amount in yuan such as 50000", "以元为单位的金额，例如 50000"),
    "bool": ("true or false", "true 或 false"),
    "int": ("a whole number", "整数"),
    "decimal": ("a number", "数字"),
    "date": ("a date such as 2025-07-01", "日期，例如 2025-07-01"),
    "text": ("text", "文字"),
    "choice": ("one of the listed values", "可选值之一"),
    "list": ("a list", "列表"),
    "mapping": ("a mapping (indented 'key: value' lines)", "映射（缩进的 '键: 值' 行）"),
    "text-or-mapping": ("an id (text) or a mapping", "编号（文字）或映射"),
    "value": ("a valid value", "合法的值"),
}

# Keys a Chinese-speaking product manager may write instead of the English ones.
CHINESE_KEYS: dict[str, str] = {
    "编码": "code",
    "产品编码": "code",
    "名称": "name",
    "产品名称": "name",
    "描述": "description",
    "版本": "version",
    "状态": "status",
    "有效期": "effective",
    "渠道": "channels",
    "客群": "segments",
    "用途": "purposes",
    "金额": "amount",
    "额度": "amount",
    "期限": "term",
    "利率": "rate",
    "还款": "repayment",
    "还款方式": "methods",
    "还款频率": "frequency",
    "费用": "fees",
    "罚息": "penalty",
    "提前还款": "prepayment",
    "担保": "guarantee",
    "担保方式": "types",
    "押品": "collateral",
    "逾期": "overdue",
    "放款": "disbursement",
    "规则": "rules",
    "合规": "compliance",
    "合同": "contract",
    "标签": "tags",
    "年利率": "annual",
    "点差": "spread",
    "加点": "spread",
    "最低": "min",
    "最高": "max",
    "模板": "extends",
    "继承": "extends",
}

TRUE_WORDS = frozenset({"yes", "y", "on", "true", "是", "对"})
FALSE_WORDS = frozenset({"no", "n", "off", "false", "否", "不"})
CODE_PATTERN_EN = "lowercase letters, digits and '_', starting with a letter"
CODE_PATTERN_ZH = "小写字母、数字和下划线，并以字母开头"


def plain(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def given_en(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{plain(value)}'"
    if isinstance(value, date):
        return f"the date {value}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{plain(value)}'"


def given_zh(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, int | Decimal):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"文字 '{plain(value)}'"
    if isinstance(value, date):
        return f"日期 {value}"
    if isinstance(value, list | tuple):
        return "列表"
    if isinstance(value, dict):
        return "映射"
    return f"'{plain(value)}'"


def describe_field(parent: Any, key: str) -> str | None:
    if parent is None:
        return None
    for member in _types.members(parent):
        base, _ = _types.strip(member)
        if _types.is_model(base):
            info = _types.model_field(base, key)
            if info is not None and info.description:
                return info.description
    return None


def parse_expected(text: str) -> tuple[str, ...]:
    parts = text.replace(" or ", ", ").split(", ")
    return tuple(p.strip().strip("'") for p in parts if p.strip())


def as_code(text: str) -> str | None:
    out = "".join(c if c.isascii() and c.isalnum() else "_" for c in text.strip().lower()).strip("_")
    while "__" in out:
        out = out.replace("__", "_")
    if len(out) >= 2 and out[0].isalpha():
        return out
    return None
