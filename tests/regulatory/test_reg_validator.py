"""The validator: each rule rejects a malformed record with a message located at the record
(account code, date, report code) and at ``segment.item``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from reg_world import RegWorld, account_file

from loanfactory.regulatory import CreditRecord, RecordSegment, parse_line, read, validate

ACCOUNT = "6222020200112233"


@pytest.fixture(scope="module")
def sample() -> tuple[RegWorld, dict[str, CreditRecord]]:
    """Valid records of a loan paid on time, then written off: 10, 30, 40, 30 with status 42."""
    world = RegWorld()
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 2, 1))
    found: dict[str, CreditRecord] = {}
    for record in read(account_file(world.month("2026-01")).content)[1]:
        found[record.report_code] = record
    world.gateway.fund(ACCOUNT, Decimal(0))
    world.live_until(date(2026, 3, 20))
    world.servicing.write_off(loan, key="wo", reason="fraud")
    world.live_until(date(2026, 4, 1))
    world.month("2026-02")
    for record in read(account_file(world.month("2026-03")).content)[1]:
        if record.report_code == "30":
            found["bad-debt"] = record
    return world, found


def _with(record: CreditRecord, segment: str, item: str, value: str | None) -> CreditRecord:
    segments = []
    for part in record.segments:
        if part.tag == segment:
            items = tuple(
                (k, value if k == item else v) for k, v in part.items if not (k == item and value is None)
            )
            if value is not None and item not in dict(part.items):
                items += ((item, value),)
            part = replace(part, items=items)
        segments.append(part)
    return replace(record, segments=tuple(segments))


def _codes(world: RegWorld, record: CreditRecord) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in validate(record, world.spec)}


def test_the_sample_records_are_valid(sample: tuple[RegWorld, dict[str, CreditRecord]]) -> None:
    world, records = sample
    assert set(records) == {"10", "30", "bad-debt"}
    for record in records.values():
        assert validate(record, world.spec) == []


CASES = [
    # (record, segment, item, bad value, rule, path)
    ("10", "AcctBsSgmt", "Name", None, "missing-item", "AcctBsSgmt.Name"),
    ("10", "AcctBsSgmt", "MngmtOrgCode", "B123", "bad-length", "AcctBsSgmt.MngmtOrgCode"),
    ("10", "AcctBsSgmt", "AcctCode", "B1234567890123" + "x" * 50, "too-long", "AcctBsSgmt.AcctCode"),
    ("10", "AcctBsSgmt", "AcctCode", "B1234567890123loan-1", "bad-type", "AcctBsSgmt.AcctCode"),
    ("10", "AcctBsSgmt", "AcctCode", "X9999999999999loan1", "provider-code", "AcctBsSgmt.AcctCode"),
    ("10", "AcctBsSgmt", "IDType", "77", "unknown-code", "AcctBsSgmt.IDType"),
    ("10", "AcctBsSgmt", "RptDate", "2026-02-30", "bad-date", "AcctBsSgmt.RptDate"),
    ("10", "AcctBsSgmt", "RptDate", "2100-01-01", "bad-date", "AcctBsSgmt.RptDate"),
    ("10", "AcctBsSgmt", "AcctType", "R2", "account-type", "AcctBsSgmt.AcctType"),
    ("10", "AcctBsSgmt", "InfRecType", "211", "record-type", "AcctBsSgmt.InfRecType"),
    ("10", "AcctBsInfSgmt", "RepayPrd", "12a", "bad-type", "AcctBsInfSgmt.RepayPrd"),
    ("10", "AcctBsInfSgmt", "LoanAmt", "10000.5", "bad-amount", "AcctBsInfSgmt.LoanAmt"),
    ("10", "AcctBsInfSgmt", "LoanAmt", "-1", "bad-amount", "AcctBsInfSgmt.LoanAmt"),
    ("10", "AcctBsInfSgmt", "LoanAmt", "1e5", "bad-amount", "AcctBsInfSgmt.LoanAmt"),
    ("10", "AcctBsInfSgmt", "LoanAmt", None, "missing-item", "AcctBsInfSgmt.LoanAmt"),
    ("10", "AcctBsInfSgmt", "Unknown", "1", "unknown-item", "AcctBsInfSgmt.Unknown"),
    ("10", "AcctBsInfSgmt", "DueDate", "2025-01-01", "date-order", "AcctBsInfSgmt.DueDate"),
    ("30", "AcctMthlyBlgInfSgmt", "Month", "2026-13", "bad-month", "AcctMthlyBlgInfSgmt.Month"),
    ("30", "AcctMthlyBlgInfSgmt", "Month", "2026-02", "settle-date-month", "AcctMthlyBlgInfSgmt.SettDate"),
    (
        "30",
        "AcctMthlyBlgInfSgmt",
        "OverdPrinc",
        "20000",
        "overdue-principal-exceeds-total",
        "AcctMthlyBlgInfSgmt.OverdPrinc",
    ),
    ("30", "AcctMthlyBlgInfSgmt", "TotOverd", "5", "status-overdue", "AcctMthlyBlgInfSgmt.AcctStatus"),
    ("30", "AcctMthlyBlgInfSgmt", "AcctStatus", "2", "status-overdue", "AcctMthlyBlgInfSgmt.AcctStatus"),
    ("30", "AcctMthlyBlgInfSgmt", "AcctStatus", "3", "closed-with-balance", "AcctMthlyBlgInfSgmt.AcctBal"),
    ("30", "AcctMthlyBlgInfSgmt", "AcctStatus", "3", "closed-status", "AcctMthlyBlgInfSgmt.RpyStatus"),
    ("30", "AcctBsSgmt", "RptDate", "2026-02-28", "month-of-report", "AcctMthlyBlgInfSgmt.Month"),
    ("30", "AcctMthlyBlgInfSgmt", "CloseDate", "2026-01-31", "close-date", "AcctMthlyBlgInfSgmt.CloseDate"),
    ("30", "AcctMthlyBlgInfSgmt", "LatRpyDate", "2026-02-02", "date-order", "AcctMthlyBlgInfSgmt.LatRpyDate"),
    ("30", "AcctMthlyBlgInfSgmt", "FiveCate", "6", "unknown-code", "AcctMthlyBlgInfSgmt.FiveCate"),
    ("30", "AcctMthlyBlgInfSgmt", "RpyStatus", None, "missing-item", "AcctMthlyBlgInfSgmt.RpyStatus"),
    (
        "bad-debt",
        "AcctMthlyBlgInfSgmt",
        "TotOverd",
        "0",
        "bad-debt-without-overdue",
        "AcctMthlyBlgInfSgmt.TotOverd",
    ),
    (
        "bad-debt",
        "AcctMthlyBlgInfSgmt",
        "Oved31_60Princ",
        "10001",
        "buckets-exceed-overdue-principal",
        "AcctMthlyBlgInfSgmt.Oved31_60Princ",
    ),
    (
        "bad-debt",
        "AcctMthlyBlgInfSgmt",
        "OverdPrinc",
        "10001",
        "overdue-principal-exceeds-balance",
        "AcctMthlyBlgInfSgmt.OverdPrinc",
    ),
]


@pytest.mark.parametrize(
    ("kind", "segment", "item", "value", "rule", "path"), CASES, ids=[f"{c[4]}-{c[2]}" for c in CASES]
)
def test_each_rule_rejects_its_malformed_record(
    sample: tuple[RegWorld, dict[str, CreditRecord]],
    kind: str,
    segment: str,
    item: str,
    value: str | None,
    rule: str,
    path: str,
) -> None:
    world, records = sample
    bad = _with(records[kind], segment, item, value)
    found = validate(bad, world.spec, file="B1.txt", line=7)
    assert (rule, path) in {(p.code, p.path) for p in found}, [p.format() for p in found]
    problem = next(p for p in found if p.code == rule)
    assert problem.file == "B1.txt"
    assert problem.line == 7
    assert records[kind].account_code in problem.message  # the record is named
    assert problem.message_zh  # and said in Chinese


def test_segments_required_and_forbidden_by_the_report_code(
    sample: tuple[RegWorld, dict[str, CreditRecord]],
) -> None:
    world, records = sample
    opening = records["10"]
    without = replace(opening, segments=tuple(s for s in opening.segments if s.tag != "AcctBsInfSgmt"))
    assert ("missing-segment", "AcctBsInfSgmt") in _codes(world, without)
    extra = RecordSegment(
        "AcctDbtInfSgmt",
        (("AcctStatus", "1"), ("AcctBal", "0"), ("LatRpyAmt", "0"), ("LatRpyDate", "2026-01-05")),
    )
    assert ("forbidden-segment", "AcctDbtInfSgmt") in _codes(
        world, replace(opening, segments=(*opening.segments, extra))
    )
    shuffled = replace(opening, segments=(opening.segments[0], opening.segments[2], opening.segments[1]))
    assert ("segment-order", "") in _codes(world, shuffled)
    twice = replace(opening, segments=(*opening.segments, opening.segments[2]))
    assert ("repeated-segment", "AcctMthlyBlgInfSgmt") in _codes(world, twice)
    unknown = replace(opening, segments=(*opening.segments, RecordSegment("Nope", ())))
    assert ("unknown-segment", "Nope") in _codes(world, unknown)


def test_a_closure_code_needs_a_closed_account(sample: tuple[RegWorld, dict[str, CreditRecord]]) -> None:
    world, records = sample
    record = _with(records["30"], "AcctBsSgmt", "RptDateCode", "20")
    assert ("report-code-status", "AcctMthlyBlgInfSgmt.AcctStatus") in _codes(world, record)


def test_special_transactions_count_and_extension_months(
    sample: tuple[RegWorld, dict[str, CreditRecord]],
) -> None:
    world, records = sample
    record = records["bad-debt"]
    special = record.segment("AcctSpecTrstDspnSgmt")
    assert special is not None
    wrong = replace(special, items=(("CagOfTrdNm", "2"),))
    bad = replace(record, segments=tuple(wrong if s is special else s for s in record.segments))
    assert ("group-count", "AcctSpecTrstDspnSgmt.CagOfTrdNm") in _codes(world, bad)
    group = dict(special.groups[0]) | {"ChanTranType": "1", "DueTranMon": "0"}
    extension = replace(special, groups=(tuple(group.items()),))
    bad = replace(record, segments=tuple(extension if s is special else s for s in record.segments))
    assert ("extension-months", "AcctSpecTrstDspnSgmt[0].DueTranMon") in _codes(world, bad)
    repeated = replace(special, items=(("CagOfTrdNm", "2"),), groups=special.groups * 2)
    bad = replace(record, segments=tuple(repeated if s is special else s for s in record.segments))
    assert ("repeated-group", "AcctSpecTrstDspnSgmt[1]") in _codes(world, bad)


def test_a_transaction_larger_than_the_loan_is_refused(
    sample: tuple[RegWorld, dict[str, CreditRecord]],
) -> None:
    world, records = sample
    opening = records["10"]
    relief = RecordSegment(
        "AcctSpecTrstDspnSgmt",
        (("CagOfTrdNm", "1"),),
        (
            (
                ("ChanTranType", "11"),  # 债务减免
                ("TranDate", "2026-01-05"),
                ("TranAmt", "10001"),  # the loan is 10,000
                ("DueTranMon", "0"),
                ("DetInfo", "减免"),
            ),
        ),
        group="CagOfTrdInf",
    )
    found = _codes(world, replace(opening, segments=(*opening.segments, relief)))
    assert found == {("transaction-exceeds-loan", "AcctSpecTrstDspnSgmt[0].TranAmt")}
    within = dict(relief.groups[0]) | {"TranAmt": "10000"}
    assert (
        _codes(
            world,
            replace(opening, segments=(*opening.segments, replace(relief, groups=(tuple(within.items()),)))),
        )
        == set()
    )


def test_a_correction_names_the_segment_it_corrects(
    sample: tuple[RegWorld, dict[str, CreditRecord]],
) -> None:
    world, records = sample
    month_end = records["30"]
    corrected = month_end.segment("AcctMthlyBlgInfSgmt")
    assert corrected is not None

    def correction(letter: str) -> CreditRecord:
        return CreditRecord(
            root="InAcctMdfc",
            record_type="212",
            account_code=month_end.account_code,
            report_date=month_end.report_date,
            report_code="",
            loan_id=month_end.loan_id,
            segments=(
                RecordSegment(
                    "MdfcBsSgmt",
                    (
                        ("InfRecType", "212"),
                        ("ModRecCode", month_end.account_code),
                        ("AcctType", "D1"),
                        ("RptDate", month_end.report_date.isoformat()),
                        ("MdfcSgmtCode", letter),
                    ),
                ),
                replace(corrected, wrapper="MdfcSgmt"),
            ),
        )

    assert validate(correction("H"), world.spec) == []
    assert ("segment-letter", "MdfcBsSgmt.MdfcSgmtCode") in _codes(world, correction("J"))
    assert ("unknown-code", "MdfcBsSgmt.MdfcSgmtCode") in _codes(world, correction("Q"))


def test_hostile_lines_are_located_errors_not_crashes() -> None:
    from loanfactory.errors import InvalidInput

    for line in (
        "",
        "<Document>",
        "<!DOCTYPE x [<!ENTITY a 'b'>]><Document><x>&a;</x></Document>",
        "<Document><A/><B/></Document>",
        "not xml at all",
    ):
        with pytest.raises(InvalidInput):
            parse_line(line)


def test_a_file_whose_header_lies_is_refused(sample: tuple[RegWorld, dict[str, CreditRecord]]) -> None:
    from loanfactory.errors import InvalidInput

    world, _ = sample
    content = account_file(world.month("2026-01")).content
    lines = content.decode().split("\n")
    lines[0] = lines[0][:43] + "0000009"
    with pytest.raises(InvalidInput):
        read("\n".join(lines).encode())
    with pytest.raises(InvalidInput):
        read(b"B" + content[1:])
