"""One Python function per definition, for both engines.

The generated function reads every fact path it needs once, then runs the definition: a rule
set's rules in agenda order, a table under its hit policy, a scorecard's bins and bands, a flow's
steps one after another (so a whole flow is one function). What differs between the engines is
only *how a condition is decided*, supplied by a :class:`Matcher`:

- the compiled matcher inlines the condition as Python;
- the durable matcher asks durable_rules once per *stage* (a group of conditions that can be
  decided together) and tests membership of the rule in the set of fired rules.

Effects (reject, set, tag, emit) are the same code in both, so both engines give identical
decisions by construction of everything but the matching, which the differential test checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from loanfactory.facts import Facts
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._decision import (
    OUTCOMES,
    Action,
    Decision,
    Outcome,
    Reason,
    RuleEvaluationError,
    TraceEntry,
)
from loanfactory.rules._disjoint import by_negation, first_hit
from loanfactory.rules._functions import function_source
from loanfactory.rules._library import RUNTIME
from loanfactory.rules._pycode import PyEmitter
from loanfactory.rules._table_code import emit_table, input_local
from loanfactory.rules._types import BOOL, Type, fields_of


class Matcher(Protocol):
    first_hit_disjoint: bool

    def begin_stage(self, gen: Generator, conditions: list[tuple[str, ir.Node]]) -> None: ...

    def test(self, gen: Generator, key: str, node: ir.Node) -> str: ...


class CompiledMatcher:
    """Conditions inlined as Python."""

    first_hit_disjoint = False

    def begin_stage(self, gen: Generator, conditions: list[tuple[str, ir.Node]]) -> None:
        return None

    def test(self, gen: Generator, key: str, node: ir.Node) -> str:
        return gen.py.cond(node)


class WrittenNames(set[str]):
    """The names an earlier rule may have set, and every write in order (``log``): a name set
    again later (a cap lowering a limit) is a new write even though the set already holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def add(self, name: str) -> None:
        self.log.append(name)
        super().add(name)

    def update(self, *names: Iterable[str]) -> None:
        for group in names:
            for name in group:
                self.add(name)


