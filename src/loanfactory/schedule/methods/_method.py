"""What the engine knows of a repayment method (还款方式): one :class:`Method` value per method module.

A method module declares its :class:`Method` — name, Chinese and English labels, the
:class:`~loanfactory.schedule.LoanTerms` settings it takes, how it builds posting and display rows
(Decimal) and, where one exists, its vectorised kernel — and nothing else in the library branches
on the method's name: the engine, the vectorised path, the product language, the JSON Schema,
the command line, the documents and the contract wording read the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from loanfactory.conventions import RepaymentMethod

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from loanfactory.schedule._periods import Plan
    from loanfactory.schedule._result import ScheduleRow
    from loanfactory.schedule._terms import LoanTerms
    from loanfactory.schedule._vector import VectorContext

    IntArray = npt.NDArray[np.int64]


class Built(NamedTuple):
    """Rows of one pass of a method's builder.

    ``level`` is the installment as quoted (the first one for a stepped schedule; None for methods
    without one) and ``exact`` its unrounded value; ``residue`` is how far the last row is from a
    regular one — the amount a ``residue: first`` schedule moves to the first repaying row (None
    for methods where the last row is irregular by design: interest only, bullet, balloon lump).
    """

    rows: list[ScheduleRow]
    level: Decimal | None
    exact: Decimal | None
    residue: Decimal | None


RowBuilder = Callable[["LoanTerms", "Plan", bool, Decimal, "Decimal | None"], Built]
"""``(terms, plan, posting, first_extra, override) -> Built``: ``first_extra`` is principal added to
the first repaying row (a moved residue); ``override`` fixes the first level installment."""


@dataclass(frozen=True, slots=True)
class VectorKernel:
    """A method's form in :func:`~loanfactory.schedule.vector_schedule` (per-period interest, no dates).

    ``level(ctx, principal_fen, term, multiple_fen)`` gives each loan's level amount in fen — the
    installment when ``principal`` is ``"installment"`` (principal = level - interest), the
    principal per period when ``"level"``, unused when ``"none"`` (principal at maturity).
    """

    level: Callable[[VectorContext, IntArray, int, int], IntArray]
    principal: Literal["installment", "level", "none"]


@dataclass(frozen=True, slots=True)
class Method:
    """One registered repayment method.

    - ``name``, ``zh``, ``en``: the name written in products and stored on loans, and its labels;
      ``summary``/``summary_zh`` say in one line what the engine does (the documents' tables);
    - ``aliases``: other spellings accepted where people type a method (the command line);
    - ``settings``: the :class:`LoanTerms` fields the method reads besides the common ones, and
      ``required`` those it cannot do without; ``section`` is the key of its settings in a
      product's ``repayment:`` section (None when it has none);
    - ``single_payment``: one installment at maturity (one period as long as the term);
      ``repays_each_period``: every row after the principal grace repays principal (false for
      interest only, which repays it all at maturity); ``level``: the installment is set and the
      principal is what is left of it after interest (annuity, flat, step ...); ``interest_on``:
      interest on the balance, or on the original principal (flat);
    - ``rows``: builds the rows (see :data:`RowBuilder`); ``check(terms)`` raises
      :class:`~loanfactory.errors.InvalidInput` for terms the method cannot do;
    - ``remainder(terms, repaid, principal)``: the settings of the rest of a loan re-spread on
      ``principal`` after ``repaid`` installments (a stepped pattern stays in phase and in shape);
    - ``vector``: the vectorised kernel, or None (the Decimal path only);
    - ``words(terms)``: the method's settings in the sentence that states a schedule's convention;
    - ``contract_zh``: the contract's wording when it differs from ``zh`` (按月付息、到期还本).
    """

    name: RepaymentMethod
    zh: str
    en: str
    summary: str
    summary_zh: str
    rows: RowBuilder
    aliases: tuple[str, ...] = ()
    settings: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    section: str | None = None
    single_payment: bool = False
    repays_each_period: bool = True
    level: bool = False
    interest_on: Literal["balance", "original"] = "balance"
    check: Callable[[LoanTerms], None] | None = None
    remainder: Callable[[LoanTerms, int, Decimal], Mapping[str, Any]] | None = None
    vector: VectorKernel | None = None
    words: Callable[[LoanTerms], str] | None = None
    contract_zh: str | None = None

    @property
    def label_zh(self) -> str:
        """The wording of a contract or notice (合同用语): ``contract_zh`` or the Chinese label."""
        return self.contract_zh or self.zh
