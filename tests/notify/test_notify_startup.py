"""The server refuses to start with notification templates it could not send."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.adapters.http._wiring import ServerSettings, build_server
from loanfactory.cli import cli
from loanfactory.errors import SpecError
from loanfactory.testing import MemoryStore

ROOT = Path(__file__).resolve().parents[2]


def _broken(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "zh.yaml").write_text(
        "overdue_notice:\n  short: '逾期{{ days_overdue }}天'\n", encoding="utf-8"
    )
    return folder


def test_build_server_refuses_templates_that_do_not_fit_the_registry(tmp_path: Path) -> None:
    settings = ServerSettings(
        simulate=True,
        products=ROOT / "products",
        rules=ROOT / "rules",
        templates=_broken(tmp_path),
        relay_interval=0,
    )
    with pytest.raises(SpecError) as caught:
        build_server(settings, store=MemoryStore())
    [problem] = caught.value.diagnostics
    assert problem.code == "unknown-variable"
    assert problem.hint == "did you mean 'days_past_due'?"
    assert problem.file == str(tmp_path / "notices" / "zh.yaml")


def test_serve_lists_the_template_problems_and_exits_1(tmp_path: Path) -> None:
    folders = ["--products", str(ROOT / "products"), "--rules", str(ROOT / "rules")]
    templates = ["--templates", str(_broken(tmp_path)), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    result = CliRunner().invoke(cli, ["serve", "--simulate", *folders, *templates])
    assert result.exit_code == 1
    assert "error[unknown-variable]" in result.stderr
