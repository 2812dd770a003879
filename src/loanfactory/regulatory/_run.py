"""One month's credit-reporting run (征信报送月度批次): records, holds, files, reconciliation.

:class:`MonthRun` works inside the transaction :meth:`CreditReporting.run_month` opened: for every
loan active during the month it builds the month's records, validates each, holds back what may not
be reported yet (and every later record of that account, so an account's history is never reported
out of order), remembers a digest per reported segment, writes the files and reconciles them with
the ledger. :class:`MonthReport` is what a run returns.

The month's reads are set-based: the customers, contracts, reporting states, reliefs and notices
are read once (one query each), the loans' postings in chunks of :data:`CHUNK` loans (one query a
chunk), and each record is rendered to its line as soon as it is built, so a month of 100,000
loans never holds more than a chunk's postings and the lines of its files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loanfactory.archive import ArchiveCategory
from loanfactory.errors import Diagnostic
from loanfactory.ports import LedgerEntryRecord, Transaction
from loanfactory.regulatory._amend import correction_records, deletion_records, segment_letter
from loanfactory.regulatory._build import Classification
from loanfactory.regulatory._entities import AdverseNotice, CreditAccount, ReportingRun
from loanfactory.regulatory._figures import LoanHistory
from loanfactory.regulatory._files import ReportFile, file_name, render
from loanfactory.regulatory._notices import notice_allows, notice_id
from loanfactory.regulatory._parties import report_agreements, report_basic
from loanfactory.regulatory._reconcile import LedgerFigure, reconcile_files
from loanfactory.regulatory._record import CreditRecord
from loanfactory.regulatory._validate import validate
from loanfactory.servicing import Category, Contract, EntryType, Loan, LoanStatus, Relief, ReliefStatus

if TYPE_CHECKING:
    from loanfactory.origination import Customer
    from loanfactory.regulatory._service import CreditReporting

ZERO = Decimal(0)
CHUNK = 2000
"""Loans whose postings one ledger read returns."""


@dataclass
class MonthReport:
    """A month's files and reconciliation summary; ``problems`` are the records held as invalid."""

    month: str
    files: list[ReportFile]
    summary: dict[str, Any]
    problems: list[Diagnostic] = field(default_factory=list)

    def write(self, folder: str | Path) -> list[Path]:
        """Write the files and ``<month>-reconciliation.json`` into ``folder``; returns the paths."""
        import json

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for report in self.files:
            path = out / report.name
            path.write_bytes(report.content)
            written.append(path)
        summary = out / f"credit-bureau-{self.month}-reconciliation.json"
        summary.write_text(
            json.dumps(self.summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        written.append(summary)
        return written


@dataclass(frozen=True, slots=True)
class Known:
    """What a month's run reads once for every account: the customers, contracts, reporting
    states and adverse-information notices by id, the applied reliefs by loan (one query per kind,
    not one per loan)."""

    customers: Mapping[str, Customer]
    contracts: Mapping[str, Contract]
    accounts: Mapping[str, CreditAccount]
    reliefs: Mapping[str, list[Relief]]
    notices: Mapping[str, AdverseNotice]
    basic: dict[str, str]  # customer id -> digest of the 110 record last sent (updated as sent)

    @classmethod
    def read(cls, tx: Transaction) -> Known:
        from loanfactory.origination import Customer

        reliefs: dict[str, list[Relief]] = {}
        for relief in tx.repo(Relief).list(status=ReliefStatus.applied.value):
            reliefs.setdefault(relief.loan_id, []).append(relief)
        accounts = tx.repo(CreditAccount).list()
        basic = {
            a.customer_id: a.basic_digest
            for a in sorted(accounts, key=lambda a: (a.reported_at is not None, a.reported_at))
            if a.basic_digest is not None
        }
        return cls(
            customers={c.id: c for c in tx.repo(Customer).list()},
            contracts={c.id: c for c in tx.repo(Contract).list()},
            accounts={a.id: a for a in accounts},
            reliefs=reliefs,
            notices={n.id: n for n in tx.repo(AdverseNotice).list()},
            basic=basic,
        )


class MonthRun:
    """One month's run inside one transaction (see :meth:`CreditReporting.run_month`)."""

    def __init__(self, service: CreditReporting, tx: Transaction, month: str, start: date, end: date) -> None:
        self.service = service
        self.tx = tx
        self.month = month
        self.start = start
        self.end = end
        self.today = service.clock.today()
        self.now = service.clock.now()
        self.lines: dict[str, list[tuple[date, str, str, str]]] = {}  # sort key and line, by type
        self.held: dict[str, str] = {}
        self.problems: list[Diagnostic] = []
        self.ledger_at: dict[tuple[str, date], LedgerFigure] = {}
        self.month_end: dict[str, LedgerFigure] = {}
        self.on_events: dict[str, LedgerFigure] = {}
        self.codes: dict[str, str] = {}
        self.passed: set[tuple[str, str, str, str]] = set()  # item values the validator passed this run

    def loans(self) -> list[Loan]:
        repo = self.tx.repo(Loan)
        found = []
        for status in (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off):
            for loan in repo.list(status=status):
                if loan.start is None or loan.start > self.end:
                    continue
                if (
                    status is LoanStatus.settled
                    and loan.closed_on is not None
                    and loan.closed_on < self.start
                ):
                    continue
                found.append(loan)
        return sorted(found, key=lambda x: x.id)

    def execute(self, actor: str) -> MonthReport:
        spec = self.service.spec
        loans = self.loans()
        self.known = Known.read(self.tx)
        for first in range(0, len(loans), CHUNK):
            chunk = loans[first : first + CHUNK]
            postings = self.tx.ledger.entries_of([loan.id for loan in chunk])
            for loan in chunk:
                self.account(loan, postings[loan.id])
        reported: dict[str, str] = {}
        for earlier in sorted(self.tx.repo(ReportingRun).list(), key=lambda r: r.month):
            reported.update(earlier.agreements)
        agreements = report_agreements(self, reported)
        files = self.files()
        places = {
            spec.personal.record_type: spec.personal.amount_places,
            spec.enterprise.record_type: spec.enterprise.amount_places,
        }
        summary = reconcile_files(
            self.month,
            self.end,
            files,
            ledger_at=self.ledger_at,
            accounts=self.codes,
            month_end_ledger=self.month_end,
            held=self.held,
            places=places,
            in_scope=len(loans),
        )
        summary["problems"] = [p.format() for p in self.problems[:200]]
        for report in files:
            self.service.archive.put_in(
                self.tx,
                category=ArchiveCategory.credit_report,
                subject=report.name,
                content=report.content,
                media_type="text/plain",
                filename=report.name,
                title=f"征信报送文件 {self.month} {report.record_type}",
                actor=actor,
            )
        run = ReportingRun(
            id=f"credit-bureau:{self.month}",
            month=self.month,
            generated_at=self.now,
            generated_by=actor,
            files=tuple(f"{f.name}|{f.sha256}|{f.records}|{f.record_type}" for f in files),
            summary=summary,
            agreements=agreements,
        )
        self.tx.repo(ReportingRun).add(run)
        self.tx.audit.append(
            actor=actor,
            action="credit.report",
            subject=run.id,
            at=self.now,
            after={"files": list(run.files), "equal": summary["equal"]},
        )
        return MonthReport(self.month, files, summary, self.problems)

    def account(self, loan: Loan, postings: list[LedgerEntryRecord]) -> None:
        service, tx = self.service, self.tx
        state = service._state(tx, loan, self.known.accounts)
        if state.status == "deleted":
            return
        history = LoanHistory(loan, postings)
        figure = history.figures(self.end)
        self.codes[state.account_code] = loan.id
        account, reason = service.account(tx, loan, state, self.known, history)
        at_end = LedgerFigure(self._principal(history, self.end, figure), figure.overdue)
        if account is not None and account.subject.kind == "enterprise":
            self.on_events[loan.id] = at_end  # reported on events, not at the month end
        else:
            self.month_end[loan.id] = at_end
        if account is None:
            self.held[loan.id] = reason
            self._save_held(state, reason)
            return
        if account.subject.kind == "enterprise":
            state = state.model_copy(update={"record_type": service.spec.enterprise.record_type})
        state = deletion_records(self, account, history, state)
        if state.status == "deleted":
            service._save(tx, state.evolve(last_month=self.month, reported_at=self.now))
            return
        state = correction_records(self, account, history, state)
        months = [h.split("|")[0] for h in state.held] + [self.month]
        released: list[date] = []  # the first record's date of each month released
        for index, month in enumerate(dict.fromkeys(months)):
            known = Classification(Category(state.category), state.category_since)
            records = service.records_of(
                account, history, month, first=not state.opened_reported, known=known
            )
            blocked, episode = self.blocked(loan, history, records)
            if blocked:
                marker = episode.isoformat() if episode else ""
                waiting = tuple(f"{m}|{blocked}|{marker}" for m in list(dict.fromkeys(months))[index:])
                state = state.evolve(held=waiting)
                self.held[loan.id] = blocked
                break
            for record in records:
                self.add(record, history, known)
            state = self.reported(state, records, known)
            released += [r.report_date for r in records[:1]]
        else:
            state = state.evolve(held=())
        customer = self.known.customers.get(loan.customer_id)
        if released and customer is not None:
            state = report_basic(self, state, customer, released[0])
        service._save(tx, state.evolve(last_month=self.month, reported_at=self.now))

    def _principal(self, history: LoanHistory, day: date, figure: Any) -> Decimal:
        if figure.state == "written-off":
            return Decimal(figure.balance)
        return sum((e.principal for e in history.entries if e.business_date <= day), ZERO)

    def _save_held(self, state: CreditAccount, reason: str) -> None:
        months = tuple(dict.fromkeys([h.split("|")[0] for h in state.held] + [self.month]))
        self.service._save(self.tx, state.evolve(held=tuple(f"{m}|{reason}|" for m in months)))

    def blocked(
        self, loan: Loan, history: LoanHistory, records: list[CreditRecord]
    ) -> tuple[str, date | None]:
        """Why these records must wait ("" when they may go) and the delinquency whose notice they
        wait for: an adverse record without a notice delivered ``notice_days`` ago, or a record
        that fails validation."""
        spec = self.service.spec
        for record in records:
            problems = validate(record, spec, passed=self.passed)
            if problems:
                self.problems += problems
                return "invalid", None
            if _adverse(record):
                figures = history.figures(record.report_date)
                episode = figures.oldest_unpaid or _episode_before_write_off(history, figures)
                if episode is None:
                    continue
                notice = self.known.notices.get(notice_id(loan.id, episode))
                if not notice_allows(notice, self.today, spec.settings.notice_days):
                    return "notice-pending", episode
        return "", None

    def emit(self, record: CreditRecord) -> None:
        """Render the record to its file line now (the record itself is not kept)."""
        key = (record.report_date, record.account_code, record.report_code, record.xml())
        self.lines.setdefault(record.record_type, []).append(key)

    def add(self, record: CreditRecord, history: LoanHistory, known: Classification) -> None:
        self.emit(record)
        figure = history.figures(record.report_date)
        self.ledger_at[(history.loan.id, record.report_date)] = LedgerFigure(
            self._principal(history, record.report_date, figure), figure.overdue
        )

    def reported(
        self, state: CreditAccount, records: list[CreditRecord], known: Classification
    ) -> CreditAccount:
        entries = list(state.reported)
        status = state.status
        for record in records:
            digests = ",".join(
                f"{segment_letter(s.tag)}={s.digest()}" for s in record.segments[1:] if segment_letter(s.tag)
            )
            category, since = known.history[0] if known.history else (known.category, known.since)
            entries.append(f"{record.report_date}|{record.report_code}|{category.value}|{since}|{digests}")
            if record.report_code in ("20", "32") and record.record_type == "210":
                status = "closed"
            if record.report_code == "20" and record.record_type != "210":
                status = "closed"
            if known.history:
                known.history.pop(0)
        return state.evolve(
            reported=tuple(entries),
            opened_reported=state.opened_reported or bool(records),
            status=status,
            category=known.category.value,
            category_since=known.since,
        )

    def files(self) -> list[ReportFile]:
        settings = self.service.spec.settings
        taken = {name.split("|")[0] for run in self.tx.repo(ReportingRun).list() for name in run.files}
        out: list[ReportFile] = []
        for record_type in sorted(self.lines):
            lines = self.lines.pop(record_type)
            lines.sort(key=lambda k: k[:3])
            sequence = 1
            while (name := file_name(settings.provider_code, self.today, record_type, sequence)) in taken:
                sequence += 1
            taken.add(name)
            content = render(
                (k[3] for k in lines),
                len(lines),
                record_type,
                settings.version,
                settings.provider_code,
                self.now,
            )
            key = self.service.archive.blobs.put(content)
            out.append(
                ReportFile(
                    name=name, record_type=record_type, content=content, records=len(lines), sha256=key
                )
            )
        return out


def _adverse(record: CreditRecord) -> bool:
    segment = (
        record.segment("AcctMthlyBlgInfSgmt")
        or record.segment("AcctDbtInfSgmt")
        or record.segment("ActLbltyInfSgmt")
    )
    if segment is None:
        return False
    status = segment.get("AcctStatus") or ""
    repayment = segment.get("RpyStatus") or ""
    overdue = Decimal(segment.get("TotOverd") or "0")
    return status in ("2", "41", "42", "31", "32") or repayment.isdigit() or overdue > 0


def _episode_before_write_off(history: LoanHistory, figures: Any) -> date | None:
    if figures.state != "written-off":
        return None
    offs = [e.business_date for e in history.live if e.type == EntryType.write_off]
    if not offs:
        return None
    return history.figures(min(offs) - timedelta(days=1)).oldest_unpaid


__all__ = ["Known", "MonthReport", "MonthRun"]
