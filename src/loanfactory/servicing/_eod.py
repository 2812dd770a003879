"""End of day (日终批处理): accrue, act on overdue tiers, classify, warn, queue auto-debits.

One business date at a time. Each loan on the day's agenda goes through five steps:

1. ``accrue``   — reprice floating loans on their repricing dates (the LPR in force that day,
                  the rest of the schedule re-amortised), charge the interest and fees falling
                  due, apply held credit (溢缴款), post the day's penalty and compound interest
                  (key ``penalty:<loan>:<date>``): the cumulative accrual rounded once, minus
                  what was posted before;
2. ``actions``  — the overdue tier's actions for the days past due; negotiated-plan checks;
3. ``classify`` — days past due and the five-category class, cached on the loan;
4. ``warnings`` — 72-hour due reminders and event rules (no payment 3 days after a due date);
5. ``debits``   — the auto-debit order for what is due the next day, retries for overdue loans.

After every loan is done, each registered day step runs once for the date (``day_steps``: the
general ledger closes the books, :class:`loanfactory.accounting.GeneralLedger`); a step must be
idempotent, as a resumed run calls it again.

The agenda is the loans whose ``attention_on`` is the date (see :meth:`Loan.next_attention`): a
current loan is looked at only around its due dates, an overdue one every day. Loans go in id
order, in batches of one transaction each; after each batch the run record's ``cursor`` holds the
last loan done, so a crash loses at most the open batch and a resumed run starts after the cursor.
Every posting, task, notification and order has a deterministic key, so nothing is doubled either
way. A completed date is never run again; dates run in order.

A driver may instead run the agenda in loan-id ranges in several processes (``open_eod``, then
``run_eod_range`` per range, each with its own checkpoint in the run record, then ``close_eod``
once; :mod:`loanfactory.adapters.batch` does it on Dask): loans touch only their own records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Transaction
from loanfactory.servicing._early_warning import EarlyWarningOps
from loanfactory.servicing._eod_batch import BatchTransaction
from loanfactory.servicing._eod_guard import check_business_date
from loanfactory.servicing._eod_range import LoanRange, finished
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._overdue import (
    ACCRUAL,
    DEFAULT_RULES,
    ClassificationRules,
    LoanDay,
    accrual_of,
    assess,
    loan_day,
    penalty_to_date,
)
from loanfactory.servicing._position import CASH_IN, EntryType
from loanfactory.servicing._records import EodCalendar, EodRun, EodStep, RunStatus, SignalKind, StepStatus
from loanfactory.servicing._reversal import ReversalOps
from loanfactory.servicing._state import penalty_before
from loanfactory.servicing._terms import reprice
from loanfactory.servicing._vectorised import assess_book, book_of
from loanfactory.servicing._warnings import WarningMonitor

STEPS = ("accrue", "actions", "classify", "warnings", "debits")
Engine = Literal["per-loan", "vectorised"]
ZERO = Decimal(0)


class DayStep(Protocol):
    """A step the end of day runs once per date after every loan (日终后续步骤)."""

    name: str

    def close_day(self, day: date) -> int:
        """Do the date's work (again: it must be idempotent); returns how many records it wrote."""
        ...


