"""What credit reporting keeps in the store (征信报送台账): per account, per notice, per month.

- :class:`CreditAccount` — one per reported loan: its account code, what was reported (each
  record's date, report code and a digest per segment, so later changes become corrections
  rather than rewritten history), records held back and why, manual special transactions, and
  deletion requests;
- :class:`AdverseNotice` — the pre-notice before adverse information is reported (不良信息报送前
  告知, 《征信业管理条例》第十五条): what was sent, when, and the delivery receipt;
- :class:`ReportingRun` — one per month: the files written (names and SHA-256; the bytes are in
  the archive) and the reconciliation summary. A second run of the month returns it unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from loanfactory.entity import Entity
from loanfactory.money import Money


class ManualSpecial(BaseModel):
    """A special transaction recorded by staff (展期、重组 ...) for the period it happened in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    on: date
    amount: Money
    months: int = 0
    detail: str = ""
    recorded_by: str


class CreditAccount(Entity):
    """A loan as a reported account (征信账户)."""

    kind: ClassVar[str] = "credit_account"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id", "status")

    account_code: str
    record_type: str  # "210" or "410"
    customer_id: str
    status: str = "reporting"  # "reporting", "closed", "deleted"
    opened_reported: bool = False
    last_month: str | None = None
    reported_at: datetime | None = None
    category: str = "normal"
    category_since: date | None = None
    reported: tuple[str, ...] = ()  # "YYYY-MM-DD|code|B=…,C=…,H=…" per record, in order
    held: tuple[str, ...] = ()  # "YYYY-MM|reason": months whose records are held back
    specials: tuple[ManualSpecial, ...] = ()
    delete_account: str | None = None  # the reason of an account deletion request not yet sent
    delete_segments: tuple[str, ...] = ()  # "letter|from|to|reason" requests not yet sent
    basic_digest: str | None = None  # what the customer's 110 record said when this account sent it


class AdverseNotice(Entity):
    """The notice sent before reporting an overdue episode (不良信息报送前告知)."""

    kind: ClassVar[str] = "credit_notice"
    indexes: ClassVar[tuple[str, ...]] = ("loan_id", "delivered")

    loan_id: str
    customer_id: str
    episode: date  # the oldest unpaid due date of the delinquency
    notification_id: str
    channel: str
    body: str
    attempts: int = 0
    sent_at: datetime | None = None
    delivered: bool = False
    delivered_at: datetime | None = None
    reference: str | None = None
    error: str | None = None
    overdue: Money = Decimal(0)
    days_past_due: int = 0


class ReportingRun(Entity):
    """One month's reporting (月度报送批次)."""

    kind: ClassVar[str] = "credit_report_run"
    indexes: ClassVar[tuple[str, ...]] = ("month",)

    month: str
    generated_at: datetime
    generated_by: str
    files: tuple[str, ...] = ()  # "name|sha256|records|record type"
    summary: dict[str, Any] = Field(default_factory=dict)
    agreements: dict[str, str] = Field(default_factory=dict)  # credit line id -> state its 220 reported


__all__ = ["AdverseNotice", "CreditAccount", "ManualSpecial", "ReportingRun"]
