"""The typed intermediate form of a rule expression.

The checker (:mod:`._expr`) turns Python's ``ast`` into these nodes after whitelisting and type
checking; both engines generate code from them. ``pos`` is the (line, column) of the node inside
the expression text (line 1-based, column 0-based, in characters).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from loanfactory.rules._types import Type

Pos = tuple[int, int]


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    type: Type
    pos: Pos

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True, eq=False)
class Const(Node):
    value: Any


@dataclass(frozen=True, slots=True, eq=False)
class Slot(Node):
    """A fact path from the root, such as ``("applicant", "age")``; read once per decision."""

    path: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True, eq=False)
class Var(Node):
    """``vars.<name>``: a value set by an earlier rule or step."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Local(Node):
    """The loop variable of ``any(c.value > 0 for c in collateral)``."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Attr(Node):
    base: Node
    name: str

    def children(self) -> tuple[Node, ...]:
        return (self.base,)


@dataclass(frozen=True, slots=True, eq=False)
class Compare(Node):
    """``a < b <= c``; ops are ``< <= > >= == != in notin``."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.operands


@dataclass(frozen=True, slots=True, eq=False)
class IsNone(Node):
    operand: Node
    negated: bool

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, eq=False)
class BoolOp(Node):
    op: str  # "and" / "or"
    values: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.values


@dataclass(frozen=True, slots=True, eq=False)
class Not(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, eq=False)
class Arith(Node):
    op: str  # + - * / **
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True, eq=False)
class Neg(Node):
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True, eq=False)
class IfExp(Node):
    test: Node
    body: Node
    orelse: Node

    def children(self) -> tuple[Node, ...]:
        return (self.test, self.body, self.orelse)


@dataclass(frozen=True, slots=True, eq=False)
class Call(Node):
    name: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True, eq=False)
class ListOf(Node):
    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True, eq=False)
class Record(Node):
    """A record literal ``{grade: "A", spread: 0.5%}`` (FEEL context)."""

    fields: tuple[tuple[str, Node], ...]

    def children(self) -> tuple[Node, ...]:
        return tuple(v for _, v in self.fields)


@dataclass(frozen=True, slots=True, eq=False)
class UserFunction:
    """A function of the rule file (DMN business knowledge model, 业务知识模型): parameters and
    either an expression ``body`` or a decision ``table`` (a :class:`~._model.Table`)."""

    name: str
    params: tuple[tuple[str, Type], ...]
    result: Type
    body: Node | None = None
    table: Any = None
    description: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Invoke(Node):
    """A call of a rule-file function: ``grade_from_score(bureau.credit_score)``."""

    function: UserFunction
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True, eq=False)
class Comp(Node):
    """``func(element for var in iterable if cond)`` with a library function that takes a
    generator (any, all, sum, min, max, count, mean, sort, list ...)."""

    func: str
    element: Node
    var: str
    iterable: Node
    cond: Node | None

    def children(self) -> tuple[Node, ...]:
        extra = (self.cond,) if self.cond is not None else ()
        return (self.element, self.iterable, *extra)


def walk(node: Node) -> Iterator[Node]:
    """The node and all nodes below it, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))


def reads(node: Node) -> tuple[list[str], list[str]]:
    """Fact paths (dotted) and var names the expression reads, in first-seen order."""
    slots: dict[str, None] = {}
    names: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Slot):
            slots[n.dotted] = None
        elif isinstance(n, Var):
            names[n.name] = None
    return list(slots), list(names)


def is_constant(node: Node) -> bool:
    return isinstance(node, Const) or (
        isinstance(node, ListOf) and all(isinstance(i, Const) for i in node.items)
    )
