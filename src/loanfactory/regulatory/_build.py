"""Building records (生成记录): the segments of a record from an account's figures, and which
records a month holds for an account (the report codes of the month, 报告时点).

Personal lending accounts (210, D1) are reported at opening (10), at every month end (30; 31 when
an account is first reported in an existing month), when an overdue amount is collected on another
day (40), and at closure (20; 32 when it closes on the month end). Enterprise accounts (410) are
reported on events: opening (10), each agreed repayment date (31), a repayment on another date
(33), a change of the five-category class (41) and closure (20). Special transactions of the
period — prepayment, early settlement, waiver, write-off, extension — go in the special
transaction segment of the period's last record.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from loanfactory.conventions import TermUnit
from loanfactory.regulatory._figures import Figures, LoanHistory
from loanfactory.regulatory._format import RecordFormat, ReportingSpec
from loanfactory.regulatory._record import CreditRecord, RecordSegment, amount_text
from loanfactory.servicing import (
    Category,
    ClassificationRules,
    EntryType,
    Relief,
    ReliefKind,
    ReliefStatus,
)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom the account belongs to (信息主体): name and identity as the bureau knows them."""

    kind: str  # "individual" or "enterprise"
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True, slots=True)
class Special:
    """A special transaction (特殊交易) of the period: code, date, amount, months moved, detail."""

    code: str
    on: date
    amount: Decimal
    months: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ReportAccount:
    """What does not change month to month: the account code, the subject and the loan's terms."""

    code: str
    loan_id: str
    subject: Subject
    busi_detail: str
    guarantee: str
    repay_mode: str
    repay_frequency: str
    amount: Decimal
    periods: int
    contract_code: str
    staged: bool
    rules: ClassificationRules
    extra_specials: tuple[Special, ...] = ()


@dataclass
class Classification:
    """The five-category class last reported and since when (carried between runs)."""

    category: Category = Category.normal
    since: date | None = None
    history: list[tuple[Category, date]] = field(default_factory=list)


def month_bounds(month: str) -> tuple[date, date]:
    """``"2026-03"`` -> (2026-03-01, 2026-03-31)."""
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def _amount(value: Decimal, places: int) -> str:
    return amount_text(max(value, ZERO), places)


