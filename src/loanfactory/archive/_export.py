"""A loan's complete file as one zip (档案导出): every archived record with a manifest of hashes.

The zip holds ``manifest.json`` (the loan, when and by whom it was exported, and for each file its
category, title, SHA-256, size and retention), the files themselves under ``files/<category>/``,
``credit-reporting.txt`` with the lines of each archived credit-reporting file that name the loan,
and ``SHA256SUMS`` (``<sha256>  <path>`` per file, as ``sha256sum -c`` reads it). Every file is
checked against its digest before it goes in: a tampered record stops the export.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime

from loanfactory.archive._archive import Archive
from loanfactory.archive._model import ArchiveCategory, ArchiveRecord, json_bytes
from loanfactory.errors import NotFound

_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same file exports to the same bytes


def loan_file(archive: Archive, loan_id: str) -> list[ArchiveRecord]:
    """The loan's records (its application's records are linked to it when the contract is drawn up)."""
    return archive.find(loan_id=loan_id)


def credit_lines(archive: Archive, loan_id: str) -> list[tuple[ArchiveRecord, str]]:
    """Lines of archived credit-reporting files that name the loan (its account code ends with
    the loan id's letters and digits)."""
    marker = "".join(c for c in loan_id if c.isalnum()) + "</"
    found: list[tuple[ArchiveRecord, str]] = []
    for record in archive.find(category=ArchiveCategory.credit_report):
        for line in archive.content(record.id).decode("utf-8").splitlines():
            if marker in line:
                found.append((record, line))
    return found


def export_loan(archive: Archive, loan_id: str, *, actor: str, at: datetime | None = None) -> bytes:
    """The zip of a loan's file (see the module docstring); NotFound when nothing is archived."""
    records = loan_file(archive, loan_id)
    lines = credit_lines(archive, loan_id)
    if not records and not lines:
        raise NotFound(
            f"nothing is archived for loan '{loan_id}'", field="loan", message_zh=f"贷款 '{loan_id}' 没有档案"
        )
    buffer = io.BytesIO()
    sums: list[str] = []
    manifest_files = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for record in records:
            data = archive.content(record.id)  # checked against its digest
            path = f"files/{record.category.value}/{record.id}-{record.filename}"
            _write(out, path, data)
            sums.append(f"{record.sha256}  {path}")
            manifest_files.append(
                {
                    "path": path,
                    "id": record.id,
                    "category": record.category.value,
                    "subject": record.subject,
                    "title": record.title,
                    "media_type": record.media_type,
                    "sha256": record.sha256,
                    "size": record.size,
                    "stored_at": record.stored_at.isoformat(),
                    "retain_until": record.retain_until.isoformat() if record.retain_until else None,
                }
            )
        if lines:
            text = "".join(f"{record.subject}\t{line}\n" for record, line in lines).encode()
            _write(out, "credit-reporting.txt", text)
            sums.append(f"{hashlib.sha256(text).hexdigest()}  credit-reporting.txt")
        manifest = {
            "loan_id": loan_id,
            "exported_at": (at or archive.clock.now()).isoformat(),
            "exported_by": actor,
            "files": manifest_files,
            "credit_reporting_files": sorted({r.subject for r, _ in lines}),
        }
        data = json_bytes(manifest)
        _write(out, "manifest.json", data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  manifest.json")
        _write(out, "SHA256SUMS", ("\n".join(sums) + "\n").encode())
    return buffer.getvalue()


def _write(out: zipfile.ZipFile, path: str, data: bytes) -> None:
    info = zipfile.ZipInfo(path, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    out.writestr(info, data)


__all__ = ["credit_lines", "export_loan", "loan_file"]
