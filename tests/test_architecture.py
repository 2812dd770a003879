"""The house rules of the layered design, checked on the source tree.

- Imports point downwards only, by the layer table below (the same table is in docs/architecture.md).
- The core never imports an adapter, a web framework, a database driver or Dask.
- The core never reads the wall clock: time comes from an injected Clock or business date.
- Packages re-export a sorted ``__all__``.
- No package imports another package's private module: it imports the package's exports.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import NamedTuple

import pytest

import loanfactory

SRC = Path(loanfactory.__file__).parent
ARCHITECTURE_DOC = Path(__file__).parents[1] / "docs" / "architecture.md"


class Layer(NamedTuple):
    """One row of the layer table: its units (top-level modules or packages of ``loanfactory``).

    A unit may import its own modules, any unit of a lower layer, and in its own layer only the
    units named before it; in an ``independent`` layer, no other unit of the layer at all.
    """

    name: str
    units: tuple[str, ...]
    independent: bool = False


LAYERS: tuple[Layer, ...] = (
    Layer(
        "vocabulary",
        (
            "error_codes",
            "errors",
            "conventions",
            "entity",
            "pii",
            "money",
            "calendar",
            "document",
            "actor",
            "lpr",
            "facts",
            "ports",
            "audit",
            "command",
            "project",
            "overdue_actions",
            "payout",
        ),
    ),
    Layer("foundations", ("schedule", "spec", "rules")),
    Layer(
        "products",
        (
            "pricing",
            "notices",
            "terms",
            "quote",
            "_rulerefs",
            "_pricingrefs",
            "catalog",
            "product",
            "rate_card",
            "compliance",
        ),
    ),
    Layer("lifecycle", ("origination", "servicing"), independent=True),
    Layer("books", ("accounting", "archive", "reporting", "regulatory", "service_desk")),
    Layer("lender", ("credit_lines", "collateral_register", "lender", "loanfactory")),
    Layer("testing", ("testing",)),
    Layer("edge", ("adapters", "cli", "__main__")),
)
"""Lowest first. ``loanfactory`` is the package root (its lazy re-exports), ``__main__`` ``python -m``."""


def _unit_of(module: str, package: str, units: set[str]) -> str | None:
    """The unit a dotted module name belongs to, or None for a name outside the package."""
    parts = module.split(".")
    if parts[0] != package:
        return None
    return parts[1] if len(parts) > 1 and parts[1] in units else package


def _imported(path: Path, root: Path, package: str, units: set[str]) -> list[tuple[int, str]]:
    """Every unit a module imports, at module level or inside functions, with the line."""
    here = [package, *path.relative_to(root).with_suffix("").parts][:-1]  # the module's package
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            # ``from pkg import sub`` imports the unit ``sub`` when it is one, else the root's names
            names = [f"{module}.{alias.name}" for alias in node.names] if module == package else [module]
        for name in names:
            unit = _unit_of(name, package, units)
            if unit is not None:
                found.append((node.lineno, unit))
    return found


def layer_violations(root: Path, package: str, layers: tuple[Layer, ...]) -> list[str]:
    """Each import in the package ``root`` that breaks the layer table, and each unplaced unit."""
    rank: dict[str, tuple[int, int]] = {}
    for level, layer in enumerate(layers):
        for position, unit in enumerate(layer.units):
            rank[unit] = (level, position)
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if "migrations" in relative.parts:
            continue
        first = relative.parts[0].removesuffix(".py")
        unit = package if first == "__init__" else first
        if unit not in rank:
            problems.append(f"{relative}: unit {unit!r} is in no layer of the table")
            continue
        level, position = rank[unit]
        for line, target in _imported(path, root, package, set(rank)):
            if target == unit:
                continue
            target_level, target_position = rank[target]
            sideways = target_level == level and (layers[level].independent or target_position > position)
            if target_level > level or sideways:
                problems.append(
                    f"{relative}:{line}: {unit} ({layers[level].name}) imports {target} "
                    f"({layers[target_level].name})"
                )
    return problems


def layer_table_markdown(layers: tuple[Layer, ...]) -> list[str]:
    """The table as docs/architecture.md shows it, top layer first."""
    rows = ["| layer (top first) | units, in order | imports inside the layer |", "|---|---|---|"]
    for layer in reversed(layers):
        units = ", ".join(f"`{u}`" for u in layer.units)
        rows.append(
            f"| {layer.name} | {units} | {'none' if layer.independent else 'from units named before'} |"
        )
    return rows


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


def test_imports_point_down_the_layer_table() -> None:
    assert layer_violations(SRC, "loanfactory", LAYERS) == []


def test_every_unit_of_the_table_exists() -> None:
    present = {p.name.removesuffix(".py") for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()}
    missing = [u for layer in LAYERS for u in layer.units if u != "loanfactory" and u not in present]
    assert missing == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"__init__.py": "", **files}.items():
        (root / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "pkg" / name).write_text(text, encoding="utf-8")
    return root / "pkg"


SYNTHETIC = (
    Layer("low", ("base", "words")),
    Layer("middle", ("left", "right"), independent=True),
    Layer("top", ("app", "pkg")),
)


def test_the_checker_accepts_downward_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "base.py": "",
            "words.py": "from pkg import base\n",
            "left/__init__.py": "from . import _impl\n",
            "left/_impl.py": "from pkg.words import x\nfrom .. import base\n",
            "right.py": "import pkg.base\n",
            "app.py": "from pkg.left import thing\nfrom pkg import right\n",
        },
    )
    assert layer_violations(root, "pkg", SYNTHETIC) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a deliberately added upward import, hidden in a function
        ({"base.py": "def f():\n    from pkg.app import run\n"}, "base.py:2: base (low) imports app (top)"),
        # upward through a relative import in a subpackage
        ({"left/_impl.py": "from ..app import run\n"}, "left/_impl.py:1: left (middle) imports app (top)"),
        # sideways in an independent layer
        ({"right.py": "from pkg.left import thing\n"}, "right.py:1: right (middle) imports left (middle)"),
        # sideways to a later unit of an ordered layer
        ({"base.py": "import pkg.words\n"}, "base.py:1: base (low) imports words (low)"),
        # a type-only import counts: it is a dependency all the same
        (
            {"words.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import right\n"},
            "words.py:3: words (low) imports right (middle)",
        ),
        # a unit nobody placed
        ({"stray.py": ""}, "stray.py: unit 'stray' is in no layer"),
    ],
)
def test_the_checker_fails_on_an_upward_import(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = _tree(tmp_path, {"base.py": "", "words.py": "", "right.py": "", "app.py": "", **files})
    problems = layer_violations(root, "pkg", SYNTHETIC)
    assert any(p.startswith(expected) for p in problems), problems


def test_the_architecture_page_shows_the_same_table() -> None:
    lines = ARCHITECTURE_DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| layer ("))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    assert lines[start:end] == layer_table_markdown(LAYERS)


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


# --- packages meet through each other's exports, never through private modules -----------------


def _owner(parts: list[str]) -> list[str]:
    """The package a dotted module belongs to for privacy: its unit, or an adapter of its own."""
    return parts[:3] if len(parts) > 2 and parts[1] == "adapters" else parts[:2]


def private_imports(root: Path, package: str) -> list[str]:
    """Each import of another package's private module (``pkg.unit._impl``), with file and line.

    A package is a unit of ``root`` (each adapter is one of its own); its private modules, at any depth,
    are its business. A private unit (``pkg._top``) is a unit like any other; private names are not modules.
    """
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        unit = relative.parts[0].removesuffix(".py")
        here = [package, *relative.with_suffix("").parts]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                modules = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            for module in modules:
                parts = module.split(".")
                owner = _owner(parts)
                private = next((i for i, part in enumerate(parts) if part.startswith("_")), None)
                if (
                    parts[0] == package
                    and private is not None
                    and private >= len(owner)
                    and _owner(here) != owner
                    and _is_module(root, parts[1 : private + 1])
                ):
                    problems.append(f"{relative}:{node.lineno}: {unit} imports {module}")
                    break
    return problems


def _is_module(root: Path, parts: list[str]) -> bool:
    path = root.joinpath(*parts)
    return path.is_dir() or path.with_suffix(".py").is_file()


PRIVATE_IMPORTS_ALLOWED: dict[str, str] = {}
"""Imports of another package's private module that are allowed, with the reason (none today)."""


