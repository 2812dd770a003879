"""Settings of the origination service (审批参数): what a bank tunes without touching code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from loanfactory.lpr import LprSeries
from loanfactory.origination._prereview import DocumentPolicy
from loanfactory.ports import Channel


class OccupyOn(StrEnum):
    """When an approved loan occupies the credit line (额度占用时点)."""

    approval = "approval"  # when the offer is issued; given back if it is declined or lapses
    disbursement = "disbursement"  # servicing occupies when the money goes out


@dataclass(frozen=True)
class OriginationSettings:
    """Tunable behaviour of :class:`~loanfactory.origination.Origination`."""

    offer_valid_days: int = 7  # an offer lapses after this many days (报价有效期)
    line_valid_months: int = 12  # a new credit line runs this long (授信期限)
    occupy_on: OccupyOn = OccupyOn.approval
    identity_key: bytes | None = None  # HMAC key for identity hashes; None: plain SHA-256
    documents: DocumentPolicy = field(default_factory=DocumentPolicy)
    lpr: LprSeries = field(default_factory=LprSeries.default)
    compare_max: int = 5  # products compared side by side at most (产品对比上限)
    preview_rows: int = 12  # schedule rows kept on an offer (还款计划预览期数)
    reviewer_role: str = "credit-reviewer"  # who receives review-task notices
    customer_channel: Channel = Channel.sms
    trace: bool = True  # keep each rule's match and the values it read on the decision records
    rules_engine: Literal["compiled", "durable"] = "compiled"
