"""Plumbing shared by the routes: the app's state, the role guard, rendering, idempotent execution.

Handlers stay one-liners: ``guard(operation)`` authenticates and checks the role table;
``call`` runs one backend method (in the thread pool unless it is pure computation) and
``render`` turns its result into JSON with personal numbers masked; ``idempotent`` wraps a
money-moving call so that a retried request gets the first response.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from loanfactory.adapters.http._auth import Authenticator
from loanfactory.adapters.http._limits import IdempotencyCache, StoredResponse
from loanfactory.adapters.http._problems import (
    PROBLEM_JSON,
    ApiProblem,
    from_domain_error,
    negotiate_language,
    problem_body,
)
from loanfactory.adapters.http._roles import ROLE_TABLE, Principal, Role
from loanfactory.adapters.http._views import JsonBytes
from loanfactory.errors import Language, LoanfactoryError
from loanfactory.pii import mask_bank_card, mask_id_number, mask_phone, mask_text
from loanfactory.ports import ConcurrentUpdate, ServiceUnavailable

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
# fields whose values are personal numbers, masked in every response (脱敏)
_MASKS: dict[str, Callable[[str], str]] = {
    "account": mask_bank_card,
    "payee_account": mask_bank_card,
    "number": mask_bank_card,
    "id_number": mask_id_number,
    "phone": mask_phone,
}


@dataclass
class ApiState:
    """Everything a request may need, held on ``app.state.loanfactory`` (no globals)."""

    backend: Any
    auth: Authenticator
    idempotency: IdempotencyCache


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.loanfactory
    return state


def language(request: Request) -> Language:
    return negotiate_language(request.headers.get("accept-language"))


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def guard(operation: str) -> Any:
    """A dependency: the authenticated principal, if the role table admits its role."""
    policy = ROLE_TABLE[operation]

    async def authorized(request: Request) -> Principal:
        principal = api_state(request).auth.authenticate(
            request.headers.get("authorization"), request.headers.get("x-api-key")
        )
        if principal.role not in policy.roles:
            raise ApiProblem(
                403,
                "forbidden-role",
                f"the role '{principal.role.value}' may not call {operation}",
                f"角色 '{principal.role.value}' 无权调用 {operation}",
            )
        if principal.role is Role.customer and principal.customer_id is None:
            bound = await _bound_customer(request, principal)
            if bound is not None:
                return replace(principal, customer_id=bound, bound=True)
        if principal.role is Role.customer and principal.customer_id is None and not policy.newcomer:
            raise ApiProblem(
                403,
                "not-registered",
                "open a customer account first (POST /v1/customers); this sign-in names no customer",
                "请先开户（POST /v1/customers）；当前登录身份尚未对应客户",
            )
        return principal

    return Depends(authorized)


async def _bound_customer(request: Request, principal: Principal) -> str | None:
    """The customer a sign-in of the bank's identity provider was bound to when it opened the account."""
    lookup = getattr(api_state(request).backend, "customer_for_login", None)
    if lookup is None or not principal.key_id.startswith(("j:", "k:")):
        return None
    found: str | None = await run_in_threadpool(lookup, principal.key_id)
    return found


def not_found(what: str, id: str) -> ApiProblem:
    return ApiProblem(404, "not-found", f"no {what} '{id}'", f"找不到{what} '{id}'")


def check_owner(principal: Principal, record: Any, what: str, id: str) -> None:
    """Customers reach only their own records; anything else looks like it does not exist."""
    if principal.role is Role.customer:
        owner = (
            record.get("customer_id") if isinstance(record, Mapping) else getattr(record, "customer_id", None)
        )
        if owner != principal.customer_id:
            raise not_found(what, id)


def customer_scope(principal: Principal, asked: str | None) -> str | None:
    """The customer id a list or command is about: the caller's own for customers."""
    if principal.role is Role.customer:
        if asked is not None and asked != principal.customer_id:
            raise ApiProblem(
                403, "not-your-customer-id", "customers act only for themselves", "客户只能为自己办理业务"
            )
        return principal.customer_id
    return asked


def _method(backend: Any, name: str) -> Callable[..., Any]:
    method = getattr(backend, name, None)
    if method is None:
        raise ApiProblem(
            501, "not-configured", f"this server does not provide '{name}'", f"本服务未启用功能 '{name}'"
        )
    return method  # type: ignore[no-any-return]


def compute(request: Request, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run a pure, in-memory backend method (catalog, quote) on the event loop."""
    return _method(api_state(request).backend, name)(*args, **kwargs)


async def call(request: Request, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run a backend method that touches the store, in the thread pool."""
    return await run_in_threadpool(_method(api_state(request).backend, name), *args, **kwargs)


def plain(result: Any) -> Any:
    """JSON-ready data from a backend result, with personal numbers masked."""
    return _scrub(_jsonable(result))


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): _jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_jsonable(item) for item in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [_jsonable(item) for item in value]
    return value


