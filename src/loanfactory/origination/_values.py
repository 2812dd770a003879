"""Small shared pieces of the origination models: the value base, localized reasons, input parsing.

Inputs arrive as pydantic models or plain mappings; :func:`parse_input` turns a pydantic
validation failure into one :class:`~loanfactory.errors.InvalidInput` naming the field, so API
misuse is a clear error in English and Chinese and never a pydantic traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ValidationError

from loanfactory.entity import AwareDatetime as AwareDatetime
from loanfactory.entity import Value as Value
from loanfactory.errors import FieldError, InvalidInput, format_path

M = TypeVar("M", bound=BaseModel)


class StepReason(Value):
    """Why a step decided as it did, in both languages (原因)."""

    code: str
    en: str
    zh: str
    rule: str | None = None  # the rule (or rule set) that produced it

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _exact(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    return value


ExactDecimal = Annotated[Decimal, AfterValidator(_exact)]
"""A rate or ratio kept exactly (fractions of one); JSON keeps every digit."""


def parse_input(model: type[M], data: M | Mapping[str, Any], *, field: str | None = None) -> M:
    """``data`` validated as ``model``; any problem raises :class:`InvalidInput` naming the field."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if not isinstance(data, Mapping):
        raise InvalidInput(f"expected {model.__name__} or a mapping, got {type(data).__name__}", field=field)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _as_invalid_input(exc, field) from None


def _as_invalid_input(exc: ValidationError, prefix: str | None) -> InvalidInput:
    first = exc.errors()[0]
    path = format_path([p for p in (prefix, *first["loc"]) if p is not None and p != ""])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        inner = cause.error
        return InvalidInput(
            inner.message, field=path or inner.field, code=inner.code, message_zh=inner.message_zh
        )
    message = str(first["msg"]).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return InvalidInput(
        message + suffix, field=path or None, message_zh=f"字段 {path or '输入'} 无效：{message}"
    )
