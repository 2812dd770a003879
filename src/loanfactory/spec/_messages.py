"""Plain English and Chinese explanations of pydantic validation errors.

pydantic says ``Input should be a valid boolean`` at ``('penalty', 'compound')``; a product
manager needs ``penalty.compound: expected true or false, got the text 'no'`` with the hint
``write false``. :func:`explain` turns one pydantic error into an :class:`Explanation` (path
without union labels, stable code, message and hint in both languages, whether to point at the
key or the value); :func:`explain_all` does a whole error list and folds the per-member errors of
an untagged union into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loanfactory.spec import _types
from loanfactory.spec._handlers import HANDLERS, PREFIX_HANDLERS, generic
from loanfactory.spec._wording import EXPECTED, Explanation, PathPart, given_en, given_zh

__all__ = ["Explanation", "explain", "explain_all"]


def explain_all(errors: Iterable[Mapping[str, Any]], root: Any) -> list[Explanation]:
    """Every error of one ``ValidationError.errors()`` list, explained, union members folded."""
    out: list[Explanation] = []
    unions: dict[tuple[PathPart, ...], list[tuple[Mapping[str, Any], _types.Walk]]] = {}
    for error in errors:
        step = _types.walk(root, tuple(error["loc"]))
        if step.union_at is not None:
            unions.setdefault(step.union_at, []).append((error, step))
        else:
            out.append(explain(error, root))
    # a list whose item failed is also "too short" once the item is dropped: say it once
    under = [e.path for e in out]
    out = [
        e
        for e in out
        if not (
            e.code == "too-short" and any(p[: len(e.path)] == e.path and len(p) > len(e.path) for p in under)
        )
    ]
    for path, group in unions.items():
        deeper = [error for error, step in group if len(step.path) > len(path)]
        if deeper:
            out.extend(explain(error, root) for error in deeper)
        else:
            out.append(_union_mismatch(path, group[0][0]["input"], root))
    return out


def explain(error: Mapping[str, Any], root: Any) -> Explanation:
    """One pydantic error (a dict from ``ValidationError.errors()``) in plain words."""
    step = _types.walk(root, tuple(error["loc"]))
    kind = error["type"]
    handler = HANDLERS.get(kind)
    if handler is None:
        for prefix, candidate in PREFIX_HANDLERS:
            if kind.startswith(prefix):
                handler = candidate
                break
    if handler is None:
        handler = generic
    return handler(error, step)


def _union_mismatch(path: tuple[PathPart, ...], given: Any, root: Any) -> Explanation:
    step = _types.walk(root, path)
    if len(path) == 2 and path[0] == "rules":
        return Explanation(
            path,
            "wrong-type",
            f"expected a rule id (text) or a rule set written inline (a mapping), got {given_en(given)}",
            f"应为规则编号（文字）或内联规则集（映射），实际为 {given_zh(given)}",
        )
    en, zh = EXPECTED[_types.value_kind(step.type)]
    return Explanation(
        path, "wrong-type", f"expected {en}, got {given_en(given)}", f"应为{zh}，实际为 {given_zh(given)}"
    )
