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
from loanfactory.servicing._collection import check_plans, fire_tier_actions
from loanfactory.servicing._core import Context, last_eod_date, loan_in, position_in
from loanfactory.servicing._debits import queue_debit
from loanfactory.servicing._early_warning import warn_ahead
from loanfactory.servicing._eod_batch import BatchTransaction
from loanfactory.servicing._eod_guard import check_business_date
from loanfactory.servicing._eod_range import LoanRange, finished
from loanfactory.servicing._ledger import Postings
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._overdue import (
    ACCRUAL,
    LoanDay,
    accrual_of,
    assess,
    loan_day,
    penalty_to_date,
)
from loanfactory.servicing._position import CASH_IN, EntryType
from loanfactory.servicing._records import EodCalendar, EodRun, EodStep, RunStatus, SignalKind, StepStatus
from loanfactory.servicing._repayment import apply_credit, charge_due
from loanfactory.servicing._state import penalty_before
from loanfactory.servicing._terms import reprice
from loanfactory.servicing._vectorised import assess_book, book_of
from loanfactory.servicing._warnings import raise_signal, send_due_reminders

STEPS = ("accrue", "actions", "classify", "warnings", "debits")
Engine = Literal["per-loan", "vectorised"]
ZERO = Decimal(0)


class DayStep(Protocol):
    """A step the end of day runs once per date after every loan (日终后续步骤)."""

    name: str

    def close_day(self, day: date) -> int:
        """Do the date's work (again: it must be idempotent); returns how many records it wrote."""
        ...


