"""The customer-service methods of :class:`~._service_backend.ServiceBackend` (客户服务).

The answerer is built on first use (loading the segmentation dictionary takes a few seconds) from
the knowledge base shipped with loanfactory, with the customer's facts read from the store. A
question it hands over becomes an inquiry ticket in the agents' queue, carrying the question.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from typing import Any

from loanfactory.adapters.http._models import (
    AssignIn,
    ExtendIn,
    QuestionIn,
    RatingIn,
    ReplyIn,
    ResolveIn,
    TicketIn,
)
from loanfactory.entity import CST
from loanfactory.lender import Lender
from loanfactory.service_desk import (
    Answerer,
    AnswerOutcome,
    ServiceDesk,
    StoreFacts,
    TicketCategory,
    TicketKind,
    load_faq,
)

TOPIC_CATEGORY = {
    "products": TicketCategory.products,
    "application": TicketCategory.application,
    "repayment": TicketCategory.repayment,
    "account": TicketCategory.account,
    "service": TicketCategory.service,
}


class ServiceDeskMethods:
    lender: Lender
    desk: ServiceDesk
    _answerer: Answerer | None
    _answerer_lock: threading.Lock

    def answerer(self) -> Answerer:
        with self._answerer_lock:
            if self._answerer is None:
                self._answerer = Answerer(load_faq(), facts=StoreFacts(self.lender.store, self.lender.clock))
            return self._answerer

    def ask(self, customer_id: str, request: QuestionIn, *, key: str) -> dict[str, Any]:
        answer = self.answerer().answer(request.question, customer_id)
        view: dict[str, Any] = {
            "outcome": answer.outcome.value,
            "text": answer.text,
            "entry_id": answer.entry_id,
            "topic": answer.topic,
            "score": str(answer.score),
            "personal": answer.personal,
            "reason": answer.reason,
            "ticket": None,
        }
        if answer.outcome is AnswerOutcome.handover:
            ticket = self.desk.open(
                customer_id,
                kind=TicketKind.inquiry,
                category=TOPIC_CATEGORY.get(answer.topic or "", TicketCategory.other),
                subject=f"转人工：{request.question[:40]}",
                description=request.question,
                question=request.question,
                key=key,
                by=customer_id,
            )
            view["ticket"] = ticket.model_dump(mode="json")
        return view

    def open_ticket(self, customer_id: str, request: TicketIn, *, actor: str, key: str) -> Any:
        return self.desk.open(
            customer_id,
            kind=request.kind,
            category=request.category,
            subject=request.subject,
            description=request.description,
            priority=request.priority,
            channel=request.channel,
            key=key,
            by=actor,
        )

    def list_tickets(self, *, customer_id: str | None, status: str | None, assignee: str | None) -> Any:
        where = {
            k: v for k, v in (("customer_id", customer_id), ("status", status), ("assignee", assignee)) if v
        }
        return self.desk.tickets(**where)

    def get_ticket(self, ticket_id: str) -> Any:
        return self.desk.get(ticket_id)

    def assign_ticket(self, ticket_id: str, request: AssignIn, *, actor: str, key: str) -> Any:
        return self.desk.assign(ticket_id, request.agent, key=key, by=actor)

    def reply_ticket(
        self, ticket_id: str, request: ReplyIn, *, from_customer: bool, actor: str, key: str
    ) -> Any:
        return self.desk.reply(ticket_id, request.text, from_customer=from_customer, key=key, by=actor)

    def extend_ticket(self, ticket_id: str, request: ExtendIn, *, actor: str, key: str) -> Any:
        return self.desk.extend(ticket_id, request.reason, approved_by=request.approved_by, key=key, by=actor)

    def escalate_ticket(self, ticket_id: str, request: ReplyIn, *, actor: str, key: str) -> Any:
        return self.desk.escalate(ticket_id, request.text, key=key, by=actor)

    def resolve_ticket(self, ticket_id: str, request: ResolveIn, *, actor: str, key: str) -> Any:
        return self.desk.resolve(ticket_id, request.decision, key=key, by=actor)

    def rate_ticket(self, ticket_id: str, request: RatingIn, *, actor: str, key: str) -> Any:
        return self.desk.rate(ticket_id, request.score, request.note, key=key, by=actor)

    def service_report(self, start: date, end: date) -> dict[str, Any]:
        """Tickets received from ``start`` to ``end`` inclusive (China dates), as they stand now."""
        report = self.desk.report(
            datetime.combine(start, time(0), tzinfo=CST),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=CST),
        )
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "volume": report.volume,
            "resolved": report.resolved,
            "sla_met": report.sla_met,
            "sla_missed": report.sla_missed,
            "sla_met_rate": None if report.sla_met_rate is None else str(report.sla_met_rate),
            "top_categories": [{"category": c, "tickets": n} for c, n in report.top_categories],
            "complaints_by_category": report.complaints_by_category,
            "satisfaction_average": None
            if report.satisfaction_average is None
            else str(report.satisfaction_average),
            "rated": report.rated,
            "overdue_open": report.overdue_open,
        }
