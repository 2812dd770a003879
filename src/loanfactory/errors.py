"""Errors as values, and the few exceptions loanfactory raises.

A problem in a product, rule or scenario file is a :class:`Diagnostic`: a value with a location
(file, line, column, path), a stable ``code``, a plain message and an optional hint. Loaders
collect every diagnostic of every file and return them; nothing is raised at a product manager.

Exceptions are for developers calling the Python API with bad arguments or in a wrong state::

    LoanfactoryError            every exception raised on purpose; has .code, .message, .field
     ├── SpecError              a file did not load; .diagnostics lists every problem
     ├── InvalidInput           an argument is wrong (negative amount, bad ID checksum, ...); a ValueError
     ├── NotFound               an id that does not exist (unknown product, loan, ...); a LookupError
     ├── StateConflict          a command not allowed now (closed product, frozen line, ...)
     │    └── NotPermitted      not allowed for this person (segregation of duties, another's account)
     ├── ports.ConcurrentUpdate the record changed meanwhile (optimistic locking): retry
     └── ports.ServiceUnavailable  an outside service did not answer: retry later

Every exception carries an English and a Chinese message (``message`` / ``message_zh``) and a code
of the one table :mod:`loanfactory.error_codes`; an error raised with a code and no message takes
the table's templates (``params`` fills them in), and the table gives the HTTP status.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from loanfactory.error_codes import lookup

Severity = Literal["error", "warning", "note"]
"""``note``: a finding that is not a problem (lint's worst-case APR of every product)."""
Language = Literal["en", "zh"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located problem.

    ``line`` and ``column`` are 1-based; ``path`` is the dotted path inside the document
    (``repayment.methods[1]``); ``code`` is stable and documented (``unknown-key``,
    ``min-gt-max`` ...). ``message_zh``/``hint_zh`` hold the Chinese text where we have it.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str | None = None
    severity: Severity = "error"
    message_zh: str | None = None
    hint_zh: str | None = None

    def in_language(self, lang: Language) -> Diagnostic:
        """The same diagnostic with message and hint in ``lang`` (English when no translation)."""
        if lang == "zh" and self.message_zh is not None:
            return replace(
                self,
                message=self.message_zh,
                hint=self.hint_zh if self.hint_zh is not None else self.hint,
                message_zh=None,
                hint_zh=None,
            )
        return replace(self, message_zh=None, hint_zh=None)

    def located(self, file: str | None, line: int | None = None, column: int | None = None) -> Diagnostic:
        """A copy placed at ``file:line:column`` (keeps a position it already has)."""
        return replace(
            self,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            column=self.column if self.column is not None else column,
        )

    def format(self) -> str:
        """``file:line:column: error[code] path: message (hint)`` — the text output format."""
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        path = f" {self.path}:" if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}: {self.severity}[{self.code}]{path} {self.message}{hint}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.code)


def format_path(parts: Iterable[str | int]) -> str:
    """``("repayment", "methods", 1)`` -> ``repayment.methods[1]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word``, or None when nothing is close enough."""
    options = [str(c) for c in choices]
    lowered = {o.lower(): o for o in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not found:
        found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        found = [lowered[f] for f in found]
    return found[0] if found else None


def hint_for(word: str, choices: Iterable[str]) -> tuple[str | None, str | None]:
    """A did-you-mean hint in English and Chinese, or ``(None, None)``."""
    guess = did_you_mean(word, choices)
    if guess is None:
        return None, None
    return f"did you mean '{guess}'?", f"您是不是想写 '{guess}'？"


class LoanfactoryError(Exception):
    """Base of every exception loanfactory raises on purpose."""

    code: str = "error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        message_zh: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if message is None:
            row = lookup(self.code)
            message = row.message("en", params)
            message_zh = message_zh or row.message("zh", params)
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.field = field

    @property
    def status(self) -> int:
        """The HTTP status the API answers this error with (from the code table)."""
        return lookup(self.code).status

    def localized(self, lang: Language) -> str:
        if lang == "zh" and self.message_zh:
            return self.message_zh
        return self.message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidInput(LoanfactoryError, ValueError):
    """An argument to an API call is wrong; ``field`` names it."""

    code = "invalid-input"


class FieldError(ValueError):
    """Raised inside a pydantic validator to carry a bilingual :class:`LoanfactoryError` out of it
    (pydantic keeps it as the error's ``ctx["error"]``; the message stays the English one)."""

    def __init__(self, error: LoanfactoryError) -> None:
        super().__init__(error.message)
        self.error = error


class NotFound(LoanfactoryError, LookupError):
    """An id that does not exist."""

    code = "not-found"


class StateConflict(LoanfactoryError):
    """A command that the current state does not allow."""

    code = "state-conflict"


class NotPermitted(StateConflict):
    """A command this person may not do here: their role, the amount, or their own earlier part in
    the same case forbids it (segregation of duties, 职责分离)."""

    code = "not-permitted"


@dataclass(eq=False)
class SpecError(LoanfactoryError):
    """A product, rule or scenario file did not load; ``diagnostics`` lists every problem."""

    diagnostics: Sequence[Diagnostic] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        first = self.diagnostics[0].format() if self.diagnostics else "invalid specification"
        more = len(self.diagnostics) - 1
        text = first + (f" (and {more} more)" if more > 0 else "")
        LoanfactoryError.__init__(self, text, code="spec-error")

    def __str__(self) -> str:
        return self.message
