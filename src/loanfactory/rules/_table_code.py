"""Generated code for one decision table (决策表) under its hit policy, for both engines.

- FIRST / PRIORITY: an ``if``/``elif`` chain in rule (or priority) order;
- UNIQUE / ANY: the matching rows are collected, more than one is an error (ANY: unless they give
  the same outputs), then the one row applies;
- COLLECT / RULE ORDER / OUTPUT ORDER: every matching row fires in rule order (output order for
  OUTPUT ORDER); each output is the list of the rows' values, or its aggregate (SUM, MIN, MAX of
  the values, COUNT of the rows). With ``result`` the rows are records.

When no row matches, each output with a ``default`` takes it, whatever the hit policy (a
list-valued output becomes ``[default]``). Without a default: single-hit outputs are not set,
lists are ``[]``, COUNT is 0 and SUM/MIN/MAX are missing (FEEL's ``sum([])`` is null).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._decision import Outcome
from loanfactory.rules._types import BOOL

if TYPE_CHECKING:
    from loanfactory.rules._codegen import Generator


def input_local(i: int) -> str:
    """The generated name of table input ``i`` (names starting with ``_`` never clash with a
    parameter or loop variable a rule author wrote)."""
    return f"_in{i}"


def emit_table(gen: Generator, d: m.Table, prefix: str) -> None:
    labels: dict[str, str] = {}
    for i, node in enumerate(d.inputs):
        local = input_local(i)
        labels[local] = d.input_labels[i]
        if not isinstance(node, ir.Slot):
            gen.emit(f"_l_{local} = {gen.py.value(node)}")
    _emit_allowed(gen, d)
    rows = [row_condition(row) for row in d.rows]
    policy = d.hit_policy
    order = priority_order(d) if policy is m.HitPolicy.priority else list(range(len(d.rows)))
    first = policy in (m.HitPolicy.first, m.HitPolicy.priority)
    conditions = [rows[i] for i in order]
    if first and gen.matcher.first_hit_disjoint:
        from loanfactory.rules._codegen import disjoint_rows

        conditions = disjoint_rows(d, order, conditions)
    keyed = [(prefix + d.rows[i].id, c) for i, c in zip(order, conditions, strict=True)]
    gen.matcher.begin_stage(gen, keyed)
    reads = gen.reads_code(list(d.inputs), labels) if gen.trace else ""
    if first:
        for n, ((key, cond), i) in enumerate(zip(keyed, order, strict=True)):
            if n:
                gen.emit("else:")
                gen.indent += 1
            gen.branch(key, cond, key, reads)
            gen.indent += 1
            _apply_row(gen, d, i, key)
            gen.indent -= 1
        gen.emit("else:" if keyed else "if True:")
        gen.indent += 1
        _apply_defaults(gen, d)
        gen.indent -= 1 + max(len(keyed) - 1, 0)
        return
    hits = gen.fresh("h")
    gen.emit(f"{hits} = []")
    for (key, cond), i in zip(keyed, order, strict=True):
        gen.branch(key, cond, key, reads)
        gen.indent += 1
        gen.emit(f"{hits}.append({i})")
        gen.indent -= 1
    if policy.multiple:
        _multiple(gen, d, hits, prefix)
    else:
        _single(gen, d, hits, prefix)


def _emit_allowed(gen: Generator, d: m.Table) -> None:
    for i, test in enumerate(d.allowed):
        if test is None:
            continue
        node = d.inputs[i]
        subject = gen.py.value(node) if isinstance(node, ir.Slot) else f"_l_{input_local(i)}"
        label = d.input_labels[i]
        gen.emit(f"if {subject} is not None and not {gen.py.cond(test)}:")
        gen.emit(
            f"    raise _RuleError({d.id!r} + ': input ' + {label!r} + ' = ' + repr({subject}) + "
            f"' is not one of its allowed values', code='input-not-allowed')"
        )


def _single(gen: Generator, d: m.Table, hits: str, prefix: str) -> None:
    ids = gen.py.const(tuple(prefix + row.id for row in d.rows))
    if d.hit_policy is m.HitPolicy.unique:
        gen.emit(
            f"if len({hits}) > 1: raise _RuleError({d.id!r} + ': rows ' + "
            f"', '.join({ids}[_i] for _i in {hits}) + ' all match a UNIQUE table', "
            "code='hit-policy-violation')"
        )
    else:
        seen = gen.fresh("s")
        gen.emit(f"if len({hits}) > 1:")
        gen.indent += 1
        gen.emit(f"{seen} = set()")
        _for_each_hit(gen, d, hits, lambda n: f"{seen}.add(repr({_row_values(gen, d, n)}))")
        gen.emit(
            f"if len({seen}) > 1: raise _RuleError({d.id!r} + "
            "': rows of an ANY table match with different outputs', code='hit-policy-violation')"
        )
        gen.indent -= 1
    gen.emit(f"if {hits}:")
    gen.indent += 1
    gen.emit(f"_i = {hits}[0]")
    for n, row in enumerate(d.rows):
        gen.emit(f"{'if' if n == 0 else 'elif'} _i == {n}:")
        gen.indent += 1
        _apply_row(gen, d, n, prefix + row.id)
        gen.indent -= 1
    gen.indent -= 1
    gen.emit("else:")
    gen.indent += 1
    _apply_defaults(gen, d)
    gen.indent -= 1


def _multiple(gen: Generator, d: m.Table, hits: str, prefix: str) -> None:
    if d.hit_policy is m.HitPolicy.output_order:
        rank = priority_order(d)
        position = gen.py.const(tuple(rank.index(n) for n in range(len(d.rows))))
        gen.emit(f"{hits}.sort(key={position}.__getitem__)")
    got = gen.fresh("r")
    gen.emit(f"{got} = []")

    def one(n: int) -> str:
        rid = prefix + d.rows[n].id
        gen.emit(f"fired.append({rid!r})")
        _special(gen, d, d.rows[n].outputs, rid)
        return f"{got}.append({_row_values(gen, d, n)})"

    _for_each_hit(gen, d, hits, one)
    outputs = d.value_outputs
    gen.emit(f"if {hits}:")
    gen.indent += 1
    if d.result:
        names = gen.py.const(tuple(o.name for o in outputs))
        gen.emit(f"values[{d.result!r}] = [dict(zip({names}, _x)) for _x in {got}]")
    for k, out in enumerate(outputs if not d.result else ()):
        listed = f"[_x[{k}] for _x in {got}]"
        agg = d.aggregation
        if agg == "COUNT":
            gen.emit(f"values[{out.name!r}] = len({hits})")
        elif agg == "SUM":
            gen.emit(f"values[{out.name!r}] = _sum_of({listed})")
        elif agg in ("MIN", "MAX"):
            gen.emit(f"values[{out.name!r}] = _{agg.lower()}_of({listed})")
        else:
            gen.emit(f"values[{out.name!r}] = {listed}")
    gen.indent -= 1
    gen.emit("else:")
    gen.indent += 1
    _special_defaults(gen, d)
    if d.result:
        record = _default_record(gen, d)
        gen.emit(f"values[{d.result!r}] = {'[' + record + ']' if record else '[]'}")
    for out in outputs if not d.result else ():
        default = gen.py.value(out.default) if out.default is not None else None
        if d.aggregation == "COUNT":
            gen.emit(f"values[{out.name!r}] = {default if default is not None else '0'}")
        elif d.aggregation:
            gen.emit(f"values[{out.name!r}] = {default if default is not None else 'None'}")
        else:
            gen.emit(f"values[{out.name!r}] = {'[' + default + ']' if default is not None else '[]'}")
    gen.emit("pass")
    gen.indent -= 1
    gen.maybe_set.update([d.result] if d.result else [o.name for o in outputs])


def _for_each_hit(gen: Generator, d: m.Table, hits: str, body: object) -> None:
    gen.emit(f"for _i in {hits}:")
    gen.indent += 1
    for n in range(len(d.rows)):
        gen.emit(f"{'if' if n == 0 else 'elif'} _i == {n}:")
        gen.indent += 1
        gen.emit(body(n))  # type: ignore[operator]
        gen.indent -= 1
    gen.indent -= 1


def _row_values(gen: Generator, d: m.Table, n: int) -> str:
    nodes = [v for out, v in zip(d.outputs, d.rows[n].outputs, strict=True) if out.name not in SPECIAL]
    return "(" + "".join(gen.py.value(v) + ", " for v in nodes) + ")"


SPECIAL = ("outcome", "reason")


def _apply_row(gen: Generator, d: m.Table, n: int, rid: str) -> None:
    gen.emit(f"fired.append({rid!r})")
    _special(gen, d, d.rows[n].outputs, rid)
    pairs = [(o.name, v) for o, v in zip(d.outputs, d.rows[n].outputs, strict=True) if o.name not in SPECIAL]
    if d.result:
        record = ", ".join(f"{k!r}: {gen.py.value(v)}" for k, v in pairs)
        gen.emit(f"values[{d.result!r}] = {{{record}}}")
        gen.maybe_set.add(d.result)
        return
    for name, node in pairs:
        gen.emit(f"values[{name!r}] = {gen.py.value(node)}")
        gen.maybe_set.add(name)


def _special(gen: Generator, d: m.Table, nodes: tuple[ir.Node | None, ...], rid: str) -> None:
    for out, node in zip(d.outputs, nodes, strict=True):
        if not isinstance(node, ir.Const) or node.value is None:
            continue
        if out.name == "outcome":
            gen.raise_outcome(Outcome(node.value))
        elif out.name == "reason":
            text = d.reasons.get(str(node.value)) or m.ReasonText(
                str(node.value), str(node.value), str(node.value)
            )
            gen.emit(f"reasons.append({gen.reason(text, rid)})")


def _special_defaults(gen: Generator, d: m.Table) -> None:
    _special(gen, d, tuple(o.default for o in d.outputs), f"{d.id}:default")


def _default_record(gen: Generator, d: m.Table) -> str:
    outputs = d.value_outputs
    if not any(o.default is not None for o in outputs):
        return ""
    parts = (f"{o.name!r}: {gen.py.value(o.default) if o.default is not None else 'None'}" for o in outputs)
    return "{" + ", ".join(parts) + "}"


def _apply_defaults(gen: Generator, d: m.Table) -> None:
    _special_defaults(gen, d)
    if d.result:
        record = _default_record(gen, d)
        if record:
            gen.emit(f"values[{d.result!r}] = {record}")
            gen.maybe_set.add(d.result)
    else:
        for out in d.value_outputs:
            if out.default is not None:
                gen.emit(f"values[{out.name!r}] = {gen.py.value(out.default)}")
                gen.maybe_set.add(out.name)
    gen.emit("pass")


def row_condition(row: m.Row) -> ir.Node:
    tests = [c.test for c in row.cells if not (isinstance(c.test, ir.Const) and c.test.value is True)]
    if not tests:
        return ir.Const(BOOL, (1, 0), True)
    return tests[0] if len(tests) == 1 else ir.BoolOp(BOOL, tests[0].pos, "and", tuple(tests))


def priority_order(d: m.Table) -> list[int]:
    """Rows from the most important output value down (rule order among equals)."""

    def rank(n: int) -> tuple[int, ...]:
        out: list[int] = []
        for k, o in enumerate(d.outputs):
            if o.priority:
                node = d.rows[n].outputs[k]
                value = node.value if isinstance(node, ir.Const) else None
                out.append(o.priority.index(value) if value in o.priority else len(o.priority))
        return (*out, n)

    return sorted(range(len(d.rows)), key=rank)
