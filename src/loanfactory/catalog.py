"""The catalog (产品目录): every product, template, fragment, rule library and scenario file found
under some paths, loaded together, with every problem of every file as a located diagnostic.

Files are YAML (``*.yaml``/``*.yml``, folders searched recursively, hidden folders skipped); each
is dispatched by its top-level ``kind`` (default ``product``). Products, templates and fragments
are loaded here; other kinds (``rules``, ``scenarios``) by handlers — the rules engine's by
default. Products may reference rule sets by id; when rule libraries are loaded, every reference
is checked. Duplicate product codes and template ids are errors pointing at both files, and a
folder without any product is an error. Nothing raises: ``load_catalog`` returns what loaded and
the list of diagnostics.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from loanfactory._pricingrefs import check_pricing
from loanfactory._rulerefs import check_rule_references, merge_libraries
from loanfactory.document import Document, load_document
from loanfactory.errors import Diagnostic, NotFound, hint_for
from loanfactory.project import project_from_document
from loanfactory.rules import RuleLibrary, load_rule_document, load_scenario_document
from loanfactory.spec import Library, ProductSpec, check_product

KindHandler = Callable[[Document], tuple[Any | None, list[Diagnostic]]]
"""Loads one document of a kind: ``(value or None, diagnostics)``."""

BUILTIN_KINDS = ("product", "template", "fragment")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LoadedCatalog:
    """What loaded: products by code, templates and fragments by id, and other kinds' values.

    ``rule_libraries`` holds one library per rule file and ``rules`` all of them merged (None
    when no rule file was given); ``scenarios`` the scenario files; ``others`` the values of any
    further kinds given to :func:`load_catalog` as handlers.
    """

    products: Mapping[str, ProductSpec] = field(default_factory=lambda: MappingProxyType({}))
    product_files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    fragments: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rule_libraries: tuple[Any, ...] = ()
    rules: RuleLibrary | None = None
    scenarios: tuple[Any, ...] = ()
    others: Mapping[str, tuple[Any, ...]] = field(default_factory=lambda: MappingProxyType({}))
    files: tuple[str, ...] = ()
    product_documents: int = 0
    library: Library = field(default_factory=Library)

    def product(self, code: str) -> ProductSpec:
        """The product with ``code``; :class:`NotFound` (with a did-you-mean) when there is none."""
        spec = self.products.get(code)
        if spec is None:
            hint, hint_zh = hint_for(code, self.products)
            raise NotFound(
                f"no product '{code}'" + (f"; {hint}" if hint else ""),
                field="code",
                message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
            )
        return spec


def default_handlers() -> dict[str, KindHandler]:
    """The rules engine's loaders for ``kind: rules`` and ``kind: scenarios`` files, and the project
    file's (``kind: project``, :mod:`loanfactory.project`)."""
    return {
        "rules": load_rule_document,
        "scenarios": load_scenario_document,
        "project": project_from_document,
    }


