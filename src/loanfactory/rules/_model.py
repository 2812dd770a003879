"""Checked rule definitions: rule sets, decision tables, scorecards and flows (规则定义).

These are what the loader produces from YAML and what both engines compile. Expressions in them
are already typed (:mod:`._ir`); every definition remembers where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._decision import Outcome
from loanfactory.rules._unary import Domain


class Purpose(StrEnum):
    """What a definition decides (用途); a product names one definition per purpose."""

    eligibility = "eligibility"  # 准入
    pre_review = "pre_review"  # 预审（材料、授权）
    scoring = "scoring"  # 评分评级
    routing = "routing"  # 审批路由
    pricing = "pricing"  # 定价
    limit = "limit"  # 额度
    tags = "tags"  # 客户标签
    overdue = "overdue"  # 逾期处置
    warning = "warning"  # 预警（事件规则）
    decision = "decision"  # 组合决策


FLOW_ORDER: tuple[Purpose, ...] = (
    Purpose.eligibility,
    Purpose.pre_review,
    Purpose.scoring,
    Purpose.routing,
    Purpose.pricing,
    Purpose.limit,
    Purpose.tags,
)
"""The fixed order in which a product's decision flow runs its definitions."""


class HitPolicy(StrEnum):
    """DMN hit policies (命中策略)."""

    unique = "UNIQUE"
    first = "FIRST"
    priority = "PRIORITY"
    any = "ANY"
    collect = "COLLECT"
    rule_order = "RULE ORDER"
    output_order = "OUTPUT ORDER"

    @property
    def multiple(self) -> bool:
        """Whether every matching row contributes (COLLECT, RULE ORDER, OUTPUT ORDER)."""
        return self in (HitPolicy.collect, HitPolicy.rule_order, HitPolicy.output_order)


@dataclass(frozen=True, slots=True)
class Where:
    """Where something was written."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""


@dataclass(frozen=True, slots=True)
class ReasonText:
    code: str
    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class Effect:
    """One thing a rule does when it matches (``then``)."""

    kind: str  # "outcome" | "reason" | "set" | "tag" | "emit"
    outcome: Outcome | None = None
    reason: ReasonText | None = None
    name: str = ""
    value: ir.Node | None = None
    params: tuple[tuple[str, ir.Node], ...] = ()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    when: ir.Node
    effects: tuple[Effect, ...]
    salience: int = 0
    where: Where = field(default_factory=Where)

    @property
    def sets(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.effects if e.kind == "set")


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules in agenda order (salience high first, then as written); every matching rule fires,
    and a rule sees the values set by rules that fired before it."""

    id: str
    purpose: Purpose
    rules: tuple[Rule, ...]
    version: str = "1"
    description: str = ""
    where: Where = field(default_factory=Where)


@dataclass(frozen=True, slots=True)
class Cell:
    test: ir.Node
    text: str
    domain: Domain | None


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    cells: tuple[Cell, ...]
    outputs: tuple[ir.Node, ...]
    where: Where = field(default_factory=Where)


@dataclass(frozen=True, slots=True)
class TableOutput:
    name: str
    priority: tuple[Any, ...] = ()  # for PRIORITY / OUTPUT ORDER: output values, most important first
    default: ir.Node | None = None  # the output when no row matches (any hit policy)


@dataclass(frozen=True, slots=True)
class Table:
    """A decision table; ``inputs[i]`` is read once and tested by column ``i`` of every row.

    ``allowed[i]`` (when given) is the condition input ``i`` must meet, else the decision is an
    error (DMN input values). With ``result`` the outputs are one record named ``result`` (a list
    of records, one per matching row, under a multiple-hit policy) instead of separate values.
    """

    id: str
    purpose: Purpose
    hit_policy: HitPolicy
    aggregation: str | None  # SUM / MIN / MAX / COUNT for COLLECT
    inputs: tuple[ir.Node, ...]
    input_labels: tuple[str, ...]
    outputs: tuple[TableOutput, ...]
    rows: tuple[Row, ...]
    reasons: dict[str, ReasonText] = field(default_factory=dict)
    version: str = "1"
    description: str = ""
    where: Where = field(default_factory=Where)
    allowed: tuple[ir.Node | None, ...] = ()
    result: str | None = None

    @property
    def value_outputs(self) -> tuple[TableOutput, ...]:
        """The outputs that are values (not the special ``outcome`` and ``reason``)."""
        return tuple(o for o in self.outputs if o.name not in ("outcome", "reason"))


@dataclass(frozen=True, slots=True)
class Bin:
    test: ir.Node
    text: str
    points: Any
    domain: Domain | None
    reason: ReasonText | None = None


@dataclass(frozen=True, slots=True)
class Characteristic:
    name: str
    value: ir.Node
    label: str
    bins: tuple[Bin, ...]
    otherwise: Any = 0  # points when no bin matches (a missing value included)


@dataclass(frozen=True, slots=True)
class Band:
    grade: str
    min: Any  # the score is at least this


@dataclass(frozen=True, slots=True)
class Scorecard:
    """Points per characteristic (first matching bin) added to ``base``; the score's band gives
    the grade."""

    id: str
    purpose: Purpose
    base: Any
    characteristics: tuple[Characteristic, ...]
    bands: tuple[Band, ...]
    score_name: str = "score"
    grade_name: str = "grade"
    default_grade: str | None = None
    version: str = "1"
    description: str = ""
    where: Where = field(default_factory=Where)


@dataclass(frozen=True, slots=True)
class Flow:
    """Steps run in order, each seeing the values set by the steps before it.

    ``vars`` are the flow's own values with their initial expressions, set when the flow starts
    (unless the facts already carry a value of that name) and readable as ``vars.<name>``.
    """

    id: str
    purpose: Purpose
    steps: tuple[Definition, ...]
    stop_on_reject: bool = True
    version: str = "1"
    description: str = ""
    where: Where = field(default_factory=Where)
    vars: tuple[tuple[str, ir.Node], ...] = ()


Definition = RuleSet | Table | Scorecard | Flow


def outputs_of(definition: Definition) -> tuple[str, ...]:
    """Names a definition may set in ``values`` (and so in ``vars`` of later steps)."""
    if isinstance(definition, RuleSet):
        names = [n for r in definition.rules for n in r.sets]
    elif isinstance(definition, Table):
        names = [definition.result] if definition.result else [o.name for o in definition.value_outputs]
    elif isinstance(definition, Scorecard):
        names = [definition.score_name, definition.grade_name]
    else:
        names = [name for name, _ in definition.vars] + [n for s in definition.steps for n in outputs_of(s)]
    return tuple(dict.fromkeys(names))


def reads_of(definition: Definition) -> list[ir.Node]:
    """Every expression in a definition (for hoisting and checks)."""
    out: list[ir.Node] = []
    if isinstance(definition, RuleSet):
        for rule in definition.rules:
            out.append(rule.when)
            for e in rule.effects:
                if e.value is not None:
                    out.append(e.value)
                out.extend(v for _, v in e.params)
    elif isinstance(definition, Table):
        out.extend(definition.inputs)
        out.extend(a for a in definition.allowed if a is not None)
        for row in definition.rows:
            out.extend(c.test for c in row.cells)
            out.extend(row.outputs)
        out.extend(o.default for o in definition.outputs if o.default is not None)
    elif isinstance(definition, Scorecard):
        for ch in definition.characteristics:
            out.append(ch.value)
            out.extend(b.test for b in ch.bins)
    else:
        out.extend(node for _, node in definition.vars)
        for step in definition.steps:
            out.extend(reads_of(step))
    return out
