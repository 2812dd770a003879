"""Helpers of the payment tests: key material, the gateway process, the lender's API on a socket,
and a lender with signed loans ready to pay out."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from loanfactory.adapters.http import Role
from loanfactory.adapters.http._wiring import Providers, Server, ServerSettings, build_server
from loanfactory.adapters.payments import Ed25519Key, HmacKey, HttpPaymentGateway, Signer, Verifier
from loanfactory.conventions import RepaymentMethod
from loanfactory.entity import CST
from loanfactory.ports import PaymentGateway, SignatureMethod, Store
from loanfactory.pricing import PricingDecision
from loanfactory.servicing import LoanRequest
from loanfactory.terms import contract_terms
from loanfactory.testing import FixedClock, seed_payout_account

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
START = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
OPS = ("ops-li", "lf_ops_li")
CHECKER = ("ops-wang", "lf_ops_wang")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Keys:
    """The lender's HMAC secret and the payment system's Ed25519 key pair."""

    lender_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    gateway: Ed25519Key = field(default_factory=lambda: Ed25519Key.generate("paysys-1"))

    @property
    def lender_key(self) -> HmacKey:
        return HmacKey("lender-1", self.lender_secret)

    @property
    def gateway_public(self) -> Ed25519Key:
        return self.gateway.public_only()

    def verifier(self) -> Verifier:
        return Verifier([self.gateway_public])

    def gateway_signer(self) -> Signer:
        return Signer(self.gateway)


class GatewayProcess:
    """``tests/payments/gateway_server.py`` under uvicorn, in a subprocess on a loopback port."""

    def __init__(self, keys: Keys, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "GATEWAY_LENDER_SECRET": keys.lender_secret.hex(),
            "GATEWAY_LENDER_KEY_ID": "lender-1",
            "GATEWAY_PRIVATE_KEY": base64.b64encode(keys.gateway.private_bytes()).decode(),
            "GATEWAY_KEY_ID": "paysys-1",
            "PYTHONWARNINGS": "ignore",
        }
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "gateway_server:app",
                "--app-dir",
                str(HERE),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=self.url, timeout=10)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client.get("/_control/book")
                break
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the gateway did not start: {log.read_text()}") from None
                time.sleep(0.1)

    def faults(self, **changes: Any) -> dict[str, Any]:
        response = self.client.post("/_control/faults", json=changes)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def book(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.get("/_control/book").json()
        return answer

    def wait_quiet(self, timeout: float = 60) -> dict[str, Any]:
        """The book once no callback is in flight."""
        deadline = time.monotonic() + timeout
        while True:
            book = self.book()
            if book["callbacks_in_flight"] == 0 or time.monotonic() > deadline:
                return book
            time.sleep(0.1)

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class ApiThread:
    """The lender's ASGI app served by uvicorn on a loopback port, in a thread of this process."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", ws="none"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="lender-api", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the lender's API did not start")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def http_gateway(keys: Keys, url: str, *, timeout: float = 0.5) -> HttpPaymentGateway:
    return HttpPaymentGateway(
        url,
        signer=Signer(keys.lender_key),
        verifier=keys.verifier(),
        timeout=timeout,
        retries=2,
        backoff=0.02,
    )


def lender_server(
    *, store: Store | None, db: str | None, gateway: PaymentGateway, keys: Keys, clock: FixedClock
) -> Server:
    """The lender's API over ``store`` (or ``db``) with two operations users and no background thread."""
    api_keys = f"{OPS[0]}:operations:{OPS[1]},{CHECKER[0]}:operations:{CHECKER[1]},auditor:auditor:lf_aud"
    return build_server(
        ServerSettings(
            db=db,
            products=ROOT / "products",
            rules=ROOT / "rules",
            relay_interval=0,
            environ={"LOANFACTORY_API_KEYS": api_keys, "LOANFACTORY_PII_KEY": secrets.token_bytes(32).hex()},
        ),
        clock=clock,
        store=store,
        providers=Providers.simulated(gateway=gateway, callbacks=keys.verifier()),
    )


def signed_loans(server: Server, count: int, *, amount: Decimal = Decimal("10000")) -> list[tuple[str, str]]:
    """``count`` signed loans of consumer_credit, each with its customer's API key."""
    servicing = server.lender.servicing
    product = servicing.product("consumer_credit")
    ring = server.app.state.loanfactory.auth.keys
    loans = []
    for n in range(count):
        customer = f"cust-{n:03d}"
        request = LoanRequest(
            customer_id=customer,
            borrower_name="张三",
            borrower_id_number="110101199003078512",
            terms=contract_terms(
                product,
                amount,
                12,
                method=RepaymentMethod.annuity,
                start=server.lender.clock.today(),
                pricing=PricingDecision(rate=Decimal("0.12")),
            ),
            apr=Decimal("0.1268"),
            account=f"62220202{n:08d}",
            account_name="张三",
            payout_account_id=seed_payout_account(  # as if her card passed four elements
                server.store,
                customer_id=customer,
                number=f"62220202{n:08d}",
                holder="张三",
                at=server.lender.clock.now(),
            ).id,
        )
        contract = servicing.open_loan(request, key=f"open-{n}")
        for signer, role, method in (
            (customer, "borrower", SignatureMethod.sms_code),
            ("bank", "lender", SignatureMethod.ca_certificate),
        ):
            servicing.sign_contract(
                contract.id, signer=signer, role=role, method=method, key=f"sign-{n}-{role}"
            )
        key = f"lf_customer_{n:03d}"
        ring.add(f"app-{customer}", Role.customer, key, customer)
        loans.append((contract.loan_id, key))
    return loans


class AsgiClient:
    """A synchronous client over an ASGI app in this process (httpx's ASGI transport)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def sign_callback(keys: Keys, result: dict[str, Any], **headers: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(result).encode()
    return body, {**keys.gateway_signer().headers(body, **headers), "Content-Type": "application/json"}
