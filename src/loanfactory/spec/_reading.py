"""Which part of loanfactory reads each key of a product (配置的读取方), and the warning for the rest.

A key that nothing reads is worse than a typo: it validates, it looks meaningful in review, and it
changes nothing. So the product language declares, for every key, who reads it (:data:`READERS`,
by path; a path covers the keys under it). ``validate`` warns (``unread-key``) about every key a
product sets that no reader covers, at the line where it is written (in the product, its template
or its fragment).

The declaration is kept honest by tests: every field of :class:`~loanfactory.spec.ProductSpec` is
covered (a new field must name its reader, or be left out on purpose and then warned about), and
every leaf under a declared reader is really used by that reader's code.

Keys that used to exist and were removed are in :data:`RETIRED`: writing one is an error that
says where the setting lives now.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from loanfactory.spec._base import CrossFieldProblem, PathPart

Path = tuple[str, ...]

READERS: Mapping[Path, tuple[str, ...]] = MappingProxyType(
    {
        ("kind",): ("catalog",),
        ("code",): ("catalog", "product", "origination", "servicing"),
        ("extends",): ("spec",),  # resolved by the loader before validation
        ("name",): ("origination", "adapters.http", "cli"),
        ("description",): ("adapters.http",),
        ("version",): ("product", "origination", "servicing"),
        ("status",): ("product", "origination"),
        ("effective",): ("product", "compliance", "origination"),
        ("currency",): ("spec",),  # a guard: CNY is the only currency lent in
        ("channels",): ("origination",),
        ("segments",): ("origination",),
        ("purposes",): ("origination",),
        ("amount",): ("quote", "origination", "compliance"),
        ("term",): ("quote", "origination", "compliance"),
        ("rate",): ("quote", "origination", "compliance", "servicing"),
        ("repayment",): ("quote", "servicing", "compliance"),
        ("fees",): ("quote", "servicing", "compliance"),
        ("penalty",): ("servicing", "compliance"),
        ("prepayment",): ("servicing",),
        ("guarantee",): ("origination",),
        ("overdue", "tiers"): ("servicing",),
        ("overdue", "overdue_rate_alert"): ("reporting",),
        ("disbursement",): ("servicing",),
        ("review",): ("origination",),  # who may do 初审 and 复审 (origination.duties)
        ("rules",): ("product", "origination"),
        ("compliance",): ("compliance", "origination"),
        ("contract",): ("servicing",),
        ("tags",): ("origination", "adapters.http"),
    }
)
"""Who reads each key of a product, by path from the top (list positions left out)."""

RETIRED: Mapping[Path, tuple[str, str]] = MappingProxyType(
    {
        ("rules", "overdue"): (
            "'rules.overdue' was never run: the overdue actions come from 'overdue.tiers'; "
            "remove this line and list the actions per tier there",
            "'rules.overdue' 从未执行：逾期处置动作来自 'overdue.tiers'；请删除此行，在各档位中列出处置动作",
        ),
    }
)
"""Removed keys and where their setting lives now (English, Chinese)."""


def reader_of(path: Path) -> tuple[str, ...] | None:
    """The readers declared for ``path`` or the nearest enclosing path; None when nothing reads it."""
    for end in range(len(path), 0, -1):
        found = READERS.get(path[:end])
        if found is not None:
            return found
    return None


def unread(model: BaseModel) -> Iterator[CrossFieldProblem]:
    """A warning for every key set in ``model`` (a product) that no reader covers."""
    yield from _walk(model, (), ())


def _walk(model: BaseModel, path: tuple[PathPart, ...], keys: Path) -> Iterator[CrossFieldProblem]:
    fields = type(model).model_fields
    for name in sorted(model.model_fields_set, key=list(fields).index):
        info = fields[name]
        key = info.alias or name
        here, named = (*path, key), (*keys, key)
        if reader_of(named) is None and not _encloses_readers(named):
            yield CrossFieldProblem(
                here,
                "unread-key",
                f"nothing in loanfactory reads '{'.'.join(named)}': it has no effect",
                f"loanfactory 不读取 '{'.'.join(named)}'：该配置不起作用",
                hint="remove it, or ask for the feature it stands for",
                hint_zh="请删除该配置，或提出它所代表的功能需求",
                severity="warning",
                key=True,
            )
            continue
        yield from _inside(getattr(model, name), here, named)


def _encloses_readers(path: Path) -> bool:
    return any(key[: len(path)] == path for key in READERS)


def _inside(value: Any, path: tuple[PathPart, ...], keys: Path) -> Iterator[CrossFieldProblem]:
    if isinstance(value, BaseModel):
        yield from _walk(value, path, keys)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            if isinstance(item, BaseModel):
                yield from _walk(item, (*path, i), keys)
