"""The project file as the commands' defaults (see :mod:`loanfactory.project` and ``docs/cli.md``).

The ``loanfactory`` group finds the project around the working folder once and turns it into
click's ``default_map``: every command's folders, files and database default to the project's, and
a flag given on the command line (or an environment variable) still wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, overload

import click

from loanfactory.errors import InvalidInput, hint_for
from loanfactory.project import Project


def defaults(project: Project) -> dict[str, Any]:
    """click ``default_map`` entries for every command that reads the project (paths relative to the
    working folder, so messages name files as a person would type them)."""
    catalog = [_text(p) for p in project.catalog_paths]
    out: dict[str, dict[str, Any]] = {}
    if catalog:
        for command in ("validate", "lint", "explain"):
            out[command] = {"paths": catalog}
    if project.test_paths:
        out["test"] = {"paths": [_text(p) for p in project.test_paths]}
    products = _text(project.products[0]) if project.products else None
    rules = _text(project.rules[0]) if project.rules else None
    serve = {
        "products": products,
        "rules": rules,
        "db": project.db,
        "templates": _text(project.notices),
        "lpr": _text(project.lpr),
    }
    out["serve"] = {k: v for k, v in serve.items() if v is not None}
    eod = {"products_dir": products, "url": project.db}
    out["eod"] = {k: v for k, v in eod.items() if v is not None}
    demo = {"products_dir": products, "rules_dir": rules}
    out["demo"] = {k: v for k, v in demo.items() if v is not None}
    if project.db is not None:
        out["db"] = {name: {"url": project.db} for name in ("upgrade", "check", "current", "verify-audit")}
    return {k: v for k, v in out.items() if v}


@overload
def _text(path: Path) -> str: ...
@overload
def _text(path: None) -> None: ...
def _text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows): keep it absolute
        return str(path)


def project_of(ctx: click.Context) -> Project:
    """The project this invocation runs in (found by the ``loanfactory`` group)."""
    obj: Any = ctx.find_root().obj or {}
    project = obj.get("project")
    if isinstance(project, Project):
        return project
    from loanfactory.project import find_project

    return find_project(Path.cwd())


def profile_name(ctx: click.Context, name: str) -> str:
    """A regulatory profile name resolved through the project's ``compliance`` folder."""
    return project_of(ctx).profile(name)


def product_file(project: Project, given: str) -> str:
    """``--product`` as a file: a path as given, or the file of a product code in the project."""
    if Path(given).exists() or given.endswith((".yaml", ".yml")) or not project.products:
        return given
    from loanfactory.catalog import load_catalog

    catalog, _ = load_catalog(project.products)
    found = catalog.product_files.get(given)
    if found is None:
        hint, hint_zh = hint_for(given, catalog.products)
        raise InvalidInput(
            f"no product file or product code '{given}' in {', '.join(map(str, project.products))}"
            + (f"; {hint}" if hint else ""),
            field="product",
            message_zh=f"找不到产品文件或产品编码 '{given}'" + (f"；{hint_zh}" if hint_zh else ""),
        )
    return found


def scenario_folders(ctx: click.Context) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The project's rule and product folders for ``loanfactory test`` — only when the scenario
    paths came from the project too: scenarios named on the command line bring their own."""
    from click.core import ParameterSource

    if ctx.get_parameter_source("paths") is not ParameterSource.DEFAULT_MAP:
        return (), ()
    project = project_of(ctx)
    return project.rules, project.products
