"""Checking the rule sets a product names (``rules: {eligibility: retail_eligibility}``).

A reference is the id of a definition in the loaded rule files, or a definition written inline
(a mapping), which the rules engine parses where it was written. An id that no rule file defines
is a located ``unknown-rule`` error with a did-you-mean (ids of the same purpose first); an id
whose definition serves another purpose (a scorecard named as the eligibility rules) is a
``wrong-purpose`` error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic, hint_for
from loanfactory.rules import RuleLibrary, parse_definition
from loanfactory.spec import MergedDocument, ProductSpec, RulePurpose

# a combined decision flow may stand in for any single step
_ANY_PURPOSE = "decision"


def merge_libraries(libraries: Iterable[RuleLibrary]) -> tuple[RuleLibrary | None, list[Diagnostic]]:
    """All rule files' definitions in one library (None when there are none); clashes reported."""
    merged: RuleLibrary | None = None
    problems: list[Diagnostic] = []
    for library in libraries:
        if merged is None:
            merged = library
            continue
        merged, clashes = merged.merged(library)
        problems.extend(clashes)
    return merged, problems


def check_rule_references(
    products: Mapping[str, ProductSpec], documents: Mapping[str, Document], library: RuleLibrary | None
) -> list[Diagnostic]:
    """Diagnostics for the rule references of every product.

    Inline definitions are always checked; ids only when rule files were loaded (``library``).
    """
    out: list[Diagnostic] = []
    for code, spec in sorted(products.items()):
        document = documents[code]
        for purpose, ref in spec.rules.items():
            at = ("rules", purpose.value)
            if isinstance(ref, dict):
                out.extend(_inline(ref, document, at, purpose, library))
            elif library is not None:
                out.extend(_by_id(ref, document, at, purpose, library))
    return out


def _inline(
    ref: dict[str, Any],
    document: Document,
    at: tuple[str, str],
    purpose: RulePurpose,
    library: RuleLibrary | None,
) -> list[Diagnostic]:
    source, path = document.source(at) if isinstance(document, MergedDocument) else (document, at)
    definition, problems = parse_definition(ref, source, path, library=library)
    written = getattr(definition, "purpose", None)
    if written is not None and str(written) not in (purpose.value, _ANY_PURPOSE):
        problems.append(
            source.diagnostic(
                (*path, "purpose"),
                "wrong-purpose",
                f"this definition's purpose is '{written}', but it is given as the '{purpose.value}' rules",
                message_zh=f"该定义的用途为 '{written}'，却被用作 '{purpose.value}' 规则",
            )
        )
    return problems


def _by_id(
    ref: str, document: Document, at: tuple[str, str], purpose: RulePurpose, library: RuleLibrary
) -> list[Diagnostic]:
    found = library.definitions.get(ref) or library.events.get(ref)
    if found is None:
        same = [i for i, d in library.definitions.items() if str(getattr(d, "purpose", "")) == purpose.value]
        hint, hint_zh = hint_for(ref, same)  # only ids of the same purpose: others would not fit
        if hint is None and same:
            hint = f"{purpose.value} rules defined: {', '.join(sorted(same))}"
            hint_zh = f"已定义的 {purpose.value} 规则：{', '.join(sorted(same))}"
        return [
            document.diagnostic(
                at,
                "unknown-rule",
                f"no rule definition with id '{ref}' in the rule files",
                hint=hint,
                message_zh=f"规则文件中没有编号为 '{ref}' 的规则定义",
                hint_zh=hint_zh,
            )
        ]
    written = getattr(found, "purpose", None)
    if written is not None and str(written) not in (purpose.value, _ANY_PURPOSE):
        where = getattr(found, "where", None)
        place = f" ({where.file}:{where.line})" if where is not None and where.file else ""
        return [
            document.diagnostic(
                at,
                "wrong-purpose",
                f"'{ref}'{place} is a '{written}' definition, not '{purpose.value}' rules",
                message_zh=f"'{ref}'{place} 是 '{written}' 用途的定义，不能用作 '{purpose.value}' 规则",
            )
        ]
    return []
