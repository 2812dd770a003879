"""The project file (项目文件) ``loanfactory.yaml``: where a project keeps its products and rules.

::

    # loanfactory.yaml, at the root of the project
    kind: project
    products: products            # a folder, or a list of folders
    rules: rules
    scenarios: rules/scenarios    # optional: where `loanfactory test` looks (default: the rules)
    lpr: data/lpr.yaml            # optional: LPR fixings (default: the series shipped with loanfactory)
    compliance: compliance        # optional: a folder of custom regulatory profiles, NAME.yaml
    notices: notices              # optional: notification template overrides (zh.yaml, en.yaml)
    db: sqlite:///loanfactory.db  # optional: the database of serve, eod and db

Paths are relative to the file's folder. :func:`find_project` looks for the file in a folder and
its parents (as git does), so the commands work from anywhere inside the project; without a file,
a folder's own ``products/`` and ``rules/`` are the project. Command-line flags always win over the
file. A bad file is a :class:`~loanfactory.errors.SpecError` with every problem located.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, SpecError, hint_for

FILE_NAME = "loanfactory.yaml"
FOLDER_KEYS = ("products", "rules", "scenarios")  # one folder or a list
PATH_KEYS = {"lpr": False, "compliance": True, "notices": True}  # key -> is a folder
KEYS = ("kind", *FOLDER_KEYS, *PATH_KEYS, "db")


@dataclass(frozen=True, slots=True)
class Project:
    """A project's folders and files, resolved to paths (``file`` is None without a project file)."""

    root: Path
    file: Path | None
    products: tuple[Path, ...]
    rules: tuple[Path, ...]
    scenarios: tuple[Path, ...]
    lpr: Path | None = None
    compliance: Path | None = None
    notices: Path | None = None
    db: str | None = None

    @property
    def catalog_paths(self) -> tuple[Path, ...]:
        """The folders ``validate`` and ``lint`` read: products, rules, and scenarios not under them."""
        inside = (*self.products, *self.rules)
        extra = tuple(s for s in self.scenarios if not any(s.is_relative_to(p) for p in inside))
        return (*inside, *extra)

    @property
    def test_paths(self) -> tuple[Path, ...]:
        """Where ``loanfactory test`` looks for scenario files."""
        return self.scenarios or self.rules

    def profile(self, name: str) -> str:
        """A regulatory profile by name: the project's ``compliance/NAME.yaml`` first, else built in."""
        if self.compliance is not None:
            for suffix in (".yaml", ".yml"):
                candidate = self.compliance / f"{name}{suffix}"
                if candidate.is_file():
                    return str(candidate)
        return name


def find_project(start: Path) -> Project:
    """The project around ``start``: the nearest ``loanfactory.yaml`` in it or a parent folder, else
    ``start`` with its own ``products/`` and ``rules/``. Raises SpecError for a bad project file."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return load_project(candidate)
    return Project(
        root=here,
        file=None,
        products=tuple(p for p in (here / "products",) if p.is_dir()),
        rules=tuple(p for p in (here / "rules",) if p.is_dir()),
        scenarios=(),
    )


def load_project(path: Path) -> Project:
    """Read one project file; every problem (bad key, missing folder) located, as SpecError."""
    document, problems = load_document(path)
    if document is None:
        raise SpecError(diagnostics=tuple(problems))
    project, more = project_from_document(document)
    problems = [*problems, *more]
    if project is None or any(d.severity == "error" for d in problems):
        raise SpecError(diagnostics=tuple(d for d in problems if d.severity == "error"))
    return project


def project_from_document(document: Document) -> tuple[Project | None, list[Diagnostic]]:
    """Validate a parsed project file; paths are checked to exist (the catalog's loader for
    ``kind: project``, so ``validate`` reports a broken project file like any other file)."""
    data = document.data if document.data is not None else {}
    if not isinstance(data, dict):
        return None, [
            _problem(document, (), "not-a-mapping", "a mapping of 'key: value' lines", "'键: 值' 形式的映射")
        ]
    problems = list(_shape(data, document))
    if problems:
        return None, problems
    root = Path(document.file).resolve().parent
    folders = {key: _many(data.get(key, () if key == "scenarios" else key)) for key in FOLDER_KEYS}
    problems = list(_missing(data, folders, root, document))
    if problems:
        return None, problems

    def at(key: str) -> Path | None:
        value = data.get(key)
        return None if value is None else root / str(value)

    return (
        Project(
            root=root,
            file=Path(document.file).resolve(),
            products=tuple(root / p for p in folders["products"]),
            rules=tuple(root / p for p in folders["rules"]),
            scenarios=tuple(root / p for p in folders["scenarios"]),
            lpr=at("lpr"),
            compliance=at("compliance"),
            notices=at("notices"),
            db=data.get("db"),
        ),
        [],
    )


def _many(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _shape(data: dict[Any, Any], document: Document) -> Iterator[Diagnostic]:
    for key, value in data.items():
        if key not in KEYS:
            hint, hint_zh = hint_for(str(key), KEYS)
            yield document.diagnostic(
                (key,),
                "unknown-key",
                f"unknown key '{key}' (keys: {', '.join(KEYS)})",
                message_zh=f"未知的键 '{key}'（可用的键：{', '.join(KEYS)}）",
                hint=hint,
                hint_zh=hint_zh,
                key=True,
            )
        elif key == "kind" and value != "project":
            yield _problem(document, (key,), "wrong-kind", "kind: project", "kind: project")
        elif key in FOLDER_KEYS and not (
            isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        ):
            yield _problem(
                document, (key,), "wrong-type", "a folder or a list of folders", "一个目录或目录列表"
            )
        elif key in (*PATH_KEYS, "db") and not isinstance(value, str):
            yield _problem(
                document, (key,), "wrong-type", "a path or URL written as text", "文字形式的路径或网址"
            )


def _problem(document: Document, at: tuple[Any, ...], code: str, en: str, zh: str) -> Diagnostic:
    return document.diagnostic(at, code, f"expected {en}", message_zh=f"应为{zh}")


def _missing(
    data: dict[Any, Any], folders: dict[str, tuple[str, ...]], root: Path, document: Document
) -> Iterator[Diagnostic]:
    for key, values in folders.items():
        for i, value in enumerate(values):
            if not (root / value).is_dir():
                at: tuple[str | int, ...] = (key, i) if isinstance(data.get(key), list) else (key,)
                yield _not_found(document, at, value, "folder", "目录")
    for key, is_dir in PATH_KEYS.items():
        path = data.get(key)
        if path is not None and not ((root / path).is_dir() if is_dir else (root / path).is_file()):
            yield _not_found(
                document, (key,), str(path), "folder" if is_dir else "file", "目录" if is_dir else "文件"
            )


def _not_found(document: Document, at: tuple[str | int, ...], value: str, en: str, zh: str) -> Diagnostic:
    return document.diagnostic(
        at,
        "not-found",
        f"no {en} '{value}' next to the project file",
        message_zh=f"项目文件所在目录下没有{zh} '{value}'",
        hint="paths in loanfactory.yaml are relative to the file's folder",
        hint_zh="loanfactory.yaml 中的路径相对于该文件所在的目录",
    )


__all__ = ["FILE_NAME", "Project", "find_project", "load_project", "project_from_document"]
