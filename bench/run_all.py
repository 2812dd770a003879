"""Run every benchmark in this folder and collect their JSON lines (``make bench``).

Each benchmark measures its figure against a baseline in the same run and prints one JSON line
last with ``--json``; this script runs them one after another (never in parallel: they would
measure each other) and prints the lines, then writes them all to ``bench/out/results.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "validate.py",
    "schedule_decimal.py",
    "schedule_vector.py",
    "decision.py",
    "origination.py",
    "eod.py",
    "eod_store.py",
    "batch_dask.py",
    "persistence.py",
    "gl.py",
    "http_api.py",
    "reports.py",
    "credit_report.py",
]


def main() -> int:
    results: dict[str, object] = {}
    failed = []
    for name in BENCHES:
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(HERE / name), "--json"], capture_output=True, text=True, cwd=HERE.parent
        )
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not lines:
            failed.append(name)
            print(done.stdout + done.stderr, file=sys.stderr)
            continue
        results[name] = json.loads(lines[-1])
        print(f"{name}: {lines[-1]}  ({time.perf_counter() - started:.0f} s)", flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
