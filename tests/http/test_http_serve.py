"""``loanfactory serve``: options, keys, the docs address; uvicorn itself is replaced by a recorder."""

from __future__ import annotations

import base64
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from http_fakes import ApiClient

from loanfactory.adapters.http import Role, key_digest
from loanfactory.adapters.http._wiring import Providers, ServerSettings, build_server
from loanfactory.cli import cli
from loanfactory.entity import CST
from loanfactory.errors import InvalidInput
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    SimulatedBureau,
    SimulatedGateway,
    SimulatedKyc,
    SimulatedSigner,
)

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
        "--simulate",
    ]
    environ = {"LOANFACTORY_API_KEYS": "", "LOANFACTORY_PII_KEY": PII_KEY, **(env or {})}
    return CliRunner().invoke(cli, [*base, *args], env=environ)


def test_serve_prints_dev_keys_and_the_docs_address(tmp_path: Path, ran: dict[str, Any]) -> None:
    result = _serve(tmp_path, "--port", "8123")
    assert result.exit_code == 0, result.output
    assert "docs: http://127.0.0.1:8123/v1/docs" in result.output
    assert "development keys" in result.output
    assert all(role.value in result.output for role in Role)
    assert (
        "note: providers: kyc simulated, bureau simulated, payments simulated, signatures simulated"
        in result.output
    )
    assert "WARNING --simulate" in result.output
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
            "--simulate",
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


def _serve_without_simulate(tmp_path: Path, *lang: str) -> Any:
    args = [*lang, "serve", "--db", f"sqlite:///{tmp_path / 'lf.db'}", "--relay-interval", "0"]
    args += ["--products", str(ROOT / "products"), "--rules", str(ROOT / "rules")]
    return CliRunner().invoke(cli, args, env={"LOANFACTORY_API_KEYS": "", "LOANFACTORY_PII_KEY": PII_KEY})


def test_without_providers_or_simulate_the_server_refuses_to_start(
    tmp_path: Path, ran: dict[str, Any]
) -> None:
    result = _serve_without_simulate(tmp_path)
    assert result.exit_code == 2, result.output
    assert "no provider for kyc, bureau, payments, signatures" in result.output
    assert "--simulate" in result.output
    assert "app" not in ran
    assert not (tmp_path / "lf.db").exists()  # refused before anything is written
    zh = _serve_without_simulate(tmp_path, "--lang", "zh")
    assert zh.exit_code == 2
    assert "缺少外部服务提供方：kyc, bureau, payments, signatures" in zh.output
    assert "app" not in ran


def test_a_given_provider_leaves_the_others_to_be_given_or_simulated(tmp_path: Path) -> None:
    settings = ServerSettings(products=ROOT / "products", rules=ROOT / "rules", relay_interval=0, environ={})
    gateway = SimulatedGateway(clock=FixedClock(datetime(2026, 1, 5, 9, tzinfo=CST)))
    with pytest.raises(InvalidInput) as refused:
        build_server(settings, store=MemoryStore(), providers=Providers(gateway=gateway))
    assert refused.value.code == "providers-required"
    assert "no provider for kyc, bureau, signatures" in str(refused.value)
    server = build_server(settings, store=MemoryStore(), providers=Providers.simulated(gateway=gateway))
    try:
        assert server.providers == {
            "kyc": "simulated",
            "bureau": "simulated",
            "payments": "configured",
            "signatures": "simulated",
        }
        health = ApiClient(server.app).get("/v1/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "providers": server.providers}
    finally:
        server.stop.set()


def test_all_four_given_start_without_simulation(tmp_path: Path) -> None:
    settings = ServerSettings(products=ROOT / "products", rules=ROOT / "rules", relay_interval=0, environ={})
    clock = FixedClock(datetime(2026, 1, 5, 9, tzinfo=CST))
    given = Providers(
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        gateway=SimulatedGateway(clock=clock),
        signer=SimulatedSigner(),
    )
    server = build_server(settings, store=MemoryStore(), providers=given, clock=clock)
    try:
        assert set(server.providers.values()) == {"configured"}
        assert not any("WARNING --simulate" in note for note in server.notes)
        assert ApiClient(server.app).get("/v1/health").json()["providers"]["kyc"] == "configured"
    finally:
        server.stop.set()
