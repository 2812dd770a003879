"""``loanfactory serve``: options, keys, the docs address; uvicorn itself is replaced by a recorder."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from loanfactory.adapters.http import Role, key_digest
from loanfactory.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PII_KEY = base64.b64encode(bytes(range(32))).decode()


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
    environ = {"LOANFACTORY_API_KEYS": "", "LOANFACTORY_PII_KEY": PII_KEY, **(env or {})}
    return CliRunner().invoke(cli, [*base, *args], env=environ)


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


def test_without_a_pii_key_the_server_does_not_start(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, env={"LOANFACTORY_PII_KEY": ""})
    assert result.exit_code == 2, result.output
    assert "LOANFACTORY_PII_KEY is not set" in result.output
    assert "--dev" in result.output
    assert "app" not in ran
    assert not (tmp_path / "lf.db").exists()  # nothing written
    zh = CliRunner().invoke(
        cli,
        [
            "--lang",
            "zh",
            "serve",
            "--db",
            f"sqlite:///{tmp_path / 'lf.db'}",
            "--products",
            str(ROOT / "products"),
            "--rules",
            str(ROOT / "rules"),
            "--relay-interval",
            "0",
        ],
        env={"LOANFACTORY_PII_KEY": "", "LOANFACTORY_API_KEYS": ""},
    )
    assert zh.exit_code == 2
    assert "个人信息将以明文存储" in zh.output


def test_dev_starts_without_a_key_and_says_personal_data_is_in_clear(
    tmp_path: Path, ran: dict[str, Any]
) -> None:
    result = _serve(tmp_path, "--dev", env={"LOANFACTORY_PII_KEY": ""})
    assert result.exit_code == 0, result.output
    assert "personal data is stored in clear" in result.output
    assert ran["app"] is not None


def test_with_a_key_personal_data_is_encrypted_and_nothing_is_said(
    tmp_path: Path, ran: dict[str, Any]
) -> None:
    result = _serve(tmp_path)
    assert result.exit_code == 0, result.output
    assert "in clear" not in result.output
    store = ran["app"].state.loanfactory.backend.lender.store
    assert store.cipher is not None


def test_a_malformed_pii_key_is_a_usage_error(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, env={"LOANFACTORY_PII_KEY": "not-a-key!"})
    assert result.exit_code == 2
    assert "neither base64 nor 64 hex digits" in result.output


def test_failed_authentication_limits_are_options(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, "--auth-failure-burst", "2", "--auth-failure-rate", "0.01")
    assert result.exit_code == 0, result.output
    bad = _serve(tmp_path, "--auth-failure-burst", "0")
    assert bad.exit_code == 2
