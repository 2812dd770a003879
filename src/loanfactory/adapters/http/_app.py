"""The application factory: ``create_app(backend, auth=...)`` builds the versioned API.

Everything the API uses is passed in (the backend facade, the authenticator, the rate limiter,
the idempotency cache); nothing is read from globals or the environment here, so tests and
embedding applications build as many independent apps as they like.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

import loanfactory
from loanfactory.adapters.http import (
    _routes_accounts,
    _routes_admin,
    _routes_archive,
    _routes_campaigns,
    _routes_catalog,
    _routes_customers,
    _routes_disposals,
    _routes_origination,
    _routes_payments,
    _routes_service,
    _routes_servicing,
)
from loanfactory.adapters.http._auth import Authenticator
from loanfactory.adapters.http._deps import ApiState, domain_problem, language, problem_response
from loanfactory.adapters.http._edge import EdgeMiddleware
from loanfactory.adapters.http._limits import IdempotencyCache, RateLimiter
from loanfactory.adapters.http._problems import ApiProblem, FieldProblem, Problem, from_validation_errors
from loanfactory.errors import LoanfactoryError
from loanfactory.pii import mask_text
from loanfactory.ports import ConcurrentUpdate, ServiceUnavailable

PREFIX = "/v1"
MAX_BODY = 1024 * 1024
TAGS = [
    {"name": "auth", "description": "Who is calling"},
    {"name": "catalog", "description": "Browse, filter, compare and recommend products (产品目录)"},
    {"name": "quotes", "description": "Price a loan: schedule, fees and APR (报价试算)"},
    {
        "name": "applications",
        "description": "Apply, upload document metadata, consent, follow the result (贷款申请)",
    },
    {
        "name": "customers",
        "description": "Open an account, profile and tags, credit line, repayment records (客户账户)",
    },
    {"name": "reviews", "description": "Manual review with four-eyes (人工审批)"},
    {"name": "offers", "description": "Accept or decline an offer; accepting draws up the contract (报价)"},
    {
        "name": "payout accounts",
        "description": "A customer's verified payout accounts; only the customer changes them (放款账户)",
    },
    {"name": "contracts", "description": "View and sign contracts (合同)"},
    {"name": "disbursements", "description": "Pay out loans or tranches to verified accounts (放款)"},
    {"name": "loans", "description": "Loans, schedules and payoff quotes (贷后)"},
    {
        "name": "collections",
        "description": "Repayment and prepayment requests, payment callbacks, offline payments and "
        "reversals with four-eyes (收款与冲正)",
    },
    {"name": "end of day", "description": "The end-of-day batch (日终)"},
    {"name": "products", "description": "Publish, pause and take products offline (产品上下架)"},
    {"name": "reports", "description": "Portfolio, overdue and regulatory reports (报表)"},
    {"name": "service", "description": "Self-service answers, tickets and complaints (客户服务与投诉)"},
    {"name": "campaigns", "description": "Campaigns and their effect, for marketing (营销活动与效果)"},
    {"name": "notifications", "description": "A customer's notification settings (消息通知设置)"},
    {"name": "archive", "description": "The compliance archive for auditors (合规档案)"},
]
_HTTP_CODES = {
    404: "no-such-route",
    405: "method-not-allowed",
    413: "request-too-large",
    415: "unsupported-media-type",
}


def create_app(
    backend: Any,
    *,
    auth: Authenticator,
    rate_limit: RateLimiter | None = None,
    auth_failures: RateLimiter | None = None,
    idempotency: IdempotencyCache | None = None,
    title: str = "loanfactory API",
    providers: Mapping[str, str] | None = None,
) -> FastAPI:
    """The HTTP API over ``backend`` (see :class:`loanfactory.adapters.http.Backend`).

    ``rate_limit`` limits requests per credential; ``auth_failures`` limits failed
    authentications per client address (both off when None). ``providers`` (name -> configured
    or simulated) is shown at ``GET /v1/health``, so nobody mistakes a simulation for the real thing.
    """
    app = FastAPI(
        title=title,
        version=loanfactory.__version__,
        description=_DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        openapi_tags=TAGS,
    )
    app.state.loanfactory = ApiState(
        backend=backend, auth=auth, idempotency=idempotency or IdempotencyCache()
    )
    for module in (
        _routes_catalog,
        _routes_customers,
        _routes_origination,
        _routes_accounts,
        _routes_servicing,
        _routes_payments,
        _routes_disposals,
        _routes_admin,
        _routes_archive,
        _routes_service,
        _routes_campaigns,
    ):
        app.include_router(module.router, prefix=PREFIX)

    shown = dict(providers or {})

    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(f"{PREFIX}/health", include_in_schema=False)
    async def health_with_providers() -> dict[str, Any]:
        return {"status": "ok", "providers": shown}

    _install_handlers(app)
    app.add_middleware(EdgeMiddleware, limiter=rate_limit, auth_failures=auth_failures, max_body=MAX_BODY)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _install_handlers(app: FastAPI) -> None:
    async def api_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        return problem_response(
            request, exc.status, exc.code, exc.localized(language(request)), exc.errors, exc.headers
        )

    async def invalid_request(request: Request, exc: Exception) -> Response:
        raw = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
        lang = language(request)
        errors = from_validation_errors(raw, lang)
        detail = (
            f"请求有 {len(errors)} 处错误" if lang == "zh" else f"the request has {len(errors)} problem(s)"
        )
        return problem_response(request, 422, "invalid-request", detail, errors)

    async def domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoanfactoryError)
        return domain_problem(request, exc)

    async def conflict(request: Request, exc: Exception) -> Response:
        zh = language(request) == "zh"
        detail = "数据已被其他请求修改，请重试" if zh else "the record changed meanwhile; retry the request"
        return problem_response(request, 409, "concurrent-update", detail)

    async def unavailable(request: Request, exc: Exception) -> Response:
        zh = language(request) == "zh"
        detail = (
            "依赖的服务暂不可用，请稍后重试"
            if zh
            else f"a service we depend on did not answer: {mask_text(str(exc))}"
        )
        return problem_response(request, 503, "service-unavailable", detail, headers={"Retry-After": "5"})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        zh = language(request) == "zh"
        detail = {
            404: ("no such endpoint", "没有这个接口"),
            405: ("method not allowed on this endpoint", "该接口不支持此请求方法"),
            413: (f"the request body is larger than {MAX_BODY} bytes", f"请求体超过 {MAX_BODY} 字节"),
        }.get(exc.status_code, (str(exc.detail), str(exc.detail)))[1 if zh else 0]
        return problem_response(request, exc.status_code, code, detail, headers=exc.headers)

    app.add_exception_handler(ApiProblem, api_problem)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(ValidationError, invalid_request)
    app.add_exception_handler(LoanfactoryError, domain)
    app.add_exception_handler(ConcurrentUpdate, conflict)
    app.add_exception_handler(ServiceUnavailable, unavailable)
    app.add_exception_handler(HTTPException, http_error)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["FieldProblem"] = FieldProblem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (lf_…) or a signed token (lf1.…)",
        },
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    schema["security"] = [{"bearer": []}, {"apiKey": []}]
    # FastAPI documents its own 422 shape; ours is the problem document
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "422" in operation.get("responses", {}):
                operation["responses"]["422"]["content"] = {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


_DESCRIPTION = """
The loanfactory HTTP API: browse and compare loan products, quote, apply, follow the application,
sign, see the loan and repay; staff review, disburse, run end of day and read reports.

* **Auth**: `Authorization: Bearer <API key or signed token>` (or `X-API-Key`). Each operation lists
  the roles it admits; customers reach only their own applications, contracts and loans.
* **Errors**: `application/problem+json` with a stable `code`, a message in Chinese or English
  (`Accept-Language`) and field locations in `errors`.
* **Money-moving POSTs** need an `Idempotency-Key`; a retry with the same key gets the first response.
* **Rate limits** per credential, and of failed authentications per client address: `429` with
  `Retry-After`. Every response carries `X-Request-ID`.
* **Bodies** are strict JSON (a key given twice is refused); amounts are strings of ASCII digits
  with at most two decimals (`"4333.33"`), or integers.
"""