def run_eod(
    ctx: Context,
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
    run = open_eod(ctx, business_date, engine=engine, allow_gap=allow_gap)
    if run.status is RunStatus.completed:
        return run
    agenda = _agenda(ctx, business_date)
    _work(ctx, run, agenda, None, business_date, engine, before_loan, progress)
    return close_eod(ctx, business_date, len(agenda))


def open_eod(
    ctx: Context, business_date: date, *, engine: Engine = "per-loan", allow_gap: bool = False
) -> EodRun:
    """Open (or find) the run record of ``business_date``, after the calendar guard; the first
    part of :func:`run_eod`, for a driver that runs the loans in ranges (:func:`run_eod_range`)."""
    if engine not in ("per-loan", "vectorised"):
        raise InvalidInput(
            f"unknown engine '{engine}'", field="engine", message_zh=f"未知的计算引擎 '{engine}'"
        )
    if business_date > ctx.clock.today():
        raise StateConflict(
            f"{business_date} has not begun yet (today is {ctx.clock.today()})",
            field="business_date",
            code="future-date",
            message_zh="不能对未来日期执行日终",
        )
    return _open_run(ctx, business_date, engine, allow_gap)


def eod_agenda(ctx: Context, business_date: date) -> list[str]:
    """The ids of the loans the end of day of ``business_date`` looks at, in id order."""
    return _agenda(ctx, business_date)


def run_eod_range(
    ctx: Context,
    business_date: date,
    loans: LoanRange,
    *,
    agenda: Sequence[str] | None = None,
    before_loan: Callable[[int], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EodRun:
    """Work the loans of ``loans`` on the agenda of an open run (:func:`open_eod`), with the
    range's own checkpoint; another process may work another range at the same time. The
    day's book-wide part — day steps, calendar, run completed — is :func:`close_eod`'s.
    ``agenda``: the day's agenda as the driver read it (else read again here)."""
    with ctx.store.transaction() as tx:
        run = tx.repo(EodRun).find(f"eod:{business_date.isoformat()}")
    if run is None:
        raise StateConflict(
            f"no end-of-day run is open for {business_date}",
            field="business_date",
            message_zh=f"{business_date} 的日终尚未开始",
        )
    if run.status is RunStatus.completed:
        return run
    agenda = sorted(i for i in (_agenda(ctx, business_date) if agenda is None else agenda) if i in loans)
    engine: Engine = "vectorised" if run.engine == "vectorised" else "per-loan"
    return _work(ctx, run, agenda, loans, business_date, engine, before_loan, progress)


def close_eod(ctx: Context, business_date: date, agenda: int) -> EodRun:
    """Run the day steps and complete the open run of ``business_date`` (``agenda``: how many
    loans were on it), after every loan is done."""
    with ctx.store.transaction() as tx:
        run = tx.repo(EodRun).get(f"eod:{business_date.isoformat()}")
    if run.status is RunStatus.completed:
        return run
    for step in ctx.day_steps:
        run = _tally_day_step(ctx, run, step.name, step.close_day(business_date))
    return _close_run(ctx, run, business_date, agenda)


def _work(
    ctx: Context,
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
    size = max(1, ctx.config.eod_batch)
    for start in range(0, len(pending), size):
        batch = pending[start : start + size]
        with ctx.store.transaction() as tx:
            actions: dict[str, int] = {}  # this batch's tier actions by kind: the run's, not the service's
            counts = _batch(ctx, tx, batch, business_date, engine, before_loan, start, actions)
            current = tx.repo(EodRun).lock(run.id)
            totals = dict(current.totals)
            for action, n in actions.items():
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
        if progress is not None:
            progress(start + len(batch), len(pending))
    return run


def _tally_day_step(ctx: Context, run: EodRun, name: str, records: int) -> EodRun:
    with ctx.store.transaction() as tx:
        current = tx.repo(EodRun).lock(run.id)
        steps = list(current.steps)
        if not any(s.name == name for s in steps):  # a run opened before the step was registered
            steps.append(EodStep(name=name))
        steps = [
            s.model_copy(update={"postings": s.postings + records}) if s.name == name else s for s in steps
        ]
        return tx.repo(EodRun).update(current.model_copy(update={"steps": tuple(steps)}))


def _open_run(ctx: Context, day: date, engine: Engine, allow_gap: bool = False) -> EodRun:
    run_id = f"eod:{day.isoformat()}"
    with ctx.store.transaction() as tx:
        existing = tx.repo(EodRun).find(run_id)
        if existing is not None:
            if existing.status is RunStatus.completed:
                return existing
            return tx.repo(EodRun).update(existing.model_copy(update={"attempts": existing.attempts + 1}))
        check_business_date(
            tx,
            day,
            last=last_eod_date(tx),
            today=ctx.clock.today(),
            max_gap_days=ctx.config.eod_max_gap_days,
            allow_gap=allow_gap,
        )
        run = EodRun(
            id=run_id,
            business_date=day,
            engine=engine,
            steps=tuple(EodStep(name=s) for s in (*STEPS, *(d.name for d in ctx.day_steps))),
            started_at=ctx.clock.now(),
        )
        return tx.repo(EodRun).add(run)


def _close_run(ctx: Context, run: EodRun, day: date, agenda: int) -> EodRun:
    with ctx.store.transaction() as tx:
        current = tx.repo(EodRun).lock(run.id)
        steps = tuple(s.model_copy(update={"status": StepStatus.done}) for s in current.steps)
        done = current.model_copy(
            update={
                "status": RunStatus.completed,
                "finished_at": ctx.clock.now(),
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
        ctx.emit(
            tx,
            "eod.completed",
            run.id,
            business_date=day,
            agenda=agenda,
            steps={s.name: s.postings for s in run.steps},
        )
    return run


def _agenda(ctx: Context, day: date) -> list[str]:
    """The loans to look at: attention date today, or yesterday (a command that came after
    yesterday's run); on the very first run, every active loan. A loan's attention date moves
    in the transaction that finishes it, so a resumed run still finds every loan after its
    cursor."""
    active = LoanStatus.active
    with ctx.store.transaction() as tx:  # ids by index, never the loans themselves
        repo = tx.repo(Loan)
        if last_eod_date(tx) is None:  # the first run looks at every loan once
            return sorted(repo.ids(status=active))
        found = repo.ids(attention_on=day, status=active)
        found += repo.ids(attention_on=day - timedelta(days=1), status=active)
    return sorted(set(found))


# --- one batch ------------------------------------------------------------------------------


def _batch(
    ctx: Context,
    tx: Transaction,
    ids: list[str],
    day: date,
    engine: Engine,
    before_loan: Callable[[int], None] | None,
    first: int,
    actions: dict[str, int],
) -> dict[str, list[int]]:
    counts = {name: [0, 0] for name in STEPS}
    tx = BatchTransaction(tx, ids)  # each loan's ledger read once, for the whole batch
    loans = [loan for loan in (loan_in(tx, i, lock=True) for i in ids) if loan.status is LoanStatus.active]
    changed: set[str] = set()
    penalties = _accrue_batch(ctx, tx, loans, day, engine, counts, changed)
    for index, loan in enumerate(loans):
        if before_loan is not None:
            before_loan(first + index)
        if loan.id in changed:  # repricing or applying credit changed it: read it again
            loan = tx.repo(Loan).get(loan.id)
        amount, accrual = penalties.get(loan.id, (ZERO, ZERO))
        _post_penalty(ctx, tx, loan, day, amount, accrual, counts)
        _after_accrual(ctx, tx, loan, day, counts, actions)
    return counts


def reprice_due(ctx: Context, tx: Transaction, loan: Loan, day: date) -> Loan:
    """Apply the loan's LPR repricing dates up to ``day`` not applied yet (利率重定价)."""
    due = loan.next_repricing(loan.repriced_on or loan.start or day)
    if due is None or due > day:
        return loan
    repriced = reprice(loan, ctx.lpr(), day)
    if repriced.terms.rate.resets != loan.terms.rate.resets:
        ctx.emit(
            tx,
            "loan.repriced",
            loan.id,
            on=day,
            rate=repriced.terms.rate_on(day),
            resets=[[r.on, r.annual] for r in repriced.terms.rate.resets],
        )
    return tx.repo(Loan).update(repriced)


def _accrue_batch(
    ctx: Context,
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
        repriced = reprice_due(ctx, tx, loan, day)
        if repriced is not loan:
            loans[index] = loan = repriced
            changed.add(loan.id)
        postings = Postings(tx, loan.id, ctx.clock.now())
        done = charge_due(ctx, tx, loan, day, postings)
        if apply_credit(ctx, tx, loan, day, postings) > 0:
            done += 1
            changed.add(loan.id)
        _tally(counts, "accrue", done)
        days.append(penalty_day(ctx, tx, loan, day, postings))
    if not days:
        return {}
    accruals = [accrual_of(d) for d in days]
    if engine == "vectorised":
        try:
            results = assess_book(book_of(days, ctx.rules), ctx.rules)
        except InvalidInput:  # a rate the integer path cannot hold exactly: this batch goes exact
            pass
        else:
            return {
                loan.id: (Decimal(int(results.penalty[i])) / 100, accruals[i]) for i, loan in enumerate(loans)
            }
    return {
        loan.id: (assess(d, ctx.rules).penalty, a) for loan, d, a in zip(loans, days, accruals, strict=True)
    }


def penalty_day(ctx: Context, tx: Transaction, loan: Loan, day: date, postings: Postings) -> LoanDay:
    """The loan's end-of-day inputs for ``day``, with the penalty accrued and posted before it."""
    basis = loan.terms.penalty.day_basis
    state = tx.ledger.state(loan.id)
    kept = penalty_before(state, day, basis) if state is not None else None
    accrued, posted = kept if kept is not None else penalty_to_date(postings.entries(), day, basis)
    position = position_in(tx, loan, day)
    return loan_day(position, loan.terms, day, loan.overrides, accrued=accrued, posted=posted)


def _post_penalty(
    ctx: Context,
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
    postings = Postings(tx, loan.id, ctx.clock.now())
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


def _after_accrual(
    ctx: Context,
    tx: Transaction,
    loan: Loan,
    day: date,
    counts: dict[str, list[int]],
    actions: dict[str, int],
) -> None:
    position = position_in(tx, loan, day)
    dpd = position.days_past_due(day)
    product = ctx.product(loan.product_code)
    # actions: the tier entered since yesterday's days past due (cached on the loan)
    check_plans(ctx, tx, loan, day, position)
    taken = fire_tier_actions(ctx, tx, loan, product, day, loan.days_past_due, dpd, position, actions)
    _tally(counts, "actions", taken)
    if taken:
        loan = tx.repo(Loan).get(loan.id)  # a tier action may have flagged it (litigation)
    category = ctx.rules.classify(dpd, loan.overrides)
    _tally(counts, "classify", int(dpd != loan.days_past_due or category is not loan.category))
    _tally(counts, "warnings", _warnings(ctx, tx, loan, day, dpd))
    _tally(counts, "debits", _debits(ctx, tx, loan, day, dpd))
    worst = max(loan.max_days_past_due, dpd)
    aged = loan.model_copy(update={"days_past_due": dpd, "category": category, "max_days_past_due": worst})
    attention = aged.next_attention(day, ctx.config.reminder_hours // 24)
    if (dpd, category, attention, worst) != (
        loan.days_past_due,
        loan.category,
        loan.attention_on,
        loan.max_days_past_due,
    ):
        tx.repo(Loan).update(aged.model_copy(update={"attention_on": attention}))


def _warnings(ctx: Context, tx: Transaction, loan: Loan, day: date, dpd: int) -> int:
    sent = send_due_reminders(ctx, tx, loan, day) + warn_ahead(ctx, tx, loan, day)
    if ctx.monitor is not None:
        for event in _events(tx, loan, day):
            ctx.monitor.post(event)
        for action in ctx.monitor.advance(day):
            if action.get("loan_id") == loan.id:
                raise_signal(
                    ctx,
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
            raise_signal(
                ctx,
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


def _debits(ctx: Context, tx: Transaction, loan: Loan, day: date, dpd: int) -> int:
    """Order tomorrow's auto-debit; retry overdue loans daily within the grace, then weekly."""
    tomorrow = day + timedelta(days=1)
    due_tomorrow = any(r.due_date == tomorrow for r in loan.schedule)
    retry = dpd > 0 and (dpd <= loan.terms.penalty.grace_days or dpd % 7 == 0)
    if not (due_tomorrow or retry):
        return 0
    position = position_in(tx, loan, tomorrow)
    amount = position.due_now - position.credit
    return int(amount > 0 and queue_debit(ctx, tx, loan, tomorrow, amount) is not None)


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


__all__ = ["STEPS", "DayStep", "run_eod"]
