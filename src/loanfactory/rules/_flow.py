"""A product's decision flow (决策流程): the one runner of its rule steps.

A product names one definition per purpose; :class:`DecisionFlow` runs them in
:data:`FLOW_ORDER` (eligibility → pre_review → scoring → routing → pricing → limit → tags), each
compiled once. Every step reads the values set by the steps before it as ``vars.<name>``
(``vars.grade``, ``vars.score``); by default the flow stops after a step that rejects. The route is
the strongest outcome of the steps — reject, then manual review — and a flow where nothing objects
approves.

Every caller runs a product's rules through this class: :meth:`loanfactory.product.Product.decide`
(and through it origination and the HTTP API), ``loanfactory test`` scenarios, ``lint`` and
``explain``. :class:`FlowDecision` keeps each step's own :class:`Decision` (origination records one
decision record per step) and gives the whole flow as one decision (:meth:`FlowDecision.as_decision`)
for scenario expectations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.rules import _model as m
from loanfactory.rules._decision import Action, Decision, Outcome, Reason, TraceEntry
from loanfactory.rules._engine import CompiledDefinition, EngineName, compile_definition

ROUTES = (Outcome.reject, Outcome.manual_review)
"""Outcomes that decide a route, strongest first; a flow where none occurs approves."""


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One step that ran: its purpose, the definition and what it decided."""

    purpose: str
    definition: m.Definition
    decision: Decision


@dataclass(frozen=True, slots=True)
class FlowDecision:
    """Every step that ran, in order, the values they set, and the route."""

    flow: str
    steps: tuple[FlowStep, ...]
    values: Mapping[str, Any]
    route: Outcome

    @property
    def product(self) -> str:
        """The flow's id: a product's flow is named after the product code."""
        return self.flow

    @property
    def rejected(self) -> bool:
        return self.route is Outcome.reject

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """The reasons of the steps that decided the route (all of them for a rejection)."""
        deciding = [s for s in self.steps if s.decision.outcome is self.route] or list(self.steps[-1:])
        return tuple(r for s in deciding for r in s.decision.reasons)

    def step(self, purpose: str) -> FlowStep | None:
        return next((s for s in self.steps if s.purpose == purpose), None)

    def as_decision(self) -> Decision:
        """The whole flow as one decision: the route as outcome, the reasons that decided it (what
        the applicant is told), every value, tag and action, and the fired rules (and trace) named
        ``<definition>/<rule>``."""
        fired: list[str] = []
        tags: list[str] = []
        actions: list[Action] = []
        trace: list[TraceEntry] | None = None
        for s in self.steps:
            d, prefix = s.decision, f"{s.definition.id}/"
            fired.extend(prefix + rule for rule in d.fired)
            tags.extend(d.tags)
            actions.extend(d.actions)
            if d.trace is not None:
                trace = (trace or []) + [replace(t, rule=prefix + t.rule) for t in d.trace]
        return Decision(
            self.flow,
            self.route,
            dict(self.values),
            self.reasons,
            tuple(fired),
            tuple(dict.fromkeys(tags)),
            tuple(actions),
            None if trace is None else tuple(trace),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "product": self.flow,
            "route": self.route.value,
            "steps": [{"purpose": s.purpose, **s.decision.to_json()} for s in self.steps],
        }


class DecisionFlow:
    """Runs ``{purpose: definition}`` in :data:`FLOW_ORDER`; other purposes (``overdue``,
    ``warning``) are kept in :attr:`others` for servicing. Immutable; safe to share between threads."""

    def __init__(
        self,
        steps: Mapping[str, m.Definition],
        *,
        engine: EngineName = "compiled",
        stop_on_reject: bool = True,
        id: str = "flow",
        lpr: LprSeries | None = None,
        runtime: Any = None,
    ) -> None:
        known = {p.value for p in m.Purpose}
        for purpose in steps:
            if str(purpose) not in known:
                raise InvalidInput(
                    f"unknown purpose '{purpose}'", field="steps", message_zh=f"未知的用途 '{purpose}'"
                )
        by_purpose = {str(k): v for k, v in steps.items()}
        self.id = id
        self.engine: EngineName = engine
        self.stop_on_reject = stop_on_reject
        self.steps: dict[str, m.Definition] = {
            p.value: by_purpose[p.value] for p in m.FLOW_ORDER if p.value in by_purpose
        }
        self.others: dict[str, m.Definition] = {k: v for k, v in by_purpose.items() if k not in self.steps}
        self._compiled: tuple[tuple[str, CompiledDefinition], ...] = tuple(
            (purpose, compile_definition(definition, engine=engine, lpr=lpr, runtime=runtime))
            for purpose, definition in self.steps.items()
        )

    @classmethod
    def from_library(cls, library: Any, refs: Mapping[str, str], **options: Any) -> DecisionFlow:
        """A flow from rule ids per purpose (``{"eligibility": "retail_eligibility", ...}``)."""
        missing = [ident for ident in refs.values() if ident not in library.definitions]
        if missing:
            library.get(missing[0])  # raises NotFound with a did-you-mean
        return cls({purpose: library.get(ident) for purpose, ident in refs.items()}, **options)

    def compiled(self, purpose: str) -> CompiledDefinition | None:
        """The compiled definition of one step (``"limit"``, ``"pricing"`` ...), if the flow has it."""
        return next((c for p, c in self._compiled if p == purpose), None)

    def run(self, facts: Facts, *, trace: bool = False, stop_on_reject: bool | None = None) -> FlowDecision:
        """Run the steps on ``facts`` in flow order; each sees the values set before it as ``vars``.

        A step that rejects ends the flow unless ``stop_on_reject`` is false (to collect every
        reason); ``None`` keeps the flow's own setting.
        """
        stop = self.stop_on_reject if stop_on_reject is None else stop_on_reject
        values: dict[str, Any] = dict(facts.vars)
        steps: list[FlowStep] = []
        for purpose, compiled in self._compiled:
            seen = facts.with_vars(values) if values else facts
            decision = compiled.evaluate(seen, trace=trace)
            values.update(decision.values)
            steps.append(FlowStep(purpose, compiled.definition, decision))
            if stop and decision.outcome is Outcome.reject:
                break
        outcomes = {s.decision.outcome for s in steps}
        route = next((o for o in ROUTES if o in outcomes), Outcome.approve)
        return FlowDecision(self.id, tuple(steps), values, route)

    def evaluate(self, facts: Facts, *, trace: bool = False) -> Decision:
        """The whole flow as one decision (:meth:`FlowDecision.as_decision`)."""
        return self.run(facts, trace=trace).as_decision()

    __call__ = evaluate

    def __repr__(self) -> str:
        return f"<DecisionFlow {self.id} {'→'.join(self.steps)} engine={self.engine}>"
