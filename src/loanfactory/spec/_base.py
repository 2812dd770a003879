"""The base of every product-language model, and the small shared value types.

Every section is a frozen pydantic model that forbids unknown keys (so a typo is a located
``unknown-key`` error with a did-you-mean). Cross-field rules are not raised inside pydantic: each
model yields :class:`CrossFieldProblem` values from :meth:`SpecModel.problems`, with a path relative to the
model, so the loader can place them at the exact line and column of the offending value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

PathPart = str | int


@dataclass(frozen=True, slots=True)
class CrossFieldProblem:
    """A cross-field problem found in a validated model; ``path`` is relative to that model."""

    path: tuple[PathPart, ...]
    code: str
    message: str
    message_zh: str
    hint: str | None = None
    hint_zh: str | None = None
    severity: str = "error"
    key: bool = False  # placed at the key rather than its value

    def under(self, *prefix: PathPart) -> CrossFieldProblem:
        """The same problem seen from an enclosing model."""
        return CrossFieldProblem(
            (*prefix, *self.path),
            self.code,
            self.message,
            self.message_zh,
            self.hint,
            self.hint_zh,
            self.severity,
            self.key,
        )


class SpecModel(BaseModel):
    """Frozen, strict about unknown keys; subclasses add :meth:`problems` for cross-field rules."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        use_enum_values=False,
        validate_default=False,
        str_strip_whitespace=True,
        ser_json_timedelta="iso8601",
    )

    def problems(self) -> Iterator[CrossFieldProblem]:
        """Cross-field problems of this model and its parts (none by default)."""
        return iter(())


def _spelling(text: str) -> str:
    return text.strip().lower().replace("_", "-")


@cache
def _spellings(choices: type[Enum]) -> tuple[frozenset[Any], dict[str, Any]]:
    values = frozenset(member.value for member in choices)
    return values, {_spelling(str(member.value)): member.value for member in choices}


def normalise_choice(value: Any, choices: type[Enum]) -> Any:
    """Map a spelling variant (case, ``-`` vs ``_``) onto the canonical enum value."""
    if not isinstance(value, str):
        return value
    values, by_spelling = _spellings(choices)
    if value in values:  # the common case: written as documented
        return value
    return by_spelling.get(_spelling(value), value)


def lenient(choices: type[Enum]) -> BeforeValidator:
    """Validator metadata: ``Annotated[Frequency, lenient(Frequency)]`` accepts ``semi_annual``."""
    values, by_spelling = _spellings(choices)

    def normalise(value: Any) -> Any:
        # runs for every enum value of every product: the documented spelling returns at once
        if value.__class__ is not str or value in values:
            return value
        return by_spelling.get(_spelling(value), value)

    return BeforeValidator(normalise)


class LocalizedText(SpecModel):
    """A name or message in Chinese and English (中文/英文).

    ``name: 个人消费贷`` is shorthand for ``name: {zh: 个人消费贷}``.
    """

    zh: Annotated[str, Field(min_length=1, max_length=1000, description="中文")]
    en: Annotated[str | None, Field(default=None, max_length=1000, description="English")] = None

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return {"zh": value} if isinstance(value, str) else value

    def text(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh
