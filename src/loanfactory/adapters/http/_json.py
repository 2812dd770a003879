"""JSON request bodies read strictly: a key given twice, ``NaN``/``Infinity`` and absurd documents
are refused at the edge, before any handler sees the body.

Python's ``json`` (which FastAPI uses) keeps the last of two equal keys and reads ``NaN``,
``Infinity`` and ``1e999`` (as infinity), which are not JSON numbers: ``{"amount": "1",
"amount": "100000"}`` would be an amount of 100000 that a reviewer of the request log reads
as 1. :func:`body_problem` parses the body once with hooks that notice these, and names where:
``["body", "items", 0, "amount"]``.
A body that is not JSON at all is left to the request validation, which reports its position.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BodyProblem:
    """Why a JSON body is refused (status 422), in English and Chinese, and where."""

    code: str
    kind: str
    loc: tuple[str | int, ...]
    message: str
    message_zh: str


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


class _NotJson(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(constant)
        self.constant = constant


class _TooLong(ValueError):
    pass


MAX_INTEGER_DIGITS = 100  # no integer of the API comes near; Python's own limit is 4300


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return obj


def _constant(name: str) -> Any:
    raise _NotJson(name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 reads as infinity
        raise _NotJson(text[:20])
    return value


def _integer(text: str) -> int:
    if len(text) > MAX_INTEGER_DIGITS:
        raise _TooLong(text[:20])
    return int(text)


def is_json(content_type: str | None) -> bool:
    """Whether the body is parsed as JSON (``application/json`` or ``application/*+json``)."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def body_problem(body: bytes) -> BodyProblem | None:
    """The first reason to refuse this JSON body, or None (also when it is not JSON at all)."""
    if not body.strip():
        return None
    try:
        document = json.loads(
            body, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer, parse_float=_float
        )
    except _NotJson as exc:
        return BodyProblem(
            "invalid-json",
            "non_finite_number",
            ("body",),
            f"'{exc.constant}' is not a JSON number",
            f"'{exc.constant}' 不是合法的 JSON 数字",
        )
    except RecursionError:
        return BodyProblem(
            "invalid-json", "too_deep", ("body",), "the JSON is nested too deeply", "JSON 嵌套层数过多"
        )
    except _TooLong:
        return BodyProblem(
            "invalid-json", "number_too_long", ("body",), "a number has too many digits", "数字位数过多"
        )
    except ValueError:  # not JSON, or not UTF-8: the request validation reports it
        return None
    return _first_repeat(document, ("body",))


def _first_repeat(node: Any, where: tuple[str | int, ...]) -> BodyProblem | None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(node, where)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, _Object):
            if value.repeated:
                key = value.repeated[0][:100]
                return BodyProblem(
                    "duplicate-key",
                    "duplicate_key",
                    (*at, key),
                    f"the key '{key}' appears more than once in this object",
                    f"该对象中的字段 '{key}' 出现了多次",
                )
            stack.extend((child, (*at, k)) for k, child in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((child, (*at, i)) for i, child in reversed(list(enumerate(value))))
    return None
