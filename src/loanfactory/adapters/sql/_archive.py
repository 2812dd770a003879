"""The tables of the compliance archive and of credit reporting (合规档案、征信报送台账).

The archive itself (:mod:`loanfactory.archive`: retention, legal holds, purge, verification,
queries) and credit reporting (:mod:`loanfactory.regulatory`) keep their records as entities, so
the memory store, SQLite and PostgreSQL hold them alike; these are their typed tables. The bytes
of archived files are in a blob store, never in the database.
"""

from __future__ import annotations

from loanfactory.adapters.sql._mapping import EntityMapping, map_entity
from loanfactory.archive import ArchiveRecord, LegalHold
from loanfactory.regulatory import AdverseNotice, CreditAccount, ReportingRun

ARCHIVE: tuple[EntityMapping, ...] = (
    map_entity(ArchiveRecord),
    map_entity(LegalHold),
)

REGULATORY: tuple[EntityMapping, ...] = (
    map_entity(CreditAccount),
    map_entity(AdverseNotice, columns={"overdue": None}),
    map_entity(ReportingRun),
)

__all__ = ["ARCHIVE", "REGULATORY"]
