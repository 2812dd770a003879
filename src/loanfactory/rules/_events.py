"""Event rules (事件规则): sequences and time windows over a loan's events, on durable_rules.

A definition of ``type: events`` lists rules whose ``when`` is a pattern of events that share a
``key`` (a loan id)::

    - id: no_payment_3d_after_due          # 到期后 3 天内未还款
      when:
        - {as: due, event: due}
        - {absent: payment, after: due, within: 3d}
      emit: {action: overdue_warning, params: {due_id: due.id}}
    - id: bad_record_after_disbursement    # 放款后新增不良征信记录
      when:
        - {as: d, event: disbursement}
        - {as: rec, event: bureau_record, after: d, where: "rec.severity == 'severe'"}
      emit: risk_warning

Pattern elements: ``{as, event, after?, within?, where?}`` (an event of that kind, at or after
the event ``after`` and at most ``within`` later); ``{absent, after, within, where?}`` (no such
event in the window — decided once the clock has passed the window); ``{elapsed, since}`` (the
clock is at least ``since`` + ``elapsed``; negative for "72h before").

:class:`EventMonitor` runs them. Time is injected: ``post(event)`` and ``advance_to(time)``; no
timer thread exists. Each match fires once.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from durable.engine import MessageNotHandledException

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.rules import _model as m
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._durable import DurableRuntime, json_value, ruleset_name
from loanfactory.rules._parse import COMMON, ID, header

_DURATION = re.compile(r"^\s*([+-]?\d+)\s*(w|d|h|m|s)\s*$")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_EPOCH = datetime(1970, 1, 1)
_OPS = {ast.Eq: None, ast.NotEq: "$neq", ast.Lt: "$lt", ast.LtE: "$lte", ast.Gt: "$gt", ast.GtE: "$gte"}
_FLIP = {None: None, "$neq": "$neq", "$lt": "$gt", "$lte": "$gte", "$gt": "$lt", "$gte": "$lte"}
MAX_MONITORS = 900
_live = itertools.count(1)
_live_lock = threading.Lock()
_live_count = [0]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a loan (``key``): a due date, a payment, a bureau record ..."""

    kind: str
    key: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True, slots=True)
class EmittedAction:
    """An action an event rule asks for, with the events that matched."""

    rule: str
    action: str
    key: str
    at: datetime
    params: Mapping[str, Any]
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EventRule:
    id: str
    body: dict[str, Any]  # durable rule body {"all": [...]}
    aliases: tuple[str, ...]  # aliases of the positive events, in order
    clocked: bool
    action: str
    params: tuple[tuple[str, Any], ...]
    reason: m.ReasonText | None = None


@dataclass(frozen=True, slots=True)
class EventRules:
    id: str
    purpose: m.Purpose
    rules: tuple[EventRule, ...]
    retain: int  # seconds a fact is kept after its time
    version: str = "1"
    description: str = ""
    where: m.Where = field(default_factory=m.Where)


def seconds(value: Any) -> int | None:
    """``"3d"`` -> 259200; ``"-72h"`` -> -259200; None when unreadable."""
    match = _DURATION.match(str(value)) if isinstance(value, str | int) else None
    return int(match.group(1)) * _UNITS[match.group(2)] if match else None


def timestamp(at: datetime) -> int:
    naive = at.replace(tzinfo=None) - (at.utcoffset() or timedelta(0)) if at.tzinfo else at
    return int((naive - _EPOCH).total_seconds())


def parse_event_rules(ctx: Context, data: dict[str, Any], path: PathT) -> EventRules | None:
    before = len(ctx.diagnostics)
    ctx.check_keys(data, path, (*COMMON, "rules", "retain"), ("rules",))
    head = header(ctx, data, path)
    retain = seconds(data.get("retain", "400d"))
    if retain is None or retain <= 0:
        ctx.error(
            (*path, "retain"), "bad-duration", "retain is a duration such as 400d", "retain 应为时长，如 400d"
        )
        retain = 400 * 86400
    rules: list[EventRule] = []
    for i, raw in enumerate(data.get("rules") or []):
        rule = _rule(ctx, raw, (*path, "rules", i))
        if rule is not None:
            rules.append(rule)
    if head is None or ctx.diagnostics_errors(before) or not rules:
        if not rules and not ctx.diagnostics_errors(before):
            ctx.error((*path, "rules"), "wrong-type", "'rules' lists event rules", "rules 应为事件规则列表")
        return None
    return EventRules(head[0], head[1], tuple(rules), retain, head[2], head[3], ctx.where(path))