def test_no_package_imports_another_packages_private_module() -> None:
    problems = [
        p
        for p in private_imports(SRC, "loanfactory")
        if not p.endswith(f"imports {PRIVATE_IMPORTS_ALLOWED.get(p.split(':', 1)[0])}")
    ]
    assert problems == []


def test_the_private_import_checker_accepts_exports_and_own_modules(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "left/__init__.py": "from pkg.left._impl import thing\n",
            "left/_impl.py": "from ._other import x\nfrom pkg.left._other import y\n",
            "left/_other.py": "",
            "left/sub/_deep.py": "from pkg.left._other import y\n",
            "_top.py": "",
            "app.py": "from pkg.left import thing\nimport pkg.left\nfrom pkg._top import t\n",
            "right.py": "from pkg.app import _helper\n",  # a private name, not a module
        },
    )
    assert private_imports(root, "pkg") == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"app.py": "from pkg.left._impl import thing\n"}, "app.py:1: app imports pkg.left._impl"),
        # hidden in a function, as the command line does for slow imports
        ({"app.py": "def f():\n    import pkg.left._impl\n"}, "app.py:2: app imports pkg.left._impl"),
        # relative, from another package
        ({"right/_x.py": "from ..left._impl import thing\n"}, "right/_x.py:1: right imports pkg.left._impl"),
        # one adapter reaching into another
        (
            {"adapters/web/_x.py": "from pkg.adapters.db._y import z\n", "adapters/db/_y.py": ""},
            "adapters/web/_x.py:1: adapters imports pkg.adapters.db._y",
        ),
        # the private module named in the import list
        (
            {"right/__init__.py": "from pkg.left import _impl\n"},
            "right/__init__.py:1: right imports pkg.left._impl",
        ),
    ],
)
def test_the_private_import_checker_fails_on_a_private_import(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    root = _tree(tmp_path, {"left/__init__.py": "", "left/_impl.py": "", **files})
    problems = private_imports(root, "pkg")
    assert any(p.startswith(expected) for p in problems), problems


# --- test-only code stays out of the runtime -----------------------------------------------------

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"
STRATEGIES = {"testing/strategies.py", "testing/servicing_strategies.py"}


def test_hypothesis_is_an_extra_not_a_runtime_dependency() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith("hypothesis")]
    assert [d for d in project["optional-dependencies"]["testing"] if d.startswith("hypothesis")]
    assert [d for d in project["optional-dependencies"]["dev"] if d.startswith("hypothesis==")]


def test_only_the_strategies_import_hypothesis() -> None:
    importing = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if any(name.split(".")[0] == "hypothesis" for _, name in _imports(ast.parse(path.read_text("utf-8"))))
    )
    assert set(importing) <= STRATEGIES, importing


def test_the_library_and_its_test_kit_load_without_hypothesis() -> None:
    blocked = "import sys; sys.modules['hypothesis'] = None; "
    kit = subprocess.run(
        [
            sys.executable,
            "-c",
            blocked + "import loanfactory.testing, loanfactory.servicing, loanfactory.lender",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert kit.returncode == 0, kit.stderr
    strategies = subprocess.run(
        [sys.executable, "-c", blocked + "import loanfactory.testing.strategies"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert strategies.returncode == 1
    assert "needs hypothesis: pip install 'loanfactory[testing]'" in strategies.stderr
