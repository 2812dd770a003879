"""What the compliance archive keeps (合规档案): records, legal holds and the retention policy.

An :class:`ArchiveRecord` is the index entry of one archived file: what it is (category, subject,
title), whom it concerns (customer, application, contract, loan), the SHA-256 of its bytes (which
is also the key of the blob that holds them) and how long it must be kept. The bytes live in a
:class:`~loanfactory.ports.BlobStore`; the record's digest is also written into the hash-chained
audit log when it is archived, so changing the bytes, the record or the chain is detected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from loanfactory.audit import canonical_json
from loanfactory.calendar import add_months
from loanfactory.entity import Entity
from loanfactory.errors import InvalidInput, StateConflict


class ArchiveCategory(StrEnum):
    """Kinds of archived record (档案类别)."""

    application = "application"  # 申请资料
    document = "document"  # 证明材料与影像文件
    decision = "decision"  # 审批决策与决策轨迹
    review = "review"  # 审核与合规复核记录
    contract = "contract"  # 合同文本
    signature = "signature"  # 签署记录
    disbursement = "disbursement"  # 放款记录
    notice = "notice"  # 已发送的通知
    credit_report = "credit-report"  # 征信报送文件
    regulatory_return = "regulatory-return"  # 监管报表
    log = "log"  # 操作日志

    @property
    def zh(self) -> str:
        return _ZH[self]


_ZH = {
    ArchiveCategory.application: "申请资料",
    ArchiveCategory.document: "证明材料",
    ArchiveCategory.decision: "审批决策",
    ArchiveCategory.review: "审核记录",
    ArchiveCategory.contract: "合同",
    ArchiveCategory.signature: "签署记录",
    ArchiveCategory.disbursement: "放款记录",
    ArchiveCategory.notice: "通知",
    ArchiveCategory.credit_report: "征信报送文件",
    ArchiveCategory.regulatory_return: "监管报表",
    ArchiveCategory.log: "操作日志",
}


class ArchiveRecord(Entity):
    """One archived file (档案记录); its bytes are in the blob store under ``sha256``."""

    kind: ClassVar[str] = "archive_record"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "application_id", "loan_id", "category", "subject")

    category: ArchiveCategory
    subject: Annotated[str, Field(min_length=1, max_length=200)]  # what it records: an id or file name
    title: Annotated[str, Field(max_length=200)]
    filename: Annotated[str, Field(min_length=1, max_length=200)]
    media_type: str = "application/json"
    size: Annotated[int, Field(ge=0)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    customer_id: str | None = None
    application_id: str | None = None
    contract_id: str | None = None
    loan_id: str | None = None
    stored_at: datetime
    stored_by: str = "system"
    retain_until: date | None = None  # None while the loan it belongs to is open
    loan_closed_on: date | None = None
    purged_at: datetime | None = None
    purged_by: str | None = None

    def under_retention(self, today: date) -> bool:
        return self.retain_until is None or today <= self.retain_until

    @property
    def purged(self) -> bool:
        return self.purged_at is not None


class HoldScope(StrEnum):
    """What a legal hold covers (诉讼保全/监管冻结的范围)."""

    loan = "loan"
    customer = "customer"
    record = "record"


class LegalHold(Entity):
    """A legal hold (法律保全): while active, nothing it covers may be purged."""

    kind: ClassVar[str] = "legal_hold"
    indexes: ClassVar[tuple[str, ...]] = ("target", "active")

    scope: HoldScope
    target: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    placed_by: str
    placed_at: datetime
    active: bool = True
    released_by: str | None = None
    released_at: datetime | None = None

    def covers(self, record: ArchiveRecord) -> bool:
        if not self.active:
            return False
        if self.scope is HoldScope.record:
            return record.id == self.target
        if self.scope is HoldScope.loan:
            return record.loan_id == self.target
        return record.customer_id == self.target


DEFAULT_YEARS = 5
"""Records are kept at least five years after the loan closes (or after they were stored when
they belong to no loan), as the rules on business records and credit information ask."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Years to keep each category (保存期限): after the loan closes for a loan's records, after
    storage for records that belong to no loan (a rejected application, a monthly file)."""

    years: Mapping[ArchiveCategory, int] = field(default_factory=dict)
    default_years: int = DEFAULT_YEARS

    def __post_init__(self) -> None:
        given: list[tuple[str, object]] = [(f"years.{c}", v) for c, v in self.years.items()]
        for where, value in [*given, ("default_years", self.default_years)]:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 100:
                raise InvalidInput(
                    f"a retention period is a whole number of years from 0 to 100, got {value!r}",
                    field=where,
                    message_zh=f"保存期限须为 0 到 100 之间的整数年，当前为 {value!r}",
                )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> RetentionPolicy:
        """From configuration: ``{"default": 5, "contract": 10, "notice": 5, ...}``."""
        years: dict[ArchiveCategory, int] = {}
        default = DEFAULT_YEARS
        for key, value in data.items():
            if key == "default":
                default = value  # type: ignore[assignment]  # checked in __post_init__
                continue
            try:
                years[ArchiveCategory(key)] = value  # type: ignore[assignment]
            except ValueError:
                names = ", ".join(c.value for c in ArchiveCategory)
                raise InvalidInput(
                    f"'{key}' is not an archive category ({names})",
                    field=f"retention.{key}",
                    message_zh=f"'{key}' 不是档案类别（{names}）",
                ) from None
        return cls(years=years, default_years=default)

    def years_for(self, category: ArchiveCategory) -> int:
        return self.years.get(category, self.default_years)

    def until(self, category: ArchiveCategory, start: date) -> date:
        return add_months(start, 12 * self.years_for(category))


class RetentionViolation(StateConflict):
    """A purge asked for records that must still be kept (retention or a legal hold)."""

    code = "under-retention"

    def __init__(self, kept: list[ArchiveRecord], held: list[ArchiveRecord]) -> None:
        parts = [f"{r.id} (until {r.retain_until or 'loan closure + retention'})" for r in kept]
        parts += [f"{r.id} (legal hold)" for r in held]
        listed = ", ".join(parts)
        super().__init__(
            f"{len(parts)} record(s) must still be kept: {listed}",
            field="ids",
            message_zh=f"{len(parts)} 条档案仍须保存（保存期内或法律保全中），不能清除：{listed}",
        )
        self.kept = kept
        self.held = held


class TamperedRecord(StateConflict):
    """An archived file's bytes, its record or its audit link no longer agree."""

    code = "archive-tampered"


