"""Reporting files (报文文件): names, the 50-byte header and the record lines.

A file name is 30 characters and ``.txt``: the data provider's code (14), the generation date
``YYYYMMDD`` (8), the record type (3), ``0`` (reserved), a sequence number of that day (3) and
``0`` (a reported, not a feedback, file). The first line is the header: ``A``, its length ``050``,
the record type, the record version (``2.0.0``), two spaces (the template type, for basic
information records only), the provider's code, the generation time ``YYYYMMDDHHMMSS``, ``0`` and
the number of records (7 digits). Each following line is one record; the file is UTF-8 with
``\n`` line ends. (Encryption and compression before transmission, ``.enc``, are done by the
credit reference centre's own client and are not reproduced here.)
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from loanfactory.errors import InvalidInput
from loanfactory.regulatory._record import CreditRecord, parse_line

_NAME = re.compile(r"^[0-9A-Z]{14}\d{8}\d{3}0\d{3}0\.txt$")


@dataclass(frozen=True, slots=True)
class ReportFile:
    """One generated file: its name, bytes and records."""

    name: str
    record_type: str
    content: bytes
    records: int
    sha256: str


def file_name(provider: str, day: date, record_type: str, sequence: int) -> str:
    if not 1 <= sequence <= 999:
        raise InvalidInput("at most 999 files a day per record type", field="sequence")
    name = f"{provider}{day:%Y%m%d}{record_type}0{sequence:03d}0.txt"
    if not _NAME.match(name):
        raise InvalidInput(f"'{name}' is not a reporting file name", field="name")
    return name


def header(record_type: str, version: str, provider: str, at: datetime, count: int) -> str:
    line = f"A050{record_type}{version}  {provider}{at:%Y%m%d%H%M%S}0{count:07d}"
    if len(line) != 50:
        raise InvalidInput(f"the file header has {len(line)} characters, not 50", field="header")
    return line


def render(
    lines: Iterable[str], count: int, record_type: str, version: str, provider: str, at: datetime
) -> bytes:
    """The file: its header counting ``count`` records, then the record lines (rendered already)."""
    out = io.BytesIO()
    out.write(header(record_type, version, provider, at, count).encode() + b"\n")
    written = 0
    for line in lines:
        out.write(line.encode("utf-8") + b"\n")
        written += 1
    if written != count:
        raise InvalidInput(f"the header counts {count} records, {written} were written", field="count")
    return out.getvalue()


def read(content: bytes) -> tuple[dict[str, str], list[CreditRecord]]:
    """A file back into its header fields and records (what reconciliation reads)."""
    text = content.decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or len(lines[0]) != 50 or not lines[0].startswith("A050"):
        raise InvalidInput("the file does not start with a 50-character header", field="header")
    head = lines[0]
    fields = {
        "record_type": head[4:7],
        "version": head[7:12],
        "provider": head[14:28],
        "generated": head[28:42],
        "count": head[43:50],
    }
    records = [parse_line(line) for line in lines[1:]]
    if int(fields["count"]) != len(records):
        raise InvalidInput(
            f"the header counts {int(fields['count'])} records, the file holds {len(records)}", field="count"
        )
    return fields, records


__all__ = ["ReportFile", "file_name", "header", "read", "render"]
