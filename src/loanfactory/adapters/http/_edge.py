"""The ASGI middleware at the edge of the API: request ids, rate limits, strict JSON, access logs,
last-resort errors.

One pure ASGI middleware (no per-request task) does these things for every request:

- **request id**: ``X-Request-ID`` is taken from the request when it is a sane token (≤ 128
  characters of ``[A-Za-z0-9._-]``) or made up, kept in ``scope["state"]["request_id"]``, returned
  in the response header and written in every log line;
- **rate limit**: one token from the caller's bucket (keyed by a digest of the credential, or the
  client address) or a 429 problem with ``Retry-After``;
- **failed authentication**: every 401 answered takes a token from the client address's bucket
  of failures; while that bucket is empty, the address gets 429 for every request (valid
  credentials too: a run of fresh bogus keys cannot be told apart from a guess that hits), so
  minting credentials does not escape the limit;
- **strict JSON**: a JSON body is read whole (within the size limit) and refused with a 422
  problem when a key appears twice in an object or it holds ``NaN``/``Infinity``
  (:mod:`loanfactory.adapters.http._json`); the handler then reads the same bytes;
- **access log**: ``method path status ms request_id key`` on the ``loanfactory.http`` logger,
  with identity, phone and card numbers masked (``loanfactory.pii.mask_text``);
- **last resort**: an exception no handler caught becomes a 500 problem naming the request id;
  the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
import traceback
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loanfactory.adapters.http._json import body_problem, is_json
from loanfactory.adapters.http._limits import RateLimiter
from loanfactory.adapters.http._problems import PROBLEM_JSON, FieldProblem, negotiate_language, problem_body
from loanfactory.pii import PiiLogFilter, mask_text

log = logging.getLogger("loanfactory.http")
if not any(isinstance(f, PiiLogFilter) for f in log.filters):
    log.addFilter(PiiLogFilter())

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _length(scope: Scope) -> int:
    declared = _header(scope, b"content-length") or "0"
    return int(declared) if declared.isdigit() else 0  # a bad header is h11's business, not a 500


def client_address(scope: Scope) -> str:
    """The client's address (behind a proxy: the one the ASGI server took from trusted proxy headers)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def caller_key(scope: Scope) -> str:
    """A short digest of the credential (never the credential itself), or the client address."""
    credential = _header(scope, b"authorization") or _header(scope, b"x-api-key")
    if credential:
        return "c:" + hashlib.sha256(credential.encode("latin-1")).hexdigest()[:16]
    return "ip:" + client_address(scope)


class _TooLarge(HTTPException):
    """The request body passed the limit while it was read (an HTTPException, so that FastAPI's
    body reader passes it on to the 413 problem handler instead of calling it a parse error)."""

    def __init__(self) -> None:
        super().__init__(413)


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter | None = None,
        auth_failures: RateLimiter | None = None,
        max_body: int = 1024 * 1024,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.auth_failures = auth_failures
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        offered = _header(scope, b"x-request-id")
        request_id = offered if offered and _REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        key = caller_key(scope)
        status = [0]
        rid_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        address = client_address(scope)
        lang = negotiate_language(_header(scope, b"accept-language"))
        try:
            blocked = self.auth_failures.wait(address) if self.auth_failures is not None else 0.0
            wait = blocked or (self.limiter.take(key) if self.limiter is not None else 0.0)
            if wait > 0:
                if blocked:
                    code = "auth-failures"
                    detail = (
                        f"该地址认证失败次数过多，请 {wait:.1f} 秒后重试"
                        if lang == "zh"
                        else f"too many failed authentications from this address; try again in {wait:.1f} s"
                    )
                else:
                    code = "rate-limited"
                    detail = (
                        f"请求过于频繁，请 {wait:.1f} 秒后重试"
                        if lang == "zh"
                        else f"too many requests; try again in {wait:.1f} s"
                    )
                await _send_problem(
                    send_with_id,
                    scope,
                    429,
                    code,
                    detail,
                    request_id,
                    lang,
                    extra=[(b"retry-after", str(max(1, math.ceil(wait))).encode())],
                )
            elif _length(scope) > self.max_body:
                raise _TooLarge
            elif scope["method"] in _WITH_BODY and is_json(_header(scope, b"content-type")):
                await self._strict_json(scope, self._limited(receive), send_with_id, request_id, lang)
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        except _TooLarge:
            if status[0] == 0:
                detail = (
                    f"请求体超过 {self.max_body} 字节"
                    if lang == "zh"
                    else f"the request body is larger than {self.max_body} bytes"
                )
                await _send_problem(send_with_id, scope, 413, "request-too-large", detail, request_id, lang)
        except Exception as exc:
            trace = mask_text("".join(traceback.format_exception(exc)))  # messages may hold personal numbers
            log.error(
                "unhandled error in %s %s rid=%s\n%s",
                scope["method"],
                mask_text(scope["path"]),
                request_id,
                trace,
            )
            if status[0] == 0:  # nothing sent yet: answer with a problem
                detail = (
                    f"内部错误，请联系支持并提供请求编号 {request_id}"
                    if lang == "zh"
                    else f"internal error; quote request id {request_id} to support"
                )
                await _send_problem(send_with_id, scope, 500, "internal-error", detail, request_id, lang)
        finally:
            if status[0] == 401 and self.auth_failures is not None:
                self.auth_failures.take(address)
            if log.isEnabledFor(logging.INFO):
                elapsed = (time.perf_counter() - started) * 1000
                path = scope["path"] + (
                    "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
                )
                log.info(
                    "%s %s %d %.1fms rid=%s key=%s",
                    scope["method"],
                    mask_text(path),
                    status[0],
                    elapsed,
                    request_id,
                    key,
                )

    async def _strict_json(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, lang: str
    ) -> None:
        """Read the JSON body whole, refuse it or hand the same bytes on to the app."""
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        problem = body_problem(body) if messages[-1]["type"] == "http.request" else None
        if problem is not None:
            zh = lang == "zh"
            error = FieldProblem(
                loc=list(problem.loc),
                msg=mask_text(problem.message_zh if zh else problem.message),
                type=problem.kind,
            )
            detail = "请求体不是严格的 JSON" if zh else "the body is not strict JSON"
            await _send_problem(send, scope, 422, problem.code, detail, request_id, lang, errors=[error])
            return
        whole: Message = {"type": "http.request", "body": body, "more_body": False}
        pending = [whole] if messages[-1]["type"] == "http.request" else [whole, messages[-1]]

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

    def _limited(self, receive: Receive) -> Receive:
        seen = [0]

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > self.max_body:
                    raise _TooLarge
            return message

        return counted


async def _send_problem(
    send: Any,
    scope: Scope,
    status: int,
    code: str,
    detail: str,
    request_id: str,
    lang: str,
    *,
    extra: list[tuple[bytes, bytes]] | None = None,
    errors: list[FieldProblem] | None = None,
) -> None:
    body = problem_body(
        status=status,
        code=code,
        detail=detail,
        instance=scope["path"],
        lang="zh" if lang == "zh" else "en",
        request_id=request_id,
        errors=errors or (),
    )
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"content-language", lang.encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
