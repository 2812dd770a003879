"""Maker and checker (双人复核): the one shape of the servicing commands a second user decides.

Offline postings and reversals (:mod:`._manual`) and loan adjustments (:mod:`._restructuring`)
are asked for by a user of a permitted role (the maker) and, where they wait, approved or
rejected by another user of such a role (the checker); the maker never decides their own record.
A :class:`Duty` says who may do the work and how its records are named in the refusals;
:func:`command` runs a maker's or checker's command as that user, a link of the audit chain with
its arguments; :func:`reject` is the checker's refusal, the same for every kind of record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing._core import Context
from loanfactory.servicing._records import ManualPosting
from loanfactory.servicing._relief import Relief

R = TypeVar("R")
Record = TypeVar("Record", ManualPosting, Relief)


@dataclass(frozen=True, slots=True)
class Operator:
    """Who does a manual posting or asks for or decides an adjustment: a user and their role
    (经办人/复核人)."""

    user: str
    role: str


@dataclass(frozen=True)
class Duty:
    """A four-eyes duty: what a user outside its roles is told, and how its records are named."""

    refused: str
    refused_zh: str
    field: str
    record: str
    record_zh: str
    undecided_zh: str
    own_zh: str

    def check(self, operator: Operator, roles: tuple[str, ...]) -> None:
        """NotPermitted unless ``operator`` is a named user of one of ``roles``."""
        if not operator.user.strip() or operator.role not in roles:
            raise NotPermitted(
                f"only {', '.join(roles)} staff {self.refused}", field="operator", message_zh=self.refused_zh
            )

    def pending(self, tx: Transaction, kind: type[Record], record_id: str, operator: Operator) -> Record:
        """The record a checker decides, locked: it must be pending, and not the checker's own."""
        record = tx.repo(kind).lock(record_id)
        if record.status.value != "pending":
            raise StateConflict(
                f"{self.record} {record_id} is {record.status.value}",
                field=self.field,
                code="not-pending",
                message_zh=f"{self.record_zh} {record_id} 状态为 {record.status.value}，{self.undecided_zh}",
            )
        if operator.user == record.maker:
            article = "an" if self.record[0] in "aeiou" else "a"
            raise NotPermitted(
                f"a second person approves or rejects {article} {self.record}; the maker cannot",
                field="operator",
                code="four-eyes",
                message_zh=self.own_zh,
            )
        return record


def command(
    ctx: Context,
    operator: Operator,
    *,
    name: str,
    key: str,
    arguments: Any,
    result_type: Any,
    body: Callable[[Transaction], tuple[str, R]],
) -> R:
    """Run a maker's or checker's command as that user, its arguments in the audit chain."""
    return ctx.run(
        name=name,
        key=key,
        arguments=arguments,
        result_type=result_type,
        body=body,
        actor=operator.user,
        audit_arguments=True,
    )


def reject(
    ctx: Context,
    duty: Duty,
    kind: type[Record],
    record_id: str,
    *,
    operator: Operator,
    roles: tuple[str, ...],
    reason: str,
    key: str,
    name: str,
    arguments: Any,
    noted: Callable[[Record], dict[str, Any]],
) -> Record:
    """A checker rejects a pending record with ``reason`` (``noted`` says where the record keeps
    it); nothing else changes."""
    duty.check(operator, roles)
    if not reason.strip():
        raise InvalidInput("give the reason for rejecting", field="reason", message_zh="请填写驳回原因")

    def body(tx: Transaction) -> tuple[str, Record]:
        record = duty.pending(tx, kind, record_id, operator)
        rejected = tx.repo(kind).update(
            record.evolve(
                status="rejected", checker=operator.user, decided_at=ctx.clock.now(), **noted(record)
            )
        )
        return record.loan_id, rejected

    return command(ctx, operator, name=name, key=key, arguments=arguments, result_type=kind, body=body)
