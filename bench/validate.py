"""Benchmark: `loanfactory validate` of 1,000 product files, against plain PyYAML parsing.

Generates 1,000 product files from the samples in ``products/`` (every sample, templates and
fragments included, each product copied under a new code) into a temporary folder, then times,
in this process and on one core:

- ``validate``: :func:`loanfactory.catalog.load_catalog` of the folder plus the JSON report, i.e.
  what ``loanfactory validate DIR --format json`` does after start-up;
- the baseline: reading the same files and ``yaml.load(text, Loader=yaml.CSafeLoader)`` — no
  positions, no validation.

The goal is ≤ 1 s for the 1,000 files on one core. The code is single-threaded, so the goal is
checked on CPU time, which does not count time spent waiting while other processes hold the CPU;
wall time is printed too and equals CPU time on an idle machine. Each measure is the best of
``--repeat`` interleaved runs. Run: ``.venv/bin/python bench/validate.py [--json]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ also holds scripts named like standard modules (http.py); running this script puts
# bench/ first on sys.path, where they would shadow the standard library
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import yaml  # noqa: E402

from loanfactory.catalog import load_catalog  # noqa: E402
from loanfactory.cli._output import render  # noqa: E402
from loanfactory.cli.validate import build_report  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "products"
GOAL_SECONDS = 1.0


def generate(target: Path, count: int) -> list[Path]:
    """``count`` product files made from the samples (shared templates/fragments copied once)."""
    for folder in ("templates", "fragments"):
        if (SAMPLES / folder).is_dir():
            shutil.copytree(SAMPLES / folder, target / folder)
    samples = sorted(SAMPLES.glob("*.yaml"))
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in samples]
    written = []
    for i in range(count):
        stem, text = texts[i % len(texts)]
        code = re.search(r"^code:\s*(\S+)", text, re.MULTILINE)
        assert code is not None, stem
        new = text.replace(f"code: {code.group(1)}", f"code: {code.group(1)}_{i:04d}", 1)
        path = target / f"{stem}_{i:04d}.yaml"
        path.write_text(new, encoding="utf-8")
        written.append(path)
    return written


def time_validate(folder: Path) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of loading the folder and rendering the JSON report."""
    wall, cpu = time.perf_counter(), time.process_time()
    catalog, diagnostics = load_catalog([folder])
    report = build_report(catalog, diagnostics)
    render(report, "json")
    return time.perf_counter() - wall, time.process_time() - cpu, len(catalog.files), len(report.errors)


def time_baseline(folder: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for path in sorted(folder.rglob("*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="product files to generate (default 1000)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each, interleaved; best kept (default 5)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line last")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lf-bench-") as tmp:
        folder = Path(tmp)
        generate(folder, args.files)
        time_validate(folder)  # warm up: imports, pydantic validators, caches
        runs, baselines = [], []
        for _ in range(args.repeat):  # interleaved, so that load from other processes hits both alike
            runs.append(time_validate(folder))
            baselines.append(time_baseline(folder))
    seconds = min(r[0] for r in runs)
    cpu = min(r[1] for r in runs)
    files, errors = runs[0][2], runs[0][3]
    baseline = min(b[0] for b in baselines)
    baseline_cpu = min(b[1] for b in baselines)
    ratio = cpu / baseline_cpu
    per_thousand = cpu * 1000 / files
    met = per_thousand <= GOAL_SECONDS
    print(
        f"validate: {files} files in {cpu:.3f} s CPU, {seconds:.3f} s wall "
        f"({cpu / files * 1000:.3f} ms/file), {errors} errors; one thread"
    )
    print(
        f"baseline yaml.load(CSafeLoader) of the same files: {baseline_cpu:.3f} s CPU, {baseline:.3f} s wall "
        f"({baseline_cpu / files * 1000:.3f} ms/file)"
    )
    print(
        f"ratio validate/baseline (CPU): {ratio:.2f}x; goal ≤ {GOAL_SECONDS:.1f} s per 1,000 files on one "
        f"core: {per_thousand:.3f} s, {'met' if met else 'NOT met'} (wall time equals CPU time when idle)"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "validate",
                    "files": files,
                    "cpu_seconds": round(cpu, 4),
                    "wall_seconds": round(seconds, 4),
                    "ms_per_file": round(cpu / files * 1000, 4),
                    "baseline_cpu_seconds": round(baseline_cpu, 4),
                    "baseline_wall_seconds": round(baseline, 4),
                    "ratio": round(ratio, 3),
                    "errors": errors,
                    "goal_seconds_per_1000": GOAL_SECONDS,
                    "goal_met": met,
                }
            )
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
