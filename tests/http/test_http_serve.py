"""``loanfactory serve``: options, keys, the docs address; uvicorn itself is replaced by a recorder."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from loanfactory.adapters.http import Role, key_digest
from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **kwargs: Any) -> None:
        seen["app"] = app
        seen.update(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return seen


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    base = [
        "serve",
        "--db",
        f"sqlite:///{tmp_path / 'lf.db'}",
        "--products",
        str(ROOT / "products"),
        "--rules",
        str(ROOT / "rules"),
        "--relay-interval",
        "0",
    ]
    return CliRunner().invoke(cli, [*base, *args], env={"LOANFACTORY_API_KEYS": "", **(env or {})})


def test_serve_prints_dev_keys_and_the_docs_address(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "docs: http://127.0.0.1:8123/v1/docs" in result.output
    assert "development keys" in result.output
    assert all(role.value in result.output for role in Role)
    assert "KYC, credit bureau, payments, e-signatures use the simulated providers" in result.output
    assert ran["host"] == "127.0.0.1"
    assert ran["port"] == 8123


def test_serve_takes_keys_from_a_file(tmp_path: Path, ran: dict[str, Any]) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"keys:\n  - {{name: ops, role: operations, sha256: {key_digest('lf_secret')}}}\n")
    result = _serve(tmp_path, "--keys", str(keys))
    assert result.exit_code == 0, result.output
    assert "development keys" not in result.output
    assert "lf_secret" not in result.output
    auth = ran["app"].state.loanfactory.auth
    assert auth.authenticate("Bearer lf_secret", None).role is Role.operations


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--products", "/nonexistent"], "is not a directory"),
        (["--rules", "/nonexistent"], "--rules: '/nonexistent' is not a directory"),
        (["--port", "70000"], "70000"),
    ],
)
def test_serve_usage_errors_exit_2(
    tmp_path: Path, ran: dict[str, Any], args: list[str], message: str
) -> None:
    result = _serve(tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "app" not in ran


def test_a_bad_key_in_the_environment_is_a_usage_error(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, env={"LOANFACTORY_API_KEYS": "just-a-key"})
    assert result.exit_code == 2
    assert "name:role:key" in result.output


def test_a_rule_file_with_an_error_stops_the_server_with_every_problem(
    tmp_path: Path, ran: dict[str, Any]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    broken = rules / "scoring.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "\nsurprise: [\n", encoding="utf-8")
    result = _serve(tmp_path, "--rules", str(rules))
    assert result.exit_code == 1, result.output
    assert "scoring.yaml" in result.output
    assert "app" not in ran
    assert "Traceback" not in result.output
