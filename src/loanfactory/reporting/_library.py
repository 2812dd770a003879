"""The shipped report definitions (``reporting/definitions/*.yaml``) and a bank's own.

:func:`report_library` loads the packaged definitions, then every ``*.yaml`` of the given folders;
a bank's file with the name of a shipped report replaces it. Every problem of every file is
collected; any error raises :class:`~loanfactory.errors.SpecError` listing them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from loanfactory.errors import Diagnostic, NotFound, SpecError, hint_for
from loanfactory.reporting._definition import ReportDefinition
from loanfactory.reporting._reader import read_definition

PACKAGED = Path(__file__).resolve().parent / "definitions"


def report_library(folders: Iterable[Path | str] = ()) -> dict[str, ReportDefinition]:
    """Every report by name: the shipped ones, replaced or joined by those in ``folders``."""
    found: dict[str, ReportDefinition] = {}
    problems: list[Diagnostic] = []
    for folder in (PACKAGED, *(Path(f) for f in folders)):
        paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else [folder]
        if not folder.exists():
            problems.append(
                Diagnostic(
                    "not-found",
                    f"no such file or folder: {folder}",
                    file=str(folder),
                    message_zh=f"找不到文件或目录：{folder}",
                )
            )
            continue
        for path in paths:
            definition, found_problems = read_definition(path)
            problems += found_problems
            if definition is not None:
                found[definition.name] = definition
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SpecError(diagnostics=tuple(errors))
    return dict(sorted(found.items()))


def pick(library: Mapping[str, ReportDefinition], name: str) -> ReportDefinition:
    """The report called ``name``, or NotFound with a did-you-mean."""
    found = library.get(name)
    if found is None:
        hint, hint_zh = hint_for(name, library)
        raise NotFound(
            f"no report '{name}' (reports: {', '.join(library)})" + (f"; {hint}" if hint else ""),
            field="name",
            message_zh=f"没有报表 '{name}'（可选：{'、'.join(library)}）"
            + (f"；{hint_zh}" if hint_zh else ""),
        )
    return found
