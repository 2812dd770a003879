"""Fragments (配置片段) pulled into sections with ``use:`` — the expansion half of the library.

``use: <id>`` in a section mapping merges the fragment under the keys written next to it;
``- use: <id>`` in a list section puts the fragment's items (or its one item, with overrides)
there; ``key: {use: <id>}`` takes a list fragment as the whole list. Fragments may use other
fragments; each is expanded once and remembered. Mappings inside ``rules.<purpose>`` are rule
sets written inline and belong to the rules engine: their ``use`` keys are left alone.
"""

from __future__ import annotations

from typing import Any

from loanfactory.document import Document
from loanfactory.errors import Diagnostic
from loanfactory.spec._merge import Layer, Origin, PathKey, combine, decides, overlay
from loanfactory.spec._resolution import Frame, Run, conflict, cycle, file_key, position


class FragmentExpansion:
    """Expands ``use`` entries; :class:`~loanfactory.spec._templates.Library` provides ``_find``."""

    _memo: dict[str, tuple[Layer | None, tuple[Diagnostic, ...]]]

    def _find(self, ref: str, origin: Document, at: PathKey, kind: str, run: Run) -> Document | None:
        raise NotImplementedError

    def _expand_layer(
        self, document: Document, data: Any, src: PathKey, section: tuple[str, ...], run: Run
    ) -> Layer | None:
        if not mentions_use(data, section):
            return Layer(data, {(): (document, src)})
        value, origins = self._expand(document, data, src, section, run)
        layer_origins: dict[PathKey, Origin] = {(): (document, src)}
        if origins:
            layer_origins.update(origins)
        return Layer(value, layer_origins)

    def _expand(
        self, document: Document, value: Any, src: PathKey, section: tuple[str, ...], run: Run
    ) -> tuple[Any, dict[PathKey, Origin] | None]:
        """``value`` with every ``use`` expanded; origins (relative to it) where grafts were made."""
        if isinstance(value, dict):
            if inline_rules(section):
                return value, None
            if "use" in value and section:
                layer = self._use_mapping(document, value, src, section, run)
                if layer is None:
                    return value, None
                return layer.data, layer.origins
            out: dict[str, Any] = {}
            origins: dict[PathKey, Origin] = {}
            changed = False
            for key, item in value.items():
                if not isinstance(item, dict | list):  # scalars hold no 'use'
                    out[key] = item
                    continue
                new, sub = self._expand(document, item, (*src, key), (*section, key), run)
                out[key] = new
                if sub is not None:
                    changed = True
                    origins[(key,)] = (Layer(new, {(): (document, (*src, key)), **sub}), ())
            return (out, origins) if changed else (value, None)
        if isinstance(value, list):
            return self._expand_list(document, value, src, section, run)
        return value, None

    def _expand_list(
        self, document: Document, value: list[Any], src: PathKey, section: tuple[str, ...], run: Run
    ) -> tuple[Any, dict[PathKey, Origin] | None]:
        items: list[Any] = []
        origins: dict[PathKey, Origin] = {}
        changed = False
        for i, item in enumerate(value):
            if isinstance(item, dict) and "use" in item and not inline_rules(section):
                pieces = self._use_item(document, item, (*src, i), section, run)
                changed = True
                for layer in pieces:
                    origins[(len(items),)] = (layer, ())
                    items.append(layer.data)
                continue
            if isinstance(item, dict | list):
                new, sub = self._expand(document, item, (*src, i), section, run)
            else:
                new, sub = item, None
            if sub is not None or len(items) != i:
                changed = True
                origins[(len(items),)] = (Layer(new, {(): (document, (*src, i)), **(sub or {})}), ())
            items.append(new)
        return (items, origins) if changed else (value, None)

    def _use_item(
        self, document: Document, item: dict[str, Any], src: PathKey, section: tuple[str, ...], run: Run
    ) -> list[Layer]:
        """A ``- use: id`` list item: the fragment's items, or one item with local overrides."""
        refs = use_refs(document, item, src, run)
        local = {k: v for k, v in item.items() if k != "use"}
        fragments = [self._fragment(ref, document, at, section, run) for at, ref in refs]
        found = [f for f in fragments if f is not None]
        if len(found) != len(fragments) or not found:
            return []
        if len(found) == 1 and isinstance(found[0].data, list):
            if local:
                run.error(
                    document.diagnostic(
                        (*src, "use"),
                        "bad-use",
                        "this fragment is a list of items; it cannot take overrides — "
                        "list the item to change separately",
                        message_zh="该片段是一组条目，不能在此覆盖其中的键；请单独列出需要修改的条目",
                    )
                )
                return []
            return [Layer(v, {(): (found[0], (i,))}) for i, v in enumerate(found[0].data)]
        layer = self._merge_uses(document, item, src, section, refs, found, run)
        return [layer] if layer is not None else []

    def _use_mapping(
        self, document: Document, value: dict[str, Any], src: PathKey, section: tuple[str, ...], run: Run
    ) -> Layer | None:
        refs = use_refs(document, value, src, run)
        fragments = [self._fragment(ref, document, at, section, run) for at, ref in refs]
        found = [f for f in fragments if f is not None]
        if len(found) != len(fragments) or not found:
            return None
        if len(found) == 1 and isinstance(found[0].data, list):
            if len(value) > 1:
                run.error(
                    document.diagnostic(
                        (*src, "use"),
                        "bad-use",
                        "this fragment is a list; write it as the whole value "
                        "('key: {use: id}') or as a list item ('- use: id')",
                        message_zh="该片段是列表；请整体引用（'键: {use: 编号}'）"
                        "或作为列表项引用（'- use: 编号'）",
                    )
                )
                return None
            return found[0]
        return self._merge_uses(document, value, src, section, refs, found, run)

    def _merge_uses(
        self,
        document: Document,
        value: dict[str, Any],
        src: PathKey,
        section: tuple[str, ...],
        refs: list[tuple[PathKey, str]],
        found: list[Layer],
        run: Run,
    ) -> Layer | None:
        for (at, ref), layer in zip(refs, found, strict=True):
            if not isinstance(layer.data, dict):
                run.error(
                    document.diagnostic(
                        at,
                        "bad-use",
                        f"fragment '{ref}' holds a list; it cannot be merged into a mapping",
                        message_zh=f"片段 '{ref}' 是列表，不能合并到映射中",
                    )
                )
                return None
        local = {k: v for k, v in value.items() if k != "use"}
        own = self._expand_layer(document, local, src, section, run)
        if own is None:
            return None
        combined, conflicts = combine(found) if len(found) > 1 else (found[0], [])
        for clash in conflicts:
            if not decides(local, clash.path):
                run.diagnostics.append(conflict(document, clash, "use", base=src))
        return overlay(combined, own)

    def _fragment(
        self, ref: str, origin: Document, at: PathKey, section: tuple[str, ...], run: Run
    ) -> Layer | None:
        """The content of fragment ``ref`` (its own ``use`` expanded), checked against the section."""
        document = self._find(ref, origin, at, "fragment", run)
        if document is None:
            return None
        data = document.data
        wanted = ".".join(p for p in section if isinstance(p, str))
        declared = data.get("section") if isinstance(data, dict) else None
        if not isinstance(data, dict) or "content" not in data or not isinstance(declared, str):
            run.error(
                origin.diagnostic(
                    at,
                    "bad-fragment",
                    f"fragment '{ref}' ({document.file}) has no valid 'section' and 'content'",
                    message_zh=f"片段 '{ref}'（{document.file}）缺少有效的 'section' 和 'content'",
                )
            )
            return None
        if declared != wanted:
            where = position(document, ("section",))
            run.error(
                origin.diagnostic(
                    at,
                    "fragment-section",
                    f"fragment '{ref}' fills section '{declared}' ({where}), not '{wanted}'",
                    message_zh=f"片段 '{ref}' 用于 '{declared}'（{where}），不能用于 '{wanted}'",
                    hint=f"use it under '{declared}:'",
                    hint_zh=f"请在 '{declared}:' 下引用它",
                )
            )
            return None
        key = "fragment:" + file_key(document.file)
        if run.stack:
            run.stack[-1].edge = at
        if any(f.key == key for f in run.stack):
            run.error(cycle(run.stack, key, "use"))
            return None
        memo = self._memo.get(key)
        if memo is not None:
            run.diagnostics.extend(memo[1])
            run.failed = run.failed or memo[0] is None
            return memo[0]
        inner = Run([*run.stack, Frame(key, f"fragment '{ref}'", document)])
        content_section = tuple(declared.split("."))
        layer = self._expand_layer(document, data["content"], ("content",), content_section, inner)
        result = None if inner.failed else layer
        self._memo[key] = (result, tuple(inner.diagnostics))
        run.diagnostics.extend(inner.diagnostics)
        run.failed = run.failed or result is None
        return result