def find_files(
    paths: Iterable[Path | str], *, walked: dict[Path, list[Path]] | None = None
) -> tuple[list[Path], list[Diagnostic]]:
    """YAML files under ``paths`` (files as given; folders recursively, hidden ones skipped).

    ``walked``, when given, receives the files found under each folder argument.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = _walk(path)
            if walked is not None:
                walked[path] = files
            if not files:
                problems.append(_no_products(path, "contains no YAML files", "不包含任何 YAML 文件"))
        elif path.exists():
            files = [path]
        else:
            problems.append(
                Diagnostic(
                    "not-found", "no such file or directory", file=str(path), message_zh="文件或目录不存在"
                )
            )
            files = []
        for file in files:
            key = os.path.normcase(os.path.abspath(file))
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found, problems


def _walk(root: Path) -> list[Path]:
    out: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(
            Path(folder) / n for n in sorted(names) if n.endswith(YAML_SUFFIXES) and not n.startswith(".")
        )
    return out


def load_catalog(
    paths: Sequence[Path | str], *, handlers: Mapping[str, KindHandler] | None = None
) -> tuple[LoadedCatalog, list[Diagnostic]]:
    """Load every file under ``paths``; return the catalog and every diagnostic (sorted)."""
    with _collector_paused():
        return _load(paths, dict(default_handlers() if handlers is None else handlers))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a catalog loads, and restore it after.

    Loading builds many small containers (data, positions) that all live until the catalog is
    returned and form no reference cycles; the collector would scan them again and again, which
    measured as about 30 % of ``validate``'s time. Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(
    paths: Sequence[Path | str], kinds: dict[str, KindHandler]
) -> tuple[LoadedCatalog, list[Diagnostic]]:
    walked: dict[Path, list[Path]] = {}
    files, diagnostics = find_files(paths, walked=walked)
    documents: list[tuple[Document, str]] = []
    for path in files:
        document, problems = load_document(path)
        diagnostics.extend(problems)
        if document is None:
            continue
        kind = _kind_of(document, kinds, diagnostics)
        if kind is not None:
            documents.append((document, kind))
    # a product file given on its own finds its templates and fragments next to it (and below)
    library = Library(search=sorted({Path(p).parent for p in paths if Path(p).is_file()}))
    for document, _ in documents:
        diagnostics.extend(library.add(document))
    builder = _Builder(library, kinds)
    for document, kind in documents:
        diagnostics.extend(builder.load(document, kind))
    diagnostics.extend(builder.cross_checks())
    diagnostics.extend(_empty_folders(walked, documents))
    catalog = builder.catalog(tuple(str(f) for f in files))
    return catalog, sorted(_unique(diagnostics), key=Diagnostic.sort_key)


def _kind_of(
    document: Document, kinds: Mapping[str, KindHandler], diagnostics: list[Diagnostic]
) -> str | None:
    data = document.data
    if not isinstance(data, dict):
        diagnostics.append(
            document.diagnostic(
                (),
                "not-a-mapping",
                "the file's top level must be a mapping of 'key: value' lines",
                message_zh="文件顶层应是 '键: 值' 形式的映射",
                hint="a product file starts with 'code: my_product'",
                hint_zh="产品文件以 'code: 产品编码' 开头",
            ).located(document.file, 1, 1)
        )
        return None
    kind = data.get("kind", "product")
    known = (*BUILTIN_KINDS, *sorted(kinds))
    if isinstance(kind, str) and kind in known:
        return kind
    hint, hint_zh = hint_for(str(kind), known)
    diagnostics.append(
        document.diagnostic(
            ("kind",),
            "unknown-kind",
            f"unknown kind '{kind}'; known kinds: {', '.join(known)}",
            hint=hint,
            message_zh=f"未知的文件类型 '{kind}'；可用的类型：{', '.join(known)}",
            hint_zh=hint_zh,
        )
    )
    return None


class _Builder:
    """Collects what loads, file by file, then runs the checks across files."""

    def __init__(self, library: Library, kinds: Mapping[str, KindHandler]) -> None:
        self.library = library
        self.kinds = kinds
        self.products: dict[str, ProductSpec] = {}
        self.product_files: dict[str, str] = {}
        self.code_documents: dict[str, Document] = {}
        self.product_locators: dict[str, Document] = {}
        self.product_documents = 0
        self.others: dict[str, list[Any]] = {}
        self.rules: RuleLibrary | None = None

    def load(self, document: Document, kind: str) -> list[Diagnostic]:
        if kind in ("template", "fragment"):
            return self.library.check(document)
        if kind == "product":
            return self._product(document)
        return self._other(document, kind)

    def _product(self, document: Document) -> list[Diagnostic]:
        self.product_documents += 1
        spec, diagnostics, located = check_product(document, self.library)
        code = spec.code if spec is not None else document.data.get("code")
        if not isinstance(code, str):
            return diagnostics
        first = self.code_documents.get(code)
        if first is not None:
            diagnostics.extend(_duplicate_code(code, first, document))
            return diagnostics
        self.code_documents[code] = document
        if spec is not None:
            self.products[code] = spec
            self.product_files[code] = document.file
            self.product_locators[code] = located or document
        return diagnostics

    def _other(self, document: Document, kind: str) -> list[Diagnostic]:
        handler = self.kinds[kind]
        try:
            value, diagnostics = handler(document)
        except Exception as exc:  # a handler's bug must not stop the other files from loading
            return [
                document.diagnostic(
                    (),
                    "internal-error",
                    f"the '{kind}' loader failed on this file ({type(exc).__name__}: {exc}); "
                    "this is a bug in loanfactory, please report it",
                    message_zh=f"'{kind}' 加载器处理此文件时出错（{type(exc).__name__}: {exc}）；"
                    "这是 loanfactory 的缺陷，请报告",
                )
            ]
        if value is not None:
            self.others.setdefault(kind, []).append(value)
        return list(diagnostics)

    def cross_checks(self) -> list[Diagnostic]:
        libraries = [lib for lib in self.others.get("rules", []) if isinstance(lib, RuleLibrary)]
        self.rules, clashes = merge_libraries(libraries)
        return [
            *clashes,
            *check_rule_references(self.products, self.product_locators, self.rules),
            *check_pricing(self.products, self.product_locators, self.rules),
        ]

    def catalog(self, files: tuple[str, ...]) -> LoadedCatalog:
        templates = {
            i: d.file for i in self.library.template_ids if (d := self.library.template(i)) is not None
        }
        fragments = {
            i: d.file for i in self.library.fragment_ids if (d := self.library.fragment(i)) is not None
        }
        others = {k: tuple(v) for k, v in self.others.items() if k not in ("rules", "scenarios")}
        return LoadedCatalog(
            products=MappingProxyType(dict(self.products)),
            product_files=MappingProxyType(dict(self.product_files)),
            templates=MappingProxyType(templates),
            fragments=MappingProxyType(fragments),
            rule_libraries=tuple(self.others.get("rules", ())),
            rules=self.rules,
            scenarios=tuple(self.others.get("scenarios", ())),
            others=MappingProxyType(others),
            files=files,
            product_documents=self.product_documents,
            library=self.library,
        )


def _duplicate_code(code: str, first: Document, second: Document) -> list[Diagnostic]:
    def where(document: Document) -> str:
        mark = document.mark(("code",))
        return f"{document.file}:{mark.line}:{mark.column}" if mark else document.file

    return [
        second.diagnostic(
            ("code",),
            "duplicate-code",
            f"product code '{code}' is also used at {where(first)}",
            message_zh=f"产品编码 '{code}' 已在 {where(first)} 使用",
            hint="each product needs its own code",
            hint_zh="每个产品的编码必须唯一",
        ),
        first.diagnostic(
            ("code",),
            "duplicate-code",
            f"product code '{code}' is also used at {where(second)}",
            message_zh=f"产品编码 '{code}' 也在 {where(second)} 使用",
            hint="each product needs its own code",
            hint_zh="每个产品的编码必须唯一",
        ),
    ]


def _empty_folders(
    walked: Mapping[Path, list[Path]], documents: list[tuple[Document, str]]
) -> list[Diagnostic]:
    """Folder arguments with nothing to check: no YAML at all, or — when the whole run has no
    product, rule or scenario file — only templates and fragments (parts of products)."""
    checkable = {os.path.abspath(d.file) for d, kind in documents if kind not in ("template", "fragment")}
    if checkable:
        return []
    return [
        _no_products(folder, "contains no product files", "不包含任何产品文件")
        for folder, files in walked.items()
        if files
    ]


def _no_products(path: Path, why: str, why_zh: str) -> Diagnostic:
    return Diagnostic(
        "no-products",
        f"the folder {why}",
        file=str(path),
        hint="product files end in .yaml or .yml; 'kind: template' and 'kind: fragment' files "
        "are only parts of products",
        message_zh=f"该目录{why_zh}",
        hint_zh="产品文件以 .yaml 或 .yml 结尾；模板和片段文件只是产品的组成部分",
    )


def _unique(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per place and problem: a template's or fragment's mistake is found once for
    the file itself and again for every product built on it (with the product's path)."""
    chosen: dict[tuple[object, ...], Diagnostic] = {}
    for d in items:
        key = (d.file, d.line, d.column, d.code, d.message, d.severity)
        kept = chosen.get(key)
        if kept is None or (d.line is not None and d.path < kept.path):
            chosen[key] = d
    return list(chosen.values())
