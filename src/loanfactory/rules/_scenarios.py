"""Scenario files (``kind: scenarios``): given facts, expected decision — tests for CI.

::

    kind: scenarios
    target: {rules: retail_eligibility}      # or {product: consumer_credit}
    defaults: {as_of: 2025-06-01, applicant: {age: 35, monthly_income: 12000}}
    scenarios:
      - name: a 17-year-old is rejected
        given: {applicant: {age: 17}}        # merged over defaults
        expect: {outcome: reject, reasons: [AGE_OUT_OF_RANGE]}

``expect`` may hold ``outcome``, ``reasons`` (the exact codes, in order), ``reasons_include``,
``values`` (only the names listed; numbers compared exactly, "4.65%" allowed), ``tags``,
``fired`` and ``actions`` (action names). Rule ids are looked up in the rule files next to the
scenario file and one folder up (``rules/scenarios/x.yaml`` sees ``rules/*.yaml``); products in
the nearest ``products/`` folder above it.

A product scenario may also assert the offer production makes (``expect.offer``: ``rate``,
``amount``, ``term``, ``apr`` as disclosed to 0.01 %, ``first_installment``, ``method``, or
``none: true`` when no offer may be made). Its product facts come from the product file, never
from the scenario (``given.product`` is an error there). The runner of product scenarios lives
with origination, which prices the offer (``loanfactory.origination.run_scenario_paths``); the
evaluator it gives returns an :class:`ScenarioAnswer`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from loanfactory.document import Document
from loanfactory.errors import Diagnostic, hint_for
from loanfactory.facts import Facts
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._decision import Decision
from loanfactory.rules._parse import _PERCENT

EXPECT_KEYS = ("outcome", "reasons", "reasons_include", "values", "tags", "fired", "actions", "offer")
OFFER_KEYS = ("rate", "amount", "term", "apr", "first_installment", "method", "none")
FILE_KEYS = ("kind", "description", "target", "engines", "defaults", "scenarios")
SCENARIO_KEYS = ("name", "target", "rules", "product", "given", "expect", "engines")


@dataclass(frozen=True)
class Scenario:
    name: str
    target_kind: str  # "rules" | "product"
    target: str
    facts: Facts
    expect: Mapping[str, Any]
    path: PathT
    line: int | None
    engines: tuple[str, ...]
    file: str = ""


@dataclass(frozen=True)
class ScenarioFile:
    file: str
    document: Document
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True)
class ScenarioAnswer:
    """What a product scenario's evaluator gives: the flow as one decision, and the offer's figures
    (``rate``, ``amount``, ``term``, ``apr``, ``first_installment``, ``method``) or why there is
    none."""

    decision: Decision
    offer: Mapping[str, Any] | None = None
    no_offer: str = ""


@dataclass
class ScenarioResult:
    scenario: Scenario
    engine: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    decision: Decision | None = None
    offer: Mapping[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return not self.diagnostics


def load_scenario_document(document: Document) -> tuple[ScenarioFile | None, list[Diagnostic]]:
    """Check a ``kind: scenarios`` document and build its facts (located errors, did-you-mean)."""
    ctx = Context(document)
    data = document.data
    if not isinstance(data, dict):
        ctx.error((), "wrong-type", "a scenario file is a mapping with 'kind: scenarios'", "场景文件应为映射")
        return None, ctx.diagnostics
    ctx.check_keys(data, (), FILE_KEYS, ("kind", "scenarios"))
    if data.get("kind") != "scenarios":
        ctx.error(
            ("kind",),
            "wrong-kind",
            "a scenario file starts with 'kind: scenarios'",
            "场景文件需以 kind: scenarios 开头",
        )
    default_target = _target(ctx, data.get("target"), ("target",)) if "target" in data else None
    engines = _engines(ctx, data.get("engines", ["compiled", "durable"]), ("engines",))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        ctx.error(("defaults",), "wrong-type", "'defaults' is a mapping of facts", "defaults 应为事实映射")
        defaults = {}
    raw = data.get("scenarios")
    if not isinstance(raw, list) or not raw:
        ctx.error(("scenarios",), "wrong-type", "'scenarios' is a list", "scenarios 应为列表")
        return None, ctx.diagnostics
    scenarios: list[Scenario] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        path: PathT = ("scenarios", i)
        if not isinstance(item, dict):
            ctx.error(
                path, "wrong-type", "a scenario is {name, given, expect}", "场景应为 {name, given, expect}"
            )
            continue
        ctx.check_keys(item, path, SCENARIO_KEYS, ("name", "expect"))
        name = str(item.get("name", f"scenario {i + 1}"))
        if name in names:
            ctx.error(
                (*path, "name"), "duplicate-id", f"scenario name '{name}' is used twice", "场景名称重复"
            )
        names.add(name)
        target = default_target
        if "rules" in item or "product" in item or "target" in item:
            spec = item.get("target") or {k: item[k] for k in ("rules", "product") if k in item}
            target = _target(ctx, spec, path)
        if target is None:
            ctx.error(
                path,
                "missing-key",
                "say what to test: target {rules: <id>} or {product: <code>}",
                "请指定测试对象：target {rules: <id>} 或 {product: <code>}",
            )
            continue
        given = item.get("given") or {}
        merged = _deep_merge(defaults, given) if isinstance(given, dict) else given
        facts = facts_from_data(ctx, merged, (*path, "given") if "given" in item else ("defaults",))
        expect = item.get("expect")
        if not isinstance(expect, dict) or not ctx.check_keys(expect, (*path, "expect"), EXPECT_KEYS):
            if not isinstance(expect, dict):
                ctx.error((*path, "expect"), "wrong-type", "'expect' is a mapping", "expect 应为映射")
            continue
        if target[0] == "product" and not _product_facts_ok(ctx, merged, given, path):
            continue
        if "offer" in expect and not _offer_ok(ctx, expect["offer"], (*path, "expect", "offer"), target[0]):
            continue
        item_engines = _engines(ctx, item["engines"], (*path, "engines")) if "engines" in item else engines
        mark = document.mark(path)
        if facts is not None:
            scenarios.append(
                Scenario(
                    name,
                    target[0],
                    target[1],
                    facts,
                    expect,
                    path,
                    mark.line if mark else None,
                    item_engines,
                    document.file,
                )
            )
    if ctx.diagnostics_errors():
        return None, ctx.diagnostics
    return ScenarioFile(document.file, document, tuple(scenarios)), ctx.diagnostics


def _product_facts_ok(ctx: Context, merged: Any, given: Any, path: PathT) -> bool:
    """A product scenario takes its product facts from the product file, as production does."""
    if not isinstance(merged, dict) or "product" not in merged:
        return True
    where = (*path, "given", "product") if isinstance(given, dict) and "product" in given else ("defaults",)
    ctx.error(
        where,
        "product-facts",
        "a product scenario reads its product facts (base_rate, max_ltv ...) from the product file; "
        "change the product instead of stating them here",
        "产品场景的产品要素（base_rate、max_ltv 等）取自产品文件，不能在场景中另行设定；请修改产品文件",
        key=True,
    )
    return False


def _offer_ok(ctx: Context, offer: Any, path: PathT, target_kind: str) -> bool:
    if target_kind != "product":
        ctx.error(
            path,
            "offer-needs-product",
            "an offer is asserted only in a product scenario (target {product: <code>})",
            "只有产品场景（target {product: <产品代码>}）可以断言报价",
        )
        return False
    if not isinstance(offer, dict) or not offer:
        ctx.error(
            path,
            "wrong-type",
            f"'offer' maps some of {', '.join(OFFER_KEYS)} to the expected figures",
            f"offer 应为 {', '.join(OFFER_KEYS)} 中若干项到期望值的映射",
        )
        return False
    if not ctx.check_keys(offer, path, OFFER_KEYS):
        return False
    if "none" in offer and (offer["none"] is not True or len(offer) > 1):
        ctx.error(
            (*path, "none"),
            "wrong-type",
            "'none: true' says no offer may be made, and stands alone",
            "'none: true' 表示不应给出报价，且不能与其他项同时出现",
        )
        return False
    return True


def _target(ctx: Context, spec: Any, path: PathT) -> tuple[str, str] | None:
    if isinstance(spec, dict) and len(spec) == 1:
        kind, value = next(iter(spec.items()))
        if kind in ("rules", "product") and isinstance(value, str):
            return str(kind), value
    ctx.error(
        path,
        "bad-target",
        "target is {rules: <rule id>} or {product: <product code>}",
        "target 应为 {rules: <规则 id>} 或 {product: <产品代码>}",
    )
    return None


def _engines(ctx: Context, value: Any, path: PathT) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or any(e not in ("compiled", "durable") for e in items):
        ctx.error(path, "bad-engine", "engines are compiled and/or durable", "引擎只能是 compiled 或 durable")
        return ("compiled",)
    return tuple(items)


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def facts_from_data(ctx: Context, data: Any, path: PathT) -> Facts | None:
    """Facts from YAML data; each pydantic error becomes a diagnostic at the offending key."""
    try:
        return Facts.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = (*path, *loc)
            if err["type"] == "extra_forbidden":
                choices = _fields_at(loc[:-1])
                ctx.error(
                    where,
                    "unknown-field",
                    f"unknown fact field '{loc[-1]}'",
                    f"未知的事实字段 '{loc[-1]}'",
                    hint_for(str(loc[-1]), choices),
                    key=True,
                )
            else:
                ctx.error(
                    where,
                    "bad-fact",
                    f"{'.'.join(map(str, loc))}: {err['msg']}",
                    f"{'.'.join(map(str, loc))}：{err['msg']}",
                )
        return None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: Any = Facts
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _model_in(info.annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# running -----------------------------------------------------------------------------------------
Evaluator = Callable[[Facts], Decision | ScenarioAnswer]


def run_scenario(scenario: Scenario, evaluate: Evaluator, engine: str, document: Document) -> ScenarioResult:
    """Evaluate one scenario and compare; mismatches are diagnostics at the expectation."""
    result = ScenarioResult(scenario, engine)
    started = time.perf_counter()
    try:
        answer = evaluate(scenario.facts)
    except Exception as exc:  # a rule error is a failed scenario, never a crash of the runner
        result.diagnostics.append(
            document.diagnostic(
                scenario.path, "scenario-error", f"[{engine}] {scenario.name}: {type(exc).__name__}: {exc}"
            )
        )
        result.seconds = time.perf_counter() - started
        return result
    result.seconds = time.perf_counter() - started
    if not isinstance(answer, ScenarioAnswer):
        answer = ScenarioAnswer(answer)
    decision = answer.decision
    result.decision = decision
    result.offer = answer.offer
    for key, want in scenario.expect.items():
        problem = _compare_offer(want, answer) if key == "offer" else _compare(key, want, decision)
        if problem:
            result.diagnostics.append(
                document.diagnostic(
                    (*scenario.path, "expect", key),
                    "scenario-failed",
                    f"[{engine}] {scenario.name}: {problem}",
                    message_zh=f"[{engine}] {scenario.name}：{problem}",
                )
            )
    return result


def _compare(key: str, want: Any, d: Decision) -> str | None:
    if key == "outcome":
        return (
            None
            if d.outcome.value == want
            else f"expected outcome {want}, got {d.outcome.value}"
            + (f" (reasons: {', '.join(d.reason_codes)})" if d.reason_codes else "")
        )
    if key == "reasons":
        got = list(d.reason_codes)
        return None if got == list(want or []) else f"expected reasons {list(want or [])}, got {got}"
    if key == "reasons_include":
        missing = [c for c in want or [] if c not in d.reason_codes]
        return None if not missing else f"expected reasons to include {missing}, got {list(d.reason_codes)}"
    if key == "tags":
        return (
            None
            if list(d.tags) == list(want or [])
            else f"expected tags {list(want or [])}, got {list(d.tags)}"
        )
    if key == "fired":
        return (
            None
            if list(d.fired) == list(want or [])
            else f"expected fired {list(want or [])}, got {list(d.fired)}"
        )
    if key == "actions":
        got = [a.name for a in d.actions]
        return None if got == list(want or []) else f"expected actions {list(want or [])}, got {got}"
    if key == "values":
        if not isinstance(want, dict):
            return "'values' must be a mapping"
        for name, expected in want.items():
            if name not in d.values:
                have = ", ".join(sorted(d.values)) or "none"
                return f"expected a value '{name}', but it was not set (set: {have})"
            if not _same(expected, d.values[name]):
                return f"expected {name} = {expected}, got {d.values[name]}"
    return None


def _compare_offer(want: Mapping[str, Any], answer: ScenarioAnswer) -> str | None:
    offer = answer.offer
    if want.get("none") is True:
        return None if offer is None else f"expected no offer, got {_shown(offer)}"
    if offer is None:
        return f"expected an offer, but there is none: {answer.no_offer}"
    wrong = [
        f"{name} {_plain(expected)} (got {_plain(offer.get(name))})"
        for name, expected in want.items()
        if not _same(expected, offer.get(name))
    ]
    return None if not wrong else f"the offer differs: expected {'; '.join(wrong)}; offer: {_shown(offer)}"


def _shown(offer: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {_plain(v)}" for k, v in offer.items())


def _plain(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, str) and _PERCENT.match(expected.strip()) and isinstance(got, Decimal | int):
        return Decimal(expected.strip()[:-1]) / 100 == got
    if (
        isinstance(expected, int | Decimal)
        and not isinstance(expected, bool)
        and isinstance(got, int | Decimal)
    ):
        return Decimal(expected) == Decimal(got)
    if isinstance(expected, list) and isinstance(got, list | tuple):
        return len(expected) == len(got) and all(_same(a, b) for a, b in zip(expected, got, strict=True))
    return bool(expected == got)


def find_upwards(start: Path, name: str, levels: int = 4) -> Path | None:
    """The nearest folder called ``name`` in ``start`` or above it."""
    here = start.resolve()
    for _ in range(levels):
        candidate = here / name
        if candidate.is_dir():
            return candidate
        if here.parent == here:
            break
        here = here.parent
    return None
