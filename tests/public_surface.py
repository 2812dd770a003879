"""What each package of loanfactory exports, and the names two packages export for different objects.

A helper of ``tests/test_public_surface.py``; run it to print the pins that test expects and the
collisions it refuses::

    python tests/public_surface.py            # the collisions, one a line
    python tests/public_surface.py --pins     # EXPORTS as the test writes it out
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections import defaultdict
from types import ModuleType

import loanfactory

SHARED_BY_CONVENTION = frozenset({"ENTITIES"})
"""Names every package that has one uses for the same thing: ``ENTITIES`` is the entity kinds it stores."""


def packages() -> list[str]:
    """Every package of loanfactory (``__init__`` modules), the root first."""
    names = ["loanfactory"]
    names += [
        info.name
        for info in pkgutil.walk_packages(loanfactory.__path__, "loanfactory.")
        if info.ispkg and "migrations" not in info.name
    ]
    return names


def top_level_modules() -> list[str]:
    """The public top-level modules (the vocabulary: ``money``, ``errors``, ``catalog`` …)."""
    return [
        info.name
        for info in pkgutil.iter_modules(loanfactory.__path__, "loanfactory.")
        if not info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_")
    ]


def exported(module: ModuleType) -> list[str]:
    """``__all__``, or for a module without one the public names it defines itself."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType)
        and getattr(value, "__module__", None) == module.__name__
    )


def collisions(modules: list[str]) -> dict[str, list[str]]:
    """Each name exported by two modules for different objects, with the modules that export it."""
    seen: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name in modules:
        module = importlib.import_module(name)
        for export in exported(module):
            if export not in SHARED_BY_CONVENTION:
                seen[export][id(getattr(module, export))].append(name)
    return {
        export: sorted(m for ms in objects.values() for m in ms)
        for export, objects in sorted(seen.items())
        if len(objects) > 1
    }


def pins() -> dict[str, list[str]]:
    """Each package's ``__all__`` (packages without one export nothing)."""
    out: dict[str, list[str]] = {}
    for name in packages():
        names = getattr(importlib.import_module(name), "__all__", None)
        if names is not None:
            out[name] = sorted(names)
    return out


if __name__ == "__main__":  # pragma: no cover - a tool for writing the pins
    if "--pins" in sys.argv:
        print("EXPORTS: dict[str, list[str]] = {")
        for package, names in pins().items():
            print(f"    {package!r}: [")
            print("\n".join(f"        {n!r}," for n in names))
            print("    ],")
        print("}")
    else:
        for name, where in collisions(packages() + top_level_modules()).items():
            print(name, " ".join(where))
