"""Regulator returns kept in the compliance archive (监管报表留档) as they are produced.

A report of the ``regulatory`` family is a regulator return: whenever :func:`run_report` produces
one with an archive (the CLI's ``loanfactory report run``/``html``, the HTTP report routes and any
Python caller that passes ``archive=``), its figures are archived under the ``regulatory-return``
category as canonical JSON with their content hash — the same figures every export (CSV, Excel,
HTML) shows. Producing the same return with the same figures again adds nothing; figures that
changed (a late posting, a corrected definition) are a new record beside the first.
"""

from __future__ import annotations

from loanfactory.archive import Archive, ArchiveCategory, ArchiveRecord
from loanfactory.reporting._export import to_json
from loanfactory.reporting._run import ReportResult

RETURN_FAMILY = "regulatory"
"""The report family whose reports are regulator returns."""


def archive_return(archive: Archive, result: ReportResult, *, actor: str = "system") -> ArchiveRecord | None:
    """Archive ``result`` when it is a regulator return (else nothing, and ``None``)."""
    definition = result.definition
    if definition.family != RETURN_FAMILY:
        return None
    period = result.period.text
    return archive.put(
        category=ArchiveCategory.regulatory_return,
        subject=f"{definition.name}:{period}:{result.lang}",
        content=to_json(result),
        filename=f"{definition.name}-{period.replace('..', '_')}.{result.lang}.json",
        title=f"监管报表 {definition.title.text('zh')} {period}",
        actor=actor,
    )


__all__ = ["RETURN_FAMILY", "archive_return"]
