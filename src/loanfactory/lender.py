"""The lender (贷款机构): products, origination and servicing joined over one store and clock.

Origination takes an application to an accepted offer; servicing runs the loan from the contract
on. :class:`Lender` is the seam between them, so that an embedding developer (or the HTTP API,
the demo and the end-of-day command) works with one object::

    lender = Lender(store=store, products=ProductCatalog.load(["products", "rules"]), clock=clock,
                    kyc=kyc, bureau=bureau, notifier=notifier, gateway=gateway, signer=signer)
    offer = ...                                   # lender.origination.originate(...)
    contract = lender.accept_offer(offer.id, key="accept-42")
    lender.servicing.sign_contract(contract.id, ...)
    lender.servicing.disburse(contract.loan_id, key="disburse-42")
    lender.end_of_day(date(2026, 1, 31))

Payout accounts: the contract names where the money goes, and only a verified account qualifies —
the customer's current payout account (:attr:`Lender.payout_accounts`: a card that passed the
four-element check, or a corporate account confirmed by a small deposit), and under entrusted
payment a payee account the customer verified the same way. Nobody names an account at
acceptance; the customer changes theirs through ``payout_accounts`` (and only they may).

Compliance: with ``archive=Archive(store, blobs, clock)`` every application, decision, review,
contract, signature, disbursement and notice sent is archived as it happens (the services see the
store through the archivist, the notifier archives what it sends); with ``reporting=load_spec(...)``
as well, ``lender.credit_reporting`` writes the monthly credit-reporting files and the end of day
sends the notices due before adverse information is reported.

Credit lines: with the default ``occupy_on=approval`` an approved offer holds its amount on the
customer's line; at disbursement the hold is handed over to the loan in the same transaction
(:class:`~loanfactory.credit_lines.OriginationCreditLines`), and repaid principal gives it back.
Both services share the store and the id factory, so a line and a ledger change together or not
at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from loanfactory.accounting import GeneralLedger, PostingRules
from loanfactory.archive import Archive, ArchivingNotifier, Archivist, ObservedStore
from loanfactory.collateral_register import StoredCollateral
from loanfactory.credit_lines import OriginationCreditLines
from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination import (
    Application,
    Customer,
    Offer,
    Origination,
    OriginationSettings,
    PayoutAccount,
    PayoutAccounts,
    own_names,
    payee_account_for,
    payout_account_for,
)
from loanfactory.ports import (
    Clock,
    CreditBureau,
    KycVerifier,
    Notifier,
    PaymentGateway,
    SignatureProvider,
    Store,
)
from loanfactory.pricing import PricingDecision
from loanfactory.product import ProductCatalog
from loanfactory.regulatory import CreditReporting, ReportingSpec
from loanfactory.servicing import (
    Contract,
    LoanBook,
    LoanRequest,
    LprSource,
    Servicing,
    ServicingConfig,
    WarningMonitor,
)
from loanfactory.terms import Concession, ContractTerms, contract_terms

_PURPOSES_ZH = {
    "consumer": "个人消费",
    "housing": "购买住房",
    "business": "生产经营",
    "auto": "购买汽车",
    "supply-chain": "供应链融资",
    "education": "教育支出",
    "agriculture": "农业生产",
    "working-capital": "补充流动资金",
    "renovation": "房屋装修",
    "project": "项目建设",
}


@dataclass(frozen=True, slots=True)
class Payee:
    """Whom the money goes to under entrusted payment (受托支付), and for what (资金用途): the name
    and number of a payee account the customer verified (:meth:`PayoutAccounts.add_payee`)."""

    name: str
    account: str
    category: str


@dataclass(frozen=True, slots=True)
class EndOfDay:
    """What one business day's close did: the servicing run and the housekeeping of origination."""

    business_date: date
    eod: Any
    offers_expired: int
    lines_expired: int


