"""A :class:`Backend` over the library's own services: catalog, quote, origination and servicing.

This is wiring, not business logic: each method translates an HTTP request model into one call
of :func:`loanfactory.quote.quote`, :class:`~loanfactory.origination.service.Origination` or
:class:`~loanfactory.servicing.Servicing` and hands back what it returns. Parts whose service
is not given (or not built yet) are simply absent, and the API answers 501 for them: product
publication (waiting for the product registry) and reports (waiting for ``loanfactory.reporting``).
Notification settings are kept in memory (no store table for them yet). When the
application facade lands it replaces this class; until then ``loanfactory serve`` uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from loanfactory.adapters.http._models import (
    ApplicationCreate,
    CompareRequest,
    ConsentIn,
    DisbursementRequest,
    DocumentIn,
    EodRequest,
    PrepaymentRequest,
    QuoteRequest,
    RecommendRequest,
    RepaymentRequest,
    ReviewDecision,
    SignRequest,
)
from loanfactory.adapters.notify import MemoryPreferences, NotificationPreferences
from loanfactory.errors import LoanfactoryError, NotFound, hint_for
from loanfactory.money import format_money
from loanfactory.ports import Clock
from loanfactory.quote import Quote, quote
from loanfactory.spec import ProductSpec
from loanfactory.spec.product import Status


def quote_view(result: Quote, *, schedule: bool = True) -> dict[str, Any]:
    """A quote as JSON-ready data: terms, totals, fees, APR and (optionally) the schedule."""
    totals = result.schedule.totals
    apr, effective = result.apr.disclosed()
    rows = result.schedule.installments
    view: dict[str, Any] = {
        "product_code": result.product.code,
        "product_version": result.product.version,
        "amount": format_money(result.amount),
        "term": result.term,
        "repayment_method": result.terms.method.value,
        "annual_rate": format(result.terms.annual_rate, "f"),
        "apr": format(apr, "f"),
        "effective_annual_rate": format(effective, "f"),
        "installments": len(rows),
        "first_payment": format_money(rows[0].total) if rows else "0.00",
        "total_interest": format_money(totals.interest),
        "total_fees": format_money(sum((f.amount for f in result.fees), Decimal(0))),
        "total_repayment": format_money(totals.total),
        "fees": [
            {"name": f.name, "timing": f.timing, "amount": format_money(f.amount), "in_apr": f.in_apr}
            for f in result.fees
        ],
    }
    if schedule:
        view["schedule"] = [
            {
                "number": r.number,
                "due_date": r.due_date.isoformat() if r.due_date else None,
                "principal": format_money(r.principal),
                "interest": format_money(r.interest),
                "fee": format_money(r.fee),
                "total": format_money(r.total),
                "balance": format_money(r.balance),
            }
            for r in rows
        ]
    return view


def product_view(spec: ProductSpec) -> dict[str, Any]:
    """The public face of a product: what a customer may ask for (no rule internals)."""
    return {
        "code": spec.code,
        "version": spec.version,
        "name": spec.name.model_dump(mode="json") if hasattr(spec.name, "model_dump") else spec.name,
        "status": spec.status.value,
        "channels": [c.value for c in spec.channels],
        "segments": [s.value for s in spec.segments],
        "purposes": [p.value for p in spec.purposes],
        "amount": spec.amount.model_dump(mode="json"),
        "term": spec.term.model_dump(mode="json"),
        "repayment_methods": [m.value for m in spec.repayment.methods],
        "tags": list(spec.tags),
    }


class ServiceBackend:
    """Implements the parts of :class:`Backend` that the given services provide."""

    def __init__(
        self,
        products: Mapping[str, ProductSpec],
        *,
        clock: Clock,
        origination: Any | None = None,
        servicing: Any | None = None,
        preferences: MemoryPreferences | None = None,
    ) -> None:
        self._products = dict(products)
        self.preferences = preferences or MemoryPreferences()
        self._clock = clock
        self._origination = origination
        self._servicing = servicing
        # a part without its service is None, which the API answers with 501 not-configured
        if origination is None:
            for name in _ORIGINATION:
                setattr(self, name, None)
        if servicing is None:
            for name in _SERVICING:
                setattr(self, name, None)

    # --- catalog and quotes ------------------------------------------------------------------

    def _spec(self, code: str) -> ProductSpec:
        spec = self._products.get(code)
        if spec is None:
            hint, hint_zh = hint_for(code, self._products)
            raise NotFound(
                f"no product '{code}'" + (f"; {hint}" if hint else ""),
                field="product_code",
                message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        return spec

    def list_products(self, filters: Mapping[str, Any]) -> list[dict[str, Any]]:
        found = []
        for spec in sorted(self._products.values(), key=lambda s: s.code):
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
        return product_view(self._spec(code))

    def _try_quote(self, spec: ProductSpec, amount: Decimal, term: int) -> dict[str, Any]:
        try:
            return quote_view(quote(spec, amount, term, start=self._clock.today()), schedule=False)
        except LoanfactoryError as exc:  # this product does not offer that amount or term
            return {
                "product_code": spec.code,
                "error": {"code": exc.code, "field": exc.field, "message": exc.message},
            }

    def compare_products(self, request: CompareRequest) -> dict[str, Any]:
        """The products' quotes side by side for one amount and term (产品对比)."""
        specs = [self._spec(code) for code in dict.fromkeys(request.codes)]
        return {
            "amount": format_money(request.amount),
            "term": request.term,
            "products": [
                {**product_view(s), "quote": self._try_quote(s, request.amount, request.term)} for s in specs
            ],
        }

    def recommend_products(self, request: RecommendRequest, customer_id: str | None) -> list[dict[str, Any]]:
        """Online products that fit the need, cheapest APR first (an interim ranking until
        origination's recommendation lands; it does not look at the customer's profile yet)."""
        filters: dict[str, Any] = {"status": Status.online}
        for name in ("purpose", "segment", "channel", "amount", "term"):
            value = getattr(request, name)
            if value is not None:
                filters[name] = value
        ranked = []
        for view in self.list_products(filters):
            spec = self._products[view["code"]]
            amount = request.amount if request.amount is not None else spec.amount.min
            term = request.term if request.term is not None else spec.term.values()[0]
            offer = self._try_quote(spec, amount, term)
            if "error" not in offer:
                ranked.append({**view, "quote": offer})
        ranked.sort(key=lambda v: (Decimal(v["quote"]["apr"]), v["code"]))
        return ranked[: request.limit]

    def get_preferences(self, customer_id: str) -> NotificationPreferences:
        return self.preferences.preferences_for(customer_id) or NotificationPreferences()

    def set_preferences(self, customer_id: str, preferences: NotificationPreferences, *, actor: str) -> Any:
        self.preferences.set(customer_id, preferences)
        return preferences

    def quote(self, request: QuoteRequest) -> dict[str, Any]:
        result = quote(
            self._spec(request.product_code),
            request.amount,
            request.term,
            method=request.repayment_method,
            start=request.start_date or self._clock.today(),
        )
        return quote_view(result, schedule=request.schedule)

    # --- applications and reviews (origination) ---------------------------------------------

    def create_application(
        self, request: ApplicationCreate, *, customer_id: str, actor: str, key: str
    ) -> Any:
        data = request.model_dump(exclude_none=True, exclude={"customer_id"})
        data["customer_id"] = customer_id
        now = self._clock.now()
        data["documents"] = [{**d, "received_at": now} for d in data.get("documents", [])]
        data["consents"] = [{**c, "granted_at": now} for c in data.get("consents", [])]
        service: Any = self._origination
        application = service.submit_application(data, idempotency_key=f"{key}:submit")
        try:
            return service.assess(application.id, idempotency_key=f"{key}:assess")
        except NotImplementedError:  # no decision flow wired for the product yet: stays submitted
            return {"application": application.model_dump(mode="json"), "outcome": "submitted", "reasons": []}

    def list_applications(self, *, customer_id: str | None, status: str | None) -> list[Any]:
        from loanfactory.origination.application import Application

        where = {k: v for k, v in (("customer_id", customer_id), ("status", status)) if v is not None}
        return list(self._origination.list(Application, **where))  # type: ignore[union-attr]

    def get_application(self, application_id: str) -> Any:
        from loanfactory.origination.application import Application

        return self._origination.get(Application, application_id)  # type: ignore[union-attr]

    def add_document(self, application_id: str, document: DocumentIn, *, actor: str) -> Any:
        doc = {**document.model_dump(exclude_none=True), "received_at": self._clock.now()}
        return self._origination.supply_information(  # type: ignore[union-attr]
            application_id, (doc,), idempotency_key=f"{actor}:doc:{application_id}:{document.sha256}"
        )

    def add_consent(self, application_id: str, consent: ConsentIn, *, actor: str) -> Any:
        given = {**consent.model_dump(exclude_none=True), "granted_at": self._clock.now()}
        key = f"{actor}:consent:{application_id}:{consent.scope.value}:{self._clock.now().isoformat()}"
        return self._origination.supply_information(application_id, (), (given,), idempotency_key=key)  # type: ignore[union-attr]

    def application_result(self, application_id: str) -> dict[str, Any]:
        from loanfactory.origination.offer import Offer

        application = self.get_application(application_id)
        offer = self._origination.get(Offer, application.offer_id) if application.offer_id else None  # type: ignore[union-attr]
        return {
            "application_id": application.id,
            "status": application.status.value,
            "reasons": [r.model_dump(mode="json") for r in application.reasons],
            "offer": offer.model_dump(mode="json") if offer is not None else None,
        }

    def list_review_tasks(self, *, stage: str | None, status: str | None, assignee: str | None) -> list[Any]:
        from loanfactory.origination.review import ReviewTask

        where = {
            k: v for k, v in (("stage", stage), ("status", status), ("assignee", assignee)) if v is not None
        }
        return list(self._origination.list(ReviewTask, **where))  # type: ignore[union-attr]

    def claim_review(self, task_id: str, *, actor: str, role: str) -> Any:
        return self._origination.claim_task(task_id, actor, idempotency_key=f"{actor}:claim:{task_id}")  # type: ignore[union-attr]

    def decide_review(
        self, task_id: str, outcome: str, decision: ReviewDecision, *, actor: str, role: str
    ) -> Any:
        service = self._origination
        key = f"{actor}:{outcome}:{task_id}"
        if outcome == "approve":
            return service.approve_task(  # type: ignore[union-attr]
                task_id,
                actor,
                idempotency_key=key,
                note=decision.note,
                approved_amount=decision.approved_amount,
            )
        if outcome == "reject":
            return service.reject_task(  # type: ignore[union-attr]
                task_id, actor, reasons=tuple(decision.reasons), idempotency_key=key, note=decision.note
            )
        missing = tuple(m.value for m in decision.missing) or tuple(decision.reasons)
        return service.return_task(task_id, actor, missing=missing, idempotency_key=key, note=decision.note)  # type: ignore[union-attr]

    # --- contracts, disbursements, loans (servicing) ----------------------------------------

    def get_contract(self, contract_id: str) -> Any:
        from loanfactory.servicing import Contract

        with self._servicing.store.transaction() as tx:  # type: ignore[union-attr]
            return tx.repo(Contract).get(contract_id)

    def sign_contract(self, contract_id: str, request: SignRequest, *, actor: str, signer_role: str) -> Any:
        return self._servicing.sign_contract(  # type: ignore[union-attr]
            contract_id,
            signer=actor,
            role=signer_role,
            method=request.method,
            key=f"{actor}:sign:{contract_id}",
        )

    def disburse(self, request: DisbursementRequest, *, actor: str, key: str) -> Any:
        return self._servicing.disburse(  # type: ignore[union-attr]
            request.loan_id,
            key=key,
            milestone=request.milestone,
            evidence=tuple(request.evidence),
            actor=actor,
        )

    def disburse_batch(self, request: Any, *, actor: str, key: str) -> dict[str, Any]:
        results: list[dict[str, Any]] = []
        for index, item in enumerate(request.items):
            try:
                done = self.disburse(item, actor=actor, key=f"{key}:{index}")
                results.append(
                    {"loan_id": item.loan_id, "ok": True, "disbursement": done.model_dump(mode="json")}
                )
            except Exception as exc:  # one bad item must not stop the batch; it is reported
                code = getattr(exc, "code", "error")
                results.append({"loan_id": item.loan_id, "ok": False, "code": code, "message": str(exc)})
        return {
            "results": results,
            "succeeded": sum(r["ok"] for r in results),
            "failed": sum(not r["ok"] for r in results),
        }

    def list_loans(self, *, customer_id: str | None, status: str | None) -> Sequence[Any]:
        from loanfactory.servicing import Loan

        where = {k: v for k, v in (("customer_id", customer_id), ("status", status)) if v is not None}
        with self._servicing.store.transaction() as tx:  # type: ignore[union-attr]
            return list(tx.repo(Loan).list(**where))

    def get_loan(self, loan_id: str) -> Any:
        return self._servicing.loan(loan_id)  # type: ignore[union-attr]

    def loan_schedule(self, loan_id: str) -> Any:
        return self._servicing.loan(loan_id).schedule  # type: ignore[union-attr]

    def payoff_quote(self, loan_id: str, on: date | None) -> Any:
        return self._servicing.payoff_quote(loan_id, on=on)  # type: ignore[union-attr]

    def repay(self, loan_id: str, request: RepaymentRequest, *, actor: str, key: str) -> Any:
        return self._servicing.repay(loan_id, request.amount, key=key, actor=actor)  # type: ignore[union-attr]

    def prepay(self, loan_id: str, request: PrepaymentRequest, *, actor: str, key: str) -> Any:
        from loanfactory.spec import Reamortisation

        return self._servicing.prepay(  # type: ignore[union-attr]
            loan_id,
            key=key,
            principal=request.amount,
            reamortisation=Reamortisation(request.mode),
            actor=actor,
        )

    def run_eod(self, request: EodRequest, *, actor: str) -> Any:
        return self._servicing.run_eod(request.business_date)  # type: ignore[union-attr]

    def eod_status(self, business_date: date) -> Any:
        from loanfactory.servicing import EodRun

        with self._servicing.store.transaction() as tx:  # type: ignore[union-attr]
            return tx.repo(EodRun).get(f"eod:{business_date.isoformat()}")


_ORIGINATION = frozenset(
    {
        "create_application",
        "list_applications",
        "get_application",
        "add_document",
        "add_consent",
        "application_result",
        "list_review_tasks",
        "claim_review",
        "decide_review",
    }
)
_SERVICING = frozenset(
    {
        "get_contract",
        "sign_contract",
        "disburse",
        "disburse_batch",
        "list_loans",
        "get_loan",
        "loan_schedule",
        "payoff_quote",
        "repay",
        "prepay",
        "run_eod",
        "eod_status",
    }
)
