"""The durable engine: the same definitions matched by durable_rules (a Rete engine).

How the traps of durable_rules 2.0.28 are handled (see ``docs/rules-engines.md``):

- Rulesets live for the whole process and cannot be re-registered: each stage is registered
  once under ``lf.<definition>.v<version>.s<stage>.<content hash>`` on a host we own, and a
  name that exists is reused (same name, same content).
- The default host starts timer and queue threads that race with synchronous calls: our host
  starts none (``_run`` does nothing) and every call holds one lock.
- More than 1,024 live sessions raise MemoryError: one fixed session id, state deleted after each
  evaluation. A fact that matches nothing leaves an empty session that must *not* be deleted
  (``delete_state`` on it crashes the process), so state is deleted only when a rule fired.
- ``$nex``/``$ex`` tests can make a rule fire forever: never emitted. A missing value is
  written as an explicit ``<field>__missing`` flag instead.
- No FIRST hit policy: first-hit rows arrive here as disjoint conditions (:mod:`._disjoint`).
- A rule whose ``$or`` has several true branches fires once per branch: fired rules are a set.

Values reach durable_rules as *ranks*, never as doubles: for each field, the constants the rules
compare it with are sorted, constant ``i`` becomes ``2i + 1`` and a value becomes ``2i + 1`` when
it equals constant ``i`` or ``2i`` when it lies between constants ``i - 1`` and ``i``. Comparing
ranks is exactly comparing the Decimal (or date, text, duration) values, so the engines agree
at every threshold and on values written like ``1E-7`` (which durable_rules' JSON reader cannot
parse). A value computed by an expression (``age_on(...)``, a function call) is computed in
Python and ranked the same way; conditions on dates and times of day are decided in Python.
"""

from __future__ import annotations

import hashlib
import json
import threading
from bisect import bisect_left
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from durable.engine import Host, MessageNotHandledException

from loanfactory.rules import _ir as ir
from loanfactory.rules._codegen import Generator

_EMPTY: frozenset[str] = frozenset()
_SID = "lf"
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NATIVE_KINDS = ("int", "decimal", "str", "bool", "date", "duration", "ym_duration")


def rank(value: Any, keys: tuple[Any, ...]) -> int:
    """``2i + 1`` when ``value`` is ``keys[i]``, ``2i`` when it lies just below ``keys[i]``."""
    i = bisect_left(keys, value)
    return 2 * i + 1 if i < len(keys) and keys[i] == value else 2 * i


class _Rank:
    """A constant of a condition, replaced by its rank once every constant of the field is known."""

    __slots__ = ("field", "value")

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value


class _QuietHost(Host):  # type: ignore[misc]
    """A durable_rules host that starts no background threads."""

    def _run(self) -> None:
        return None


