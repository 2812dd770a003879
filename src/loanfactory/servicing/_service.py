"""The servicing service (贷后服务): one object with every post-loan command.

:class:`Servicing` is built from ports — a store, a clock, a payment gateway, a signature
provider, optionally the credit lines, a warning monitor, the early-warning scorecard and the LPR
fixings floating loans are repriced on — and the products it services::

    servicing = Servicing(store, clock, products=catalog, gateway=gateway, signer=signer)
    contract = servicing.open_loan(request, key="offer-42")
    servicing.sign_contract(contract.id, signer="c-1", role="borrower", method=..., key="sign-1")
    servicing.sign_contract(contract.id, signer="bank", role="lender", method=..., key="sign-2")
    servicing.disburse(contract.loan_id, key="disb-1")
    servicing.relay_payments()
    servicing.request_repayment(contract.loan_id, Decimal("888.49"), key="repay-1")
    servicing.relay_payments()  # credited when the payment system confirms the collection
    servicing.run_eod(date(2026, 1, 31))

This class is a façade: it holds one :class:`~loanfactory.servicing._core.Context` (the ports,
products, settings and rules, frozen) and each public method hands it to the function that does
the work, in the module of its concern (contracts ``_signing``, payouts ``_disbursement``, payment
orders ``_payments``, requests ``_requests``, receipts ``_receipts``, manual postings ``_manual``,
relief ``_restructuring``, overdue and warnings ``_collection``/``_warnings``/``_early_warning``,
end of day ``_eod``); see ``docs/servicing.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import LoanfactoryError
from loanfactory.lpr import LprSeries
from loanfactory.ports import (
    BureauRecord,
    CaseRecipient,
    Clock,
    PaymentChannel,
    PaymentConfirmation,
    PaymentGateway,
    PaymentRecord,
    PaymentResult,
    SignatureMethod,
    SignatureProvider,
    Store,
    Transaction,
)
from loanfactory.servicing import (
    _collection,
    _core,
    _disbursement,
    _early_warning,
    _eod,
    _manual,
    _payments,
    _prepayment,
    _receipts,
    _referrals,
    _repayment,
    _requests,
    _restructuring,
    _signing,
    _statement,
    _warnings,
)
from loanfactory.servicing._collateral import Disposals
from loanfactory.servicing._collateral_record import CollateralRegister
from loanfactory.servicing._contract import ContractRenderer, LoanRequest
from loanfactory.servicing._core import Context, CreditLines, LprSource, ProductSource, ServicingConfig
from loanfactory.servicing._early_warning import EarlyWarning, UpcomingRisk
from loanfactory.servicing._eod import DayStep, Engine
from loanfactory.servicing._eod_range import LoanRange
from loanfactory.servicing._four_eyes import Operator
from loanfactory.servicing._loan import Component, Installment, Loan
from loanfactory.servicing._overdue import DEFAULT_RULES, ClassificationRules
from loanfactory.servicing._position import Position
from loanfactory.servicing._prepayment import PayoffQuote
from loanfactory.servicing._records import (
    Contract,
    DebitOrder,
    Disbursement,
    EodRun,
    ManualPosting,
    ManualStatus,
    NegotiatedPlan,
    RiskSignal,
)
from loanfactory.servicing._relief import Relief, ReliefTerms
from loanfactory.servicing._repayment import RepaymentResult
from loanfactory.servicing._statement import InstallmentStatus
from loanfactory.servicing._tranches import Commitment
from loanfactory.servicing._warnings import WarningMonitor
from loanfactory.spec import ProductSpec, Reamortisation

ZERO = Decimal(0)


class Servicing:
    """Contracts, disbursement, ledger, repayment, overdue, warnings and end of day for loans."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        products: ProductSource,
        gateway: PaymentGateway,
        signer: SignatureProvider,
        ids: IdFactory | None = None,
        credit_lines: CreditLines | None = None,
        config: ServicingConfig | None = None,
        rules: ClassificationRules = DEFAULT_RULES,
        monitor: WarningMonitor | None = None,
        lpr: LprSource | None = None,
        early_warning: EarlyWarning | None = None,
        day_steps: tuple[DayStep, ...] = (),
        collateral: CollateralRegister | None = None,
    ) -> None:
        config = config or ServicingConfig()
        self.collateral = collateral  # the bank's collateral register, for disposals
        self._ctx = Context(
            store=store,
            clock=clock,
            gateway=gateway,
            signer=signer,
            products=products,
            ids=ids or UuidIds(),
            credit_lines=credit_lines,
            config=config,
            lpr_source=lpr,
            rules=rules,
            monitor=monitor,
            early_warning=early_warning,
            day_steps=day_steps,
            renderer=ContractRenderer(config.template_dirs),
        )

    # --- what it is built from --------------------------------------------------------------------

    @property
    def context(self) -> Context:
        """The ports, products, settings and rules every command is given."""
        return self._ctx

    @property
    def store(self) -> Store:
        return self._ctx.store

    @property
    def clock(self) -> Clock:
        return self._ctx.clock

    @property
    def ids(self) -> IdFactory:
        return self._ctx.ids

    @property
    def signer(self) -> SignatureProvider:
        return self._ctx.signer

    @property
    def credit_lines(self) -> CreditLines | None:
        return self._ctx.credit_lines

    @property
    def monitor(self) -> WarningMonitor | None:
        return self._ctx.monitor

    @property
    def rules(self) -> ClassificationRules:
        return self._ctx.rules

    @property
    def gateway(self) -> PaymentGateway:
        return self._ctx.gateway

    @gateway.setter
    def gateway(self, gateway: PaymentGateway) -> None:
        self._ctx = replace(self._ctx, gateway=gateway)

    @property
    def config(self) -> ServicingConfig:
        return self._ctx.config

    @config.setter
    def config(self, config: ServicingConfig) -> None:
        self._ctx = replace(self._ctx, config=config, renderer=ContractRenderer(config.template_dirs))

    @property
    def early_warning(self) -> EarlyWarning | None:
        return self._ctx.early_warning

    @early_warning.setter
    def early_warning(self, early_warning: EarlyWarning | None) -> None:
        self._ctx = replace(self._ctx, early_warning=early_warning)

    @property
    def day_steps(self) -> tuple[DayStep, ...]:
        return self._ctx.day_steps

    @day_steps.setter
    def day_steps(self, day_steps: tuple[DayStep, ...]) -> None:
        self._ctx = replace(self._ctx, day_steps=day_steps)

    def product(self, code: str) -> ProductSpec:
        """The product a loan is serviced under (NotFound when it is not in the products)."""
        return self._ctx.product(code)

    def lpr(self) -> LprSeries:
        """The LPR fixings known now (what floating loans are repriced on)."""
        return self._ctx.lpr()

    @staticmethod
    def loan_in(tx: Transaction, loan_id: str, *, lock: bool = False) -> Loan:
        """The loan in an open transaction (locked for update with ``lock``)."""
        return _core.loan_in(tx, loan_id, lock=lock)

    # --- contracts --------------------------------------------------------------------------------

    def open_loan(self, request: LoanRequest, *, key: str, actor: str = "system") -> Contract:
        """Draw up the contract of an accepted offer and open the loan awaiting signatures (生成合同)."""
        return _signing.open_loan(self._ctx, request, key=key, actor=actor)

    def sign_contract(
        self, contract_id: str, *, signer: str, role: str, method: SignatureMethod, key: str
    ) -> Contract:
        """Add a party's signature (签署); the contract is signed once every required role has signed."""
        return _signing.sign_contract(
            self._ctx, contract_id, signer=signer, role=role, method=method, key=key
        )

    def verify_contract(self, contract_id: str) -> list[str]:
        """Problems with a contract's integrity: text vs digest, each signature, the audit chain."""
        return _signing.verify_contract(self._ctx, contract_id)

    # --- disbursement -----------------------------------------------------------------------------

    def disburse(
        self,
        loan_id: str,
        *,
        key: str,
        milestone: str | None = None,
        tranche: int | None = None,
        amount: Decimal | None = None,
        evidence: tuple[str, ...] = (),
        actor: str = "system",
    ) -> Disbursement:
        """Order the payout of a signed loan, or of one tranche (放款申请)."""
        return _disbursement.disburse(
            self._ctx,
            loan_id,
            key=key,
            milestone=milestone,
            tranche=tranche,
            amount=amount,
            evidence=evidence,
            actor=actor,
        )

    def disburse_batch(
        self, orders: Sequence[tuple[str, str]], *, actor: str = "system"
    ) -> list[Disbursement | LoanfactoryError]:
        """Order many payouts (批量放款), ``(loan_id, key)`` pairs, each in its own transaction."""
        return _disbursement.disburse_batch(self._ctx, orders, actor=actor)

    def commitment(self, loan_id: str) -> Commitment:
        """What is paid out, in flight and left to draw of a loan, tranche by tranche (剩余可放款额)."""
        return _disbursement.commitment(self._ctx, loan_id)

    # --- payments ---------------------------------------------------------------------------------

    def relay_payments(self, limit: int = 1000) -> int:
        """Submit waiting payment instructions; returns how many were answered."""
        return _payments.relay_payments(self._ctx, limit)

    def apply_payment_result(
        self, result: PaymentResult, *, message_id: str | None = None, delivered: str | None = None
    ) -> bool:
        """Act on a gateway answer or callback; False when it changed nothing (a duplicate)."""
        return _payments.apply_payment_result(self._ctx, result, message_id=message_id, delivered=delivered)

    def poll_payments(self) -> int:
        """Ask the gateway about orders still pending (e.g. after a timeout); returns answers applied."""
        return _payments.poll_payments(self._ctx)

    def refund_credit(self, loan_id: str, *, key: str, on: date | None = None) -> DebitOrder:
        """Pay the borrower's credit (溢缴款) back to their account."""
        return _payments.refund_credit(self._ctx, loan_id, key=key, on=on)

    # --- repayment and prepayment requests --------------------------------------------------------

    def request_repayment(
        self, loan_id: str, amount: Decimal, *, key: str, actor: str = "system"
    ) -> DebitOrder:
        """Order the collection of ``amount`` from the borrower's account (主动还款)."""
        return _requests.request_repayment(self._ctx, loan_id, amount, key=key, actor=actor)

    def request_prepayment(
        self,
        loan_id: str,
        *,
        key: str,
        principal: Decimal | None = None,
        reamortisation: Reamortisation = Reamortisation.keep_term,
        actor: str = "system",
    ) -> DebitOrder:
        """Order the collection of today's prepayment quote, ``principal`` of it or all (提前还款申请)."""
        return _requests.request_prepayment(
            self._ctx, loan_id, key=key, principal=principal, reamortisation=reamortisation, actor=actor
        )

    def collection_order(self, order_id: str) -> DebitOrder:
        """A collection order with its status and the amount confirmed (NotFound for another id)."""
        return _requests.collection_order(self._ctx, order_id)

    def collection_orders(self, loan_id: str) -> list[DebitOrder]:
        """Every collection and refund order of a loan, oldest first (扣款记录)."""
        return _requests.collection_orders(self._ctx, loan_id)

    def payoff_quote(
        self, loan_id: str, *, on: date | None = None, principal: Decimal | None = None
    ) -> PayoffQuote:
        """The cash that settles the loan on ``on`` (``principal=None``) or prepays ``principal`` of it."""
        return _prepayment.payoff_quote(self._ctx, loan_id, on=on, principal=principal)

    # --- receipts ---------------------------------------------------------------------------------

    def repay(
        self, loan_id: str, confirmation: PaymentConfirmation, *, key: str, actor: str = "system"
    ) -> RepaymentResult:
        """Credit a payment the bank confirmed (到账入账); what is not due is kept as credit (溢缴款)."""
        return _receipts.repay(self._ctx, loan_id, confirmation, key=key, actor=actor)

    def prepay(
        self,
        loan_id: str,
        *,
        key: str,
        principal: Decimal | None = None,
        reamortisation: Reamortisation = Reamortisation.keep_term,
        confirmation: PaymentConfirmation | None = None,
        actor: str = "system",
    ) -> RepaymentResult:
        """Prepay ``principal`` (or pay the loan off, when None) with confirmed money (提前还款)."""
        return _receipts.prepay(
            self._ctx,
            loan_id,
            key=key,
            principal=principal,
            reamortisation=reamortisation,
            confirmation=confirmation,
            actor=actor,
        )

    def waive(
        self,
        loan_id: str,
        amount: Decimal,
        *,
        key: str,
        on: date | None = None,
        reason: str,
        components: tuple[Component, ...] = (Component.penalty,),
        actor: str = "staff",
    ) -> RepaymentResult:
        """Waive penalty, interest or fees that are due (减免); never principal."""
        return _repayment.waive(
            self._ctx, loan_id, amount, key=key, on=on, reason=reason, components=components, actor=actor
        )

    def write_off(
        self, loan_id: str, *, key: str, on: date | None = None, reason: str, actor: str = "staff"
    ) -> RepaymentResult:
        """Write off everything owed (核销); later recoveries are still taken as repayments."""
        return _repayment.write_off(self._ctx, loan_id, key=key, on=on, reason=reason, actor=actor)

    # --- manual postings --------------------------------------------------------------------------

    def post_offline_payment(
        self,
        loan_id: str,
        amount: Decimal,
        *,
        reference: str,
        channel: PaymentChannel,
        received_on: date,
        operator: Operator,
        key: str,
        memo: str = "",
    ) -> ManualPosting:
        """Post money received at the counter or by transfer (线下收款入账)."""
        return _manual.post_offline_payment(
            self._ctx,
            loan_id,
            amount,
            reference=reference,
            channel=channel,
            received_on=received_on,
            operator=operator,
            key=key,
            memo=memo,
        )

    def reverse_payment(
        self,
        loan_id: str,
        entry_id: str,
        *,
        reference: str,
        reason: str,
        operator: Operator,
        key: str,
    ) -> ManualPosting:
        """Reverse a credited payment (冲正)."""
        return _manual.reverse_payment(
            self._ctx, loan_id, entry_id, reference=reference, reason=reason, operator=operator, key=key
        )

    def approve_posting(self, posting_id: str, *, operator: Operator, key: str) -> ManualPosting:
        """A second operations user approves a pending posting, which is posted now (复核通过)."""
        return _manual.approve_posting(self._ctx, posting_id, operator=operator, key=key)

    def reject_posting(self, posting_id: str, *, operator: Operator, reason: str, key: str) -> ManualPosting:
        """A second operations user rejects a pending posting (复核驳回); nothing is posted."""
        return _manual.reject_posting(self._ctx, posting_id, operator=operator, reason=reason, key=key)

    def manual_postings(
        self, *, status: ManualStatus | None = None, loan_id: str | None = None
    ) -> list[ManualPosting]:
        """Manual postings, e.g. those waiting for a second user (``status=pending``)."""
        return _manual.manual_postings(self._ctx, status=status, loan_id=loan_id)

    # --- relief -----------------------------------------------------------------------------------

    def preview_relief(
        self, loan_id: str, terms: ReliefTerms, *, on: date | None = None
    ) -> tuple[Installment, ...]:
        """The loan's schedule after ``terms`` applied on ``on`` (default today), changing nothing."""
        return _restructuring.preview_relief(self._ctx, loan_id, terms, on=on)

    def request_relief(
        self, loan_id: str, terms: ReliefTerms, *, reason: str, operator: Operator, key: str
    ) -> Relief:
        """Ask for an adjustment of the loan (申请展期/重组/延期还款); it waits for a second user."""
        return _restructuring.request_relief(
            self._ctx, loan_id, terms, reason=reason, operator=operator, key=key
        )

    def approve_relief(self, relief_id: str, *, operator: Operator, key: str, note: str = "") -> Relief:
        """A second user approves the adjustment, which applies today (审批通过并生效)."""
        return _restructuring.approve_relief(self._ctx, relief_id, operator=operator, key=key, note=note)

    def reject_relief(self, relief_id: str, *, operator: Operator, reason: str, key: str) -> Relief:
        """A second user rejects the adjustment (审批驳回); the loan is unchanged."""
        return _restructuring.reject_relief(self._ctx, relief_id, operator=operator, reason=reason, key=key)

    def reliefs(self, loan_id: str) -> list[Relief]:
        """The adjustments asked for on a loan, oldest first."""
        return _restructuring.reliefs(self._ctx, loan_id)

    def end_observation(self, loan_id: str, *, operator: Operator, key: str) -> Loan:
        """Lift the restructured classification floor (退出重组资产认定)."""
        return _restructuring.end_observation(self._ctx, loan_id, operator=operator, key=key)

    # --- overdue, collection and warnings ---------------------------------------------------------

    def agree_plan(
        self,
        loan_id: str,
        payments: Sequence[tuple[date, Decimal]],
        *,
        key: str,
        waive_penalty: Decimal = ZERO,
        agreed_by: str,
        on: date | None = None,
    ) -> NegotiatedPlan:
        """Record a negotiated repayment plan (协商还款), optionally waiving penalty."""
        return _collection.agree_plan(
            self._ctx, loan_id, payments, key=key, waive_penalty=waive_penalty, agreed_by=agreed_by, on=on
        )

    def observe_payment(self, record: PaymentRecord) -> RiskSignal | None:
        """Check a payment made from loan funds against the product's uses (资金用途监控)."""
        return _warnings.observe_payment(self._ctx, record)

    def report_bureau_record(
        self, loan_id: str, record: BureauRecord, *, on: date | None = None
    ) -> RiskSignal | None:
        """A credit-report record seen in post-loan checks (贷后征信查询); bad and new → signal."""
        return _warnings.report_bureau_record(self._ctx, loan_id, record, on=on)

    def report_collateral_value(
        self, loan_id: str, *, previous: Decimal, current: Decimal, on: date | None = None
    ) -> RiskSignal | None:
        """A collateral revaluation (押品重估); a drop of more than 20 % raises a signal."""
        return _warnings.report_collateral_value(
            self._ctx, loan_id, previous=previous, current=current, on=on
        )

    def upcoming_risk(self, loan_id: str, *, on: date | None = None) -> list[UpcomingRisk]:
        """The scores of the loan's installments due ``reminder_hours`` after ``on`` (default today)."""
        return _early_warning.upcoming_risk(self._ctx, loan_id, on=on)

    def deliver_referrals(self, recipients: Mapping[str, CaseRecipient], *, limit: int = 10_000) -> int:
        """Deliver waiting referrals whose action has a recipient; the number delivered."""
        return _referrals.deliver_referrals(self._ctx, recipients, limit=limit)

    def case_file(self, tx: Transaction, loan: Loan) -> bytes:
        """The litigation case file of the loan as a zip (诉讼材料包)."""
        return _referrals.case_file(self._ctx, tx, loan)

    # --- end of day -------------------------------------------------------------------------------

    def run_eod(
        self,
        business_date: date,
        *,
        engine: Engine = "per-loan",
        before_loan: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
        allow_gap: bool = False,
    ) -> EodRun:
        """Run (or resume) the end of day for ``business_date``; returns the completed run record."""
        return _eod.run_eod(
            self._ctx,
            business_date,
            engine=engine,
            before_loan=before_loan,
            progress=progress,
            allow_gap=allow_gap,
        )

    def open_eod(
        self, business_date: date, *, engine: Engine = "per-loan", allow_gap: bool = False
    ) -> EodRun:
        """Open (or find) the run record of ``business_date``, after the calendar guard."""
        return _eod.open_eod(self._ctx, business_date, engine=engine, allow_gap=allow_gap)

    def eod_agenda(self, business_date: date) -> list[str]:
        """The ids of the loans the end of day of ``business_date`` looks at, in id order."""
        return _eod.eod_agenda(self._ctx, business_date)

    def run_eod_range(
        self,
        business_date: date,
        loans: LoanRange,
        *,
        agenda: Sequence[str] | None = None,
        before_loan: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> EodRun:
        """Work the loans of ``loans`` on the agenda of an open run, with the range's own checkpoint."""
        return _eod.run_eod_range(
            self._ctx, business_date, loans, agenda=agenda, before_loan=before_loan, progress=progress
        )

    def close_eod(self, business_date: date, agenda: int) -> EodRun:
        """Run the day steps and complete the open run of ``business_date`` (``agenda`` loans on it)."""
        return _eod.close_eod(self._ctx, business_date, agenda)

    @property
    def disposals(self) -> Disposals:
        """Collateral disposal of loans 90+ days past due (抵押物处置), see ``_collateral``."""
        return Disposals(self._ctx, self.collateral)

    # --- reads ------------------------------------------------------------------------------------

    def loan(self, loan_id: str) -> Loan:
        """See :func:`._core.read_loan`."""
        return _core.read_loan(self._ctx, loan_id)

    def position(self, loan_id: str, as_of: date | None = None) -> Position:
        """The loan's balances and open dues at the end of ``as_of`` (default today), from the ledger."""
        return _core.read_position(self._ctx, loan_id, as_of)

    def installments(self, loan_id: str, *, on: date | None = None) -> list[InstallmentStatus]:
        """Every installment of the loan with what is paid and owed as of ``on`` (default today)."""
        return _statement.installments(self._ctx, loan_id, on=on)


__all__ = ["Servicing"]