class RecordBuilder:
    """Builds the records of accounts under one reporting spec."""

    def __init__(self, spec: ReportingSpec) -> None:
        self.spec = spec
        self.personal = spec.personal
        self.enterprise = spec.enterprise

    def format_of(self, account: ReportAccount) -> RecordFormat:
        return self.enterprise if account.subject.kind == "enterprise" else self.personal

    # --- classification -------------------------------------------------------------------------

    def classify(
        self,
        account: ReportAccount,
        history: LoanHistory,
        figures: Figures,
        flags: tuple[str, ...],
        known: Classification,
    ) -> tuple[Category, date]:
        """The class at ``figures.day`` and the date it was determined (五级分类认定日期)."""
        rules = account.rules
        opened = history.opened or figures.day
        if figures.state == "written-off":
            offs = [e.business_date for e in history.live if e.type == EntryType.write_off]
            return Category.loss, min(offs, default=figures.day)
        category = rules.classify(figures.days_past_due, flags)
        if known.since is not None and known.category is category:
            return category, known.since
        by_days = rules.by_days(figures.days_past_due)
        if category is by_days and figures.oldest_unpaid is not None and category is not Category.normal:
            start = {
                Category.special_mention: 1,
                Category.substandard: rules.substandard_after + 1,
                Category.doubtful: rules.doubtful_after + 1,
                Category.loss: rules.loss_after + 1,
            }[category]
            since = figures.oldest_unpaid + timedelta(days=start)
        elif category is Category.normal:
            since = figures.last_payment if known.since is not None and figures.last_payment else opened
        else:
            since = figures.day  # a floor (litigation, fund misuse, restructuring) took effect by now
        return category, min(max(since, opened), figures.day)

    # --- segments -------------------------------------------------------------------------------

    def base(self, fmt: RecordFormat, account: ReportAccount, day: date, code: str) -> RecordSegment:
        s = account.subject
        return RecordSegment(
            "AcctBsSgmt",
            (
                ("InfRecType", fmt.record_type),
                ("AcctType", "D1"),
                ("AcctCode", account.code),
                ("RptDate", day.isoformat()),
                ("RptDateCode", code),
                ("Name", s.name),
                ("IDType", s.id_type),
                ("IDNum", s.id_number),
                ("MngmtOrgCode", self.spec.settings.management_code),
            ),
        )

    def basic(self, fmt: RecordFormat, account: ReportAccount, history: LoanHistory) -> RecordSegment:
        places = fmt.amount_places
        opened = history.opened
        assert opened is not None
        items: list[tuple[str, str]] = [
            ("BusiLines", "1"),
            ("BusiDtlLines", account.busi_detail),
            ("OpenDate", opened.isoformat()),
            ("Cy", "CNY"),
            ("LoanAmt", _amount(account.amount, places)),
            ("Flag", "1" if account.staged else "0"),
        ]
        maturity = history.maturity()
        if maturity is not None:
            items.append(("DueDate", maturity.isoformat()))
        items += [("RepayMode", account.repay_mode), ("RepayFreqcy", account.repay_frequency)]
        if fmt is self.personal:
            items.append(("RepayPrd", str(account.periods)))
        if self.spec.settings.district:
            items.append(("ApplyBusiDist", self.spec.settings.district))
        items += [("GuarMode", account.guarantee), ("OthRepyGuarWay", "0")]
        if fmt is self.personal:
            items += [("AssetTrandFlag", "0"), ("FundSou", "1"), ("LoanForm", "1")]
            items.append(("LoanConCode", account.contract_code))
        else:
            items += [("LoaFrm", "1"), ("FundSou", "1"), ("AssetTrandFlag", "0")]
        return RecordSegment("AcctBsInfSgmt", tuple(items))

    def monthly(
        self,
        account: ReportAccount,
        history: LoanHistory,
        figures: Figures,
        category: tuple[Category, date],
        start: date,
    ) -> RecordSegment:
        """月度表现信息段 as of ``figures.day`` for the month beginning ``start``."""
        places = self.personal.amount_places
        day = figures.day
        rows = history.rows_due(start, day)
        settle = rows[-1].due_date if rows else day
        opened = history.opened or day
        status, repayment = _status(history, figures, rows)
        items: list[tuple[str, str]] = [
            ("Month", f"{start.year:04d}-{start.month:02d}"),
            ("SettDate", settle.isoformat()),
            ("AcctStatus", status),
            ("AcctBal", _amount(figures.balance, places)),
            ("RemRepPrd", str(figures.remaining_periods)),
            ("FiveCate", self.spec.settings.five_category[category[0].value]),
            ("FiveCateAdjDate", category[1].isoformat()),
            ("RpyStatus", repayment),
            ("OverdPrd", str(figures.overdue_periods)),
            ("TotOverd", _amount(figures.overdue, places)),
            ("OverdPrinc", _amount(figures.overdue_principal, places)),
            ("Oved31_60Princ", _amount(figures.buckets[0], places)),
            ("Oved61_90Princ", _amount(figures.buckets[1], places)),
            ("Oved91_180Princ", _amount(figures.buckets[2], places)),
            ("OvedPrinc180", _amount(figures.buckets[3], places)),
            (
                "CurRpyAmt",
                _amount(sum((r.principal + r.interest + r.fee - r.waived for r in rows), ZERO), places),
            ),
            ("ActRpyAmt", _amount(sum((e.amount for e in history.payments(start, day)), ZERO), places)),
            ("LatRpyDate", (figures.last_payment or opened).isoformat()),
        ]
        if figures.state == "closed" and history.loan.closed_on is not None:
            items.append(("CloseDate", history.loan.closed_on.isoformat()))
        return RecordSegment("AcctMthlyBlgInfSgmt", tuple(items))

    def nonmonthly(
        self, history: LoanHistory, figures: Figures, category: tuple[Category, date]
    ) -> RecordSegment:
        """非月度表现信息段 as of ``figures.day`` (the day an overdue amount was collected)."""
        places = self.personal.amount_places
        status, repayment = _status(history, figures, ())
        items: list[tuple[str, str]] = [
            ("AcctStatus", status),
            ("AcctBal", _amount(figures.balance, places)),
            ("FiveCate", self.spec.settings.five_category[category[0].value]),
            ("FiveCateAdjDate", category[1].isoformat()),
            ("RemRepPrd", str(figures.remaining_periods)),
            ("RpyStatus", repayment),
            ("OverdPrd", str(figures.overdue_periods)),
            ("TotOverd", _amount(figures.overdue, places)),
            ("LatRpyAmt", _amount(figures.last_payment_amount, places)),
            ("LatRpyDate", (figures.last_payment or figures.day).isoformat()),
        ]
        if figures.state == "closed" and history.loan.closed_on is not None:
            items.append(("CloseDate", history.loan.closed_on.isoformat()))
        return RecordSegment("AcctDbtInfSgmt", tuple(items))

    def performance(
        self, account: ReportAccount, history: LoanHistory, figures: Figures, category: tuple[Category, date]
    ) -> RecordSegment:
        """还款表现信息段 of an enterprise account as of ``figures.day``."""
        places = self.enterprise.amount_places
        day = figures.day
        status = {"closed": "21", "written-off": "31"}.get(figures.state, "10")
        changes = [e.business_date for e in history.live if e.principal != 0 and e.business_date <= day]
        due = [r for r in history.schedule if r.due_date <= day]
        upcoming = [r for r in history.schedule if r.due_date > day]
        items: list[tuple[str, str]] = [
            ("AcctStatus", status),
            ("AcctBal", _amount(figures.balance, places)),
            ("BalChgDate", max(changes, default=history.opened or day).isoformat()),
            ("FiveCate", self.spec.settings.five_category[category[0].value]),
            ("FiveCateAdjDate", category[1].isoformat()),
            ("PymtPrd", str(figures.remaining_periods)),
            ("TotOverd", _amount(figures.overdue, places)),
            ("OverdPrinc", _amount(figures.overdue_principal, places)),
            ("OverdDy", str(figures.days_past_due)),
            ("LatRpyDate", (figures.last_payment or history.opened or day).isoformat()),
            ("LatRpyAmt", _amount(figures.last_payment_amount, places)),
            ("LatRpyPrincAmt", _amount(figures.last_payment_principal, places)),
            ("RpmtType", "1"),
        ]
        if due:
            last = due[-1]
            items += [
                ("LatAgrrRpyDate", last.due_date.isoformat()),
                ("LatAgrrRpyAmt", _amount(last.principal + last.interest + last.fee - last.waived, places)),
            ]
        if upcoming and figures.state == "open":
            items.append(("NxtAgrrRpyDate", upcoming[0].due_date.isoformat()))
        if figures.state == "closed" and history.loan.closed_on is not None:
            items.append(("CloseDate", history.loan.closed_on.isoformat()))
        return RecordSegment("ActLbltyInfSgmt", tuple(items))

    def specials(
        self, fmt: RecordFormat, account: ReportAccount, history: LoanHistory, start: date, end: date
    ) -> RecordSegment | None:
        """特殊交易说明段 for the transactions of ``start..end`` (None when there were none)."""
        found = [s for s in special_transactions(history) if start <= s.on <= end]
        found += [s for s in account.extra_specials if start <= s.on <= end]
        if not found:
            return None
        found.sort(key=lambda s: (s.on, s.code))
        groups = tuple(
            (
                ("ChanTranType", s.code),
                ("TranDate", s.on.isoformat()),
                ("TranAmt", _amount(s.amount, fmt.amount_places)),
                ("DueTranMon", str(s.months)),
                ("DetInfo", s.detail),
            )
            for s in found
        )
        return RecordSegment(
            "AcctSpecTrstDspnSgmt", (("CagOfTrdNm", str(len(groups))),), groups, group="CagOfTrdInf"
        )

    def record(
        self,
        fmt: RecordFormat,
        account: ReportAccount,
        day: date,
        code: str,
        segments: Iterable[RecordSegment | None],
    ) -> CreditRecord:
        return CreditRecord(
            root=fmt.root,
            record_type=fmt.record_type,
            account_code=account.code,
            report_date=day,
            report_code=code,
            loan_id=account.loan_id,
            segments=(self.base(fmt, account, day, code), *(s for s in segments if s is not None)),
        )


