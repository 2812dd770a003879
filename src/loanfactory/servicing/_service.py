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

The commands are grouped by concern in the private modules (contracts, disbursement, payments,
repayment requests, receipts, manual postings, overdue and collection, warnings, reversal, end of
day, relief); this class only joins them.
"""

from __future__ import annotations

from loanfactory.entity import IdFactory
from loanfactory.ports import Clock, PaymentGateway, SignatureProvider, Store
from loanfactory.servicing._collateral import Disposals
from loanfactory.servicing._collateral_record import CollateralRegister
from loanfactory.servicing._core import CreditLines, LprSource, ProductSource, ServicingConfig
from loanfactory.servicing._early_warning import EarlyWarning
from loanfactory.servicing._eod import DayStep, EodOps
from loanfactory.servicing._manual import ManualOps
from loanfactory.servicing._overdue import DEFAULT_RULES, ClassificationRules
from loanfactory.servicing._referrals import ReferralOps
from loanfactory.servicing._requests import RequestOps
from loanfactory.servicing._restructuring import ReliefOps
from loanfactory.servicing._signing import ContractOps
from loanfactory.servicing._statement import StatementOps
from loanfactory.servicing._warnings import WarningMonitor


class Servicing(EodOps, ManualOps, RequestOps, ContractOps, StatementOps, ReliefOps, ReferralOps):
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
        super().__init__(
            store,
            clock,
            products=products,
            gateway=gateway,
            signer=signer,
            ids=ids,
            credit_lines=credit_lines,
            config=config,
            lpr=lpr,
        )
        self.rules = rules
        self.monitor = monitor
        self.early_warning = early_warning
        self.day_steps = day_steps
        self.collateral = collateral

    @property
    def disposals(self) -> Disposals:
        """Collateral disposal of loans 90+ days past due (抵押物处置), see ``_collateral``."""
        return Disposals(self, self.collateral)
