"""Posting rules (记账规则) as data: which accounts each event and component debits and credits.

A rule row says: for ``event`` (a ledger posting type, or one of the books' own events: accrual,
stop-accrual, resume-accrual, provision) and ``component`` (principal, interest, penalty, fee,
credit, accrued, allowance), optionally only under a ``basis`` (accrual, non-accrual, written-off),
debit one account and credit another by the component's amount. Accounts are named by role
(``interest.due``, ``clearing`` ...; ``loan`` is the loan account of the loan's five-category
class) or by code. ``products`` replaces roles and rows for one product code.

The amount of a row is the component's change in the loan ledger turned the natural way round for
the event (:data:`DIRECTION`): a repayment's principal is negative in the ledger (it lowers what is
owed) and books a positive credit to the loan account. A natural amount below zero — a penalty
recomputed lower, any reversal — is booked in red ink on the same sides.

:func:`read_posting_rules` checks the file against a chart (unknown account or role, wrong account
type, a pair across the balance-sheet boundary, a posting to a heading account) and then, through
:mod:`._rulecheck`, books a sample of every event under every basis and compares the control
accounts with the ledger, so that a table that would break the daily reconciliation is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from loanfactory.accounting._chart import AccountType, Chart, Side, _unknown_keys, read_source
from loanfactory.document import Document
from loanfactory.errors import Diagnostic, SpecError, hint_for
from loanfactory.servicing import CATEGORIES, Category

DEFAULT_RULES_FILE = "loanfactory/data/accounting/posting_rules.yaml"
LOAN = "loan"
"""The role of the loan account of the loan's current five-category class."""


class Basis(StrEnum):
    """How a loan's interest is recognised (计息状态)."""

    accrual = "accrual"  # 应计：利息按日计入收入
    non_accrual = "non-accrual"  # 非应计（停止计息）：利息、罚息只在表外登记，收到时确认收入
    written_off = "written-off"  # 已核销：收回的款项冲回贷款损失准备

    @property
    def code(self) -> int:
        return _BASIS_CODES.index(self)


_BASIS_CODES = (Basis.accrual, Basis.non_accrual, Basis.written_off)
BASES = _BASIS_CODES

DIRECTION: Mapping[str, Mapping[str, int]] = {
    "disbursement": {"principal": 1},
    "interest": {"interest": 1},
    "penalty": {"penalty": 1},
    "fee": {"fee": 1},
    "repayment": {"principal": -1, "interest": -1, "penalty": -1, "fee": -1, "credit": 1},
    "prepayment": {"principal": -1, "interest": -1, "penalty": -1, "fee": -1, "credit": -1},
    "credit-applied": {"principal": -1, "interest": -1, "penalty": -1, "fee": -1, "credit": -1},
    "refund": {"credit": -1},
    "waiver": {"interest": -1, "penalty": -1, "fee": -1},
    "write-off": {"principal": -1, "interest": -1, "penalty": -1, "fee": -1},
    "accrual": {"accrued": 1},
    "stop-accrual": {"interest": 1, "accrued": 1, "penalty": 1},
    "resume-accrual": {"interest": 1, "accrued": 1, "penalty": 1},
    "provision": {"allowance": 1},
}
"""event -> component -> sign: the natural (booked) amount is the ledger's change times the sign."""

EVENT_BASES: Mapping[str, tuple[Basis | None, ...]] = {
    **dict.fromkeys(
        ("disbursement", "interest", "penalty", "fee", "prepayment", "credit-applied"),
        (Basis.accrual, Basis.non_accrual),
    ),
    "waiver": (Basis.accrual, Basis.non_accrual),
    "write-off": (Basis.accrual, Basis.non_accrual),
    "repayment": BASES,
    "refund": BASES,
    "accrual": (Basis.accrual, Basis.non_accrual),
    "stop-accrual": (None,),
    "resume-accrual": (None,),
    "provision": (None,),
}
"""The bases an event is booked under (None: the event has no basis; its rows take none)."""

WRITTEN_OFF_COMPONENTS = frozenset({"credit"})
"""What can still move on a written-off loan: money recovered (and refunded). Any other component
of a posting on a written-off loan is booked by the accrual-basis rows."""

COMPONENTS = ("principal", "interest", "penalty", "fee", "credit", "accrued", "allowance")


@dataclass(frozen=True, slots=True)
class Role:
    """A posting role: the kinds of account it may map to, and whether it is a control account
    (总账控制科目) that the loan subledger reconciles to."""

    types: frozenset[AccountType]
    zh: str
    en: str
    control: bool = False
    side: Side | None = None


