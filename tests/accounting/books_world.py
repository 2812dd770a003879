"""A servicing world with the general ledger attached (imported as ``books_world``): products from
products/, a store (memory by default), a fixed clock, a simulated gateway and signer, and helpers
to open, disburse and age loans; every end of day closes the books."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.accounting import GeneralLedger, Journal, PostingRules, reconcile
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import SequentialIds
from loanfactory.lpr import LprSeries
from loanfactory.origination import AccountOwner
from loanfactory.ports import LedgerEntryRecord, PaymentChannel, PaymentConfirmation, SignatureMethod, Store
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import LoanRequest, ManualPosting, Operator, RepaymentResult, Servicing
from loanfactory.spec import ProductSpec, load_product_or_raise
from loanfactory.terms import contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    SimulatedGateway,
    SimulatedSigner,
    seed_payout_account,
)

SqlUrl = Callable[[], str]
"""Makes the URL of a new empty database (the ``sql_url`` fixture)."""

ROOT = Path(__file__).resolve().parents[2]
PRODUCTS = ROOT / "products"
_CACHE: dict[str, ProductSpec] = {}
D = Decimal


OPERATOR = Operator(user="ops-1", role="operations")


def product(code: str) -> ProductSpec:
    if code not in _CACHE:
        _CACHE[code] = load_product_or_raise(PRODUCTS / f"{code}.yaml")
    return _CACHE[code]


class World:
    """Servicing and its books over one store."""

    def __init__(
        self,
        *,
        start: date = date(2026, 1, 5),
        store: Store | None = None,
        clock: FixedClock | None = None,
        rules: PostingRules | None = None,
        seed: int = 7,
        products: tuple[str, ...] = ("consumer_credit",),
        lpr: Callable[[], LprSeries] | None = None,
        **gateway: Any,
    ) -> None:
        self.clock = clock or FixedClock(start)
        self.store: Store = store or MemoryStore()
        self.gateway = SimulatedGateway(self.clock, seed=seed, **gateway)
        self.products = {code: product(code) for code in products}
        self.lpr = lpr or LprSeries.default
        self.gl = GeneralLedger(self.store, clock=self.clock, rules=rules)
        self.servicing = Servicing(
            self.store,
            self.clock,
            products=self.products,
            gateway=self.gateway,
            signer=SimulatedSigner(),
            ids=SequentialIds(),
            day_steps=(self.gl,),
            lpr=self.lpr,
        )
        self._keys = 0

    def key(self, prefix: str = "k") -> str:
        self._keys += 1
        return f"{prefix}-{self._keys}"

    def open(
        self,
        code: str = "consumer_credit",
        *,
        amount: Decimal = Decimal("10000"),
        term: int = 12,
        annual_rate: Decimal = Decimal("0.12"),
        method: RepaymentMethod = RepaymentMethod.annuity,
        **changes: Any,
    ) -> str:
        """Open, sign and disburse a loan of product ``code``; returns its id."""
        loan_id = self.signed(
            code, amount=amount, term=term, annual_rate=annual_rate, method=method, **changes
        )
        self.servicing.disburse(loan_id, key=self.key("disburse"))
        self.servicing.relay_payments()
        return loan_id

    def signed(
        self,
        code: str = "consumer_credit",
        *,
        amount: Decimal = Decimal("10000"),
        term: int = 12,
        annual_rate: Decimal = Decimal("0.12"),
        method: RepaymentMethod = RepaymentMethod.annuity,
        **changes: Any,
    ) -> str:
        """Open and sign a loan of product ``code``, not paid out yet; returns its id."""
        terms = contract_terms(
            self.products[code],
            amount,
            term,
            method=method,
            start=self.clock.today(),
            pricing=PricingDecision(rate=annual_rate),
            lpr=self.lpr(),
        )
        data: dict[str, Any] = {
            "customer_id": "cust-1",
            "borrower_name": "张三",
            "borrower_id_number": "110101199003078512",
            "terms": terms,
            "apr": D("0.1268"),
            "account": "6222020200112233",
            "account_name": "张三",
        }
        data.update(changes)
        if "payout_account_id" not in changes:  # as if the borrower's card passed four elements
            data["payout_account_id"] = seed_payout_account(
                self.store,
                customer_id=data["customer_id"],
                number=data["account"],
                holder=data["account_name"],
                at=self.clock.now(),
            ).id
        if data.get("payee_account") and "payee_account_id" not in changes:  # 受托支付: a verified payee
            data["payee_account_id"] = seed_payout_account(
                self.store,
                customer_id=data["customer_id"],
                number=data["payee_account"],
                holder=data["payee"],
                at=self.clock.now(),
                owner=AccountOwner.payee,
                category=data.get("payee_category"),
            ).id
        contract = self.servicing.open_loan(LoanRequest(**data), key=self.key("open"))
        for signer, role, method in (
            (data["customer_id"], "borrower", SignatureMethod.sms_code),
            ("bank", "lender", SignatureMethod.ca_certificate),
        ):
            self.servicing.sign_contract(
                contract.id, signer=signer, role=role, method=method, key=self.key("sign")
            )
        return contract.loan_id

    def confirmation(self, amount: Decimal, reference: str) -> PaymentConfirmation:
        """The bank's confirmation that ``amount`` arrived today by transfer (到账凭证)."""
        return PaymentConfirmation(
            channel=PaymentChannel.bank_transfer,
            reference=reference,
            amount=amount,
            settled_on=self.clock.today(),
        )

    def pay(self, loan_id: str, amount: Decimal, *, key: str) -> RepaymentResult:
        """Credit a transfer of ``amount`` the bank confirmed today."""
        return self.servicing.repay(loan_id, self.confirmation(amount, key), key=key)

    def prepay(self, loan_id: str, *, key: str, principal: Decimal | None = None) -> RepaymentResult:
        """Prepay ``principal`` (or pay off) with a transfer of exactly today's quote."""
        quote = self.servicing.payoff_quote(loan_id, on=self.clock.today(), principal=principal)
        confirmation = self.confirmation(quote.total, key) if quote.total > 0 else None
        return self.servicing.prepay(loan_id, key=key, principal=principal, confirmation=confirmation)

    def reverse(self, loan_id: str, entry_id: str, *, key: str, reason: str) -> ManualPosting:
        """Operations reverse a credited payment (冲正) on the bank's recall notice ``key``."""
        return self.servicing.reverse_payment(
            loan_id, entry_id, reference=key, reason=reason, operator=OPERATOR, key=key
        )

    def deliver(self) -> None:
        self.servicing.relay_payments()
        self.servicing.poll_payments()
        for result in self.gateway.callbacks():
            self.servicing.apply_payment_result(result)

    def advance(self, days: int, *, check: bool = False) -> None:
        """Live ``days`` days (payments in the morning, end of day at night); with ``check`` the
        books are reconciled with the loans after every night."""
        for _ in range(days):
            self.deliver()
            self.servicing.run_eod(self.clock.today())
            if check:
                differences = reconcile(self.gl, self.clock.today())
                assert not differences, [d.describe() for d in differences]
            self.clock.advance(timedelta(days=1))

    def starve(self, account: str = "6222020200112233") -> None:
        self.gateway.fund(account, D(0))

    def feed(self, account: str = "6222020200112233") -> None:
        self.gateway.fund(account, D("100000000"))

    @property
    def closed(self) -> date:
        last = self.gl.last_closed()
        assert last is not None
        return last.day

    def balance(self, account: str, *, product: str | None = None, category: str | None = None) -> Decimal:
        """An account's balance on its normal side at the last close."""
        total = D(0)
        for b in self.gl.balances(self.closed, by=("product", "category"), accounts=[account]):
            if (product is None or b.product == product) and (category is None or b.category == category):
                total += b.amount
        return total

    def journals(self) -> list[Journal]:
        return self.gl.journals(date(2000, 1, 1), self.closed)

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        with self.store.transaction() as tx:
            return tx.ledger.entries(loan_id)


def sql_store(url: str, **options: Any) -> Any:
    """A migrated SQL store at ``url`` (personal data not encrypted)."""
    from loanfactory.adapters.sql import SqlStore

    options.setdefault("cipher", None)
    return SqlStore(url, migrate=True, **options)
