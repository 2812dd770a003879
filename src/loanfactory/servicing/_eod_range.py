"""Loan-id ranges (贷款编号区间): the partitions of an end of day run by several processes at once.

The end of day works through its agenda in loan-id order (ids compare as text; PostgreSQL sorts
them with the C collation, the same order). A :class:`LoanRange` holds the ids after ``after``
(exclusive) up to ``upto`` (inclusive); an open bound reaches the end of the id space, so the
ranges :func:`split_agenda` plans cover every id — a loan that joins the day's agenda after the
plan still falls in exactly one range.

Each range keeps its own checkpoint in the day's run record (:attr:`EodRun.parts`: the range's
key and the last loan it finished), so a partition that stopped resumes after its own cursor;
:func:`finished` tells whether a loan is past any checkpoint of the run, whichever ranges the run
was planned with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from loanfactory.errors import InvalidInput
from loanfactory.servicing._records import EodRun


@dataclass(frozen=True, slots=True)
class LoanRange:
    """The loan ids ``after < id <= upto`` (``None``: no bound on that side)."""

    after: str | None = None
    upto: str | None = None

    def __post_init__(self) -> None:
        if self.after is not None and self.upto is not None and self.after >= self.upto:
            raise InvalidInput(
                f"an empty loan range: '{self.after}' is not before '{self.upto}'",
                field="loans",
                message_zh=f"贷款编号区间为空：'{self.after}' 不在 '{self.upto}' 之前",
            )

    def __contains__(self, loan_id: object) -> bool:
        if not isinstance(loan_id, str):
            return False
        return (self.after is None or loan_id > self.after) and (self.upto is None or loan_id <= self.upto)

    @property
    def key(self) -> str:
        """The range's name in the run record's checkpoints."""
        return json.dumps([self.after, self.upto], ensure_ascii=False)

    @classmethod
    def from_key(cls, key: str) -> LoanRange:
        after, upto = json.loads(key)
        return cls(after, upto)


def split_agenda(agenda: Sequence[str], partitions: int) -> list[LoanRange]:
    """``partitions`` consecutive ranges holding nearly equal shares of ``agenda``, covering every
    id (fewer when the agenda has fewer loans; one open range when it is empty)."""
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise InvalidInput(
            f"partitions must be a positive whole number, got {partitions!r}",
            field="partitions",
            message_zh=f"分区数必须是正整数，收到 {partitions!r}",
        )
    ids = sorted(set(agenda))
    count = max(1, min(partitions, len(ids)))
    bounds = [ids[(len(ids) * k) // count - 1] for k in range(1, count)]  # the last id of each but the last
    edges: list[str | None] = [None, *bounds, None]
    return [LoanRange(edges[k], edges[k + 1]) for k in range(count)]


def finished(run: EodRun, loan_id: str) -> bool:
    """Whether the run has done ``loan_id`` already: at or before the single run's cursor, or within
    a range's checkpoint."""
    if run.cursor and loan_id <= run.cursor:
        return True
    return any(loan_id <= cursor and loan_id in LoanRange.from_key(key) for key, cursor in run.parts.items())


__all__ = ["LoanRange", "finished", "split_agenda"]