def _rule(ctx: Context, raw: Any, path: PathT) -> EventRule | None:
    if not isinstance(raw, dict) or not ctx.check_keys(
        raw, path, ("id", "when", "emit", "reason", "description"), ("id", "when", "emit")
    ):
        if not isinstance(raw, dict):
            ctx.error(
                path, "wrong-type", "an event rule is {id, when, emit}", "事件规则应为 {id, when, emit}"
            )
        return None
    rid = raw["id"]
    if not isinstance(rid, str) or not ID.match(rid):
        ctx.error((*path, "id"), "bad-id", "an event rule needs an id", "事件规则需要 id")
        return None
    elements = raw["when"]
    if not isinstance(elements, list) or not elements:
        ctx.error((*path, "when"), "wrong-type", "'when' lists pattern elements", "when 应为模式元素列表")
        return None
    positive: list[dict[str, Any]] = []
    negative: list[dict[str, Any]] = []
    clock: list[Any] = []
    aliases: list[str] = []
    for i, el in enumerate(elements):
        epath = (*path, "when", i)
        if not isinstance(el, dict):
            ctx.error(epath, "wrong-type", "a pattern element is a mapping", "模式元素应为映射")
            return None
        built = _element(ctx, el, epath, aliases, clock)
        if built is None:
            return None
        target, pattern = built
        if target == "pos":
            positive.append(pattern)
        elif target == "neg":
            negative.append(pattern)
    if not aliases:
        ctx.error((*path, "when"), "wrong-type", "a rule needs at least one event", "规则至少需要一个事件")
        return None
    emit = raw["emit"]
    action, params = (emit, {}) if isinstance(emit, str) else (emit.get("action"), emit.get("params") or {})
    if not isinstance(action, str):
        ctx.error(
            (*path, "emit"),
            "wrong-type",
            "emit an action name or {action, params}",
            "emit 应为动作名或 {action, params}",
        )
        return None
    clocked = bool(clock)
    parts = list(positive)
    if clocked:
        tests: list[Any] = [{"kind": "$clock"}]
        for alias, offset in clock:
            tests.append({"$gte": {"now": {"$add": {"$l": {alias: "at"}, "$r": offset}}}})
        parts.append({"clk": {"$and": tests}})
        negative.append(
            {"fired$not": {"$and": [{"kind": "$fired"}, {"rule": rid}, {"ref": {aliases[-1]: "eid"}}]}}
        )
    body = {"all": parts + negative}  # negated patterns must come last (durable_rules ignores them elsewhere)
    reason = ctx.reason(raw["reason"], (*path, "reason")) if "reason" in raw else None
    return EventRule(rid, body, tuple(aliases), clocked, action, tuple(params.items()), reason)


def _element(
    ctx: Context, el: dict[str, Any], path: PathT, aliases: list[str], clock: list[Any]
) -> tuple[str, dict[str, Any]] | None:
    if "elapsed" in el:
        ctx.check_keys(el, path, ("elapsed", "since"), ("elapsed", "since"))
        offset = seconds(el.get("elapsed"))
        if offset is None or el.get("since") not in aliases:
            ctx.error(
                path,
                "bad-pattern",
                "elapsed needs a duration and 'since' naming an earlier event",
                "elapsed 需要时长，且 since 须为前面的事件",
            )
            return None
        clock.append((el["since"], offset))
        return "clock", {}
    negative = "absent" in el
    kind = el.get("absent") if negative else el.get("event")
    allowed = (
        ("absent", "as", "after", "within", "where")
        if negative
        else ("event", "as", "after", "within", "where")
    )
    ctx.check_keys(el, path, allowed)
    alias = str(el.get("as") or kind)
    if not isinstance(kind, str) or not ID.match(alias) or alias in aliases:
        ctx.error(
            path,
            "bad-pattern",
            "each element names an event kind and a new alias ('as')",
            "每个元素需要事件类型和新的别名（as）",
        )
        return None
    tests: list[Any] = [{"kind": kind}]
    if aliases:
        tests.append({"key": {aliases[0]: "key"}})
    after = el.get("after")
    within = seconds(el["within"]) if "within" in el else None
    if "within" in el and (within is None or within <= 0):
        ctx.error(
            (*path, "within"), "bad-duration", "within is a duration such as 3d", "within 应为时长，如 3d"
        )
        return None
    if after is not None:
        if after not in aliases:
            ctx.error(
                (*path, "after"),
                "bad-pattern",
                f"'{after}' is not an earlier event",
                f"'{after}' 不是前面的事件",
            )
            return None
        tests.append({"$gte": {"at": {after: "at"}}})
        if within is not None:
            tests.append({"$lte": {"at": {"$add": {"$l": {after: "at"}, "$r": within}}}})
    if negative:
        if after is None or within is None:
            ctx.error(path, "bad-pattern", "absent needs 'after' and 'within'", "absent 需要 after 与 within")
            return None
        clock.append((after, within + 1))
    if "where" in el:
        where = _where(ctx, el["where"], (*path, "where"), alias, aliases)
        if where is None:
            return None
        tests.append(where)
    if negative:
        return "neg", {f"{alias}$not": {"$and": tests}}
    aliases.append(alias)
    return "pos", {alias: {"$and": tests}}


