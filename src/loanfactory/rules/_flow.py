"""A product's decision flow (决策流程): its definitions run in a fixed order as one function.

The order is eligibility → pre_review → scoring → routing → pricing → limit → tags; each step
reads the values set by the steps before it as ``vars.<name>`` (``vars.grade``, ``vars.score``).
By default the flow stops after a step that rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.rules import _model as m
from loanfactory.rules._decision import Decision
from loanfactory.rules._engine import CompiledDefinition, EngineName, compile_definition


class DecisionFlow:
    """Runs ``{purpose: definition}`` in :data:`FLOW_ORDER`; other purposes (``overdue``,
    ``warning``) are kept in :attr:`others` for servicing."""

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
        ordered = tuple(by_purpose[p.value] for p in m.FLOW_ORDER if p.value in by_purpose)
        self.steps: dict[str, m.Definition] = {
            p.value: by_purpose[p.value] for p in m.FLOW_ORDER if p.value in by_purpose
        }
        self.others: dict[str, m.Definition] = {k: v for k, v in by_purpose.items() if k not in self.steps}
        self.definition = m.Flow(id, m.Purpose.decision, ordered, stop_on_reject)
        self._compiled: CompiledDefinition | None = None
        if ordered:
            self._compiled = compile_definition(self.definition, engine=engine, lpr=lpr, runtime=runtime)
        self.engine = engine

    @classmethod
    def from_library(cls, library: Any, refs: Mapping[str, str], **options: Any) -> DecisionFlow:
        """A flow from rule ids per purpose (``{"eligibility": "retail_eligibility", ...}``)."""
        steps = {
            purpose: library.get(ident) for purpose, ident in refs.items() if ident in library.definitions
        }
        missing = [ident for ident in refs.values() if ident not in library.definitions]
        if missing:
            library.get(missing[0])  # raises NotFound with a did-you-mean
        return cls(steps, **options)

    def evaluate(self, facts: Facts, *, trace: bool = False) -> Decision:
        """Run every step; the decision holds all steps' values, reasons and fired rules."""
        if self._compiled is None:
            from loanfactory.rules._decision import Outcome

            return Decision(self.definition.id, Outcome.passed, {}, (), (), (), (), () if trace else None)
        return self._compiled.evaluate(facts, trace=trace)

    __call__ = evaluate
