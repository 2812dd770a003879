"""The Loan Prime Rate series (贷款市场报价利率, LPR) as data.

The fixings ship in ``loanfactory/data/lpr.yaml`` (change points only); a bank passes its own,
newer file with :meth:`LprSeries.from_file`. ``rate(tenor, on)`` is the fixing in force on a day:
the latest fixing published on or before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from loanfactory.conventions import LprTenor
from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, InvalidInput, SpecError
from loanfactory.money import parse_rate


@dataclass(frozen=True, slots=True)
class LprFixing:
    """One published fixing: the date and both tenors (fractions of one)."""

    date: date
    one_year: Decimal
    five_year: Decimal

    def rate(self, tenor: LprTenor) -> Decimal:
        return self.one_year if tenor is LprTenor.one_year else self.five_year


@dataclass(frozen=True, slots=True)
class LprSeries:
    """LPR fixings in date order; immutable."""

    fixings: tuple[LprFixing, ...]

    def __post_init__(self) -> None:
        if not self.fixings:
            raise InvalidInput("an LPR series needs at least one fixing", field="fixings")
        dates = [f.date for f in self.fixings]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise InvalidInput("LPR fixings must be in strictly increasing date order", field="fixings")

    @classmethod
    def of(cls, fixings: Iterable[LprFixing]) -> LprSeries:
        return cls(tuple(sorted(fixings, key=lambda f: f.date)))

    @classmethod
    def default(cls) -> LprSeries:
        """The series shipped with loanfactory (``loanfactory/data/lpr.yaml``)."""
        return _bundled()

    @classmethod
    def from_file(cls, path: Path) -> LprSeries:
        """Read a series file; raises :class:`SpecError` listing every located problem."""
        document, problems = load_document(path)
        if document is None:
            raise SpecError(diagnostics=problems)
        return _from_document(document)

    def fixing_on(self, on: date) -> LprFixing:
        """The fixing in force on ``on``."""
        index = bisect.bisect_right([f.date for f in self.fixings], on) - 1
        if index < 0:
            raise InvalidInput(
                f"no LPR fixing on or before {on.isoformat()} (the series starts on "
                f"{self.fixings[0].date.isoformat()})",
                field="date",
                message_zh=f"{on.isoformat()} 之前没有 LPR 报价"
                f"（序列始于 {self.fixings[0].date.isoformat()}）",
            )
        return self.fixings[index]

    def rate(self, tenor: LprTenor | str, on: date) -> Decimal:
        """The ``tenor`` LPR in force on ``on`` as a fraction (``Decimal('0.0300')``)."""
        return self.fixing_on(on).rate(LprTenor(tenor))

    @property
    def latest(self) -> LprFixing:
        return self.fixings[-1]


@cache
def _bundled() -> LprSeries:
    text = resources.files("loanfactory").joinpath("data/lpr.yaml").read_text(encoding="utf-8")
    document, problems = load_document(text, file="loanfactory/data/lpr.yaml")
    if document is None:  # pragma: no cover - the shipped file is tested
        raise SpecError(diagnostics=problems)
    return _from_document(document)


def _from_document(document: Document) -> LprSeries:
    problems: list[Diagnostic] = []
    data = document.data
    rows = data.get("fixings") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise SpecError(
            diagnostics=[document.diagnostic((), "missing-key", "an LPR file needs a 'fixings' list")]
        )
    fixings: list[LprFixing] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(document.diagnostic(("fixings", i), "wrong-type", "expected a mapping"))
            continue
        on = row.get("date")
        if not isinstance(on, date):
            problems.append(
                document.diagnostic(("fixings", i, "date"), "wrong-type", "expected a date YYYY-MM-DD")
            )
            continue
        values: dict[str, Decimal] = {}
        for key in ("lpr_1y", "lpr_5y"):
            try:
                values[key] = parse_rate(row.get(key), field=key)
            except InvalidInput as exc:
                problems.append(document.diagnostic(("fixings", i, key), "bad-rate", exc.message))
        if len(values) == 2:
            fixings.append(LprFixing(on, values["lpr_1y"], values["lpr_5y"]))
    dates = [f.date for f in fixings]
    for i in range(1, len(dates)):
        if dates[i] <= dates[i - 1]:
            problems.append(
                document.diagnostic(
                    ("fixings", i, "date"), "unordered", "fixings must be in increasing date order"
                )
            )
    if problems:
        raise SpecError(diagnostics=problems)
    return LprSeries(tuple(fixings))
