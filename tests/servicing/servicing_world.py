"""A servicing world for tests (imported as ``servicing_world``): products from products/, an
in-memory store, a fixed clock, a simulated gateway and signer, and helpers to open, sign,
disburse and age loans."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import SequentialIds
from loanfactory.lpr import LprSeries
from loanfactory.origination import AccountOwner
from loanfactory.ports import LedgerEntryRecord, PaymentChannel, PaymentConfirmation, SignatureMethod
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import (
    DebitOrder,
    EntryType,
    LoanRequest,
    Operator,
    OrderStatus,
    Position,
    RepaymentResult,
    ReversalResult,
    Servicing,
    ServicingConfig,
)
from loanfactory.spec import ProductSpec, load_product_or_raise
from loanfactory.terms import Concession, contract_terms
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    SimulatedGateway,
    SimulatedSigner,
    seed_payout_account,
)

PRODUCTS = Path(__file__).resolve().parents[2] / "products"
_CACHE: dict[str, ProductSpec] = {}
OPS = Operator("ops-li", "operations")
CHECKER = Operator("ops-wang", "operations")


def product(code: str) -> ProductSpec:
    if code not in _CACHE:
        _CACHE[code] = load_product_or_raise(PRODUCTS / f"{code}.yaml")
    return _CACHE[code]


class World:
    """Everything a servicing test needs, wired together."""

    def __init__(
        self,
        *,
        start: date = date(2026, 1, 5),
        products: dict[str, ProductSpec] | None = None,
        seed: int = 7,
        failure_rate: float = 0.0,
        timeout_rate: float = 0.0,
        duplicate_rate: float = 0.0,
        partial: bool = False,
        config: ServicingConfig | None = None,
        lpr: LprSeries | Callable[[], LprSeries] | None = None,
        **kwargs: Any,
    ) -> None:
        self.clock = FixedClock(start)
        self.store = MemoryStore()
        self.gateway = SimulatedGateway(
            self.clock,
            seed=seed,
            failure_rate=failure_rate,
            timeout_rate=timeout_rate,
            duplicate_rate=duplicate_rate,
            partial=partial,
        )
        self.signer = SimulatedSigner()
        self.products = products or {"consumer_credit": product("consumer_credit")}
        self.lpr_source = lpr or LprSeries.default()
        self.servicing = Servicing(
            self.store,
            self.clock,
            products=self.products,
            gateway=self.gateway,
            signer=self.signer,
            ids=SequentialIds(),
            config=config,
            lpr=self.lpr_source,
            **kwargs,
        )
        self._keys = 0

    def lpr(self) -> LprSeries:
        """The LPR fixings known today (a fixed series, or what a feed has published so far)."""
        source = self.lpr_source
        return source if isinstance(source, LprSeries) else source()

    def key(self, prefix: str = "k") -> str:
        self._keys += 1
        return f"{prefix}-{self._keys}"

    def request(
        self,
        code: str = "consumer_credit",
        *,
        amount: Decimal = Decimal("10000"),
        term: int = 12,
        annual_rate: Decimal = Decimal("0.12"),
        method: RepaymentMethod = RepaymentMethod.annuity,
        start: date | None = None,
        interest_free_days: int = 0,
        **changes: Any,
    ) -> LoanRequest:
        """A loan request on the product's contract terms, priced at ``annual_rate`` (a pricing
        decision setting the rate, as origination's rules may)."""
        terms = contract_terms(
            self.products[code],
            amount,
            term,
            method=method,
            start=start or self.clock.today(),
            pricing=PricingDecision(rate=annual_rate),
            concession=Concession(interest_free_days=interest_free_days),
            lpr=self.lpr(),
        )
        data: dict[str, Any] = {
            "customer_id": "cust-1",
            "borrower_name": "张三",
            "borrower_id_number": "110101199003078512",
            "terms": terms,
            "apr": Decimal("0.1268"),
            "account": "6222020200112233",
            "account_name": "张三",
        }
        data.update(changes)
        return LoanRequest(**self.evidence(data))

    def evidence(self, data: dict[str, Any]) -> dict[str, Any]:
        """The request with the verified payout accounts it names (seeded: servicing tests start
        at the contract; the checks themselves are tested in tests/origination)."""
        now = self.clock.now()
        if "payout_account_id" not in data:
            data["payout_account_id"] = seed_payout_account(
                self.store,
                customer_id=data["customer_id"],
                number=data["account"],
                holder=data["account_name"],
                at=now,
            ).id
        if data.get("payee") and "payee_account_id" not in data:
            data["payee_account_id"] = seed_payout_account(
                self.store,
                customer_id=data["customer_id"],
                number=data["payee_account"],
                holder=data["payee"],
                owner=AccountOwner.payee,
                category=data.get("payee_category"),
                at=now,
            ).id
        return data

    def signed(self, code: str = "consumer_credit", **changes: Any) -> str:
        contract = self.servicing.open_loan(self.request(code, **changes), key=self.key("open"))
        for signer, role, method in (
            ("cust-1", "borrower", SignatureMethod.sms_code),
            ("bank", "lender", SignatureMethod.ca_certificate),
        ):
            self.servicing.sign_contract(
                contract.id, signer=signer, role=role, method=method, key=self.key("sign")
            )
        return contract.loan_id

    def active(self, code: str = "consumer_credit", **changes: Any) -> str:
        loan_id = self.signed(code, **changes)
        self.servicing.disburse(loan_id, key=self.key("disburse"))
        self.servicing.relay_payments()
        return loan_id

    def deliver(self) -> None:
        """Relay waiting payments, poll pending ones and feed the gateway's callbacks back."""
        self.servicing.relay_payments()
        self.servicing.poll_payments()
        for result in self.gateway.callbacks():
            self.servicing.apply_payment_result(result)

    def confirmed(
        self, amount: Decimal, *, reference: str | None = None, on: date | None = None
    ) -> PaymentConfirmation:
        """The bank's confirmation that ``amount`` arrived by transfer (a fresh reference each time)."""
        return PaymentConfirmation(
            channel=PaymentChannel.bank_transfer,
            reference=reference or self.key("TRF"),
            amount=amount,
            settled_on=on or self.clock.today(),
        )

    def repay(self, loan_id: str, amount: Decimal, *, key: str | None = None) -> RepaymentResult:
        """A transfer the bank confirmed, credited to the loan (``Servicing.repay``)."""
        return self.servicing.repay(loan_id, self.confirmed(amount), key=key or self.key("repay"))

    def collect(self, loan_id: str, amount: Decimal, *, key: str | None = None) -> DebitOrder:
        """The borrower asks to repay ``amount``: the collection goes through the gateway now."""
        order = self.servicing.request_repayment(loan_id, amount, key=key or self.key("collect"))
        self.deliver()
        return self.order(order.id)

    def prepaid(self, loan_id: str, key: str, **kwargs: Any) -> tuple[DebitOrder, LedgerEntryRecord]:
        """The borrower asks to prepay (``request_prepayment``); the gateway collects the quote and
        the confirmed money makes the prepayment. The order and its prepayment posting."""
        order = self.servicing.request_prepayment(loan_id, key=key, **kwargs)
        self.deliver()
        done = self.order(order.id)
        assert done.status is OrderStatus.succeeded, done
        entry = next(e for e in self.entries(loan_id) if e.id == done.entry_id)
        assert entry.type == EntryType.prepayment, entry
        return done, entry

    def reverse(self, loan_id: str, entry_id: str, *, key: str, reason: str = "bounced") -> ReversalResult:
        """Operations reverse a payment (below the four-eyes amount, so at once)."""
        posting = self.servicing.reverse_payment(
            loan_id, entry_id, reference=f"RTN-{key}", reason=reason, operator=OPS, key=key
        )
        assert posting.reversal is not None, posting
        return posting.reversal

    def order(self, order_id: str) -> DebitOrder:
        with self.store.transaction() as tx:
            return tx.repo(DebitOrder).get(order_id)

    def advance(self, days: int, **eod: Any) -> None:
        """Live ``days`` business days: payments in the morning, the end of day at night."""
        for _ in range(days):
            self.deliver()
            self.servicing.run_eod(self.clock.today(), **eod)
            self.clock.advance(timedelta(days=1))

    def until(self, day: date, **eod: Any) -> None:
        self.advance((day - self.clock.today()).days, **eod)

    def entries(self, loan_id: str) -> list[LedgerEntryRecord]:
        with self.store.transaction() as tx:
            return tx.ledger.entries(loan_id)

    def position(self, loan_id: str, on: date | None = None) -> Position:
        return self.servicing.position(loan_id, on)
