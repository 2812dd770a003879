"""OpenAPI decoration of each operation: id, tag, roles line and the problem responses."""

from __future__ import annotations

from typing import Any

from loanfactory.adapters.http._problems import PROBLEM_JSON
from loanfactory.adapters.http._roles import ROLE_TABLE, roles_line

_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_COMMON = {
    401: "No or invalid credentials",
    403: "The caller's role may not do this",
    422: "The request is invalid (field locations in `errors`)",
    429: "Rate limit exceeded (see `Retry-After`)",
}


def op(operation: str, summary: str, *, extra: dict[int, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for a route decorator."""
    described = {**_COMMON, **(extra or {})}
    if ROLE_TABLE[operation].keyed:
        described.update(
            {409: "A request with this key is still running", 428: "Idempotency-Key header missing"}
        )
    return {
        "operation_id": operation,
        "summary": summary,
        "description": roles_line(operation),
        "responses": {
            code: {"description": text, "content": _PROBLEM} for code, text in sorted(described.items())
        },
        "openapi_extra": {"x-roles": sorted(r.value for r in ROLE_TABLE[operation].roles)},
    }
