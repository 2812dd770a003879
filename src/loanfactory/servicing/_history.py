"""A customer's history with the lender (与本行的往来), from the loans servicing keeps.

Origination reads it as the ``customer.*`` facts (``customer.first_loan``) through the
:class:`~loanfactory.origination._customer.LoanHistory` port; :class:`LoanBook` is servicing's
implementation, reading the customer's loans in the decision's own transaction. A loan counts once
money went out (``start`` is set): a contract that was never disbursed or was cancelled is no
loan. The worst days past due is kept on each loan by the end of day.
"""

from __future__ import annotations

from loanfactory.facts import CustomerHistory
from loanfactory.ports import Transaction
from loanfactory.servicing._loan import Loan, LoanStatus


class LoanBook:
    """The :class:`~loanfactory.origination._customer.LoanHistory` of a servicing store."""

    def history(self, tx: Transaction, customer_id: str) -> CustomerHistory:
        loans = [loan for loan in tx.repo(Loan).list(customer_id=customer_id) if loan.start is not None]
        active = [loan for loan in loans if loan.status is LoanStatus.active]
        return CustomerHistory(
            previous_loans=len(loans),
            active_loans=len(active),
            settled_loans=sum(loan.status is LoanStatus.settled for loan in loans),
            written_off_loans=sum(loan.status is LoanStatus.written_off for loan in loans),
            max_dpd=max((loan.max_days_past_due for loan in loans), default=0),
            current_dpd=max((loan.days_past_due for loan in active), default=0),
        )
