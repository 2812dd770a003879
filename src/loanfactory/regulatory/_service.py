"""Credit reporting (征信报送): the monthly run, its files, corrections, deletions and notices.

:class:`CreditReporting` reads the loans, their ledgers, contracts and customers from the store and
writes nothing to servicing. A month's run (:meth:`CreditReporting.run_month`) is one transaction:
for every loan active during the month it builds the month's records, validates each, holds back
what may not be reported yet (no consent, no identity, an adverse record whose notice period has
not passed, a record that fails validation — and every later record of that account, so an
account's history is never reported out of order), records what was reported (a digest per
segment), writes the files (210 personal, 410 enterprise, 212 corrections, 213/214 deletions),
archives them and stores the reconciliation. Running the month again returns the same files.

Corrections are never made by rewriting a file: when postings dated on or before an already
reported record are booked after it was reported (a reversal, a back-dated payment), the next run
regenerates the affected records, compares each segment's digest with what was reported, and
writes a correction record (212) for each segment that changed. Deletions (213, 214) are written
when staff ask for them (:meth:`request_deletion`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.archive import Archive, ArchiveCategory
from loanfactory.errors import Diagnostic, InvalidInput, StateConflict
from loanfactory.ports import Clock, Notifier, Store, Transaction
from loanfactory.regulatory._build import (
    Account,
    Classification,
    RecordBuilder,
    Special,
    Subject,
    month_bounds,
)
from loanfactory.regulatory._entities import AdverseNotice, CreditAccount, ManualSpecial, ReportingRun
from loanfactory.regulatory._figures import LoanHistory
from loanfactory.regulatory._files import ReportFile, file_name, render
from loanfactory.regulatory._format import ReportingSpec
from loanfactory.regulatory._notices import notice_allows, notice_id, send_notices
from loanfactory.regulatory._plan import enterprise_month, personal_month
from loanfactory.regulatory._reconcile import LedgerFigure, reconcile
from loanfactory.regulatory._record import CreditRecord, Segment
from loanfactory.regulatory._validate import validate
from loanfactory.servicing import (
    DEFAULT_RULES,
    Category,
    ClassificationRules,
    Contract,
    ContractStatus,
    EntryType,
    Loan,
    LoanStatus,
)
from loanfactory.spec import GuaranteeType, ProductSpec

ZERO = Decimal(0)
CONSENT_CLAUSE = "credit_reporting"
"""The contract clause by which the borrower consents in writing to reporting (征信报送授权)."""
_MONTH = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")
_SEGMENT_LETTER = {
    "AcctBsInfSgmt": "C",
    "AcctMthlyBlgInfSgmt": "H",
    "ActLbltyInfSgmt": "H",
    "AcctDbtInfSgmt": "J",
    "AcctSpecTrstDspnSgmt": "K",
}

ProductSource = Mapping[str, ProductSpec] | Callable[[str], ProductSpec]


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


class CreditReporting:
    """Credit reporting over a store (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        archive: Archive,
        spec: ReportingSpec,
        products: ProductSource,
        notifier: Notifier | None = None,
        rules: ClassificationRules = DEFAULT_RULES,
        notice_from_days: int = 1,
    ) -> None:
        self.store = store
        self.clock = clock
        self.archive = archive
        self.spec = spec
        self.products = products
        self.notifier = notifier
        self.rules = rules
        self.notice_from_days = notice_from_days
        self.builder = RecordBuilder(spec)

    def product(self, code: str) -> ProductSpec | None:
        try:
            return self.products[code] if isinstance(self.products, Mapping) else self.products(code)
        except Exception:
            return None

    # --- notices --------------------------------------------------------------------------------

    def send_notices(self, day: date | None = None) -> list[AdverseNotice]:
        """Send the adverse-information notices due (see :mod:`._notices`)."""
        if self.notifier is None:
            raise StateConflict("credit reporting has no notifier to send notices with", field="notifier")
        products = {}
        pending: set[tuple[str, date]] = set()
        with self.store.transaction() as tx:
            for loan in tx.repo(Loan).list(status=LoanStatus.active):
                if loan.product_code not in products:
                    found = self.product(loan.product_code)
                    if found is not None:
                        products[loan.product_code] = found
            for account in tx.repo(CreditAccount).list(status="reporting"):
                for entry in account.held:
                    _, reason, episode = [*entry.split("|"), "", ""][:3]
                    if reason == "notice-pending" and episode:
                        pending.add((account.id, date.fromisoformat(episode)))
        return send_notices(
            self.store,
            self.notifier,
            day=day or self.clock.today(),
            now_at=self.clock.now(),
            products=products,
            default_days=self.notice_from_days,
            notice_days=self.spec.settings.notice_days,
            channel=self.spec.settings.notice_channel,
            pending=pending,
        )

    # --- staff requests -------------------------------------------------------------------------

    def record_special(
        self,
        loan_id: str,
        *,
        code: str,
        on: date,
        amount: Decimal,
        months: int = 0,
        detail: str = "",
        actor: str,
    ) -> CreditAccount:
        """A special transaction done outside servicing (展期 1, 债务减免 11 ...) for its month's record."""
        if not self.spec.codes.has("special_transaction", code):
            raise InvalidInput(
                f"'{code}' is not a special transaction code",
                field="code",
                message_zh=f"'{code}' 不是特殊交易类型代码",
            )
        if code == "1" and months <= 0:
            raise InvalidInput(
                "an extension moves the due date by at least one month",
                field="months",
                message_zh="展期的到期日期变更月数应大于 0",
            )
        with self.store.transaction() as tx:
            state = self._state(tx, tx.repo(Loan).get(loan_id))
            special = ManualSpecial(
                code=code, on=on, amount=amount, months=months, detail=detail, recorded_by=actor
            )
            stored = self._save(tx, state.evolve(specials=(*state.specials, special)))
            tx.audit.append(
                actor=actor,
                action="credit.special",
                subject=loan_id,
                at=self.clock.now(),
                after=special.model_dump(mode="json"),
            )
            return stored

    def request_deletion(
        self,
        loan_id: str,
        *,
        reason: str,
        actor: str,
        segment: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> CreditAccount:
        """Ask for a whole account (214) or one segment over ``start..end`` (213) to be deleted."""
        if not reason.strip():
            raise InvalidInput("a deletion needs a reason", field="reason", message_zh="删除请求须说明原因")
        with self.store.transaction() as tx:
            state = tx.repo(CreditAccount).get(loan_id)
            if segment is None:
                changed = state.evolve(delete_account=reason)
            else:
                if (
                    start is None
                    or end is None
                    or start > end
                    or segment not in "CDEFGHIJK"
                    or len(segment) != 1
                ):
                    raise InvalidInput(
                        "a segment deletion names a segment letter and a date range",
                        field="segment",
                        message_zh="按段删除须指明段标与日期范围",
                    )
                changed = state.evolve(
                    delete_segments=(*state.delete_segments, f"{segment}|{start}|{end}|{reason}")
                )
            stored = self._save(tx, changed)
            tx.audit.append(
                actor=actor,
                action="credit.delete-request",
                subject=loan_id,
                at=self.clock.now(),
                after={"segment": segment, "start": start, "end": end, "reason": reason},
            )
            return stored

    # --- the month ------------------------------------------------------------------------------

    def run_month(self, month: str, *, actor: str = "system") -> MonthReport:
        """The month's files and reconciliation; a second run returns the first one's files."""
        if not isinstance(month, str) or not _MONTH.match(month):
            raise InvalidInput(
                f"'{month}' is not a month YYYY-MM",
                field="month",
                message_zh=f"'{month}' 不是 YYYY-MM 格式的月份",
            )
        start, end = month_bounds(month)
        if self.clock.today() <= end:
            raise StateConflict(
                f"{month} is not over yet (today is {self.clock.today()})",
                field="month",
                code="month-not-over",
                message_zh=f"{month} 尚未结束，不能报送",
            )
        if self.spec.settings.is_example:
            raise StateConflict(
                "set the data provider's code and the management code (provider_code, management_code) first",
                field="provider_code",
                code="not-configured",
                message_zh="请先配置数据提供机构区段码与业务管理机构代码（provider_code、management_code）",
            )
        with self.store.transaction() as tx:
            existing = tx.repo(ReportingRun).find(f"credit-bureau:{month}")
            if existing is not None:
                return self._stored(existing)
            _check_order(tx, month, start)
            run = _Run(self, tx, month, start, end)
            report = run.execute(actor)
        return report

    def _stored(self, run: ReportingRun) -> MonthReport:
        files = []
        for entry in run.files:
            name, sha, count, kind = entry.split("|")
            content = self.archive.blobs.get(sha)
            files.append(
                ReportFile(name=name, record_type=kind, content=content, records=int(count), sha256=sha)
            )
        return MonthReport(run.month, files, dict(run.summary))

    # --- per account ----------------------------------------------------------------------------

    def _state(self, tx: Transaction, loan: Loan) -> CreditAccount:
        found = tx.repo(CreditAccount).find(loan.id)
        if found is not None:
            return found
        return CreditAccount(
            id=loan.id,
            account_code=self.account_code(loan.id),
            record_type="210",
            customer_id=loan.customer_id,
        )

    def _save(self, tx: Transaction, state: CreditAccount) -> CreditAccount:
        repo = tx.repo(CreditAccount)
        return repo.add(state) if state.version == 0 else repo.update(state)

    def account_code(self, loan_id: str) -> str:
        code = self.spec.settings.provider_code + "".join(c for c in loan_id if c.isalnum())
        if len(code) > 60:
            raise InvalidInput(
                f"loan id '{loan_id}' makes an account code over 60 characters", field="loan_id"
            )
        return code

    def account(self, tx: Transaction, loan: Loan, state: CreditAccount) -> tuple[Account | None, str]:
        """The account's static data, or why it cannot be reported (no-identity, no-consent)."""
        from loanfactory.origination.customer import Customer

        customer = tx.repo(Customer).find(loan.customer_id)
        if customer is None:
            return None, "no-identity"
        contract = tx.repo(Contract).find(loan.contract_id) if loan.contract_id else None
        if (
            contract is None
            or contract.status is not ContractStatus.signed
            or CONSENT_CLAUSE not in contract.clauses
        ):
            return None, "no-consent"
        product = self.product(loan.product_code)
        settings = self.spec.settings
        if customer.enterprise is not None:
            subject = Subject("enterprise", customer.enterprise.name, "20", customer.enterprise.credit_code)
            purpose = product.purposes[0].value if product is not None and product.purposes else "default"
            detail = settings.enterprise_busi_detail.get(purpose) or settings.enterprise_busi_detail.get(
                "default", "91"
            )
        else:
            assert customer.individual is not None
            subject = Subject("individual", customer.individual.name, "10", customer.individual.id_number)
            purpose = product.purposes[0].value if product is not None and product.purposes else ""
            detail = settings.busi_detail_by_product.get(loan.product_code) or settings.busi_detail.get(
                purpose, "99"
            )
        types = set(product.guarantee.types) if product is not None else {GuaranteeType.credit}
        if len(types) == 1:
            guarantee = settings.guarantee.get(next(iter(types)).value, "4")
        else:
            guarantee = "5" if GuaranteeType.guarantee in types else "6"
        periods = loan.terms.periods
        staged = sum(1 for e in tx.ledger.entries(loan.id) if e.type == EntryType.disbursement) > 1
        specials = tuple(Special(s.code, s.on, s.amount, s.months, s.detail) for s in state.specials)
        return (
            Account(
                code=state.account_code,
                loan_id=loan.id,
                subject=subject,
                busi_detail=detail,
                guarantee=guarantee,
                repay_mode=settings.repay_mode.get(loan.method.value, "19"),
                repay_frequency="07"
                if periods == 1
                else settings.repay_frequency.get(loan.terms.frequency.value, "99"),
                amount=loan.amount,
                periods=periods,
                contract_code="".join(c for c in (loan.contract_id or loan.id) if c.isalnum()),
                staged=staged,
                rules=self.rules,
                extra_specials=specials,
            ),
            "",
        )

    def records_of(
        self, account: Account, history: LoanHistory, month: str, *, first: bool, known: Classification
    ) -> list[CreditRecord]:
        start, end = month_bounds(month)
        plan = enterprise_month if account.subject.kind == "enterprise" else personal_month
        return plan(self.builder, account, history, start, end, first=first, known=known)


def _check_order(tx: Transaction, month: str, start: date) -> None:
    runs = sorted(r.month for r in tx.repo(ReportingRun).list())
    if not runs:
        return
    if runs[-1] > month:
        raise StateConflict(
            f"{runs[-1]} was already reported; {month} can no longer be run",
            field="month",
            code="month-order",
            message_zh=f"{runs[-1]} 已报送，不能再补报 {month}",
        )
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    if runs[-1] != previous:
        raise StateConflict(
            f"run {previous} before {month}",
            field="month",
            code="month-order",
            message_zh=f"请先报送 {previous}",
        )


class _Run:
    """One month's run inside one transaction."""

    def __init__(self, service: CreditReporting, tx: Transaction, month: str, start: date, end: date) -> None:
        self.service = service
        self.tx = tx
        self.month = month
        self.start = start
        self.end = end
        self.today = service.clock.today()
        self.now = service.clock.now()
        self.records: dict[str, list[CreditRecord]] = {}
        self.held: dict[str, str] = {}
        self.problems: list[Diagnostic] = []
        self.ledger_at: dict[tuple[str, date], LedgerFigure] = {}
        self.month_end: dict[str, LedgerFigure] = {}
        self.on_events: dict[str, LedgerFigure] = {}
        self.codes: dict[str, str] = {}

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
        for loan in loans:
            self.account(loan)
        files = self.files()
        places = {
            spec.personal.record_type: spec.personal.amount_places,
            spec.enterprise.record_type: spec.enterprise.amount_places,
        }
        summary = reconcile(
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

    def account(self, loan: Loan) -> None:
        service, tx = self.service, self.tx
        state = service._state(tx, loan)
        if state.status == "deleted":
            return
        history = LoanHistory(loan, tx.ledger.entries(loan.id))
        figure = history.figures(self.end)
        self.codes[state.account_code] = loan.id
        account, reason = service.account(tx, loan, state)
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
        state = self.requests(account, history, state)
        if state.status == "deleted":
            service._save(tx, state.evolve(last_month=self.month, reported_at=self.now))
            return
        state = self.corrections(account, history, state)
        months = [h.split("|")[0] for h in state.held] + [self.month]
        released: list[str] = []
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
            released.append(month)
        else:
            state = state.evolve(held=())
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
            problems = validate(record, spec)
            if problems:
                self.problems += problems
                return "invalid", None
            if _adverse(record):
                figures = history.figures(record.report_date)
                episode = figures.oldest_unpaid or _episode_before_write_off(history, figures)
                if episode is None:
                    continue
                notice = self.tx.repo(AdverseNotice).find(notice_id(loan.id, episode))
                if not notice_allows(notice, self.today, spec.settings.notice_days):
                    return "notice-pending", episode
        return "", None

    def add(self, record: CreditRecord, history: LoanHistory, known: Classification) -> None:
        self.records.setdefault(record.record_type, []).append(record)
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
                f"{_letter(s.tag)}={s.digest()}" for s in record.segments[1:] if _letter(s.tag)
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

    def corrections(self, account: Account, history: LoanHistory, state: CreditAccount) -> CreditAccount:
        """Correction records (212) for reported segments that later postings changed."""
        if not state.reported or state.reported_at is None:
            return state
        late = [e for e in history.entries if e.posted_at >= state.reported_at]
        if not late:
            return state
        earliest = min(e.business_date for e in late)
        fmt = self.service.builder.format_of(account)
        if "correction" not in fmt.requests:
            return state
        request = fmt.requests["correction"]
        changed = list(state.reported)
        for index, entry in enumerate(state.reported):
            when, code, category, since, digests = entry.split("|")
            day = date.fromisoformat(when)
            if day < earliest or day >= self.start:
                continue
            known = Classification(Category(category), date.fromisoformat(since) if since != "None" else None)
            month = day.strftime("%Y-%m")
            fresh = [
                r
                for r in self.service.records_of(account, history, month, first=False, known=known)
                if r.report_date == day and r.report_code == code
            ]
            if not fresh:
                continue
            old = dict(part.split("=") for part in digests.split(",") if part)
            new_parts = []
            for segment in fresh[0].segments[1:]:
                letter = _letter(segment.tag)
                if not letter:
                    continue
                new_parts.append(f"{letter}={segment.digest()}")
                if letter in old and old[letter] != segment.digest() and letter in ("H", "J"):
                    correction = CreditRecord(
                        root=request.root,
                        record_type=request.record_type,
                        account_code=account.code,
                        report_date=day,
                        report_code="",
                        loan_id=account.loan_id,
                        segments=(
                            Segment(
                                request.base,
                                (
                                    ("InfRecType", request.record_type),
                                    ("ModRecCode", account.code),
                                    ("AcctType", "D1"),
                                    ("RptDate", day.isoformat()),
                                    ("MdfcSgmtCode", letter),
                                ),
                            ),
                            Segment(
                                segment.tag, segment.items, segment.groups, segment.group, wrapper="MdfcSgmt"
                            ),
                        ),
                    )
                    problems = validate(correction, self.service.spec)
                    if problems:
                        self.problems += problems
                        continue
                    self.records.setdefault(request.record_type, []).append(correction)
            changed[index] = f"{when}|{code}|{category}|{since}|{','.join(new_parts)}"
        return state.evolve(reported=tuple(changed))

    def requests(self, account: Account, history: LoanHistory, state: CreditAccount) -> CreditAccount:
        """Deletion requests staff made since the last run (213, 214)."""
        fmt = self.service.builder.format_of(account)
        if state.delete_account and "account_deletion" in fmt.requests:
            request = fmt.requests["account_deletion"]
            self.records.setdefault(request.record_type, []).append(
                CreditRecord(
                    root=request.root,
                    record_type=request.record_type,
                    account_code=account.code,
                    report_date=self.end,
                    report_code="",
                    loan_id=account.loan_id,
                    segments=(
                        Segment(
                            request.base, (("InfRecType", request.record_type), ("DelRecCode", account.code))
                        ),
                    ),
                )
            )
            return state.evolve(delete_account=None, status="deleted", held=())
        for item in state.delete_segments:
            if "segment_deletion" not in fmt.requests:
                break
            letter, first, last, _ = item.split("|", 3)
            request = fmt.requests["segment_deletion"]
            self.records.setdefault(request.record_type, []).append(
                CreditRecord(
                    root=request.root,
                    record_type=request.record_type,
                    account_code=account.code,
                    report_date=date.fromisoformat(first),
                    report_code="",
                    loan_id=account.loan_id,
                    segments=(
                        Segment(
                            request.base,
                            (
                                ("InfRecType", request.record_type),
                                ("DelRecCode", account.code),
                                ("AcctType", "D1"),
                                ("DelSgmtCode", letter),
                                ("DelStartDate", first),
                                ("DelEndDate", last),
                            ),
                        ),
                    ),
                )
            )
        return state.evolve(delete_segments=())

    def files(self) -> list[ReportFile]:
        settings = self.service.spec.settings
        taken = {name.split("|")[0] for run in self.tx.repo(ReportingRun).list() for name in run.files}
        out: list[ReportFile] = []
        for record_type in sorted(self.records):
            records = sorted(
                self.records[record_type], key=lambda r: (r.report_date, r.account_code, r.report_code)
            )
            sequence = 1
            while (name := file_name(settings.provider_code, self.today, record_type, sequence)) in taken:
                sequence += 1
            taken.add(name)
            content = render(records, record_type, settings.version, settings.provider_code, self.now)
            key = self.service.archive.blobs.put(content)
            out.append(
                ReportFile(
                    name=name, record_type=record_type, content=content, records=len(records), sha256=key
                )
            )
        return out


def _letter(tag: str) -> str:
    return _SEGMENT_LETTER.get(tag, "")


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


__all__ = ["CONSENT_CLAUSE", "CreditReporting", "MonthReport"]
