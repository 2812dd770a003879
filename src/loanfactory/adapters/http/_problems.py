"""Errors as ``application/problem+json`` (RFC 9457), in Chinese or English by ``Accept-Language``.

Every error leaves the API in one shape::

    {"type": "urn:loanfactory:problem:state-conflict", "title": "Conflict", "status": 409,
     "detail": "the application is already decided", "code": "state-conflict",
     "instance": "/v1/applications/app_1/consents", "request_id": "…",
     "errors": [{"loc": ["body", "amount"], "msg": "…", "type": "…"}]}

The core's exceptions map onto statuses (InvalidInput 422, NotFound 404, StateConflict 409,
ConcurrentUpdate 409, ServiceUnavailable 503); pydantic's request validation becomes 422 with one
entry per field. Submitted values are not copied into errors (pydantic's ``input`` is dropped,
and identity, phone and card numbers in messages are masked), and nothing shows a traceback:
an unexpected exception is a 500 with the request id to quote to support.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from loanfactory.errors import FieldError, Language, LoanfactoryError, SpecError
from loanfactory.pii import mask_text

PROBLEM_JSON = "application/problem+json"

TITLES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "请求有误"),
    401: ("Unauthenticated", "未认证"),
    403: ("Forbidden", "无权访问"),
    404: ("Not found", "未找到"),
    405: ("Method not allowed", "不支持该请求方法"),
    406: ("Not acceptable", "无法提供所需格式"),
    409: ("Conflict", "状态冲突"),
    413: ("Request too large", "请求体过大"),
    415: ("Unsupported media type", "不支持的内容类型"),
    422: ("Invalid request", "请求参数不合法"),
    428: ("Precondition required", "缺少必要的请求头"),
    429: ("Too many requests", "请求过于频繁"),
    500: ("Internal error", "内部错误"),
    501: ("Not implemented", "功能未启用"),
    503: ("Service unavailable", "服务暂不可用"),
}

# pydantic error types -> Chinese wording (the English comes from pydantic itself)
_ZH_BY_TYPE = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为带时区的时间",
    "enum": "不是可选值之一",
    "literal_error": "不是可选值之一",
    "string_too_short": "字符串太短",
    "string_too_long": "字符串太长",
    "string_pattern_mismatch": "格式不正确",
    "greater_than": "数值太小",
    "greater_than_equal": "数值太小",
    "less_than": "数值太大",
    "less_than_equal": "数值太大",
    "too_short": "元素太少",
    "too_long": "元素太多",
    "value_error": "取值不合法",
}


class FieldProblem(BaseModel):
    """Where in the request a value is wrong, and why."""

    loc: list[str | int] = Field(examples=[["body", "amount"]])
    msg: str
    type: str = "invalid"


class Problem(BaseModel):
    """The body of every error response (RFC 9457 problem details)."""

    type: str = Field(examples=["urn:loanfactory:problem:invalid-input"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable, documented error code", examples=["invalid-input"])
    instance: str = Field(description="The path of the request")
    request_id: str = ""
    errors: list[FieldProblem] = Field(default_factory=list)


class ApiProblem(Exception):
    """Raised by the HTTP layer to answer with a problem (auth, idempotency, rate limits, ...)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_zh: str | None = None,
        *,
        errors: Sequence[FieldProblem] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_zh = message_zh or message
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def localized(self, lang: Language) -> str:
        return self.message_zh if lang == "zh" else self.message


def negotiate_language(header: str | None) -> Language:
    """``zh`` or ``en`` from an Accept-Language header (q-values honoured); English by default."""
    if not header:
        return "en"
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        head = tag.strip().lower().split("-")[0]
        if head in ("zh", "en") and quality > 0:
            lang: Language = "zh" if head == "zh" else "en"
            candidate = (quality, -position, lang)
            if best is None or candidate > best:
                best = candidate
    return best[2] if best else "en"


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str,
    lang: Language,
    request_id: str = "",
    errors: Iterable[FieldProblem] = (),
) -> bytes:
    title_en, title_zh = TITLES.get(status, ("Error", "错误"))
    problem = {
        "type": f"urn:loanfactory:problem:{code}",
        "title": title_zh if lang == "zh" else title_en,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": mask_text(instance),
        "request_id": request_id,
        "errors": [e.model_dump() for e in errors],
    }
    return json.dumps(problem, ensure_ascii=False, separators=(",", ":")).encode()


def split_field(field: str | None, *, in_body: bool) -> list[str | int]:
    """``schedule[2].amount`` -> ``["body", "schedule", 2, "amount"]``."""
    if not field:
        return ["body"] if in_body else []
    parts: list[str | int] = []
    for chunk in field.replace("]", "").split("."):
        name, *indexes = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i) if i.isdigit() else i for i in indexes)
    return (["body", *parts]) if in_body else parts


def from_domain_error(
    exc: LoanfactoryError, lang: Language, *, in_body: bool
) -> tuple[int, list[FieldProblem]]:
    """The status (from the code table) and field problems for one of the core's exceptions."""
    if isinstance(exc, SpecError):
        errors = [
            FieldProblem(
                loc=split_field(d.path, in_body=in_body), msg=d.in_language(lang).message, type=d.code
            )
            for d in exc.diagnostics
        ]
        return exc.status, errors
    status = exc.status
    errors = []
    if exc.field:
        errors.append(
            FieldProblem(loc=split_field(exc.field, in_body=in_body), msg=exc.localized(lang), type=exc.code)
        )
    return status, errors


def from_validation_errors(raw: Sequence[Any], lang: Language) -> list[FieldProblem]:
    """pydantic/FastAPI validation errors without their input values."""
    out = []
    for error in raw:
        kind = str(error.get("type", "invalid"))
        message = str(error.get("msg", "invalid value"))
        ours = (error.get("ctx") or {}).get("error")
        if isinstance(ours, FieldError):  # our own parsers (money, rates...) say it in both languages
            message = ours.error.localized(lang)
        elif lang == "zh":
            zh = _ZH_BY_TYPE.get(kind, "取值不合法")
            message = zh if kind in ("missing", "extra_forbidden", "json_invalid") else f"{zh}（{message}）"
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        out.append(FieldProblem(loc=loc, msg=mask_text(message), type=kind))
    return out
