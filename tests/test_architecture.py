"""The house rules of the layered design, checked on the source tree.

- The core never imports an adapter, a web framework, a database driver or Dask.
- The core never reads the wall clock: time comes from an injected Clock or business date.
- Packages re-export a sorted ``__all__``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import loanfactory

SRC = Path(loanfactory.__file__).parent
CORE = [
    p for p in SRC.rglob("*.py") if not {"adapters", "cli", "__main__.py"} & set(p.relative_to(SRC).parts)
]
FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "psycopg",
    "dask",
    "loanfactory.adapters",
    "loanfactory.cli",
)
WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
}


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(SRC)))
def test_core_does_not_import_the_edge(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"{path.name}:{line}: {name}"
        for line, name in _imports(tree)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert not bad, "core module imports the edge: " + ", ".join(bad)


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(SRC)))
def test_core_does_not_read_the_wall_clock(path: Path) -> None:
    if path.parts[-2] == "testing":  # the test kit's clocks are the injected ones
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in WALL_CLOCK
        ):
            bad.append(f"{path.name}:{node.lineno}: {node.func.value.id}.{node.func.attr}()")
    assert not bad, "core reads the wall clock: " + ", ".join(bad)


def _packages() -> list[str]:
    names = ["loanfactory"]
    for info in pkgutil.walk_packages(loanfactory.__path__, "loanfactory."):
        if info.ispkg and ".adapters" not in info.name:
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _packages())
def test_packages_export_a_sorted_all(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{name} exports nothing")
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
