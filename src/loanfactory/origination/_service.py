"""The origination service (贷款审批服务): the one object an embedding developer talks to.

::

    origination = Origination(store=MemoryStore(), catalog=catalog, kyc=SimulatedKyc(),
                              bureau=SimulatedBureau(), notifier=RecordingNotifier(),
                              clock=FixedClock(date(2025, 8, 1)))
    customer = origination.register_customer(profile, idempotency_key="reg-42")
    result = origination.originate(request, idempotency_key="app-42")   # submit + assess
    result.outcome, result.reasons, result.offer

Every command takes an ``idempotency_key``: running it again with the same key returns the first
result and changes nothing. Every command runs in one transaction with its events, audit records
and queued notifications; bad input raises :class:`~loanfactory.errors.InvalidInput` (or
``NotFound`` / ``StateConflict``) and leaves nothing behind. Notifications are delivered by
:meth:`Origination.relay_notifications` (or the adapters' relay) from the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from loanfactory.errors import InvalidInput, LoanfactoryError
from loanfactory.money import to_money
from loanfactory.origination import _assessment as assessment
from loanfactory.origination import _offer as offers
from loanfactory.origination import _registration as registration
from loanfactory.origination import _review_flow as review_flow
from loanfactory.origination import _submission as submission
from loanfactory.origination._application import Application, ApplicationRequest, Consent, SupportingDocument
from loanfactory.origination._assessment import ApplicationAssessment
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import (
    Customer,
    CustomerGroup,
    EnterpriseProfile,
    IndividualProfile,
    Profile,
    SoleProprietorProfile,
)
from loanfactory.origination._identity import identity_hash, parse_credit_code, parse_id_number
from loanfactory.origination._line_commands import LineCommands
from loanfactory.origination._login import CustomerLogin, OwnershipProof
from loanfactory.origination._login import link as link_sign_in
from loanfactory.origination._offer import Offer
from loanfactory.origination._product_queries import ProductQueries
from loanfactory.origination._review import ReviewTask
from loanfactory.origination._review_flow import ReviewOutcome
from loanfactory.origination._submission import find_spec
from loanfactory.origination._values import parse_input


class Origination(LineCommands, ProductQueries):
    """Commands and queries of origination, over the ports it is given."""

    # --- customers -----------------------------------------------------------------------------

    def register_customer(
        self,
        profile: Profile | Mapping[str, Any],
        *,
        idempotency_key: str,
        channel: str | None = None,
        language: str = "zh",
        login: str | None = None,
    ) -> Customer:
        """Register and verify an individual, a sole proprietor or an enterprise (开户与核验).

        ``login`` binds a sign-in of the bank's identity provider to the new customer
        (:class:`~.login.CustomerLogin`)."""
        parsed: Profile
        if isinstance(profile, IndividualProfile | SoleProprietorProfile | EnterpriseProfile):
            parsed = profile
        elif "operator" in profile:
            parsed = parse_input(SoleProprietorProfile, profile, field="profile")
        elif "credit_code" in profile:
            parsed = parse_input(EnterpriseProfile, profile, field="profile")
        else:
            parsed = parse_input(IndividualProfile, profile, field="profile")

        def body(cmd: Command) -> tuple[str, Customer]:
            customer = registration.register(
                cmd,
                parsed,
                kyc=self.kyc,
                hash_key=self.settings.identity_key,
                channel=channel,
                language=language,
                login=login,
            )
            return customer.id, customer

        return self._run(
            "register_customer",
            "customer.registered",
            idempotency_key,
            (parsed, channel, language, login),
            Customer,
            body,
            reload=lambda tx, id: tx.repo(Customer).get(id),
        )

    def link_login(
        self, login: str, proof: OwnershipProof | Mapping[str, Any], *, idempotency_key: str
    ) -> Customer:
        """Bind a sign-in of the bank's identity provider to the customer it proves to be
        (:func:`~.login.link`: a customer registered at a branch signs in later). A refusal is also
        written to the audit chain, under the sign-in's key (never the raw subject)."""
        parsed = (
            proof if isinstance(proof, OwnershipProof) else parse_input(OwnershipProof, proof, field="proof")
        )

        def body(cmd: Command) -> tuple[str, Customer]:
            customer = link_sign_in(cmd, login, parsed, kyc=self.kyc, hash_key=self.settings.identity_key)
            return customer.id, customer

        try:
            return self._run(
                "link_login",
                "customer.login_linked",
                idempotency_key,
                (login, parsed),
                Customer,
                body,
                actor=login,
                reload=lambda tx, id: tx.repo(Customer).get(id),
            )
        except LoanfactoryError as exc:
            with self.store.transaction() as tx:
                tx.audit.append(
                    actor=login,
                    action="customer.link_refused",
                    subject=login,
                    at=self.clock.now(),
                    after={"code": exc.code, "field": exc.field},
                )
            raise

    def customer_for_login(self, login: str) -> str | None:
        """The customer a sign-in is bound to, if any."""
        with self.store.transaction() as tx:
            bound = tx.repo(CustomerLogin).find(login)
        return None if bound is None else bound.customer_id

    def find_customer(self, id_number_or_credit_code: str) -> Customer | None:
        """The customer registered with this identity (looked up by its hash, never the raw number)."""
        try:
            key = identity_hash(
                "id", parse_id_number(id_number_or_credit_code).number, key=self.settings.identity_key
            )
        except InvalidInput:
            code = parse_credit_code(id_number_or_credit_code, field="id_number_or_credit_code")
            key = identity_hash("uscc", code, key=self.settings.identity_key)
        with self.store.transaction() as tx:
            found = tx.repo(Customer).list(identity_hash=key)
        return found[0] if found else None

    def form_group(self, name: str, members: tuple[str, ...], *, idempotency_key: str) -> CustomerGroup:
        """Record related enterprises as a group (关联企业), for a group credit limit."""

        def body(cmd: Command) -> tuple[str, CustomerGroup]:
            group = registration.form_group(cmd, name, tuple(members))
            return group.id, group

        return self._run(
            "form_group", "customer_group.formed", idempotency_key, (name, members), CustomerGroup, body
        )

    # --- applications and review ---------------------------------------------------------------

    def submit_application(
        self, request: ApplicationRequest | Mapping[str, Any], *, idempotency_key: str
    ) -> Application:
        """Check an application against its product and store it (在线申请); nothing is decided yet."""
        parsed = parse_input(ApplicationRequest, request, field="application")
        spec = find_spec(self.specs, parsed.product_code)

        def body(cmd: Command) -> tuple[str, Application]:
            application = submission.submit(cmd, spec, parsed)
            return application.id, application

        return self._run(
            "submit_application", "application.submitted", idempotency_key, parsed, Application, body
        )

    def assess(self, application_id: str, *, idempotency_key: str) -> ApplicationAssessment:
        """Pre-review, bureau, rules and routing of a submitted application (审批); see :mod:`.assessment`."""

        def body(cmd: Command) -> tuple[str, ApplicationAssessment]:
            return application_id, assessment.assess(cmd, self.desk, application_id)

        return self._run(
            "assess", "application.assessed", idempotency_key, application_id, ApplicationAssessment, body
        )

    def originate(
        self, request: ApplicationRequest | Mapping[str, Any], *, idempotency_key: str
    ) -> ApplicationAssessment:
        """Submit and assess in one call: an offer, a review task or an explained rejection."""
        application = self.submit_application(request, idempotency_key=f"{idempotency_key}:submit")
        return self.assess(application.id, idempotency_key=f"{idempotency_key}:assess")

    def approve_task(
        self,
        task_id: str,
        reviewer: str,
        *,
        role: str,
        idempotency_key: str,
        note: str | None = None,
        approved_amount: Decimal | str | int | None = None,
    ) -> ReviewOutcome:
        """Approve a review task: 初审 opens 复审; 复审 issues the offer. ``role`` is the reviewer's
        (officer, senior_officer, risk): the product's review duties and four eyes apply."""
        amount = None if approved_amount is None else to_money(approved_amount, field="approved_amount")

        def body(cmd: Command) -> tuple[str, ReviewOutcome]:
            return task_id, review_flow.approve_task(
                cmd, self.desk, task_id, reviewer, role=role, note=note, approved_amount=amount
            )

        return self._run(
            "approve_task",
            "review.approve",
            idempotency_key,
            (task_id, reviewer, role, note, amount),
            ReviewOutcome,
            body,
            actor=reviewer,
        )

    def reject_task(
        self,
        task_id: str,
        reviewer: str,
        *,
        role: str,
        reasons: tuple[str, ...],
        idempotency_key: str,
        note: str | None = None,
    ) -> ReviewOutcome:
        """Reject at review with standard reasons (``REVIEW_REASONS``); the applicant is told why."""

        def body(cmd: Command) -> tuple[str, ReviewOutcome]:
            return task_id, review_flow.reject_task(
                cmd, self.desk, task_id, reviewer, role=role, reasons=tuple(reasons), note=note
            )

        return self._run(
            "reject_task",
            "review.reject",
            idempotency_key,
            (task_id, reviewer, role, reasons, note),
            ReviewOutcome,
            body,
            actor=reviewer,
        )

    def return_task(
        self,
        task_id: str,
        reviewer: str,
        *,
        role: str,
        missing: tuple[str, ...],
        idempotency_key: str,
        note: str | None = None,
    ) -> ReviewOutcome:
        """Send the application back for more information (退回补充资料)."""

        def body(cmd: Command) -> tuple[str, ReviewOutcome]:
            return task_id, review_flow.return_task(
                cmd, self.desk, task_id, reviewer, role=role, missing=tuple(missing), note=note
            )

        return self._run(
            "return_task",
            "review.return",
            idempotency_key,
            (task_id, reviewer, role, missing, note),
            ReviewOutcome,
            body,
            actor=reviewer,
        )

    def supply_information(
        self,
        application_id: str,
        documents: tuple[SupportingDocument, ...] = (),
        consents: tuple[Consent, ...] = (),
        *,
        idempotency_key: str,
    ) -> ReviewOutcome:
        """The applicant sends what a return asked for (补充资料)."""
        docs = tuple(parse_input(SupportingDocument, d, field="documents") for d in documents)
        given = tuple(parse_input(Consent, c, field="consents") for c in consents)

        def body(cmd: Command) -> tuple[str, ReviewOutcome]:
            return application_id, review_flow.supply_information(cmd, self.desk, application_id, docs, given)

        return self._run(
            "supply_information",
            "application.supplemented",
            idempotency_key,
            (application_id, docs, given),
            ReviewOutcome,
            body,
        )

    def claim_task(self, task_id: str, reviewer: str, *, role: str, idempotency_key: str) -> ReviewTask:
        """A reviewer takes a task (领取任务), if the review duties allow them (see ``approve_task``)."""

        def body(cmd: Command) -> tuple[str, ReviewTask]:
            return task_id, review_flow.claim_task(cmd, self.desk, task_id, reviewer, role)

        return self._run(
            "claim_task",
            "review.claim",
            idempotency_key,
            (task_id, reviewer, role),
            ReviewTask,
            body,
            actor=reviewer,
        )

    def note_task(self, task_id: str, reviewer: str, text: str, *, idempotency_key: str) -> ReviewTask:
        """Add a reviewer's note (审核意见)."""

        def body(cmd: Command) -> tuple[str, ReviewTask]:
            return task_id, review_flow.note_task(cmd, task_id, reviewer, text)

        return self._run(
            "note_task",
            "review.note",
            idempotency_key,
            (task_id, reviewer, text),
            ReviewTask,
            body,
            actor=reviewer,
        )

    # --- offers --------------------------------------------------------------------------------

    def accept_offer(self, offer_id: str, *, idempotency_key: str) -> Offer:
        """The borrower accepts an offer (接受报价); next is the contract."""
        return self._offer("accept_offer", "offer.accept", offer_id, idempotency_key, offers.accept)

    def decline_offer(self, offer_id: str, *, idempotency_key: str) -> Offer:
        """The borrower declines; line and campaign budget are given back (放弃)."""
        return self._offer("decline_offer", "offer.decline", offer_id, idempotency_key, offers.decline)

    def expire_offers(self, *, idempotency_key: str) -> list[Offer]:
        """Lapse every offer past its validity (end of day; 报价过期)."""
        expired: list[Offer] = []
        with self.store.transaction() as tx:
            due = [o.id for o in tx.repo(Offer).list(status="issued") if o.expires_at <= self.clock.now()]
        for offer_id in due:
            expired.append(
                self._offer(
                    "expire_offer", "offer.expire", offer_id, f"{idempotency_key}:{offer_id}", offers.expire
                )
            )
        return expired

    def _offer(
        self, name: str, event: str, offer_id: str, key: str, change: Callable[[Command, str], Offer]
    ) -> Offer:
        def body(cmd: Command) -> tuple[str, Offer]:
            return offer_id, change(cmd, offer_id)

        return self._run(name, event, key, offer_id, Offer, body)


__all__ = ["Origination"]
