"""气球贷 — balloon: ``Balloon(final=0.3)`` is an annuity that leaves 30 % of the principal for the
last installment; ``Balloon(per_period=0.05)`` repays 5 % of the principal each period and the
rest at maturity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.schedule._level import LevelRule, level_rows
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._principal import principal_rows
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule.methods import annuity
from loanfactory.schedule.methods._method import Built, Method

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Balloon:
    """A balloon (气球贷): ``final`` share of principal left for the last installment, or a fixed
    ``per_period`` share of principal repaid each period with the rest at maturity."""

    final: Decimal | None = None
    per_period: Decimal | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.final, self.per_period) if x is not None]
        if len(given) != 1:
            raise InvalidInput(
                "give exactly one of final or per_period",
                field="balloon",
                message_zh="final 与 per_period 必须且只能给一个",
            )
        for value in given:
            if not isinstance(value, Decimal) or not (0 < value < 1):
                raise InvalidInput(
                    f"a balloon share must be above 0 and below 1, got {value}",
                    field="balloon",
                    message_zh=f"气球贷比例必须在 0 与 1 之间，当前为 {value}",
                )


def _settings(terms: LoanTerms) -> Balloon:
    assert isinstance(terms.balloon, Balloon)  # LoanTerms checked it
    return terms.balloon


def _final_amount(terms: LoanTerms, p: Plan, k: int, balance: Decimal) -> Decimal:
    final = _settings(terms).final
    assert final is not None
    return annuity.level_amount(terms, p, k, balance, terms.principal * final)


_FINAL = LevelRule(_final_amount)


def _per_period(terms: LoanTerms) -> Decimal:
    share = _settings(terms).per_period
    assert share is not None
    return terms.principal * share


def rows(terms: LoanTerms, p: Plan, posting: bool, first_extra: Decimal, override: Decimal | None) -> Built:
    if _settings(terms).per_period is not None:
        return principal_rows(terms, p, posting, first_extra, _per_period)
    built = level_rows(terms, p, posting, first_extra, override, _FINAL)
    return built._replace(residue=None)  # the last row is the lump, not a residue


def words(terms: LoanTerms) -> str:
    settings = _settings(terms)
    if settings.final is not None:
        return (
            f"balloon: {(settings.final * 100).normalize():f}% of the principal left for the last installment"
        )
    assert settings.per_period is not None
    share = (settings.per_period * 100).normalize()
    return f"balloon: {share:f}% of the principal each period, the rest at maturity"


def check(terms: LoanTerms) -> None:
    if not isinstance(terms.balloon, Balloon):
        raise InvalidInput(
            f"expected Balloon settings, got {terms.balloon!r}", field="balloon", message_zh="需要气球贷设置"
        )
    if terms.balloon.per_period is not None and terms.installment is not None:
        raise InvalidInput(
            "a balloon with a share per period has no level installment",
            field="installment",
            message_zh="按期还固定比例本金的气球贷没有固定期供",
        )


METHOD = Method(
    name=RepaymentMethod.balloon,
    zh="气球贷",
    en="balloon",
    summary="`Balloon(final=0.3)`: an annuity that leaves 30 % of the principal for the last installment; "
    "`Balloon(per_period=0.05)`: 5 % of the principal each period, the rest at maturity",
    summary_zh="前期按较长期限计算期供或按固定比例还本，到期一次归还剩余本金（尾款）",
    rows=rows,
    level=True,
    settings=frozenset({"balloon", "installment"}),
    required=frozenset({"balloon"}),
    section="balloon",
    check=check,
    words=words,
)
