"""Credit reporting (征信报送): the service a bank runs each month, with its staff requests.

:class:`CreditReporting` reads the loans, their ledgers, contracts and customers from the store and
writes nothing to servicing. A month's run (:meth:`CreditReporting.run_month`) is one transaction
(:class:`~loanfactory.regulatory._run.MonthRun`: records, holds, files, archive, reconciliation);
running the month again returns the same files. It also decides whether an account may be reported
at all (the customer's identity, the signed consent clause), sends the notices due before adverse
information is reported (:meth:`send_notices`) and takes staff requests: special transactions done
outside servicing (:meth:`record_special`) and deletions (:meth:`request_deletion`). Corrections
are never made by rewriting a file (:mod:`._amend`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal

from loanfactory.archive import Archive
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Clock, Notifier, Store, Transaction
from loanfactory.regulatory._build import (
    Classification,
    RecordBuilder,
    ReportAccount,
    Special,
    Subject,
    month_bounds,
    relief_specials,
)
from loanfactory.regulatory._entities import AdverseNotice, CreditAccount, ManualSpecial, ReportingRun
from loanfactory.regulatory._figures import LoanHistory
from loanfactory.regulatory._files import ReportFile
from loanfactory.regulatory._format import ReportingSpec
from loanfactory.regulatory._notices import send_notices
from loanfactory.regulatory._plan import enterprise_month, personal_month
from loanfactory.regulatory._record import CreditRecord
from loanfactory.regulatory._run import Known, MonthReport, MonthRun
from loanfactory.servicing import (
    DEFAULT_RULES,
    ClassificationRules,
    Contract,
    ContractStatus,
    EntryType,
    Loan,
    LoanStatus,
    Relief,
    ReliefStatus,
)
from loanfactory.spec import GuaranteeType, ProductSpec

CONSENT_CLAUSE = "credit_reporting"
"""The contract clause by which the borrower consents in writing to reporting (征信报送授权)."""
_MONTH = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")

ProductSource = Mapping[str, ProductSpec] | Callable[[str], ProductSpec]


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
            run = MonthRun(self, tx, month, start, end)
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

    def _state(
        self, tx: Transaction, loan: Loan, known: Mapping[str, CreditAccount] | None = None
    ) -> CreditAccount:
        found = known.get(loan.id) if known is not None else tx.repo(CreditAccount).find(loan.id)
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

    def account(
        self,
        tx: Transaction,
        loan: Loan,
        state: CreditAccount,
        known: Known | None = None,
        history: LoanHistory | None = None,
    ) -> tuple[ReportAccount | None, str]:
        """The account's static data, or why it cannot be reported (no-identity, no-consent);
        ``known`` holds what a month's run read at once, ``history`` the loan's postings read."""
        from loanfactory.origination import Customer

        if known is not None:
            customer = known.customers.get(loan.customer_id)
            contract = known.contracts.get(loan.contract_id or "")
        else:
            customer = tx.repo(Customer).find(loan.customer_id)
            contract = tx.repo(Contract).find(loan.contract_id) if loan.contract_id else None
        if customer is None:
            return None, "no-identity"
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
        postings = history.entries if history is not None else tx.ledger.entries(loan.id)
        staged = sum(1 for e in postings if e.type == EntryType.disbursement) > 1
        entered = [Special(s.code, s.on, s.amount, s.months, s.detail) for s in state.specials]
        if known is not None:
            applied = known.reliefs.get(loan.id, [])
        else:
            applied = tx.repo(Relief).list(loan_id=loan.id, status=ReliefStatus.applied.value)
        specials = (*entered, *relief_specials(applied, loan.terms.term_unit, entered))
        return (
            ReportAccount(
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
        self, account: ReportAccount, history: LoanHistory, month: str, *, first: bool, known: Classification
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


__all__ = ["CONSENT_CLAUSE", "CreditReporting", "MonthReport"]
