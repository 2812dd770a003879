"""The :class:`Backend` over a :class:`~loanfactory.lender.Lender`: every method is one call of
``lender.products``, ``lender.origination``, ``lender.servicing`` or the lender itself.

This is wiring, not business logic: each method translates an HTTP request model into a call of
the library and hands back what it returns (or a JSON view of it, :mod:`._views`); the
collection methods are in :mod:`._payment_backend`. Two things
the lender does not keep itself are kept here, through the same store: customers' notification
settings (:class:`~loanfactory.adapters.notify.StoredPreferences`) and products' publication
status (:class:`._statuses.ProductStatuses`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from loanfactory.adapters.http._backend_accounts import PayoutAccountMethods
from loanfactory.adapters.http._backend_campaigns import CampaignMethods
from loanfactory.adapters.http._backend_customers import CustomerMethods
from loanfactory.adapters.http._backend_disposals import DisposalMethods
from loanfactory.adapters.http._backend_service import ServiceDeskMethods
from loanfactory.adapters.http._models import (
    ApplicationCreate,
    BatchDisbursementRequest,
    CompareRequest,
    ConsentIn,
    DisbursementRequest,
    DocumentIn,
    EodRequest,
    OfferAcceptance,
    QuoteRequest,
    RecommendRequest,
    ReviewDecision,
    SignRequest,
)
from loanfactory.adapters.http._payment_backend import PaymentBackend
from loanfactory.adapters.http._reports import Reports
from loanfactory.adapters.http._statuses import ProductStatuses
from loanfactory.adapters.http._views import JsonBytes, product_view, quote_json, quote_view
from loanfactory.adapters.notify import NotificationPreferences, StoredPreferences
from loanfactory.adapters.payments import Verifier
from loanfactory.errors import InvalidInput, LoanfactoryError, NotFound, StateConflict, hint_for
from loanfactory.lender import Lender, Payee
from loanfactory.money import format_money
from loanfactory.origination import (
    Application,
    Consent,
    Customer,
    Need,
    Offer,
    Recommendation,
    ReviewTask,
    SupportingDocument,
)
from loanfactory.ports import ConcurrentUpdate
from loanfactory.product import Product
from loanfactory.service_desk import Answerer, ServiceDesk
from loanfactory.servicing import Contract, EodRun, Loan
from loanfactory.spec import Status


class PreferenceStore(Protocol):
    def preferences_for(self, recipient: str) -> NotificationPreferences | None: ...

    def set(
        self, recipient: str, preferences: NotificationPreferences, *, actor: str = "system"
    ) -> NotificationPreferences: ...


class ServiceBackend(
    PaymentBackend,
    PayoutAccountMethods,
    CustomerMethods,
    ServiceDeskMethods,
    CampaignMethods,
    DisposalMethods,
):
    """Implements :class:`~loanfactory.adapters.http.Backend` with a lender's services.

    ``callbacks`` verifies the payment system's signed callbacks (none: they are refused).
    """

    def __init__(
        self,
        lender: Lender,
        *,
        preferences: PreferenceStore | None = None,
        statuses: ProductStatuses | None = None,
        callbacks: Verifier | None = None,
    ) -> None:
        self.lender = lender
        self.callbacks = callbacks
        self.preferences = preferences or StoredPreferences(lender.store, now=lender.clock.now)
        self.statuses = statuses or ProductStatuses(lender.store, lender.products, now=lender.clock.now)
        self.reports = Reports(lender)
        self.desk = ServiceDesk(store=lender.store, clock=lender.clock)
        self._answerer: Answerer | None = None
        self._answerer_lock = threading.Lock()

    # --- catalog and quotes (pure: they run on the event loop) -------------------------------

    def _product(self, code: str) -> Product:
        found = self.lender.products.products.get(code)
        if found is None:
            hint, hint_zh = hint_for(code, self.lender.products.products)
            raise NotFound(
                f"no product '{code}'" + (f"; {hint}" if hint else ""),
                field="product_code",
                message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        return found

    def list_products(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = []
        for product in self.lender.products:
            spec = product.spec
            if "channel" in filters and filters["channel"] not in spec.channels:
                continue
            if "segment" in filters and filters["segment"] not in spec.segments:
                continue
            if "purpose" in filters and filters["purpose"] not in spec.purposes:
                continue
            if "status" in filters and filters["status"] is not spec.status:
                continue
            if "tag" in filters and filters["tag"] not in spec.tags:
                continue
            if "amount" in filters and not spec.amount.min <= filters["amount"] <= spec.amount.max:
                continue
            if "term" in filters and not spec.term.allows(filters["term"]):
                continue
            found.append(product_view(spec))
        return found

    def get_product(self, code: str) -> dict[str, Any]:
        return product_view(self._product(code).spec)

    def _try_quote(self, product: Product, amount: Decimal, term: int) -> dict[str, Any]:
        try:
            return quote_view(product.quote(amount, term, start=self.lender.clock.today()), schedule=False)
        except LoanfactoryError as exc:  # this product does not offer that amount or term
            return {
                "product_code": product.code,
                "error": {"code": exc.code, "field": exc.field, "message": exc.message},
            }

    def compare_products(self, request: CompareRequest) -> dict[str, Any]:
        """The products' quotes side by side for one amount and term (产品对比)."""
        products = [self._product(code) for code in dict.fromkeys(request.codes)]
        return {
            "amount": format_money(request.amount),
            "term": request.term,
            "products": [
                {**product_view(p.spec), "quote": self._try_quote(p, request.amount, request.term)}
                for p in products
            ],
        }

    def recommend_products(self, request: RecommendRequest, customer_id: str | None) -> list[dict[str, Any]]:
        """Products on sale that fit the need, each with its quote, cheapest APR first.

        For a customer (their own key, or a customer named by staff) who states the whole need
        (amount, term, purpose, channel), origination's ``recommend`` also screens every product
        with the customer's profile and the product's eligibility rules: each item then says
        ``eligible`` and why not, and the eligible ones come first. Otherwise ``eligible`` is null.
        """
        filters: dict[str, Any] = {"status": Status.online}
        for name in ("purpose", "segment", "channel", "amount", "term"):
            value = getattr(request, name)
            if value is not None:
                filters[name] = value
        today = self.lender.clock.today()
        verdicts = self._screened(request, customer_id)
        ranked = []
        for view in self.list_products(filters):
            product = self._product(view["code"])
            if not product.spec.is_sellable(today):
                continue
            amount = request.amount if request.amount is not None else product.spec.amount.min
            term = request.term if request.term is not None else product.spec.term.values()[0]
            offer = self._try_quote(product, amount, term)
            if "error" in offer:
                continue
            verdict = verdicts.get(view["code"]) if verdicts is not None else None
            ranked.append(
                {
                    **view,
                    "quote": offer,
                    "eligible": None if verdicts is None else verdict is not None and verdict.eligible,
                    "reasons": []
                    if verdict is None
                    else [r.model_dump(mode="json") for r in verdict.reasons],
                }
            )
        ranked.sort(key=lambda v: (v["eligible"] is False, Decimal(v["quote"]["apr"]), v["code"]))
        return ranked[: request.limit]

    def _screened(self, request: RecommendRequest, customer: str | None) -> dict[str, Recommendation] | None:
        """Origination's verdict per product for this customer and need, when both are known."""
        amount, term, purpose, channel = request.amount, request.term, request.purpose, request.channel
        if customer is None or amount is None or term is None or purpose is None or channel is None:
            return None
        need = Need(amount=amount, term=term, purpose=purpose, channel=channel)
        return {r.code: r for r in self.lender.origination.recommend(customer, need)}

    def quote(self, request: QuoteRequest) -> JsonBytes:
        try:
            result = self._product(request.product_code).quote(
                request.amount,
                request.term,
                method=request.repayment_method,
                start=request.start_date or self.lender.clock.today(),
            )
        except InvalidInput as exc:
            if exc.code == "date-out-of-range":  # the request names the start ``start_date``
                exc.field = "start_date"
            raise
        return quote_json(result, schedule=request.schedule)

    # --- notification settings ----------------------------------------------------------------

    def get_preferences(self, customer_id: str) -> NotificationPreferences:
        return self.preferences.preferences_for(customer_id) or NotificationPreferences()

    def set_preferences(self, customer_id: str, preferences: NotificationPreferences, *, actor: str) -> Any:
        self.lender.origination.get(Customer, customer_id)  # NotFound for a customer never registered
        return self.preferences.set(customer_id, preferences, actor=actor)

    # --- applications, reviews and offers (origination) ---------------------------------------

    def create_application(
        self, request: ApplicationCreate, *, customer_id: str, actor: str, key: str
    ) -> Any:
        data = request.model_dump(exclude_none=True, exclude={"customer_id"})
        data["customer_id"] = customer_id
        data["filed_by"] = actor  # 录入人: may not review it
        now = self.lender.clock.now()
        data["documents"] = [{**d, "received_at": now} for d in data.get("documents", [])]
        data["consents"] = [{**c, "granted_at": now} for c in data.get("consents", [])]
        return self.lender.origination.originate(data, idempotency_key=key)  # submitted and decided

    def list_applications(self, *, customer_id: str | None, status: str | None) -> list[Any]:
        where = {k: v for k, v in (("customer_id", customer_id), ("status", status)) if v is not None}
        return self.lender.origination.list(Application, **where)

    def get_application(self, application_id: str) -> Any:
        return self.lender.origination.get(Application, application_id)

    def add_document(self, application_id: str, document: DocumentIn, *, actor: str) -> Any:
        doc = SupportingDocument.model_validate(
            {**document.model_dump(exclude_none=True), "received_at": self.lender.clock.now()}
        )
        return self.lender.origination.supply_information(
            application_id, (doc,), idempotency_key=f"{actor}:doc:{application_id}:{document.sha256}"
        )

    def add_consent(self, application_id: str, consent: ConsentIn, *, actor: str) -> Any:
        now = self.lender.clock.now()
        given = Consent.model_validate({**consent.model_dump(exclude_none=True), "granted_at": now})
        key = f"{actor}:consent:{application_id}:{consent.scope.value}:{now.isoformat()}"
        return self.lender.origination.supply_information(application_id, (), (given,), idempotency_key=key)

    def application_result(self, application_id: str) -> dict[str, Any]:
        application = self.get_application(application_id)
        offer = self.get_offer(application.offer_id) if application.offer_id else None
        return {
            "application_id": application.id,
            "status": application.status.value,
            "reasons": [r.model_dump(mode="json") for r in application.reasons],
            "offer": offer.model_dump(mode="json") if offer is not None else None,
        }

    def list_review_tasks(self, *, stage: str | None, status: str | None, assignee: str | None) -> list[Any]:
        where = {
            k: v for k, v in (("stage", stage), ("status", status), ("assignee", assignee)) if v is not None
        }
        return self.lender.origination.list(ReviewTask, **where)

    def claim_review(self, task_id: str, *, actor: str, role: str) -> Any:
        return self.lender.origination.claim_task(
            task_id, actor, role=role, idempotency_key=f"{actor}:claim:{task_id}"
        )

    def decide_review(
        self, task_id: str, outcome: str, decision: ReviewDecision, *, actor: str, role: str
    ) -> Any:
        origination = self.lender.origination
        key = f"{actor}:{outcome}:{task_id}"
        if outcome == "approve":
            return origination.approve_task(
                task_id,
                actor,
                role=role,
                idempotency_key=key,
                note=decision.note,
                approved_amount=decision.approved_amount,
            )
        if outcome == "reject":
            return origination.reject_task(
                task_id,
                actor,
                role=role,
                reasons=tuple(decision.reasons),
                idempotency_key=key,
                note=decision.note,
            )
        missing = tuple(m.value for m in decision.missing) or tuple(decision.reasons)
        return origination.return_task(
            task_id, actor, role=role, missing=missing, idempotency_key=key, note=decision.note
        )

    def get_offer(self, offer_id: str) -> Any:
        return self.lender.origination.get(Offer, offer_id)

    def accept_offer(self, offer_id: str, request: OfferAcceptance, *, actor: str, key: str) -> Contract:
        """The offer is accepted and the contract drawn up (:meth:`Lender.accept_offer`): the loan
        pays out to the customer's verified payout account, and to a verified payee if named."""
        payee = request.payee
        return self.lender.accept_offer(
            offer_id,
            key=key,
            actor=actor,
            payee=Payee(name=payee.name, account=payee.account, category=payee.category) if payee else None,
            languages=tuple(request.languages),
        )

    def decline_offer(self, offer_id: str, *, actor: str) -> Any:
        # one decline per offer: a repeat replays the first answer
        return self.lender.origination.decline_offer(offer_id, idempotency_key=f"decline:{offer_id}")

    # --- contracts, disbursements, loans (servicing) ----------------------------------------

    def get_contract(self, contract_id: str) -> Any:
        with self.lender.store.transaction() as tx:
            return tx.repo(Contract).get(contract_id)

    def sign_contract(self, contract_id: str, request: SignRequest, *, actor: str, signer_role: str) -> Any:
        return self.lender.servicing.sign_contract(
            contract_id,
            signer=actor,
            role=signer_role,
            method=request.method,
            key=f"{actor}:sign:{contract_id}",
        )

    def disburse(self, request: DisbursementRequest, *, actor: str, key: str) -> Any:
        return self.lender.servicing.disburse(
            request.loan_id,
            key=key,
            milestone=request.milestone,
            tranche=request.tranche,
            amount=request.amount,
            evidence=tuple(request.evidence),
            actor=actor,
        )

    def disburse_batch(self, request: BatchDisbursementRequest, *, actor: str, key: str) -> dict[str, Any]:
        """Each item in its own transaction: a refused loan is reported and the others go on."""
        results: list[dict[str, Any]] = []
        for index, item in enumerate(request.items):
            try:
                done = self.disburse(item, actor=actor, key=f"{key}:{index}")
                results.append(
                    {"loan_id": item.loan_id, "ok": True, "disbursement": done.model_dump(mode="json")}
                )
            except ConcurrentUpdate:  # changed meanwhile: this item may simply be retried
                results.append({"loan_id": item.loan_id, "ok": False, "code": "concurrent-update"})
            except LoanfactoryError as exc:
                results.append(
                    {
                        "loan_id": item.loan_id,
                        "ok": False,
                        "code": exc.code,
                        "field": exc.field,
                        "message": exc.message,
                        "message_zh": exc.localized("zh"),
                    }
                )
        return {
            "results": results,
            "succeeded": sum(r["ok"] for r in results),
            "failed": sum(not r["ok"] for r in results),
        }

    def list_loans(self, *, customer_id: str | None, status: str | None) -> Sequence[Any]:
        where = {k: v for k, v in (("customer_id", customer_id), ("status", status)) if v is not None}
        with self.lender.store.transaction() as tx:
            return list(tx.repo(Loan).list(**where))

    def get_loan(self, loan_id: str) -> Any:
        return self.lender.servicing.loan(loan_id)

    # --- the compliance archive ----------------------------------------------------------------

    def _archive(self) -> Any:
        if self.lender.archive is None:
            raise StateConflict(
                "this server keeps no archive (set LOANFACTORY_ARCHIVE)",
                field="archive",
                code="not-configured",
                message_zh="本服务未配置合规档案（请设置 LOANFACTORY_ARCHIVE）",
            )
        return self.lender.archive

    def archive_find(
        self,
        *,
        loan: str | None,
        customer: str | None,
        application: str | None,
        kind: str | None,
        since: date | None,
        until: date | None,
    ) -> list[dict[str, Any]]:
        records = self._archive().find(
            loan_id=loan,
            customer_id=customer,
            application_id=application,
            category=kind,
            since=since,
            until=until,
        )
        return [r.model_dump(mode="json") | {"href": f"/v1/archive/{r.id}"} for r in records]

    def archive_content(self, record_id: str) -> tuple[str, bytes]:
        archive = self._archive()
        return archive.get(record_id).media_type, archive.content(record_id)

    def archive_export(self, loan: str, *, actor: str) -> bytes:
        from loanfactory.archive import export_loan

        return export_loan(self._archive(), loan, actor=actor)

    def loan_schedule(self, loan_id: str) -> Any:
        return self.lender.servicing.loan(loan_id).schedule

    def loan_commitment(self, loan_id: str) -> Any:
        return self.lender.servicing.commitment(loan_id)

    def payoff_quote(self, loan_id: str, on: date | None) -> Any:
        return self.lender.servicing.payoff_quote(loan_id, on=on)

    # --- end of day, products, reports ---------------------------------------------------------

    def run_eod(self, request: EodRequest, *, actor: str) -> dict[str, Any]:
        """Servicing's end of day, then the offers and lines that lapsed (:meth:`Lender.end_of_day`)."""
        done = self.lender.end_of_day(request.business_date)
        extra = {"offers_expired": done.offers_expired, "lines_expired": done.lines_expired}
        return {**done.eod.model_dump(mode="json"), **extra}

    def eod_status(self, business_date: date) -> Any:
        with self.lender.store.transaction() as tx:
            return tx.repo(EodRun).get(f"eod:{business_date.isoformat()}")

    def set_product_status(self, code: str, status: str, *, actor: str, reason: str | None) -> dict[str, Any]:
        return product_view(self.statuses.change(code, status, actor=actor, reason=reason).spec)

    def report(self, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        return self.reports.run(name, params)

    def report_file(self, name: str, suffix: str, params: Mapping[str, str]) -> tuple[bytes, str]:
        return self.reports.file(name, suffix, params)
