"""Credit-reporting records (征信报送记录) as values, and their one-line XML form.

A :class:`CreditRecord` is a root element (``InAcctInf`` for a 210 record) holding segments in
the format's order; each :class:`RecordSegment` holds its data items as text, already formatted (codes,
``YYYY-MM-DD`` dates, amounts with the format's decimals). A segment with a repeated group
(related parties, special transactions) keeps the group items in ``groups``. In the file every
record is one line: ``<Document><InAcctInf>…</InAcctInf></Document>``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from loanfactory.errors import InvalidInput

Items = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RecordSegment:
    """One segment: its tag, its items ``(tag, text)`` in order and its repeated group items."""

    tag: str
    items: Items
    groups: tuple[Items, ...] = ()
    group: str | None = None  # the element name of each group item (CagOfTrdInf ...)
    wrapper: str | None = None  # a request's segment sits inside this element (MdfcSgmt)
    text: str = field(init=False, repr=False, compare=False)  # the XML, rendered once when built

    def __post_init__(self) -> None:
        inner = "".join(_element(k, v) for k, v in self.items)
        for item in self.groups:
            inner += f"<{self.group}>" + "".join(_element(k, v) for k, v in item) + f"</{self.group}>"
        text = f"<{self.tag}>{inner}</{self.tag}>"
        object.__setattr__(self, "text", f"<{self.wrapper}>{text}</{self.wrapper}>" if self.wrapper else text)

    def get(self, tag: str) -> str | None:
        for key, value in self.items:
            if key == tag:
                return value
        return None

    def xml(self) -> str:
        return self.text

    def digest(self) -> str:
        """A short digest of the segment's content (what was reported, for corrections)."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class CreditRecord:
    """One record of a reporting file (a 210 account record, or a 212/213/214 request)."""

    root: str
    record_type: str
    account_code: str
    report_date: date
    report_code: str  # empty for requests
    loan_id: str
    segments: tuple[RecordSegment, ...]

    def segment(self, tag: str) -> RecordSegment | None:
        for segment in self.segments:
            if segment.tag == tag:
                return segment
        return None

    def value(self, segment: str, item: str) -> str | None:
        found = self.segment(segment)
        return None if found is None else found.get(item)

    def xml(self) -> str:
        return (
            f"<Document><{self.root}>" + "".join(s.text for s in self.segments) + f"</{self.root}></Document>"
        )

    @property
    def label(self) -> str:
        """``<account code> <report date> <code>``: how a record is named in messages."""
        code = f" {self.report_code}" if self.report_code else ""
        return f"{self.record_type} {self.account_code} {self.report_date.isoformat()}{code}"


def _element(tag: str, text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return f"<{tag}>{text}</{tag}>"


def amount_text(value: Decimal, places: int) -> str:
    """An amount as the file writes it: half-up to ``places`` decimals, no separators."""
    if value < 0:
        raise InvalidInput(f"a reported amount cannot be negative ({value})", field="amount")
    unit = Decimal(1).scaleb(-places)
    return format(value.quantize(unit, rounding=ROUND_HALF_UP), "f")


def parse_line(line: str, *, loan_id: str = "") -> CreditRecord:
    """A record back from its line (for reconciliation and tests); InvalidInput when malformed."""
    try:
        document = ElementTree.fromstring(line)
    except Exception as exc:  # defusedxml raises several kinds for hostile or broken XML
        raise InvalidInput(f"not a record line: {exc}", field="line", message_zh="不是一条记录") from None
    if document.tag != "Document" or len(document) != 1:
        raise InvalidInput("a record line is <Document><Record>…</Record></Document>", field="line")
    root = document[0]
    segments: list[RecordSegment] = []
    for element in root:
        wrapper = None
        if (
            len(element) == 1
            and len(element[0])
            and element.tag.startswith("Mdfc")
            and element.tag != "MdfcBsSgmt"
        ):
            wrapper, element = element.tag, element[0]
        items: list[tuple[str, str]] = []
        groups: list[Items] = []
        group = None
        for child in element:
            if len(child):
                group = child.tag
                groups.append(tuple((c.tag, c.text or "") for c in child))
            else:
                items.append((child.tag, child.text or ""))
        segments.append(RecordSegment(element.tag, tuple(items), tuple(groups), group, wrapper))
    base = segments[0] if segments else RecordSegment("", ())
    code = base.get("AcctCode") or base.get("ModRecCode") or base.get("DelRecCode") or ""
    when = base.get("RptDate") or base.get("DelStartDate") or "1901-01-01"
    try:
        day = date.fromisoformat(when)
    except ValueError:
        day = date(1901, 1, 1)
    return CreditRecord(
        root=root.tag,
        record_type=base.get("InfRecType") or "",
        account_code=code,
        report_date=day,
        report_code=base.get("RptDateCode") or "",
        loan_id=loan_id,
        segments=tuple(segments),
    )


__all__ = ["CreditRecord", "Items", "RecordSegment", "amount_text", "parse_line"]