_SPECIAL_TYPES = frozenset({EntryType.prepayment, EntryType.waiver, EntryType.write_off})


def special_transactions(history: LoanHistory) -> list[Special]:
    """Prepayments (4; 5 when it settled the loan), waivers (11) and write-offs (15) of the ledger."""
    closed = history.loan.closed_on
    found: list[Special] = []
    for entry in history.live:
        if entry.type not in _SPECIAL_TYPES:
            continue
        if entry.type == EntryType.prepayment:
            settled = (
                closed is not None and entry.business_date == closed and history.state_on(closed) == "closed"
            )
            found.append(
                Special("5" if settled else "4", entry.business_date, -entry.principal, detail="提前还款")
            )
        elif entry.type == EntryType.waiver:
            found.append(
                Special(
                    "11", entry.business_date, entry.amount, detail=str(entry.data.get("reason", ""))[:100]
                )
            )
        elif entry.type == EntryType.write_off:
            found.append(Special("15", entry.business_date, entry.amount, detail="核销"))
    return found


_RELIEF_LABEL = {
    ReliefKind.extension: "展期",
    ReliefKind.restructuring: "重组",
    ReliefKind.holiday: "延期还款",
}


def relief_specials(
    reliefs: Iterable[Relief], term_unit: TermUnit, entered: Iterable[Special]
) -> list[Special]:
    """The approved adjustments of servicing (展期、重组、还款假期) that moved the maturity, as the
    extension (1 展期) of the day they took effect: the principal rescheduled and the months the
    maturity moved (a term in days: the days rounded up to whole months). One that staff entered
    already (:meth:`~._service.CreditReporting.record_special`, code 1 on the same day) is not
    reported twice. An adjustment that leaves the maturity where it was is no special transaction."""
    taken = {(s.code, s.on) for s in entered}
    found: list[Special] = []
    for relief in sorted(reliefs, key=lambda r: (r.applied_on or date.min, r.id)):
        before, after, on = relief.maturity_before, relief.maturity_after, relief.applied_on
        if relief.status is not ReliefStatus.applied or on is None or before is None or after is None:
            continue
        if after <= before or ("1", on) in taken:
            continue
        if term_unit is TermUnit.months:
            months, moved = relief.months_added, f"{relief.months_added}个月"
        else:
            months, moved = -(-(after - before).days // 30), f"{(after - before).days}天"
        found.append(Special("1", on, relief.principal, months, f"{_RELIEF_LABEL[relief.terms.kind]}{moved}"))
    return found


def _status(history: LoanHistory, figures: Figures, rows: Iterable[object]) -> tuple[str, str]:
    """(账户状态, 当前还款状态)."""
    if figures.state == "closed":
        return "3", "C"
    if figures.state == "written-off" or figures.overdue > 0:
        return ("42" if figures.state == "written-off" else "2"), _bucket(figures.days_past_due)
    due = list(rows)
    if not due:
        return "1", "*"
    on_time = all(history.paid_on_time(r) for r in due)  # type: ignore[arg-type]
    return "1", "N" if on_time else "M"


def _bucket(days: int) -> str:
    if days <= 30:
        return "1"
    if days > 180:
        return "7"
    return str((days - 1) // 30 + 1)


__all__ = [
    "Classification",
    "RecordBuilder",
    "ReportAccount",
    "Special",
    "Subject",
    "month_bounds",
    "relief_specials",
    "special_transactions",
]
