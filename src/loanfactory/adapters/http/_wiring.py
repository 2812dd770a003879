"""Assembling a runnable API from settings: products, store, lender, keys and the background worker.

Used by ``loanfactory serve`` and the benchmark. One :class:`~loanfactory.product.ProductCatalog`
(products and rules folders; any error refuses to start) and one
:class:`~loanfactory.lender.Lender` over the store (embedded SQLite by default). KYC, bureau,
payments and signatures are the providers given; a server without them refuses to start unless
simulation is chosen (``Providers.simulated()``, ``loanfactory serve --simulate``): then the
missing ones are the simulated providers of :mod:`loanfactory.testing`. The choice is printed on
start and shown at ``GET /v1/health``. On start the product statuses recorded in the store are applied.

A :class:`Worker` does what no request does, every ``relay_interval`` seconds on a daemon thread:

- sends queued notifications through the *one* notification path of the server,
  :class:`~loanfactory.adapters.notify.NotificationRelay` (see ``docs/notifications.md`` for why
  not origination's ``relay_outbox``), with customers' stored settings applied;
- submits queued payment orders and applies the gateway's answers (disbursements and
  collections), and polls the orders still pending (callbacks arrive on their own route);
- applies product statuses recorded by other server processes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from loanfactory.adapters.http._app import create_app
from loanfactory.adapters.http._auth import Authenticator, KeyRing, TokenSigner, new_api_key
from loanfactory.adapters.http._jwt import JwtSettings, JwtVerifier
from loanfactory.adapters.http._limits import RateLimiter
from loanfactory.adapters.http._roles import Role
from loanfactory.adapters.http._service_backend import ServiceBackend
from loanfactory.adapters.http._statuses import ProductStatuses
from loanfactory.adapters.payments import Verifier
from loanfactory.errors import InvalidInput
from loanfactory.lender import Lender
from loanfactory.ports import Clock, CreditBureau, KycVerifier, PaymentGateway, SignatureProvider, Store

log = logging.getLogger("loanfactory.http")

ENV_KEYS = "LOANFACTORY_API_KEYS"  # "name:role:key[:customer_id],..."
ENV_KEYS_FILE = "LOANFACTORY_API_KEYS_FILE"
ENV_TOKEN_SECRET = "LOANFACTORY_TOKEN_SECRET"


@dataclass
class ServerSettings:
    db: str | None = None
    products: Path = Path("products")
    rules: Path = Path("rules")
    keys_file: Path | None = None
    token_secret: str | None = None
    rate: float = 100.0
    burst: int = 200
    auth_failure_rate: float = 0.2  # failed authentications per second an address gets back
    auth_failure_burst: int = 20  # failed authentications an address may make in a row
    relay_interval: float = 5.0  # seconds between background passes; 0 disables the thread
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    dev: bool = False  # development: personal data may be stored in clear (no LOANFACTORY_PII_KEY)
    templates: Path | None = None  # notification template overrides (zh.yaml, en.yaml)
    lpr: Path | None = None  # an LPR fixings file (default: the series shipped with loanfactory)
    archive: str | None = None  # where archived files live (a folder or s3://…); $LOANFACTORY_ARCHIVE
    simulate: bool = False  # the providers not given are simulated (``serve --simulate``)


@dataclass
class Providers:
    """The outside services. A server needs all four, unless ``simulate`` says that the ones not
    given are the simulated providers of :mod:`loanfactory.testing` (:meth:`simulated`).

    ``callbacks`` verifies the payment system's signed callbacks (``POST /v1/payments/callbacks``);
    without it they are refused. ``LOANFACTORY_GATEWAY_URL`` and its keys (see
    :mod:`loanfactory.adapters.payments`) configure both when no gateway is given.
    """

    kyc: KycVerifier | None = None
    bureau: CreditBureau | None = None
    gateway: PaymentGateway | None = None
    signer: SignatureProvider | None = None
    callbacks: Verifier | None = None
    simulate: bool = False

    @classmethod
    def simulated(
        cls,
        *,
        kyc: KycVerifier | None = None,
        bureau: CreditBureau | None = None,
        gateway: PaymentGateway | None = None,
        signer: SignatureProvider | None = None,
        callbacks: Verifier | None = None,
    ) -> Providers:
        """These providers, and the simulated ones for those not given: a choice, made explicitly."""
        return cls(kyc, bureau, gateway, signer, callbacks, simulate=True)

    def choice(self) -> dict[str, str]:
        """Each provider as ``configured`` or ``simulated`` (what start-up prints and health shows)."""
        given = {"kyc": self.kyc, "bureau": self.bureau, "payments": self.gateway, "signatures": self.signer}
        return {name: "simulated" if value is None else "configured" for name, value in given.items()}


@dataclass
class Server:
    app: FastAPI
    lender: Lender
    backend: ServiceBackend
    worker: Worker
    generated_keys: dict[Role, str]
    notes: list[str]
    stop: threading.Event
    providers: dict[str, str] = field(default_factory=dict)  # name -> configured / simulated

    @property
    def store(self) -> Store:
        return self.lender.store

    @property
    def origination(self) -> Any:
        return self.lender.origination

    @property
    def servicing(self) -> Any:
        return self.lender.servicing


def key_ring(settings: ServerSettings) -> tuple[KeyRing, dict[Role, str]]:
    """Keys from the file and the environment; one fresh key per role when none is configured."""
    ring = KeyRing()
    path = settings.keys_file or (
        Path(settings.environ[ENV_KEYS_FILE]) if settings.environ.get(ENV_KEYS_FILE) else None
    )
    if path is not None:
        ring = KeyRing.from_file(path)
    for index, entry in enumerate(filter(None, settings.environ.get(ENV_KEYS, "").split(","))):
        parts = entry.strip().split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"{ENV_KEYS} entry {index + 1}: use name:role:key[:customer_id]")
        ring.add(parts[0], Role(parts[1]), parts[2], parts[3] if len(parts) == 4 else None)
    generated: dict[Role, str] = {}
    if len(ring) == 0:
        for role in Role:
            generated[role] = key = new_api_key()
            # the customer's key opens an account first (POST /v1/customers) and then acts for it
            ring.add(f"dev-{role.value}", role, key, unbound=role is Role.customer)
    return ring, generated


def build_server(
    settings: ServerSettings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    providers: Providers | None = None,
) -> Server:
    """The API over one lender: the products and rules folders, the embedded (or given) store.

    Raises :class:`~loanfactory.errors.SpecError` listing every problem when a product or rule
    file has an error: a running server never holds a half-valid product. Opening the SQL store
    needs ``LOANFACTORY_PII_KEY`` in ``settings.environ`` (personal data encrypted at rest)
    unless ``settings.dev``.
    """
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.adapters.notify import StoredPreferences
    from loanfactory.product import ProductCatalog
    from loanfactory.testing import SimulatedBureau, SimulatedGateway, SimulatedKyc, SimulatedSigner

    clock = clock or SystemClock()
    given = providers or Providers()
    if settings.simulate:
        given = replace(given, simulate=True)
    if given.gateway is None:
        from loanfactory.adapters.payments import payments_from_env

        connection = payments_from_env(settings.environ)
        if connection is not None:
            given = replace(given, gateway=connection.gateway, callbacks=connection.callbacks)
    choice = given.choice()
    _refuse_missing_providers(choice, given.simulate)
    notes = ["providers: " + ", ".join(f"{name} {how}" for name, how in choice.items())]
    if "simulated" in choice.values():
        notes.append("WARNING --simulate: simulated providers move no real money and check nobody")
    from loanfactory.adapters.notify import TemplateBook
    from loanfactory.lpr import LprSeries

    book = TemplateBook.load(settings.templates)  # refuses a registered notice kind without templates
    lpr = LprSeries.from_file(settings.lpr) if settings.lpr is not None else None
    products = ProductCatalog.load([settings.products, settings.rules], lpr=lpr)
    if store is None:
        from loanfactory.adapters.sql import PiiCipher, SqlStore

        cipher = PiiCipher.from_env(settings.environ)
        if cipher is None and not settings.dev:
            raise InvalidInput(field="LOANFACTORY_PII_KEY", code="pii-key-required")
        if cipher is None:
            notes.append("WARNING --dev: no LOANFACTORY_PII_KEY, personal data is stored in clear")
        store = SqlStore(settings.db, clock=clock, cipher=cipher)
    preferences = StoredPreferences(store, now=clock.now)
    notifier = _notifier(clock, preferences, book)
    gateway = given.gateway or SimulatedGateway(clock=clock)
    archive = None
    location = settings.archive or settings.environ.get("LOANFACTORY_ARCHIVE")
    if location:
        from loanfactory.adapters.blob import blob_store
        from loanfactory.archive import Archive

        archive = Archive(store, blob_store(location), clock)
        notes.append(f"compliance archive: files in {location}")
    lender = Lender(
        store=store,
        products=products,
        clock=clock,
        kyc=given.kyc or SimulatedKyc(),
        bureau=given.bureau or SimulatedBureau(),
        notifier=notifier,
        gateway=gateway,
        signer=given.signer or SimulatedSigner(),
        archive=archive,
    )
    statuses = ProductStatuses(store, products, now=clock.now)
    restored = statuses.restore()
    notes += [f"product status from the store: {line}" for line in restored.changed]
    notes += restored.warnings
    backend = ServiceBackend(lender, preferences=preferences, statuses=statuses, callbacks=given.callbacks)
    ring, generated = key_ring(settings)
    secret = settings.token_secret or settings.environ.get(ENV_TOKEN_SECRET)
    jwt_settings = JwtSettings.from_env(settings.environ)
    jwt = JwtVerifier(jwt_settings, now=lambda: clock.now().timestamp()) if jwt_settings else None
    if jwt_settings is not None:
        notes.append(f"JWT sign-in from {jwt_settings.issuer} (audience {jwt_settings.audience})")
    auth = Authenticator(ring, TokenSigner(secret) if secret else None, jwt)
    app = create_app(
        backend,
        auth=auth,
        rate_limit=RateLimiter(settings.rate, settings.burst),
        auth_failures=RateLimiter(settings.auth_failure_rate, settings.auth_failure_burst),
        providers=choice,
    )
    worker = Worker(lender, notifier, statuses, gateway, book)
    stop = threading.Event()
    if settings.relay_interval > 0:
        worker.start(settings.relay_interval, stop)
    return Server(app, lender, backend, worker, generated, notes, stop, choice)


def _refuse_missing_providers(choice: dict[str, str], simulate: bool) -> None:
    """No server runs on a simulator nobody chose: name the missing providers, or say how to choose."""
    missing = [name for name, how in choice.items() if how == "simulated"]
    if missing and not simulate:
        raise InvalidInput(
            f"no provider for {', '.join(missing)}: give real provider adapters (Providers(...)), "
            "or choose simulated ones explicitly with --simulate (Providers.simulated())",
            field="providers",
            code="providers-required",
            message_zh=f"缺少外部服务提供方：{', '.join(missing)}；请配置真实的服务适配器（Providers(...)），"
            "或使用 --simulate（Providers.simulated()）明确选择模拟服务",
        )


def _notifier(clock: Clock, preferences: Any, book: Any) -> Any:
    from loanfactory.adapters.notify import ConsoleNotifier, DedupNotifier, PreferenceNotifier

    return DedupNotifier(PreferenceNotifier(ConsoleNotifier(), preferences, now=clock.now, templates=book))


class Worker:
    """The server's background passes: notifications, payments, product statuses."""

    def __init__(
        self, lender: Lender, notifier: Any, statuses: ProductStatuses, gateway: Any, book: Any
    ) -> None:
        from loanfactory.adapters.notify import NotificationRelay

        self.lender = lender
        self.statuses = statuses
        self.gateway = gateway
        self.relay = NotificationRelay(lender.store, notifier, templates=book, now=lender.clock.now)

    def run_once(self) -> dict[str, Any]:
        """One pass of each part; a part that fails is logged and the others still run."""
        done: dict[str, Any] = {}
        parts: list[tuple[str, Callable[[], Any]]] = [
            ("payments", self._payments),
            ("notifications", self.relay.run_once),
            ("product_statuses", lambda: self.statuses.restore().changed),
        ]
        for name, part in parts:
            try:
                done[name] = part()
            except Exception:  # the worker must outlive a bad pass; the next one tries again
                log.exception("background pass failed: %s", name)
        return done

    def _payments(self) -> int:
        servicing = self.lender.servicing
        moved = servicing.relay_payments() + servicing.poll_payments()
        callbacks = getattr(self.gateway, "callbacks", None)  # the simulated gateway's answers
        if callbacks is not None:
            moved += sum(servicing.apply_payment_result(result) for result in callbacks())
        return moved

    def start(self, interval: float, stop: threading.Event) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(interval):
                self.run_once()

        thread = threading.Thread(target=loop, name="loanfactory-worker", daemon=True)
        thread.start()
        return thread
