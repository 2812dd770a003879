"""The record validator (报文校验): every record checked against the format before it is written.

Format rules come from the format data (mandatory items, types and lengths, code tables, which
segments a report code requires or forbids, repeated groups matching their count); cross-item
rules are the specification's consistency checks on one record (逻辑校验). Each problem is a
:class:`~loanfactory.errors.Diagnostic` located at the record (file and line when known, the
record's account code, date and report code in the message) and at ``segment.item`` in ``path``;
its ``code`` names the rule (documented in ``docs/regulatory-zh.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from loanfactory.errors import Diagnostic
from loanfactory.regulatory._format import FieldFormat, RecordFormat, ReportingSpec, SegmentFormat
from loanfactory.regulatory._record import CreditRecord, Segment

_DIGITS = re.compile(r"^\d+$")
_ALNUM = re.compile(r"^[0-9A-Za-z]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_LOW, _HIGH = date(1901, 1, 1), date(2099, 12, 31)


def validate(
    record: CreditRecord, spec: ReportingSpec, *, file: str | None = None, line: int | None = None
) -> list[Diagnostic]:
    """Every problem of one record (an empty list when it may be reported)."""
    fmt = spec.enterprise if record.record_type == spec.enterprise.record_type else spec.personal
    check = _Check(record, spec, fmt, file, line)
    check.structure()
    if not check.problems:
        check.consistency()
    return check.problems


class _Check:
    def __init__(
        self, record: CreditRecord, spec: ReportingSpec, fmt: RecordFormat, file: str | None, line: int | None
    ):
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
        if self.record.record_type in {r.record_type for r in self.fmt.requests.values()}:
            self.request()
            return
        known = {s.tag: s for s in self.fmt.segments}
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
        if "AcctBsSgmt" not in seen:
            self.add("missing-segment", "AcctBsSgmt", "the record has no base segment", "记录缺少基础段")
            return
        letters = {known[t].letter for t in seen if t in known}
        code = self.record.value("AcctBsSgmt", "RptDateCode") or ""
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
        if self.record.value("AcctBsSgmt", "InfRecType") != self.fmt.record_type:
            self.add(
                "record-type",
                "AcctBsSgmt.InfRecType",
                f"the record type is not {self.fmt.record_type}",
                f"信息记录类型应为 {self.fmt.record_type}",
            )
        account_type = self.record.value("AcctBsSgmt", "AcctType")
        if account_type is not None and account_type not in self.fmt.account_types:
            self.add(
                "account-type",
                "AcctBsSgmt.AcctType",
                f"account type {account_type} is not reported by this format",
                f"不报送账户类型 {account_type}",
            )
        account = self.record.value("AcctBsSgmt", "AcctCode") or ""
        if not account.startswith(self.spec.settings.provider_code):
            self.add(
                "provider-code",
                "AcctBsSgmt.AcctCode",
                "the account code does not start with the data provider's code (I0001301)",
                "账户标识码与数据提供机构区段码不对应（I0001301）",
            )

    def request(self) -> None:
        request = next(r for r in self.fmt.requests.values() if r.record_type == self.record.record_type)
        base = self.record.segments[0] if self.record.segments else Segment("", ())
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
            if start and end and _DATE.match(start) and _DATE.match(end) and start > end:
                self.add(
                    "date-order",
                    "DelBsSgmt.DelEndDate",
                    "the deletion ends before it starts",
                    "待删除结束日期早于起始日期",
                )

    def items(self, fmt: SegmentFormat, segment: Segment) -> None:
        known = {f.tag: f for f in fmt.fields}
        present = dict(segment.items)
        for tag in present:
            if tag not in known:
                self.add(
                    "unknown-item",
                    f"{segment.tag}.{tag}",
                    f"{segment.tag} has no item {tag}",
                    f"{fmt.name}中没有数据项 {tag}",
                )
        grouped = {f.tag for f in fmt.group_fields} if fmt.count else set()
        for item in fmt.fields:
            if item.tag in grouped:
                continue
            self.value(segment.tag, item, present.get(item.tag))
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
                    self.value(f"{segment.tag}[{index}]", item, values.get(item.tag))

    def value(self, where: str, item: FieldFormat, text: str | None) -> None:
        path = f"{where}.{item.tag}"
        if text is None or text == "":
            if item.required:
                self.add(
                    "missing-item",
                    path,
                    f"{item.tag} ({item.name}) is required",
                    f"{item.name}（{item.tag}）为必填项",
                )
            return
        if item.kind == "date":
            if not _DATE.match(text) or not _valid_date(text):
                self.add(
                    "bad-date",
                    path,
                    f"{item.tag} '{text}' is not a date 1901-01-01..2099-12-31 (I0000601)",
                    f"{item.name} '{text}' 不是 1901-01-01 至 2099-12-31 之间的有效日期（I0000601）",
                )
            return
        if item.kind == "month":
            if not _MONTH.match(text) or not _valid_date(text + "-01"):
                self.add(
                    "bad-month",
                    path,
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
                    path,
                    f"{item.tag} '{text}' is not an amount with at most {places} decimals",
                    f"{item.name} '{text}' 不是最多 {places} 位小数的非负金额",
                )
            return
        if item.kind == "N" and not _DIGITS.match(text) and item.codes is None:
            self.add(
                "bad-type", path, f"{item.tag} '{text}' must be digits", f"{item.name} '{text}' 应为数字"
            )
            return
        if item.kind == "AN" and item.codes is None and not _ALNUM.match(text):
            self.add(
                "bad-type",
                path,
                f"{item.tag} '{text}' must be letters and digits",
                f"{item.name} '{text}' 应为字母或数字",
            )
            return
        if item.length is not None:
            if item.exact and len(text) != item.length and item.codes is None:
                self.add(
                    "bad-length",
                    path,
                    f"{item.tag} has {len(text)} characters, {item.length} expected",
                    f"{item.name}长度为 {len(text)}，应为 {item.length}",
                )
            elif len(text) > item.length:
                self.add(
                    "too-long",
                    path,
                    f"{item.tag} has {len(text)} characters, at most {item.length}",
                    f"{item.name}长度为 {len(text)}，最多 {item.length}",
                )
        if item.codes is not None and not self.spec.codes.has(item.codes, text):
            self.add(
                "unknown-code",
                path,
                f"{item.tag} '{text}' is not in code table {item.codes}",
                f"{item.name} '{text}' 不在代码表 {item.codes} 中",
            )

    # --- consistency ----------------------------------------------------------------------------

    def consistency(self) -> None:
        rec = self.record
        monthly = (
            rec.segment("AcctMthlyBlgInfSgmt")
            or rec.segment("ActLbltyInfSgmt")
            or rec.segment("AcctDbtInfSgmt")
        )
        report = _day(rec.value("AcctBsSgmt", "RptDate"))
        code = rec.value("AcctBsSgmt", "RptDateCode") or ""
        basic = rec.segment("AcctBsInfSgmt")
        if basic is not None:
            opened, due = _day(basic.get("OpenDate")), _day(basic.get("DueDate"))
            if opened and due and opened > due:
                self.add(
                    "date-order",
                    "AcctBsInfSgmt.DueDate",
                    "the due date is before the opening date",
                    "开户日期晚于到期日期",
                )
            if opened and report and report < opened:
                self.add(
                    "date-order",
                    "AcctBsSgmt.RptDate",
                    "the report date is before the opening date (I0000501)",
                    "信息报告日期早于开户日期（I0000501）",
                )
            if self.fmt is self.spec.personal and basic.get("LoanAmt") in (None, ""):
                self.add(
                    "missing-item",
                    "AcctBsInfSgmt.LoanAmt",
                    "a D1 account reports its loan amount",
                    "非循环贷账户应报送借款金额",
                )
        if monthly is not None:
            self.performance(monthly, report, code)
        special = rec.segment("AcctSpecTrstDspnSgmt")
        if special is not None:
            loan = _money(basic.get("LoanAmt")) if basic is not None else None
            for index, group in enumerate(special.groups):
                values = dict(group)
                where = f"AcctSpecTrstDspnSgmt[{index}]"
                if values.get("ChanTranType") == "1" and not int(values.get("DueTranMon") or "0") > 0:
                    self.add(
                        "extension-months",
                        f"{where}.DueTranMon",
                        "an extension moves the due date by more than 0 months",
                        "交易类型为展期时，到期日期变更月数应大于 0",
                    )
                amount = _money(values.get("TranAmt"))
                if loan is not None and amount is not None and amount > loan:
                    self.add(
                        "transaction-exceeds-loan",
                        f"{where}.TranAmt",
                        "the transaction amount exceeds the loan amount",
                        "交易金额大于借款金额",
                    )
                when = _day(values.get("TranDate"))
                if when and report and when > report:
                    self.add(
                        "date-order",
                        f"{where}.TranDate",
                        "the transaction date is after the report date (I0000501)",
                        "交易日期晚于信息报告日期（I0000501）",
                    )

    def performance(self, segment: Segment, report: date | None, code: str) -> None:
        tag = segment.tag
        get = segment.get
        status = get("AcctStatus") or ""
        balance, total = _money(get("AcctBal")), _money(get("TotOverd"))
        principal = _money(get("OverdPrinc"))
        closed = status in ("3", "21")
        if principal is not None and total is not None and principal > total:
            self.add(
                "overdue-principal-exceeds-total",
                f"{tag}.OverdPrinc",
                "overdue principal exceeds the overdue total",
                "当前逾期本金大于当前逾期总额",
            )
        if principal is not None and balance is not None and principal > balance:
            self.add(
                "overdue-principal-exceeds-balance",
                f"{tag}.OverdPrinc",
                "overdue principal exceeds the balance",
                "当前逾期本金大于余额",
            )
        buckets = [
            _money(get(t)) for t in ("Oved31_60Princ", "Oved61_90Princ", "Oved91_180Princ", "OvedPrinc180")
        ]
        rounded = sum(1 for b in buckets if b)  # each rounded apart: half a unit of slack apiece
        slack = Decimal(rounded) / 2 * Decimal(1).scaleb(-self.fmt.amount_places)
        if (
            principal is not None
            and sum((b for b in buckets if b is not None), Decimal(0)) > principal + slack
        ):
            self.add(
                "buckets-exceed-overdue-principal",
                f"{tag}.Oved31_60Princ",
                "overdue principal by age adds up to more than the overdue principal",
                "各账龄逾期本金之和大于当前逾期本金",
            )
        if closed:
            for item in ("AcctBal", "TotOverd", "OverdPrinc"):
                value = _money(get(item))
                if value is not None and value != 0:
                    self.add(
                        "closed-with-balance",
                        f"{tag}.{item}",
                        f"a closed account reports {item} 0",
                        f"账户状态为关闭时，{item} 应为 0",
                    )
            if get("OverdPrd") not in (None, "", "0"):
                self.add(
                    "closed-with-balance",
                    f"{tag}.OverdPrd",
                    "a closed account has no overdue periods",
                    "账户状态为关闭时，当前逾期期数应为 0",
                )
            if get("RpyStatus") not in (None, "C"):
                self.add(
                    "closed-status",
                    f"{tag}.RpyStatus",
                    "a closed account's repayment status is C",
                    "账户状态为关闭时，当前还款状态应为 C-结清",
                )
        if closed != bool(get("CloseDate")):
            self.add(
                "close-date",
                f"{tag}.CloseDate",
                "the close date is given if and only if the account is closed",
                "当且仅当账户状态为关闭时，账户关闭日期不能为空",
            )
        if status in ("41", "42", "31", "32") and (total is None or total == 0):
            self.add(
                "bad-debt-without-overdue",
                f"{tag}.TotOverd",
                "a bad-debt account reports its overdue total",
                "账户状态为呆账时，当前逾期总额不能为 0",
            )
        if status in ("1", "10") and total is not None and total > 0:
            self.add(
                "status-overdue",
                f"{tag}.AcctStatus",
                "an account with an overdue total is not 'normal'",
                "存在逾期金额的账户，账户状态不应为正常",
            )
        if status == "2" and (total is None or total == 0):
            self.add(
                "status-overdue",
                f"{tag}.AcctStatus",
                "an overdue account reports its overdue total",
                "账户状态为逾期时，当前逾期总额应大于 0",
            )
        if code in ("20", "32") and self.fmt is self.spec.personal and status != "3":
            self.add(
                "report-code-status",
                f"{tag}.AcctStatus",
                "report codes 20 and 32 are for closed accounts",
                "报告时点说明代码为账户关闭时，账户状态应为关闭",
            )
        if status == "3" and code not in ("20", "32", "40"):
            self.add(
                "report-code-status",
                "AcctBsSgmt.RptDateCode",
                "a closed account is reported with 20 or 32",
                "账户关闭应以报告时点说明代码 20 或 32 报送",
            )
        month, settle = get("Month"), _day(get("SettDate"))
        if month and settle and settle.strftime("%Y-%m") != month:
            self.add(
                "settle-date-month",
                f"{tag}.SettDate",
                "the settlement date is not in the record's month",
                "结算/应还款日与月份中的年、月不一致",
            )
        if month and report and code in ("30", "31", "32") and report.strftime("%Y-%m") != month:
            self.add(
                "month-of-report",
                f"{tag}.Month",
                "a month-end record reports the month of its report date",
                "月度结算记录的月份应与信息报告日期所在月份一致",
            )
        dates = {
            t: _day(get(t)) for t in ("SettDate", "FiveCateAdjDate", "LatRpyDate", "CloseDate", "BalChgDate")
        }
        for item, when in dates.items():
            if when and report and when > report:
                self.add(
                    "date-order",
                    f"{tag}.{item}",
                    f"{item} is after the report date (I0000501)",
                    f"{item} 晚于信息报告日期（I0000501）",
                )
        close = dates["CloseDate"]
        for item in ("LatRpyDate", "FiveCateAdjDate"):
            earlier = dates[item]
            if close and earlier and close < earlier:
                self.add(
                    "date-order",
                    f"{tag}.CloseDate",
                    f"the close date is before {item}",
                    f"账户关闭日期早于 {item}",
                )


def _valid_date(text: str) -> bool:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return False
    return _LOW <= value <= _HIGH


def _day(text: str | None) -> date | None:
    if not text or not _DATE.match(text) or not _valid_date(text):
        return None
    return date.fromisoformat(text)


def _money(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def validate_all(
    records: Iterator[tuple[int, CreditRecord]], spec: ReportingSpec, file: str
) -> list[Diagnostic]:
    """Problems of numbered records of one file."""
    problems: list[Diagnostic] = []
    for line, record in records:
        problems += validate(record, spec, file=file, line=line)
    return problems


__all__ = ["validate", "validate_all"]
