"""Who may review (审核职责): the roles allowed at 初审 and 复审, by the amount under review.

A product's ``review:`` section lists, for each stage, bands of roles; the first band whose
``up_to`` covers the amount under review (the amount applied for, or the amount the 初审
approved) is the one that applies, and a band without ``up_to`` covers every amount above the
others::

    review:
      first:                                  # 初审
        - roles: [officer, senior_officer, risk]
      second:                                 # 复审
        - roles: [senior_officer, risk]
          up_to: 1000000
        - roles: [risk]                       # above 1,000,000: risk management only

Without the section a product uses :data:`DEFAULT_DUTIES`, which matches the HTTP roles: any
reviewer may do 初审, a plain officer may not do 复审. The rules that do not depend on the
product — nobody reviews an application they filed, and whoever approved a 初审 or returned a
round of an application does not do its 复审 — are not configurable
(:mod:`loanfactory.origination._duties`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from loanfactory.money import Money, format_money
from loanfactory.spec._base import CrossFieldProblem, SpecModel, lenient


class ReviewerRole(StrEnum):
    """The roles that review applications (审核岗位)."""

    officer = "officer"  # 客户经理/初审岗
    senior_officer = "senior_officer"  # 高级审批岗（复审）
    risk = "risk"  # 风险管理部


class DutyBand(SpecModel):
    """The roles that may act on a stage up to an amount (含本数)."""

    roles: Annotated[
        tuple[Annotated[ReviewerRole, lenient(ReviewerRole)], ...],
        Field(min_length=1, description="Roles allowed (officer, senior_officer, risk)"),
    ]
    up_to: Annotated[
        Money | None, Field(description="The largest amount this band covers; none: every amount above")
    ] = None


def _first() -> tuple[DutyBand, ...]:
    return (DutyBand(roles=(ReviewerRole.officer, ReviewerRole.senior_officer, ReviewerRole.risk)),)


def _second() -> tuple[DutyBand, ...]:
    return (DutyBand(roles=(ReviewerRole.senior_officer, ReviewerRole.risk)),)


class ReviewDuties(SpecModel):
    """Who may do 初审 (``first``) and 复审 (``second``), by amount (审核职责与授权)."""

    first: Annotated[tuple[DutyBand, ...], Field(min_length=1, description="初审")] = Field(
        default_factory=_first
    )
    second: Annotated[tuple[DutyBand, ...], Field(min_length=1, description="复审")] = Field(
        default_factory=_second
    )

    def roles_for(self, stage: str, amount: Decimal) -> tuple[ReviewerRole, ...]:
        """The roles that may act on ``stage`` ("first" or "second") for ``amount``."""
        bands = self.first if stage == "first" else self.second
        for band in bands:
            if band.up_to is None or amount <= band.up_to:
                return band.roles
        return ()

    def problems(self) -> Iterator[CrossFieldProblem]:
        for stage in ("first", "second"):
            bands: tuple[DutyBand, ...] = getattr(self, stage)
            limits = [b.up_to for b in bands]
            for i, (band, limit) in enumerate(zip(bands, limits, strict=True)):
                if limit is None and i < len(bands) - 1:
                    yield CrossFieldProblem(
                        (stage, i, "up_to"),
                        "unreachable",
                        "only the last band may leave up_to out; the bands after it are never used",
                        "只有最后一档可以不写 up_to，否则其后的档位永远用不到",
                    )
                if i and limit is not None and limits[i - 1] is not None and limit <= limits[i - 1]:  # type: ignore[operator]
                    yield CrossFieldProblem(
                        (stage, i, "up_to"),
                        "not-ascending",
                        "bands go from small amounts to large: up_to must grow",
                        "各档须按金额从小到大排列，up_to 应递增",
                    )
                if len(set(band.roles)) != len(band.roles):
                    yield CrossFieldProblem(
                        (stage, i, "roles"), "duplicate", "a role is listed twice", "角色重复"
                    )
            if limits and limits[-1] is not None:
                yield CrossFieldProblem(
                    (stage, len(bands) - 1, "up_to"),
                    "uncovered",
                    f"amounts above {format_money(limits[-1])} have nobody to review them; "
                    "leave up_to out of the last band",
                    f"超过 {format_money(limits[-1])} 元的申请无人可审，最后一档请不要写 up_to",
                )


DEFAULT_DUTIES = ReviewDuties()
"""初审: officer, senior_officer or risk; 复审: senior_officer or risk — at any amount."""
