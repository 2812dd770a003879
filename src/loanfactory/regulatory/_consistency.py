"""Cross-item rules of one credit-reporting record (逻辑校验), after its format was checked.

Dates in order (opening, due, report, transaction and close dates; I0000501), balances and overdue
amounts that agree with each other and with the account status, a closed account with nothing
owed, the report code 20/32 matching the status "closed", extensions that move the due date. Each
rule adds a located problem to the :class:`~loanfactory.regulatory._validate.Check` it is given.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from loanfactory.regulatory._record import RecordSegment

if TYPE_CHECKING:
    from loanfactory.regulatory._validate import Check

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOW, _HIGH = date(1901, 1, 1), date(2099, 12, 31)


def check_consistency(check: Check) -> None:
    """The cross-item rules of one record (逻辑校验), added to ``check``."""
    rec = check.record
    monthly = (
        rec.segment("AcctMthlyBlgInfSgmt") or rec.segment("ActLbltyInfSgmt") or rec.segment("AcctDbtInfSgmt")
    )
    report = day_of(rec.value("AcctBsSgmt", "RptDate"))
    code = rec.value("AcctBsSgmt", "RptDateCode") or ""
    basic = rec.segment("AcctBsInfSgmt")
    if basic is not None:
        opened, due = day_of(basic.get("OpenDate")), day_of(basic.get("DueDate"))
        if opened and due and opened > due:
            check.add(
                "date-order",
                "AcctBsInfSgmt.DueDate",
                "the due date is before the opening date",
                "开户日期晚于到期日期",
            )
        if opened and report and report < opened:
            check.add(
                "date-order",
                "AcctBsSgmt.RptDate",
                "the report date is before the opening date (I0000501)",
                "信息报告日期早于开户日期（I0000501）",
            )
        if check.fmt is check.spec.personal and basic.get("LoanAmt") in (None, ""):
            check.add(
                "missing-item",
                "AcctBsInfSgmt.LoanAmt",
                "a D1 account reports its loan amount",
                "非循环贷账户应报送借款金额",
            )
    if monthly is not None:
        _performance(check, monthly, report, code)
    special = rec.segment("AcctSpecTrstDspnSgmt")
    if special is not None:
        loan = money_of(basic.get("LoanAmt")) if basic is not None else None
        for index, group in enumerate(special.groups):
            values = dict(group)
            where = f"AcctSpecTrstDspnSgmt[{index}]"
            if values.get("ChanTranType") == "1" and not int(values.get("DueTranMon") or "0") > 0:
                check.add(
                    "extension-months",
                    f"{where}.DueTranMon",
                    "an extension moves the due date by more than 0 months",
                    "交易类型为展期时，到期日期变更月数应大于 0",
                )
            amount = money_of(values.get("TranAmt"))
            if loan is not None and amount is not None and amount > loan:
                check.add(
                    "transaction-exceeds-loan",
                    f"{where}.TranAmt",
                    "the transaction amount exceeds the loan amount",
                    "交易金额大于借款金额",
                )
            when = day_of(values.get("TranDate"))
            if when and report and when > report:
                check.add(
                    "date-order",
                    f"{where}.TranDate",
                    "the transaction date is after the report date (I0000501)",
                    "交易日期晚于信息报告日期（I0000501）",
                )


def _performance(check: Check, segment: RecordSegment, report: date | None, code: str) -> None:
    tag = segment.tag
    get = segment.get
    status = get("AcctStatus") or ""
    balance, total = money_of(get("AcctBal")), money_of(get("TotOverd"))
    principal = money_of(get("OverdPrinc"))
    closed = status in ("3", "21")
    if principal is not None and total is not None and principal > total:
        check.add(
            "overdue-principal-exceeds-total",
            f"{tag}.OverdPrinc",
            "overdue principal exceeds the overdue total",
            "当前逾期本金大于当前逾期总额",
        )
    if principal is not None and balance is not None and principal > balance:
        check.add(
            "overdue-principal-exceeds-balance",
            f"{tag}.OverdPrinc",
            "overdue principal exceeds the balance",
            "当前逾期本金大于余额",
        )
    buckets = [
        money_of(get(t)) for t in ("Oved31_60Princ", "Oved61_90Princ", "Oved91_180Princ", "OvedPrinc180")
    ]
    rounded = sum(1 for b in buckets if b)  # each rounded apart: half a unit of slack apiece
    slack = Decimal(rounded) / 2 * Decimal(1).scaleb(-check.fmt.amount_places)
    if principal is not None and sum((b for b in buckets if b is not None), Decimal(0)) > principal + slack:
        check.add(
            "buckets-exceed-overdue-principal",
            f"{tag}.Oved31_60Princ",
            "overdue principal by age adds up to more than the overdue principal",
            "各账龄逾期本金之和大于当前逾期本金",
        )
    if closed:
        for item in ("AcctBal", "TotOverd", "OverdPrinc"):
            value = money_of(get(item))
            if value is not None and value != 0:
                check.add(
                    "closed-with-balance",
                    f"{tag}.{item}",
                    f"a closed account reports {item} 0",
                    f"账户状态为关闭时，{item} 应为 0",
                )
        if get("OverdPrd") not in (None, "", "0"):
            check.add(
                "closed-with-balance",
                f"{tag}.OverdPrd",
                "a closed account has no overdue periods",
                "账户状态为关闭时，当前逾期期数应为 0",
            )
        if get("RpyStatus") not in (None, "C"):
            check.add(
                "closed-status",
                f"{tag}.RpyStatus",
                "a closed account's repayment status is C",
                "账户状态为关闭时，当前还款状态应为 C-结清",
            )
    if closed != bool(get("CloseDate")):
        check.add(
            "close-date",
            f"{tag}.CloseDate",
            "the close date is given if and only if the account is closed",
            "当且仅当账户状态为关闭时，账户关闭日期不能为空",
        )
    if status in ("41", "42", "31", "32") and (total is None or total == 0):
        check.add(
            "bad-debt-without-overdue",
            f"{tag}.TotOverd",
            "a bad-debt account reports its overdue total",
            "账户状态为呆账时，当前逾期总额不能为 0",
        )
    if status in ("1", "10") and total is not None and total > 0:
        check.add(
            "status-overdue",
            f"{tag}.AcctStatus",
            "an account with an overdue total is not 'normal'",
            "存在逾期金额的账户，账户状态不应为正常",
        )
    if status == "2" and (total is None or total == 0):
        check.add(
            "status-overdue",
            f"{tag}.AcctStatus",
            "an overdue account reports its overdue total",
            "账户状态为逾期时，当前逾期总额应大于 0",
        )
    if code in ("20", "32") and check.fmt is check.spec.personal and status != "3":
        check.add(
            "report-code-status",
            f"{tag}.AcctStatus",
            "report codes 20 and 32 are for closed accounts",
            "报告时点说明代码为账户关闭时，账户状态应为关闭",
        )
    if status == "3" and code not in ("20", "32", "40"):
        check.add(
            "report-code-status",
            "AcctBsSgmt.RptDateCode",
            "a closed account is reported with 20 or 32",
            "账户关闭应以报告时点说明代码 20 或 32 报送",
        )
    month, settle = get("Month"), day_of(get("SettDate"))
    if month and settle and f"{settle.year:04d}-{settle.month:02d}" != month:
        check.add(
            "settle-date-month",
            f"{tag}.SettDate",
            "the settlement date is not in the record's month",
            "结算/应还款日与月份中的年、月不一致",
        )
    if month and report and code in ("30", "31", "32") and f"{report.year:04d}-{report.month:02d}" != month:
        check.add(
            "month-of-report",
            f"{tag}.Month",
            "a month-end record reports the month of its report date",
            "月度结算记录的月份应与信息报告日期所在月份一致",
        )
    dates = {
        t: day_of(get(t)) for t in ("SettDate", "FiveCateAdjDate", "LatRpyDate", "CloseDate", "BalChgDate")
    }
    for item, when in dates.items():
        if when and report and when > report:
            check.add(
                "date-order",
                f"{tag}.{item}",
                f"{item} is after the report date (I0000501)",
                f"{item} 晚于信息报告日期（I0000501）",
            )
    close = dates["CloseDate"]
    for item in ("LatRpyDate", "FiveCateAdjDate"):
        earlier = dates[item]
        if close and earlier and close < earlier:
            check.add(
                "date-order",
                f"{tag}.CloseDate",
                f"the close date is before {item}",
                f"账户关闭日期早于 {item}",
            )


def valid_date(text: str) -> bool:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return False
    return _LOW <= value <= _HIGH


def day_of(text: str | None) -> date | None:
    if not text or not DATE.match(text) or not valid_date(text):
        return None
    return date.fromisoformat(text)


def money_of(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


__all__ = ["DATE", "check_consistency", "day_of", "money_of", "valid_date"]
