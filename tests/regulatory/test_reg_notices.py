"""Consent and the pre-notice: what may be reported, when, and the evidence kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from reg_world import RegWorld

from loanfactory.ports import DeliveryReceipt, Notification
from loanfactory.regulatory import AdverseNotice, CreditAccount, load_spec, read, validate

ACCOUNT = "6222020200112233"
ROOT = Path(__file__).resolve().parents[2]


class FlakyNotifier:
    """Fails until ``working`` is set, then delivers."""

    def __init__(self) -> None:
        self.working = False
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> DeliveryReceipt:
        if not self.working:
            raise ConnectionError("SMS gateway down")
        self.sent.append(notification)
        return DeliveryReceipt(notification_id=notification.id, delivered=True, provider_reference="sms-1")


def test_an_undelivered_notice_keeps_the_adverse_records_back_and_is_retried() -> None:
    world = RegWorld()
    flaky = FlakyNotifier()
    world.reporting.notifier = flaky
    world.gateway.fund(ACCOUNT, Decimal(0))
    loan = world.loan()
    world.live_until(date(2026, 3, 15))  # 38 days past due; every notice attempt failed
    with world.store.transaction() as tx:
        notices = tx.repo(AdverseNotice).list(loan_id=loan)
    assert len(notices) == 1
    assert not notices[0].delivered
    assert notices[0].attempts >= 7  # tried again every day from day 31
    assert "ConnectionError" in (notices[0].error or "")
    world.month("2026-01")
    assert world.month("2026-02").summary["accounts"]["held"] == {"notice-pending": 1}
    flaky.working = True
    world.live_until(date(2026, 4, 1))
    with world.store.transaction() as tx:
        delivered = tx.repo(AdverseNotice).list(loan_id=loan)[0]
        account = tx.repo(CreditAccount).get(loan)
    assert delivered.delivered
    assert delivered.reference == "sms-1"
    assert delivered.delivered_at is not None
    assert delivered.delivered_at.date() == date(2026, 3, 15)
    assert account.held  # February still waits: it went out on 03-15, the period ends on 03-22
    march = world.month("2026-03")
    codes = [r.report_code for f in march.files for r in read(f.content)[1]]
    assert codes == ["30", "30"]  # February's month end, then March's: in order
    assert march.summary["accounts"]["held"] == {}


def test_a_loan_without_the_borrowers_consent_or_identity_is_held_and_listed() -> None:
    world = RegWorld()
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    unknown = world.active(customer_id="nobody")  # no customer on file: no identity to report under
    world.live_until(date(2026, 2, 1))
    summary = world.month("2026-01").summary
    assert {h["loan_id"]: h["reason"] for h in summary["held_accounts"]} == {unknown: "no-identity"}
    assert summary["balance"]["held"] == "10000.00"
    assert summary["equal"]


def test_a_contract_without_the_reporting_clause_is_no_consent() -> None:
    world = RegWorld()
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    from loanfactory.servicing import Contract

    with world.store.transaction() as tx:
        contract = tx.repo(Contract).list(loan_id=loan)[0]
        tx.repo(Contract).update(
            contract.evolve(clauses=tuple(c for c in contract.clauses if c != "credit_reporting"))
        )
    world.live_until(date(2026, 2, 1))
    summary = world.month("2026-01").summary
    assert summary["held_accounts"][0]["reason"] == "no-consent"


def test_every_contract_carries_the_consent_clause() -> None:
    world = RegWorld()
    contract = world.servicing.open_loan(world.request(customer_id=world.customer()), key="open")
    assert "credit_reporting" in contract.clauses
    assert "征信信息报送授权" in contract.body


def test_the_demo_enterprise_files_are_valid_410_records(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from loanfactory.cli import cli

    db = tmp_path / "demo.db"
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "demo",
            "--db",
            f"sqlite:///{db}",
            "--months",
            "2",
            "--products",
            str(ROOT / "products"),
            "--rules",
            str(ROOT / "rules"),
        ],
    )
    assert result.exit_code == 0, result.output
    spec = load_spec(overrides={"provider_code": "D0000000000001", "management_code": "D0000000000001"})
    enterprise = sorted((tmp_path / "demo-credit-reports").glob("*4100*.txt"))
    assert enterprise
    found = [r for path in enterprise for r in read(path.read_bytes())[1]]
    assert "10" in {r.report_code for r in found}
    for record in found:
        assert validate(record, spec) == [], record.label
        assert record.value("AcctBsSgmt", "IDType") == "20"  # 统一社会信用代码
