"""Known Python sandbox escapes must all be refused, each with a located error."""

from __future__ import annotations

import pytest

from loanfactory.rules._context import WELL_KNOWN_VARS, fact_roots
from loanfactory.rules._expr import Scope, parse_expression

ESCAPES = [
    "__import__('os').system('id')",
    "().__class__.__bases__[0].__subclasses__()",
    "applicant.__class__",
    "applicant.__dict__",
    "applicant.model_config.__class__",
    "eval('1+1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "getattr(applicant, 'age')",
    "globals()",
    "locals()",
    "vars()",
    "type(applicant)",
    "compile('1', 'x', 'eval')",
    "(lambda: 1)()",
    "[x for x in collateral]",
    "{x: 1 for x in collateral}",
    "{1, 2}",
    "{'a': 1}",
    "applicant.age[0]",
    "application.document_types[0:2]",
    "f'{applicant.age}'",
    "(x := 1)",
    "9 ** 9 ** 9",
    "'a' * 10",
    "10 % 3",
    "10 // 3",
    "1 << 1000",
    "~1",
    "applicant.age if True else __builtins__",
    "_secret",
    "applicant._private",
    "min.__self__",
    "len.__globals__",
    "any(x for x in ().__class__.__mro__)",
    "print('x')",
    "setattr(applicant, 'age', 1)",
    "delattr(applicant, 'age')",
    "breakpoint()",
    "input()",
    "b'bytes' == b'bytes'",
    "3j",
    "await x",
    "yield 1",
    "*collateral",
    "min(*collateral)",
    "round(applicant.age, ndigits=2)",
    "applicant.model_copy()",
    "applicant.model_dump()",
    "as_of.replace(year=1)",
    "as_of.today()",
    "'x'.join(application.document_types)",
    "'%s' % 1",
    "[1] * 10**9",
    "1" + "0" * 30 + " > 0",
    "(" * 300 + "1" + ")" * 300,
    "not " * 500 + "True",
    "x" * 3000,
    "lpr('1y', as_of).__class__",
    "date('2025-01-01').__class__",
    # the DMN-level language: records, durations, functions, '?', exponents, text and lists
    "{__class__: 1}",
    "{_x: 1}",
    "{'a': 1}",
    "{a: 1}.__class__",
    "{a: 1}._a",
    "duration('P1D').__class__",
    "as_of.__class__",
    "as_of._days",
    "as_of.toordinal()",
    "as_of.replace",
    "time('10:00').tzinfo",
    "duration('P99999999999D')",
    "duration(applicant.region)",
    "2 ** 1001",
    "9 ** 9 ** 9",
    "(1 + 1) ** 100000",
    "10 ** 31",
    "'a' + 'b' * 1000",
    "'x' * 2000",
    "upper.__call__('a')",
    "string(applicant).__class__",
    "sort(c for c in collateral)",
    "list(c.__class__ for c in collateral)",
    "count(_ for _ in collateral)",
    "any(applicant for applicant in collateral)",
    "? > 1",
    "contains(1, 'a')",
    "substring('abc', 'x')",
    "append(1, 2)",
    "[" + ", ".join(["1"] * 1001) + "]",
    "'" + "x" * 1001 + "'",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_escape_is_refused_with_a_location(text: str) -> None:
    node, errors = parse_expression(text, Scope(fact_roots(), dict(WELL_KNOWN_VARS)), condition=False)
    assert node is None, f"{text!r} was accepted"
    assert errors, text
    line, column = errors[0].pos
    assert line >= 1
    assert column >= 0
    assert errors[0].code.startswith(("expr-", "unknown-"))
