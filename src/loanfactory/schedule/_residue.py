"""The rounding residue moved to the first repaying row (尾差放首期, ``residue: first``).

A posting schedule rounds every installment and every interest, so the last row — which takes the
whole remaining balance — differs from a regular one by a residue. With ``residue: first`` the
first repaying row takes it instead, and the last row is a regular one (within one rounding unit).

Moving principal to the first row is not moving the residue as it stands: principal repaid earlier
lowers every later balance and interest, so the last row falls by the move grown at the interest
rate over the term (``(1+i)^(m-1)`` for an annuity; 1 where interest does not follow the balance —
flat interest, a set principal). The residue is therefore **discounted**: a second pass measures
the growth, and moves around residue / growth are tried, nearest first.

In long loans the interest rounded row by row makes the last row jump by several units from one
move to the next, and no first-row amount may land it within a unit. Then, where interest follows
the balance, the balances are solved **backwards** from a last row equal to its installment: each
earlier opening balance is the one whose row pays its installment; where rounding leaves no such
balance, that row pays one unit more or less. The first row takes all that remains.
"""

from __future__ import annotations

from decimal import Decimal

from loanfactory.money import RoundingMode, RoundingPolicy, quantize
from loanfactory.schedule._periods import Plan
from loanfactory.schedule._result import payoff_index
from loanfactory.schedule._terms import LoanTerms
from loanfactory.schedule.methods import Built, Method

ZERO = Decimal(0)
ONE = Decimal(1)
_TRIALS = 3  # first-row moves tried on each side of the discounted residue


def residue_first(terms: LoanTerms, p: Plan, method: Method, built: Built, override: Decimal | None) -> Built:
    """``built`` (residue in the last row) with the residue in the first repaying row instead."""
    unit = terms.rounding.unit
    r0 = built.residue
    assert r0
    tried: dict[Decimal, Built] = {ZERO: built}

    def gap(move: Decimal) -> tuple[Decimal, Decimal]:
        trial = tried[move]
        first = trial.rows[terms.grace_principal]
        if trial.residue is None or not first.principal + first.interest:  # never a 0.00 first row
            return (abs(r0) + 1, abs(move))
        return (abs(trial.residue), abs(move))

    tried[r0] = method.rows(terms, p, True, r0, override)
    moved = tried[r0].residue
    growth = (r0 - moved) / r0 if moved is not None else ONE
    guess = quantize(r0 / growth, unit, RoundingMode.half_even) if growth >= 1 else r0
    for k in sorted(range(-_TRIALS, _TRIALS + 1), key=abs):
        move = guess + k * unit
        if move not in tried:
            tried[move] = method.rows(terms, p, True, move, override)
            if not gap(move)[0]:
                break
    best = tried[min(tried, key=gap)]
    if gap(min(tried, key=gap))[0] <= unit or method.interest_on != "balance":
        return best
    solved = _solved_backwards(terms, p, built)
    return best if solved is None else solved


def _solved_backwards(terms: LoanTerms, p: Plan, built: Built) -> Built | None:
    """Rows after the first repaying one, solved from the last backwards so that each pays its
    scheduled installment (one unit off where rounding skips it); None when that cannot be done
    with principal repaid in every row."""
    rows = built.rows[: payoff_index(built.rows) + 1]
    grace, last = terms.grace_principal, len(rows) - 1
    assert built.residue is not None
    dues = [row.total for row in rows]
    dues[last] -= built.residue  # the last row's scheduled installment
    policy = terms.rounding
    unit = policy.unit
    after = ZERO  # the balance after row k, going backwards
    balances = [ZERO] * len(rows)
    for k in range(last, grace, -1):
        opening = _opening(after + dues[k], p.num[k], p.den[k], unit, policy)
        if opening < after:
            return None
        balances[k - 1] = opening
        after = opening
    first = rows[grace]
    principal = terms.principal - balances[grace]
    if principal < 0 or not principal + first.interest:
        return None
    out = list(rows[:grace])
    out.append(first._replace(principal=principal, total=principal + first.interest, balance=balances[grace]))
    for k in range(grace + 1, last + 1):
        opening = balances[k - 1]
        interest = policy(opening * p.num[k] / p.den[k])
        part = opening - balances[k]
        out.append(
            rows[k]._replace(principal=part, interest=interest, total=part + interest, balance=balances[k])
        )
    return Built(out, built.level, built.exact, ZERO)


def _opening(target: Decimal, num: Decimal, den: int, unit: Decimal, policy: RoundingPolicy) -> Decimal:
    """The balance ``x`` (a multiple of ``unit``) with ``x + round(x * num / den) == target``, or
    the nearest to it when rounding skips ``target`` (a row one unit off)."""
    start = quantize(target * den / (den + num), unit, RoundingMode.half_even)
    best, best_off = start, None
    for k in (0, -1, 1, -2, 2):
        x = start + k * unit
        off = abs(x + policy(x * num / den) - target)
        if not off:
            return x
        if best_off is None or off < best_off:
            best, best_off = x, off
    return best
