"""Rules (规则): the rule language, its checked definitions, and two engines behind one interface.

- Rule files (``kind: rules``) hold rule sets, decision tables (DMN hit policies), scorecards,
  flows and event rules, each with an ``id`` and a ``purpose``; :func:`load_rule_document` checks
  them (unknown fields with did-you-mean, located) and returns a :class:`RuleLibrary`.
- :func:`compile_definition` compiles a definition for the ``compiled`` engine (default, plain
  Python) or the ``durable`` engine (durable_rules, Rete); ``.evaluate(facts)`` gives a
  :class:`Decision` with outcome, values, reasons, fired rules and an optional trace.
- :class:`DecisionFlow` is the one runner of a product's definitions, in the fixed order
  eligibility → pre_review → scoring → routing → pricing → limit → tags; it gives a
  :class:`FlowDecision` (each step's decision, the values, the route).
- :class:`EventMonitor` runs event rules (sequences, absences, time windows) on an injected clock.
- Scenario files (``kind: scenarios``) test all of it in CI: :func:`load_scenario_document`,
  :func:`run_rule_scenarios`, and ``loanfactory test``.
- :func:`read_dmn` imports DMN 1.1–1.5 XML (decision tables, literal expressions, business
  knowledge models) as a rule file; :func:`write_dmn` exports tables and functions as DMN 1.3.

See ``docs/rules.md`` (rule authors) and ``docs/rules-engines.md`` (developers).
"""

from __future__ import annotations

from loanfactory.rules._decision import Action, Decision, Outcome, Reason, RuleEvaluationError, TraceEntry
from loanfactory.rules._dmn_read import read_dmn
from loanfactory.rules._dmn_write import write_dmn
from loanfactory.rules._durable import DurableRuntime
from loanfactory.rules._engine import ENGINES as ENGINES
from loanfactory.rules._engine import CompiledDefinition, EngineName, compile_definition, evaluate
from loanfactory.rules._events import EmittedAction, Event, EventMonitor, EventRules
from loanfactory.rules._flow import DecisionFlow, FlowDecision, FlowStep
from loanfactory.rules._ir import Const, Node
from loanfactory.rules._library import FUNCTIONS as FUNCTIONS
from loanfactory.rules._loader import (
    RuleLibrary,
    load_rule_document,
    load_rule_file,
    load_rule_files,
    parse_definition,
)
from loanfactory.rules._model import (
    FLOW_ORDER as FLOW_ORDER,
)
from loanfactory.rules._model import (
    Definition,
    Flow,
    HitPolicy,
    Purpose,
    RuleSet,
    Scorecard,
    Table,
    Where,
    outputs_of,
)
from loanfactory.rules._runner import ScenarioRun
from loanfactory.rules._runner import run_paths as run_rule_scenarios
from loanfactory.rules._scenarios import (
    Evaluator,
    Scenario,
    ScenarioAnswer,
    ScenarioFile,
    ScenarioResult,
    find_upwards,
    load_scenario_document,
)

# the constants ENGINES, FLOW_ORDER and FUNCTIONS are importable too (kept out of __all__,
# whose order the architecture test checks with plain sorted())
__all__ = [
    "Action",
    "CompiledDefinition",
    "Const",
    "Decision",
    "DecisionFlow",
    "Definition",
    "DurableRuntime",
    "EmittedAction",
    "EngineName",
    "Evaluator",
    "Event",
    "EventMonitor",
    "EventRules",
    "Flow",
    "FlowDecision",
    "FlowStep",
    "HitPolicy",
    "Node",
    "Outcome",
    "Purpose",
    "Reason",
    "RuleEvaluationError",
    "RuleLibrary",
    "RuleSet",
    "Scenario",
    "ScenarioAnswer",
    "ScenarioFile",
    "ScenarioResult",
    "ScenarioRun",
    "Scorecard",
    "Table",
    "TraceEntry",
    "Where",
    "compile_definition",
    "evaluate",
    "find_upwards",
    "load_rule_document",
    "load_rule_file",
    "load_rule_files",
    "load_scenario_document",
    "outputs_of",
    "parse_definition",
    "read_dmn",
    "run_rule_scenarios",
    "write_dmn",
]