def _where(ctx: Context, text: Any, path: PathT, alias: str, earlier: list[str]) -> Any:
    """A small condition language for event fields: comparisons of ``alias.field`` with literals
    or earlier events' fields, joined by and/or."""
    try:
        tree = ast.parse(str(text), mode="eval").body
    except SyntaxError as exc:
        ctx.error(path, "expr-syntax", f"syntax error: {exc.msg}", f"语法错误：{exc.msg}")
        return None

    def operand(node: ast.AST) -> tuple[str, Any] | None:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and not node.attr.startswith("_")
        ):
            if node.value.id == alias:
                return "own", f"d_{node.attr}"
            if node.value.id in earlier:
                return "ref", {node.value.id: f"d_{node.attr}"}
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int | bool | float):
            segment = ast.get_source_segment(str(text), node) or ""
            value = json_value(Decimal(segment)) if isinstance(node.value, float) else node.value
            return "const", value
        return None

    def convert(node: ast.AST) -> Any:
        if isinstance(node, ast.BoolOp):
            parts = [convert(v) for v in node.values]
            return None if None in parts else {"$and" if isinstance(node.op, ast.And) else "$or": parts}
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPS:
            left, right = operand(node.left), operand(node.comparators[0])
            op = _OPS[type(node.ops[0])]
            if left and right and left[0] != "own" and right[0] == "own":
                left, right, op = right, left, _FLIP[op]
            if left is None or right is None or left[0] != "own" or right[0] == "own":
                return None
            return {left[1]: right[1]} if op is None else {op: {left[1]: right[1]}}
        return None

    result = convert(tree)
    if result is None:
        ctx.error(
            path,
            "expr-not-allowed",
            f"event conditions compare {alias}.<field> with a literal or an earlier "
            "event's field, joined by and/or",
            f"事件条件只能比较 {alias}.<字段> 与常量或前序事件的字段",
        )
    return result


