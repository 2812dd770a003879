"""A payment system for the tests: a small ASGI app, run by uvicorn in its own process.

It speaks the wire format of ``docs/http-api.md`` ("Payment gateway") and is written from that
description, not with loanfactory's signing code: it checks the lender's HMAC-SHA256 signature on
every request and signs its answers and callbacks with its own Ed25519 key. It executes one
payment per ``Idempotency-Key`` and keeps its own book of what it moved — the truth the lender's
ledger is reconciled against.

Faults are set per test with ``POST /_control/faults`` (a seeded random draw decides each one):

- ``fail_first``: answer 503 to the first n submissions of each key, before executing;
- ``drop_rate``: execute, then answer 500 (the lender cannot know the outcome);
- ``delay_rate``/``delay``: answer only after ``delay`` seconds (past the lender's timeout);
- ``pending_rate``: answer ``pending``; the final outcome comes by callback or enquiry;
- ``decline_rate``, ``partial_rate``: fail a payment, or collect only part of a debit;
  ``decline_every``, ``partial_every``: the same for every n-th payment (or debit), for certain;
- ``callback_url``; ``callback_delay``: each callback waits up to this many seconds (so they
  arrive late and out of order); ``duplicate_rate``: a callback is sent twice;
- ``forge_rate``: a callback is followed by a forged one (a bad signature, a tampered amount, a
  stale timestamp, an unknown key, or a replay of the genuine message).

Configuration by environment: ``GATEWAY_LENDER_SECRET`` (hex), ``GATEWAY_LENDER_KEY_ID``,
``GATEWAY_PRIVATE_KEY`` (base64 Ed25519 private key), ``GATEWAY_KEY_ID``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import secrets
import time
from collections import Counter
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LENDER_SECRET = bytes.fromhex(os.environ.get("GATEWAY_LENDER_SECRET", "00" * 32))
LENDER_KEY_ID = os.environ.get("GATEWAY_LENDER_KEY_ID", "lender-1")
PRIVATE = Ed25519PrivateKey.from_private_bytes(
    base64.b64decode(os.environ.get("GATEWAY_PRIVATE_KEY", "A" * 43 + "="))
)
KEY_ID = os.environ.get("GATEWAY_KEY_ID", "paysys-1")
DEFAULTS: dict[str, Any] = {
    "seed": 1,
    "fail_first": 0,
    "drop_rate": 0.0,
    "delay_rate": 0.0,
    "delay": 0.0,
    "pending_rate": 0.0,
    "decline_rate": 0.0,
    "partial_rate": 0.0,
    "decline_every": 0,
    "partial_every": 0,
    "callback_url": None,
    "callback_delay": 0.0,
    "duplicate_rate": 0.0,
    "forge_rate": 0.0,
}


class State:
    def __init__(self) -> None:
        self.faults = dict(DEFAULTS)
        self.rng = random.Random(1)
        self.payments: dict[str, dict[str, Any]] = {}  # idempotency key -> payment
        self.by_id: dict[str, str] = {}
        self.attempts: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.callbacks: Counter[str] = Counter()  # "genuine:200", "forged:401", ...
        self.refused_requests = 0
        self.executed: Counter[str] = Counter()  # payments executed, and debits among them


STATE = State()


def _sign(
    body: bytes, *, at: int | None = None, nonce: str | None = None, key_id: str = KEY_ID
) -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    nonce = nonce or secrets.token_urlsafe(18)
    signature = PRIVATE.sign(f"{timestamp}\n{nonce}\n".encode() + body)
    return {
        "X-Signature-Key": key_id,
        "X-Signature-Timestamp": timestamp,
        "X-Signature-Nonce": nonce,
        "X-Signature": base64.b64encode(signature).decode(),
    }


def _signed(data: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(data).encode()
    return Response(body, status_code=status, media_type="application/json", headers=_sign(body))


def _lender_signed(request: Request, body: bytes) -> bool:
    headers = request.headers
    if headers.get("x-signature-key") != LENDER_KEY_ID:
        return False
    timestamp, nonce = headers.get("x-signature-timestamp", ""), headers.get("x-signature-nonce", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
        return False
    expected = hmac.new(LENDER_SECRET, f"{timestamp}\n{nonce}\n".encode() + body, hashlib.sha256).digest()
    try:
        given = base64.b64decode(headers.get("x-signature", ""), validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(expected, given)


def _draw(name: str) -> bool:
    return STATE.rng.random() < float(STATE.faults[name])


def _every(name: str, count: int) -> bool:
    every = int(STATE.faults[name])
    return every > 0 and count % every == 0


def _execute(instruction: dict[str, Any]) -> dict[str, Any]:
    asked = Decimal(instruction["amount"])
    settled_at = instruction["requested_at"]  # the lender's business time, so that dates agree
    base = {"instruction_id": instruction["id"], "settled_at": settled_at}
    STATE.executed["all"] += 1
    if _draw("decline_rate") or _every("decline_every", STATE.executed["all"]):
        return {**base, "status": "failed", "amount": "0.00", "reason": "declined", "reference": None}
    amount = asked
    if instruction["direction"] == "debit":
        STATE.executed["debit"] += 1
    partial = _draw("partial_rate") or _every("partial_every", STATE.executed["debit"])
    if instruction["direction"] == "debit" and partial:
        amount = (asked * Decimal("0.4")).quantize(Decimal("0.01"), rounding=ROUND_DOWN) or Decimal("0.01")
    reference = f"PS{STATE.rng.getrandbits(48):015d}"
    return {**base, "status": "succeeded", "amount": format(amount, "f"), "reference": reference}


async def submit(request: Request) -> Response:
    body = await request.body()
    if not _lender_signed(request, body):
        STATE.refused_requests += 1
        return JSONResponse({"code": "signature-invalid"}, status_code=401)
    instruction = json.loads(body)
    key = request.headers.get("idempotency-key", "")
    if key != instruction.get("idempotency_key"):
        return JSONResponse({"code": "idempotency-key-mismatch"}, status_code=422)
    STATE.attempts[key] += 1
    if STATE.attempts[key] <= int(STATE.faults["fail_first"]):
        return JSONResponse({"code": "unavailable"}, status_code=503)
    payment = STATE.payments.get(key)
    if payment is None:
        final = _execute(instruction)
        shown = final if not _draw("pending_rate") else {**final, "status": "pending", "amount": "0.00"}
        payment = {"instruction": instruction, "body": body, "final": final, "shown": shown}
        STATE.payments[key] = payment
        STATE.by_id[instruction["id"]] = key
        _schedule_callbacks(final)
    elif payment["body"] != body:
        return JSONResponse({"code": "idempotency-key-reused"}, status_code=409)
    if _draw("delay_rate"):
        await asyncio.sleep(float(STATE.faults["delay"]))
    if _draw("drop_rate"):
        return JSONResponse({"code": "internal"}, status_code=500)
    return _signed(payment["shown"])


async def enquire(request: Request) -> Response:
    if not _lender_signed(request, await request.body()):
        STATE.refused_requests += 1
        return JSONResponse({"code": "signature-invalid"}, status_code=401)
    key = STATE.by_id.get(request.path_params["instruction_id"])
    if key is None:
        return JSONResponse({"code": "unknown"}, status_code=404)
    payment = STATE.payments[key]
    payment["shown"] = payment["final"]
    return _signed(payment["final"])


def _schedule_callbacks(final: dict[str, Any]) -> None:
    if not STATE.faults["callback_url"]:
        return
    copies = 2 if _draw("duplicate_rate") else 1
    forge = _draw("forge_rate")
    kind = STATE.rng.choice(["bad-signature", "tampered", "stale", "unknown-key", "replay"])
    delays = [STATE.rng.uniform(0, float(STATE.faults["callback_delay"])) for _ in range(copies)]
    task = asyncio.get_running_loop().create_task(_deliver(final, delays, kind if forge else None))
    STATE.tasks.add(task)
    task.add_done_callback(STATE.tasks.discard)


async def _deliver(final: dict[str, Any], delays: list[float], forged: str | None) -> None:
    url = str(STATE.faults["callback_url"])
    body = json.dumps(final).encode()
    async with httpx.AsyncClient(timeout=10) as client:
        last: tuple[bytes, dict[str, str]] | None = None
        for delay in delays:
            await asyncio.sleep(delay)
            headers = _sign(body)
            await _post(client, url, body, headers, "genuine")
            last = (body, headers)
        if forged is None or last is None:
            return
        headers = dict(last[1])
        forged_body = body
        if forged == "bad-signature":
            headers["X-Signature"] = base64.b64encode(secrets.token_bytes(64)).decode()
        elif forged == "tampered":
            forged_body = json.dumps({**final, "amount": "999999.99", "status": "succeeded"}).encode()
        elif forged == "stale":
            headers = _sign(body, at=int(time.time()) - 3600)
        elif forged == "unknown-key":
            headers = _sign(body, key_id="someone-else")
        await _post(client, url, forged_body, headers, "forged")  # "replay": the genuine message again


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], kind: str) -> None:
    for _ in range(5):  # a payment system retries a callback that met a server error
        try:
            response = await client.post(
                url, content=body, headers={**headers, "Content-Type": "application/json"}
            )
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        STATE.callbacks[f"{kind}:{response.status_code}"] += 1
        if response.status_code < 500:
            return
        await asyncio.sleep(0.2)
    STATE.callbacks[f"{kind}:undelivered"] += 1


async def set_faults(request: Request) -> Response:
    changes = await request.json()
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        return JSONResponse({"unknown": sorted(unknown)}, status_code=422)
    STATE.faults.update(changes)
    STATE.rng = random.Random(int(STATE.faults["seed"]))
    return JSONResponse(STATE.faults)


async def book(request: Request) -> Response:
    """What the payment system moved, by direction, and what happened to its callbacks."""
    totals = {"payout": Decimal(0), "debit": Decimal(0)}
    by_id = {}
    for payment in STATE.payments.values():
        final = payment["final"]
        if final["status"] == "succeeded":
            totals[payment["instruction"]["direction"]] += Decimal(final["amount"])
            by_id[final["instruction_id"]] = final["amount"]
    return JSONResponse(
        {
            "payout": format(totals["payout"], "f"),
            "debit": format(totals["debit"], "f"),
            "succeeded": by_id,
            "payments": len(STATE.payments),
            "submissions": sum(STATE.attempts.values()),
            "callbacks_in_flight": len(STATE.tasks),
            "callbacks": dict(STATE.callbacks),
            "refused_requests": STATE.refused_requests,
        }
    )


app = Starlette(
    routes=[
        Route("/payments", submit, methods=["POST"]),
        Route("/payments/{instruction_id}", enquire, methods=["GET"]),
        Route("/_control/faults", set_faults, methods=["POST"]),
        Route("/_control/book", book, methods=["GET"]),
    ]
)
