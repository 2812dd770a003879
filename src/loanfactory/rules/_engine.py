"""Compiling a definition for an engine, and evaluating it on facts.

``compile_definition(definition, engine="compiled")`` generates the definition's function once
(two variants: with and without trace) and returns a :class:`CompiledDefinition` whose
``evaluate(facts, trace=False)`` gives a :class:`~loanfactory.rules.Decision`. The ``durable``
engine generates the same function, deciding conditions with durable_rules instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from loanfactory.errors import InvalidInput
from loanfactory.facts import Facts
from loanfactory.lpr import LprSeries
from loanfactory.rules import _model as m
from loanfactory.rules._codegen import CompiledMatcher, Generator, Matcher
from loanfactory.rules._decision import Decision, RuleEvaluationError

EngineName = Literal["compiled", "durable"]
ENGINES: tuple[str, ...] = ("compiled", "durable")


class CompiledDefinition:
    """A definition ready to run on one engine; reusable and safe to share between threads."""

    def __init__(
        self, definition: m.Definition, engine: EngineName, lpr: LprSeries | None = None, runtime: Any = None
    ) -> None:
        if engine not in ENGINES:
            raise InvalidInput(
                f"unknown engine '{engine}' (use 'compiled' or 'durable')",
                field="engine",
                message_zh=f"未知的引擎 '{engine}'（可选 compiled 或 durable）",
            )
        self.definition = definition
        self.engine: EngineName = engine
        self._lpr = lpr or LprSeries.default()
        self._runtime = runtime
        self._fast = self._build(trace=False)
        self._traced: Callable[[Facts], Decision] | None = None
        self.source = self._last_source

    @property
    def id(self) -> str:
        return self.definition.id

    def _matcher(self) -> Matcher:
        if self.engine == "compiled":
            return CompiledMatcher()
        from loanfactory.rules._durable import DurableMatcher, DurableRuntime

        runtime = self._runtime or DurableRuntime.shared()
        return DurableMatcher(runtime, self.definition.version)

    def _build(self, *, trace: bool) -> Callable[[Facts], Decision]:
        matcher = self._matcher()
        finish = getattr(matcher, "finish_planning", None)
        if finish is not None:  # the durable engine plans its stages in a first pass
            Generator(self.definition, matcher, trace, self._lpr.rate).build()
            finish()
        gen = Generator(self.definition, matcher, trace, self._lpr.rate)
        source = gen.build()
        self._last_source = source
        code = compile(
            source, f"<rules {self.definition.id} {self.engine}{' trace' if trace else ''}>", "exec"
        )
        namespace: dict[str, Any] = dict(gen.ns)
        exec(code, namespace)  # generated from checked, whitelisted expressions; never user text
        function: Callable[[Facts], Decision] = namespace["_decide"]
        return function

    def evaluate(self, facts: Facts, *, trace: bool = False) -> Decision:
        """The decision for ``facts``; with ``trace`` every rule's match and the values it read."""
        if not isinstance(facts, Facts):
            raise InvalidInput(
                "facts must be a loanfactory.facts.Facts",
                field="facts",
                message_zh="facts 必须是 loanfactory.facts.Facts",
            )
        try:
            if trace:
                if self._traced is None:
                    self._traced = self._build(trace=True)
                return self._traced(facts)
            return self._fast(facts)
        except (TypeError, ArithmeticError) as exc:  # a vars value of the wrong kind, an overflow
            raise RuleEvaluationError(
                code="bad-value", params={"id": self.definition.id, "exc": exc}
            ) from exc

    __call__ = evaluate

    def __repr__(self) -> str:
        return f"<CompiledDefinition {self.definition.id} engine={self.engine}>"


def compile_definition(
    definition: m.Definition,
    *,
    engine: EngineName = "compiled",
    lpr: LprSeries | None = None,
    runtime: Any = None,
) -> CompiledDefinition:
    """Compile ``definition`` for ``engine`` (``compiled`` or ``durable``)."""
    return CompiledDefinition(definition, engine, lpr, runtime)


def evaluate(
    definition: m.Definition,
    facts: Facts,
    *,
    engine: EngineName = "compiled",
    trace: bool = False,
    lpr: LprSeries | None = None,
) -> Decision:
    """Compile and evaluate once (compile once with :func:`compile_definition` when repeating)."""
    return compile_definition(definition, engine=engine, lpr=lpr).evaluate(facts, trace=trace)
