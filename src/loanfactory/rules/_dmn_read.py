"""Importing DMN decision tables, literal expressions, invocations and business knowledge models
into a loanfactory rule file (DMN 导入).

- a decision table becomes a table definition (hit policy, aggregation, input values as
  ``allowed``, output values as ``priority`` for PRIORITY/OUTPUT ORDER, default output entries);
- a literal-expression or invocation decision becomes a rule set that sets the decision's value;
- a business knowledge model becomes a rule-file function (expression or table body);
- several decisions also become one flow in the order their requirements give.

A name the model reads (input data, a decision, a variable of the calling engine) becomes
``vars.<name>`` unless ``inputs`` maps it to a fact path (``{"Applicant Age": "applicant.age"}``).
The file written is then loaded like any rule file; every problem — FEEL with no counterpart, a
type error, an unknown name — is reported at the line of the DMN element it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

import yaml

from loanfactory.document import load_document
from loanfactory.errors import Diagnostic, format_path
from loanfactory.rules._context import fact_roots
from loanfactory.rules._dmn_xml import LOANFACTORY, DmnDocument, parse_dmn
from loanfactory.rules._feel import FeelError, field_name, snake, translate, translate_tests
from loanfactory.rules._parse import ID

TYPE_REFS = {
    "number": "number",
    "decimal": "number",
    "double": "number",
    "integer": "int",
    "int": "int",
    "long": "int",
    "string": "text",
    "boolean": "bool",
    "date": "date",
    "time": "time",
    "dateTime": "datetime",
    "date and time": "datetime",
    "dayTimeDuration": "duration",
    "days and time duration": "duration",
    "yearMonthDuration": "years_and_months_duration",
    "years and months duration": "years_and_months_duration",
    "context": "record",
}


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", format(v, "f")))


class Importer:
    def __init__(self, doc: DmnDocument, inputs: Mapping[str, str], purpose: str) -> None:
        self.doc = doc
        self.inputs = dict(inputs)
        self.purpose = purpose
        self.problems: list[Diagnostic] = []
        self.origin: dict[str, tuple[Element, str]] = {}  # YAML path -> (element, description)
        self.ours = doc.root.get("exporter") == "loanfactory"
        self.vars: dict[str, str] = {}
        self.types = self._item_types()
        self.outputs: dict[str, str] = {}  # a decision or output name -> the value name it sets
        self.functions: dict[str, str] = {}
        self.names: list[str] = []

    # names -------------------------------------------------------------------------------------
    def resolve(self, name: str) -> str | None:
        if name in self.inputs:
            return self.inputs[name]
        if self.ours and name in (*fact_roots(), "as_of"):
            return name
        if name in self.functions:
            return self.functions[name]
        value = self.outputs.get(name) or field_name(name)
        self.vars.setdefault(value, "any")
        return f"vars.{value}"

    def type_of(self, ref: str | None) -> str:
        if not ref:
            return "any"
        ref = ref.split(":")[-1] if ref.startswith("feel:") else ref
        return TYPE_REFS.get(ref) or self.types.get(ref, "any")

    def _item_types(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in self.doc.all(self.doc.root, "itemDefinition"):
            ref = self.doc.text(item, "typeRef")
            components = self.doc.all(item, "itemComponent")
            out[item.get("name", "")] = (
                "record" if components else TYPE_REFS.get((ref or "").split(":")[-1], "any")
            )
        return out

    # reading -----------------------------------------------------------------------------------
    def run(self) -> dict[str, Any] | None:
        doc = self.doc
        decisions = doc.all(doc.root, "decision")
        bkms = doc.all(doc.root, "businessKnowledgeModel")
        for element in doc.all(doc.root, "inputData"):
            name = element.get("name", "")
            variable = doc.one(element, "variable")
            kind = self.type_of(variable.get("typeRef") if variable is not None else None)
            if name not in self.inputs:
                self.vars[field_name(name)] = kind
        for bkm in bkms:
            self.functions[bkm.get("name", "")] = snake(bkm.get("name", ""))
        for decision in decisions:
            self._name_outputs(decision)
        self.names = [*self.inputs, *self.outputs, *self.functions]
        self.names += [e.get("name", "") for e in doc.all(doc.root, "inputData")]
        functions = [f for f in (self._function(b, i) for i, b in enumerate(bkms)) if f is not None]
        definitions: list[dict[str, Any]] = []
        for decision in self._ordered(decisions):
            found = self._decision(decision, len(definitions))
            if found is not None:
                definitions.append(found)
        if len(definitions) > 1:
            name = snake(doc.root.get("name") or "dmn_model")
            while any(d["id"] == name for d in definitions):
                name += "_flow"
            definitions.append(
                {
                    "id": name,
                    "purpose": self.purpose,
                    "stop_on_reject": False,
                    "steps": [d["id"] for d in definitions],
                }
            )
        if not definitions:
            self.problems.append(
                doc.diagnostic(doc.root, "dmn-empty", "no decision could be imported", "没有可导入的决策")
            )
            return None
        data: dict[str, Any] = {"kind": "rules", "description": f"Imported from {doc.file}"}
        reasons = self._reasons()
        if reasons:
            data["reasons"] = reasons
        declared = {k: v for k, v in self.vars.items() if k not in self.outputs.values()}
        if declared:
            data["vars"] = declared
        if functions:
            data["functions"] = functions
        data["definitions"] = definitions
        return data

    def _reasons(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        extension = self.doc.one(self.doc.root, "extensionElements")
        for reason in [] if extension is None else extension.findall(f"{{{LOANFACTORY}}}reason"):
            out[reason.get("code", "")] = {"en": reason.get("en", ""), "zh": reason.get("zh", "")}
        return out

    def _name_outputs(self, decision: Element) -> None:
        table = self.doc.one(decision, "decisionTable")
        variable = self.doc.one(decision, "variable")
        name = decision.get("name") or decision.get("id") or ""
        var_name = (variable.get("name") if variable is not None else None) or name
        outputs = [] if table is None else self.doc.all(table, "output")
        if len(outputs) == 1:
            value = self._output_name(outputs[0].get("name") or var_name)
            self.outputs[name] = value
            if outputs[0].get("name"):
                self.outputs[outputs[0].get("name", "")] = value
        else:
            for output in outputs:
                out_name = output.get("name", "")
                self.outputs[out_name] = self._output_name(out_name)
            self.outputs.setdefault(name, field_name(var_name))

    def _output_name(self, name: str) -> str:
        value = field_name(name)
        if value in ("outcome", "reason") and not self.ours:
            return f"dmn_{value}"
        return value

    def _ordered(self, decisions: list[Element]) -> list[Element]:
        by_id = {d.get("id", ""): d for d in decisions}
        done: list[Element] = []
        seen: set[str] = set()

        def visit(d: Element, depth: int) -> None:
            ident = d.get("id", "")
            if ident in seen or depth > 100:
                return
            seen.add(ident)
            for req in self.doc.all(d, "informationRequirement"):
                href = self.doc.one(req, "requiredDecision")
                target = by_id.get((href.get("href", "") if href is not None else "").lstrip("#"))
                if target is not None:
                    visit(target, depth + 1)
            done.append(d)

        for d in decisions:
            visit(d, 0)
        return done

    # one decision --------------------------------------------------------------------------------
    def _decision(self, decision: Element, index: int) -> dict[str, Any] | None:
        doc = self.doc
        name = decision.get("name") or decision.get("id") or "decision"
        ident = snake(name)[:64]
        path: tuple[str | int, ...] = ("definitions", index)
        self.origin[format_path(path)] = (decision, name)
        table = doc.one(decision, "decisionTable")
        if table is not None:
            variable = doc.one(decision, "variable")
            result = None
            var_name = variable.get("name") if variable is not None else None
            if self.ours and var_name and var_name != name:
                result = field_name(var_name)
            return self._table(table, path, {"id": ident, "purpose": self.purpose}, result)
        value = self.outputs.get(name, field_name(name))
        literal = doc.one(decision, "literalExpression")
        invocation = doc.one(decision, "invocation")
        expr: str | None = None
        if literal is not None:
            expr = self._expression(
                doc.text(literal) or "", literal, (*path, "rules", 0, "then", "set", value)
            )
        elif invocation is not None:
            expr = self._invocation(invocation, (*path, "rules", 0, "then", "set", value))
        else:
            kinds = [c.tag.split("}")[-1] for c in decision if c.tag.split("}")[-1] not in _DECISION_PARTS]
            self.problems.append(
                doc.diagnostic(
                    decision,
                    "dmn-unsupported",
                    f"decision '{name}': {', '.join(kinds) or 'its logic'} cannot be expressed as "
                    "loanfactory rules (decision tables, literal expressions and invocations can)",
                    f"决策 '{name}' 的逻辑无法转换（支持决策表、字面表达式与调用）",
                )
            )
            return None
        if expr is None:
            return None
        return {
            "id": ident,
            "purpose": self.purpose,
            "rules": [{"id": "value", "when": True, "then": {"set": {value: expr}}}],
        }

    def _invocation(self, invocation: Element, path: tuple[str | int, ...]) -> str | None:
        doc = self.doc
        callee = doc.text(doc.one(invocation, "literalExpression")) or ""
        function = self.functions.get(callee.strip())
        if function is None:
            self.problems.append(
                doc.diagnostic(
                    invocation,
                    "dmn-unsupported",
                    f"unknown business knowledge model '{callee}'",
                    f"未知的业务知识模型 '{callee}'",
                )
            )
            return None
        bkm = next(b for b in doc.all(doc.root, "businessKnowledgeModel") if b.get("name") == callee.strip())
        logic = doc.one(bkm, "encapsulatedLogic")
        params = [p.get("name", "") for p in doc.all(logic, "formalParameter")] if logic is not None else []
        bound: dict[str, str] = {}
        for binding in doc.all(invocation, "binding"):
            param = doc.one(binding, "parameter")
            literal = doc.one(binding, "literalExpression")
            if param is None or literal is None:
                continue
            text = self._expression(doc.text(literal) or "", literal, path)
            if text is None:
                return None
            bound[param.get("name", "")] = text
        args = [bound.get(p, "None") for p in params]
        return f"{function}({', '.join(args)})"

    def _expression(self, text: str, element: Element, path: tuple[str | int, ...]) -> str | None:
        self.origin[format_path(path)] = (element, "")
        try:
            return translate(text, self.resolve, self.names)
        except FeelError as exc:
            self._feel_problem(exc, element, text)
            return None

    def _feel_problem(self, exc: FeelError, element: Element, text: str) -> None:
        self.problems.append(
            self.doc.diagnostic(
                element,
                "dmn-feel",
                f"{exc.message} in '{text.strip()[:80]}'",
                f"{exc.message_zh}：'{text.strip()[:80]}'",
                column=exc.column,
            )
        )

    # tables ------------------------------------------------------------------------------------
    def _table(
        self, table: Element, path: tuple[str | int, ...], head: dict[str, Any], result: str | None
    ) -> dict[str, Any] | None:
        doc = self.doc
        policy = table.get("hitPolicy", "UNIQUE")
        out: dict[str, Any] = {**head, "hit_policy": policy}
        if table.get("aggregation"):
            out["aggregation"] = table.get("aggregation")
        if result:
            out["result"] = result
        self.origin[format_path(path)] = (table, "")
        inputs: list[dict[str, Any]] = []
        for i, clause in enumerate(doc.all(table, "input")):
            expression = doc.one(clause, "inputExpression")
            text = doc.text(expression) or ""
            ipath = (*path, "inputs", i)
            expr = self._expression(text, expression if expression is not None else clause, (*ipath, "expr"))
            if expr is None:
                return None
            if text.strip() in self.names or text.strip().isidentifier():
                name = expr.removeprefix("vars.")
                if expr.startswith("vars.") and self.vars.get(name) == "any" and expression is not None:
                    self.vars[name] = self.type_of(expression.get("typeRef"))
            item: dict[str, Any] = {"expr": expr, "label": clause.get("label") or text.strip()}
            values = doc.text(doc.one(clause, "inputValues"))
            if values and values.strip():
                tests = self._tests(values, doc.one(clause, "inputValues"), (*ipath, "allowed"))
                if tests is None:
                    return None
                item["allowed"] = tests
            inputs.append(item)
        out["inputs"] = inputs
        outputs: list[Any] = []
        for k, clause in enumerate(doc.all(table, "output")):
            opath = (*path, "outputs", k)
            self.origin[format_path(opath)] = (clause, "")
            name = self._output_name(clause.get("name") or self._decision_value(table))
            entry: dict[str, Any] = {"name": name}
            values = doc.text(doc.one(clause, "outputValues"))
            if values and values.strip() and policy in ("PRIORITY", "OUTPUT ORDER"):
                priority = self._literals(values, doc.one(clause, "outputValues"))
                if priority is None:
                    return None
                entry["priority"] = priority
            default = doc.one(clause, "defaultOutputEntry")
            if default is not None:
                value = self._output(doc.text(default) or "", default, (*opath, "default"))
                if value is _FAILED:
                    return None
                entry["default"] = value
            outputs.append(entry if len(entry) > 1 else name)
        out["outputs"] = outputs
        rows: list[dict[str, Any]] = []
        for n, rule in enumerate(doc.all(table, "rule")):
            rpath = (*path, "rows", n)
            self.origin[format_path(rpath)] = (rule, "")
            cells: list[str] = []
            for i, cell_element in enumerate(doc.all(rule, "inputEntry")):
                tests = self._tests(doc.text(cell_element) or "", cell_element, (*rpath, "when", i))
                if tests is None:
                    return None
                cells.append(tests)
            values_out: list[Any] = []
            for k, out_element in enumerate(doc.all(rule, "outputEntry")):
                value = self._output(doc.text(out_element) or "", out_element, (*rpath, "then", k))
                if value is _FAILED:
                    return None
                values_out.append(value)
            row: dict[str, Any] = {"when": cells, "then": values_out}
            ident = rule.get("id", "")
            if self.ours and head.get("id") and ident.startswith(f"{head['id']}_"):
                ident = ident[len(head["id"]) + 1 :]  # written as <table>_<row> by our export
            if ID.match(ident) and ident not in {r.get("id") for r in rows}:
                row = {"id": ident, **row}
            rows.append(row)
        out["rows"] = rows
        return out

    def _decision_value(self, table: Element) -> str:
        for decision in self.doc.all(self.doc.root, "decision"):
            if self.doc.one(decision, "decisionTable") is table:
                variable = self.doc.one(decision, "variable")
                return (
                    (variable.get("name") if variable is not None else None)
                    or decision.get("name")
                    or "value"
                )
        for bkm in self.doc.all(self.doc.root, "businessKnowledgeModel"):
            return bkm.get("name") or "value"
        return "value"

    def _tests(self, text: str, element: Element | None, path: tuple[str | int, ...]) -> str | None:
        assert element is not None
        self.origin[format_path(path)] = (element, "")
        try:
            return translate_tests(text, self.resolve, self.names)
        except FeelError as exc:
            self._feel_problem(exc, element, text)
            return None

    def _literals(self, text: str, element: Element | None) -> list[Any] | None:
        assert element is not None
        try:
            cells = translate_tests(text, self.resolve, self.names)
        except FeelError as exc:
            self._feel_problem(exc, element, text)
            return None
        return [_plain(part.strip()) for part in cells.split(",")]

    def _output(self, text: str, element: Element, path: tuple[str | int, ...]) -> Any:
        self.origin[format_path(path)] = (element, "")
        if not text.strip():
            return None
        expr = self._expression(text, element, path)
        if expr is None:
            return _FAILED
        plain = _plain(expr)
        return plain if plain is not _EXPRESSION else f"= {expr}"

    def _function(self, bkm: Element, index: int) -> dict[str, Any] | None:
        doc = self.doc
        name = self.functions[bkm.get("name", "")]
        logic = doc.one(bkm, "encapsulatedLogic")
        path: tuple[str | int, ...] = ("functions", index)
        self.origin[format_path(path)] = (bkm, "")
        if logic is None:
            self.problems.append(
                doc.diagnostic(bkm, "dmn-unsupported", f"'{name}' has no logic", f"'{name}' 没有逻辑")
            )
            return None
        params = {
            field_name(p.get("name", "")): self.type_of(p.get("typeRef"))
            for p in doc.all(logic, "formalParameter")
        }
        outer = (self.inputs, self.ours, self.names)
        self.inputs = {
            p.get("name", ""): field_name(p.get("name", "")) for p in doc.all(logic, "formalParameter")
        }
        self.names = [*self.inputs, *self.functions]
        try:
            out: dict[str, Any] = {"name": name, "params": params}
            literal = doc.one(logic, "literalExpression")
            table = doc.one(logic, "decisionTable")
            if literal is not None:
                body = self._expression(doc.text(literal) or "", literal, (*path, "body"))
                if body is None:
                    return None
                out["body"] = body
            elif table is not None:
                found = self._table(table, (*path, "table"), {}, None)
                if found is None:
                    return None
                out["table"] = found
            else:
                self.problems.append(
                    doc.diagnostic(
                        logic,
                        "dmn-unsupported",
                        f"'{name}': only literal expressions and decision tables are imported",
                        f"'{name}'：只支持字面表达式与决策表",
                    )
                )
                return None
            return out
        finally:
            self.inputs, self.ours, self.names = outer


_DECISION_PARTS = {
    "variable",
    "informationRequirement",
    "knowledgeRequirement",
    "authorityRequirement",
    "extensionElements",
    "description",
    "question",
    "allowedAnswers",
}
_FAILED = object()
_EXPRESSION = object()


def _plain(expr: str) -> Any:
    """A literal rule expression as a YAML value (text, number, boolean, null), or _EXPRESSION."""
    if expr in ("True", "False"):
        return expr == "True"
    if expr == "None":
        return None
    if expr.startswith('"') and expr.endswith('"') and '"' not in expr[1:-1]:
        import json

        text = json.loads(expr)
        return text if text and not text.startswith("=") and not text.endswith("%") else _EXPRESSION
    stripped = expr[2:-1] if expr.startswith("(-") and expr.endswith(")") else expr
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        return _EXPRESSION
    if not number.is_finite():
        return _EXPRESSION
    number = -number if stripped is not expr else number
    return int(number) if "." not in stripped else number


def read_dmn(
    text: str | bytes,
    *,
    file: str = "<dmn>",
    inputs: Mapping[str, str] | None = None,
    purpose: str = "decision",
) -> tuple[str | None, list[Diagnostic]]:
    """A DMN file as the text of a loanfactory rule file, or None with located diagnostics."""
    doc, problems = parse_dmn(text, file)
    if doc is None:
        return None, problems
    importer = Importer(doc, inputs or {}, purpose)
    data = importer.run()
    if data is None or importer.problems:
        return None, importer.problems
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    yaml_text = f"# Imported from {file} (DMN {_version(doc)}) by `loanfactory rules import-dmn`.\n{body}"
    document, found = load_document(yaml_text, file=file)
    if document is None:
        return None, found
    from loanfactory.rules._loader import load_rule_document

    library, diagnostics = load_rule_document(document)
    relocated = [_relocate(importer, doc, d) for d in diagnostics]
    return (yaml_text if library is not None else None), relocated


def _relocate(importer: Importer, doc: DmnDocument, diagnostic: Diagnostic) -> Diagnostic:
    """A diagnostic on the generated rule file, placed at the DMN element it came from."""
    path = diagnostic.path or ""
    best = ""
    for known in importer.origin:
        if (path == known or path.startswith((known + ".", known + "["))) and len(known) > len(best):
            best = known
    if not best:
        return diagnostic
    element, _ = importer.origin[best]
    line, column = doc.lines.get(id(element), (None, None))
    return Diagnostic(
        diagnostic.code,
        diagnostic.message,
        file=doc.file,
        line=line,
        column=column,
        path=path,
        hint=diagnostic.hint,
        message_zh=diagnostic.message_zh,
        hint_zh=diagnostic.hint_zh,
        severity=diagnostic.severity,
    )


def _version(doc: DmnDocument) -> str:
    from loanfactory.rules._dmn_xml import NAMESPACES

    return NAMESPACES[doc.ns]
