"""``loanfactory validate``: the CLI contract CI pipelines depend on (formats, streams, exit codes)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "products"
BROKEN = ROOT / "tests" / "spec" / "broken"
CONTRACT_KEYS = {"file", "line", "column", "code", "path", "message", "hint"}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def broken_dir(tmp_path: Path) -> Path:
    """Two files: one with two mistakes, one valid."""
    good = (PRODUCTS / "consumer_credit.yaml").read_text(encoding="utf-8")
    (tmp_path / "good.yaml").write_text(good, encoding="utf-8")
    bad = good.replace("code: consumer_credit", "code: broken_one").replace("compound: true", "compound: no")
    bad = bad.replace("  unit: months\n  allowed", "  unit: months\n  alowed")
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    return tmp_path


def test_valid_products_exit_0_with_a_summary_on_stderr() -> None:
    result = run("validate", str(PRODUCTS))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == "validate: 15 files, 8 products — all valid"


def test_errors_exit_1_in_text_format(tmp_path: Path) -> None:
    result = run("validate", str(broken_dir(tmp_path)))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    pattern = re.compile(
        r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>[a-z-]+)\] (?P<path>\S+): .+$"
    )
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["code"], m["path"]) for m in parsed if m] == [
        ("unknown-key", "term.alowed"),
        ("wrong-type", "penalty.compound"),
    ]
    assert "did you mean 'allowed'?" in lines[0]
    assert result.stderr.splitlines()[0] == "validate: 2 files, 2 products — 2 errors"


def test_json_format_is_the_contract(tmp_path: Path) -> None:
    result = run("validate", str(broken_dir(tmp_path)), "--format", "json")
    assert result.exit_code == 1
    body: dict[str, Any] = json.loads(result.stdout)
    assert list(body)[:3] == ["files", "products", "errors"]
    assert (body["files"], body["products"]) == (2, 2)
    assert len(body["errors"]) == 2
    for error in body["errors"]:
        assert set(error) >= CONTRACT_KEYS
        assert error["file"] == str(tmp_path / "bad.yaml")
        assert isinstance(error["line"], int)
        assert isinstance(error["column"], int)
    first = body["errors"][0]
    assert (first["code"], first["path"], first["line"], first["column"]) == (
        "unknown-key",
        "term.alowed",
        25,
        3,
    )
    assert first["hint"] == "did you mean 'allowed'?"
    assert body["errors"][1]["hint"] == "write false ('no' and 'off' are text, not booleans)"


def test_json_when_all_is_valid() -> None:
    body = json.loads(run("validate", str(PRODUCTS), "--format", "json").stdout)
    assert (body["files"], body["products"], body["errors"]) == (15, 8, [])


def test_github_format(tmp_path: Path) -> None:
    result = run("validate", str(broken_dir(tmp_path)), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert re.match(r"^::error file=[^,]+,line=\d+,col=\d+(,title=[a-z-]+)?::.+$", line), line
    assert lines[0].startswith(f"::error file={tmp_path / 'bad.yaml'},line=25,col=3")


def test_junit_format_parses(tmp_path: Path) -> None:
    result = run("validate", str(broken_dir(tmp_path)), "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert {c.get("name") for c in cases} == {str(tmp_path / "bad.yaml"), str(tmp_path / "good.yaml")}
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failures = [f for c in cases for f in c.findall("failure")]
    assert sorted(f.get("type") or "" for f in failures) == ["unknown-key", "wrong-type"]


def test_sarif_format(tmp_path: Path) -> None:
    result = run("validate", str(broken_dir(tmp_path)), "--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif["$schema"]
    [only_run] = sarif["runs"]
    driver = only_run["tool"]["driver"]
    assert driver["name"] == "loanfactory"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == ["unknown-key", "wrong-type"]
    for item in only_run["results"]:
        assert item["ruleId"] in rule_ids
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] == "error"
        assert item["message"]["text"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == str(tmp_path / "bad.yaml")
        assert location["region"]["startLine"] >= 1
        assert location["region"]["startColumn"] >= 1


def test_chinese_output(tmp_path: Path) -> None:
    result = run("--lang", "zh", "validate", str(broken_dir(tmp_path)))
    assert result.exit_code == 1
    assert "未知的键 'alowed'" in result.stdout
    assert "您是不是想写 'allowed'？" in result.stdout
    assert "请写 false" in result.stdout
    assert result.stderr.splitlines()[0] == "validate: 2 files, 2 products — 2 个错误"
    body = json.loads(run("--lang", "zh", "validate", str(PRODUCTS), "--format", "json").stdout)
    assert body["errors"] == []


def test_language_from_the_environment(tmp_path: Path) -> None:
    result = CliRunner(env={"LOANFACTORY_LANG": "zh_CN.UTF-8"}).invoke(
        cli, ["validate", str(broken_dir(tmp_path))]
    )
    assert "未知的键" in result.stdout


def test_several_paths_and_the_broken_set_in_one_run() -> None:
    result = run("validate", str(PRODUCTS), str(BROKEN), "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert {Path(e["file"]).parent.name for e in body["errors"]} <= {"broken", "templates"}


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["validate", "no/such/path"], "loanfactory validate: no such file or directory: no/such/path"),
        (
            ["validate", "products", "--format", "xml"],
            "loanfactory validate: Invalid value for '--format': 'xml' is not one of "
            "'text', 'json', 'github', 'junit', 'sarif'.",
        ),
        (["validate", "products", "--bogus"], "loanfactory validate: No such option '--bogus'."),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], reason: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr == reason + "\n"
    assert result.stdout == ""


def test_help_lists_the_formats() -> None:
    result = run("validate", "--help")
    assert result.exit_code == 0
    assert "text|json|github|junit|sarif" in result.stdout


def test_the_console_script_runs() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "loanfactory", "validate", str(PRODUCTS), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["products"] == 8
