"""The broken-files set (tests/spec/broken/): each mistake found at its line and column, in one run.

Every broken file says what it expects in a comment::

    # expect: 9:3 unknown-key did-you-mean=uplift
    # expect: 8:13 wrong-type hint=write false

One ``loanfactory validate`` over the folder must report each expectation (code, line, column,
and the did-you-mean or hint text), nothing else, and exit 1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from spec_support import BROKEN

from loanfactory.cli import cli

_EXPECT = re.compile(r"#\s*expect:\s*(\d+):(\d+)\s+([a-z-]+)(?:\s+(did-you-mean|hint)=(.+))?\s*$")


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    column: int
    code: str
    kind: str | None
    text: str | None


def expectations() -> list[Expected]:
    found = []
    for path in sorted(BROKEN.rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _EXPECT.search(line)
            if match:
                found.append(
                    Expected(
                        str(path),
                        int(match[1]),
                        int(match[2]),
                        match[3],
                        match[4],
                        match[5].strip() if match[5] else None,
                    )
                )
    return found


def run_validate(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["validate", *args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_the_set_covers_the_issue_list() -> None:
    codes = {e.code for e in expectations()}
    required = {
        "unknown-key",
        "wrong-type",
        "min-gt-max",
        "yaml-syntax",
        "duplicate-key",
        "unknown-value",
        "extends-cycle",
    }
    assert required <= codes
    assert any(e.kind == "hint" and e.text == "write false" for e in expectations())


def test_every_broken_file_is_reported_exactly_in_one_run() -> None:
    code, report = run_validate(str(BROKEN))
    assert code == 1
    errors = report["errors"]
    assert isinstance(errors, list)
    wanted = expectations()
    for expected in wanted:
        matches = [
            e
            for e in errors
            if (e["file"], e["line"], e["column"], e["code"])
            == (expected.file, expected.line, expected.column, expected.code)
        ]
        assert matches, f"{expected} not in {json.dumps(errors, ensure_ascii=False, indent=1)}"
        hint = matches[0]["hint"] or ""
        if expected.kind == "did-you-mean":
            assert hint.endswith(f"did you mean '{expected.text}'?"), hint
        elif expected.kind == "hint":
            assert expected.text is not None
            assert expected.text in hint, hint
    unexpected = [
        e
        for e in errors
        if not any(
            (e["file"], e["line"], e["column"], e["code"]) == (x.file, x.line, x.column, x.code)
            for x in wanted
        )
    ]
    assert unexpected == []
    unparsable = {e.file for e in wanted if e.code == "yaml-syntax"}
    assert report["files"] == len(list(BROKEN.rglob("*.yaml")))
    assert report["products"] == len([p for p in BROKEN.glob("*.yaml") if str(p) not in unparsable])


def test_each_broken_file_alone_gives_the_same_errors() -> None:
    for path in sorted(BROKEN.glob("*.yaml")):
        wanted = [e for e in expectations() if e.file.startswith(str(BROKEN))]
        code, report = run_validate(str(path), str(BROKEN / "templates"))
        errors = report["errors"]
        assert isinstance(errors, list)
        mine = {(e.line, e.column, e.code) for e in wanted if e.file == str(path)}
        got = {(e["line"], e["column"], e["code"]) for e in errors if e["file"] == str(path)}
        assert got == mine, path
        assert code == 1 or not mine


def test_paths_in_messages_are_as_given_on_the_command_line() -> None:
    relative = (
        Path(BROKEN).relative_to(Path.cwd()) if Path(BROKEN).is_relative_to(Path.cwd()) else Path(BROKEN)
    )
    _, report = run_validate(str(relative))
    errors = report["errors"]
    assert isinstance(errors, list)
    assert all(str(e["file"]).startswith(str(relative)) for e in errors)
