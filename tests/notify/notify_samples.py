"""Sample data for every registered notice kind: the registry's own examples."""

from __future__ import annotations

from typing import Any

from loanfactory.notices import NOTICE_KINDS

SAMPLES: dict[str, dict[str, Any]] = {name: kind.example() for name, kind in NOTICE_KINDS.items()}
