"""Reading the posting rules file (记账规则文件): every mistake a located diagnostic.

:func:`read_posting_rules` checks the file against a chart — unknown roles and accounts (with a
did-you-mean), a role mapped to an account of the wrong type, an entry to a heading account, a row
that debits and credits the same account or pairs a balance-sheet account with an off-balance one,
unknown events, components and bases — and then, through :mod:`._rulecheck`, against the loan
ledger's meaning of each control account.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from loanfactory.accounting._chart import Chart, _unknown_keys, load_chart, read_source
from loanfactory.accounting._rules import (
    DEFAULT_RULES_FILE,
    DIRECTION,
    EVENT_BASES,
    LOAN,
    ROLES,
    Basis,
    PostingRules,
    ProductRules,
    Row,
)
from loanfactory.document import Document
from loanfactory.errors import Diagnostic, SpecError, hint_for


def read_posting_rules(
    source: Path | str | None = None, chart: Chart | None = None
) -> tuple[PostingRules | None, list[Diagnostic]]:
    """The rules in ``source`` (a path, YAML text, or None for the packaged default) checked
    against ``chart`` (the packaged chart by default), and every problem found."""
    from loanfactory.accounting._rulecheck import check_rules

    chart = chart or load_chart()
    document, problems = read_source(source, DEFAULT_RULES_FILE)
    if document is None:
        return None, problems
    rules = _rules(document, chart, problems)
    if rules is not None and not _errors(problems):
        problems.extend(check_rules(rules, document))
    return (rules if not _errors(problems) else None), problems


def load_posting_rules(source: Path | str | None = None, chart: Chart | None = None) -> PostingRules:
    """Like :func:`read_posting_rules`, raising :class:`SpecError` with every problem."""
    rules, problems = read_posting_rules(source, chart)
    if rules is None:
        raise SpecError(diagnostics=problems)
    return rules


def _errors(problems: list[Diagnostic]) -> bool:
    return any(p.severity == "error" for p in problems)


def _rules(document: Document, chart: Chart, problems: list[Diagnostic]) -> PostingRules | None:
    data = document.data
    if not isinstance(data, dict) or data.get("kind") != "posting-rules":
        problems.append(
            document.diagnostic(
                (), "wrong-kind", "expected 'kind: posting-rules'", message_zh="需要 'kind: posting-rules'"
            )
        )
        return None
    _unknown_keys(
        document, (), data, {"kind", "roles", "rules", "products", "non_accrual_after_days"}, problems
    )
    days = data.get("non_accrual_after_days", 90)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        problems.append(
            document.diagnostic(
                ("non_accrual_after_days",),
                "bad-value",
                f"non_accrual_after_days must be a whole number of days from 1 to 3650, got {days!r}",
                message_zh=f"停止计息天数必须是 1 到 3650 的整数，当前为 {days!r}",
            )
        )
        days = 90
    roles = _roles(document, ("roles",), data.get("roles"), chart, problems, required=True)
    rows = _rows(document, ("rules",), data.get("rules"), chart, problems, required=True)
    products: dict[str, ProductRules] = {}
    raw_products = data.get("products") or {}
    if not isinstance(raw_products, dict):
        problems.append(
            document.diagnostic(("products",), "wrong-type", "expected a mapping of product codes")
        )
        raw_products = {}
    for code, body in raw_products.items():
        where: tuple[str | int, ...] = ("products", code)
        if not isinstance(body, dict):
            problems.append(document.diagnostic(where, "wrong-type", "expected 'roles' and/or 'rules'"))
            continue
        _unknown_keys(document, where, body, {"roles", "rules"}, problems)
        products[str(code)] = ProductRules(
            _roles(document, (*where, "roles"), body.get("roles"), chart, problems, required=False),
            _rows(document, (*where, "rules"), body.get("rules"), chart, problems, required=False),
        )
    for scope, own_roles, own_rows in [("", roles, rows)] + [
        (code, {**roles, **p.roles}, p.rows) for code, p in products.items()
    ]:
        _check_names(document, own_rows, own_roles, chart, scope, problems)
    return PostingRules(chart, roles, rows, products, days, document.file)


def _roles(
    document: Document,
    where: tuple[str | int, ...],
    raw: object,
    chart: Chart,
    problems: list[Diagnostic],
    *,
    required: bool,
) -> dict[str, str]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            document.diagnostic(where, "wrong-type", "expected a mapping of roles to account codes")
        )
        return {}
    out: dict[str, str] = {}
    refused: set[str] = set()
    for role, value in raw.items():
        at = (*where, role)
        spec = ROLES.get(str(role))
        refused.add(str(role))
        if spec is None:
            hint, hint_zh = hint_for(str(role), ROLES)
            problems.append(
                document.diagnostic(
                    at,
                    "unknown-role",
                    f"unknown role '{role}'",
                    hint=hint,
                    message_zh=f"未知的记账角色 '{role}'",
                    hint_zh=hint_zh,
                    key=True,
                )
            )
            continue
        code = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not _leaf(document, at, code, chart, problems):
            continue
        account = chart.accounts[code]
        if account.type not in spec.types or (spec.side is not None and account.side is not spec.side):
            wanted = " or ".join(t.value for t in sorted(spec.types))
            side = f" with a {spec.side.value} balance" if spec.side is not None else ""
            problems.append(
                document.diagnostic(
                    at,
                    "wrong-account-type",
                    f"role {role} ({spec.en}) needs a {wanted} account{side}; "
                    f"{code} {account.name} is {account.type.value} ({account.side.value})",
                    message_zh=f"记账角色 {role}（{spec.zh}）需要"
                    + "或".join(t.zh for t in sorted(spec.types))
                    + "科目"
                    + (f"（余额方向为{spec.side.zh}）" if spec.side is not None else "")
                    + f"；{code} {account.name} 是{account.type.zh}（{account.side.zh}）",
                )
            )
            continue
        out[str(role)] = code
    if required:
        for role in ROLES:
            if role not in out and role not in refused:
                problems.append(
                    document.diagnostic(
                        where,
                        "missing-role",
                        f"role {role} ({ROLES[role].en}) has no account",
                        message_zh=f"记账角色 {role}（{ROLES[role].zh}）没有对应科目",
                    )
                )
    return out


def _leaf(
    document: Document, at: tuple[str | int, ...], code: str, chart: Chart, problems: list[Diagnostic]
) -> bool:
    if code not in chart:
        hint, hint_zh = hint_for(code, chart.accounts)
        problems.append(
            document.diagnostic(
                at,
                "unknown-account",
                f"account '{code}' is not in the chart {chart.file}",
                hint=hint,
                message_zh=f"科目 '{code}' 不在科目表 {chart.file} 中",
                hint_zh=hint_zh,
            )
        )
        return False
    if not chart.is_leaf(code):
        problems.append(
            document.diagnostic(
                at,
                "heading-account",
                f"account {code} {chart.accounts[code].name} has sub-accounts; book to one of them",
                message_zh=f"科目 {code} {chart.accounts[code].name} 有下级科目，请记入明细科目",
            )
        )
        return False
    return True


def _rows(
    document: Document,
    where: tuple[str | int, ...],
    raw: object,
    chart: Chart,
    problems: list[Diagnostic],
    *,
    required: bool,
) -> tuple[Row, ...]:
    if raw is None and not required:
        return ()
    if not isinstance(raw, list) or (required and not raw):
        problems.append(document.diagnostic(where, "wrong-type", "expected a list of rule rows"))
        return ()
    rows: list[Row] = []
    for i, item in enumerate(raw):
        at = (*where, i)
        if not isinstance(item, dict):
            problems.append(document.diagnostic(at, "wrong-type", "expected a mapping"))
            continue
        _unknown_keys(document, at, item, {"event", "component", "basis", "debit", "credit"}, problems)
        event, component = str(item.get("event")), str(item.get("component"))
        if event not in DIRECTION:
            hint, hint_zh = hint_for(event, DIRECTION)
            problems.append(
                document.diagnostic(
                    (*at, "event"),
                    "unknown-event",
                    f"unknown event '{event}'",
                    hint=hint,
                    message_zh=f"未知的事件 '{event}'",
                    hint_zh=hint_zh,
                )
            )
            continue
        if component not in DIRECTION[event]:
            problems.append(
                document.diagnostic(
                    (*at, "component"),
                    "unknown-component",
                    f"a {event} has no component '{component}' (it has {', '.join(DIRECTION[event])})",
                    message_zh=f"{event} 事件没有组成部分 '{component}'"
                    + f"（可选：{'、'.join(DIRECTION[event])}）",
                )
            )
            continue
        basis: Basis | None = None
        if item.get("basis") is not None:
            try:
                basis = Basis(str(item["basis"]))
            except ValueError:
                basis = None
            if basis is None or basis not in EVENT_BASES[event]:
                allowed = [b.value for b in EVENT_BASES[event] if b is not None]
                problems.append(
                    document.diagnostic(
                        (*at, "basis"),
                        "bad-basis",
                        f"a {event} row takes "
                        + (f"basis {', '.join(allowed)}" if allowed else "no basis")
                        + f", got {item['basis']!r}",
                        message_zh=f"{event} 规则的 basis 只能是 {'、'.join(allowed) or '（不填）'}",
                    )
                )
                continue
        sides = []
        for side in ("debit", "credit"):
            value = item.get(side)
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
                problems.append(
                    document.diagnostic(
                        at,
                        "unbalanced-rule",
                        f"the row has no {side} account",
                        message_zh=f"该规则缺少{'借' if side == 'debit' else '贷'}方科目",
                    )
                )
                break
            sides.append(str(value).strip())
        if len(sides) == 2:
            rows.append(Row(event, component, basis, sides[0], sides[1], at))
    return tuple(rows)


def _check_names(
    document: Document,
    rows: tuple[Row, ...],
    roles: Mapping[str, str],
    chart: Chart,
    scope: str,
    problems: list[Diagnostic],
) -> None:
    """Every name a role or a leaf account; the two accounts of a row differ and are both on, or
    both off, the balance sheet."""
    names = [*ROLES, LOAN, *chart.leaf_codes]
    for row in rows:
        types: list[bool] = []
        for side, name in (("debit", row.debit), ("credit", row.credit)):
            at: tuple[str | int, ...] = (*row.where, side)
            if name == LOAN:
                types.append(True)
            elif name in ROLES:
                code = roles.get(name)
                if code is None:
                    if not scope:
                        continue  # reported as a missing role
                    problems.append(document.diagnostic(at, "missing-role", f"role {name} has no account"))
                    continue
                types.append(chart.accounts[code].type.on_balance)
            elif name in chart:
                if not _leaf(document, at, name, chart, problems):
                    continue
                types.append(chart.accounts[name].type.on_balance)
            else:
                hint, hint_zh = hint_for(name, names)
                problems.append(
                    document.diagnostic(
                        at,
                        "unknown-account",
                        f"'{name}' is neither a posting role nor an account of the chart",
                        hint=hint,
                        message_zh=f"'{name}' 既不是记账角色，也不是科目表中的科目",
                        hint_zh=hint_zh,
                    )
                )
        if row.debit == row.credit or (
            row.debit in roles and row.credit in roles and roles[row.debit] == roles[row.credit]
        ):
            problems.append(
                document.diagnostic(
                    row.where,
                    "unbalanced-rule",
                    f"the row debits and credits the same account ({row.debit})",
                    message_zh=f"该规则借贷方为同一科目（{row.debit}）",
                )
            )
        elif len(types) == 2 and types[0] != types[1]:
            problems.append(
                document.diagnostic(
                    row.where,
                    "unbalanced-rule",
                    f"{row.debit} and {row.credit}: one is on the balance sheet and one off it, so neither "
                    "side would balance; pair an off-balance account with the off-balance contra",
                    message_zh=f"{row.debit} 与 {row.credit} 一个是表内科目、一个是表外科目，借贷无法平衡；"
                    "表外科目应与表外对转科目配对",
                )
            )
