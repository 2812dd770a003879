"""loanfactory — a loan product factory and rules engine for CNY lending.

Products and rules are YAML; loanfactory validates them, compiles the rules once, and gives an
executable product: eligibility with reasons, pricing, limits, offers with an exact schedule and
APR, and servicing of the loan for its whole life. See ``docs/`` for the guides.

The names below are the public API. They are imported on first use, so ``import loanfactory``
(and the command line) stays fast::

    from loanfactory import ProductCatalog, Lender
"""

from __future__ import annotations

import importlib
from importlib.metadata import version as _version
from typing import TYPE_CHECKING, Any

__version__ = _version("loanfactory")  # one place: the version pyproject.toml states

_EXPORTS: dict[str, str] = {
    "Decision": "loanfactory.rules",
    "DecisionFlow": "loanfactory.rules",
    "Diagnostic": "loanfactory.errors",
    "Facts": "loanfactory.facts",
    "InvalidInput": "loanfactory.errors",
    "Lender": "loanfactory.lender",
    "LoanTerms": "loanfactory.schedule",
    "LoanfactoryError": "loanfactory.errors",
    "LprSeries": "loanfactory.lpr",
    "NotFound": "loanfactory.errors",
    "Origination": "loanfactory.origination",
    "Product": "loanfactory.product",
    "ProductCatalog": "loanfactory.product",
    "ProductSpec": "loanfactory.spec",
    "Quote": "loanfactory.quote",
    "RoundingMode": "loanfactory.money",
    "RoundingPolicy": "loanfactory.money",
    "Schedule": "loanfactory.schedule",
    "Servicing": "loanfactory.servicing",
    "SpecError": "loanfactory.errors",
    "StateConflict": "loanfactory.errors",
    "annual_percentage_rate": "loanfactory.schedule",
    "build_schedule": "loanfactory.schedule",
    "load_catalog": "loanfactory.catalog",
    "load_product": "loanfactory.spec",
}

__all__ = [
    "Decision",
    "DecisionFlow",
    "Diagnostic",
    "Facts",
    "InvalidInput",
    "Lender",
    "LoanTerms",
    "LoanfactoryError",
    "LprSeries",
    "NotFound",
    "Origination",
    "Product",
    "ProductCatalog",
    "ProductSpec",
    "Quote",
    "RoundingMode",
    "RoundingPolicy",
    "Schedule",
    "Servicing",
    "SpecError",
    "StateConflict",
    "__version__",
    "annual_percentage_rate",
    "build_schedule",
    "load_catalog",
    "load_product",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loanfactory' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and editors; at run time the names load lazily
    from loanfactory.catalog import load_catalog
    from loanfactory.errors import (
        Diagnostic,
        InvalidInput,
        LoanfactoryError,
        NotFound,
        SpecError,
        StateConflict,
    )
    from loanfactory.facts import Facts
    from loanfactory.lender import Lender
    from loanfactory.lpr import LprSeries
    from loanfactory.money import RoundingMode, RoundingPolicy
    from loanfactory.origination import Origination
    from loanfactory.product import Product, ProductCatalog
    from loanfactory.quote import Quote
    from loanfactory.rules import Decision, DecisionFlow
    from loanfactory.schedule import LoanTerms, Schedule, annual_percentage_rate, build_schedule
    from loanfactory.servicing import Servicing
    from loanfactory.spec import ProductSpec, load_product
