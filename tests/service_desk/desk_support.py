"""Shared values of the service-desk tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from loanfactory.entity import CST

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = datetime(2025, 8, 1, 9, 30, tzinfo=CST)
