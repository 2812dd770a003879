"""Benchmark of the HTTP API: quotes and applications per second, p50/p99, against a bare baseline.

Runs real servers (uvicorn, one process each, in subprocesses) on loopback and drives them with
an asyncio load generator over raw keep-alive sockets (cheap enough that the generator is not
the bottleneck on 2 cores). Three runs in the same invocation:

- ``baseline``: a bare FastAPI app with one ``POST /echo`` returning a small JSON body;
- ``quote``: ``POST /v1/quotes`` (salary_loan with its schedule), every request with its own
  amount and term drawn from the product's range, so that no cache of identical requests could
  hide the cost; the run counts the distinct response bodies it got back to show it;
- ``apply``: ``POST /v1/applications`` on the embedded SQLite store (submitted and decided by the
  product's rules), each request by another registered customer.

The server is what ``loanfactory serve`` runs (``build_server``: the lender over SQLite, products
and rules). Goals (issue 8): ≥ 1 000 quotes/s and p99 ≤ 20 ms on 2 cores. Access logs are off (as
with ``--log-level warning``). The load average is printed when the run starts and ends; the
run never waits for a quiet machine: the ratios to the baseline of the same run are the figures
that travel. ``--json`` prints one JSON line last.
"""

import os
import sys

# this file is called http.py: keep its folder off sys.path, or it would shadow the stdlib's http
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEY_CUSTOMER = "lf_bench_customer_{}"  # one customer per application: no "already applied" refusals
KEY_OPS = "lf_bench_ops"
CUSTOMERS = 768
PRODUCT = "salary_loan"  # 5 000 - 300 000 yuan in steps of 1 000, 12 / 24 / 36 months
APPLY = {
    "product_code": PRODUCT,
    "amount": "50000",
    "term": 12,
    "purpose": "consumer",
    "channel": "app",
    "consents": [{"scope": "bureau-query"}, {"scope": "data-use"}],
    "documents": [
        {"kind": "id-card-front", "sha256": "a" * 64},
        {"kind": "id-card-back", "sha256": "b" * 64},
    ],
}


# --- the servers (run in subprocesses) ----------------------------------------------------------