_ASSET = frozenset({AccountType.asset})
_OFF = frozenset({AccountType.off_balance})
ROLES: Mapping[str, Role] = {
    **{
        f"loan.{c.value}": Role(_ASSET, f"贷款—{c.zh}类", f"loans — {c.value}", control=True, side=Side.debit)
        for c in CATEGORIES
    },
    "interest.accrued": Role(
        _ASSET, "应收利息—已计提未到期", "interest accrued, not yet due", True, Side.debit
    ),
    "interest.due": Role(_ASSET, "应收利息—应收未收", "interest due and unpaid", True, Side.debit),
    "penalty.receivable": Role(_ASSET, "应收罚息", "penalty interest receivable", True, Side.debit),
    "fee.receivable": Role(_ASSET, "应收手续费", "fees receivable", True, Side.debit),
    "overpayment": Role(frozenset({AccountType.liability}), "溢缴款", "overpayments", True, Side.credit),
    # the allowance is re-measured at every close (write-offs and recoveries use it in between)
    "allowance": Role(_ASSET, "贷款损失准备", "loan loss allowance", False, Side.credit),
    "offbs.interest.accrued": Role(
        _OFF, "表外应收利息—已计提", "off-balance interest accrued", True, Side.debit
    ),
    "offbs.interest.due": Role(_OFF, "表外应收利息—应收未收", "off-balance interest due", True, Side.debit),
    "offbs.penalty": Role(_OFF, "表外应收罚息", "off-balance penalty", True, Side.debit),
    "offbs.written-off": Role(_OFF, "已核销贷款本息", "written-off loans", True, Side.debit),
    "offbs.contra": Role(_OFF, "表外科目对转", "off-balance contra"),
    "clearing": Role(
        frozenset({AccountType.common, AccountType.asset, AccountType.liability}),
        "清算资金往来",
        "payment-system clearing",
    ),
    "income.interest": Role(frozenset({AccountType.income}), "利息收入", "interest income"),
    "income.penalty": Role(frozenset({AccountType.income}), "罚息收入", "penalty income"),
    "income.fee": Role(frozenset({AccountType.income}), "手续费及佣金收入", "fee income"),
    "impairment": Role(frozenset({AccountType.expense}), "信用减值损失", "credit impairment losses"),
}


@dataclass(frozen=True, slots=True)
class Row:
    """One rule row; ``debit``/``credit`` are roles or account codes as written."""

    event: str
    component: str
    basis: Basis | None
    debit: str
    credit: str
    where: tuple[str | int, ...] = ()  # its path in the file, for diagnostics


@dataclass(frozen=True, slots=True)
class ProductRules:
    roles: Mapping[str, str]
    rows: tuple[Row, ...]


Pair = tuple[str, str]  # (debit, credit): account codes, or LOAN


@dataclass
class Rulebook:
    """The rules resolved for one product: every role an account, every key its line pairs."""

    product: str
    roles: Mapping[str, str]
    pairs: Mapping[tuple[str, str, Basis | None], tuple[Pair, ...]]
    sources: Mapping[tuple[str, str, Basis | None], tuple[Row, ...]]

    def lines_for(self, event: str, component: str, basis: Basis | None) -> tuple[Pair, ...] | None:
        """The pairs of ``event``/``component`` under ``basis`` (None when no row covers it)."""
        if basis is Basis.written_off and component not in WRITTEN_OFF_COMPONENTS:
            basis = Basis.accrual
        return self.pairs.get((event, component, basis))

    def account(self, role: str) -> str:
        return self.roles[role]

    def class_account(self, category: Category) -> str:
        return self.roles[f"loan.{category.value}"]


@dataclass
class PostingRules:
    """A validated posting-rules table over a chart of accounts."""

    chart: Chart
    roles: Mapping[str, str]
    rows: tuple[Row, ...]
    products: Mapping[str, ProductRules]
    non_accrual_after_days: int
    file: str
    _books: dict[str, Rulebook] = field(default_factory=dict, repr=False)

    def book(self, product: str) -> Rulebook:
        """The rules of ``product`` (the defaults where it overrides nothing)."""
        found = self._books.get(product)
        if found is None:
            found = self._books[product] = resolve(self, product)
        return found


def resolve(rules: PostingRules, product: str) -> Rulebook:
    override = rules.products.get(product)
    roles = {**rules.roles, **(override.roles if override else {})}
    own = override.rows if override else ()
    pairs: dict[tuple[str, str, Basis | None], tuple[Pair, ...]] = {}
    sources: dict[tuple[str, str, Basis | None], tuple[Row, ...]] = {}
    for event, components in DIRECTION.items():
        for component in components:
            for basis in EVENT_BASES[event]:
                if basis is Basis.written_off and component not in WRITTEN_OFF_COMPONENTS:
                    continue
                chosen = _choose(own, event, component, basis) or _choose(rules.rows, event, component, basis)
                if chosen:
                    sources[(event, component, basis)] = chosen
                    pairs[(event, component, basis)] = tuple(
                        (_account_of(r.debit, roles), _account_of(r.credit, roles)) for r in chosen
                    )
    return Rulebook(product, roles, pairs, sources)


def _choose(rows: tuple[Row, ...], event: str, component: str, basis: Basis | None) -> tuple[Row, ...]:
    exact = tuple(r for r in rows if r.event == event and r.component == component and r.basis == basis)
    if exact or basis is None:
        return exact
    return tuple(r for r in rows if r.event == event and r.component == component and r.basis is None)


def _account_of(name: str, roles: Mapping[str, str]) -> str:
    if name == LOAN:
        return LOAN
    return roles.get(name, name)


# --- reading ---------------------------------------------------------------------------------


def read_posting_rules(
    source: Path | str | None = None, chart: Chart | None = None
) -> tuple[PostingRules | None, list[Diagnostic]]:
    """The rules in ``source`` (a path, YAML text, or None for the packaged default) checked
    against ``chart`` (the packaged chart by default), and every problem found."""
    from loanfactory.accounting._chart import load_chart
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
