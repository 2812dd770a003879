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

:mod:`._rulefile` reads and checks the file; :mod:`._rulecheck` books a sample of every event under
every basis and compares the control accounts with the ledger, so that a table that would break
the daily reconciliation is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from loanfactory.accounting._chart import AccountType, Chart, Side
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
class PostingRole:
    """A posting role: the kinds of account it may map to, and whether it is a control account
    (总账控制科目) that the loan subledger reconciles to."""

    types: frozenset[AccountType]
    zh: str
    en: str
    control: bool = False
    side: Side | None = None


_ASSET = frozenset({AccountType.asset})
_OFF = frozenset({AccountType.off_balance})
ROLES: Mapping[str, PostingRole] = {
    **{
        f"loan.{c.value}": PostingRole(
            _ASSET, f"贷款—{c.zh}类", f"loans — {c.value}", control=True, side=Side.debit
        )
        for c in CATEGORIES
    },
    "interest.accrued": PostingRole(
        _ASSET, "应收利息—已计提未到期", "interest accrued, not yet due", True, Side.debit
    ),
    "interest.due": PostingRole(_ASSET, "应收利息—应收未收", "interest due and unpaid", True, Side.debit),
    "penalty.receivable": PostingRole(_ASSET, "应收罚息", "penalty interest receivable", True, Side.debit),
    "fee.receivable": PostingRole(_ASSET, "应收手续费", "fees receivable", True, Side.debit),
    "overpayment": PostingRole(
        frozenset({AccountType.liability}), "溢缴款", "overpayments", True, Side.credit
    ),
    # the allowance is re-measured at every close (write-offs and recoveries use it in between)
    "allowance": PostingRole(_ASSET, "贷款损失准备", "loan loss allowance", False, Side.credit),
    "offbs.interest.accrued": PostingRole(
        _OFF, "表外应收利息—已计提", "off-balance interest accrued", True, Side.debit
    ),
    "offbs.interest.due": PostingRole(
        _OFF, "表外应收利息—应收未收", "off-balance interest due", True, Side.debit
    ),
    "offbs.penalty": PostingRole(_OFF, "表外应收罚息", "off-balance penalty", True, Side.debit),
    "offbs.written-off": PostingRole(_OFF, "已核销贷款本息", "written-off loans", True, Side.debit),
    "offbs.contra": PostingRole(_OFF, "表外科目对转", "off-balance contra"),
    "clearing": PostingRole(
        frozenset({AccountType.common, AccountType.asset, AccountType.liability}),
        "清算资金往来",
        "payment-system clearing",
    ),
    "income.interest": PostingRole(frozenset({AccountType.income}), "利息收入", "interest income"),
    "income.penalty": PostingRole(frozenset({AccountType.income}), "罚息收入", "penalty income"),
    "income.fee": PostingRole(frozenset({AccountType.income}), "手续费及佣金收入", "fee income"),
    "impairment": PostingRole(frozenset({AccountType.expense}), "信用减值损失", "credit impairment losses"),
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
