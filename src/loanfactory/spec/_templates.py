"""Templates (产品模板) and fragments (配置片段): products assembled from shared parts.

A **template** is a file with ``kind: template``, an ``id`` and any part of a product; it may
itself ``extends:`` other templates. A product (or template) names its bases in ``extends:`` — a
template id, or a path relative to its own file (``../templates/personal.yaml``), one or a list.

A **fragment** is a file with ``kind: fragment``, an ``id``, the ``section`` it fills (``penalty``,
``fees``, ``rate.table``...) and its ``content``. ``use: <id>`` inside a mapping of that section
pulls the fragment in (keys written next to ``use`` override it); ``- use: <id>`` as an item of a
list section puts the fragment's items there.

Merging follows :mod:`loanfactory.spec._merge`: mappings merge, lists replace, ``null`` removes an
inherited value, and two bases that disagree about a key the product does not set are a located
``override-conflict``. Cycles, unknown ids, fragments used in the wrong section: located errors
at the ``extends``/``use`` entry, naming the other file's position.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, hint_for
from loanfactory.spec import _types
from loanfactory.spec._base import LocalizedText, SpecModel
from loanfactory.spec._fragments import FragmentExpansion, mentions_use
from loanfactory.spec._merge import (
    Layer,
    MergedDocument,
    PathKey,
    combine,
    decides,
    overlay,
)
from loanfactory.spec._product import ProductSpec
from loanfactory.spec._resolution import (
    KIND_ZH,
    Frame,
    Run,
    conflict,
    cycle,
    display_name,
    file_key,
    is_kind,
    is_path_ref,
    position,
    unique,
)
from loanfactory.spec._validate import validate_model

ID_PATTERN = r"^[a-z][a-z0-9_]{1,63}$"
TEMPLATE_META = ("kind", "id", "extends")


class FragmentFile(SpecModel):
    """The header of a fragment file (配置片段): which section it fills, and its content."""

    kind: Literal["fragment"]
    id: Annotated[str, Field(pattern=ID_PATTERN, description="Fragment id used in 'use:' (片段编号)")]
    section: Annotated[str, Field(description="The product section it fills, e.g. penalty, fees, rate.table")]
    description: LocalizedText | None = None
    content: Annotated[
        Any, Field(description="The section's content: a mapping, or a list for list sections")
    ]


class TemplateHeader(SpecModel):
    """The header keys of a template file (产品模板); the other keys are parts of a product."""

    kind: Literal["template"]
    id: Annotated[str, Field(pattern=ID_PATTERN, description="Template id used in 'extends:' (模板编号)")]
    extends: tuple[str, ...] = ()


def section_names() -> tuple[str, ...]:
    """The sections a fragment may fill (``penalty``, ``fees``, ``rate.table``...)."""
    return tuple(_types.section_types(ProductSpec))


class Library(FragmentExpansion):
    """Templates and fragments by id and by file; resolves ``extends`` and ``use`` with memory.

    Build one per catalog load (:func:`loanfactory.catalog.load_catalog` does), ``add`` every
    document, then :meth:`resolve` products. Resolved templates and fragments are remembered, so
    a template shared by 500 products is merged once.
    """

    def __init__(self, documents: Iterable[Document] = (), *, search: Iterable[Path] = ()) -> None:
        self._templates: dict[str, Document] = {}
        self._fragments: dict[str, Document] = {}
        self._files: dict[str, Document] = {}
        self._memo: dict[str, tuple[Layer | None, tuple[Diagnostic, ...]]] = {}
        self._search = [Path(p) for p in search]
        for document in documents:
            self.add(document)

    @property
    def template_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._templates))

    @property
    def fragment_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._fragments))

    def template(self, template_id: str) -> Document | None:
        return self._templates.get(template_id)

    def fragment(self, fragment_id: str) -> Document | None:
        return self._fragments.get(fragment_id)

    def add(self, document: Document) -> list[Diagnostic]:
        """Register a document (any kind, for path references); templates and fragments by id."""
        self._files.setdefault(file_key(document.file), document)
        data = document.data
        if not isinstance(data, dict):
            return []
        kind = data.get("kind")
        if kind not in ("template", "fragment"):
            return []
        registry = self._templates if kind == "template" else self._fragments
        ident = data.get("id")
        if not isinstance(ident, str):
            return []  # reported by check()
        first = registry.get(ident)
        if first is None:
            registry[ident] = document
            return []
        if first is document:
            return []
        return _duplicate_id(str(kind), ident, first, document)

    # ---- resolution -----------------------------------------------------------------------------

    def resolve(self, document: Document) -> tuple[MergedDocument | Document | None, list[Diagnostic]]:
        """The document with its bases merged in and its fragments expanded.

        Returns the document itself when it uses neither, a :class:`MergedDocument` (positions
        of every value kept) when it does, and None when a base or fragment could not be found.
        """
        data = document.data
        if not isinstance(data, dict):
            return document, []
        if "extends" not in data and not mentions_use(data):
            return document, []
        run = Run()
        layer = self._resolve_file(document, run, keep_meta=data.get("kind") != "template")
        diagnostics = unique(run.diagnostics)
        if layer is None or run.failed:
            return None, diagnostics
        return MergedDocument.from_layer(document.file, layer), diagnostics

    def _resolve_file(self, document: Document, run: Run, *, keep_meta: bool) -> Layer | None:
        key = file_key(document.file)
        memo = self._memo.get(key) if not keep_meta else None
        if memo is not None:
            run.diagnostics.extend(memo[1])
            run.failed = run.failed or memo[0] is None
            return memo[0]
        inner = Run(list(run.stack))
        data: dict[str, Any] = document.data
        own_data = {k: v for k, v in data.items() if keep_meta or k not in TEMPLATE_META}
        frame = Frame(key, display_name(document), document)
        inner.stack.append(frame)
        if "use" in own_data:
            inner.error(
                document.diagnostic(
                    ("use",),
                    "bad-use",
                    "'use:' pulls a fragment into a section; build on a whole template with 'extends:'",
                    key=True,
                    message_zh="'use:' 用于在某个配置段中引用片段；继承整个模板请用 'extends:'",
                )
            )
            own_data = {k: v for k, v in own_data.items() if k != "use"}
        own = self._expand_layer(document, own_data, (), (), inner)
        bases: list[Layer] = []
        for edge, ref in _extends_refs(document, inner):
            frame.edge = edge
            base_doc = self._find(ref, document, edge, "template", inner)
            if base_doc is None:
                continue
            if any(f.key == file_key(base_doc.file) for f in inner.stack):
                inner.error(cycle(inner.stack, file_key(base_doc.file), "extends"))
                continue
            base = self._resolve_file(base_doc, inner, keep_meta=False)
            if base is not None:
                bases.append(_without_meta(base))
        result: Layer | None = None
        if own is not None and not inner.failed:
            result = own
            if bases:
                combined, conflicts = combine(bases) if len(bases) > 1 else (bases[0], [])
                result = overlay(combined, own)
                for clash in conflicts:  # reported, but the later base's value lets checking go on
                    if not decides(own.data, clash.path):
                        inner.diagnostics.append(conflict(document, clash, "extends"))
        diagnostics = tuple(inner.diagnostics)
        if inner.failed:
            result = None
        if not keep_meta:
            self._memo[key] = (result, diagnostics)
        run.diagnostics.extend(diagnostics)
        run.failed = run.failed or result is None
        return result

    def _find(self, ref: str, origin: Document, at: PathKey, kind: str, run: Run) -> Document | None:
        """The template or fragment ``ref`` names (an id, or a path relative to ``origin``)."""
        if is_path_ref(ref):
            target = Path(origin.file).parent / ref if not Path(ref).is_absolute() else Path(ref)
            document = self._files.get(file_key(str(target)))
            if document is None:
                document = self._load(target, origin, at, ref, run)
            if document is not None and kind == "fragment" and not is_kind(document, "fragment"):
                run.error(
                    origin.diagnostic(
                        at,
                        "unknown-fragment",
                        f"'{ref}' is not a fragment file (kind: fragment)",
                        message_zh=f"'{ref}' 不是片段文件（kind: fragment）",
                    )
                )
                return None
            if document is not None and kind == "template" and is_kind(document, "fragment"):
                run.error(
                    origin.diagnostic(
                        at,
                        "unknown-template",
                        f"'{ref}' is a fragment; use it with 'use:' inside a section",
                        message_zh=f"'{ref}' 是片段，请在配置段中用 'use:' 引用",
                    )
                )
                return None
            return document
        registry = self._templates if kind == "template" else self._fragments
        document = registry.get(ref)
        if document is None and self._search:
            self._discover()
            document = registry.get(ref)
        if document is None:
            known = sorted(registry)
            hint, hint_zh = hint_for(ref, known)
            if hint is None and known:
                hint, hint_zh = (
                    f"known {kind}s: {', '.join(known)}",
                    f"已有的{KIND_ZH[kind]}：{', '.join(known)}",
                )
            elif not known:
                hint = f"no {kind} files were loaded; pass the folder that holds them"
                hint_zh = f"没有加载任何{KIND_ZH[kind]}文件；请同时传入它们所在的目录"
            run.error(
                origin.diagnostic(
                    at,
                    f"unknown-{kind}",
                    f"no {kind} with id '{ref}'",
                    hint=hint,
                    message_zh=f"找不到编号为 '{ref}' 的{KIND_ZH[kind]}",
                    hint_zh=hint_zh,
                )
            )
        return document

    def _load(self, target: Path, origin: Document, at: PathKey, ref: str, run: Run) -> Document | None:
        if not target.is_file():
            run.error(
                origin.diagnostic(
                    at, "unknown-template", f"no such file: {ref}", message_zh=f"文件不存在：{ref}"
                )
            )
            return None
        document, problems = load_document(
            target, file=os.path.relpath(target) if not target.is_absolute() else str(target)
        )
        if document is None:
            run.diagnostics.extend(problems)
            run.error(
                origin.diagnostic(
                    at,
                    "unknown-template",
                    f"'{ref}' could not be read (see its errors)",
                    message_zh=f"无法读取 '{ref}'（见该文件的错误）",
                )
            )
            return None
        self.add(document)
        return document

    def _discover(self) -> None:
        """Register the templates and fragments under the search folders (once)."""
        roots, self._search = self._search, []
        for root in roots:
            for path in sorted(root.rglob("*.y*ml")):
                if any(part.startswith(".") for part in path.relative_to(root).parts):
                    continue
                if file_key(str(path)) in self._files or not _declares_shared_kind(path):
                    continue
                document, _ = load_document(path)
                if document is not None:
                    self.add(document)

    # ---- checks of templates and fragments on their own -------------------------------------------

    def check(self, document: Document) -> list[Diagnostic]:
        """Problems of a template or fragment file itself (unknown keys, wrong types...).

        Required keys are not demanded: a template may leave them for the product to fill.
        """
        data = document.data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "fragment":
            return self._check_fragment(document)
        if kind != "template":
            return []
        header = {k: data[k] for k in TEMPLATE_META if k in data}
        if isinstance(header.get("extends"), str):
            header["extends"] = [header["extends"]]
        _, problems = validate_model(TemplateHeader, header, document)
        resolved, more = self.resolve(document)
        problems.extend(more)
        if resolved is not None:
            body = {k: v for k, v in resolved.data.items() if k not in TEMPLATE_META}
            _, errors = validate_model(ProductSpec, body, resolved, partial=True)
            problems.extend(errors)
        return unique(problems)

    def _check_fragment(self, document: Document) -> list[Diagnostic]:
        data: dict[str, Any] = document.data
        header = {k: (None if k == "content" else v) for k, v in data.items()}
        _, problems = validate_model(FragmentFile, header, document)
        section = data.get("section")
        sections = _types.section_types(ProductSpec)
        if isinstance(section, str) and section not in sections:
            hint, hint_zh = hint_for(section, sections)
            problems.append(
                document.diagnostic(
                    ("section",),
                    "unknown-value",
                    f"'{section}' is not a product section a fragment can fill",
                    hint=hint or f"sections: {', '.join(sections)}",
                    message_zh=f"'{section}' 不是可以用片段填写的配置段",
                    hint_zh=hint_zh or f"可用的配置段：{', '.join(sections)}",
                )
            )
            return problems
        if problems or "content" not in data or not isinstance(section, str):
            return problems
        run = Run([Frame("fragment:" + file_key(document.file), f"fragment '{data.get('id')}'", document)])
        layer = self._expand_layer(document, data["content"], ("content",), tuple(section.split(".")), run)
        problems.extend(run.diagnostics)
        if layer is None or run.failed:
            return unique(problems)
        merged = MergedDocument.from_layer(document.file, layer)
        target = sections[section]
        item = _types.item_type(target)
        if item is not None and isinstance(layer.data, dict):
            target = item
        _, errors = validate_model(target, layer.data, merged, partial=True)
        problems.extend(errors)
        return unique(problems)


def _declares_shared_kind(path: Path) -> bool:
    """Cheap pre-check before parsing: does the file say ``kind: template`` or ``kind: fragment``?"""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return b"kind: template" in head or b"kind: fragment" in head


def _without_meta(layer: Layer) -> Layer:
    if not isinstance(layer.data, dict) or not any(k in layer.data for k in TEMPLATE_META):
        return layer
    data = {k: v for k, v in layer.data.items() if k not in TEMPLATE_META}
    return Layer(data, {(): (layer, ())})


def _extends_refs(document: Document, run: Run) -> Iterator[tuple[PathKey, str]]:
    value = document.data.get("extends")
    if value is None:
        return
    if isinstance(value, str):
        yield ("extends",), value
        return
    if not isinstance(value, list):
        run.error(
            document.diagnostic(
                ("extends",),
                "wrong-type",
                "'extends' takes a template id or a list of them",
                message_zh="'extends' 应为模板编号或编号列表",
            )
        )
        return
    for i, ref in enumerate(value):
        if isinstance(ref, str) and ref.strip():
            yield ("extends", i), ref.strip()
        else:
            run.error(
                document.diagnostic(
                    ("extends", i),
                    "wrong-type",
                    "a template id or file path is expected here",
                    message_zh="此处应为模板编号或文件路径",
                )
            )


def _duplicate_id(kind: str, ident: str, first: Document, second: Document) -> list[Diagnostic]:
    zh = KIND_ZH.get(kind, kind)
    return [
        second.diagnostic(
            ("id",),
            "duplicate-id",
            f"{kind} id '{ident}' is also used at {position(first, ('id',))}",
            message_zh=f"{zh}编号 '{ident}' 已在 {position(first, ('id',))} 使用",
        ),
        first.diagnostic(
            ("id",),
            "duplicate-id",
            f"{kind} id '{ident}' is also used at {position(second, ('id',))}",
            message_zh=f"{zh}编号 '{ident}' 也在 {position(second, ('id',))} 使用",
        ),
    ]
