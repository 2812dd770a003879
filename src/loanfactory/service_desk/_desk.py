"""The service desk (客服工单台): open, assign, reply, extend, escalate, resolve and rate tickets,
sweep for time limits about to pass, and the report that feeds the post-loan review.

Every command runs once per idempotency key and writes its event; time comes from the injected
clock. A complaint's first extension (to 30 days) needs a reason; the second (a further 30 days)
also needs the approval of someone other than the agent handling it. :meth:`ServiceDesk.sweep`
escalates a ticket to level 1 (the supervisor) when its limit is ``warn_before`` away and to level
2 (the consumer-protection officer) once it has passed; each level is recorded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.origination import Command, Customer, run_command
from loanfactory.ports import Clock, Store
from loanfactory.service_desk._ticket import (
    Escalation,
    Extension,
    Priority,
    Reply,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketStatus,
)

DEFAULT_PRIORITY = {
    TicketKind.complaint: Priority.high,
    TicketKind.inquiry: Priority.normal,
    TicketKind.suggestion: Priority.low,
}


@dataclass(frozen=True)
class DeskReport:
    """Tickets received in ``[start, end)``, as they stand now: volume, limits met, categories, rating."""

    start: datetime
    end: datetime
    volume: dict[str, int]  # by kind
    resolved: int
    sla_met: int
    sla_missed: int  # resolved late, or still open past the limit now
    sla_met_rate: Decimal | None  # met / (met + missed), 4 places
    top_categories: list[tuple[str, int]]
    complaints_by_category: dict[str, int]
    satisfaction_average: Decimal | None  # of the rated tickets, 2 places
    rated: int
    overdue_open: list[str]  # ids


class ServiceDesk:
    def __init__(
        self, *, store: Store, clock: Clock, policy: SlaPolicy | None = None, ids: IdFactory | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy or SlaPolicy()
        self.ids = ids or UuidIds()

    # --- reads ---------------------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        with self.store.transaction() as tx:
            return tx.repo(Ticket).get(ticket_id)

    def tickets(self, **where: str) -> list[Ticket]:
        with self.store.transaction() as tx:
            found = tx.repo(Ticket).list(**where)
        return sorted(found, key=lambda t: (t.due_at, t.id))

    # --- commands ------------------------------------------------------------------------------

    def open(
        self,
        customer_id: str,
        *,
        kind: TicketKind,
        category: TicketCategory,
        subject: str,
        description: str,
        priority: Priority | None = None,
        channel: str = "app",
        question: str | None = None,
        key: str,
        by: str,
    ) -> Ticket:
        """Receive a ticket (受理); its time limit starts from now."""

        def body(cmd: Command) -> tuple[str, Ticket]:
            cmd.tx.repo(Customer).get(customer_id)  # NotFound for someone never registered
            now = cmd.clock.now()
            ticket = Ticket(
                id=cmd.ids.new("tkt"),
                customer_id=customer_id,
                type=kind,
                category=category,
                priority=priority or DEFAULT_PRIORITY[kind],
                subject=subject,
                description=description,
                channel=channel,
                received_at=now,
                due_at=self.policy.deadline(now, self.policy.days_for(kind)),
                question=question,
            )
            stored = cmd.tx.repo(Ticket).add(ticket)
            cmd.emit("ticket.opened", stored.id, kind=kind.value, category=category.value)
            return stored.id, stored

        return self._run("open", key, (customer_id, kind, category, subject, description, priority), body, by)

    def assign(self, ticket_id: str, agent: str, *, key: str, by: str) -> Ticket:
        def change(cmd: Command, ticket: Ticket) -> Ticket:
            self._open(ticket)
            return ticket.evolve(assignee=agent, status=TicketStatus.assigned)

        return self._change("assign", ticket_id, (agent,), change, key, by)

    def reply(self, ticket_id: str, text: str, *, from_customer: bool, key: str, by: str) -> Ticket:
        """A message on the ticket; the first agent's reply is the first response."""

        def change(cmd: Command, ticket: Ticket) -> Ticket:
            if ticket.status is TicketStatus.closed:
                raise _conflict(ticket, "closed")
            now = cmd.clock.now()
            message = Reply(at=now, by=by, from_customer=from_customer, text=text)
            first = ticket.first_response_at or (None if from_customer else now)
            return ticket.evolve(replies=(*ticket.replies, message), first_response_at=first)

        return self._change("reply", ticket_id, (text, from_customer), change, key, by)

    def extend(
        self, ticket_id: str, reason: str, *, approved_by: str | None = None, key: str, by: str
    ) -> Ticket:
        """Extend a complaint's limit: to ``complex_days``, then by ``special_extra_days`` with approval."""

        def change(cmd: Command, ticket: Ticket) -> Ticket:
            self._open(ticket)
            if ticket.type is not TicketKind.complaint:
                raise InvalidInput(
                    "only a complaint's time limit is extended",
                    field="ticket_id",
                    message_zh="只有投诉可以延期",
                )
            if not reason.strip():
                raise InvalidInput(
                    "an extension needs its reason", field="reason", message_zh="延期须说明理由"
                )
            done = len(ticket.extensions)
            if done >= 2:
                raise _conflict(ticket, "extended twice already")
            if done == 1 and (approved_by is None or approved_by in (by, ticket.assignee)):
                raise NotPermitted(
                    "the second extension needs the approval of someone other than the handling agent",
                    field="approved_by",
                    code="approval-required",
                    message_zh="再次延期须经处理人以外的人员审批",
                )
            p = self.policy
            due = (
                p.deadline(ticket.received_at, p.complex_days)
                if done == 0
                else p.deadline(ticket.received_at, p.complex_days + p.special_extra_days)
            )
            entry = Extension(at=cmd.clock.now(), by=by, approved_by=approved_by, reason=reason, due_at=due)
            cmd.emit("ticket.extended", ticket.id, due_at=due.isoformat(), reason=reason)
            return ticket.evolve(extensions=(*ticket.extensions, entry), due_at=due)

        return self._change("extend", ticket_id, (reason, approved_by), change, key, by)

    def escalate(self, ticket_id: str, reason: str, *, key: str, by: str) -> Ticket:
        """Raise the ticket one level (升级) by hand, e.g. at the customer's request."""

        def change(cmd: Command, ticket: Ticket) -> Ticket:
            self._open(ticket)
            level = ticket.escalation_level + 1
            entry = Escalation(at=cmd.clock.now(), level=level, reason=reason, by=by)
            return ticket.evolve(escalations=(*ticket.escalations, entry), priority=Priority.urgent)

        return self._change("escalate", ticket_id, (reason,), change, key, by)

    def resolve(self, ticket_id: str, decision: str, *, key: str, by: str) -> Ticket:
        """Record the decision and that the customer was told (作出处理决定并告知)."""

        def change(cmd: Command, ticket: Ticket) -> Ticket:
            self._open(ticket)
            if not decision.strip():
                raise InvalidInput("the decision is required", field="decision", message_zh="须填写处理决定")
            return ticket.evolve(status=TicketStatus.resolved, resolved_at=cmd.clock.now(), decision=decision)

        return self._change("resolve", ticket_id, (decision,), change, key, by)

    def rate(self, ticket_id: str, score: int, note: str | None = None, *, key: str, by: str) -> Ticket:
        """The customer's satisfaction (1-5) with a resolved ticket; it closes the ticket."""

        def change(cmd: Command, ticket: Ticket) -> Ticket:
            if ticket.status is not TicketStatus.resolved:
                raise _conflict(ticket, "not resolved, so not to be rated yet")
            if not 1 <= score <= 5:
                raise InvalidInput("a rating is 1 to 5", field="score", message_zh="评分须为 1 至 5")
            return ticket.evolve(status=TicketStatus.closed, satisfaction=score, satisfaction_note=note)

        return self._change("rate", ticket_id, (score, note), change, key, by)

    def sweep(self, *, by: str = "system") -> list[Ticket]:
        """Escalate open tickets near (level 1) or past (level 2) their limit; returns those changed."""
        now = self.clock.now()
        changed = []
        for ticket in self.tickets():
            if ticket.status.is_done:
                continue
            level = 2 if now > ticket.due_at else 1 if now >= ticket.due_at - self.policy.warn_before else 0
            if level > ticket.escalation_level:
                reason = "overdue" if level == 2 else "due-soon"
                key = f"sweep:{ticket.id}:{level}"
                changed.append(self._sweep_one(ticket.id, level, reason, key, by))
        return changed

    def _sweep_one(self, ticket_id: str, level: int, reason: str, key: str, by: str) -> Ticket:
        def change(cmd: Command, ticket: Ticket) -> Ticket:
            entry = Escalation(at=cmd.clock.now(), level=level, reason=reason, by=by)
            cmd.emit("ticket.escalated", ticket.id, level=level, reason=reason)
            return ticket.evolve(escalations=(*ticket.escalations, entry))

        return self._change("sweep", ticket_id, (level,), change, key, by)

    # --- report --------------------------------------------------------------------------------

    def report(self, start: datetime, end: datetime) -> DeskReport:
        now = self.clock.now()
        tickets = [t for t in self.tickets() if start <= t.received_at < end]
        met = sum(1 for t in tickets if t.met_sla() is True)
        late = sum(1 for t in tickets if t.met_sla() is False)
        overdue = [t.id for t in tickets if t.resolved_at is None and now > t.due_at]
        missed = late + len(overdue)
        rated = [t.satisfaction for t in tickets if t.satisfaction is not None]
        return DeskReport(
            start=start,
            end=end,
            volume={k.value: sum(1 for t in tickets if t.type is k) for k in TicketKind},
            resolved=sum(1 for t in tickets if t.resolved_at is not None),
            sla_met=met,
            sla_missed=missed,
            sla_met_rate=_ratio(met, met + missed, "0.0001"),
            top_categories=Counter(t.category.value for t in tickets).most_common(5),
            complaints_by_category=dict(
                Counter(t.category.value for t in tickets if t.type is TicketKind.complaint).most_common()
            ),
            satisfaction_average=_ratio(sum(rated), len(rated), "0.01"),
            rated=len(rated),
            overdue_open=overdue,
        )

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _open(ticket: Ticket) -> None:
        if ticket.status.is_done:
            raise _conflict(ticket, ticket.status.value)

    def _change(
        self,
        name: str,
        ticket_id: str,
        arguments: object,
        change: Callable[[Command, Ticket], Ticket],
        key: str,
        by: str,
    ) -> Ticket:
        def body(cmd: Command) -> tuple[str, Ticket]:
            repo = cmd.tx.repo(Ticket)
            updated = repo.update(change(cmd, repo.lock(ticket_id)))
            return updated.id, updated

        return self._run(name, key, (ticket_id, arguments), body, by)

    def _run(
        self, name: str, key: str, arguments: object, body: Callable[[Command], tuple[str, Ticket]], by: str
    ) -> Ticket:
        return run_command(
            self.store,
            self.clock,
            self.ids,
            name=f"ticket.{name}",
            event_type=f"ticket.{name}",
            key=key,
            arguments=(by, arguments),
            result_type=Ticket,
            body=body,
            actor=by,
            reload=lambda tx, id: tx.repo(Ticket).get(id),
        )


def _ratio(part: int, whole: int, places: str) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _conflict(ticket: Ticket, why: str) -> StateConflict:
    return StateConflict(
        f"ticket {ticket.id} is {why}",
        field="ticket_id",
        code="ticket-state",
        message_zh=f"工单 {ticket.id} 当前状态不允许该操作（{why}）",
    )
