"""First-hit rows as disjoint conditions (durable_rules has no FIRST hit policy).

For a single-input table or a scorecard characteristic whose cells are literal ranges or sets,
row *i* becomes "the input is in row *i*'s domain minus the domains of the rows before it",
which is usually one short range (``[700..750)``). Otherwise row *i* becomes
``row_i and not row_0 and ... and not row_(i-1)``. Either way at most one row can match, so the
Rete engine computes exactly what a first-hit evaluation does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from loanfactory.rules import _ir as ir
from loanfactory.rules._types import BOOL, DATE, DECIMAL, INT, Type
from loanfactory.rules._unary import Domain, Interval

Intervals = list[Interval]


def _lower(a: Interval, b: Interval) -> tuple[Decimal | None, bool]:
    """The larger of two lower ends."""
    if a.low is None:
        return b.low, b.low_closed
    if b.low is None:
        return a.low, a.low_closed
    if a.low != b.low:
        return (a.low, a.low_closed) if a.low > b.low else (b.low, b.low_closed)
    return a.low, a.low_closed and b.low_closed


def _upper(a: Interval, b: Interval) -> tuple[Decimal | None, bool]:
    """The smaller of two upper ends."""
    if a.high is None:
        return b.high, b.high_closed
    if b.high is None:
        return a.high, a.high_closed
    if a.high != b.high:
        return (a.high, a.high_closed) if a.high < b.high else (b.high, b.high_closed)
    return a.high, a.high_closed and b.high_closed


def _nonempty(i: Interval) -> bool:
    if i.low is None or i.high is None:
        return True
    return i.low < i.high or (i.low == i.high and i.low_closed and i.high_closed)


def intersect(a: Intervals, b: Intervals) -> Intervals:
    out: Intervals = []
    for x in a:
        for y in b:
            low, lc = _lower(x, y)
            high, hc = _upper(x, y)
            candidate = Interval(low, high, lc, hc)
            if _nonempty(candidate):
                out.append(candidate)
    return sorted(out, key=lambda i: (i.low is not None, i.low or 0, not i.low_closed))


def complement(a: Intervals) -> Intervals:
    """The complement of sorted, disjoint intervals."""
    out: Intervals = []
    low: Decimal | None = None
    low_closed = True
    for i in a:
        if i.low is not None or low is not None:
            gap = Interval(low, i.low, low_closed, not i.low_closed)
            if i.low is not None and _nonempty(gap):
                out.append(gap)
        if i.high is None:
            return out
        low, low_closed = i.high, not i.high_closed
    out.append(Interval(low, None, low_closed, True))
    return out


def union(a: Intervals, b: Intervals) -> Intervals:
    return complement(intersect(complement(a), complement(b)))


def normalise(items: Sequence[Interval]) -> Intervals:
    out: Intervals = []
    for i in items:
        if _nonempty(i):
            out = union(out, [i])
    return out


EVERYTHING: Intervals = [Interval(None, None)]


def intervals_of(domain: Domain) -> Intervals | None:
    if domain.kind == "any":
        return EVERYTHING
    if domain.kind == "intervals":
        return normalise(domain.intervals)
    if domain.kind == "not":
        return complement(normalise(domain.intervals))
    return None


def first_hit(subject: ir.Node, domains: Sequence[Domain | None]) -> list[ir.Node] | None:
    """For each row, the condition "this is the first row that matches", or None when the
    domains cannot be handled exactly (the caller falls back to negations)."""
    if any(d is None for d in domains):
        return None
    kept = [d for d in domains if d is not None]
    if all(d.kind in ("any", "set") for d in kept) and subject.type.kind in ("str", "bool"):
        return _first_hit_sets(subject, kept)
    if not (subject.type.numeric or subject.type.kind == "date"):
        return None
    lists = [intervals_of(d) for d in kept]
    if any(x is None for x in lists):
        return None
    out: list[ir.Node] = []
    seen: Intervals = []
    missing_taken = False
    for domain, own in zip(kept, lists, strict=True):
        assert own is not None
        fresh = intersect(own, complement(seen))
        seen = union(seen, own)
        takes_missing = domain.kind == "any" and not missing_taken
        missing_taken = missing_taken or domain.kind == "any"
        out.append(_intervals_node(subject, fresh, takes_missing))
    return out


def _first_hit_sets(subject: ir.Node, domains: list[Domain]) -> list[ir.Node]:
    out: list[ir.Node] = []
    seen: frozenset[object] = frozenset()
    seen_all = False  # the rows before covered every value (a co-finite set was seen as "not seen")
    seen_excluded: frozenset[object] = frozenset()  # when seen_all: values NOT yet covered
    missing_taken = False
    for d in domains:
        values, complement_ = (frozenset(), True) if d.kind == "any" else (d.values, d.complement)
        takes_missing = d.kind == "any" and not missing_taken
        missing_taken = missing_taken or d.kind == "any"
        # fresh = own - seen, where seen is finite (seen) or co-finite (all but seen_excluded)
        if not seen_all:
            fresh_values, fresh_complement = (values | seen, True) if complement_ else (values - seen, False)
        else:
            fresh_values, fresh_complement = (
                (seen_excluded - values, False) if complement_ else (values & seen_excluded, False)
            )
        # seen := seen ∪ own
        if not seen_all:
            if complement_:
                seen_all, seen_excluded = True, values - seen
            else:
                seen = seen | values
        elif complement_:
            seen_excluded = seen_excluded & values
        else:
            seen_excluded = seen_excluded - values
        out.append(_set_node(subject, fresh_values, fresh_complement, takes_missing))
    return out


def _set_node(subject: ir.Node, values: frozenset[object], complement_: bool, missing: bool) -> ir.Node:
    pos = subject.pos
    item = subject.type.present()
    ordered = sorted(values, key=repr)
    if complement_:
        test: ir.Node = (
            ir.IsNone(BOOL, pos, subject, True)
            if not ordered
            else ir.Compare(BOOL, pos, ("notin",), (subject, _list(item, pos, ordered)))
        )
    elif not ordered:
        test = ir.Const(BOOL, pos, False)
    else:
        test = ir.Compare(BOOL, pos, ("in",), (subject, _list(item, pos, ordered)))
    if missing:
        return ir.BoolOp(BOOL, pos, "or", (test, ir.IsNone(BOOL, pos, subject, False)))
    return test


def _list(item: Type, pos: ir.Pos, values: list[object]) -> ir.ListOf:
    return ir.ListOf(Type("list", item=item), pos, tuple(ir.Const(item, pos, v) for v in values))


def _const(subject: ir.Node, value: Decimal) -> ir.Const:
    pos = subject.pos
    value = Decimal(value)
    if subject.type.kind == "date":
        return ir.Const(DATE, pos, date.fromordinal(int(value)))
    if value == value.to_integral_value():
        return ir.Const(INT, pos, int(value))
    return ir.Const(DECIMAL, pos, value)


def _intervals_node(subject: ir.Node, intervals: Intervals, missing: bool) -> ir.Node:
    pos = subject.pos
    tests: list[ir.Node] = []
    for i in intervals:
        if i.low is None and i.high is None:
            tests.append(ir.IsNone(BOOL, pos, subject, True))
        elif i.low is not None and i.high is not None and i.low == i.high:
            tests.append(ir.Compare(BOOL, pos, ("==",), (subject, _const(subject, i.low))))
        elif i.low is None:
            assert i.high is not None
            tests.append(
                ir.Compare(BOOL, pos, ("<=" if i.high_closed else "<",), (subject, _const(subject, i.high)))
            )
        elif i.high is None:
            tests.append(
                ir.Compare(BOOL, pos, (">=" if i.low_closed else ">",), (subject, _const(subject, i.low)))
            )
        else:
            ops = ("<=" if i.low_closed else "<", "<=" if i.high_closed else "<")
            tests.append(
                ir.Compare(BOOL, pos, ops, (_const(subject, i.low), subject, _const(subject, i.high)))
            )
    if missing:
        tests.append(ir.IsNone(BOOL, pos, subject, False))
    if not tests:
        return ir.Const(BOOL, pos, False)
    return tests[0] if len(tests) == 1 else ir.BoolOp(BOOL, pos, "or", tuple(tests))


def by_negation(rows: Sequence[ir.Node]) -> list[ir.Node]:
    """Row *i* and not any earlier row (the general, always-correct construction)."""
    out: list[ir.Node] = []
    for i, row in enumerate(rows):
        if i == 0:
            out.append(row)
            continue
        pos = row.pos
        earlier = tuple(ir.Not(BOOL, pos, r) for r in rows[:i])
        out.append(ir.BoolOp(BOOL, pos, "and", (row, *earlier)))
    return out
