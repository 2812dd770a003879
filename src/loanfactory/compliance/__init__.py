"""Compliance checks (合规): APR caps of regulatory profiles, held as data with their legal basis.

:func:`load_profile` reads a built-in profile (``bank``, ``consumer-finance``,
``consumer-finance-new``, ``micro-loan``, ``private-lending``) or a custom file;
:func:`lint` finds a product's true worst-case APR (:func:`worst_case_apr`, over every pricing
outcome its rules can reach) and checks it against the profile and the product's own limit.
See ``docs/apr-and-caps.md``.
"""

from __future__ import annotations

from loanfactory.compliance._caps import BUILTIN_PROFILES, Cap, CapProfile, load_profile, private_lending_cap
from loanfactory.compliance._lint import (
    LintResult,
    WorstCase,
    candidate_amounts,
    lint,
    lint_product,
    worst_case_apr,
)

__all__ = [
    "BUILTIN_PROFILES",
    "Cap",
    "CapProfile",
    "LintResult",
    "WorstCase",
    "candidate_amounts",
    "lint",
    "lint_product",
    "load_profile",
    "private_lending_cap",
    "worst_case_apr",
]