@dataclass
class Generator:
    definition: m.Definition
    matcher: Matcher
    trace: bool
    lpr: Callable[[str, Any], Any]
    ns: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    indent: int = 1
    maybe_set: WrittenNames = field(default_factory=WrittenNames)
    _count: int = 0

    def __post_init__(self) -> None:
        self.ns.update(RUNTIME)
        self.ns.update(
            {
                "_lpr": self.lpr,
                "_Decision": Decision,
                "_OUT": OUTCOMES,
                "_TE": TraceEntry,
                "_Action": Action,
                "_RuleError": RuleEvaluationError,
            }
        )
        self.py = PyEmitter(slot_name, self.var_code, self.ns, self.invoke)

    # helpers -----------------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    def fresh(self, stem: str) -> str:
        self._count += 1
        return f"_{stem}{self._count}"

    def var_code(self, name: str) -> str:
        if name in self.maybe_set:
            return f"(values[{name!r}] if {name!r} in values else fv.get({name!r}))"
        return f"fv.get({name!r})"

    def reads_code(self, nodes: list[ir.Node], labels: dict[str, str] | None = None) -> str:
        parts: dict[str, str] = {}
        for node in nodes:
            slots, names = ir.reads(node)
            for path in slots:
                parts[path] = slot_name(path)
            for name in names:
                parts[f"vars.{name}"] = self.var_code(name)
            for n in ir.walk(node):
                if isinstance(n, ir.Local) and labels and n.name in labels:
                    parts[labels[n.name]] = f"_l_{n.name}"
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in parts.items()) + "}"

    def branch(self, key: str, node: ir.Node, rule_id: str, reads: str) -> None:
        """Emit ``if <matched>:`` (recording the trace when on); the caller indents the body."""
        test = self.matcher.test(self, key, node)
        if self.trace:
            self.emit(f"_m = {test}")
            self.emit(f"tr.append(_TE({rule_id!r}, _m, {reads}))")
            self.emit("if _m:")
        else:
            self.emit(f"if {test}:")

    def reason(self, text: m.ReasonText, rule_id: str) -> str:
        return self.py.const(Reason(text.code, text.message, text.message_zh, rule_id))

    def raise_outcome(self, outcome: Outcome) -> None:
        if outcome.rank:
            self.emit(f"if rk < {outcome.rank}: rk = {outcome.rank}")

    # whole function ----------------------------------------------------------------------------
    def build(self) -> str:
        nodes = m.reads_of(self.definition)
        paths = {n.path for node in nodes for n in ir.walk(node) if isinstance(n, ir.Slot)}
        self.emit("fv = f.vars")
        _emit_reads(self, "f", Facts, (), paths)
        self.emit("values = {}; reasons = []; fired = []; tags = []; actions = []; rk = 0")
        self.emit("tr = []" if self.trace else "tr = None")
        self.unit(self.definition, "")
        tr = "tuple(tr)" if self.trace else "None"
        self.emit(
            f"return _Decision({self.definition.id!r}, _OUT[rk], values, tuple(reasons), tuple(fired), "
            f"tuple(dict.fromkeys(tags)), tuple(actions), {tr})"
        )
        return "def _decide(f):\n" + "\n".join(self.lines) + "\n"

    def unit(self, d: m.Definition, prefix: str) -> None:
        if isinstance(d, m.RuleSet):
            self.ruleset(d, prefix)
        elif isinstance(d, m.Table):
            self.table(d, prefix)
        elif isinstance(d, m.Scorecard):
            self.scorecard(d, prefix)
        else:
            self.flow(d, prefix)

    def flow(self, d: m.Flow, prefix: str) -> None:
        for name, node in d.vars:  # the flow's own values, unless the facts carry them already
            self.emit(f"values[{name!r}] = fv[{name!r}] if {name!r} in fv else {self.py.value(node)}")
            self.maybe_set.add(name)
        opened = 0
        for i, step in enumerate(d.steps):
            if i and d.stop_on_reject:
                self.emit("if rk < 3:")
                self.indent += 1
                opened += 1
            self.unit(step, f"{prefix}{step.id}/")
        self.indent -= opened

    # rule sets ---------------------------------------------------------------------------------
    def ruleset(self, d: m.RuleSet, prefix: str) -> None:
        for stage in _stages(d.rules):
            self.matcher.begin_stage(self, [(prefix + r.id, r.when) for r in stage])
            for rule in stage:
                rid = prefix + rule.id
                self.branch(rid, rule.when, rid, self.reads_code([rule.when]) if self.trace else "")
                self.indent += 1
                self.emit(f"fired.append({rid!r})")
                self.effects(rule.effects, rid)
                self.indent -= 1
                self.maybe_set.update(rule.sets)

    def effects(self, effects: tuple[m.Effect, ...], rid: str) -> None:
        for e in effects:
            if e.kind == "outcome" and e.outcome is not None:
                self.raise_outcome(e.outcome)
            if e.reason is not None:
                self.emit(f"reasons.append({self.reason(e.reason, rid)})")
            if e.kind == "set" and e.value is not None:
                self.emit(f"values[{e.name!r}] = {self.py.value(e.value)}")
                self.maybe_set.add(e.name)
            elif e.kind == "tag":
                self.emit(f"tags.append({e.name!r})")
            elif e.kind == "emit":
                params = ", ".join(f"{k!r}: {self.py.value(v)}" for k, v in e.params)
                self.emit(f"actions.append(_Action({e.name!r}, {{{params}}}, {rid!r}))")

    # tables ------------------------------------------------------------------------------------
    def table(self, d: m.Table, prefix: str) -> None:
        emit_table(self, d, prefix)

    # rule-file functions -------------------------------------------------------------------------
    def invoke(self, function: ir.UserFunction) -> str:
        """The generated name of a rule-file function, compiling it into the namespace once."""
        name = f"_fn_{function.name}"
        if self.ns.get(name + "__def") is not function:
            source = function_source(self, function, name)
            exec(compile(source, f"<rules function {function.name}>", "exec"), self.ns)
            self.ns[name + "__def"] = function
        return name

    # scorecards --------------------------------------------------------------------------------
    def scorecard(self, d: m.Scorecard, prefix: str) -> None:
        pts = self.fresh("p")
        self.emit(f"{pts} = {self.py.const(d.base)}")
        keyed_all: list[tuple[str, ir.Node]] = []
        plans: list[tuple[m.Characteristic, list[tuple[str, ir.Node]]]] = []
        for k, ch in enumerate(d.characteristics):
            if not isinstance(ch.value, ir.Slot):
                self.emit(f"_l__ch{k} = {self.py.value(ch.value)}")
            conds = [b.test for b in ch.bins]
            if self.matcher.first_hit_disjoint:
                subject = _subject(ch.value, f"_ch{k}")
                conds = first_hit(subject, [b.domain for b in ch.bins]) or by_negation(conds)
            keyed = [(f"{prefix}{ch.name}:{n + 1}", c) for n, c in enumerate(conds)]
            keyed_all.extend(keyed)
            plans.append((ch, keyed))
        self.matcher.begin_stage(self, keyed_all)
        for k, (ch, keyed) in enumerate(plans):
            reads = self.reads_code([ch.value], {f"_ch{k}": ch.label}) if self.trace else ""
            for n, (key, cond) in enumerate(keyed):
                if n:
                    self.emit("else:")
                    self.indent += 1
                self.branch(key, cond, key, reads)
                self.indent += 1
                self.emit(f"fired.append({key!r}); {pts} += {self.py.const(ch.bins[n].points)}")
                if ch.bins[n].reason is not None:
                    self.emit(f"reasons.append({self.reason(ch.bins[n].reason, key)})")  # type: ignore[arg-type]
                self.indent -= 1
            if keyed:
                self.emit("else:")
                self.indent += 1
            self.emit(f"{pts} += {self.py.const(ch.otherwise)}")
            self.indent -= (1 if keyed else 0) + max(len(keyed) - 1, 0)
        self.emit(f"values[{d.score_name!r}] = {pts}")
        self.maybe_set.add(d.score_name)
        score = ir.Local(Type("decimal"), (1, 0), pts)
        self.emit(f"_l_{score.name} = {pts}")
        band_conds: list[ir.Node] = [
            ir.Compare(BOOL, (1, 0), (">=",), (score, ir.Const(Type("decimal"), (1, 0), b.min)))
            for b in d.bands
        ]
        if self.matcher.first_hit_disjoint:
            from loanfactory.rules._unary import Domain, Interval

            domains: list[Domain | None] = [Domain("intervals", (Interval(b.min, None),)) for b in d.bands]
            band_conds = first_hit(score, domains) or by_negation(band_conds)
        keyed = [(f"{prefix}{d.grade_name}:{b.grade}", c) for b, c in zip(d.bands, band_conds, strict=True)]
        self.matcher.begin_stage(self, keyed)
        reads = "{" + f"{d.score_name!r}: {pts}" + "}"
        for n, (key, cond) in enumerate(keyed):
            if n:
                self.emit("else:")
                self.indent += 1
            self.branch(key, cond, key, reads)
            self.indent += 1
            self.emit(f"fired.append({key!r}); values[{d.grade_name!r}] = {d.bands[n].grade!r}")
            self.indent -= 1
        if d.default_grade is not None:
            if keyed:
                self.emit("else:")
                self.indent += 1
            self.emit(f"values[{d.grade_name!r}] = {d.default_grade!r}")
            self.indent -= 1 if keyed else 0
        self.indent -= max(len(keyed) - 1, 0)
        self.maybe_set.add(d.grade_name)


