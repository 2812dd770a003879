"""Money is never lost or doubled under a faulty payment system.

The lender's API runs on a loopback socket (uvicorn, in a thread) over SQLite or PostgreSQL; the
payment system is a separate process (``gateway_server.py``) that fails submissions, executes and
then drops its answers, answers after the lender's timeout, leaves payments pending, declines some,
collects only part of some debits, and calls back late, twice, out of order and with forgeries.
Operations pay out every loan and the customers ask for repayments, all at once from many
threads, while two relay threads submit and poll. When everything has settled, the ledger agrees
with the payment system's own book to the fen: every payment it made is posted once, nothing it
did not make is posted, and every forged callback was refused.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from payment_support import (
    OPS,
    START,
    ApiThread,
    GatewayProcess,
    Keys,
    http_gateway,
    lender_server,
    signed_loans,
)

from loanfactory.adapters.http._wiring import Server
from loanfactory.adapters.sql import SqlStore
from loanfactory.ports import LedgerEntryRecord
from loanfactory.servicing import DebitOrder, Disbursement, EntryType, Loan, LoanStatus, OrderStatus
from loanfactory.testing import FixedClock

D = Decimal
LOANS = int(os.environ.get("LOANFACTORY_FAULT_LOANS", "10"))
FAULTS = {
    "seed": int(os.environ.get("LOANFACTORY_FAULT_SEED", "7")),
    "fail_first": 1,
    "drop_rate": 0.15,
    "delay_rate": 0.1,
    "delay": 0.6,
    "pending_rate": 0.3,
    "decline_rate": 0.1,
    "partial_rate": 0.25,
    "decline_every": 9,  # besides the random ones, so that each run has declines and partial debits
    "partial_every": 5,
    "callback_delay": 1.0,
    "duplicate_rate": 0.4,
    "forge_rate": 0.5,
}


class Pumps:
    """Relay threads: submit what waits, ask about what is pending; errors are kept, not hidden."""

    def __init__(self, server: Server, threads: int = 2) -> None:
        self.server = server
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        servicing = self.server.lender.servicing
        while not self.stop.is_set():
            try:
                servicing.relay_payments()
                servicing.poll_payments()
            except Exception as exc:  # a failed pass is a finding: the test reports it
                self.errors.append(exc)
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _open(server: Server) -> tuple[list[Disbursement], list[DebitOrder]]:
    with server.store.transaction() as tx:
        payouts = tx.repo(Disbursement).list()
        orders = tx.repo(DebitOrder).list()
    final = (OrderStatus.succeeded, OrderStatus.failed)
    return [p for p in payouts if p.status not in final], [o for o in orders if o.status not in final]


def test_money_is_never_lost_or_doubled_under_gateway_faults(
    sql_url: str, keys: Keys, gateway: GatewayProcess, tmp_path: Path
) -> None:
    clock = FixedClock(START)
    store = SqlStore(sql_url, clock=clock, migrate=True)
    adapter = http_gateway(keys, gateway.url, timeout=0.4)
    server = lender_server(store=store, db=None, gateway=adapter, keys=keys, clock=clock)
    api = ApiThread(server.app)
    gateway.faults(**FAULTS, callback_url=f"{api.url}/v1/payments/callbacks")
    loans = signed_loans(server, LOANS)
    pumps = Pumps(server)
    rng = random.Random(11)
    try:
        with httpx.Client(base_url=api.url, timeout=60) as http, ThreadPoolExecutor(8) as pool:

            def post(path: str, key: str, idem: str, body: dict[str, Any]) -> httpx.Response:
                headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": idem}
                return http.post(path, headers=headers, json=body)

            # operations pay every loan out, all at once; a declined payout is ordered again
            for attempt in range(3):
                waiting = [
                    loan
                    for loan, _ in loans
                    if server.lender.servicing.loan(loan).status is LoanStatus.signed
                ]
                keys = [(loan, f"pay-{loan}-{attempt}") for loan in waiting]
                answers = list(
                    pool.map(lambda k: post("/v1/disbursements", OPS[1], k[1], {"loan_id": k[0]}), keys)
                )
                assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
                _wait(lambda: not _open(server)[0], "the payouts to settle")
            active = [
                (loan, key)
                for loan, key in loans
                if server.lender.servicing.loan(loan).status is LoanStatus.active
            ]
            assert len(active) >= LOANS // 2
            # the customers ask to repay, two requests each, all at once
            asks = [
                (loan, key, n, f"{rng.randrange(100, 90000) / 100:.2f}")
                for loan, key in active
                for n in range(2)
            ]
            answers = list(
                pool.map(
                    lambda a: post(
                        f"/v1/loans/{a[0]}/repayments", a[1], f"repay-{a[0]}-{a[2]}", {"amount": a[3]}
                    ),
                    asks,
                )
            )
            assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
            assert all(a.json()["status"] == "requested" for a in answers)
            _wait(lambda: not any(_open(server)), "the collections to settle")
        book = gateway.wait_quiet()
    finally:
        pumps.close()
        api.close()
        adapter.close()
    assert not pumps.errors, pumps.errors
    print("payment system's book:", {k: v for k, v in book.items() if k != "succeeded"})
    _reconcile(server, book)
    store.dispose()


def _reconcile(server: Server, book: dict[str, Any]) -> None:
    with server.store.transaction() as tx:
        payouts = tx.repo(Disbursement).list()
        orders = tx.repo(DebitOrder).list()
        entries: list[LedgerEntryRecord] = [
            e for loan in tx.repo(Loan).list() for e in tx.ledger.entries(loan.id)
        ]
    paid = {k: D(v) for k, v in book["succeeded"].items()}
    # every payment the payment system made is posted exactly once, by the amount it confirmed
    out = Counter(e.data["disbursement"] for e in entries if e.type == EntryType.disbursement)
    into = Counter(e.data["order"] for e in entries if e.type == EntryType.repayment)
    assert all(n == 1 for n in (*out.values(), *into.values())), (out, into)
    succeeded = {p.id: p.amount for p in payouts if p.status is OrderStatus.succeeded}
    succeeded |= {o.id: o.collected for o in orders if o.status is OrderStatus.succeeded}
    assert succeeded == paid  # nothing lost, nothing the payment system did not make
    assert set(out) | set(into) == set(paid)
    for entry in entries:
        if entry.type == EntryType.repayment:
            assert entry.amount == paid[entry.data["order"]]
        if entry.type == EntryType.disbursement:
            assert entry.amount == paid[entry.data["disbursement"]]
    # the totals, to the fen
    ledger_out = sum((e.amount for e in entries if e.type == EntryType.disbursement), D(0))
    ledger_in = sum((e.amount for e in entries if e.type == EntryType.repayment), D(0))
    assert (ledger_out, ledger_in) == (D(book["payout"]), D(book["debit"]))
    assert ledger_in > 0
    # the faults happened, and every forged callback was refused
    callbacks: dict[str, int] = book["callbacks"]
    assert book["submissions"] > book["payments"]  # retries and resubmissions of the same keys
    assert any(o.collected < o.amount for o in orders if o.status is OrderStatus.succeeded)  # partial
    assert any(o.status is OrderStatus.failed for o in [*orders, *payouts])  # declined
    forged = {k: n for k, n in callbacks.items() if k.startswith("forged:")}
    assert forged, callbacks
    assert set(forged) <= {"forged:401", "forged:409"}, callbacks
    assert callbacks.get("genuine:200", 0) > 0
    assert not [k for k in callbacks if k.startswith("genuine:") and k != "genuine:200"], callbacks
