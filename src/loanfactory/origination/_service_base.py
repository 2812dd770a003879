"""The plumbing every part of the origination service shares: ports, settings, commands, reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from loanfactory.compliance import CapProfile, load_profile
from loanfactory.entity import IdFactory, UuidIds
from loanfactory.origination._commands import Command, run_command
from loanfactory.origination._credit_line import CreditLine
from loanfactory.origination._customer import LoanHistory
from loanfactory.origination._desk import Desk
from loanfactory.origination._feedback import FeedbackRelayReport, relay_outbox
from loanfactory.origination._products import (
    Decider,
    Screener,
    catalog_decider,
    catalog_screener,
    product_specs,
)
from loanfactory.origination._settings import OriginationSettings
from loanfactory.ports import Clock, CreditBureau, KycVerifier, Notifier, Store, Transaction
from loanfactory.spec import ProductSpec

R = TypeVar("R", bound=BaseModel)


class ServiceBase:
    """Holds the ports and settings; runs commands; reads entities."""

    def __init__(
        self,
        *,
        store: Store,
        catalog: Any,
        kyc: KycVerifier,
        bureau: CreditBureau,
        notifier: Notifier,
        clock: Clock,
        ids: IdFactory | None = None,
        settings: OriginationSettings | None = None,
        decider: Decider | None = None,
        screener: Screener | None = None,
        history: LoanHistory | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.kyc = kyc
        self.bureau = bureau
        self.notifier = notifier
        self.clock = clock
        self.ids = ids or UuidIds()
        self.settings = settings or OriginationSettings()
        self._specs = product_specs(catalog)  # live for a ProductCatalog: status changes show at once
        self._profiles: dict[str, CapProfile] = {}
        self.desk = Desk(
            specs=self._specs,
            decider=decider
            or catalog_decider(
                catalog, trace=self.settings.trace, engine=self.settings.rules_engine, lpr=self.settings.lpr
            ),
            bureau=bureau,
            settings=self.settings,
            caps=self._cap_profile,
            history=history,
        )
        self.screener = screener or catalog_screener(catalog)

    def _cap_profile(self, name: str) -> CapProfile:
        profile = self._profiles.get(name)
        if profile is None:
            profile = self._profiles[name] = load_profile(name)
        return profile

    # --- plumbing ------------------------------------------------------------------------------

    def _run(
        self,
        name: str,
        event: str,
        key: str,
        arguments: Any,
        result: type[R],
        body: Callable[[Command], tuple[str, R]],
        *,
        actor: str = "system",
        reload: Callable[[Transaction, str], R] | None = None,
    ) -> R:
        return run_command(
            self.store,
            self.clock,
            self.ids,
            name=name,
            event_type=event,
            key=key,
            arguments=arguments,
            result_type=result,
            body=body,
            actor=actor,
            reload=reload,
        )

    @property
    def specs(self) -> Mapping[str, ProductSpec]:
        return self._specs

    # --- notifications -------------------------------------------------------------------------

    def relay_notifications(self, limit: int = 100) -> FeedbackRelayReport:
        """Deliver queued notifications through the notifier port."""
        return relay_outbox(self.store, self.notifier, self.clock, limit=limit)

    # --- reads ---------------------------------------------------------------------------------

    def get(self, kind: type[Any], id: str) -> Any:
        """Any origination entity by kind and id (``get(Application, "app_1")``)."""
        with self.store.transaction() as tx:
            return tx.repo(kind).get(id)

    def list(self, kind: type[Any], **where: Any) -> list[Any]:
        """Entities of a kind by their indexed attributes (``list(ReviewTask, status="open")``)."""
        with self.store.transaction() as tx:
            return list(tx.repo(kind).list(**where))

    def line_of(self, customer_id: str) -> CreditLine | None:
        """The customer's open credit line."""
        with self.store.transaction() as tx:
            lines = [
                x for x in tx.repo(CreditLine).list(customer_id=customer_id) if x.status.value != "closed"
            ]
        return lines[0] if lines else None
