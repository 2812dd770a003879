"""From one ledger posting to its journal (按记账规则生成会计分录), deterministically.

The journal of a posting is ``posting:<posting id>``: one per posting, whatever runs it or how
often. For each component the posting moves, the rule rows of its event under the loan's basis
give line pairs; the amount is the component's change turned the natural way round
(:data:`~loanfactory.accounting._rules.DIRECTION`). A reversal (冲正) is booked with the rows of
the posting it reverses, in red ink. A posting that moves a component no rule covers stops the
close (:class:`AccountingError`): the books never guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from loanfactory.accounting._chart import Side
from loanfactory.accounting._journal import AccountingError, Journal, JournalLine, merge_lines
from loanfactory.accounting._rulecheck import control_changes
from loanfactory.accounting._rules import DIRECTION, LOAN, Basis, Pair, Rulebook
from loanfactory.accounting._store import Posting
from loanfactory.servicing import Category

LEDGER_COMPONENTS = ("principal", "interest", "penalty", "fee", "credit")
LEDGER_EVENTS = frozenset(
    {
        "disbursement",
        "interest",
        "penalty",
        "fee",
        "repayment",
        "prepayment",
        "credit-applied",
        "refund",
        "waiver",
        "write-off",
    }
)


def lines_of(
    pairs: Iterable[Pair],
    amount: Decimal,
    book: Rulebook,
    *,
    category: Category,
    loan_id: str = "",
) -> list[JournalLine]:
    """The two lines of each pair for ``amount``; the class-dependent accounts (the loan account,
    the allowance and its expense) carry the class as a dimension."""
    classed = {book.account("allowance"), book.account("impairment")}
    out: list[JournalLine] = []
    for debit, credit in pairs:
        for name, side in ((debit, Side.debit), (credit, Side.credit)):
            account = book.class_account(category) if name == LOAN else name
            dimension = category.value if name == LOAN or account in classed else ""
            out.append(JournalLine(account, side, amount, book.product, dimension, loan_id))
    return out


def posting_journal(
    posting: Posting,
    *,
    category: Category,
    basis: Basis,
    book: Rulebook,
    day: date,
    at: datetime,
) -> Journal:
    """The journal of ``posting`` for a loan of ``category`` on ``basis``, booked on ``day``."""
    red = posting.type == "reversal"
    kind = posting.reverses_type if red else posting.type
    if kind not in LEDGER_EVENTS:
        raise AccountingError(f"posting {posting.id}: no posting rules for a '{kind}' posting")
    lines: list[JournalLine] = []
    for component in LEDGER_COMPONENTS:
        value: Decimal = getattr(posting, component)
        if value == 0:
            continue
        sign = DIRECTION[kind].get(component)
        pairs = book.lines_for(kind, component, basis) if sign is not None else None
        if sign is not None and not pairs and not control_changes(kind, component, basis, value):
            continue  # nothing of the books moves (credit applied is its components' sum)
        if sign is None or not pairs:
            raise AccountingError(
                f"posting {posting.id}: a {kind} that moves {component} under the {basis.value} basis "
                "has no posting rule"
            )
        lines += lines_of(pairs, value * sign, book, category=category, loan_id=posting.loan_id)
    return Journal(
        id=f"posting:{posting.id}",
        kind=kind,
        accounting_date=day,
        value_date=posting.business_date,
        booked_at=at,
        lines=merge_lines(lines),
        source=posting.id,
        loan_id=posting.loan_id,
        product=book.product,
        memo=f"reversal of a {kind}" if red else "",
        red=red,
    )
