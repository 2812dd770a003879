"""Benchmark: full origination per application, pre-review to a priced offer with its schedule.

For each application already registered and submitted, ``Origination.assess`` runs in one
transaction on the in-memory store: structural pre-review, the simulated bureau report, the
product's decision flow on the rules engine (eligibility, pre-review rules, scorecard, routing,
pricing, limit, tags; trace on, every step recorded), the limit, the price (rate build-up, exact
schedule, APR, compliance cap), the credit line opened and occupied, the offer stored, the events,
audit links and the queued notification. Applicants are prime individuals on ``consumer_credit``
(12/24/36 months, annuity) so that every one reaches an offer.

The baseline, measured in the same run: ``loanfactory.quote.quote`` of the same product, amount
and term — the exact schedule and APR every offer needs, and nothing else. The ratio
assess ÷ quote is what the rest of origination costs on top of pricing.

The stores timed: ``MemoryStore`` (the test kit's reference store, which copies every mutable
part of an entity it stores or returns so that nothing can change it behind its back), the
embedded SQLite ``SqlStore`` (unless ``--no-sqlite``; its ratio to the MemoryStore is printed,
goal ≤ 2×), the PostgreSQL ``SqlStore`` (``--pg URL`` or ``$LOANFACTORY_TEST_PG_URL``, else a
throwaway server from the local binaries as ``persistence.py`` starts one, else skipped;
``--no-pg`` skips it; a fresh database per run), and a bare dictionary store defined here that
copies nothing — the last isolates origination's own work from the cost of keeping state. Each
store is timed ``--repeat`` times, interleaved, in CPU seconds of this process (a shared
machine's load does not count; for PostgreSQL the server's own CPU is not included); min /
median / max are printed.

Run: ``.venv/bin/python bench/origination.py [--applications 300] [--repeat 3] [--no-sqlite]
[--no-pg] [--json]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.catalog import LoadedCatalog, load_catalog
from loanfactory.entity import CST, DomainEvent, SequentialIds
from loanfactory.errors import NotFound
from loanfactory.origination import (
    ApplicationRequest,
    BankCard,
    Consent,
    ConsentScope,
    Decider,
    DocumentKind,
    DocumentSource,
    Employment,
    IndividualProfile,
    Origination,
    SupportingDocument,
    id_check_character,
)
from loanfactory.origination._products import catalog_decider
from loanfactory.ports import ConcurrentUpdate, Store
from loanfactory.quote import quote
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc
from persistence import postgres  # the throwaway PostgreSQL server the persistence benchmark starts

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 8, 1, 9, 0, tzinfo=CST)
TERMS = (12, 24, 36)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def applicant(n: int) -> IndividualProfile:
    first17 = f"310104{1975 + n % 25}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    id_number = first17 + id_check_character(first17)
    phone = f"138{n:08d}"
    return IndividualProfile(
        id_number=id_number,
        name="测试" + "甲乙丙丁戊己庚辛"[n % 8],
        phone=phone,
        annual_income=Decimal(240_000 + 1_000 * (n % 50)),
        employment=Employment(kind="salaried", years=Decimal(3 + n % 10)),  # type: ignore[arg-type]
        bank_cards=(BankCard(number=f"622202{n:013d}", bank="中国工商银行", phone=phone),),
        face_image_sha256=sha(id_number),
    )


def request(customer_id: str, n: int) -> ApplicationRequest:
    at = NOW - timedelta(minutes=5)
    consents = tuple(
        Consent(scope=s, granted_at=at, expires_at=at + timedelta(days=30))
        for s in (ConsentScope.bureau_query, ConsentScope.data_use)
    )
    documents = (
        SupportingDocument(kind=DocumentKind.id_card_front, sha256=sha(f"{n}f"), source=DocumentSource.photo),
        SupportingDocument(kind=DocumentKind.id_card_back, sha256=sha(f"{n}b"), source=DocumentSource.photo),
        SupportingDocument(
            kind=DocumentKind.income_proof, sha256=sha(f"{n}i"), source=DocumentSource.third_party
        ),
    )
    return ApplicationRequest(
        customer_id=customer_id,
        product_code="consumer_credit",
        amount=Decimal(20_000 + 100 * (n % 1500)),
        term=TERMS[n % 3],
        purpose="consumer",
        channel="app",
        documents=documents,
        consents=consents,
    )  # type: ignore[arg-type]


class _BareRepo:
    def __init__(self, rows: dict[str, Any], kind: type[Any]) -> None:
        self.rows, self.kind = rows, kind

    def find(self, id: str) -> Any:
        return self.rows.get(id)

    def get(self, id: str) -> Any:
        found = self.rows.get(id)
        if found is None:
            raise NotFound(f"no {self.kind.kind} '{id}'", field="id")
        return found

    lock = get

    def add(self, entity: Any) -> Any:
        stored = entity.model_copy(update={"version": 1})
        self.rows[entity.id] = stored
        return stored

    def update(self, entity: Any) -> Any:
        if self.rows[entity.id].version != entity.version:
            raise ConcurrentUpdate(entity.id)
        stored = entity.model_copy(update={"version": entity.version + 1})
        self.rows[entity.id] = stored
        return stored

    def list(self, **where: Any) -> list[Any]:
        found = (e for e in self.rows.values() if all(getattr(e, k) == v for k, v in where.items()))
        return sorted(found, key=lambda e: e.id)


class _BareEvents:
    def __init__(self) -> None:
        self.keys: dict[str, DomainEvent] = {}

    def append(self, event: DomainEvent) -> None:
        if event.idempotency_key is not None:
            self.keys[event.idempotency_key] = event

    def by_key(self, key: str) -> DomainEvent | None:
        return self.keys.get(key)

    def for_subject(self, subject: str) -> list[DomainEvent]:
        return []


class _BareTx:
    def __init__(self, store: BareStore) -> None:
        self.store = store
        self.events = store.events
        self.outbox = store
        self.audit = store
        self.ledger: Any = None

    def repo(self, kind: type[Any]) -> Any:
        return _BareRepo(self.store.tables.setdefault(kind.kind, {}), kind)


class BareStore:
    """Dictionaries, no copies, no rollback: the floor under origination's own work (bench only)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        self.events = _BareEvents()
        self.messages: list[Any] = []

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        yield _BareTx(self)

    def add(self, message: Any) -> None:
        self.messages.append(message)

    def pending(self, limit: int = 100) -> list[Any]:
        return self.messages[:limit]

    def append(self, **record: Any) -> None:
        pass


