"""Safe reading of DMN XML (DMN 1.1 to 1.5 namespaces) with the line of every element.

The XML is parsed by defusedxml (no DTDs, entities or external references: a hostile file
cannot expand or fetch anything), then read a second time by expat only to learn where each
element starts, so import problems are reported at their line in the ``.dmn`` file.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from loanfactory.errors import Diagnostic

NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
LOANFACTORY = "https://loanfactory.dev/schema/dmn-extension/1"
MAX_DMN_BYTES = 4 * 1024 * 1024


@dataclass
class DmnDocument:
    """A parsed DMN file: its root, namespace, and where each element starts."""

    file: str
    root: Element
    ns: str
    lines: dict[int, tuple[int, int]] = field(default_factory=dict)

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def all(self, parent: Element, name: str) -> list[Element]:
        return parent.findall(self.tag(name))

    def one(self, parent: Element, name: str) -> Element | None:
        return parent.find(self.tag(name))

    def text(self, parent: Element | None, name: str = "text") -> str | None:
        """The text of ``parent``'s ``<text>`` child (None when there is none)."""
        if parent is None:
            return None
        found = parent.find(self.tag(name))
        return None if found is None else (found.text or "")

    def diagnostic(
        self,
        element: Element | None,
        code: str,
        message: str,
        message_zh: str,
        *,
        where: str = "",
        column: int = 0,
        severity: Literal["error", "warning"] = "error",
    ) -> Diagnostic:
        line, col = self.lines.get(id(element), (None, None)) if element is not None else (None, None)
        return Diagnostic(
            code,
            message,
            file=self.file,
            line=line,
            column=col,
            path=where,
            message_zh=message_zh,
            severity=severity,
            hint=f"at character {column + 1} of the expression" if column else None,
            hint_zh=f"表达式第 {column + 1} 个字符处" if column else None,
        )


def parse_dmn(text: str | bytes, file: str = "<dmn>") -> tuple[DmnDocument | None, list[Diagnostic]]:
    """The DMN document, or the located reason it cannot be read."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_DMN_BYTES:
        return None, [_problem(file, "file-too-large", "the file is larger than 4 MiB", "文件超过 4 MiB")]
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = exc.position
        return None, [
            Diagnostic(
                "xml-syntax",
                f"not well-formed XML: {exc}",
                file=file,
                line=line,
                column=column + 1,
                message_zh=f"XML 格式错误：{exc}",
            )
        ]
    except DefusedXmlException as exc:
        return None, [
            _problem(
                file,
                "xml-forbidden",
                f"refused: {type(exc).__name__} (DTDs and entities are not allowed)",
                "拒绝读取：不允许 DTD 与实体",
            )
        ]
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES or root.tag != f"{{{ns}}}definitions":
        return None, [
            _problem(
                file,
                "not-dmn",
                f"not a DMN file: the root is {root.tag}; expected <definitions> of DMN 1.1 to 1.5",
                "不是 DMN 文件：根元素应为 DMN 1.1–1.5 的 <definitions>",
            )
        ]
    document = DmnDocument(file, root, ns)
    starts: list[tuple[int, int]] = []
    reader = xml.parsers.expat.ParserCreate()
    reader.StartElementHandler = lambda name, attrs: starts.append(
        (reader.CurrentLineNumber, reader.CurrentColumnNumber + 1)
    )
    reader.Parse(raw, True)
    for element, start in zip(root.iter(), starts, strict=False):
        document.lines[id(element)] = start
    return document, []


def _problem(file: str, code: str, message: str, message_zh: str) -> Diagnostic:
    return Diagnostic(code, message, file=file, line=1, column=1, message_zh=message_zh)