class Lender:
    """Every service of the lending system over one store, clock and id factory.

    ``lpr`` is what servicing reprices floating loans on: an LPR series, or a callable giving the
    fixings published so far (a bank's feed); by default origination's series.
    """

    def __init__(
        self,
        *,
        store: Store,
        products: ProductCatalog,
        clock: Clock,
        kyc: KycVerifier,
        bureau: CreditBureau,
        notifier: Notifier,
        gateway: PaymentGateway,
        signer: SignatureProvider,
        ids: IdFactory | None = None,
        origination_settings: OriginationSettings | None = None,
        servicing_config: ServicingConfig | None = None,
        monitor: WarningMonitor | None = None,
        lpr: LprSource | None = None,
        archive: Archive | None = None,
        reporting: ReportingSpec | None = None,
        posting_rules: PostingRules | None = None,
    ) -> None:
        self.store = store
        self.archive = archive
        served: Store = store
        if archive is not None:
            served = ObservedStore(store, Archivist(archive))
            notifier = ArchivingNotifier(notifier, archive)
        self.products = products
        self.clock = clock
        self.notifier = notifier
        self.ids = ids or UuidIds()
        settings = origination_settings or OriginationSettings(lpr=_lpr_of(products))
        self.origination = Origination(
            store=served,
            catalog=products,
            kyc=kyc,
            bureau=bureau,
            notifier=notifier,
            clock=clock,
            ids=self.ids,
            settings=settings,
            history=LoanBook(),
        )
        self.books = GeneralLedger(store, rules=posting_rules, clock=clock)  # closed by every end of day
        self.servicing = Servicing(
            served,
            clock,
            products={code: p.spec for code, p in products.products.items()},
            gateway=gateway,
            signer=signer,
            ids=self.ids,
            credit_lines=OriginationCreditLines(self.origination),
            collateral=StoredCollateral(),
            config=servicing_config,
            monitor=monitor,
            lpr=lpr or settings.lpr,
            day_steps=(self.books,),
        )
        self.payout_accounts = PayoutAccounts(
            store=served, clock=clock, kyc=kyc, gateway=gateway, ids=self.ids
        )
        self.credit_reporting: CreditReporting | None = None
        if reporting is not None:
            if archive is None:
                raise InvalidInput(
                    "credit reporting keeps its files in the archive: give an archive too",
                    field="archive",
                    message_zh="征信报送文件保存在档案中：请同时配置档案",
                )
            self.credit_reporting = CreditReporting(
                store,
                clock,
                archive=archive,
                spec=reporting,
                products={code: p.spec for code, p in products.products.items()},
                notifier=notifier,
            )

    def accept_offer(
        self,
        offer_id: str,
        *,
        key: str,
        payee: Payee | None = None,
        languages: tuple[str, ...] = (),
        actor: str = "system",
    ) -> Contract:
        """The borrower accepts an offer: the offer is closed and the contract drawn up (接受并生成合同).

        The contract pays out to the customer's verified payout account; ``payee`` is the seller
        paid directly under entrusted payment (受托支付), which products require above a
        threshold, and must be a payee account the customer verified. Both are checked before
        the offer is closed. Replaying ``key`` returns the same contract.
        """
        offer = self.origination.get(Offer, offer_id)
        self.loan_request(offer, payee=payee, languages=languages)  # refused here, the offer stays open
        accepted = self.origination.accept_offer(offer_id, idempotency_key=f"{key}:accept")
        request = self.loan_request(accepted, payee=payee, languages=languages)
        return self.servicing.open_loan(request, key=f"{key}:contract", actor=actor)

    def loan_request(
        self, offer: Offer, *, payee: Payee | None = None, languages: tuple[str, ...] = ()
    ) -> LoanRequest:
        """What servicing needs from an accepted offer, the customer, the application and the
        customer's verified accounts."""
        with self.store.transaction() as tx:
            customer = tx.repo(Customer).get(offer.customer_id)
            application = tx.repo(Application).get(offer.application_id)
            accounts = tx.repo(PayoutAccount).list(customer_id=customer.id)
        account = _payout_account(customer, accounts)
        payee_account = _payee_account(accounts, payee) if payee is not None else None
        if customer.individual is not None:
            identity = customer.individual.id_number
        else:
            assert customer.enterprise is not None
            identity = customer.enterprise.credit_code
        purpose = str(application.purpose)
        return LoanRequest(
            customer_id=customer.id,
            borrower_name=customer.name,
            borrower_id_number=identity,
            terms=self.offered_terms(offer),
            apr=offer.apr,
            account=account.number,
            account_name=account.holder,
            payout_account_id=account.id,
            purpose=_PURPOSES_ZH.get(purpose, purpose),
            credit_line_id=offer.credit_line_id,
            offer_id=offer.id,
            payee=payee_account.holder if payee_account else None,
            payee_account=payee_account.number if payee_account else None,
            payee_category=payee.category if payee else None,
            payee_account_id=payee_account.id if payee_account else None,
            languages=languages,
        )

    def offered_terms(self, offer: Offer) -> ContractTerms:
        """The contract terms of an offer: the ones it was priced on; for an offer stored before
        offers kept them, rebuilt from its rate and interest-free days."""
        if offer.terms is not None:
            return offer.terms
        product = self.products.product(offer.product_code)
        return contract_terms(
            product.spec,
            offer.amount,
            offer.term,
            method=offer.repayment_method,
            start=offer.start_date,
            pricing=PricingDecision(rate=offer.annual_rate),
            concession=Concession(interest_free_days=offer.interest_free_days, id=offer.coupon_id),
            lpr=product.lpr,
        )

    def end_of_day(
        self, business_date: date, *, engine: Literal["per-loan", "vectorised"] = "per-loan"
    ) -> EndOfDay:
        """Close a business day: servicing's end of day, then offers and lines that lapsed."""
        eod = self.servicing.run_eod(business_date, engine=engine)
        if self.credit_reporting is not None:
            self.credit_reporting.send_notices(business_date)
        offers = self.origination.expire_offers(idempotency_key=f"eod:{business_date.isoformat()}:offers")
        lines = self.origination.expire_lines(idempotency_key=f"eod:{business_date.isoformat()}:lines")
        return EndOfDay(business_date, eod, len(offers), len(lines))

    def relay(self) -> Any:
        """Deliver queued notifications through the notifier port (payments relay separately)."""
        return self.origination.relay_notifications()


def _payout_account(customer: Customer, accounts: list[PayoutAccount]) -> PayoutAccount:
    account = payout_account_for(accounts)
    if account is None or account.holder not in own_names(customer):
        how = (
            "add a debit card in their name that passes the four-element check"
            if customer.individual is not None
            else "verify its corporate account by the small-deposit check"
        )
        how_zh = (
            "添加本人名下并通过四要素核验的银行卡"
            if customer.individual is not None
            else "通过小额打款验证对公账户"
        )
        raise StateConflict(
            field="account",
            code="payout-account-unverified",
            params={"id": customer.id, "how": how, "how_zh": how_zh},
        )
    return account


def _payee_account(accounts: list[PayoutAccount], payee: Payee) -> PayoutAccount:
    account = payee_account_for(accounts, payee.name, payee.account)
    if account is None:
        raise StateConflict(field="payee", code="payee-unverified", params={"name": payee.name})
    return account


def _lpr_of(products: ProductCatalog) -> Any:
    first = next(iter(products), None)
    return first.lpr if first is not None else None
