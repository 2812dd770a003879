"""Fixtures of the credit-reporting tests."""

from __future__ import annotations

import pytest
from reg_world import RegWorld


@pytest.fixture
def world() -> RegWorld:
    return RegWorld()
