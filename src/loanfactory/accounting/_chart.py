"""The chart of accounts (会计科目表) as data: accounts with their code, names, type and normal side.

The packaged default (``loanfactory/data/accounting/chart.yaml``) is a Chinese bank's loan book;
a bank gives its own file of the same shape. :func:`read_chart` returns ``(chart or None,
diagnostics)`` with every problem located in the file; :func:`load_chart` raises
:class:`~loanfactory.errors.SpecError` instead. Journals are booked to leaf accounts only: an
account that is another's ``parent`` is a heading (总账科目) and takes no lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, NotFound, SpecError, hint_for

DEFAULT_CHART = "loanfactory/data/accounting/chart.yaml"
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")


class AccountType(StrEnum):
    """The class of an account (科目类别)."""

    asset = "asset"  # 资产类
    liability = "liability"  # 负债类
    common = "common"  # 共同类 (clearing accounts that can be either)
    equity = "equity"  # 所有者权益类
    income = "income"  # 损益类 — 收入
    expense = "expense"  # 损益类 — 费用
    off_balance = "off-balance"  # 表外科目

    @property
    def zh(self) -> str:
        return _TYPE_ZH[self]

    @property
    def on_balance(self) -> bool:
        return self is not AccountType.off_balance


_TYPE_ZH = {
    AccountType.asset: "资产类",
    AccountType.liability: "负债类",
    AccountType.common: "共同类",
    AccountType.equity: "所有者权益类",
    AccountType.income: "损益类（收入）",
    AccountType.expense: "损益类（费用）",
    AccountType.off_balance: "表外科目",
}


class Side(StrEnum):
    """Debit or credit (借方 / 贷方)."""

    debit = "debit"
    credit = "credit"

    @property
    def zh(self) -> str:
        return "借" if self is Side.debit else "贷"

    @property
    def sign(self) -> int:
        """+1 for debit, -1 for credit: a balance is kept as debit minus credit."""
        return 1 if self is Side.debit else -1


_NORMAL_SIDE = {
    AccountType.asset: Side.debit,
    AccountType.common: Side.debit,
    AccountType.expense: Side.debit,
    AccountType.off_balance: Side.debit,
    AccountType.liability: Side.credit,
    AccountType.equity: Side.credit,
    AccountType.income: Side.credit,
}


@dataclass(frozen=True, slots=True)
class Account:
    """One account (会计科目)."""

    code: str
    name: str  # Chinese name (科目名称)
    name_en: str
    type: AccountType
    side: Side  # normal balance (余额方向)
    parent: str | None = None

    def label(self, lang: str = "zh") -> str:
        return self.name if lang == "zh" else self.name_en


@dataclass(frozen=True, slots=True)
class Chart:
    """A validated chart of accounts."""

    name: str
    name_en: str
    accounts: Mapping[str, Account]
    file: str
    leaf_codes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        parents = {a.parent for a in self.accounts.values()}
        object.__setattr__(self, "leaf_codes", frozenset(c for c in self.accounts if c not in parents))

    def __iter__(self) -> Iterator[Account]:
        return iter(self.accounts.values())

    def __contains__(self, code: object) -> bool:
        return code in self.accounts

    def account(self, code: str) -> Account:
        found = self.accounts.get(code)
        if found is None:
            hint, hint_zh = hint_for(code, self.accounts)
            raise NotFound(
                f"no account '{code}' in the chart" + (f"; {hint}" if hint else ""),
                field="account",
                message_zh=f"科目表中没有科目 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        return found

    def is_leaf(self, code: str) -> bool:
        return code in self.leaf_codes

    def leaves(self) -> list[Account]:
        return [a for a in self.accounts.values() if a.code in self.leaf_codes]


def read_chart(source: Path | str | None = None) -> tuple[Chart | None, list[Diagnostic]]:
    """The chart in ``source`` (a path, YAML text, or None for the packaged default), and every
    problem found in it; the chart is None when there is any error."""
    document, problems = read_source(source, DEFAULT_CHART)
    if document is None:
        return None, problems
    chart = _chart(document, problems)
    return (chart if not any(p.severity == "error" for p in problems) else None), problems


def load_chart(source: Path | str | None = None) -> Chart:
    """Like :func:`read_chart`, raising :class:`SpecError` with every problem."""
    chart, problems = read_chart(source)
    if chart is None:
        raise SpecError(diagnostics=problems)
    return chart


def read_source(source: Path | str | None, builtin: str) -> tuple[Document | None, list[Diagnostic]]:
    """A YAML document from a path, YAML text, or (None) the packaged file ``builtin``."""
    if source is None:
        text = (
            resources.files("loanfactory").joinpath(builtin.removeprefix("loanfactory/")).read_text("utf-8")
        )
        return load_document(text, file=builtin)
    if isinstance(source, Path):
        if not source.is_file():
            return None, [
                Diagnostic(
                    "no-file", f"no file {source}", file=str(source), message_zh=f"找不到文件 {source}"
                )
            ]
        return load_document(source)
    return load_document(source)


def _chart(document: Document, problems: list[Diagnostic]) -> Chart | None:
    data = document.data
    if not isinstance(data, dict) or data.get("kind") != "chart-of-accounts":
        problems.append(
            document.diagnostic(
                (),
                "wrong-kind",
                "expected 'kind: chart-of-accounts'",
                message_zh="需要 'kind: chart-of-accounts'",
            )
        )
        return None
    _unknown_keys(document, (), data, {"kind", "name", "accounts"}, problems)
    rows = data.get("accounts")
    if not isinstance(rows, list) or not rows:
        problems.append(
            document.diagnostic(
                ("accounts",),
                "missing-key",
                "a chart needs an 'accounts' list",
                message_zh="科目表需要 'accounts' 列表",
            )
        )
        return None
    accounts: dict[str, Account] = {}
    for i, row in enumerate(rows):
        account = _account(document, row, i, problems)
        if account is None:
            continue
        if account.code in accounts:
            problems.append(
                document.diagnostic(
                    ("accounts", i, "code"),
                    "duplicate-account",
                    f"account {account.code} is listed twice",
                    message_zh=f"科目 {account.code} 重复",
                )
            )
            continue
        accounts[account.code] = account
    for i, row in enumerate(rows):
        parent = row.get("parent") if isinstance(row, dict) else None
        code = _code_text(row.get("code")) if isinstance(row, dict) else None
        if parent is None or code is None or code not in accounts:
            continue
        child = accounts[code]
        parent_code = _code_text(parent)
        found = accounts.get(parent_code or "")
        if found is None:
            hint, hint_zh = hint_for(str(parent), accounts)
            problems.append(
                document.diagnostic(
                    ("accounts", i, "parent"),
                    "unknown-account",
                    f"parent account '{parent}' is not in the chart",
                    hint=hint,
                    message_zh=f"上级科目 '{parent}' 不在科目表中",
                    hint_zh=hint_zh,
                )
            )
        elif found.type is not child.type:
            problems.append(
                document.diagnostic(
                    ("accounts", i, "type"),
                    "wrong-type",
                    f"account {code} is {child.type} but its parent {parent_code} is {found.type}",
                    message_zh=f"科目 {code} 的类别与上级科目 {parent_code} 不一致",
                )
            )
    name = data.get("name")
    names: dict[str, Any] = name if isinstance(name, dict) else {}
    return Chart(str(names.get("zh", "")), str(names.get("en", "")), accounts, document.file)


def _account(document: Document, row: object, i: int, problems: list[Diagnostic]) -> Account | None:
    where: tuple[str | int, ...] = ("accounts", i)
    if not isinstance(row, dict):
        problems.append(
            document.diagnostic(where, "wrong-type", "expected a mapping", message_zh="应为映射（键: 值）")
        )
        return None
    _unknown_keys(document, where, row, {"code", "name", "en", "type", "side", "parent"}, problems)
    code = _code_text(row.get("code"))
    if code is None or not _CODE.match(code):
        problems.append(
            document.diagnostic(
                (*where, "code"),
                "bad-code",
                f"an account code is letters and digits (up to 40), got {row.get('code')!r}",
                message_zh=f"科目代码应为字母和数字（至多 40 位），当前为 {row.get('code')!r}",
            )
        )
        return None
    name = row.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(
            document.diagnostic(
                (*where, "name"),
                "missing-key",
                f"account {code} needs a name",
                message_zh=f"科目 {code} 需要名称",
            )
        )
        return None
    try:
        kind = AccountType(str(row.get("type")))
    except ValueError:
        hint, hint_zh = hint_for(str(row.get("type")), [t.value for t in AccountType])
        problems.append(
            document.diagnostic(
                (*where, "type"),
                "bad-type",
                f"account type must be one of {', '.join(t.value for t in AccountType)}",
                hint=hint,
                message_zh=f"科目类别必须是 {'、'.join(t.value for t in AccountType)} 之一",
                hint_zh=hint_zh,
            )
        )
        return None
    side = _NORMAL_SIDE[kind]
    if row.get("side") is not None:
        try:
            side = Side(str(row["side"]))
        except ValueError:
            problems.append(
                document.diagnostic(
                    (*where, "side"),
                    "bad-side",
                    "side must be debit or credit",
                    message_zh="余额方向必须是 debit（借）或 credit（贷）",
                )
            )
            return None
    parent = _code_text(row.get("parent")) if row.get("parent") is not None else None
    return Account(code, name.strip(), str(row.get("en") or name).strip(), kind, side, parent)


def _code_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value).strip()
    return None


def _unknown_keys(
    document: Document,
    where: tuple[str | int, ...],
    data: dict[str, Any],
    known: set[str],
    problems: list[Diagnostic],
) -> None:
    for key in data:
        if key not in known:
            hint, hint_zh = hint_for(str(key), known)
            problems.append(
                document.diagnostic(
                    (*where, key),
                    "unknown-key",
                    f"unknown key '{key}'",
                    hint=hint,
                    message_zh=f"未知的键 '{key}'",
                    hint_zh=hint_zh,
                    key=True,
                )
            )
