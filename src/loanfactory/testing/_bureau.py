"""A simulated credit bureau (征信) with realistic, repeatable reports.

The report for a subject is generated from a random generator seeded by the SHA-256 of the
subject's ID number or credit code and the report date, so the same person always gets the same
report. Each subject falls into a persona with realistic shares — prime 45 %, near-prime 28 %,
thin file 10 %, subprime 13 %, severe 4 % — which decides the score band, cards and loans,
overdue history, queries, and for the severe persona a write-off, bad debt or court judgement.

Tests choose the persona or the whole report for a subject::

    bureau = SimulatedBureau(personas={"11010519491231002X": "severe"})
    bureau = SimulatedBureau(reports={"11010519491231002X": my_report})
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from loanfactory.errors import InvalidInput
from loanfactory.origination import parse_id_number
from loanfactory.ports import BureauQuery, BureauRecord, BureauReportData, ServiceUnavailable

Persona = Literal["prime", "near-prime", "thin-file", "subprime", "severe"]
PERSONAS: tuple[tuple[Persona, int], ...] = (
    ("prime", 45),
    ("near-prime", 28),
    ("thin-file", 10),
    ("subprime", 13),
    ("severe", 4),
)
_SCORES: dict[Persona, tuple[int, int]] = {
    "prime": (700, 850),
    "near-prime": (620, 699),
    "thin-file": (580, 660),
    "subprime": (500, 619),
    "severe": (350, 499),
}


class SimulatedBureau:
    """A :class:`loanfactory.ports.CreditBureau` for tests and the demo."""

    def __init__(
        self,
        *,
        personas: Mapping[str, Persona] | None = None,
        reports: Mapping[str, BureauReportData] | None = None,
        unavailable_for: Iterable[str] = (),
    ) -> None:
        self.personas = dict(personas or {})
        self.reports = dict(reports or {})
        self.unavailable_for = frozenset(unavailable_for)
        self.queries: list[BureauQuery] = []

    def report(self, query: BureauQuery) -> BureauReportData:
        if query.subject_id in self.unavailable_for:
            raise ServiceUnavailable("credit bureau did not answer")
        self.queries.append(query)
        if query.subject_id in self.reports:
            return self.reports[query.subject_id]
        return generate_report(query.subject_id, query.as_of, self.persona_of(query.subject_id))

    def persona_of(self, subject_id: str) -> Persona:
        """The persona of a subject: the configured one, or drawn from the subject's hash."""
        if subject_id in self.personas:
            return self.personas[subject_id]
        draw = _rng(subject_id, "persona").randrange(100)
        for persona, share in PERSONAS:
            if draw < share:
                return persona
            draw -= share
        return "prime"  # pragma: no cover - the shares add up to 100


def _rng(*parts: str) -> random.Random:
    seed = int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")
    return random.Random(seed)


def _is_individual(subject_id: str) -> bool:
    try:
        parse_id_number(subject_id)
    except InvalidInput:
        return False
    return True


