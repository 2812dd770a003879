"""One error hierarchy and one table of codes: every code raised is in the table, in both
languages; the table lists no code nobody raises; docs/errors.md is the table; errors read
their messages and HTTP status from it."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from code_scan import raised_codes

import loanfactory
from loanfactory.error_codes import error_codes, lookup, main, markdown, parse_table
from loanfactory.errors import (
    InvalidInput,
    LoanfactoryError,
    NotFound,
    NotPermitted,
    SpecError,
    StateConflict,
)
from loanfactory.ports import ConcurrentUpdate, ServiceUnavailable

SRC = Path(loanfactory.__file__).parent
DOC = Path(__file__).parents[2] / "docs" / "errors.md"
RAISED = raised_codes(SRC)

NOT_ERRORS = {
    "FieldError": "carries a LoanfactoryError out of a pydantic validator; pydantic unwraps it",
    "FeelError": "a FEEL expression that does not parse, reported as a located diagnostic",
    "ApiProblem": "the HTTP layer's answer to a request; it never leaves the app",
}
"""Exception classes that are not raised at callers of the library, and why."""


def test_the_scan_finds_codes_raised_every_way() -> None:
    # a keyword, a class attribute, the HTTP problem builders and the port errors are all seen
    for code in ("offer-expired", "invalid-input", "idempotency-key-required", "concurrent-update"):
        assert code in RAISED, code
    assert len(RAISED) > 100


@pytest.mark.parametrize("code", sorted(RAISED))
def test_every_code_raised_is_in_the_table_in_both_languages(code: str) -> None:
    table = error_codes()
    assert code in table, f"{code} (raised at {RAISED[code][0]}) is not in loanfactory/data/error_codes.yaml"
    row = table[code]
    assert row.en.strip()
    assert row.zh.strip()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in row.zh), f"{code}: the zh message has no Chinese"


def test_the_table_has_no_unused_code() -> None:
    assert sorted(set(error_codes()) - set(RAISED)) == []


def _parameters(template: str) -> set[str]:
    return {name.removesuffix("_zh") for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(error_codes()))
def test_both_templates_take_the_same_parameters(code: str) -> None:
    row = error_codes()[code]
    assert _parameters(row.en) == _parameters(row.zh)


def test_the_errors_page_is_generated_from_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), "run: python -m loanfactory.error_codes --markdown"
    assert main(["--markdown"]) == 0
    assert capsys.readouterr().out == markdown()
    for code in RAISED:
        assert f"| `{code}` |" in markdown()


def test_an_error_takes_its_messages_and_status_from_the_table() -> None:
    error = StateConflict(code="offer-valid", params={"offer_id": "OF-1"}, field="offer_id")
    assert error.message == "offer OF-1 is still valid"
    assert error.localized("zh") == "报价 OF-1 仍在有效期内"
    assert error.status == 409
    assert str(error) == "offer_id: offer OF-1 is still valid"
    # a missing parameter stays visible rather than failing while raising an error
    assert (
        InvalidInput(code="duplicate-key").message == "the key '{key}' appears more than once in this object"
    )
    # a raise site's own message wins; the code still gives the status
    assert NotPermitted("no", code="four-eyes", message_zh="不").localized("zh") == "不"
    assert NotPermitted("no", code="four-eyes").status == 403
    assert LoanfactoryError().message == lookup("error").en
    assert lookup("no-such-code-at-all") == lookup("error")


def test_the_hierarchy_matches_the_builtins() -> None:
    assert issubclass(InvalidInput, ValueError)
    assert issubclass(NotFound, LookupError)
    assert issubclass(NotPermitted, StateConflict)
    for port_error in (ConcurrentUpdate, ServiceUnavailable, SpecError):
        assert issubclass(port_error, LoanfactoryError)
    with pytest.raises(LoanfactoryError) as caught:
        raise ConcurrentUpdate("loan L1 changed meanwhile")
    assert (caught.value.code, caught.value.status) == ("concurrent-update", 409)
    assert ServiceUnavailable("bureau down").status == 503


def test_every_exception_class_in_the_source_is_a_loanfactory_error() -> None:
    classes = [
        (path, node)
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    exceptions = {"Exception", "ValueError", "RuntimeError", "LookupError", "KeyError", "TypeError"}
    errors = {"LoanfactoryError"}
    grew = True
    while grew:
        fresh = {
            c.name
            for _, c in classes
            if c.name not in errors and {getattr(b, "id", getattr(b, "attr", None)) for b in c.bases} & errors
        }
        errors |= fresh
        grew = bool(fresh)
    escaping = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.name}"
        for path, node in classes
        if node.name not in errors
        and not node.name.startswith("_")
        and node.name not in NOT_ERRORS
        and {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases} & exceptions
    ]
    assert escaping == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping of codes"),
        ({"x": {"status": 409, "en": "x"}}, "x: expected exactly status, en and zh"),
        ({"x": {"status": 409, "en": "x", "zh": " "}}, "x: en and zh must both be written"),
        ({"x": {"status": 200, "en": "x", "zh": "某"}}, "x: status must be an HTTP error status"),
        ({"x": {"status": "409", "en": "x", "zh": "某"}}, "x: status must be an HTTP error status"),
    ],
)
def test_a_malformed_table_is_refused_naming_the_row(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_table(data)
