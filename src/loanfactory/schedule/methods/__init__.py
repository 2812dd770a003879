"""The repayment-method registry (还款方式): one module per method, each declaring a :class:`Method`.

:func:`registered` lists them in the order documents and menus show them; :func:`method_of` finds
the entry of a name, :func:`find_method` reads what a person typed (name or Chinese label).
Everything that depends on a method — the engine, the vectorised path, the product language and its
JSON Schema, the command line, the documents' tables and the contract wording — reads this
registry. ``docs/architecture.md`` has the recipe for adding a method.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput, hint_for
from loanfactory.schedule.methods import _annuity as annuity
from loanfactory.schedule.methods import _balloon as balloon
from loanfactory.schedule.methods import _bullet as bullet
from loanfactory.schedule.methods import _equal_principal as equal_principal
from loanfactory.schedule.methods import _flat as flat
from loanfactory.schedule.methods import _interest_only as interest_only
from loanfactory.schedule.methods import _step as step
from loanfactory.schedule.methods._balloon import Balloon
from loanfactory.schedule.methods._method import Built, Method, RowBuilder, VectorKernel
from loanfactory.schedule.methods._step import Step

_MODULES = (annuity, equal_principal, interest_only, bullet, flat, balloon, step)

_METHODS: Mapping[str, Method] = MappingProxyType({m.METHOD.name: m.METHOD for m in _MODULES})
_SETTINGS = frozenset().union(*(m.settings for m in _METHODS.values()))

if set(_METHODS) != set(RepaymentMethod):  # a name without a module, or a module without a name
    raise ImportError(f"repayment methods and their modules differ: {set(_METHODS) ^ set(RepaymentMethod)}")


def registered() -> tuple[Method, ...]:
    """Every registered method, in the order documents and menus show them."""
    return tuple(_METHODS.values())


def setting_names() -> frozenset[str]:
    """The :class:`~loanfactory.schedule.LoanTerms` fields that are some method's settings."""
    return _SETTINGS


def method_of(name: RepaymentMethod | str) -> Method:
    """The registered method called ``name`` (raises :class:`InvalidInput` naming ``method``)."""
    try:
        return _METHODS[name]  # a str finds its StrEnum key: no enum call on the hot path
    except (KeyError, TypeError):
        raise _unknown(str(name)) from None


def find_method(text: str) -> RepaymentMethod:
    """The method a person meant: its name (``equal_principal`` or ``equal-principal``), its Chinese
    label (等额本金) or an alias (等额递增); raises :class:`InvalidInput` with a did-you-mean."""
    wanted = text.strip()
    spelled = wanted.lower().replace("-", "_")
    for method in _METHODS.values():
        if spelled == method.name.value or wanted in (method.zh, *method.aliases):
            return method.name
    raise _unknown(wanted)


def _unknown(text: str) -> InvalidInput:
    names = [m.name.value for m in _METHODS.values()]
    hint, hint_zh = hint_for(text, names)
    labels = "、".join(f"{m.name.value} {m.zh}" for m in _METHODS.values())
    return InvalidInput(
        f"unknown method '{text}' (one of {', '.join(names)})" + (f"; {hint}" if hint else ""),
        field="method",
        message_zh=f"未知的还款方式 '{text}'（可选：{labels}）" + (f"；{hint_zh}" if hint_zh else ""),
    )


__all__ = [
    "Balloon",
    "Built",
    "Method",
    "RowBuilder",
    "Step",
    "VectorKernel",
    "find_method",
    "method_of",
    "registered",
    "setting_names",
]
