"""The posting rules checked against the loan ledger's meaning (记账规则的勾稽检查).

Each control account (总账控制科目) stands for a figure of the loan subledger:

==========================  ======================================================================
role                        equals, summed over the loans
==========================  ======================================================================
loan.<class>                principal of the loans of that five-category class
interest.due                interest charged and unpaid (ledger ``interest``), accrual basis
offbs.interest.due          the same for loans on the non-accrual basis (off the balance sheet)
interest.accrued            interest accrued and not yet charged (the accrual subledger), accrual
offbs.interest.accrued      the same, non-accrual
penalty.receivable          penalty charged and unpaid (ledger ``penalty``), accrual basis
offbs.penalty               the same, non-accrual
fee.receivable              fees charged and unpaid (ledger ``fee``)
overpayment                 money held for borrowers (ledger ``credit``), recoveries aside
offbs.written-off           amounts written off less what was recovered since
==========================  ======================================================================

:func:`control_changes` states how one unit of a component of an event moves those figures;
:func:`check_rules` books that unit with the rules of every product, under every basis the event
can happen in, for two classes, and reports each control account the rules move differently.
The loan loss allowance is no control account of an event: write-offs and recoveries use it, and
every close re-measures it to the provision the classes require.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from loanfactory.accounting._chart import Chart, Side
from loanfactory.accounting._rules import (
    DIRECTION,
    EVENT_BASES,
    LOAN,
    ROLES,
    WRITTEN_OFF_COMPONENTS,
    Basis,
    PostingRules,
    Rulebook,
)
from loanfactory.document import Document
from loanfactory.errors import Diagnostic
from loanfactory.servicing import Category

ONE = Decimal(1)
_PAYS = ("principal", "interest", "penalty", "fee")


def control_changes(event: str, component: str, basis: Basis | None, value: Decimal) -> dict[str, Decimal]:
    """How a ledger change of ``value`` in ``component`` (signed as the ledger posts it; for the
    books' own events, the booked amount) moves each control role, in normal-balance terms."""
    off = basis is Basis.non_accrual
    due = "offbs.interest.due" if off else "interest.due"
    accrued = "offbs.interest.accrued" if off else "interest.accrued"
    penalty = "offbs.penalty" if off else "penalty.receivable"
    out: dict[str, Decimal] = {}

    def add(role: str, amount: Decimal) -> None:
        out[role] = out.get(role, Decimal(0)) + amount

    if event == "accrual":
        add(accrued, value)
    elif event in ("stop-accrual", "resume-accrual"):
        sign = 1 if event == "stop-accrual" else -1
        on_role, off_role = {
            "interest": ("interest.due", "offbs.interest.due"),
            "accrued": ("interest.accrued", "offbs.interest.accrued"),
            "penalty": ("penalty.receivable", "offbs.penalty"),
        }[component]
        add(on_role, -sign * value)
        add(off_role, sign * value)
    elif event == "provision":
        add("allowance", value)
    elif component == "principal":
        add(LOAN, value)
    elif component == "interest":
        add(due, value)
    elif component == "penalty":
        add(penalty, value)
    elif component == "fee":
        add("fee.receivable", value)
    elif component == "credit" and event != "credit-applied":  # credit applied is its components' sum
        if basis is Basis.written_off:
            add("offbs.written-off", -value)  # a recovery lowers the written-off claim
        else:
            add("overpayment", value)
    if event == "interest" and component == "interest":
        add(accrued, -value)  # the charged interest leaves the accrued-not-due balance
    if event == "write-off" and component in _PAYS:
        add("offbs.written-off", -value)
    if event == "credit-applied" and component in _PAYS:
        add("overpayment", value)
    return {role: amount for role, amount in out.items() if amount != 0}


def check_rules(rules: PostingRules, document: Document) -> list[Diagnostic]:
    """Every product's rules booked against :func:`control_changes` (see the module docstring)."""
    problems: list[Diagnostic] = []
    for product in ["", *rules.products]:
        book = rules.book(product)
        problems.extend(_distinct_controls(book, rules, document, product))
        for event, components in DIRECTION.items():
            for component, sign in components.items():
                for basis in EVENT_BASES[event]:
                    if basis is Basis.written_off and component not in WRITTEN_OFF_COMPONENTS:
                        continue
                    problem = _check_key(book, rules.chart, document, product, event, component, basis, sign)
                    if problem is not None:
                        problems.append(problem)
    return problems


def _distinct_controls(
    book: Rulebook, rules: PostingRules, document: Document, product: str
) -> Iterable[Diagnostic]:
    seen: dict[str, str] = {}
    for role, spec in ROLES.items():
        if not spec.control and role != "allowance":
            continue
        code = book.roles[role]
        if code in seen:
            where = ("products", product, "roles") if product else ("roles",)
            yield document.diagnostic(
                where,
                "shared-control-account",
                f"roles {seen[code]} and {role} both map to account {code}; each control account must "
                "stand for one subledger figure, or the ledger cannot be reconciled to it",
                message_zh=f"记账角色 {seen[code]} 与 {role} 对应同一科目 {code}；"
                "每个控制科目只能对应分户账的一项余额，否则无法总分核对",
            )
        seen[code] = role


def _check_key(
    book: Rulebook,
    chart: Chart,
    document: Document,
    product: str,
    event: str,
    component: str,
    basis: Basis | None,
    sign: int,
) -> Diagnostic | None:
    value = Decimal(sign)  # one yuan the natural way round
    for category in (Category.normal, Category.substandard):
        expected: dict[str, Decimal] = {}
        for role, amount in control_changes(event, component, basis, value).items():
            code = book.class_account(category) if role == LOAN else book.roles[role]
            expected[code] = expected.get(code, Decimal(0)) + amount
        actual: dict[str, Decimal] = {}
        for debit, credit in book.lines_for(event, component, basis) or ():
            for name, side in ((debit, Side.debit), (credit, Side.credit)):
                code = book.class_account(category) if name == LOAN else name
                account = chart.accounts[code]
                change = ONE if side is account.side else -ONE
                actual[code] = actual.get(code, Decimal(0)) + change
        controls = {book.class_account(c) for c in Category} | {
            book.roles[r] for r, spec in ROLES.items() if spec.control
        }
        wrong = sorted(
            code for code in controls if expected.get(code, Decimal(0)) != actual.get(code, Decimal(0))
        )
        if not wrong:
            continue
        sources = book.sources.get((event, component, basis), ())
        where = sources[0].where if sources else (("products", product, "rules") if product else ("rules",))
        under = f" under the {basis.value} basis" if basis is not None else ""
        whose = f" for product {product}" if product else ""
        code = wrong[0]
        name = chart.accounts[code].name
        if not sources:
            return document.diagnostic(
                where,
                "missing-rule",
                f"no rule books the {component} of a {event}{under}{whose}; the ledger moves {code} {name} "
                f"by {expected.get(code, 0)} per yuan",
                message_zh=f"没有规则记录{event}的{component}（{basis.value if basis else '—'}）{whose}；"
                f"分户账使 {code} {name} 每元变动 {expected.get(code, 0)}",
            )
        return document.diagnostic(
            where,
            "unreconciled-rule",
            f"with these rules the {component} of a {event}{under}{whose} moves {code} {name} by "
            f"{actual.get(code, 0)} per yuan where the loan ledger moves it by {expected.get(code, 0)}: "
            "the books would not reconcile to the loans",
            message_zh=f"按此规则，{event}的{component}（{basis.value if basis else '—'}）{whose}"
            f"使 {code} {name} 每元变动 {actual.get(code, 0)}，"
            f"而分户账变动 {expected.get(code, 0)}：总分将无法核对",
        )
    return None
