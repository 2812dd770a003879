"""The compliance archive (合规档案): every application, decision, contract, signature, notice,
credit-reporting file and review kept with content hashes, retention per category, legal holds,
purge that honours retention, tamper evidence, queries and a loan's file as one zip.

See ``docs/archive.md``. The bytes live behind the :class:`~loanfactory.ports.BlobStore` port
(``loanfactory.adapters.blob``: a folder by default, S3-compatible storage optionally).
"""

from __future__ import annotations

from loanfactory.archive._archive import Archive
from loanfactory.archive._archivist import ArchivingNotifier, Archivist, ObservedStore
from loanfactory.archive._export import credit_lines, export_loan, loan_file
from loanfactory.archive._model import (
    DEFAULT_YEARS,
    ArchiveCategory,
    ArchiveRecord,
    HoldScope,
    LegalHold,
    RetentionPolicy,
    RetentionViolation,
    TamperedRecord,
    json_bytes,
    record_id,
)

ENTITIES = (ArchiveRecord, LegalHold)
"""The entity kinds the archive stores (for store mappings)."""

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "Archive",
    "ArchiveCategory",
    "ArchiveRecord",
    "ArchivingNotifier",
    "Archivist",
    "DEFAULT_YEARS",
    "ENTITIES",
    "HoldScope",
    "LegalHold",
    "ObservedStore",
    "RetentionPolicy",
    "RetentionViolation",
    "TamperedRecord",
    "credit_lines",
    "export_loan",
    "json_bytes",
    "loan_file",
    "record_id",
]