def slot_name(path: str) -> str:
    return "s_" + path.replace(".", "__")


def _emit_reads(
    gen: Generator, obj: str, model: type, prefix: tuple[str, ...], wanted: set[tuple[str, ...]]
) -> None:
    """Read each needed path once; a missing parent makes everything below it missing."""
    fields = fields_of(model)
    for name in sorted({p[len(prefix)] for p in wanted if len(p) > len(prefix)}):
        path = (*prefix, name)
        ftype = fields[name]
        deeper = {p for p in wanted if len(p) > len(path) and p[: len(path)] == path}
        target = slot_name(".".join(path)) if path in wanted else gen.fresh("o")
        gen.emit(f"{target} = {obj}.{name}")
        if not deeper or ftype.model is None:
            continue
        if ftype.nullable:
            gen.emit(f"if {target} is None:")
            gen.indent += 1
            gen.emit(" = ".join(slot_name(".".join(p)) for p in sorted(deeper)) + " = None")
            gen.indent -= 1
            gen.emit("else:")
            gen.indent += 1
            _emit_reads(gen, target, ftype.model, path, deeper)
            gen.indent -= 1
        else:
            _emit_reads(gen, target, ftype.model, path, deeper)


def _stages(rules: tuple[m.Rule, ...]) -> list[list[m.Rule]]:
    """Split agenda-ordered rules so that no rule reads a value set earlier in its own stage."""
    stages: list[list[m.Rule]] = [[]]
    set_here: set[str] = set()
    for rule in rules:
        _, names = ir.reads(rule.when)
        if set_here.intersection(names):
            stages.append([])
            set_here = set()
        stages[-1].append(rule)
        set_here.update(rule.sets)
    return [s for s in stages if s]


def _subject(node: ir.Node, local: str) -> ir.Node:
    return node if isinstance(node, ir.Slot) else ir.Local(node.type, node.pos, local)


def disjoint_rows(d: m.Table, order: list[int], conditions: list[ir.Node]) -> list[ir.Node]:
    """First-hit rows as conditions of which at most one holds (for the durable engine)."""
    if len(d.inputs) == 1:
        subject = _subject(d.inputs[0], input_local(0))
        exact = first_hit(subject, [d.rows[i].cells[0].domain for i in order])
        if exact is not None:
            return exact
    return by_negation(conditions)
