"""Assembling a runnable API from settings: store, products, services, keys and the relay thread.

Used by ``loanfactory serve`` and the benchmark. The embedded default is SQLite
(``sqlite:///loanfactory.db``); KYC, bureau, payments and signatures use the simulated providers
of :mod:`loanfactory.testing` until a bank plugs in its own (the server says so on start).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from loanfactory.adapters.http._app import create_app
from loanfactory.adapters.http._auth import Authenticator, KeyRing, TokenSigner, new_api_key
from loanfactory.adapters.http._limits import RateLimiter
from loanfactory.adapters.http._roles import Role
from loanfactory.adapters.http._service_backend import ServiceBackend
from loanfactory.errors import SpecError
from loanfactory.ports import Clock, Store

log = logging.getLogger("loanfactory.http")

ENV_KEYS = "LOANFACTORY_API_KEYS"  # "name:role:key[:customer_id],..."
ENV_KEYS_FILE = "LOANFACTORY_API_KEYS_FILE"
ENV_TOKEN_SECRET = "LOANFACTORY_TOKEN_SECRET"


@dataclass
class ServerSettings:
    db: str | None = None
    products: Path = Path("products")
    keys_file: Path | None = None
    token_secret: str | None = None
    rate: float = 100.0
    burst: int = 200
    relay_interval: float = 5.0  # seconds between notification relay passes; 0 disables it
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass
class Server:
    app: FastAPI
    store: Store
    generated_keys: dict[Role, str]
    notes: list[str]
    stop: threading.Event
    origination: Any = None
    servicing: Any = None


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
            ring.add(f"dev-{role.value}", role, key, "dev-customer" if role is Role.customer else None)
    return ring, generated


def build_server(
    settings: ServerSettings, *, clock: Clock | None = None, store: Store | None = None
) -> Server:
    """The API over the embedded (or given) store and the products directory."""
    from loanfactory.adapters.clock import SystemClock
    from loanfactory.catalog import load_catalog
    from loanfactory.origination.service import Origination
    from loanfactory.servicing import Servicing
    from loanfactory.testing import SimulatedBureau, SimulatedKyc
    from loanfactory.testing.payments import SimulatedGateway
    from loanfactory.testing.signature import SimulatedSigner

    clock = clock or SystemClock()
    notes = ["KYC, credit bureau, payments and e-signatures use the simulated providers"]
    catalog, problems = load_catalog([settings.products])
    errors = [d for d in problems if d.severity == "error"]
    if errors and not catalog.products:
        raise SpecError(diagnostics=tuple(errors))
    if errors:
        notes.append(f"{len(errors)} problem(s) in {settings.products}; products that loaded are served")
    if store is None:
        from loanfactory.adapters.sql import SqlStore

        store = cast(Store, SqlStore(settings.db, clock=clock))
    from loanfactory.adapters.notify import MemoryPreferences

    preferences = MemoryPreferences()
    notifications = _outbox_notifier(clock, preferences)
    origination = Origination(
        store=store,
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=notifications,
        clock=clock,
    )
    servicing = Servicing(
        store,
        clock,
        products=dict(catalog.products),
        gateway=SimulatedGateway(clock=clock),
        signer=SimulatedSigner(),
    )
    backend = ServiceBackend(
        catalog.products, clock=clock, origination=origination, servicing=servicing, preferences=preferences
    )
    ring, generated = key_ring(settings)
    secret = settings.token_secret or settings.environ.get(ENV_TOKEN_SECRET)
    auth = Authenticator(ring, TokenSigner(secret) if secret else None)
    app = create_app(backend, auth=auth, rate_limit=RateLimiter(settings.rate, settings.burst))
    stop = threading.Event()
    if settings.relay_interval > 0:
        _start_relay(store, notifications, clock, settings.relay_interval, stop)
    return Server(app, store, generated, notes, stop, origination, servicing)


def _outbox_notifier(clock: Clock, preferences: Any) -> Any:
    from loanfactory.adapters.notify import ConsoleNotifier, DedupNotifier, PreferenceNotifier, TemplateBook

    book = TemplateBook.default()
    return DedupNotifier(PreferenceNotifier(ConsoleNotifier(), preferences, now=clock.now, templates=book))


def _start_relay(store: Store, notifier: Any, clock: Clock, interval: float, stop: threading.Event) -> None:
    from loanfactory.adapters.notify import NotificationRelay, TemplateBook

    relay = NotificationRelay(store, notifier, templates=TemplateBook.default(), now=clock.now)

    def loop() -> None:
        while not stop.wait(interval):
            try:
                relay.run_once()
            except Exception:  # the relay must outlive a bad pass; the next one tries again
                log.exception("notification relay pass failed")

    threading.Thread(target=loop, name="loanfactory-notify-relay", daemon=True).start()
