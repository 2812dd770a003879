"""Ticket time limits on a fixed clock: a complaint is decided within 15 days of receipt, 30 when
complex, a further 30 with another person's approval; the sweep escalates before and after the
limit, once per level; the report counts volume, limits met, categories and satisfaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from desk_support import RECEIVED

from loanfactory.entity import CST
from loanfactory.errors import InvalidInput, NotFound, NotPermitted, StateConflict
from loanfactory.service_desk import ServiceDesk, SlaPolicy, TicketCategory, TicketKind, TicketStatus
from loanfactory.testing import FixedClock

AGENT = "agent.chen"


def end_of(year: int, month: int, day: int) -> datetime:
    """24:00 China time of that day (the last microsecond before the next)."""
    return datetime(year, month, day, tzinfo=CST) + timedelta(days=1) - timedelta(microseconds=1)


def complaint(
    desk: ServiceDesk, customer: str, key: str = "c-1", category: TicketCategory = TicketCategory.fees
) -> str:
    ticket = desk.open(
        customer,
        kind=TicketKind.complaint,
        category=category,
        subject="提前还款被收了未告知的费用",
        description="合同里没有写明这笔费用",
        key=key,
        by="app",
    )
    return ticket.id


def test_a_complaint_must_be_decided_within_15_days_of_receipt(desk: ServiceDesk, customer: str) -> None:
    ticket = desk.get(complaint(desk, customer))
    # received 2025-08-01 09:30: day 1 is 08-02, day 15 is 08-16, the limit ends at its midnight
    assert ticket.due_at == end_of(2025, 8, 16)
    assert ticket.priority.value == "high"
    assert ticket.status is TicketStatus.open
    again = desk.open(
        customer,
        kind=TicketKind.complaint,
        category=TicketCategory.fees,
        subject="提前还款被收了未告知的费用",
        description="合同里没有写明这笔费用",
        key="c-1",
        by="app",
    )
    assert again.id == ticket.id  # the same key opens nothing new
    assert len(desk.tickets(customer_id=customer)) == 1


def test_extensions_to_30_days_then_a_further_30_with_approval(desk: ServiceDesk, customer: str) -> None:
    ticket_id = complaint(desk, customer)
    desk.assign(ticket_id, AGENT, key="a-1", by="supervisor.li")
    with pytest.raises(InvalidInput):
        desk.extend(ticket_id, "  ", key="e-0", by=AGENT)
    first = desk.extend(ticket_id, "需调取通话录音核实", key="e-1", by=AGENT)
    assert first.due_at == end_of(2025, 8, 31)  # 30 days after 08-01
    with pytest.raises(NotPermitted):
        desk.extend(ticket_id, "涉及多部门", key="e-2", by=AGENT)  # nobody approved it
    with pytest.raises(NotPermitted):
        desk.extend(
            ticket_id, "涉及多部门", approved_by=AGENT, key="e-3", by="supervisor.li"
        )  # the agent's own
    second = desk.extend(ticket_id, "涉及多部门", approved_by="cpo.wang", key="e-4", by=AGENT)
    assert second.due_at == end_of(2025, 9, 30)  # a further 30 days: 60 after 08-01
    assert [e.reason for e in second.extensions] == ["需调取通话录音核实", "涉及多部门"]
    with pytest.raises(StateConflict):
        desk.extend(ticket_id, "再延", approved_by="cpo.wang", key="e-5", by=AGENT)


def test_only_complaints_are_extended(desk: ServiceDesk, customer: str) -> None:
    asked = desk.open(
        customer,
        kind=TicketKind.inquiry,
        category=TicketCategory.repayment,
        subject="还款日",
        description="我的还款日是几号",
        key="q-1",
        by="app",
    )
    assert asked.due_at == end_of(2025, 8, 2)
    with pytest.raises(InvalidInput):
        desk.extend(asked.id, "忙", key="e-1", by=AGENT)


def test_the_sweep_escalates_before_and_after_the_limit_once_per_level(
    desk: ServiceDesk, customer: str, clock: FixedClock
) -> None:
    ticket_id = complaint(desk, customer)
    clock.set(datetime(2025, 8, 13, 23, 59, tzinfo=CST))  # more than 3 days before 08-16 24:00
    assert desk.sweep() == []
    clock.set(datetime(2025, 8, 14, 0, 0, tzinfo=CST))  # exactly 3 days before the limit
    [warned] = desk.sweep()
    assert warned.id == ticket_id
    assert (warned.escalation_level, warned.escalations[0].reason) == (1, "due-soon")
    assert desk.sweep() == []  # level 1 is recorded once
    clock.set(end_of(2025, 8, 16))  # the last moment within the limit
    assert desk.sweep() == []
    clock.advance(timedelta(microseconds=1))
    [late] = desk.sweep()
    assert [e.level for e in late.escalations] == [1, 2]
    assert late.escalations[1].reason == "overdue"
    assert desk.sweep() == []


def test_resolution_rating_and_closed_tickets(desk: ServiceDesk, customer: str, clock: FixedClock) -> None:
    ticket_id = complaint(desk, customer)
    with pytest.raises(StateConflict):
        desk.rate(ticket_id, 5, key="r-0", by=customer)  # nothing decided yet
    replied = desk.reply(ticket_id, "已收到，正在核实", from_customer=False, key="p-1", by=AGENT)
    assert replied.first_response_at == RECEIVED
    clock.set(datetime(2025, 8, 10, 15, 0, tzinfo=CST))
    done = desk.resolve(ticket_id, "费用退还 200.00 元", key="d-1", by=AGENT)
    assert (done.status, done.met_sla()) == (TicketStatus.resolved, True)
    with pytest.raises(InvalidInput):
        desk.rate(ticket_id, 6, key="r-1", by=customer)
    rated = desk.rate(ticket_id, 4, "处理及时", key="r-2", by=customer)
    assert (rated.status, rated.satisfaction) == (TicketStatus.closed, 4)
    for attempt in (
        lambda: desk.reply(ticket_id, "还有问题", from_customer=True, key="p-2", by=customer),
        lambda: desk.resolve(ticket_id, "again", key="d-2", by=AGENT),
        lambda: desk.escalate(ticket_id, "不满意", key="x-1", by=customer),
    ):
        with pytest.raises(StateConflict):
            attempt()


def test_an_unknown_customer_gets_no_ticket(desk: ServiceDesk) -> None:
    with pytest.raises(NotFound):
        desk.open(
            "cus_nobody",
            kind=TicketKind.suggestion,
            category=TicketCategory.other,
            subject="建议",
            description="希望增加夜间客服",
            key="s-1",
            by="app",
        )
    assert desk.tickets() == []


def test_the_report_counts_volume_limits_met_categories_and_satisfaction(
    desk: ServiceDesk, customer: str, clock: FixedClock
) -> None:
    on_time = complaint(desk, customer, "c-1", TicketCategory.fees)
    late = complaint(desk, customer, "c-2", TicketCategory.collection)
    still_open = complaint(desk, customer, "c-3", TicketCategory.collection)
    asked = desk.open(
        customer,
        kind=TicketKind.inquiry,
        category=TicketCategory.repayment,
        subject="还款",
        description="怎么还款",
        key="q-1",
        by="app",
    ).id
    clock.set(datetime(2025, 8, 2, 12, 0, tzinfo=CST))
    desk.resolve(asked, "已告知还款方式", key="d-q", by=AGENT)  # within its 1 day
    desk.rate(asked, 5, key="r-q", by=customer)
    clock.set(datetime(2025, 8, 15, 12, 0, tzinfo=CST))
    desk.resolve(on_time, "退费", key="d-1", by=AGENT)
    desk.rate(on_time, 2, key="r-1", by=customer)
    clock.set(datetime(2025, 8, 20, 12, 0, tzinfo=CST))
    desk.resolve(late, "已核实并道歉", key="d-2", by=AGENT)  # after 08-16: late
    report = desk.report(RECEIVED - timedelta(hours=1), RECEIVED + timedelta(days=1))
    assert report.volume == {"inquiry": 1, "complaint": 3, "suggestion": 0}
    assert report.resolved == 3
    # met: the inquiry and the first complaint; missed: the late one and the one still open past 08-16
    assert (report.sla_met, report.sla_missed) == (2, 2)
    assert report.overdue_open == [still_open]
    assert report.sla_met_rate == Decimal("0.5000")
    assert report.top_categories[0] == ("collection", 2)
    assert report.complaints_by_category == {"collection": 2, "fees": 1}
    assert (report.rated, report.satisfaction_average) == (2, Decimal("3.50"))


def test_a_policy_refuses_nonsense_limits() -> None:
    with pytest.raises(ValueError, match="complaint_days"):
        SlaPolicy(complaint_days=40, complex_days=30)
    with pytest.raises(ValueError, match="positive"):
        SlaPolicy(inquiry_days=0)
