"""Running pydantic over located data and turning what it says into diagnostics.

:func:`validate_model` validates data against a model or any annotation and places every error
with the document's positions (a :class:`~loanfactory.document.Document`, or a merged product that
knows which file each value came from). Cross-field :class:`~loanfactory.spec._base.CrossFieldProblem`\\ s
are placed the same way. ``partial`` validation (templates and fragments, which may leave keys for
the product to fill) drops the errors about missing keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from loanfactory.document import Document
from loanfactory.errors import Diagnostic
from loanfactory.spec import _types
from loanfactory.spec._base import CrossFieldProblem, SpecModel
from loanfactory.spec._messages import explain_all

PathKey = tuple[str | int, ...]

# Errors that only say "something is not written yet": not errors in a partial document.
_INCOMPLETE = frozenset({"missing", "union_tag_not_found"})


@cache
def adapter(annotation: Any) -> TypeAdapter[Any]:
    """A cached TypeAdapter (building one compiles a validator: do it once per type)."""
    return TypeAdapter(annotation)


def validate_model(
    target: Any,
    data: Any,
    document: Document,
    *,
    at: PathKey = (),
    partial: bool = False,
) -> tuple[Any | None, list[Diagnostic]]:
    """``data`` (found at ``at`` in ``document``) validated as ``target``; every error placed."""
    try:
        if isinstance(target, type) and issubclass(target, SpecModel):
            value: Any = target.model_validate(data)
        else:
            value = adapter(target).validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if partial:
            errors = [e for e in errors if e["type"] not in _INCOMPLETE]
        return None, explained(errors, target, document, at)
    except (RecursionError, MemoryError):  # pragma: no cover - the document limits prevent it
        return None, [
            document.diagnostic(
                at,
                "too-complex",
                "the value is too deeply nested to validate",
                message_zh="值嵌套过深，无法校验",
            )
        ]
    except Exception as exc:  # a validator's bug must become a located error, not a traceback
        return None, [_bug(exc, document, at)]
    return value, []


def _bug(exc: Exception, document: Document, at: PathKey) -> Diagnostic:
    return document.diagnostic(
        at,
        "internal-error",
        f"validating this failed ({type(exc).__name__}: {exc}); "
        "this is a bug in loanfactory, please report it",
        message_zh=f"校验时出错（{type(exc).__name__}: {exc}）；这是 loanfactory 的缺陷，请报告",
    )


def explained(errors: Iterable[Any], target: Any, document: Document, at: PathKey = ()) -> list[Diagnostic]:
    """pydantic errors (from validating ``target`` at ``at``) as located diagnostics."""
    out = []
    for item in explain_all(errors, target):
        out.append(
            document.diagnostic(
                (*at, *item.path),
                item.code,
                item.message,
                hint=item.hint,
                message_zh=item.message_zh,
                hint_zh=item.hint_zh,
                key=item.key,
            )
        )
    return out


def placed(problems: Iterable[CrossFieldProblem], document: Document, at: PathKey = ()) -> list[Diagnostic]:
    """Cross-field problems (paths relative to the model at ``at``) as located diagnostics."""
    return [
        document.diagnostic(
            (*at, *p.path),
            p.code,
            p.message,
            hint=p.hint,
            message_zh=p.message_zh,
            hint_zh=p.hint_zh,
            severity=p.severity,
            key=p.key,
        )
        for p in problems
    ]


def section_problems(
    root: type[SpecModel], data: dict[str, Any], failed: set[str], document: Document
) -> list[Diagnostic]:
    """Cross-field problems of the top-level sections that did validate, when the whole did not.

    A product with a typo in ``fees`` still has ``amount.min > amount.max`` reported: every
    mistake of a file in one run.
    """
    out: list[Diagnostic] = []
    for key, value in data.items():
        if key in failed:
            continue
        info = _types.model_field(root, key)
        if info is None:
            continue
        target = _types.field_type(info)
        if not any(_types.is_model(m) for m in _types.members(target)) and not _holds_models(target):
            continue
        section, errors = validate_model(target, value, document, at=(key,))
        if errors or section is None:
            continue
        out.extend(placed(_problems_of(section), document, (key,)))
    return out


def _holds_models(target: Any) -> bool:
    item = _types.item_type(target)
    return item is not None and _types.is_model(item)


def _problems_of(section: Any) -> Iterable[CrossFieldProblem]:
    if isinstance(section, SpecModel):
        yield from section.problems()
    elif isinstance(section, tuple):
        for i, item in enumerate(section):
            if isinstance(item, SpecModel):
                yield from (p.under(i) for p in item.problems())
