"""After the demo's lifecycle the archive holds each loan's full file, auditors read it over HTTP,
and a purge before the end of retention is refused."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from loanfactory.adapters.blob import FileBlobStore
from loanfactory.adapters.http._wiring import ServerSettings, build_server
from loanfactory.adapters.sql import SqlStore
from loanfactory.archive import Archive, RetentionViolation
from loanfactory.cli import cli
from loanfactory.servicing import Loan
from loanfactory.testing import FixedClock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "http"))
from http_fakes import ApiClient  # noqa: E402

KEYS = "aud:auditor:lf_aud,ops:operations:lf_ops"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "demo",
            "--db",
            f"sqlite:///{folder / 'demo.db'}",
            "--months",
            "3",
            "--products",
            str(ROOT / "products"),
            "--rules",
            str(ROOT / "rules"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "compliance archive:" in result.stdout
    assert "reconciled" in result.stdout
    return folder


def test_every_loan_has_its_full_file_and_auditors_get_it_over_http(demo: Path) -> None:
    server = build_server(
        ServerSettings(
            db=f"sqlite:///{demo / 'demo.db'}",
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            dev=True,
            archive=str(demo / "demo-archive"),
            environ={"LOANFACTORY_API_KEYS": KEYS},
        )
    )
    client = ApiClient(server.app)
    with server.lender.store.transaction() as tx:
        loans = [x for x in tx.repo(Loan).list() if x.start is not None]
    assert loans
    for loan in loans:
        response = client.get(f"/v1/archive?loan={loan.id}", headers={"Authorization": "Bearer lf_aud"})
        assert response.status_code == 200, response.text
        kinds = {r["category"] for r in response.json()}
        assert {"application", "decision", "contract", "signature", "disbursement", "notice"} <= kinds, (
            loan.id
        )
        contract = next(r for r in response.json() if r["category"] == "contract")
        text = client.get(contract["href"], headers={"Authorization": "Bearer lf_aud"})
        assert text.status_code == 200
        assert "征信信息报送授权" in text.content.decode()
    exported = client.get(
        f"/v1/archive/export?loan={loans[0].id}", headers={"Authorization": "Bearer lf_aud"}
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        assert manifest["loan_id"] == loans[0].id
        assert manifest["credit_reporting_files"]
        assert loans[0].id.replace("_", "") in zipped.read("credit-reporting.txt").decode()
    refused = client.get(f"/v1/archive?loan={loans[0].id}", headers={"Authorization": "Bearer lf_ops"})
    assert refused.status_code == 403
    assert client.get("/v1/archive", headers={"Authorization": "Bearer lf_aud"}).status_code in (400, 422)
    server.stop.set()


def test_a_purge_before_the_end_of_retention_is_refused(demo: Path) -> None:
    store = SqlStore(f"sqlite:///{demo / 'demo.db'}", cipher=None)
    try:
        archive = Archive(store, FileBlobStore(demo / "demo-archive"), FixedClock(date(2030, 1, 1)))
        with store.transaction() as tx:
            loan = next(x for x in tx.repo(Loan).list() if x.start is not None)
        records = archive.find(loan_id=loan.id)
        with pytest.raises(RetentionViolation):
            archive.purge([r.id for r in records], today=date(2030, 1, 1), actor="ops")
        assert archive.verify() == []
        assert all(archive.content(r.id) for r in records)  # nothing was removed
    finally:
        store.dispose()
    result = CliRunner().invoke(
        cli,
        [
            "archive",
            "purge",
            records[0].id,
            "--db",
            f"sqlite:///{demo / 'demo.db'}",
            "--blobs",
            str(demo / "demo-archive"),
        ],
    )
    assert result.exit_code == 1
    assert "retention" in result.output
