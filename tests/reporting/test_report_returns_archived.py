"""Regulator returns are archived as they are produced (监管报表留档): through ``run_report`` with an
archive (what the CLI and the HTTP routes pass), with the content hash of the figures' canonical
JSON; the same figures produced again add nothing; management reports are not archived."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import pytest
from report_book import Book, copy_book

from loanfactory.archive import Archive, ArchiveCategory
from loanfactory.entity import CST
from loanfactory.reporting import RETURN_FAMILY, report_library, run_report, to_json
from loanfactory.testing import FixedClock, MemoryBlobStore, MemoryStore

TODAY = date(2026, 7, 1)


@pytest.fixture(scope="module")
def store(book: Book) -> MemoryStore:
    copy = MemoryStore()
    copy_book(book.store, copy)  # archive records go here, not into the shared book
    return copy


def test_a_regulator_return_is_archived_once_with_its_hash(
    store: MemoryStore, products: dict[str, Any]
) -> None:
    clock = FixedClock(datetime(2026, 7, 1, 9, tzinfo=CST))
    archive = Archive(store, MemoryBlobStore(), clock)
    definition = report_library()["regulatory-loans"]
    assert definition.family == RETURN_FAMILY
    result = run_report(
        store, definition, "2026-06", today=TODAY, products=products, archive=archive, actor="ops"
    )
    found = archive.find(category=ArchiveCategory.regulatory_return)
    assert len(found) == 1
    record = found[0]
    expected = json.dumps(to_json(result), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert json.loads(archive.content(record.id)) == json.loads(expected)
    assert record.sha256 == hashlib.sha256(archive.content(record.id)).hexdigest()
    assert (record.subject, record.stored_by) == ("regulatory-loans:2026-06:zh", "ops")
    assert record.filename == "regulatory-loans-2026-06.zh.json"
    assert archive.verify([record.id]) == []
    run_report(store, definition, "2026-06", today=TODAY, products=products, archive=archive)
    assert len(archive.find(category=ArchiveCategory.regulatory_return)) == 1  # same figures: kept once
    run_report(store, definition, "2026-05", today=TODAY, products=products, archive=archive)
    assert len(archive.find(category=ArchiveCategory.regulatory_return)) == 2


def test_a_management_report_is_not_archived(store: MemoryStore, products: dict[str, Any]) -> None:
    archive = Archive(store, MemoryBlobStore(), FixedClock(datetime(2026, 7, 1, 9, tzinfo=CST)))
    definition = report_library()["risk"]
    assert definition.family != RETURN_FAMILY
    before = len(archive.find(category=ArchiveCategory.regulatory_return))
    run_report(store, definition, "2026-06", today=TODAY, products=products, archive=archive)
    assert len(archive.find(category=ArchiveCategory.regulatory_return)) == before
