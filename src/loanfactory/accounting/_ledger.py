"""The general ledger (总账) of one store: closing business dates, and reading the books.

::

    gl = GeneralLedger(store, clock=clock)                 # packaged chart and posting rules
    servicing = Servicing(store, clock, ..., day_steps=(gl,))   # every end of day closes the books
    tb = gl.trial_balance(date(2026, 1, 1), date(2026, 1, 31))
    tb.balanced, tb.net_income, tb.row("601101").change
    gl.balances(date(2026, 1, 31), by=("product", "category"), accounts=["130101", "130401"])
    gl.account_ledger("224101", date(2026, 1, 1), date(2026, 1, 31))

Reading is for any caller (reports, exports); :meth:`GeneralLedger.close_day` is the end-of-day
step. Figures come from the closed days only: a trial balance up to a date not yet closed shows
what was closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from loanfactory.accounting._chart import Account, Chart
from loanfactory.accounting._close import close_day
from loanfactory.accounting._journal import Journal, JournalLine
from loanfactory.accounting._rulefile import load_posting_rules
from loanfactory.accounting._rules import PostingRules
from loanfactory.accounting._store import DayClose, PostedLine, Turnover, books_in
from loanfactory.accounting._trial import AccountBalance, LedgerLine, TrialBalance, TrialBalanceRow
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Clock, Store
from loanfactory.servicing import DEFAULT_RULES, ClassificationRules

ZERO = Decimal(0)
Dimension = Literal["product", "category"]


class GeneralLedger:
    """The books of a store, under a chart of accounts and posting rules (see the module docstring).

    ``classification`` gives the provision rates by class: pass the same rules the servicing uses,
    so that the books provide what the post-loan reports show.
    """

    name = "gl"  # the end-of-day step's name

    def __init__(
        self,
        store: Store,
        *,
        rules: PostingRules | None = None,
        classification: ClassificationRules = DEFAULT_RULES,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.rules = rules or load_posting_rules()
        self.chart: Chart = self.rules.chart
        self.classification = classification
        self.clock = clock

    # --- closing --------------------------------------------------------------------------------

    def close_day(self, day: date) -> int:
        """Close ``day`` in the books (see :mod:`loanfactory.accounting._close`); returns how many
        journals were booked (0 when the day was already closed)."""
        if self.clock is None:
            raise StateConflict(
                "closing the books needs a clock", field="clock", message_zh="结账需要注入时钟（clock）"
            )
        at = self.clock.now()
        with self.store.transaction() as tx:
            close = close_day(books_in(tx), day, self.rules, self.classification, at)
            if close is None:
                return 0
            tx.audit.append(
                actor="system",
                action="gl.close",
                subject=f"gl:{day.isoformat()}",
                at=at,
                after={
                    "journals": close.journals,
                    "lines": close.lines,
                    "previous": close.previous.isoformat() if close.previous else None,
                    "digest": close.digest,
                },
            )
            return close.journals

    def last_closed(self) -> DayClose | None:
        """The newest closed date's record."""
        with self.store.transaction() as tx:
            return books_in(tx).last_closed()

    # --- reading ------------------------------------------------------------------------------

    def trial_balance(self, start: date, end: date, *, product: str | None = None) -> TrialBalance:
        """Opening balances, turnover and closing balances of every leaf account with a figure,
        from ``start`` to ``end`` inclusive (for one product when given)."""
        _period(start, end)
        with self.store.transaction() as tx:
            books = books_in(tx)
            opening = _net(books.turnover(None, start - timedelta(days=1), product=product))
            moved = books.turnover(start, end, product=product)
        debit: dict[str, Decimal] = defaultdict(lambda: ZERO)
        credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in moved:
            debit[row.account] += row.debit
            credit[row.account] += row.credit
        codes = sorted(set(opening) | set(debit))
        rows = tuple(
            TrialBalanceRow(self._account(code), opening.get(code, ZERO), debit[code], credit[code])
            for code in codes
            if opening.get(code, ZERO) or debit[code] or credit[code]
        )
        return TrialBalance(start, end, product, rows)

    def balances(
        self,
        as_of: date,
        *,
        by: Sequence[Dimension] = (),
        accounts: Iterable[str] | None = None,
        product: str | None = None,
    ) -> list[AccountBalance]:
        """Balances at the end of ``as_of`` per account, split by ``product`` and/or ``category``
        (five-category class, on the class-dependent accounts) when asked; zero balances left out."""
        for dimension in by:
            if dimension not in ("product", "category"):
                raise InvalidInput(
                    f"balances are split by product or category, not '{dimension}'",
                    field="by",
                    message_zh=f"余额只能按 product（产品）或 category（五级分类）拆分，不能按 '{dimension}'",
                )
        wanted = None if accounts is None else set(accounts)
        for code in wanted or ():
            self._account(code)
        with self.store.transaction() as tx:
            rows = books_in(tx).turnover(None, as_of, product=product)
        sums: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(lambda: ZERO)
        for row in rows:
            if wanted is not None and row.account not in wanted:
                continue
            key = (
                row.account,
                row.product if "product" in by else None,
                row.category if "category" in by else None,
            )
            sums[key] += row.net
        return [
            AccountBalance(self._account(code), product_, category, balance)
            for (code, product_, category), balance in sorted(sums.items(), key=lambda kv: str(kv[0]))
            if balance
        ]

    def account_ledger(
        self,
        account: str,
        start: date,
        end: date,
        *,
        product: str | None = None,
        loan_id: str | None = None,
    ) -> tuple[Decimal, list[LedgerLine]]:
        """The opening balance and the lines of ``account`` from ``start`` to ``end`` (明细账),
        each with the running balance (debit minus credit)."""
        _period(start, end)
        self._account(account)
        with self.store.transaction() as tx:
            books = books_in(tx)
            if loan_id is None:
                earlier = books.turnover(None, start - timedelta(days=1), product=product)
                opening = sum((r.net for r in earlier if r.account == account), ZERO)
            else:
                before = books.lines(date.min, start - timedelta(days=1), account=account, loan_id=loan_id)
                opening = sum((ln.amount * ln.side.sign for ln in before), ZERO)
            found = books.lines(start, end, account=account, product=product, loan_id=loan_id)
        balance = opening
        out: list[LedgerLine] = []
        for ln in found:
            balance += ln.amount * ln.side.sign
            out.append(
                LedgerLine(
                    ln.accounting_date,
                    ln.value_date,
                    ln.journal_id,
                    ln.kind,
                    ln.side,
                    ln.amount,
                    balance,
                    ln.product,
                    ln.category,
                    ln.loan_id,
                    ln.memo,
                )
            )
        return opening, out

    def turnover(self, start: date, end: date, *, product: str | None = None) -> list[Turnover]:
        """Debit and credit turnover per account, product and class from ``start`` to ``end`` (发生额)."""
        _period(start, end)
        with self.store.transaction() as tx:
            return books_in(tx).turnover(start, end, product=product)

    def journals(self, start: date, end: date, *, loan_id: str | None = None) -> list[Journal]:
        """The journals booked from ``start`` to ``end`` (记账凭证), with their lines."""
        _period(start, end)
        with self.store.transaction() as tx:
            return journals_of(books_in(tx).lines(start, end, loan_id=loan_id))

    def posted_lines(self, start: date, end: date) -> list[PostedLine]:
        """The journal lines booked from ``start`` to ``end`` with their journals' headers."""
        _period(start, end)
        with self.store.transaction() as tx:
            return books_in(tx).lines(start, end)

    def _account(self, code: str) -> Account:
        found = self.chart.accounts.get(code)
        if found is None:
            raise StateConflict(
                f"account {code} has entries but is not in the chart {self.chart.file}",
                field="account",
                message_zh=f"科目 {code} 有记账记录，但不在科目表 {self.chart.file} 中",
            )
        return found


def journals_of(lines: Iterable[PostedLine]) -> list[Journal]:
    """Stored lines grouped back into their journals (in the order given)."""
    grouped: dict[str, list[PostedLine]] = {}
    for ln in lines:
        grouped.setdefault(ln.journal_id, []).append(ln)
    out = []
    for journal_id, rows in grouped.items():
        first = rows[0]
        out.append(
            Journal(
                id=journal_id,
                kind=first.kind,
                accounting_date=first.accounting_date,
                value_date=first.value_date,
                booked_at=first.booked_at,
                lines=tuple(
                    JournalLine(r.account, r.side, r.amount, r.product, r.category, r.loan_id) for r in rows
                ),
                source=first.source,
                loan_id=next((r.loan_id for r in rows if r.loan_id), ""),
                product=first.product,
                memo=first.memo,
                red=first.red,
            )
        )
    return out


def _net(rows: Iterable[Turnover]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        out[row.account] += row.net
    return out


def _period(start: date, end: date) -> None:
    if start > end:
        raise InvalidInput(
            f"the period starts ({start}) after it ends ({end})",
            field="start",
            message_zh=f"期间开始日 {start} 晚于结束日 {end}",
        )
