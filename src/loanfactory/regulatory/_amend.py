"""Corrections and deletions (更正、删除请求记录) of what was already reported.

Nothing reported is ever rewritten. A correction record (212) is written for each reported segment
whose content changed because postings dated on or before it were booked after it was reported (a
reversal, a back-dated payment): the segment is built again from the ledger and its digest compared
with the one kept when it was reported. Deletion records (213 one segment over a date range, 214 a
whole account) are written when staff asked for them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from loanfactory.regulatory._build import Classification, ReportAccount
from loanfactory.regulatory._entities import CreditAccount
from loanfactory.regulatory._figures import LoanHistory
from loanfactory.regulatory._record import CreditRecord, RecordSegment
from loanfactory.regulatory._validate import validate
from loanfactory.servicing import Category

if TYPE_CHECKING:
    from loanfactory.regulatory._run import MonthRun

_SEGMENT_LETTER = {
    "AcctBsInfSgmt": "C",
    "AcctMthlyBlgInfSgmt": "H",
    "ActLbltyInfSgmt": "H",
    "AcctDbtInfSgmt": "J",
    "AcctSpecTrstDspnSgmt": "K",
}


def segment_letter(tag: str) -> str:
    """The segment's letter (段标) in correction and deletion requests; "" when none is used."""
    return _SEGMENT_LETTER.get(tag, "")


def correction_records(
    run: MonthRun, account: ReportAccount, history: LoanHistory, state: CreditAccount
) -> CreditAccount:
    """Correction records (212) for reported segments that postings booked after them changed;
    returns the account with the digests of what is now reported."""
    if not state.reported or state.reported_at is None:
        return state
    late = [e for e in history.entries if e.posted_at >= state.reported_at]
    if not late:
        return state
    earliest = min(e.business_date for e in late)
    fmt = run.service.builder.format_of(account)
    if "correction" not in fmt.requests:
        return state
    request = fmt.requests["correction"]
    changed = list(state.reported)
    for index, entry in enumerate(state.reported):
        when, code, category, since, digests = entry.split("|")
        day = date.fromisoformat(when)
        if day < earliest or day >= run.start:
            continue
        known = Classification(Category(category), date.fromisoformat(since) if since != "None" else None)
        month = f"{day.year:04d}-{day.month:02d}"
        fresh = [
            r
            for r in run.service.records_of(account, history, month, first=False, known=known)
            if r.report_date == day and r.report_code == code
        ]
        if not fresh:
            continue
        old = dict(part.split("=") for part in digests.split(",") if part)
        new_parts = []
        for segment in fresh[0].segments[1:]:
            letter = segment_letter(segment.tag)
            if not letter:
                continue
            new_parts.append(f"{letter}={segment.digest()}")
            if letter in old and old[letter] != segment.digest() and letter in ("H", "J"):
                correction = CreditRecord(
                    root=request.root,
                    record_type=request.record_type,
                    account_code=account.code,
                    report_date=day,
                    report_code="",
                    loan_id=account.loan_id,
                    segments=(
                        RecordSegment(
                            request.base,
                            (
                                ("InfRecType", request.record_type),
                                ("ModRecCode", account.code),
                                ("AcctType", "D1"),
                                ("RptDate", day.isoformat()),
                                ("MdfcSgmtCode", letter),
                            ),
                        ),
                        RecordSegment(
                            segment.tag, segment.items, segment.groups, segment.group, wrapper="MdfcSgmt"
                        ),
                    ),
                )
                problems = validate(correction, run.service.spec, passed=run.passed)
                if problems:
                    run.problems += problems
                    continue
                run.emit(correction)
        changed[index] = f"{when}|{code}|{category}|{since}|{','.join(new_parts)}"
    return state.evolve(reported=tuple(changed))


def deletion_records(
    run: MonthRun, account: ReportAccount, history: LoanHistory, state: CreditAccount
) -> CreditAccount:
    """Deletion records (213, 214) for the requests staff made since the last run."""
    fmt = run.service.builder.format_of(account)
    if state.delete_account and "account_deletion" in fmt.requests:
        request = fmt.requests["account_deletion"]
        run.emit(
            CreditRecord(
                root=request.root,
                record_type=request.record_type,
                account_code=account.code,
                report_date=run.end,
                report_code="",
                loan_id=account.loan_id,
                segments=(
                    RecordSegment(
                        request.base, (("InfRecType", request.record_type), ("DelRecCode", account.code))
                    ),
                ),
            )
        )
        return state.evolve(delete_account=None, status="deleted", held=())
    for item in state.delete_segments:
        if "segment_deletion" not in fmt.requests:
            break
        letter, first, last, _ = item.split("|", 3)
        request = fmt.requests["segment_deletion"]
        run.emit(
            CreditRecord(
                root=request.root,
                record_type=request.record_type,
                account_code=account.code,
                report_date=date.fromisoformat(first),
                report_code="",
                loan_id=account.loan_id,
                segments=(
                    RecordSegment(
                        request.base,
                        (
                            ("InfRecType", request.record_type),
                            ("DelRecCode", account.code),
                            ("AcctType", "D1"),
                            ("DelSgmtCode", letter),
                            ("DelStartDate", first),
                            ("DelEndDate", last),
                        ),
                    ),
                ),
            )
        )
    return state.evolve(delete_segments=()) if state.delete_segments else state


__all__ = ["correction_records", "deletion_records", "segment_letter"]
