"""The benchmarks still run (tiny sizes, no timing asserted): an API change cannot rot them unseen.

Figures are never checked here — speed belongs to ``bench/`` runs, not to unit tests; only that
each script finishes, checks its own results, and prints its JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SMALL = {
    "validate.py": ["--files", "20", "--repeat", "1"],
    "schedule_decimal.py": ["--number", "2", "--repeat", "1"],
    "schedule_vector.py": ["--loans", "2000", "--repeat", "1", "--skip-financial"],
    "decision.py": ["--n", "50", "--repeat", "1"],
    "origination.py": ["--applications", "5", "--repeat", "1"],
    "eod.py": ["--loans", "3000", "--sample", "300"],
    "eod_store.py": ["--loans", "30", "--templates", "7"],
    "batch_dask.py": ["--loans", "3000", "--repeat", "1", "--stored-loans", "14"],
    "persistence.py": ["--count", "5"],
    "gl.py": ["--loans", "300"],
    "reports.py": ["--loans", "300", "--repeats", "1", "--no-pg"],
    "http_api.py": ["--seconds", "3", "--warmup", "0.5"],  # long enough to answer under load
    "credit_report.py": ["--loans", "60", "--templates", "30"],
}


def test_every_benchmark_has_a_smoke_run() -> None:
    scripts = {p.name for p in BENCH.glob("*.py")} - {"run_all.py"}
    assert scripts == set(SMALL)


@pytest.mark.parametrize("script", sorted(SMALL))
def test_the_benchmark_runs_and_prints_its_json_line(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *SMALL[script], "--json"],
        capture_output=True,
        text=True,
        cwd=BENCH.parent,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = [line for line in done.stdout.splitlines() if line.strip()][-1]
    figures = json.loads(last)
    assert isinstance(figures, dict)
    if script == "http_api.py":  # every request of the short run was answered with success
        for run in ("baseline", "quote", "apply"):
            assert figures[run]["requests"] > 0, run
            assert all(status.startswith("2") for status in figures[run]["statuses"]), figures[run]
