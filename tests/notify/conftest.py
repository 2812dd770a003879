"""Fixtures shared by the notification tests."""

from __future__ import annotations

import pytest

from loanfactory.adapters.notify import TemplateBook


@pytest.fixture(scope="session")
def book() -> TemplateBook:
    return TemplateBook.default(brand="示例银行")
