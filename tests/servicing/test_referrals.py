"""90+ day actions reach outside parties through the CaseRecipient port: the agency gets the
assignment export, the court the case file (contract, schedule, ledger, events, summary as a
zip); a failing recipient is retried, nothing is delivered twice."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal

from servicing_world import World

D = Decimal
ACCOUNT = "6222020200112233"


class Party:
    def __init__(self, fail: int = 0) -> None:
        self.received: list[tuple[str, str, str, bytes, str]] = []
        self.fail = fail

    def deliver(self, *, action: str, loan_id: str, name: str, content: bytes, media_type: str) -> str:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the agency's server did not answer")
        self.received.append((action, loan_id, name, content, media_type))
        return f"REF-{len(self.received)}"


def delinquent(world: World) -> str:
    loan_id = world.active()
    world.gateway.fund(ACCOUNT, D("0.00"))  # every auto-debit fails: the loan goes 90+ days overdue
    world.until(date(2026, 5, 9))
    assert world.servicing.loan(loan_id).days_past_due > 90
    return loan_id


def test_the_agency_and_the_court_get_their_documents(world: World) -> None:
    loan_id = delinquent(world)
    agency, court = Party(fail=1), Party()
    recipients = {"outsourced-collection": agency, "litigation": court}
    assert world.servicing.deliver_referrals(recipients) == 1  # the agency failed once: retried later
    assert world.servicing.deliver_referrals(recipients) == 1
    assert world.servicing.deliver_referrals(recipients) == 0  # nothing twice

    [(action, who, name, content, media)] = agency.received
    assert name.endswith(".csv")
    assert (action, who, media) == ("outsourced-collection", loan_id, "text/csv")
    [row] = list(csv.DictReader(io.StringIO(content.decode())))
    loan = world.servicing.loan(loan_id)
    due = [r for r in loan.schedule if r.due_date < date(2026, 5, 9)]
    assert D(row["overdue_principal"]) == sum((r.principal for r in due), D(0))
    assert D(row["overdue_interest"]) == sum((r.interest for r in due), D(0))
    assert D(row["principal_outstanding"]) == D("10000.00")  # nothing was ever repaid
    assert int(row["days_past_due"]) >= 91

    [(action, _, _, content, media)] = court.received
    assert (action, media) == ("litigation", "application/zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == [
        "contract.txt",
        "events.csv",
        "ledger.csv",
        "schedule.csv",
        "summary.json",
    ]
    assert "张三" in archive.read("contract.txt").decode()
    schedule = list(csv.DictReader(io.StringIO(archive.read("schedule.csv").decode())))
    assert [D(r["total"]) for r in schedule] == [r.total for r in loan.schedule]
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert len(ledger) == len(world.entries(loan_id))
    assert any(r["type"] == "penalty" for r in ledger)
    summary = json.loads(archive.read("summary.json"))
    assert summary["principal_outstanding"] == "10000.00"
    events = archive.read("events.csv").decode()
    assert "overdue.action" in events


def test_the_same_case_file_is_the_same_bytes(world: World) -> None:
    loan_id = delinquent(world)
    with world.store.transaction() as tx:
        loan = world.servicing.loan_in(tx, loan_id)
        assert world.servicing.case_file(tx, loan) == world.servicing.case_file(tx, loan)


def test_actions_without_a_recipient_wait(world: World) -> None:
    delinquent(world)
    assert world.servicing.deliver_referrals({}) == 0
    court = Party()
    assert world.servicing.deliver_referrals({"litigation": court}) == 1
