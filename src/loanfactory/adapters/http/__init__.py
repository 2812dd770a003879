"""The HTTP API (FastAPI) over the loanfactory services, versioned under ``/v1``.

Build it with :func:`create_app`, passing the backend (:class:`ServiceBackend` over a
:class:`~loanfactory.lender.Lender`, or anything implementing :class:`Backend`) and an
:class:`Authenticator` holding API keys and a token signer::

    keys = KeyRing(); keys.add("ops-console", Role.operations, "lf_…")
    app = create_app(ServiceBackend(lender), auth=Authenticator(keys, TokenSigner(secret)),
                     rate_limit=RateLimiter(rate=50, burst=100))

See ``docs/http-api.md`` for roles, errors, idempotency and examples.
"""

from __future__ import annotations

from loanfactory.adapters.http._app import PREFIX, create_app
from loanfactory.adapters.http._auth import (
    ApiKey,
    Authenticator,
    KeyRing,
    TokenSigner,
    key_digest,
    new_api_key,
)
from loanfactory.adapters.http._backend import Backend
from loanfactory.adapters.http._limits import IdempotencyCache, RateLimiter
from loanfactory.adapters.http._problems import PROBLEM_JSON, ApiProblem, Problem, negotiate_language
from loanfactory.adapters.http._roles import ROLE_TABLE, Policy, Principal, Role
from loanfactory.adapters.http._service_backend import ServiceBackend
from loanfactory.adapters.http._wiring import ServerSettings, build_server

__all__ = [  # noqa: RUF022 - plain sorted() order, as the architecture test checks
    "ApiKey",
    "ApiProblem",
    "Authenticator",
    "Backend",
    "IdempotencyCache",
    "KeyRing",
    "PREFIX",
    "PROBLEM_JSON",
    "Policy",
    "Principal",
    "Problem",
    "ROLE_TABLE",
    "RateLimiter",
    "Role",
    "ServerSettings",
    "ServiceBackend",
    "TokenSigner",
    "build_server",
    "create_app",
    "key_digest",
    "negotiate_language",
    "new_api_key",
]