def _money(rng: random.Random, low: int, high: int, step: int = 100) -> Decimal:
    return Decimal(rng.randrange(low // step, high // step + 1) * step)


def generate_report(subject_id: str, as_of: date, persona: Persona) -> BureauReportData:
    """A realistic report for ``subject_id`` on ``as_of`` in ``persona``; deterministic."""
    rng = _rng(subject_id, as_of.isoformat(), persona)
    individual = _is_individual(subject_id)
    records = (
        _individual_records(rng, as_of, persona) if individual else _enterprise_records(rng, as_of, persona)
    )
    low, high = _SCORES[persona]
    score = None if persona == "thin-file" and rng.random() < 0.5 else rng.randint(low, high)
    busy = persona in ("subprime", "severe")
    inquiries_3m = rng.randint(3, 9) if busy else rng.randint(0, 2)
    inquiries_6m = inquiries_3m + rng.randint(0, 4 if busy else 2)
    inquiries_12m = inquiries_6m + rng.randint(0, 6 if busy else 2)
    digest = hashlib.sha256(f"{subject_id}|{as_of}".encode()).hexdigest()
    return BureauReportData(
        subject_id=subject_id,
        as_of=as_of,
        score=score,
        records=tuple(records),
        inquiries_3m=inquiries_3m,
        inquiries_12m=inquiries_12m,
        reference=f"PBOC-{as_of:%Y%m%d}-{digest[:12]}",
    )


def _opened(rng: random.Random, as_of: date, min_days: int = 120, max_days: int = 3650) -> date:
    return as_of - timedelta(days=rng.randint(min_days, max_days))


def _overdue(rng: random.Random, persona: Persona) -> tuple[int, int, str]:
    """Overdue months and the longest overdue run (days) in 24 months, and the worst status."""
    if persona == "prime" or persona == "thin-file":
        return 0, 0, "normal"
    if persona == "near-prime":
        if rng.random() < 0.25:
            return 1, rng.randint(1, 25), "overdue"
        return 0, 0, "normal"
    if persona == "subprime":
        months = rng.randint(1, 6)
        return months, rng.randint(10, 30 * min(months, 3)), "overdue"
    months = rng.randint(4, 18)
    return months, rng.randint(91, 30 * months), "overdue"


def _utilisation(rng: random.Random, persona: Persona) -> float:
    low, high = {
        "prime": (0, 35),
        "near-prime": (20, 70),
        "thin-file": (0, 50),
        "subprime": (55, 95),
        "severe": (80, 100),
    }[persona]
    return rng.randint(low, high) / 100


def _individual_records(rng: random.Random, as_of: date, persona: Persona) -> list[BureauRecord]:
    reported = as_of - timedelta(days=rng.randint(1, 25))
    records: list[BureauRecord] = []
    cards = rng.randint(0, 1) if persona == "thin-file" else rng.randint(1, 5)
    for _ in range(cards):
        months, days, status = _overdue(rng, persona)
        limit = _money(rng, 10_000, 100_000, 1000)
        balance = (limit * Decimal(str(_utilisation(rng, persona)))).quantize(Decimal(1))
        overdue = (
            (balance / 10).quantize(Decimal(1)) if persona == "severe" or (days and rng.random() < 0.3) else 0
        )
        records.append(
            BureauRecord(
                kind="credit_card",
                opened=_opened(rng, as_of),
                balance=balance,
                credit_limit=limit,
                overdue_months_24m=months,
                max_overdue_days_24m=days,
                overdue_amount=Decimal(overdue),
                worst_status=status,
                reported=reported,
            )
        )
    if persona != "thin-file" and rng.random() < 0.35:
        granted = _money(rng, 300_000, 2_500_000, 10_000)
        records.append(
            BureauRecord(
                kind="loan",
                opened=_opened(rng, as_of, 365, 5475),
                credit_limit=granted,
                balance=(granted * Decimal(str(rng.randint(30, 95) / 100))).quantize(Decimal(1)),
                reported=reported,
            )
        )
    for _ in range(rng.randint(0, 2) if persona != "thin-file" else 0):
        months, days, status = _overdue(rng, persona)
        granted = _money(rng, 10_000, 200_000, 1000)
        records.append(
            BureauRecord(
                kind="loan",
                opened=_opened(rng, as_of, 60, 1460),
                credit_limit=granted,
                balance=(granted * Decimal(str(rng.randint(10, 100) / 100))).quantize(Decimal(1)),
                overdue_months_24m=months,
                max_overdue_days_24m=days,
                worst_status=status,
                reported=reported,
            )
        )
    if persona == "severe":
        records.append(_severe(rng, as_of, reported, 3_000, 80_000))
    return records


def _severe(rng: random.Random, as_of: date, reported: date, low: int, high: int) -> BureauRecord:
    kind = rng.choice(("write_off", "bad_debt", "court_judgement"))
    balance = _money(rng, low, high, 100)
    return BureauRecord(
        kind=kind,
        opened=_opened(rng, as_of, 200, 1500),
        balance=balance,
        overdue_amount=balance,
        overdue_months_24m=rng.randint(6, 24),
        max_overdue_days_24m=rng.randint(180, 720),
        worst_status="bad_debt",
        reported=reported,
    )


def _enterprise_records(rng: random.Random, as_of: date, persona: Persona) -> list[BureauRecord]:
    reported = as_of - timedelta(days=rng.randint(1, 25))
    records: list[BureauRecord] = []
    for _ in range(rng.randint(0, 1) if persona == "thin-file" else rng.randint(1, 4)):
        months, days, status = _overdue(rng, persona)
        granted = _money(rng, 300_000, 8_000_000, 10_000)
        records.append(
            BureauRecord(
                kind="loan",
                opened=_opened(rng, as_of, 90, 2190),
                credit_limit=granted,
                balance=(granted * Decimal(str(rng.randint(20, 100) / 100))).quantize(Decimal(1)),
                overdue_months_24m=months,
                max_overdue_days_24m=days,
                worst_status=status,
                reported=reported,
            )
        )
    if rng.random() < 0.4:
        records.append(
            BureauRecord(
                kind="guarantee",
                opened=_opened(rng, as_of),
                balance=_money(rng, 100_000, 3_000_000, 10_000),
                reported=reported,
            )
        )
    if persona in ("subprime", "severe") and rng.random() < 0.5:
        arrears = _money(rng, 10_000, 500_000)
        records.append(
            BureauRecord(
                kind="tax_arrears",
                opened=_opened(rng, as_of, 30, 700),
                balance=arrears,
                overdue_amount=arrears,
                worst_status="overdue",
                reported=reported,
            )
        )
    if persona == "severe":
        records.append(_severe(rng, as_of, reported, 50_000, 2_000_000))
    return records
