"""Every error code the source raises, found with ``ast`` (no import of the code under test).

A code is raised where it is
- the ``code=`` of a call to a :class:`~loanfactory.errors.LoanfactoryError` class (found by
  following class bases through the whole tree) or to ``LoanfactoryError.__init__``;
- the ``code`` class attribute of such a class;
- the code argument of the HTTP layer's problem builders (:data:`CODE_ARGUMENT`), a ``code = "..."``
  assignment in the HTTP adapter, or a value of its ``_HTTP_CODES`` table.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

CODE_ARGUMENT = {
    "ApiProblem": 1,
    "BodyProblem": 0,
    "_unauthenticated": 0,
    "_send_problem": 3,
    "problem_response": 2,
}
"""The HTTP layer's problem builders, and the position of their code argument."""


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _error_classes(trees: list[ast.AST]) -> set[str]:
    """Names of LoanfactoryError and every class that derives from it, in any module."""
    errors = {"LoanfactoryError"}
    classes = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    grew = True
    while grew:
        fresh = {c.name for c in classes if c.name not in errors and {_name(b) for b in c.bases} & errors}
        errors |= fresh
        grew = bool(fresh)
    return errors


def _call_codes(node: ast.Call, errors: set[str]) -> list[ast.AST]:
    name = _name(node.func)
    owner = _name(node.func.value) if isinstance(node.func, ast.Attribute) else None
    found: list[ast.AST] = []
    if name in errors or (name == "__init__" and owner in errors):
        found += [k.value for k in node.keywords if k.arg == "code"]
    if name == "get" and owner == "_HTTP_CODES" and len(node.args) == 2:
        found.append(node.args[1])  # the fallback code
    position = CODE_ARGUMENT.get(name or "")
    if position is not None and len(node.args) > position:
        found.append(node.args[position])
    return found


def _assigned(node: ast.AST, target: str) -> ast.AST | None:
    """The value of ``target = value`` (or an annotated one), else None."""
    if isinstance(node, ast.Assign) and [_name(t) for t in node.targets] == [target]:
        return node.value
    if isinstance(node, ast.AnnAssign) and _name(node.target) == target:
        return node.value
    return None


def raised_codes(src: Path) -> dict[str, list[str]]:
    """Each code raised in the package at ``src``, with the places (``path:line``) it is raised."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(src.rglob("*.py"))}
    errors = _error_classes(list(trees.values()))
    found: dict[str, list[str]] = defaultdict(list)
    for path, tree in trees.items():
        where = str(path.relative_to(src.parent))
        in_http = "http" in path.parts
        for node in ast.walk(tree):
            candidates: list[ast.AST | None] = []
            if isinstance(node, ast.Call):
                candidates = list(_call_codes(node, errors))
            elif isinstance(node, ast.ClassDef) and node.name in errors:
                candidates = [_assigned(statement, "code") for statement in node.body]
            elif in_http:
                candidates = [_assigned(node, "code")]
                table = _assigned(node, "_HTTP_CODES")
                if isinstance(table, ast.Dict):
                    candidates += table.values
            for candidate in candidates:
                code = _text(candidate)
                if code is not None and candidate is not None:
                    found[code].append(f"{where}:{getattr(candidate, 'lineno', 0)}")
    return dict(found)
