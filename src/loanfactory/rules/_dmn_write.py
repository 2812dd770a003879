"""Exporting loanfactory decision tables and functions as DMN 1.3 XML (DMN 导出).

Each table becomes a decision with a decision table (hit policy, aggregation, input values
from ``allowed``, output values from ``priority``, default output entries); each rule-file
function a business knowledge model; every fact root and ``vars`` value a table reads becomes
input data of that name (``applicant``, ``grade``), so the FEEL text reads ``applicant.age`` and
``grade``. Reason messages travel in an extension element. Rule sets, scorecards and flows have
no DMN decision-table form and are listed as warnings; an expression with no FEEL equivalent
(``lpr``) is a located error.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Literal
from xml.etree.ElementTree import Element, SubElement, indent, register_namespace, tostring

from loanfactory.errors import Diagnostic
from loanfactory.rules import _ir as ir
from loanfactory.rules import _model as m
from loanfactory.rules._dmn_xml import DMN13, LOANFACTORY
from loanfactory.rules._feel import FeelError
from loanfactory.rules._feel_write import Printer, literal, unary_tests
from loanfactory.rules._types import Type

Severity = Literal["error", "warning"]

_TYPE_REFS = {
    "int": "number",
    "decimal": "number",
    "str": "string",
    "bool": "boolean",
    "date": "date",
    "time": "time",
    "datetime": "date and time",
    "duration": "days and time duration",
    "ym_duration": "years and months duration",
}


def _type_ref(t: Type) -> str | None:
    return _TYPE_REFS.get(t.kind)


class Exporter:
    def __init__(self, name: str) -> None:
        register_namespace("", DMN13)
        register_namespace("lf", LOANFACTORY)
        try:
            exporter_version = version("loanfactory")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            exporter_version = "0"
        self.root = Element(
            f"{{{DMN13}}}definitions",
            {
                "id": _xml_id("definitions_" + name),
                "name": name,
                "namespace": f"https://loanfactory.dev/rules/{name}",
                "exporter": "loanfactory",
                "exporterVersion": exporter_version,
            },
        )
        self.problems: list[Diagnostic] = []
        self.inputs: dict[str, str] = {}  # input data name -> typeRef
        self.reasons: dict[str, m.ReasonText] = {}
        self.count = 0

    def tag(self, name: str) -> str:
        return f"{{{DMN13}}}{name}"

    def child(self, parent: Element, kind: str, **attrs: str) -> Element:
        self.count += 1
        attrs.setdefault("id", f"{kind}_{self.count}")
        return SubElement(parent, self.tag(kind), attrs)

    def text(self, parent: Element, kind: str, text: str) -> Element:
        element = SubElement(parent, self.tag(kind), {"id": f"{kind}_{self.count + 1}"})
        self.count += 1
        SubElement(element, self.tag("text")).text = text
        return element

    def problem(
        self, where: m.Where, code: str, message: str, message_zh: str, severity: Severity = "error"
    ) -> None:
        self.problems.append(
            Diagnostic(
                code,
                message,
                file=where.file,
                line=where.line,
                column=where.column,
                path=where.path,
                message_zh=message_zh,
                severity=severity,
            )
        )

    # parts -------------------------------------------------------------------------------------
    def feel(self, node: ir.Node, where: m.Where, subject: ir.Node | None = None) -> str | None:
        self._note_inputs(node)
        try:
            return Printer(subject).value(node)
        except FeelError as exc:
            self.problem(where, "dmn-export", exc.message, exc.message_zh)
            return None

    def _note_inputs(self, node: ir.Node) -> None:
        for n in ir.walk(node):
            if isinstance(n, ir.Slot):
                self.inputs.setdefault(n.path[0], "")
            elif isinstance(n, ir.Var):
                self.inputs.setdefault(n.name, _type_ref(n.type) or "")

    def function(self, function: ir.UserFunction) -> None:
        bkm = self.child(self.root, "businessKnowledgeModel", name=function.name)
        if function.description:
            SubElement(bkm, self.tag("description")).text = function.description
        logic = self.child(bkm, "encapsulatedLogic")
        for name, ptype in function.params:
            attrs = {"name": name}
            ref = _type_ref(ptype)
            if ref:
                attrs["typeRef"] = ref
            self.child(logic, "formalParameter", **attrs)
        where = m.Where(path=f"functions.{function.name}")
        if function.body is not None:
            text = self.feel(function.body, where)
            if text is not None:
                self.text(logic, "literalExpression", text)
        else:
            self.table(logic, function.table)

    def decision(self, table: m.Table) -> None:
        decision = self.child(self.root, "decision", name=table.id)
        decision.set("id", _xml_id(table.id))
        if table.description:
            SubElement(decision, self.tag("description")).text = table.description
        self.child(decision, "variable", name=table.result or table.id)
        self.table(decision, table)

    def table(self, parent: Element, table: m.Table) -> None:
        attrs = {"hitPolicy": table.hit_policy.value}
        if table.aggregation:
            attrs["aggregation"] = table.aggregation
        element = self.child(parent, "decisionTable", **attrs)
        self.reasons.update(table.reasons)
        for i, node in enumerate(table.inputs):
            clause = self.child(element, "input", label=table.input_labels[i])
            expression = self.child(clause, "inputExpression")
            ref = _type_ref(node.type)
            if ref:
                expression.set("typeRef", ref)
            SubElement(expression, self.tag("text")).text = self.feel(node, table.where) or ""
            allowed = table.allowed[i] if i < len(table.allowed) else None
            if allowed is not None:
                self._note_inputs(allowed)
                self.text(clause, "inputValues", unary_tests(allowed, _subject(node, i)))
        for k, out in enumerate(table.outputs):
            clause = self.child(element, "output", name=out.name)
            ref = _output_ref(table, k)
            if ref:
                clause.set("typeRef", ref)
            if out.priority:
                self.text(clause, "outputValues", ", ".join(literal(v) for v in out.priority))
            if out.default is not None:
                text = self.feel(out.default, table.where)
                if text is not None:
                    self.text(clause, "defaultOutputEntry", text)
        for row in table.rows:
            rule = self.child(element, "rule")
            rule.set("id", _xml_id(f"{table.id}_{row.id}"))
            for i, c in enumerate(row.cells):
                self._note_inputs(c.test)
                try:
                    text = unary_tests(c.test, _subject(table.inputs[i], i))
                except FeelError as exc:
                    self.problem(row.where, "dmn-export", exc.message, exc.message_zh)
                    text = "-"
                self.text(rule, "inputEntry", text)
            for value in row.outputs:
                self.text(rule, "outputEntry", self.feel(value, row.where) or "")

    def finish(self) -> str:
        for name, ref in sorted(self.inputs.items()):
            data = Element(self.tag("inputData"), {"id": _xml_id("input_" + name), "name": name})
            variable = SubElement(data, self.tag("variable"), {"id": _xml_id("var_" + name), "name": name})
            if ref:
                variable.set("typeRef", ref)
            self.root.insert(0, data)
        if self.reasons:
            extension = Element(self.tag("extensionElements"))
            for code, text in sorted(self.reasons.items()):
                SubElement(
                    extension,
                    f"{{{LOANFACTORY}}}reason",
                    {"code": code, "en": text.message, "zh": text.message_zh},
                )
            self.root.insert(0, extension)
        indent(self.root, "  ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(self.root, encoding="unicode") + "\n"


def _subject(node: ir.Node, i: int) -> ir.Node:
    return node if isinstance(node, ir.Slot) else ir.Local(node.type, node.pos, f"_in{i}")


def _output_ref(table: m.Table, k: int) -> str | None:
    kinds = {row.outputs[k].type.kind for row in table.rows} - {"null"}
    if len(kinds) == 1:
        return _TYPE_REFS.get(kinds.pop())
    if kinds and kinds <= {"int", "decimal"}:
        return "number"
    return None


def _tables_in(definition: m.Definition) -> list[m.Table]:
    if isinstance(definition, m.Table):
        return [definition]
    if isinstance(definition, m.Flow):
        return [t for step in definition.steps for t in _tables_in(step)]
    return []


def _xml_id(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in text)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else "_" + cleaned


def write_dmn(
    library: object, *, ids: list[str] | None = None, name: str = "rules"
) -> tuple[str | None, list[Diagnostic]]:
    """The tables (and the functions) of a :class:`~loanfactory.rules.RuleLibrary` as DMN 1.3 XML."""
    from loanfactory.rules._loader import RuleLibrary

    assert isinstance(library, RuleLibrary)
    exporter = Exporter(name)
    wanted = ids or list(library.definitions)
    for function in library.functions.values():
        exporter.function(function)
    for ident in wanted:
        definition = library.get(ident)
        if isinstance(definition, m.Table):
            exporter.decision(definition)
            continue
        for table in _tables_in(definition):
            exporter.decision(table)
        kind = type(definition).__name__.lower()
        exporter.problem(
            definition.where,
            "dmn-not-exported",
            f"{kind} '{ident}' is not exported (only its decision tables are): DMN export covers "
            "decision tables and functions",
            f"{kind} '{ident}' 未导出（仅导出其中的决策表）：DMN 导出只包括决策表与函数",
            severity="warning",
        )
    if any(p.severity == "error" for p in exporter.problems):
        return None, exporter.problems
    return exporter.finish(), exporter.problems
