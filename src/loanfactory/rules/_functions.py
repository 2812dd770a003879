"""The rule file's own functions (DMN business knowledge models, 业务知识模型).

A rule file may define reusable functions with typed parameters, whose body is an expression or
a decision table over the parameters::

    functions:
      - name: annuity_payment                       # 等额本息月供
        params: {principal: number, annual_rate: number, months: int}
        body: principal * (annual_rate / 12) / (1 - (1 + annual_rate / 12) ** -months)
      - name: grade_from_score                      # 评分定级，供多张表复用
        params: {score: number}
        table:
          hit_policy: FIRST
          inputs: [score]
          outputs: [grade]
          rows: [[">= 750", A], [">= 650", B], ["-", C]]

A function reads only its parameters (never the facts), may call the functions written before
it (so there is no recursion), and is called like a library function:
``grade_from_score(bureau.credit_score)``. A table with several outputs gives a record. As in
FEEL, a function whose table breaks its hit policy gives a missing value (an error inside an
expression is null), so both engines, which may evaluate it at different moments, agree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from loanfactory.rules import _ir as ir
from loanfactory.rules._context import Context, PathT
from loanfactory.rules._expr import Scope
from loanfactory.rules._library import FUNCTIONS
from loanfactory.rules._types import Type

if TYPE_CHECKING:
    from loanfactory.rules._codegen import Generator

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_FUNCTIONS = 200


def parse_functions(ctx: Context, raw: Any, path: PathT) -> None:
    """Parse a file's ``functions:`` into ``ctx.functions`` (each may call the ones before it)."""
    if raw is None:
        return
    if not isinstance(raw, list) or len(raw) > MAX_FUNCTIONS:
        ctx.error(
            path,
            "wrong-type",
            f"'functions' is a list of at most {MAX_FUNCTIONS} {{name, params, body or table}}",
            "functions 应为 {name, params, body 或 table} 的列表",
        )
        return
    for i, item in enumerate(raw):
        function = _parse_one(ctx, item, (*path, i))
        if function is not None:
            ctx.functions[function.name] = function


def _parse_one(ctx: Context, item: Any, path: PathT) -> ir.UserFunction | None:
    if not isinstance(item, dict):
        ctx.error(path, "wrong-type", "a function is {name, params, body or table}", "函数应为映射")
        return None
    before = len(ctx.diagnostics)
    ctx.check_keys(item, path, ("name", "description", "params", "body", "table"), ("name",))
    name = item.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        ctx.error(
            (*path, "name"), "bad-name", "a function name is lower_case_words", "函数名应为小写字母与下划线"
        )
        return None
    from loanfactory.rules._context import fact_roots

    if name in FUNCTIONS or name in fact_roots() or name in ctx.functions or name == "vars":
        ctx.error(
            (*path, "name"),
            "duplicate-id",
            f"'{name}' is already the name of a function or a fact",
            f"'{name}' 已是函数或事实的名称",
        )
        return None
    params = _params(ctx, item.get("params"), (*path, "params"))
    if params is None:
        return None
    if ("body" in item) == ("table" in item):
        ctx.error(
            path, "missing-key", "a function has either 'body' or 'table'", "函数需要 body 或 table 之一"
        )
        return None
    scope = Scope({}, {}, {p: t.maybe_missing() for p, t in params}, dict(ctx.functions))
    description = str(item.get("description") or "")
    if "body" in item:
        body = ctx.expression(item["body"], (*path, "body"), condition=False, scope=scope)
        if body is None or ctx.diagnostics_errors(before):
            return None
        return ir.UserFunction(name, params, body.type, body=body, description=description)
    return _table_function(ctx, item["table"], (*path, "table"), name, params, scope, description)


def _table_function(
    ctx: Context,
    raw: Any,
    path: PathT,
    name: str,
    params: tuple[tuple[str, Type], ...],
    scope: Scope,
    description: str,
) -> ir.UserFunction | None:
    from loanfactory.rules._loader import output_types
    from loanfactory.rules._parse_tables import parse_table

    if not isinstance(raw, dict):
        ctx.error(path, "wrong-type", "'table' is a decision table", "table 应为决策表")
        return None
    data = dict(raw)
    outputs = data.get("outputs")
    if isinstance(outputs, list) and len(outputs) > 1 and "result" not in data:
        data["result"] = "result"  # several outputs: the function gives a record
    table = parse_table(ctx, data, path, function=scope, name=name)
    if table is None:
        return None
    kinds = output_types(table)
    result = kinds[table.result] if table.result else kinds[table.value_outputs[0].name]
    return ir.UserFunction(name, params, result, table=table, description=description)


def _params(ctx: Context, raw: Any, path: PathT) -> tuple[tuple[str, Type], ...] | None:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        ctx.error(
            path, "wrong-type", "'params' maps names to types: {score: number}", "params 应为 名称 -> 类型"
        )
        return None
    declared = ctx.declared_vars(raw, path)
    if len(declared) != len(raw):
        return None
    for param in declared:
        if not param.isidentifier() or param.startswith("_") or not param.isascii():
            ctx.error(
                (*path, param),
                "bad-name",
                f"'{param}' is not a valid parameter name",
                "参数名不合法",
                key=True,
            )
            return None
    return tuple(declared.items())


def function_source(gen: Generator, function: ir.UserFunction, name: str) -> str:
    """Python source of ``def <name>(<params>)`` computing the function's value."""
    params = ", ".join(f"_l_{p}" for p, _ in function.params)
    if function.body is not None:
        value = gen.py.value(function.body)
        return (
            f"def {name}({params}):\n    try:\n        return {value}\n"
            "    except _RuleError:\n        return None\n"
        )
    from loanfactory.rules._codegen import CompiledMatcher, Generator

    table = function.table
    inner = Generator(table, CompiledMatcher(), False, gen.lpr, gen.ns)
    inner.indent = 2
    inner.emit("values = {}; reasons = []; fired = []; tags = []; actions = []; rk = 0; tr = None")
    inner.table(table, "")
    result = table.result or table.value_outputs[0].name
    inner.emit(f"return values.get({result!r})")
    body = "\n".join(inner.lines)
    return f"def {name}({params}):\n    try:\n{body}\n    except _RuleError:\n        return None\n"