def json_value(value: Any) -> Any:
    """A value as durable_rules compares it."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, date):
        return value.toordinal()
    return str(value)


class DurableRuntime:
    """A durable_rules host of our own, its lock, and the rulesets registered on it.

    One runtime per process is enough (:meth:`shared`); rulesets registered on it stay for the
    life of the process, as durable_rules allows nothing else.
    """

    _shared: DurableRuntime | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._host = _QuietHost()
        self._lock = threading.Lock()
        self._registered: set[str] = set()
        self._collector: list[str] = []
        self.sink: list[Any] = []  # matches reported by event rules during one assertion

    @classmethod
    def shared(cls) -> DurableRuntime:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = DurableRuntime()
            return cls._shared

    @property
    def host(self) -> Host:
        return self._host

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def register(self, name: str, rules: dict[str, Any], keys: dict[str, str]) -> None:
        """Register a decision ruleset once; ``rules`` maps durable rule names to conditions."""
        bodies = {rule: {"all": [{"m": cond}]} for rule, cond in rules.items()}
        self.register_bodies(name, bodies, {rule: self._action(keys[rule]) for rule in rules})

    def register_bodies(
        self, name: str, bodies: dict[str, Any], actions: dict[str, Callable[[Any], None]]
    ) -> None:
        """Register a ruleset of full rule bodies (``{"all": [...]}``) with their actions, once."""
        with self._lock:
            if name in self._registered:
                return
            definition = {rule: {**body, "run": actions[rule]} for rule, body in bodies.items()}
            self._host.register_rulesets({name: definition})
            self._registered.add(name)

    def _action(self, key: str) -> Callable[[Any], None]:
        def fired(c: Any) -> None:
            self._collector.append(key)

        return fired

    def fire(self, name: str, fact: dict[str, Any]) -> frozenset[str]:
        """Assert one fact and return the keys of the rules that fired."""
        fact["sid"] = _SID
        with self._lock:
            fired: list[str] = []
            self._collector = fired
            try:
                self._host.assert_fact(name, fact)
            except MessageNotHandledException:
                return _EMPTY
            finally:
                self._collector = []
                if fired:
                    self._host.delete_state(name, _SID)
            return frozenset(fired)


def ruleset_name(definition_id: str, version: str, stage: int, rules: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:12]
    return f"lf.{definition_id}.v{version}.s{stage}.{digest}"


class DurableMatcher:
    """Decides conditions with durable_rules, one assertion per group of stages.

    Code is generated twice: the first pass only records the stages; consecutive stages are then
    grouped when a later one reads nothing the earlier ones set (no ``vars`` written in between,
    no value computed in between), so a whole flow usually needs one assertion.
    """

    first_hit_disjoint = True

    def __init__(self, runtime: DurableRuntime, version: str) -> None:
        self.runtime = runtime
        self.version = version
        self.planning = True
        self.records: list[tuple[list[tuple[str, ir.Node]], int]] = []
        self.writes: list[str] = []
        self.leader: list[int] = []
        self.calls = 0
        self.current = "_EMPTY"
        self.names: list[str] = []

    def finish_planning(self) -> None:
        """Group the recorded stages; the next generation pass emits the assertions."""
        groups: list[list[int]] = []
        for i, (conditions, before) in enumerate(self.records):
            if groups:
                start = self.records[groups[-1][0]][1]
                written = set(self.writes[start:before])  # every write since the group began, rewrites too
                names, locals_ = _dependencies([node for _, node in conditions])
                if not (names & written) and not locals_:
                    groups[-1].append(i)
                    continue
            groups.append([i])
        self.leader = [0] * len(self.records)
        for group in groups:
            for i in group:
                self.leader[i] = group[0]
        self.members = {group[0]: group for group in groups}
        self.planning = False
        self.calls = 0

    def begin_stage(self, gen: Generator, conditions: list[tuple[str, ir.Node]]) -> None:
        index = self.calls
        self.calls += 1
        gen.ns.setdefault("_EMPTY", _EMPTY)
        if self.planning:
            self.writes = gen.maybe_set.log
            self.records.append((conditions, len(gen.maybe_set.log)))
            self.current = "_EMPTY"
            return
        leader = self.leader[index]
        self.current = f"_F{leader}"
        if leader != index:
            return
        grouped = list(conditions)
        for member in self.members[index][1:]:
            grouped.extend(self.records[member][0])
        translator = _Translator(gen)
        rules: dict[str, Any] = {}
        keys: dict[str, str] = {}
        for i, (key, node) in enumerate(grouped):
            if isinstance(node, ir.Const) and node.value is not True:
                continue  # a condition that is always false: no rule at all
            rules[f"r{i}"] = translator.top(node)
            keys[f"r{i}"] = key
        rules = translator.ranked(rules)
        if not rules:
            gen.emit(f"{self.current} = _EMPTY")
            return
        name = ruleset_name(gen.definition.id, self.version, index, rules)
        self.runtime.register(name, rules, keys)
        self.names.append(name)
        stage_fn = f"_stage{index}"
        gen.ns[stage_fn] = partial(self.runtime.fire, name)
        gen.ns.setdefault("_rank", rank)
        fact = gen.fresh("x")
        gen.emit(f"{fact} = {{'__': 1}}")
        for line in translator.fact_lines(fact):
            gen.emit(line)
        gen.emit(f"{self.current} = {stage_fn}({fact})")

    def test(self, gen: Generator, key: str, node: ir.Node) -> str:
        return f"({key!r} in {self.current})"


def _dependencies(nodes: list[ir.Node]) -> tuple[set[str], set[str]]:
    """Var names read, and values computed in the generated function (not loop variables)."""
    names: set[str] = set()
    locals_: set[str] = set()
    for node in nodes:
        bound = {n.var for n in ir.walk(node) if isinstance(n, ir.Comp)}
        for n in ir.walk(node):
            if isinstance(n, ir.Var):
                names.add(n.name)
            elif isinstance(n, ir.Local) and n.name not in bound:
                locals_.add(n.name)
    return names, locals_


class _Translator:
    """Typed conditions -> durable_rules JSON; what it cannot express is computed in Python
    ("lifted") into a true/false field of the fact."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.fields: dict[str, tuple[str, str, bool]] = {}  # name -> (python code, kind, nullable)
        self.markers: set[str] = set()
        self.lifted: dict[str, str] = {}  # name -> python condition code
        self.constants: dict[str, set[Any]] = {}  # field -> the constants it is compared with
        self.computed: dict[int, str] = {}  # id(node) -> field holding its value
        self.keys: dict[str, tuple[Any, ...]] = {}

    def ranked(self, rules: dict[str, Any]) -> dict[str, Any]:
        """The rules with every constant replaced by its rank among its field's constants."""
        for name, values in self.constants.items():
            self.keys[name] = tuple(sorted(values))

        def walk(value: Any) -> Any:
            if isinstance(value, _Rank):
                return rank(value.value, self.keys[value.field])
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return value

        return {k: walk(v) for k, v in rules.items()}

    def const(self, name: str, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        self.constants.setdefault(name, set()).add(value)
        return _Rank(name, value)

    def top(self, node: ir.Node) -> Any:
        if isinstance(node, ir.Const) and node.value is True:
            return {"__": 1}
        return self.cond(node)

    def cond(self, node: ir.Node) -> Any:
        native = self.native(node)
        return native if native is not None else self.lift(node)

    def lift(self, node: ir.Node) -> Any:
        name = f"__d{len(self.lifted)}"
        self.lifted[name] = self.gen.py.cond(node)
        return {name: True}

    def field(self, node: ir.Node) -> str | None:
        kind = node.type.kind
        if kind not in _NATIVE_KINDS:
            return None
        if isinstance(node, ir.Slot):
            name, code = node.dotted.replace(".", "__"), self.gen.py.value(node)
        elif isinstance(node, ir.Var):
            name, code = f"vars__{node.name}", self.gen.var_code(node.name)
        elif isinstance(node, ir.Local):
            name, code = f"l_{node.name}", f"_l_{node.name}"
        elif isinstance(node, ir.Const | ir.ListOf):
            return None
        else:  # a computed value: computed in Python, compared by durable_rules
            known = self.computed.get(id(node))
            if known is not None:
                return known
            name = f"e__{len(self.computed)}"
            self.computed[id(node)] = name
            self.fields[name] = (self.gen.py.value(node), kind, True)
            return name
        self.fields[name] = (code, kind, node.type.nullable)
        return name

    def missing(self, name: str) -> Any:
        self.markers.add(name)
        return {f"{name}__missing": True}

    def native(self, node: ir.Node) -> Any:
        if isinstance(node, ir.Compare):
            parts = [
                self.pair(a, op, b)
                for a, op, b in zip(node.operands, node.ops, node.operands[1:], strict=False)
            ]
            if any(p is None for p in parts):
                return None
            return parts[0] if len(parts) == 1 else {"$and": parts}
        if isinstance(node, ir.BoolOp):
            children = [self.cond(v) for v in node.values]
            return {"$and" if node.op == "and" else "$or": children}
        if isinstance(node, ir.Not):
            return self.negate(node.operand)
        if isinstance(node, ir.IsNone):
            name = self.field(node.operand)
            if name is None or not node.operand.type.nullable:
                return None
            self.markers.add(name)
            return {f"{name}__missing": not node.negated}
        if node.type.kind == "bool" and (name := self.field(node)) is not None:
            return {name: True}
        return None

    def negate(self, node: ir.Node) -> Any:
        if isinstance(node, ir.Compare):
            parts = []
            for a, op, b in zip(node.operands, node.ops, node.operands[1:], strict=False):
                flipped = self.pair(a, _negate_op(op), b)
                if flipped is None:
                    return None
                alternatives = [flipped] + [self.missing(n) for n in self._nullable_fields(a, b)]
                parts.append(alternatives[0] if len(alternatives) == 1 else {"$or": alternatives})
            return parts[0] if len(parts) == 1 else {"$or": parts}
        if isinstance(node, ir.BoolOp):
            children = [self.negate(v) for v in node.values]
            children = [
                c if c is not None else self.lift(ir.Not(node.type, node.pos, v))
                for c, v in zip(children, node.values, strict=True)
            ]
            return {"$or" if node.op == "and" else "$and": children}
        if isinstance(node, ir.Not):
            return self.cond(node.operand)
        if isinstance(node, ir.IsNone):
            return self.native(ir.IsNone(node.type, node.pos, node.operand, not node.negated))
        if node.type.kind == "bool" and (name := self.field(node)) is not None:
            if node.type.nullable:
                return {"$or": [{"$neq": {name: True}}, self.missing(name)]}
            return {"$neq": {name: True}}
        return None

    def _nullable_fields(self, a: ir.Node, b: ir.Node) -> list[str]:
        out = []
        for side in (a, b):
            if side.type.nullable and not isinstance(side, ir.Const | ir.ListOf):
                name = self.field(side)
                if name is not None:
                    out.append(name)
        return out

    def pair(self, a: ir.Node, op: str, b: ir.Node) -> Any:
        if op in ("in", "notin"):
            name = self.field(a)
            if name is None or not isinstance(b, ir.ListOf) or not ir.is_constant(b) or not b.items:
                return None
            values = [self.const(name, i.value) for i in b.items if isinstance(i, ir.Const)]
            if op == "in":
                tests = [{name: v} for v in values]
                return tests[0] if len(tests) == 1 else {"$or": tests}
            tests = [{"$neq": {name: v}} for v in values]
            return tests[0] if len(tests) == 1 else {"$and": tests}
        if isinstance(a, ir.Const) and not isinstance(b, ir.Const):
            a, b, op = b, a, _FLIP[op]
        if not isinstance(b, ir.Const) or b.value is None or b.type.kind not in _NATIVE_KINDS:
            return None
        name = self.field(a)
        if name is None:
            return None
        value = self.const(name, b.value)
        return {name: value} if op == "==" else {_DURABLE_OP[op]: {name: value}}

    def fact_lines(self, fact: str) -> list[str]:
        lines: list[str] = []
        for name, (code, kind, nullable) in self.fields.items():
            convert = self._converter(name, kind)
            if not nullable:
                lines.append(f"{fact}[{name!r}] = {convert(code)}")
                continue
            t = self.gen.fresh("v")
            lines.append(f"{t} = {code}")
            if name in self.markers:
                lines.append(f"{fact}[{name + '__missing'!r}] = {t} is None")
            lines.append(f"if {t} is not None: {fact}[{name!r}] = {convert(t)}")
        for name, code in self.lifted.items():
            lines.append(f"{fact}[{name!r}] = {code}")
        return lines

    def _converter(self, name: str, kind: str) -> Callable[[str], str]:
        if kind == "bool":
            return lambda c: c
        keys = self.gen.py.const(self.keys.get(name, ()))
        return lambda c: f"_rank({c}, {keys})"


def _negate_op(op: str) -> str:
    return {"in": "notin", "notin": "in"}.get(op) or _NEGATE[op]
