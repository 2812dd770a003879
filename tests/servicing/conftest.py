"""Fixtures of the servicing tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servicing_world import World


@pytest.fixture
def world() -> Iterator[World]:
    return World()