def _scrub(data: Any) -> Any:
    kind = type(data)
    if kind is dict:
        out = {}
        for key, value in data.items():
            masker = _MASKS.get(key)
            if masker is not None and type(value) is str and value:
                out[key] = masker(value)
            elif type(value) is dict or type(value) is list:
                out[key] = _scrub(value)
            else:
                out[key] = value
        return out
    if kind is list:
        return [_scrub(v) if type(v) is dict or type(v) is list else v for v in data]
    return data


def render(result: Any, status: int = 200, *, public: bool = False) -> Response:
    """A JSON response; ``public`` data (catalog, quotes) is already JSON-safe and holds no
    personal data, so it skips the conversion and masking walk (the quote path is hot), and
    public data the backend encoded already (:class:`JsonBytes`) is sent as it is."""
    if public and type(result) is JsonBytes:
        return Response(result, status_code=status, media_type="application/json")
    data = result if public and type(result) is dict else plain(result)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type="application/json")


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    errors: Sequence[Any] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    lang = language(request)
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=request.url.path,
        lang=lang,
        request_id=request_id(request),
        errors=errors,
    )
    out = Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))
    out.headers["content-language"] = lang
    return out


def domain_problem(request: Request, exc: LoanfactoryError) -> Response:
    lang = language(request)
    status, errors = from_domain_error(exc, lang, in_body=request.method in ("POST", "PUT", "PATCH"))
    return problem_response(request, status, exc.code, mask_text(exc.localized(lang)), errors)


def idempotency_scope(principal: Principal, method: str, path: str, key: str) -> str:
    """Whose request an Idempotency-Key names: the principal (kind of credential, role, subject,
    customer), the route (method and path) and the key; also the key the services receive.

    A digest, so that the parts cannot run into each other and the services' key stays short.
    """
    kind = principal.key_id.partition(":")[0]  # "k" API key, "t" token: separate name spaces
    # a sign-in bound at registration names the same scope before and after (a retried registration
    # replays its answer)
    customer = None if principal.bound else principal.customer_id
    parts = [kind, principal.role.value, principal.subject, customer, method, path, key]
    return "api:" + hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


async def idempotent(
    request: Request,
    principal: Principal,
    key: str | None,
    run: Callable[[str], Awaitable[Any]],
    status: int = 200,
) -> Response:
    """Run ``run(service_key)`` once per Idempotency-Key and scope (:func:`idempotency_scope`);
    a retry with the same body gets the first response back, another body is refused."""
    if key is None or not key.strip():
        raise ApiProblem(
            428,
            "idempotency-key-required",
            "this request needs an 'Idempotency-Key' header (it moves money or binds the customer)",
            "该请求必须带 'Idempotency-Key' 请求头（涉及资金或对客户有约束力）",
        )
    if not _KEY.match(key):
        raise ApiProblem(
            422,
            "invalid-idempotency-key",
            "an Idempotency-Key is 1-200 visible ASCII characters",
            "Idempotency-Key 应为 1-200 个可见 ASCII 字符",
        )
    scope = idempotency_scope(principal, request.method, request.url.path, key)
    digest = hashlib.sha256(await request.body())
    cache = api_state(request).idempotency
    earlier = cache.begin(scope, digest.hexdigest())
    if isinstance(earlier, StoredResponse):
        replay = Response(earlier.body, status_code=earlier.status, media_type=earlier.media_type)
        replay.headers["idempotent-replayed"] = "true"
        return replay
    if earlier == IdempotencyCache.IN_FLIGHT:
        raise ApiProblem(
            409,
            "idempotency-key-in-use",
            "a request with this key is still running",
            "使用该幂等键的请求仍在处理中",
        )
    if earlier == "mismatch":
        raise ApiProblem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used for a different request",
            "该幂等键已用于另一个不同的请求",
        )
    try:
        response = render(await run(scope), status)
    except (ConcurrentUpdate, ServiceUnavailable):  # worth a retry under the same key: not kept
        cache.finish(scope, None)
        raise
    except LoanfactoryError as exc:
        response = domain_problem(request, exc)
    except BaseException:
        cache.finish(scope, None)
        raise
    stored = StoredResponse(
        response.status_code,
        bytes(response.body),
        response.media_type or "application/json",
        digest.hexdigest(),
        0.0,
    )
    cache.finish(scope, stored if response.status_code < 500 else None)
    return response


async def as_staff(
    request: Request,
    principal: Principal,
    key: str | None,
    method: str,
    *args: Any,
    status: int = 200,
) -> Response:
    """Run the backend's ``method`` once per Idempotency-Key (:func:`idempotent`) for a staff
    member: their subject and role go with the call, for the service's role and four-eyes checks."""

    async def run(service_key: str) -> object:
        return await call(
            request, method, *args, actor=principal.subject, role=principal.role.value, key=service_key
        )

    return await idempotent(request, principal, key, run, status)
