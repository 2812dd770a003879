"""The record validator (报文校验): every record checked against the format before it is written.

Format rules come from the format data (mandatory items, types and lengths, code tables, which
segments a report code requires or forbids, repeated groups matching their count); cross-item
rules are the specification's consistency checks on one record (逻辑校验, :mod:`._consistency`).
Each problem is a :class:`~loanfactory.errors.Diagnostic` located at the record (file and line when known, the
record's account code, date and report code in the message) and at ``segment.item`` in ``path``;
its ``code`` names the rule (documented in ``docs/regulatory-zh.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from loanfactory.errors import Diagnostic
from loanfactory.regulatory._consistency import DATE, check_consistency, valid_date
from loanfactory.regulatory._format import FieldFormat, RecordFormat, ReportingSpec, SegmentFormat
from loanfactory.regulatory._parties import check_agreement, check_basic
from loanfactory.regulatory._record import CreditRecord, RecordSegment

_DIGITS = re.compile(r"^\d+$")
_ALNUM = re.compile(r"^[0-9A-Za-z]+$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def validate(
    record: CreditRecord,
    spec: ReportingSpec,
    *,
    file: str | None = None,
    line: int | None = None,
    passed: set[tuple[str, str, str, str]] | None = None,
) -> list[Diagnostic]:
    """Every problem of one record (an empty list when it may be reported). ``passed`` remembers
    the (record type, segment, item, text) that passed the item rules, so a run checking many
    records checks each distinct value of an item once (its cross-item rules run every time)."""
    fmt = spec.format_of(record.record_type)
    check = Check(record, spec, fmt, file, line, passed)
    check.structure()
    if not check.problems:
        if fmt is spec.basic:
            check_basic(check)
        elif fmt is spec.agreement:
            check_agreement(check)
        else:
            check_consistency(check)
    return check.problems


class Check:
    """The problems of one record, as its rules find them."""

    def __init__(
        self,
        record: CreditRecord,
        spec: ReportingSpec,
        fmt: RecordFormat,
        file: str | None,
        line: int | None,
        passed: set[tuple[str, str, str, str]] | None = None,
    ):
        self.passed = passed if passed is not None else set()
        self.record = record
        self.spec = spec
        self.fmt = fmt
        self.file = file
        self.line = line
        self.problems: list[Diagnostic] = []

    def add(self, code: str, path: str, en: str, zh: str) -> None:
        where = self.record.label
        self.problems.append(
            Diagnostic(
                code=code,
                message=f"{where}: {en}",
                message_zh=f"{where}：{zh}",
                file=self.file,
                line=self.line,
                path=path,
            )
        )

    # --- format ---------------------------------------------------------------------------------

    def structure(self) -> None:
        if self.record.record_type in self.fmt.request_types:
            self.request()
            return
        known = self.fmt.by_tag
        seen: list[str] = []
        for segment in self.record.segments:
            found = known.get(segment.tag)
            if found is None:
                self.add(
                    "unknown-segment",
                    segment.tag,
                    f"no segment {segment.tag} in a {self.fmt.record_type} record",
                    f"{self.fmt.name}中没有 {segment.tag} 段",
                )
                continue
            if segment.tag in seen:
                self.add(
                    "repeated-segment",
                    segment.tag,
                    f"segment {segment.tag} appears twice",
                    f"{found.name}重复出现",
                )
            seen.append(segment.tag)
            self.items(found, segment)
        order = [s.tag for s in self.fmt.segments if s.tag in seen]
        if [t for t in seen if t in known] != order:
            self.add("segment-order", "", "segments are not in the format's order", "信息段顺序与规范不符")
        base = self.fmt.base
        if base not in seen:
            self.add("missing-segment", base, "the record has no base segment", "记录缺少基础段")
            return
        letters = {known[t].letter for t in seen if t in known}
        code = self.record.value(base, "RptDateCode") or ""
        rule = self.fmt.segment_rules.get(code)
        if rule is not None:
            for letter in sorted(rule.must - letters):
                wanted = self.fmt.by_letter(letter)
                self.add(
                    "missing-segment",
                    wanted.tag,
                    f"report code {code} requires the {wanted.tag} segment ({rule.rule})",
                    f"报告时点说明代码为 {code} 时应包含{wanted.name}（{rule.rule}）",
                )
            for letter in sorted(rule.never & letters):
                unwanted = self.fmt.by_letter(letter)
                self.add(
                    "forbidden-segment",
                    unwanted.tag,
                    f"report code {code} must not carry the {unwanted.tag} segment ({rule.rule})",
                    f"报告时点说明代码为 {code} 时不应包含{unwanted.name}（{rule.rule}）",
                )
        if self.record.value(base, "InfRecType") != self.fmt.record_type:
            self.add(
                "record-type",
                f"{base}.InfRecType",
                f"the record type is not {self.fmt.record_type}",
                f"信息记录类型应为 {self.fmt.record_type}",
            )
        account_type = self.record.value(base, "AcctType")
        if account_type is not None and account_type not in self.fmt.account_types:
            self.add(
                "account-type",
                f"{base}.AcctType",
                f"account type {account_type} is not reported by this format",
                f"不报送账户类型 {account_type}",
            )
        if self.fmt.code_item is not None:
            account = self.record.value(base, self.fmt.code_item) or ""
            if not account.startswith(self.spec.settings.provider_code):
                self.add(
                    "provider-code",
                    f"{base}.{self.fmt.code_item}",
                    f"the {self.fmt.code_item} does not start with the data provider's code (I0001301)",
                    "标识码与数据提供机构区段码不对应（I0001301）",
                )

    def request(self) -> None:
        request = next(r for r in self.fmt.requests.values() if r.record_type == self.record.record_type)
        base = self.record.segments[0] if self.record.segments else RecordSegment("", ())
        if base.tag != request.base:
            self.add(
                "missing-segment",
                request.base,
                f"a {request.record_type} request starts with {request.base}",
                f"{request.name}应以 {request.base} 开始",
            )
            return
        self.items(SegmentFormat(base.tag, "", request.name, request.fields), base)
        corrected = self.record.segments[1:]
        if request.record_type == self.fmt.requests["correction"].record_type:
            letter = base.get("MdfcSgmtCode")
            if len(corrected) != 1:
                self.add(
                    "missing-segment",
                    "MdfcSgmt",
                    "a correction carries exactly one corrected segment",
                    "更正请求应包含且仅包含一个待更正段",
                )
                return
            try:
                target = self.fmt.segment(corrected[0].tag)
            except KeyError:
                self.add(
                    "unknown-segment",
                    corrected[0].tag,
                    f"no segment {corrected[0].tag}",
                    f"没有 {corrected[0].tag} 段",
                )
                return
            if target.letter != letter:
                self.add(
                    "segment-letter",
                    "MdfcBsSgmt.MdfcSgmtCode",
                    "the segment letter does not name the corrected segment",
                    "待更正的段和待更正的段标应保持一致",
                )
            self.items(target, corrected[0])
        elif request.record_type == self.fmt.requests["segment_deletion"].record_type:
            start, end = base.get("DelStartDate"), base.get("DelEndDate")
            if start and end and DATE.match(start) and DATE.match(end) and start > end:
                self.add(
                    "date-order",
                    "DelBsSgmt.DelEndDate",
                    "the deletion ends before it starts",
                    "待删除结束日期早于起始日期",
                )

    def items(self, fmt: SegmentFormat, segment: RecordSegment) -> None:
        known = fmt.by_tag
        present = dict(segment.items)
        for tag in present:
            if tag not in known:
                self.add(
                    "unknown-item",
                    f"{segment.tag}.{tag}",
                    f"{segment.tag} has no item {tag}",
                    f"{fmt.name}中没有数据项 {tag}",
                )
        grouped = fmt.grouped
        for item in fmt.fields:
            if item.tag in grouped:
                continue
            self.value(segment.tag, item, present.get(item.tag), fmt.tag)
        if fmt.count:
            count = present.get(fmt.count, "")
            if count.isdigit() and int(count) != len(segment.groups):
                self.add(
                    "group-count",
                    f"{segment.tag}.{fmt.count}",
                    f"{fmt.count} says {count} but {len(segment.groups)} are given (I0000701)",
                    f"{fmt.count} 为 {count}，实际出现 {len(segment.groups)} 组（I0000701）",
                )
            seen_groups: set[tuple[tuple[str, str], ...]] = set()
            for index, group in enumerate(segment.groups):
                if group in seen_groups:
                    self.add(
                        "repeated-group",
                        f"{segment.tag}[{index}]",
                        "a repeated item appears twice (I0000702)",
                        "多次出现的数据项内容重复（I0000702）",
                    )
                seen_groups.add(group)
                values = dict(group)
                for item in fmt.group_fields:
                    self.value(f"{segment.tag}[{index}]", item, values.get(item.tag), fmt.tag)

    def value(self, where: str, item: FieldFormat, text: str | None, segment: str) -> None:
        key = (self.fmt.record_type, segment, item.tag, text or "")
        if key in self.passed:
            return
        before = len(self.problems)
        self.check_value(where, item, text)
        if len(self.problems) == before:
            self.passed.add(key)

    def check_value(self, where: str, item: FieldFormat, text: str | None) -> None:
        if text is None or text == "":
            if item.required:
                self.add(
                    "missing-item",
                    f"{where}.{item.tag}",
                    f"{item.tag} ({item.name}) is required",
                    f"{item.name}（{item.tag}）为必填项",
                )
            return
        if item.kind == "date":
            if not DATE.match(text) or not valid_date(text):
                self.add(
                    "bad-date",
                    f"{where}.{item.tag}",
                    f"{item.tag} '{text}' is not a date 1901-01-01..2099-12-31 (I0000601)",
                    f"{item.name} '{text}' 不是 1901-01-01 至 2099-12-31 之间的有效日期（I0000601）",
                )
            return
        if item.kind == "month":
            if not _MONTH.match(text) or not valid_date(text + "-01"):
                self.add(
                    "bad-month",
                    f"{where}.{item.tag}",
                    f"{item.tag} '{text}' is not a month YYYY-MM",
                    f"{item.name} '{text}' 不是有效月份",
                )
            return
        if item.kind == "amount":
            places = self.fmt.amount_places
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = Decimal(-1)
            wrong = not number.is_finite() or number < 0 or -number.as_tuple().exponent > places  # type: ignore[operator]
            if wrong or len(text.split(".")[0]) > 15 or "e" in text.lower():
                self.add(
                    "bad-amount",
                    f"{where}.{item.tag}",
                    f"{item.tag} '{text}' is not an amount with at most {places} decimals",
                    f"{item.name} '{text}' 不是最多 {places} 位小数的非负金额",
                )
            return
        if item.kind == "N" and not _DIGITS.match(text) and item.codes is None:
            self.add(
                "bad-type",
                f"{where}.{item.tag}",
                f"{item.tag} '{text}' must be digits",
                f"{item.name} '{text}' 应为数字",
            )
            return
        if item.kind == "AN" and item.codes is None and not _ALNUM.match(text):
            self.add(
                "bad-type",
                f"{where}.{item.tag}",
                f"{item.tag} '{text}' must be letters and digits",
                f"{item.name} '{text}' 应为字母或数字",
            )
            return
        if item.length is not None:
            if item.exact and len(text) != item.length and item.codes is None:
                self.add(
                    "bad-length",
                    f"{where}.{item.tag}",
                    f"{item.tag} has {len(text)} characters, {item.length} expected",
                    f"{item.name}长度为 {len(text)}，应为 {item.length}",
                )
            elif len(text) > item.length:
                self.add(
                    "too-long",
                    f"{where}.{item.tag}",
                    f"{item.tag} has {len(text)} characters, at most {item.length}",
                    f"{item.name}长度为 {len(text)}，最多 {item.length}",
                )
        if item.codes is not None and not self.spec.codes.has(item.codes, text):
            self.add(
                "unknown-code",
                f"{where}.{item.tag}",
                f"{item.tag} '{text}' is not in code table {item.codes}",
                f"{item.name} '{text}' 不在代码表 {item.codes} 中",
            )


def validate_all(
    records: Iterator[tuple[int, CreditRecord]], spec: ReportingSpec, file: str
) -> list[Diagnostic]:
    """Problems of numbered records of one file."""
    problems: list[Diagnostic] = []
    for line, record in records:
        problems += validate(record, spec, file=file, line=line)
    return problems


__all__ = ["validate", "validate_all"]
