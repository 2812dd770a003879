"""The Python examples of docs/http-api.md and docs/notifications.md run as written."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from loanfactory.adapters.http._service_backend import ServiceBackend
from loanfactory.catalog import load_catalog
from loanfactory.testing import FixedClock

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.S | re.M)


def _blocks(name: str) -> list[str]:
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [textwrap.dedent(body) for _, body in BLOCK.findall(text)]


def test_http_api_examples_run() -> None:
    catalog, _ = load_catalog([ROOT / "products"])
    namespace: dict[str, Any] = {
        "backend": ServiceBackend(catalog.products, clock=FixedClock(date(2025, 8, 1)))
    }
    blocks = _blocks("http-api.md")
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "docs/http-api.md", "exec"), namespace)


@pytest.mark.parametrize("index", range(len(_blocks("notifications.md"))))
def test_notification_examples_run(index: int) -> None:
    exec(compile(_blocks("notifications.md")[index], "docs/notifications.md", "exec"), {})


def test_the_roles_table_in_the_docs_matches_the_server() -> None:
    from loanfactory.adapters.http import ROLE_TABLE

    text = (ROOT / "docs" / "http-api.md").read_text(encoding="utf-8")
    for operation in ROLE_TABLE:
        assert f"`{operation}`" in text, operation