def prepared(
    catalog: LoadedCatalog, count: int, decider: Decider, store: Store | None = None
) -> tuple[Origination, list[str], list[tuple[Decimal, int]]]:
    """A service with ``count`` submitted applications (not timed); rules compiled once per process."""
    profiles = [applicant(n) for n in range(count)]
    bureau = SimulatedBureau(personas={p.id_number: "prime" for p in profiles})
    service = Origination(
        store=store or MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=bureau,
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=decider,
    )
    ids, asks = [], []
    for n, profile in enumerate(profiles):
        customer = service.register_customer(profile, idempotency_key=f"reg-{n}")
        ask = request(customer.id, n)
        ids.append(service.submit_application(ask, idempotency_key=f"app-{n}").id)
        asks.append((ask.amount, ask.term))
    return service, ids, asks


def time_assess(service: Origination, ids: list[str]) -> tuple[float, int]:
    """Seconds of CPU of this process (the machine may be shared: CPU time is what the
    application costs here; a PostgreSQL server's own CPU is not in it), and offers made."""
    start = time.process_time()
    offers = 0
    for n, application_id in enumerate(ids):
        result = service.assess(application_id, idempotency_key=f"assess-{n}")
        offers += result.offer is not None
    return time.process_time() - start, offers


def time_quotes(catalog: LoadedCatalog, asks: list[tuple[Decimal, int]]) -> float:
    spec = catalog.products["consumer_credit"]
    start = time.process_time()
    for amount, term in asks:
        quote(spec, amount, term, start=NOW.date())
    return time.process_time() - start


def _sqlite(tmp: str, n: int) -> Store:
    from loanfactory.adapters.sql import SqlStore

    return SqlStore(f"sqlite:///{tmp}/bench-{n}.db")


