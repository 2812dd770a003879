"""The first hour: a project file names the folders, so the commands need no paths; flags still
win; a broken project file is a located error; quote starts today and shows its dates."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from loanfactory.cli import cli
from loanfactory.project import find_project, load_project

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", "en", *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose folders are not called products/ and rules/."""
    shutil.copytree(ROOT / "products", tmp_path / "catalog")
    shutil.copytree(ROOT / "rules", tmp_path / "decisions")
    (tmp_path / "compliance").mkdir()
    bank = (ROOT / "src" / "loanfactory" / "data" / "caps" / "bank.yaml").read_text(encoding="utf-8")
    (tmp_path / "compliance" / "strict-bank.yaml").write_text(
        bank.replace("id: bank", "id: strict-bank").replace('rate: "24%"', 'rate: "3%"'), encoding="utf-8"
    )
    (tmp_path / "loanfactory.yaml").write_text(
        "kind: project\nproducts: catalog\nrules: decisions\nscenarios: decisions/scenarios\n"
        "compliance: compliance\n",
        encoding="utf-8",
    )
    (tmp_path / "deep" / "inside").mkdir(parents=True)
    return tmp_path


def test_the_repository_is_a_project_and_validate_needs_no_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    implicit = run("validate", "--format", "json")
    explicit = run("validate", "products", "rules", "--format", "json")
    assert implicit.exit_code == 0, implicit.output
    assert json.loads(implicit.stdout) == json.loads(explicit.stdout)


def test_commands_find_the_project_from_a_sub_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "deep" / "inside")
    validated = run("validate", "--format", "json")
    assert validated.exit_code == 0, validated.output
    assert json.loads(validated.stdout)["products"] == 8
    tested = run("test", "--format", "json", "--engine", "compiled")
    assert tested.exit_code == 0, tested.output
    assert json.loads(tested.stdout)["failed"] == 0
    linted = run("lint", "--format", "json")
    assert linted.exit_code == 0, linted.output
    quoted = run(
        "quote", "--product", "consumer_credit", "--amount", "50000", "--term", "12", "--format", "json"
    )
    assert quoted.exit_code == 0, quoted.output
    assert json.loads(quoted.stdout)["product"] == "consumer_credit"


def test_flags_override_the_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    only = run("validate", str(project / "catalog" / "consumer_credit.yaml"), "--format", "json")
    assert only.exit_code == 0, only.output
    assert json.loads(only.stdout)["products"] == 1


def test_the_projects_compliance_folder_holds_custom_profiles(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    strict = run("lint", "--profile", "strict-bank", "--format", "json")
    assert strict.exit_code == 1  # every product costs more than 3 % a year
    assert "strict-bank" in strict.stdout
    unknown = run("lint", "--profile", "no-such-profile")
    assert unknown.exit_code == 2


def test_a_broken_project_file_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "products").mkdir()
    (tmp_path / "loanfactory.yaml").write_text(
        "kind: project\nproducts: products\nrulez: rules\nrules: [rules, more]\nlpr: 42\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(":3:1: error[unknown-key] rulez" in line and "did you mean 'rules'" in line for line in lines)
    assert any(":5:6: error[wrong-type] lpr" in line for line in lines)
    with pytest.raises(Exception) as caught:
        load_project(tmp_path / "loanfactory.yaml")
    assert "rulez" in str(caught.value)
    (tmp_path / "loanfactory.yaml").write_text("kind: project\nrules: [rules, more]\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    missing = run("validate")
    assert missing.exit_code == 2
    assert ":2:16: error[not-found] rules[1]: no folder 'more' next to the project file" in missing.stderr


def test_without_a_project_file_the_folders_here_are_the_project(tmp_path: Path) -> None:
    assert find_project(tmp_path).products == ()
    (tmp_path / "products").mkdir()
    assert find_project(tmp_path).products == (tmp_path.resolve() / "products",)


def test_a_folder_without_a_project_asks_for_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 2
    assert "no PATH given and no project here" in result.stderr


def test_quote_starts_today_and_shows_the_dates(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loanfactory.adapters.clock import SystemClock

    monkeypatch.chdir(project)
    today = SystemClock().today()
    result = run("quote", "--product", "consumer_credit", "--amount", "50000", "--term", "12")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Start: {today.isoformat()}  first due: ")
    given = run(
        "quote", "--product", "consumer_credit", "--amount", "50000", "--term", "12", "--start", "2025-08-01"
    )
    assert given.stdout.splitlines()[0] == "Start: 2025-08-01  first due: 2025-09-01"
    body = json.loads(
        run(
            "quote", "--product", "consumer_credit", "--amount", "50000", "--term", "12", "--format", "json"
        ).stdout
    )
    assert body["start"] == today.isoformat()
    assert date.fromisoformat(body["installments"][0]["due_date"]) > today
    wrong = run("quote", "--product", "consumer_credt", "--amount", "50000", "--term", "12")
    assert wrong.exit_code == 2
    assert "did you mean 'consumer_credit'" in wrong.stderr


def test_the_cli_page_shows_what_quote_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(Start: .*?)```", page, re.S)
    assert shown is not None
    args = (
        "quote",
        "--product",
        "consumer_credit",
        "--amount",
        "50000",
        "--term",
        "12",
        "--start",
        "2025-08-01",
    )
    printed = run(*args).stdout.splitlines()
    assert shown.group(1).splitlines() == printed[: len(shown.group(1).splitlines())]


def test_the_project_file_shown_in_the_docs_loads(tmp_path: Path) -> None:
    import re

    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(# loanfactory.yaml.*?)```", page, re.S)
    assert block is not None
    for folder in ("products", "rules/scenarios", "compliance", "notices", "data"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "data" / "lpr.yaml").write_text("x: 1\n", encoding="utf-8")
    (tmp_path / "loanfactory.yaml").write_text(block.group(1), encoding="utf-8")
    project = load_project(tmp_path / "loanfactory.yaml")
    assert project.db == "sqlite:///loanfactory.db"
    assert project.test_paths == (tmp_path.resolve() / "rules" / "scenarios",)
