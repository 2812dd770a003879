"""Customer service (客户服务): the self-service FAQ answerer with handover to a person, and tickets
(inquiries, complaints, suggestions) with the regulators' complaint time limits; see
``docs/operations-zh.md``.

The answerer needs the ``service`` extra (jieba and rank-bm25)::

    from loanfactory.service_desk import Answerer, load_faq
    answerer = Answerer(load_faq())
    answerer.answer("下一期什么时候还？").entry_id   # "repay-next"
"""

from __future__ import annotations

from loanfactory.service_desk._desk import DeskReport, ServiceDesk
from loanfactory.service_desk._facts import StoreFacts
from loanfactory.service_desk._faq import (
    Answer,
    Answerer,
    AnswerOutcome,
    CustomerFacts,
    FaqEntry,
    load_faq,
)
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

__all__ = [
    "Answer",
    "AnswerOutcome",
    "Answerer",
    "CustomerFacts",
    "DeskReport",
    "Escalation",
    "Extension",
    "FaqEntry",
    "Priority",
    "Reply",
    "ServiceDesk",
    "SlaPolicy",
    "StoreFacts",
    "Ticket",
    "TicketCategory",
    "TicketKind",
    "TicketStatus",
    "load_faq",
]
