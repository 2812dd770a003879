"""The customer's own facts for personal answers (个性化答复): read from the store, never guessed.

Only what the customer may see about themselves: their latest application and its status, the
next installment of their active loans (date and amount from the schedule), what is overdue and
the principal outstanding (from the ledger), and what their credit line has available today.
A fact that does not exist (no loan yet) is absent, and the answerer gives the generic answer.
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.money import format_money
from loanfactory.origination import Application, CreditLine, Customer
from loanfactory.ports import Clock, Store
from loanfactory.servicing import Loan, fold

STATUS_ZH = {
    "submitted": "已提交，正在审核",
    "manual-review": "人工审核中",
    "info-requested": "待补充资料",
    "offered": "已批准，待您确认",
    "rejected": "未通过",
    "accepted": "已确认，待签约放款",
    "declined": "您已放弃",
    "expired": "报价已过期",
    "withdrawn": "已撤回",
}


class StoreFacts:
    """:class:`~.faq.CustomerFacts` over the store, as of the clock's business date."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def facts(self, customer_id: str) -> dict[str, str]:
        today = self.clock.today()
        out: dict[str, str] = {}
        with self.store.transaction() as tx:
            customer = tx.repo(Customer).find(customer_id)
            if customer is None:
                return out
            out["customer_name"] = customer.name
            applications = tx.repo(Application).list(customer_id=customer_id)
            if applications:
                latest = max(applications, key=lambda a: (a.submitted_at, a.id))
                out["application_id"] = latest.id
                out["application_status"] = STATUS_ZH.get(latest.status.value, latest.status.value)
                out["application_product"] = latest.product_code
            loans = [x for x in tx.repo(Loan).list(customer_id=customer_id) if x.status.value == "active"]
            out["loan_count"] = str(len(loans))
            upcoming = sorted(
                (row.due_date, row.total)
                for loan in loans
                for row in loan.schedule
                if row.due_date is not None and row.due_date >= today
            )
            if upcoming:
                day = upcoming[0][0]
                out["next_due_date"] = f"{day.year}年{day.month}月{day.day}日"
                out["next_due_amount"] = format_money(sum((t for d, t in upcoming if d == day), Decimal(0)))
            if loans:
                positions = [fold(tx.ledger.entries(loan.id), loan.schedule, today) for loan in loans]
                out["overdue_amount"] = format_money(sum((p.overdue(today) for p in positions), Decimal(0)))
                out["principal_outstanding"] = format_money(sum((p.principal for p in positions), Decimal(0)))
            lines = [
                x for x in tx.repo(CreditLine).list(customer_id=customer_id) if x.status.value == "active"
            ]
            if lines:
                out["line_available"] = format_money(sum((x.available_on(today) for x in lines), Decimal(0)))
        return out
