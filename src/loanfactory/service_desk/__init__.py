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
    CustomerFacts,
    FaqEntry,
    Outcome,
    load_faq,
)
from loanfactory.service_desk._ticket import (
    Category,
    Escalation,
    Extension,
    Priority,
    Reply,
    SlaPolicy,
    Ticket,
    TicketKind,
    TicketStatus,
)

__all__ = [
    "Answer",
    "Answerer",
    "Category",
    "CustomerFacts",
    "DeskReport",
    "Escalation",
    "Extension",
    "FaqEntry",
    "Outcome",
    "Priority",
    "Reply",
    "ServiceDesk",
    "SlaPolicy",
    "StoreFacts",
    "Ticket",
    "TicketKind",
    "TicketStatus",
    "load_faq",
]
