"""Rate caps as data (利率上限): regulatory profiles with their legal basis and dates.

A profile (``loanfactory/data/caps/<id>.yaml`` or a custom file of the same shape) lists caps, each
either a fixed ``rate`` or an ``lpr_multiple`` of an LPR tenor, valid ``from`` a date (``to`` a date,
inclusive, or open), with its ``basis`` in Chinese and English. ``penalties_share_cap`` says whether
penalty interest and fees count against the same cap. The cap on a day is the one valid that day
(the latest ``from`` wins when several are).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

from loanfactory.conventions import LprTenor
from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, InvalidInput, NotFound, SpecError, hint_for
from loanfactory.lpr import LprSeries
from loanfactory.money import parse_rate

BUILTIN_PROFILES = ("bank", "consumer-finance", "consumer-finance-new", "micro-loan", "private-lending")


@dataclass(frozen=True, slots=True)
class Cap:
    """One cap of a profile: a fixed rate, or a multiple of an LPR tenor, over a date range."""

    start: date
    end: date | None
    basis_zh: str
    basis_en: str
    rate: Decimal | None = None
    lpr_multiple: Decimal | None = None
    tenor: LprTenor = LprTenor.one_year

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def value(self, day: date, series: LprSeries) -> Decimal:
        """The cap as an annual rate on ``day`` (for an LPR multiple: the fixing in force that day)."""
        if self.rate is not None:
            return self.rate
        assert self.lpr_multiple is not None
        return self.lpr_multiple * series.rate(self.tenor, day)

    def describe(self, lang: str = "en") -> str:
        return self.basis_zh if lang == "zh" else self.basis_en


@dataclass(frozen=True, slots=True)
class CapProfile:
    """A regulatory profile (监管口径): its caps and whether penalties and fees share them."""

    id: str
    name_zh: str
    name_en: str
    caps: tuple[Cap, ...]
    penalties_share_cap: bool
    file: str

    def cap_on(self, day: date) -> Cap:
        """The cap valid on ``day``; raises NotFound when none is."""
        valid = [c for c in self.caps if c.covers(day)]
        if not valid:
            raise NotFound(
                f"profile {self.id} has no cap valid on {day}",
                field="profile",
                message_zh=f"监管口径 {self.id} 在 {day} 没有有效的上限",
            )
        return max(valid, key=lambda c: c.start)

    def limit_on(self, day: date, series: LprSeries | None = None) -> tuple[Decimal, Cap]:
        """(cap rate, cap) on ``day``."""
        cap = self.cap_on(day)
        return cap.value(day, series or LprSeries.default()), cap


def load_profile(name_or_path: str | Path) -> CapProfile:
    """A built-in profile by id (``bank``, ``private-lending`` ...) or a custom profile file.

    Raises NotFound for an unknown id (with a did-you-mean hint) and SpecError for a bad file.
    """
    text = str(name_or_path)
    if text in BUILTIN_PROFILES:
        data = resources.files("loanfactory").joinpath(f"data/caps/{text}.yaml").read_text(encoding="utf-8")
        document, problems = load_document(data, file=f"loanfactory/data/caps/{text}.yaml")
    else:
        path = Path(text)
        if not path.exists():
            hint, hint_zh = hint_for(text, BUILTIN_PROFILES)
            raise NotFound(
                f"no regulatory profile '{text}' (built in: {', '.join(BUILTIN_PROFILES)}; or give a file)"
                + (f"; {hint}" if hint else ""),
                field="profile",
                message_zh=f"没有监管口径 '{text}'（内置：{'、'.join(BUILTIN_PROFILES)}；或给出文件路径）"
                + (f"；{hint_zh}" if hint_zh else ""),
            )
        document, problems = load_document(path)
    if document is None:
        raise SpecError(diagnostics=problems)
    return _profile(document)


def private_lending_cap(on: date, series: LprSeries | None = None) -> Decimal:
    """The private-lending cap on ``on``: 4 x the one-year LPR in force that day (民间借贷利率上限)."""
    return load_profile("private-lending").limit_on(on, series)[0]


def _profile(document: Document) -> CapProfile:
    data = document.data
    problems: list[Diagnostic] = []
    if not isinstance(data, dict) or data.get("kind") != "cap-profile":
        raise SpecError(
            diagnostics=[
                document.diagnostic(
                    (), "not-a-profile", "expected 'kind: cap-profile'", message_zh="需要 'kind: cap-profile'"
                )
            ]
        )
    raw_name = data.get("name")
    name: dict[str, object] = raw_name if isinstance(raw_name, dict) else {}
    caps: list[Cap] = []
    rows = data.get("caps")
    if not isinstance(rows, list) or not rows:
        problems.append(
            document.diagnostic(
                ("caps",),
                "missing-key",
                "a profile needs a 'caps' list",
                message_zh="监管口径需要 'caps' 列表",
            )
        )
        rows = []
    for i, row in enumerate(rows):
        cap = _cap(document, row, i, problems)
        if cap is not None:
            caps.append(cap)
    shares = data.get("penalties_share_cap", True)
    if not isinstance(shares, bool):
        problems.append(document.diagnostic(("penalties_share_cap",), "wrong-type", "expected true or false"))
    if problems:
        raise SpecError(diagnostics=problems)
    return CapProfile(
        str(data.get("id") or Path(document.file).stem),
        str(name.get("zh", "")),
        str(name.get("en", "")),
        tuple(caps),
        bool(shares),
        document.file,
    )


def _cap(document: Document, row: object, i: int, problems: list[Diagnostic]) -> Cap | None:
    where: tuple[str | int, ...] = ("caps", i)
    if not isinstance(row, dict):
        problems.append(document.diagnostic(where, "wrong-type", "expected a mapping"))
        return None
    start, end = row.get("from"), row.get("to")
    if not isinstance(start, date) or (end is not None and not isinstance(end, date)):
        problems.append(
            document.diagnostic(
                (*where, "from"),
                "wrong-type",
                "'from' (and 'to') must be dates YYYY-MM-DD",
                message_zh="'from'（及 'to'）必须是 YYYY-MM-DD 日期",
            )
        )
        return None
    basis = row.get("basis")
    if not isinstance(basis, dict) or not basis.get("zh"):
        problems.append(
            document.diagnostic(
                (*where, "basis"),
                "missing-key",
                "each cap needs its legal basis (basis.zh)",
                message_zh="每个上限都需要写明法律依据（basis.zh）",
            )
        )
        return None
    has_rate, has_multiple = row.get("rate") is not None, row.get("lpr_multiple") is not None
    if has_rate == has_multiple:
        problems.append(
            document.diagnostic(
                where,
                "cap-shape",
                "give exactly one of 'rate' or 'lpr_multiple'",
                message_zh="'rate' 与 'lpr_multiple' 必须且只能给一个",
            )
        )
        return None
    try:
        rate = parse_rate(row["rate"], field="rate") if has_rate else None
        multiple = Decimal(str(row["lpr_multiple"])) if has_multiple else None
        tenor = LprTenor(str(row.get("tenor", "1y")))
    except (InvalidInput, ValueError, ArithmeticError) as exc:
        problems.append(document.diagnostic(where, "bad-value", str(exc)))
        return None
    return Cap(start, end, str(basis["zh"]), str(basis.get("en", basis["zh"])), rate, multiple, tenor)