class EventMonitor:
    """Runs one set of event rules over posted events, on a clock that only moves when told.

    ``post(event)`` and ``advance_to(time)`` return the actions emitted (each match once).
    ``forget(key)`` drops a closed loan's events; ``close()`` frees the session. Facts older
    than the definition's ``retain`` are dropped as the clock moves.
    """

    def __init__(self, rules: EventRules, *, start: datetime, runtime: DurableRuntime | None = None) -> None:
        self.rules = rules
        self.runtime = runtime or DurableRuntime.shared()
        self.now = start
        with _live_lock:
            if _live_count[0] >= MAX_MONITORS:
                raise StateConflict(
                    f"more than {MAX_MONITORS} event monitors are open; close some",
                    message_zh=f"同时打开的事件监控超过 {MAX_MONITORS} 个，请先关闭",
                )
            _live_count[0] += 1
        self._sid = f"lf-mon-{next(_live)}"
        self._by_id = {r.id: r for r in rules.rules}
        self._name = ruleset_name(rules.id, rules.version, 0, {r.id: r.body for r in rules.rules})
        actions = {r.id: self._recorder(r.id) for r in rules.rules}
        self.runtime.register_bodies(self._name, {r.id: r.body for r in rules.rules}, actions)
        self._facts: list[dict[str, Any]] = []
        self._stored = False
        self._seq = itertools.count(1)
        self._closed = False
        self._clock: dict[str, Any] | None = None

    def _recorder(self, rule: str) -> Any:
        # registered once per process for every monitor of these rules: report to the runtime's
        # current sink, which the asserting monitor owns while it holds the lock
        runtime = self.runtime

        def record(c: Any) -> None:
            matched = getattr(c, "_m", None) or {}
            facts = {
                k: dict(getattr(v, "_d", v))
                for k, v in matched.items()
                if isinstance(getattr(v, "_d", v), dict)
            }
            runtime.sink.append((rule, facts))

        return record

    def post(self, event: Event) -> list[EmittedAction]:
        """Record an event (its time may be before or after ``now``: due dates are posted ahead);
        returns the actions it completes. Windows close only when the clock moves."""
        self._check_open()
        if not isinstance(event, Event):
            raise InvalidInput("post() takes an Event", field="event", message_zh="post() 需要 Event")
        fact: dict[str, Any] = {
            "kind": event.kind,
            "key": event.key,
            "at": timestamp(event.at),
            "eid": event.id or f"e{next(self._seq)}",
        }
        for name, value in event.data.items():
            fact[f"d_{name}"] = json_value(value)
        return self._assert(fact, keep=True)

    def advance_to(self, when: datetime) -> list[EmittedAction]:
        """Move the clock forward; returns the actions whose windows have now closed."""
        self._check_open()
        if when < self.now:
            raise InvalidInput("the clock only moves forward", field="when", message_zh="时钟只能向前推进")
        self.now = when
        now = timestamp(when)
        with self.runtime.lock:
            if self._clock is not None:
                self._retract(self._clock)
            self._expire(now)
        self._clock = {"kind": "$clock", "now": now, "eid": f"clock{now}"}
        return self._assert(self._clock, keep=False)

    def forget(self, key: str) -> None:
        """Drop every fact of ``key`` (e.g. a loan that is closed)."""
        with self.runtime.lock:
            for fact in [f for f in self._facts if f.get("key") == key]:
                self._retract(fact)
                self._facts.remove(fact)

    def close(self) -> None:
        """Free the durable session; the monitor cannot be used afterwards."""
        if self._closed:
            return
        self._closed = True
        with self.runtime.lock:
            if self._stored:
                self.runtime.host.delete_state(self._name, self._sid)
        with _live_lock:
            _live_count[0] -= 1

    def __enter__(self) -> EventMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StateConflict("the event monitor is closed", message_zh="事件监控已关闭")

    def _assert(self, fact: dict[str, Any], *, keep: bool) -> list[EmittedAction]:
        fact["sid"] = self._sid
        with self.runtime.lock:
            self.runtime.sink = []
            try:
                self.runtime.host.assert_fact(self._name, fact)
                self._stored = True
                if keep:
                    self._facts.append(fact)
            except MessageNotHandledException:
                pass  # no rule uses this kind of event: nothing stored
            found, self.runtime.sink = self.runtime.sink, []
            emitted = [self._emitted(rule, facts) for rule, facts in found]
            for rule, facts in found:
                if self._by_id[rule].clocked:
                    last = facts[self._by_id[rule].aliases[-1]]
                    marker = {
                        "kind": "$fired",
                        "rule": rule,
                        "ref": last["eid"],
                        "at": last["at"],
                        "key": last["key"],
                        "eid": f"fired:{rule}:{last['eid']}",
                        "sid": self._sid,
                    }
                    try:
                        self.runtime.host.assert_fact(self._name, marker)
                        self._facts.append(marker)
                    except MessageNotHandledException:
                        pass
        return sorted(emitted, key=lambda a: (a.rule, a.key, a.events))

    def _emitted(self, rule: str, facts: dict[str, dict[str, Any]]) -> EmittedAction:
        spec = self._by_id[rule]
        params: dict[str, Any] = {}
        for name, ref in spec.params:
            if isinstance(ref, str) and "." in ref and ref.split(".", 1)[0] in facts:
                alias, attr = ref.split(".", 1)
                params[name] = facts[alias].get("eid" if attr == "id" else f"d_{attr}")
            else:
                params[name] = ref
        key = next(iter(facts.values()))["key"] if facts else ""
        ids = tuple(facts[a]["eid"] for a in spec.aliases if a in facts)
        return EmittedAction(rule, spec.action, str(key), self.now, params, ids)

    def _retract(self, fact: dict[str, Any]) -> None:
        with contextlib.suppress(MessageNotHandledException):
            self.runtime.host.retract_fact(self._name, fact)

    def _expire(self, now: int) -> None:
        horizon = now - self.rules.retain
        old = [f for f in self._facts if f.get("at", now) < horizon]
        for fact in old:
            self._retract(fact)
            self._facts.remove(fact)