def json_bytes(value: Any) -> bytes:
    """Canonical JSON (sorted keys, exact decimals) of an entity or value, as archived."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return canonical_json(value).encode()


def record_id(category: ArchiveCategory, subject: str, sha256: str) -> str:
    """The id of the record of these bytes as this subject: archiving them again finds it."""
    return "arc_" + hashlib.sha256(f"{category.value}|{subject}|{sha256}".encode()).hexdigest()[:40]


def category_of(value: ArchiveCategory | str) -> ArchiveCategory:
    """The category named by ``value``, or InvalidInput listing the categories."""
    try:
        return ArchiveCategory(value)
    except ValueError:
        names = ", ".join(c.value for c in ArchiveCategory)
        raise InvalidInput(
            f"'{value}' is not an archive category ({names})",
            field="category",
            message_zh=f"'{value}' 不是档案类别（{names}）",
        ) from None


_SUFFIX = {"application/json": "json", "text/plain": "txt", "application/zip": "zip"}


def default_filename(category: ArchiveCategory, subject: str, media_type: str) -> str:
    """A file name for a record archived without one."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in subject)
    return f"{category.value}-{safe}.{_SUFFIX.get(media_type, 'bin')}"


__all__ = [
    "DEFAULT_YEARS",
    "ArchiveCategory",
    "ArchiveRecord",
    "HoldScope",
    "LegalHold",
    "RetentionPolicy",
    "RetentionViolation",
    "TamperedRecord",
    "category_of",
    "default_filename",
    "json_bytes",
    "record_id",
]
