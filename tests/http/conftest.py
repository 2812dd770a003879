"""Fixtures of the HTTP tests: the fake backend, the app over it and a client."""

from __future__ import annotations

import pytest
from http_fakes import ApiClient, FakeBackend, authenticator

from loanfactory.adapters.http import create_app


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def client(backend: FakeBackend) -> ApiClient:
    return ApiClient(create_app(backend, auth=authenticator()))
