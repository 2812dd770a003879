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

Credit lines: with the default ``occupy_on=approval`` an approved offer holds its amount on the
customer's line; at disbursement the hold is handed over to the loan in the same transaction
(:class:`~loanfactory.servicing.OriginationCreditLines`), and repaid principal gives it back.
Both services share the store and the id factory, so a line and a ledger change together or not
at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import InvalidInput
from loanfactory.origination import Origination
from loanfactory.origination.application import Application
from loanfactory.origination.customer import Customer
from loanfactory.origination.offer import Offer
from loanfactory.origination.settings import OriginationSettings
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
from loanfactory.servicing import (
    Contract,
    LoanRequest,
    OriginationCreditLines,
    Servicing,
    ServicingConfig,
)
from loanfactory.servicing._core import LprSource
from loanfactory.servicing._warnings import WarningMonitor
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
    """Whom the money goes to under entrusted payment (受托支付), and for what (资金用途)."""

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
    ) -> None:
        self.store = store
        self.products = products
        self.clock = clock
        self.notifier = notifier
        self.ids = ids or UuidIds()
        settings = origination_settings or OriginationSettings(lpr=_lpr_of(products))
        self.origination = Origination(
            store=store,
            catalog=products,
            kyc=kyc,
            bureau=bureau,
            notifier=notifier,
            clock=clock,
            ids=self.ids,
            settings=settings,
        )
        self.servicing = Servicing(
            store,
            clock,
            products={code: p.spec for code, p in products.products.items()},
            gateway=gateway,
            signer=signer,
            ids=self.ids,
            credit_lines=OriginationCreditLines(self.origination),
            config=servicing_config,
            monitor=monitor,
            lpr=lpr or settings.lpr,
        )

    def accept_offer(
        self,
        offer_id: str,
        *,
        key: str,
        account: str | None = None,
        account_name: str | None = None,
        payee: Payee | None = None,
        languages: tuple[str, ...] = (),
        actor: str = "system",
    ) -> Contract:
        """The borrower accepts an offer: the offer is closed and the contract drawn up (接受并生成合同).

        ``account`` is the borrower's account (default: the customer's first bank card, or the
        enterprise's corporate account); ``payee`` is the seller paid directly under entrusted
        payment (受托支付), which products require above a threshold. Replaying ``key`` returns
        the same contract.
        """
        offer = self.origination.accept_offer(offer_id, idempotency_key=f"{key}:accept")
        request = self.loan_request(
            offer, account=account, account_name=account_name, payee=payee, languages=languages
        )
        return self.servicing.open_loan(request, key=f"{key}:contract", actor=actor)

    def loan_request(
        self,
        offer: Offer,
        *,
        account: str | None = None,
        account_name: str | None = None,
        payee: Payee | None = None,
        languages: tuple[str, ...] = (),
    ) -> LoanRequest:
        """What servicing needs from an accepted offer, the customer and the application."""
        with self.store.transaction() as tx:
            customer = tx.repo(Customer).get(offer.customer_id)
            application = tx.repo(Application).get(offer.application_id)
        payout_account, payout_name = _payout_account(customer, account, account_name)
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
            account=payout_account,
            account_name=payout_name,
            purpose=_PURPOSES_ZH.get(purpose, purpose),
            credit_line_id=offer.credit_line_id,
            offer_id=offer.id,
            payee=payee.name if payee else None,
            payee_account=payee.account if payee else None,
            payee_category=payee.category if payee else None,
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
        offers = self.origination.expire_offers(idempotency_key=f"eod:{business_date.isoformat()}:offers")
        lines = self.origination.expire_lines(idempotency_key=f"eod:{business_date.isoformat()}:lines")
        return EndOfDay(business_date, eod, len(offers), len(lines))

    def relay(self) -> Any:
        """Deliver queued notifications through the notifier port (payments relay separately)."""
        return self.origination.relay_notifications()


def _payout_account(customer: Customer, account: str | None, name: str | None) -> tuple[str, str]:
    if account is not None:
        return account, name or customer.name
    if customer.individual is not None and customer.individual.bank_cards:
        return customer.individual.bank_cards[0].number, customer.name
    if customer.enterprise is not None:
        corporate = customer.enterprise.corporate_account
        return corporate.number, corporate.name
    raise InvalidInput(
        "the customer has no bank card on file; give the account to pay out to",
        field="account",
        message_zh="客户未登记银行卡，请提供放款账户",
    )


def _lpr_of(products: ProductCatalog) -> Any:
    first = next(iter(products), None)
    return first.lpr if first is not None else None