def _postgres(server: str, n: int, opened: list[Any]) -> Store:
    """A fresh migrated database on ``server`` for run ``n`` (the previous runs' stores closed)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from loanfactory.adapters.sql import SqlStore

    for store in opened:
        store.dispose()
    opened.clear()
    name = f"lf_bench_orig_{n + 1}_{time.monotonic_ns()}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    store = SqlStore(make_url(server).set(database=name), migrate=True)
    opened.append(store)
    return store


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    return " / ".join(f"{v:,.0f}" for v in (ordered[0], ordered[len(ordered) // 2], ordered[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--applications", type=int, default=300, help="applications per run (default 300)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each, interleaved; best kept (default 3)"
    )
    parser.add_argument(
        "--no-sqlite", dest="sqlite", action="store_false", help="skip the embedded SQLite store"
    )
    parser.add_argument("--sqlite", action="store_true", help=argparse.SUPPRESS)  # the default; kept
    parser.add_argument("--pg", default=os.environ.get("LOANFACTORY_TEST_PG_URL"), help="PostgreSQL URL")
    parser.add_argument("--no-pg", dest="postgres", action="store_false", help="skip PostgreSQL")
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args(argv)
    with postgres(args.pg if args.postgres else None) if args.postgres else nullcontext() as server:
        return _measure(args, server)


def _measure(args: argparse.Namespace, server: str | None) -> int:
    catalog, problems = load_catalog([ROOT / "products", ROOT / "rules"])
    if any(p.severity == "error" for p in problems):
        print("\n".join(p.format() for p in problems), file=sys.stderr)
        return 1
    traced, untraced = catalog_decider(catalog), catalog_decider(catalog, trace=False)
    count = args.applications
    cases: dict[str, tuple[Decider, Callable[[int], Store]]] = {
        "memory": (traced, lambda n: MemoryStore()),
        "memory_untraced": (untraced, lambda n: MemoryStore()),
        "bare": (traced, lambda n: BareStore()),
    }
    with tempfile.TemporaryDirectory(prefix="lf-bench-") as tmp:
        if args.sqlite:
            cases["sqlite"] = (traced, lambda n: _sqlite(tmp, n))
        opened: list[Any] = []
        if server is not None:
            cases["postgresql"] = (traced, lambda n: _postgres(server, n, opened))
        for decider, make in cases.values():  # warm up: imports, rule compilation, validators
            warm, warm_ids, warm_asks = prepared(catalog, 20, decider, make(-1))
            time_assess(warm, warm_ids)
        time_quotes(catalog, warm_asks)
        runs: dict[str, list[float]] = {}
        offers = count
        baselines = []
        for r in range(args.repeat):  # interleaved, so that load from other processes hits all alike
            for name, (decider, make) in cases.items():
                service, ids, asks = prepared(catalog, count, decider, make(r))
                seconds, made = time_assess(service, ids)
                offers = min(offers, made)
                runs.setdefault(name, []).append(seconds / count * 1e6)
            baselines.append(time_quotes(catalog, asks))
        for store in opened:
            store.dispose()
    baseline = min(baselines)
    best = {name: min(values) * count / 1e6 for name, values in runs.items()}
    per = {name: seconds / count * 1e6 for name, seconds in best.items()}
    per_quote = baseline / count * 1e6
    ratio = best["memory"] / baseline
    print(
        f"origination, {count} applications (pre-review → bureau → rules → limit → price → offer), one core:"
    )
    rate = count / best["memory"]
    print(f"  MemoryStore, trace on:   {per['memory']:>9,.0f} µs per application ({rate:,.0f}/s)")
    print(f"  MemoryStore, trace off:  {per['memory_untraced']:>9,.0f} µs per application")
    print(f"  bare store (no copies):  {per['bare']:>9,.0f} µs per application — origination's own work")
    ratios = {  # each run's store over the MemoryStore run next to it
        name: sorted(a / m for a, m in zip(runs[name], runs["memory"], strict=True))
        for name in ("sqlite", "postgresql")
        if name in runs
    }
    for name, label in (("sqlite", "SQLite SqlStore:      "), ("postgresql", "PostgreSQL SqlStore:  ")):
        if name in per:
            ratio_text = " / ".join(
                f"{r:.2f}" for r in (ratios[name][0], ratios[name][len(ratios[name]) // 2], ratios[name][-1])
            )
            print(
                f"  {label}   {per[name]:>9,.0f} µs per application "
                f"({per[name] / per['memory']:.2f}x the MemoryStore, best runs; per run min/median/max "
                f"{ratio_text}x; goal <= 2x)"
            )
    for name, values in runs.items():
        print(f"    {name}: µs per application, min / median / max of {len(values)}: {_spread(values)}")
    print(f"baseline quote() of the same amounts and terms: {per_quote:,.0f} µs per quote")
    print(
        f"ratio assess/quote: {ratio:.1f}x on MemoryStore, {best['bare'] / baseline:.1f}x on the bare store"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "origination",
                    "applications": count,
                    "offers": offers,
                    "us_per_application": round(per["memory"], 1),
                    "us_per_application_untraced": round(per["memory_untraced"], 1),
                    "us_per_application_bare_store": round(per["bare"], 1),
                    "us_per_application_sqlite": round(per["sqlite"], 1) if "sqlite" in per else None,
                    "sqlite_over_memory": round(per["sqlite"] / per["memory"], 2)
                    if "sqlite" in per
                    else None,
                    "us_per_application_postgresql": round(per["postgresql"], 1)
                    if "postgresql" in per
                    else None,
                    "postgresql_over_memory": round(per["postgresql"] / per["memory"], 2)
                    if "postgresql" in per
                    else None,
                    "runs_us_per_application": {k: [round(v, 1) for v in vs] for k, vs in runs.items()},
                    "baseline_us_per_quote": round(per_quote, 1),
                    "ratio": round(ratio, 3),
                }
            )
        )
    return 0 if offers == count else 1


if __name__ == "__main__":
    sys.exit(main())