def _id_number(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


PII_KEY = "42" * 32  # one key for every server process on the bench database (64 hex digits)


def serve(kind: str, port: int, db: str) -> None:
    import uvicorn

    if kind == "baseline":
        from fastapi import FastAPI, Request

        app: Any = FastAPI()

        @app.post("/echo")
        async def echo(request: Request) -> dict[str, Any]:
            return {"ok": True, "size": len(await request.body())}

    else:
        from loanfactory.adapters.http import Role
        from loanfactory.adapters.http._wiring import ServerSettings, build_server
        from loanfactory.origination import Employment, EmploymentKind, IndividualProfile

        # personal data encrypted at rest, as a bank runs it (serve refuses to start without a key)
        environ = {
            "LOANFACTORY_API_KEYS": f"ops:operations:{KEY_OPS}",
            "LOANFACTORY_PII_KEY": PII_KEY,
        }
        settings = ServerSettings(
            simulate=True,
            db=db,
            products=ROOT / "products",
            rules=ROOT / "rules",
            rate=1e9,
            burst=10**9,
            relay_interval=0,
            environ=environ,
        )
        server = build_server(settings)
        for index in range(CUSTOMERS):
            profile = IndividualProfile(
                id_number=_id_number(f"3101041988051{index:04d}"),
                name="李娜",
                phone="13812345678",
                annual_income=240000,
                employment=Employment(kind=EmploymentKind.salaried, years=5),  # type: ignore[arg-type]
            )
            customer = server.origination.register_customer(profile, idempotency_key=f"bench-reg-{index}").id
            server.app.state.loanfactory.auth.keys.add(
                f"bench-{index}", Role.customer, KEY_CUSTOMER.format(index), customer
            )
        app = server.app
    # SO_REUSEPORT: several server processes share the port and the kernel spreads the connections
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    listener.bind(("127.0.0.1", port))
    uvicorn.run(app, fd=listener.fileno(), log_level="warning", access_log=False, lifespan="off")


# --- the load generator ----------------------------------------------------------------------------


def _request(path: str, body: dict[str, Any], key: str | None) -> bytes:
    payload = json.dumps(body).encode()
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    if key:
        head.append(f"Authorization: Bearer {key}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


async def _worker(
    port: int,
    requests: list[bytes],
    stop_at: float,
    warm_until: float,
    latencies: list[float],
    statuses: dict[int, int],
    bodies: set[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                return
            writer.write(requests[sent % len(requests)])
            sent += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            if started >= warm_until:
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                bodies.add(hash(body))
    finally:
        writer.close()


def load(
    port: int, requests: list[bytes], *, seconds: float, warmup: float, connections: int
) -> dict[str, Any]:
    """Drive ``connections`` keep-alive connections; connection i sends requests i, i + n, ... in turn."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    bodies: set[int] = set()

    async def run() -> None:
        now = time.perf_counter()
        await asyncio.gather(
            *(
                _worker(
                    port,
                    requests[i::connections] or requests,
                    now + warmup + seconds,
                    now + warmup,
                    latencies,
                    statuses,
                    bodies,
                )
                for i in range(connections)
            )
        )

    try:
        import uvloop

        uvloop.run(run())
    except ImportError:
        asyncio.run(run())
    latencies.sort()
    count = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(count - 1, int(p * count))] * 1000 if count else float("nan")

    return {
        "requests": count,
        "rps": round(count / seconds, 1),
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "distinct_requests": len(set(requests)),
        "distinct_responses": len(bodies),
    }


def quote_requests(count: int, keys: list[str], seed: int = 8) -> list[bytes]:
    """``count`` quote requests, each with its own amount and term from the product's range."""
    rng = random.Random(seed)
    combinations = len(range(5_000, 300_001, 1_000)) * 3
    seen: set[tuple[int, int]] = set()
    out = []
    while len(out) < count:
        amount, term = rng.randrange(5_000, 300_001, 1_000), rng.choice((12, 24, 36))
        if (amount, term) in seen:  # every combination once before any comes again
            if len(seen) >= combinations:
                seen.clear()
            continue
        seen.add((amount, term))
        body = {"product_code": PRODUCT, "amount": str(amount), "term": term}
        out.append(_request("/v1/quotes", body, keys[len(out) % len(keys)]))
    return out


def apply_requests(count: int, seed: int = 9) -> list[bytes]:
    """One application per registered customer, amounts and terms drawn like the quotes'."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        body = {
            **APPLY,
            "amount": str(rng.randrange(5_000, 200_001, 1_000)),
            "term": rng.choice((12, 24, 36)),
        }
        out.append(_request("/v1/applications", body, KEY_CUSTOMER.format(index)))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(kind: str, db: str, port: int | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = port or _free_port()
    process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve", kind, "--port", str(port), "--db", db],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{kind} server exited: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


def _start_all(kind: str, db: str, count: int) -> tuple[list[subprocess.Popen[bytes]], int]:
    """``count`` server processes on one port; each after the previous one is up (so that their
    start-up writes to the store do not race), the later ones given the first one's start-up time."""
    started = time.monotonic()
    first, port = _start(kind, db)
    took = time.monotonic() - started
    processes = [first]
    for _ in range(count - 1):
        process, _ = _start(kind, db, port)
        time.sleep(took * 1.5)
        if process.poll() is not None:
            error = process.stderr.read().decode()[-1500:] if process.stderr else ""
            raise RuntimeError(f"{kind} server {len(processes) + 1} exited: {error}")
        processes.append(process)
    return processes, port


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=8, choices=range(1, 65), metavar="1-64")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        choices=range(1, 9),
        metavar="1-8",
        help="server processes sharing the port (SO_REUSEPORT)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    parser.add_argument("--serve", choices=["baseline", "api"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db)
        return
    load_before = os.getloadavg()[0]
    print(f"load average {load_before:.2f} at the start", file=sys.stderr)
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "connections": args.connections,
        "seconds": args.seconds,
        "processes": args.processes,
        "load_average_before": round(load_before, 2),
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        customers = [KEY_CUSTOMER.format(i) for i in range(CUSTOMERS)]
        echo = {"product_code": PRODUCT, "amount": "50000", "term": 12}
        runs = [
            ("baseline", "baseline", [_request("/echo", echo, None)]),
            ("quote", "api", quote_requests(4096, customers)),
            ("apply", "api", apply_requests(CUSTOMERS)),
        ]
        servers: dict[str, tuple[list[subprocess.Popen[bytes]], int]] = {}
        try:
            for name, kind, request in runs:
                if kind not in servers:
                    servers[kind] = _start_all(kind, db, args.processes)
                results[name] = load(
                    servers[kind][1],
                    request,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    connections=args.connections,
                )
                got = results[name]
                print(
                    f"{name:<9} {got['rps']:>9.1f} req/s   p50 {got['p50_ms']:>7.2f} ms   "
                    f"p99 {got['p99_ms']:>7.2f} ms   statuses {got['statuses']}   "
                    f"distinct requests/responses {got['distinct_requests']}/{got['distinct_responses']}",
                    file=sys.stderr,
                )
        finally:
            for processes, _ in servers.values():
                for process in processes:
                    process.terminate()
                    process.wait(timeout=10)
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    quote, baseline = results["quote"], results["baseline"]
    results["quote_vs_baseline"] = round(quote["rps"] / baseline["rps"], 3) if baseline["rps"] else None
    apply = results["apply"]
    results["apply_vs_baseline"] = round(apply["rps"] / baseline["rps"], 3) if baseline["rps"] else None
    results["goals"] = {"quotes_per_s>=1000": quote["rps"] >= 1000, "quote_p99_ms<=20": quote["p99_ms"] <= 20}
    print(
        f"quote/baseline throughput {results['quote_vs_baseline']}; goals {results['goals']}", file=sys.stderr
    )
    if args.json:
        print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
