"""Helpers for the product-language tests: products written in a test's docstring, YAML dumping.

``@product_doc`` (after beancount's ``@loader.load_doc``) loads the decorated test's docstring as
a product file and calls the test with ``(spec, diagnostics)``; the templates and fragments of
``products/`` are available to it. ``load(text)`` does the same for a string.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic
from loanfactory.spec import Library, ProductSpec, load_product_text

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "products"
BROKEN = Path(__file__).resolve().parent / "broken"
SAMPLE_CODES = (
    "auto_loan",
    "bridge_loan",
    "consumer_credit",
    "consumer_credit_plus",
    "home_mortgage",
    "micro_business",
    "salary_loan",
    "supply_chain",
)


@cache
def _shared_documents() -> tuple[Document, ...]:
    documents = []
    for path in sorted([*PRODUCTS.glob("templates/*.yaml"), *PRODUCTS.glob("fragments/*.yaml")]):
        document, problems = load_document(path)
        assert document is not None, problems
        assert not problems, problems
        documents.append(document)
    return tuple(documents)


def sample_library() -> Library:
    """A fresh library holding the templates and fragments of ``products/``."""
    return Library(_shared_documents())


def load(
    text: str, *, file: str = "<test>", library: Library | None = None
) -> tuple[ProductSpec | None, list[Diagnostic]]:
    """A product from (dedented) YAML text, with the sample templates and fragments available."""
    return load_product_text(textwrap.dedent(text), file=file, library=library or sample_library())


def product_doc(test: Callable[..., Any]) -> Callable[..., Any]:
    """Load the test's docstring as a product; call the test with ``(spec, diagnostics, ...)``."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        spec, diagnostics = load(test.__doc__ or "", file=f"<{test.__name__}>")
        return test(spec, diagnostics, *args, **kwargs)

    parameters = list(inspect.signature(test).parameters.values())[2:]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    del run.__wrapped__  # pytest must not look through to (spec, diagnostics)
    return run


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def codes(diagnostics: Iterable[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def only(diagnostics: Iterable[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {[d.format() for d in diagnostics]}"
    return found[0]


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


def _date(dumper: yaml.SafeDumper, value: date) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(date, _date)


def dump(data: Any) -> str:
    """YAML text of plain data (Decimals written exactly, dates as dates), block style."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False)


def sample_data(code: str = "consumer_credit") -> dict[str, Any]:
    """The parsed data of a sample product file (a fresh copy)."""
    document, _ = load_document(PRODUCTS / f"{code}.yaml")
    assert document is not None
    return _copy(document.data)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def changed(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with the dotted ``path`` set to ``value`` (``...`` deletes it)."""
    out = _copy(data)
    node = out
    parts = [int(p) if p.isdigit() else p for p in path.split(".")]
    for part in parts[:-1]:
        node = node[part]
    if value is ...:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return out
