"""The compliance archive on every store: records, retention, legal holds, purge and tamper evidence."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from store_support import START, Databases

from loanfactory.archive import (
    Archive,
    ArchiveCategory,
    RetentionPolicy,
    RetentionViolation,
    TamperedRecord,
    export_loan,
)
from loanfactory.audit import verify_chain
from loanfactory.entity import CST
from loanfactory.errors import InvalidInput, NotFound
from loanfactory.testing import FixedClock, MemoryBlobStore


def _archive(
    databases: Databases, policy: RetentionPolicy | None = None
) -> tuple[Archive, MemoryBlobStore, Any]:
    clock = FixedClock(START)
    store = databases.store(clock=clock) if databases.backend != "memory" else databases.store()
    blobs = MemoryBlobStore()
    archive = Archive(store, blobs, clock, policy=policy)
    archive.put(
        category="document",
        subject="app-1:id-card",
        content=b"id card scan",
        customer_id="c1",
        media_type="image/png",
        filename="id.png",
    )
    archive.put(
        category=ArchiveCategory.contract,
        subject="k1",
        content="合同正文".encode(),
        media_type="text/plain",
        customer_id="c1",
        contract_id="k1",
        loan_id="L1",
    )
    archive.put(
        category="decision", subject="app-1", content={"outcome": "approve"}, customer_id="c1", loan_id="L1"
    )
    archive.put(category="notice", subject="n-2", content={"body": "other"}, customer_id="c2", loan_id="L2")
    return archive, blobs, store


def _ids(records: Any) -> list[str]:
    return sorted(r.subject for r in records)


def test_records_are_found_by_customer_loan_kind_and_period(databases: Databases) -> None:
    archive, _, _ = _archive(databases)
    assert _ids(archive.find(customer_id="c1")) == ["app-1", "app-1:id-card", "k1"]
    assert _ids(archive.find(loan_id="L1", category="decision")) == ["app-1"]
    assert _ids(archive.find(category="notice")) == ["n-2"]
    assert archive.find(customer_id="c1", since=START.date() + timedelta(days=1)) == []
    assert len(archive.find(customer_id="c1", until=START.date())) == 3
    contract = next(r for r in archive.find(loan_id="L1") if r.category is ArchiveCategory.contract)
    assert archive.content(contract.id) == "合同正文".encode()
    assert contract.sha256 == hashlib.sha256("合同正文".encode()).hexdigest()
    with pytest.raises(InvalidInput):
        archive.find()
    with pytest.raises(InvalidInput):
        archive.find(category="contracts")
    with pytest.raises(InvalidInput):
        archive.find(loan_id="L1", since=date(2030, 1, 1), until=date(2029, 1, 1))


def test_archiving_the_same_bytes_again_finds_the_first_record(databases: Databases) -> None:
    archive, _, _ = _archive(databases)
    again = archive.put(
        category="document", subject="app-1:id-card", content=b"id card scan", customer_id="c1"
    )
    assert len(archive.find(customer_id="c1", category="document")) == 1
    assert again.filename == "id.png"


def test_loan_records_are_kept_until_five_years_after_closure(databases: Databases) -> None:
    archive, _, store = _archive(databases)
    decision = next(r for r in archive.find(loan_id="L1") if r.category is ArchiveCategory.decision)
    document = archive.find(category="document")[0]
    assert decision.retain_until is None  # the loan is open: kept
    assert document.retain_until == date(2029, 3, 1)  # no loan: five years after it was stored (2024-03-01)
    with pytest.raises(RetentionViolation) as refused:
        archive.purge([decision.id, document.id], today=date(2040, 1, 1), actor="ops")
    assert [r.id for r in refused.value.kept] == [decision.id]
    with store.transaction() as tx:
        assert archive.close_loan(tx, "L1", date(2024, 6, 30)) == 2
    assert archive.get(decision.id).retain_until == date(2029, 6, 30)
    every = [r.id for r in archive.find(customer_id="c1")]
    with pytest.raises(RetentionViolation) as still:
        archive.purge(every, today=date(2029, 6, 30), actor="ops")  # the last day still counts
    assert len(still.value.kept) == 2
    assert archive.content(document.id) == b"id card scan"  # all or nothing
    assert {r.id for r in archive.expired(date(2029, 7, 1))} == set(every)
    assert sorted(archive.purge(every, today=date(2029, 7, 1), actor="ops")) == sorted(every)
    with pytest.raises(NotFound):
        archive.purge(["nope"], today=date(2029, 7, 1), actor="ops")
    purged = archive.get(decision.id)
    assert purged.purged_by == "ops"
    with pytest.raises(NotFound):
        archive.content(decision.id)
    assert archive.find(customer_id="c1") == []
    assert len(archive.find(customer_id="c1", include_purged=True)) == 3
    with store.transaction() as tx:
        chain = tx.audit.records()
    assert [r.action for r in chain].count("archive.purge") == 3
    assert verify_chain(chain) is None
    assert archive.verify() == []


def test_a_legal_hold_stops_a_purge_until_it_is_released(databases: Databases) -> None:
    archive, _, store = _archive(databases)
    with store.transaction() as tx:
        archive.close_loan(tx, "L2", date(2020, 1, 31))
    notice = archive.find(loan_id="L2")[0]
    hold = archive.place_hold("customer", "c2", reason="诉讼保全", actor="legal")
    with pytest.raises(RetentionViolation) as refused:
        archive.purge([notice.id], today=date(2030, 1, 1), actor="ops")
    assert [r.id for r in refused.value.held] == [notice.id]
    assert archive.expired(date(2030, 1, 1)) == [
        r for r in archive.expired(date(2030, 1, 1)) if r.id != notice.id
    ]
    archive.release_hold(hold.id, actor="legal")
    assert archive.purge([notice.id], today=date(2030, 1, 1), actor="ops") == [notice.id]
    with pytest.raises(InvalidInput):
        archive.place_hold("bank", "x", reason="?", actor="legal")
    with pytest.raises(InvalidInput):
        archive.place_hold("loan", "L1", reason="  ", actor="legal")


def test_a_changed_file_is_detected_and_stops_export(databases: Databases) -> None:
    archive, blobs, _ = _archive(databases)
    contract = next(r for r in archive.find(loan_id="L1") if r.category is ArchiveCategory.contract)
    blobs.tamper(contract.sha256, "改过的合同".encode())
    assert any(contract.id in p for p in archive.verify())
    with pytest.raises(TamperedRecord):
        archive.content(contract.id)
    with pytest.raises(TamperedRecord):
        export_loan(archive, "L1", actor="auditor")


def test_a_changed_record_digest_is_detected_against_the_audit_chain(databases: Databases) -> None:
    archive, blobs, store = _archive(databases)
    record = archive.find(category="notice")[0]
    forged = blobs.put(b"forged")
    from loanfactory.archive import ArchiveRecord

    with store.transaction() as tx:
        current = tx.repo(ArchiveRecord).get(record.id)
        tx.repo(ArchiveRecord).update(current.evolve(sha256=forged))
    assert any("audit chain" in p for p in archive.verify([record.id]))


def test_a_loans_file_exports_as_a_zip_with_a_manifest_of_hashes(databases: Databases) -> None:
    import hashlib
    import json

    archive, _, _ = _archive(databases)
    data = export_loan(archive, "L1", actor="auditor", at=datetime(2024, 3, 2, tzinfo=CST))
    assert data == export_loan(archive, "L1", actor="auditor", at=datetime(2024, 3, 2, tzinfo=CST))
    with zipfile.ZipFile(BytesIO(data)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        sums = dict(reversed(line.split("  ")) for line in zipped.read("SHA256SUMS").decode().splitlines())
        for item in manifest["files"]:
            content = zipped.read(item["path"])
            assert hashlib.sha256(content).hexdigest() == item["sha256"] == sums[item["path"]]
    assert {f["category"] for f in manifest["files"]} == {"contract", "decision"}
    with pytest.raises(NotFound):
        export_loan(archive, "L9", actor="auditor")


def test_the_retention_period_is_configurable_per_category(databases: Databases) -> None:
    policy = RetentionPolicy.from_mapping({"default": 5, "contract": 10, "document": 1})
    archive, _, store = _archive(databases, policy)
    with store.transaction() as tx:
        archive.close_loan(tx, "L1", date(2024, 2, 29))
    kept = {r.category: r.retain_until for r in archive.find(customer_id="c1")}
    assert kept[ArchiveCategory.contract] == date(2034, 2, 28)
    assert kept[ArchiveCategory.decision] == date(2029, 2, 28)
    assert kept[ArchiveCategory.document] == date(2025, 3, 1)
    for bad in ({"contract": -1}, {"default": "five"}, {"contracts": 5}, {"notice": True}):
        with pytest.raises(InvalidInput):
            RetentionPolicy.from_mapping(bad)