class EodOps(ReversalOps, EarlyWarningOps):
    """The end-of-day batch."""

    rules: ClassificationRules = DEFAULT_RULES
    monitor: WarningMonitor | None = None
    day_steps: tuple[DayStep, ...] = ()

    def run_eod(
        self,
        business_date: date,
        *,
        engine: Engine = "per-loan",
        before_loan: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
        allow_gap: bool = False,
    ) -> EodRun:
        """Run (or resume) the end of day for ``business_date``; returns the completed run record.

        A date that would skip dates, or a first date far in the past, is refused unless
        ``allow_gap`` (see :mod:`loanfactory.servicing._eod_guard`).

        ``before_loan(i)`` is called inside a batch's transaction before the ``i``-th loan this
        call works on (from 0): whatever it raises rolls that batch back, which is how the
        crash-resume tests crash a run midway; ``progress(done, agenda)`` is called after each batch.
        """
        run = self.open_eod(business_date, engine=engine, allow_gap=allow_gap)
        if run.status is RunStatus.completed:
            return run
        agenda = self._agenda(business_date)
        self._work(run, agenda, None, business_date, engine, before_loan, progress)
        return self.close_eod(business_date, len(agenda))

    def open_eod(
        self, business_date: date, *, engine: Engine = "per-loan", allow_gap: bool = False
    ) -> EodRun:
        """Open (or find) the run record of ``business_date``, after the calendar guard; the first
        part of :meth:`run_eod`, for a driver that runs the loans in ranges (:meth:`run_eod_range`)."""
        if engine not in ("per-loan", "vectorised"):
            raise InvalidInput(
                f"unknown engine '{engine}'", field="engine", message_zh=f"未知的计算引擎 '{engine}'"
            )
        if business_date > self.clock.today():
            raise StateConflict(
                f"{business_date} has not begun yet (today is {self.clock.today()})",
                field="business_date",
                code="future-date",
                message_zh="不能对未来日期执行日终",
            )
        return self._open_run(business_date, engine, allow_gap)

    def eod_agenda(self, business_date: date) -> list[str]:
        """The ids of the loans the end of day of ``business_date`` looks at, in id order."""
        return self._agenda(business_date)

    def run_eod_range(
        self,
        business_date: date,
        loans: LoanRange,
        *,
        agenda: Sequence[str] | None = None,
        before_loan: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> EodRun:
        """Work the loans of ``loans`` on the agenda of an open run (:meth:`open_eod`), with the
        range's own checkpoint; another process may work another range at the same time. The
        day's book-wide part — day steps, calendar, run completed — is :meth:`close_eod`'s.
        ``agenda``: the day's agenda as the driver read it (else read again here)."""
        with self.store.transaction() as tx:
            run = tx.repo(EodRun).find(f"eod:{business_date.isoformat()}")
        if run is None:
            raise StateConflict(
                f"no end-of-day run is open for {business_date}",
                field="business_date",
                message_zh=f"{business_date} 的日终尚未开始",
            )
        if run.status is RunStatus.completed:
            return run
        agenda = sorted(i for i in (self._agenda(business_date) if agenda is None else agenda) if i in loans)
        engine: Engine = "vectorised" if run.engine == "vectorised" else "per-loan"
        return self._work(run, agenda, loans, business_date, engine, before_loan, progress)

    def close_eod(self, business_date: date, agenda: int) -> EodRun:
        """Run the day steps and complete the open run of ``business_date`` (``agenda``: how many
        loans were on it), after every loan is done."""
        with self.store.transaction() as tx:
            run = tx.repo(EodRun).get(f"eod:{business_date.isoformat()}")
        if run.status is RunStatus.completed:
            return run
        for step in self.day_steps:
            run = self._tally_day_step(run, step.name, step.close_day(business_date))
        return self._close_run(run, business_date, agenda)

    def _work(
        self,
        run: EodRun,
        agenda: list[str],
        loans: LoanRange | None,
        business_date: date,
        engine: Engine,
        before_loan: Callable[[int], None] | None,
        progress: Callable[[int, int], None] | None,
    ) -> EodRun:
        """The agenda's loans not done yet, in batches of one transaction; the checkpoint is the
        run's cursor, or the range's own when working a range."""
        pending = [i for i in agenda if not finished(run, i)]
        size = max(1, self.config.eod_batch)
        for start in range(0, len(pending), size):
            batch = pending[start : start + size]
            with self.store.transaction() as tx:
                self.action_counts = {}
                counts = self._batch(tx, batch, business_date, engine, before_loan, start)
                current = tx.repo(EodRun).lock(run.id)
                totals = dict(current.totals)
                for action, n in self.action_counts.items():
                    totals[f"action:{action}"] = str(int(totals.get(f"action:{action}", "0")) + n)
                steps = tuple(
                    s.model_copy(
                        update={
                            "status": StepStatus.running,
                            "loans": s.loans + counts[s.name][0],
                            "postings": s.postings + counts[s.name][1],
                        }
                    )
                    if s.name in counts
                    else s
                    for s in current.steps
                )
                checkpoint: dict[str, object] = (
                    {"cursor": batch[-1], "agenda": len(agenda)}
                    if loans is None
                    else {"parts": {**current.parts, loans.key: batch[-1]}}
                )
                run = tx.repo(EodRun).update(
                    current.model_copy(update={"steps": steps, "totals": totals, **checkpoint})
                )
                self.action_counts = None
            if progress is not None:
                progress(start + len(batch), len(pending))
        return run

    def _tally_day_step(self, run: EodRun, name: str, records: int) -> EodRun:
        with self.store.transaction() as tx:
            current = tx.repo(EodRun).lock(run.id)
            steps = list(current.steps)
            if not any(s.name == name for s in steps):  # a run opened before the step was registered
                steps.append(EodStep(name=name))
            steps = [
                s.model_copy(update={"postings": s.postings + records}) if s.name == name else s
                for s in steps
            ]
            return tx.repo(EodRun).update(current.model_copy(update={"steps": tuple(steps)}))

    def _open_run(self, day: date, engine: Engine, allow_gap: bool = False) -> EodRun:
        run_id = f"eod:{day.isoformat()}"
        with self.store.transaction() as tx:
            existing = tx.repo(EodRun).find(run_id)
            if existing is not None:
                if existing.status is RunStatus.completed:
                    return existing
                return tx.repo(EodRun).update(existing.model_copy(update={"attempts": existing.attempts + 1}))
            check_business_date(
                tx,
                day,
                last=self.last_eod_date(tx),
                today=self.clock.today(),
                max_gap_days=self.config.eod_max_gap_days,
                allow_gap=allow_gap,
            )
            run = EodRun(
                id=run_id,
                business_date=day,
                engine=engine,
                steps=tuple(EodStep(name=s) for s in (*STEPS, *(d.name for d in self.day_steps))),
                started_at=self.clock.now(),
            )
            return tx.repo(EodRun).add(run)

    def _close_run(self, run: EodRun, day: date, agenda: int) -> EodRun:
        with self.store.transaction() as tx:
            current = tx.repo(EodRun).lock(run.id)
            steps = tuple(s.model_copy(update={"status": StepStatus.done}) for s in current.steps)
            done = current.model_copy(
                update={
                    "status": RunStatus.completed,
                    "finished_at": self.clock.now(),
                    "steps": steps,
                    "agenda": agenda,
                }
            )
            run = tx.repo(EodRun).update(done)
            calendar = tx.repo(EodCalendar).find("eod")
            if calendar is None:
                tx.repo(EodCalendar).add(EodCalendar(id="eod", last_completed=day))
            else:
                tx.repo(EodCalendar).update(calendar.model_copy(update={"last_completed": day}))
            self.emit(
                tx,
                "eod.completed",
                run.id,
                business_date=day,
                agenda=agenda,
                steps={s.name: s.postings for s in run.steps},
            )
        return run

    def _agenda(self, day: date) -> list[str]:
        """The loans to look at: attention date today, or yesterday (a command that came after
        yesterday's run); on the very first run, every active loan. A loan's attention date moves
        in the transaction that finishes it, so a resumed run still finds every loan after its
        cursor."""
        active = LoanStatus.active
        with self.store.transaction() as tx:  # ids by index, never the loans themselves
            repo = tx.repo(Loan)
            if self.last_eod_date(tx) is None:  # the first run looks at every loan once
                return sorted(repo.ids(status=active))
            found = repo.ids(attention_on=day, status=active)
            found += repo.ids(attention_on=day - timedelta(days=1), status=active)
        return sorted(set(found))

    # --- one batch ------------------------------------------------------------------------------

    def _batch(
        self,
        tx: Transaction,
        ids: list[str],
        day: date,
        engine: Engine,
        before_loan: Callable[[int], None] | None,
        first: int,
    ) -> dict[str, list[int]]:
        counts = {name: [0, 0] for name in STEPS}
        tx = BatchTransaction(tx, ids)  # each loan's ledger read once, for the whole batch
        loans = [
            loan for loan in (self.loan_in(tx, i, lock=True) for i in ids) if loan.status is LoanStatus.active
        ]
        changed: set[str] = set()
        penalties = self._accrue_batch(tx, loans, day, engine, counts, changed)
        for index, loan in enumerate(loans):
            if before_loan is not None:
                before_loan(first + index)
            if loan.id in changed:  # repricing or applying credit changed it: read it again
                loan = tx.repo(Loan).get(loan.id)
            amount, accrual = penalties.get(loan.id, (ZERO, ZERO))
            self._post_penalty(tx, loan, day, amount, accrual, counts)
            self._after_accrual(tx, loan, day, counts)
        return counts

    def reprice_due(self, tx: Transaction, loan: Loan, day: date) -> Loan:
        """Apply the loan's LPR repricing dates up to ``day`` not applied yet (利率重定价)."""
        due = loan.next_repricing(loan.repriced_on or loan.start or day)
        if due is None or due > day:
            return loan
        repriced = reprice(loan, self.lpr(), day)
        if repriced.terms.rate.resets != loan.terms.rate.resets:
            self.emit(
                tx,
                "loan.repriced",
                loan.id,
                on=day,
                rate=repriced.terms.rate_on(day),
                resets=[[r.on, r.annual] for r in repriced.terms.rate.resets],
            )
        return tx.repo(Loan).update(repriced)

    def _accrue_batch(
        self,
        tx: Transaction,
        loans: list[Loan],
        day: date,
        engine: Engine,
        counts: dict[str, list[int]],
        changed: set[str],
    ) -> dict[str, tuple[Decimal, Decimal]]:
        """Reprice, charge dues and apply credit; the day's penalty of each loan (the amount to post
        and the day's exact accrual), by the chosen engine."""
        days: list[LoanDay] = []
        for index, loan in enumerate(loans):
            repriced = self.reprice_due(tx, loan, day)
            if repriced is not loan:
                loans[index] = loan = repriced
                changed.add(loan.id)
            postings = Postings(tx, loan.id, self.clock.now())
            done = self.charge_due(tx, loan, day, postings)
            if self.apply_credit(tx, loan, day, postings) > 0:
                done += 1
                changed.add(loan.id)
            _tally(counts, "accrue", done)
            days.append(self.penalty_day(tx, loan, day, postings))
        if not days:
            return {}
        accruals = [accrual_of(d) for d in days]
        if engine == "vectorised":
            try:
                results = assess_book(book_of(days, self.rules), self.rules)
            except InvalidInput:  # a rate the integer path cannot hold exactly: this batch goes exact
                pass
            else:
                return {
                    loan.id: (Decimal(int(results.penalty[i])) / 100, accruals[i])
                    for i, loan in enumerate(loans)
                }
        return {
            loan.id: (assess(d, self.rules).penalty, a)
            for loan, d, a in zip(loans, days, accruals, strict=True)
        }

    def penalty_day(self, tx: Transaction, loan: Loan, day: date, postings: Postings) -> LoanDay:
        """The loan's end-of-day inputs for ``day``, with the penalty accrued and posted before it."""
        basis = loan.terms.penalty.day_basis
        state = tx.ledger.state(loan.id)
        kept = penalty_before(state, day, basis) if state is not None else None
        accrued, posted = kept if kept is not None else penalty_to_date(postings.entries(), day, basis)
        position = self.position_in(tx, loan, day)
        return loan_day(position, loan.terms, day, loan.overrides, accrued=accrued, posted=posted)

    def _post_penalty(
        self,
        tx: Transaction,
        loan: Loan,
        day: date,
        amount: Decimal,
        accrual: Decimal,
        counts: dict[str, list[int]],
    ) -> None:
        """Post the day's penalty: the cumulative amount minus what was posted before, with the
        day's exact accrual (0.00 when the increment rounds to nothing, so it carries over)."""
        if accrual <= 0:
            return
        postings = Postings(tx, loan.id, self.clock.now())
        _, new = postings.post(
            EntryType.penalty,
            day,
            amount,
            penalty=amount,
            key=f"penalty:{loan.id}:{day}",
            memo="penalty and compound interest",
            data={ACCRUAL: format(accrual, "f")},
        )
        _tally(counts, "accrue", int(new))

    def _after_accrual(self, tx: Transaction, loan: Loan, day: date, counts: dict[str, list[int]]) -> None:
        position = self.position_in(tx, loan, day)
        dpd = position.days_past_due(day)
        product = self.product(loan.product_code)
        # actions: the tier entered since yesterday's days past due (cached on the loan)
        self.check_plans(tx, loan, day, position)
        taken = self.fire_tier_actions(tx, loan, product, day, loan.days_past_due, dpd, position)
        _tally(counts, "actions", taken)
        if taken:
            loan = tx.repo(Loan).get(loan.id)  # a tier action may have flagged it (litigation)
        category = self.rules.classify(dpd, loan.overrides)
        _tally(counts, "classify", int(dpd != loan.days_past_due or category is not loan.category))
        _tally(counts, "warnings", self._warnings(tx, loan, day, dpd))
        _tally(counts, "debits", self._debits(tx, loan, day, dpd))
        worst = max(loan.max_days_past_due, dpd)
        aged = loan.model_copy(
            update={"days_past_due": dpd, "category": category, "max_days_past_due": worst}
        )
        attention = aged.next_attention(day, self.config.reminder_hours // 24)
        if (dpd, category, attention, worst) != (
            loan.days_past_due,
            loan.category,
            loan.attention_on,
            loan.max_days_past_due,
        ):
            tx.repo(Loan).update(aged.model_copy(update={"attention_on": attention}))

    def _warnings(self, tx: Transaction, loan: Loan, day: date, dpd: int) -> int:
        sent = self.send_due_reminders(tx, loan, day) + self.warn_ahead(tx, loan, day)
        if self.monitor is not None:
            for event in _events(tx, loan, day):
                self.monitor.post(event)
            for action in self.monitor.advance(day):
                if action.get("loan_id") == loan.id:
                    self.raise_signal(
                        tx,
                        loan,
                        SignalKind(action["signal"]),
                        day,
                        action.get("details", {}),
                        dedup=f"{action['signal']}_{day.isoformat()}",
                    )
                    sent += 1
            return sent
        watch = day - timedelta(days=3)  # no payment within 3 days after a due date
        rows = [r for r in loan.schedule if r.due_date == watch]
        if rows and dpd > 0:
            state = tx.ledger.state(loan.id)
            paid = (
                state.last_cash_in is not None and state.last_cash_in > watch
                if state is not None
                else any(e.type in CASH_IN and e.business_date > watch for e in tx.ledger.entries(loan.id))
            )
            if not paid:
                self.raise_signal(
                    tx,
                    loan,
                    SignalKind.no_payment_after_due,
                    day,
                    {"due_date": watch.isoformat(), "installment": str(rows[0].number)},
                    dedup=f"no-payment_{watch.isoformat()}",
                    severity="medium",
                )
                sent += 1
        return sent

    def _debits(self, tx: Transaction, loan: Loan, day: date, dpd: int) -> int:
        """Order tomorrow's auto-debit; retry overdue loans daily within the grace, then weekly."""
        tomorrow = day + timedelta(days=1)
        due_tomorrow = any(r.due_date == tomorrow for r in loan.schedule)
        retry = dpd > 0 and (dpd <= loan.terms.penalty.grace_days or dpd % 7 == 0)
        if not (due_tomorrow or retry):
            return 0
        position = self.position_in(tx, loan, tomorrow)
        amount = position.due_now - position.credit
        return int(amount > 0 and self.queue_debit(tx, loan, tomorrow, amount) is not None)


def _tally(counts: dict[str, list[int]], step: str, done: int) -> None:
    if done:
        counts[step][0] += 1
        counts[step][1] += done


def _events(tx: Transaction, loan: Loan, day: date) -> Iterable[dict[str, object]]:
    """The loan's events for a monitor: due dates three days ahead, today's payments."""
    ahead = day + timedelta(days=3)
    for row in loan.schedule:
        if row.due_date == ahead:
            yield {
                "type": "due",
                "loan_id": loan.id,
                "on": ahead,
                "installment": row.number,
                "amount": row.total,
            }
    for entry in tx.ledger.entries(loan.id):
        if entry.business_date == day and entry.type in CASH_IN:
            yield {"type": "payment", "loan_id": loan.id, "on": day, "amount": entry.amount}


__all__ = ["STEPS", "DayStep", "EodOps"]
