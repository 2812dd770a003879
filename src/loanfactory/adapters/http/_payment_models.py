"""Request bodies of the collection and manual-posting operations (收款、线下入账、冲正、复核)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from loanfactory.adapters.http._models import Body
from loanfactory.money import StrictMoney

Reference = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class OfflinePaymentRequest(Body):
    """Money received at the counter or by transfer (线下收款入账), with the bank's reference."""

    amount: StrictMoney = Field(examples=["5000.00"])
    reference: Reference = Field(
        description="The bank's serial number (流水号); unique", examples=["CNTR-0001"]
    )
    channel: Literal["counter", "bank-transfer"] = Field(examples=["counter"])
    received_on: date | None = Field(default=None, description="When the money arrived; today by default")
    memo: Annotated[str, Field(max_length=500)] = ""


class ReversalRequest(Body):
    """Reverse a credited payment (冲正), e.g. a transfer the bank recalled."""

    entry_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
    reference: Reference = Field(
        description="The bank's notice of it (回单号); unique", examples=["RTN-0042"]
    )
    reason: Reason = Field(examples=["transfer recalled"])


class PostingDecision(Body):
    """A second operations user's decision on a pending manual posting (复核)."""

    reason: Reason | None = Field(default=None, description="Required to reject")