def mentions_use(value: Any, section: tuple[str, ...] = ()) -> bool:
    """Whether a mapping in ``value`` (found at ``section``) has a ``use`` key, inline rule sets aside."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, section)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if inline_rules(where):
                continue
            if "use" in node:
                return True
            stack.extend((item, (*where, key)) for key, item in node.items() if isinstance(item, dict | list))
        elif isinstance(node, list):
            stack.extend((item, where) for item in node if isinstance(item, dict | list))
    return False


def inline_rules(section: tuple[str, ...]) -> bool:
    """Inside ``rules.<purpose>`` a mapping is a rule set written inline: ``use`` is not ours."""
    return len(section) >= 2 and section[0] == "rules"


def use_refs(document: Document, value: dict[str, Any], src: PathKey, run: Run) -> list[tuple[PathKey, str]]:
    refs = value.get("use")
    if isinstance(refs, str) and refs.strip():
        return [((*src, "use"), refs.strip())]
    if isinstance(refs, list) and refs and all(isinstance(r, str) and r.strip() for r in refs):
        return [((*src, "use", i), r.strip()) for i, r in enumerate(refs)]
    run.error(
        document.diagnostic(
            (*src, "use"),
            "wrong-type",
            "'use' takes a fragment id or a list of them",
            message_zh="'use' 应为片段编号或编号列表",
        )
    )
    return []
