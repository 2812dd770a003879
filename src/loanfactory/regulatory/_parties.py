"""The records about parties rather than loans: personal basic information (个人基本信息记录, 110)
and personal credit agreements (个人授信协议信息记录, 220), built and cross-checked.

- **110** comes from the customer origination keeps: the base segment (name, ID, the provider's
  source code, the report date and why: ``10`` first report, ``20`` update), the basic profile
  (sex and date of birth as the resident ID number encodes them, GB 11643; nationality; mobile
  phone) and the self-declared annual income. It is reported with the first record of the
  customer's first reported account, and again (``20``) when what it says changed.
- **220** comes from a credit line (授信额度) of an individual: ``10`` in the month it opened,
  ``30`` when the limit or the expiry date changed, ``20`` when it expired or closed.

The cross-item rules (逻辑校验) of both record types are here, next to what they check.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

from loanfactory.regulatory._consistency import day_of
from loanfactory.regulatory._format import ReportingSpec
from loanfactory.regulatory._record import CreditRecord, RecordSegment, amount_text

if TYPE_CHECKING:
    from loanfactory.origination import CreditLine, Customer
    from loanfactory.regulatory._entities import CreditAccount
    from loanfactory.regulatory._run import MonthRun
    from loanfactory.regulatory._validate import Check

RESIDENT_ID = "10"  # 居民身份证及其他以公民身份证号为标识的证件
CLOSED_LINE = ("expired", "closed")


# --- 110 ----------------------------------------------------------------------------------------


def basic_segments(customer: Customer, spec: ReportingSpec, day: date) -> tuple[RecordSegment, ...]:
    """The profile and income segments of a customer's 110 record (what an update compares)."""
    person = customer.individual
    assert person is not None
    number = person.id_number
    places = spec.basic.amount_places
    profile: list[tuple[str, str]] = [
        ("Sex", "1" if int(number[16]) % 2 else "2"),
        ("DOB", _birth_date(number).isoformat()),
        ("Nation", "CHN"),
        ("HhDist", number[:6]),
        ("CellPhone", person.phone),
        ("FcsInfoUpDate", day.isoformat()),
    ]
    income = (("AnnlInc", amount_text(person.annual_income, places)), ("IncInfoUpDate", day.isoformat()))
    return RecordSegment("FcsInfSgmt", tuple(profile)), RecordSegment("IncInfSgmt", income)


def basic_digest(segments: tuple[RecordSegment, ...]) -> str:
    """What a 110 record says about the person, without its dates (an update is a change of it)."""
    text = "|".join(f"{k}={v}" for s in segments for k, v in s.items if not k.endswith("UpDate"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def basic_record(
    customer: Customer, spec: ReportingSpec, day: date, code: str, segments: tuple[RecordSegment, ...]
) -> CreditRecord:
    """A 110 record reported on ``day`` for ``code`` (``10`` first report, ``20`` update)."""
    person = customer.individual
    assert person is not None
    settings = spec.settings
    base = RecordSegment(
        "BsSgmt",
        (
            ("InfRecType", spec.basic.record_type),
            ("Name", person.name),
            ("IDType", RESIDENT_ID),
            ("IDNum", person.id_number),
            ("InfSurcCode", settings.provider_code),
            ("RptDate", day.isoformat()),
            ("RptDateCode", code),
            ("Cimoc", settings.management_code),
            ("CustomerType", "11"),
        ),
    )
    return CreditRecord(
        root=spec.basic.root,
        record_type=spec.basic.record_type,
        account_code=person.id_number,
        report_date=day,
        report_code=code,
        loan_id="",
        segments=(base, *segments),
    )


def check_basic(check: Check) -> None:
    """110: the date of birth and sex agree with a resident ID number (GB 11643: digits 7-14 are
    the date of birth, the 17th is odd for a man); no date after the report date."""
    rec = check.record
    report = day_of(rec.value("BsSgmt", "RptDate"))
    number = rec.value("BsSgmt", "IDNum") or ""
    profile = rec.segment("FcsInfSgmt")
    resident = rec.value("BsSgmt", "IDType") == RESIDENT_ID and len(number) == 18 and number[:17].isdigit()
    if profile is not None:
        born = day_of(profile.get("DOB"))
        if resident and born is not None and number[6:14] != born.strftime("%Y%m%d"):
            check.add(
                "id-birth-date",
                "FcsInfSgmt.DOB",
                "the date of birth differs from the one in the ID number",
                "出生日期与身份证号码中的出生日期不一致",
            )
        sex = profile.get("Sex")
        if resident and sex in ("1", "2") and (int(number[16]) % 2 == 1) != (sex == "1"):
            check.add(
                "id-sex",
                "FcsInfSgmt.Sex",
                "the sex differs from the one the ID number encodes",
                "性别与身份证号码不一致",
            )
    for segment in rec.segments[1:]:
        for tag, text in segment.items:
            when = day_of(text) if tag in ("DOB",) or tag.endswith("UpDate") else None
            if when is not None and report is not None and when > report:
                check.add(
                    "date-order",
                    f"{segment.tag}.{tag}",
                    f"{tag} is after the report date (I0000501)",
                    f"{tag} 晚于信息报告日期（I0000501）",
                )


def report_basic(run: MonthRun, state: CreditAccount, customer: Customer, day: date) -> CreditAccount:
    """The customer's 110 record with an account's first records of the run (``10`` when no
    account of the customer sent one, ``20`` when what it says changed since); the account keeps
    the digest of what was sent. A record that fails validation is not sent (tried next month)."""
    from loanfactory.regulatory._validate import validate

    if customer.individual is None:
        return state
    spec = run.service.spec
    segments = basic_segments(customer, spec, day)
    digest = basic_digest(segments)
    known = run.known.basic.get(customer.id)
    if known != digest:
        record = basic_record(customer, spec, day, "10" if known is None else "20", segments)
        problems = validate(record, spec, passed=run.passed)
        if problems:
            run.problems += problems
            return state
        run.emit(record)
        run.known.basic[customer.id] = digest
    return state if state.basic_digest == digest else state.evolve(basic_digest=digest)


# --- 220 ----------------------------------------------------------------------------------------


def agreement_code(spec: ReportingSpec, line: CreditLine) -> str:
    return spec.settings.provider_code + "".join(c for c in line.id if c.isalnum())


def agreement_record(
    line: CreditLine, customer: Customer, spec: ReportingSpec, day: date, code: str
) -> CreditRecord:
    """A 220 record of ``line`` reported on ``day`` for ``code`` (10 opened, 30 changed, 20 ended)."""
    person = customer.individual
    assert person is not None
    fmt, settings = spec.agreement, spec.settings
    contract = agreement_code(spec, line)
    base = RecordSegment(
        "CtrctBsSgmt",
        (
            ("InfRecType", fmt.record_type),
            ("ContractCode", contract),
            ("RptDate", day.isoformat()),
            ("RptDateCode", code),
            ("Name", person.name),
            ("IDType", RESIDENT_ID),
            ("IDNum", person.id_number),
            ("MngmtOrgCode", settings.management_code),
        ),
    )
    limit = RecordSegment(
        "CreditLimSgmt",
        (
            ("CreditLimType", "10"),
            ("LimLoopFlg", "1"),
            ("CreditLim", amount_text(line.total, fmt.amount_places)),
            ("Cy", "CNY"),
            ("ConEffDate", line.opened_on.isoformat()),
            ("ConExpDate", line.expires_on.isoformat()),
            ("ConStatus", "2" if line.status.value in CLOSED_LINE else "1"),
        ),
    )
    return CreditRecord(
        root=fmt.root,
        record_type=fmt.record_type,
        account_code=contract,
        report_date=day,
        report_code=code,
        loan_id="",
        segments=(base, limit),
    )


def agreement_events(line: CreditLine, reported: str | None, end: date) -> list[str]:
    """The report codes ``line`` calls for by the month ending ``end``, given the state last
    reported (:func:`line_state`; None when never): 10 when first reported, 30 when the limit
    or expiry changed, 20 when it ended."""
    state = line_state(line)
    if line.opened_on > end:
        return []
    if reported is None:
        return ["10", "20"] if line.status.value in CLOSED_LINE else ["10"]
    if state == reported:
        return []
    last_status = reported.split("|")[2]
    if line.status.value in CLOSED_LINE and last_status not in CLOSED_LINE:
        return ["20"]
    return ["30"]


def line_state(line: CreditLine) -> str:
    """What a 220 record says of a line that can change: ``total|expires|status``."""
    return f"{line.total}|{line.expires_on}|{line.status.value}"


def report_agreements(run: MonthRun, reported: dict[str, str]) -> dict[str, str]:
    """The 220 records of the month for the credit lines of individuals who consented to
    reporting (a signed contract with the clause); ``reported`` is each line's state as last
    reported. Returns the states reported this month. A change after the month's end waits for
    the next month."""
    from loanfactory.origination import CreditLine, LineScope
    from loanfactory.regulatory._service import CONSENT_CLAUSE
    from loanfactory.regulatory._validate import validate
    from loanfactory.servicing import ContractStatus

    spec = run.service.spec
    consenting = {
        c.customer_id
        for c in run.known.contracts.values()
        if c.status is ContractStatus.signed and CONSENT_CLAUSE in c.clauses
    }
    now: dict[str, str] = {}
    for line in run.tx.repo(CreditLine).list(scope=LineScope.customer.value):
        customer = run.known.customers.get(line.customer_id or "")
        if customer is None or customer.individual is None or line.customer_id not in consenting:
            continue
        changed = line.updated_at.date()
        codes = agreement_events(line, reported.get(line.id), run.end)
        if codes and codes != ["10"] and changed > run.end:
            continue
        records = [
            agreement_record(
                line,
                customer,
                spec,
                min(max(line.opened_on if code == "10" else changed, run.start), run.end),
                code,
            )
            for code in codes
        ]
        problems = [p for r in records for p in validate(r, spec, passed=run.passed)]
        if problems:
            run.problems += problems
            continue
        for record in records:
            run.emit(record)
        if records:
            now[line.id] = line_state(line)
    return now


def check_agreement(check: Check) -> None:
    """220: the limit takes effect before it expires and before the report; a terminated
    agreement (20) reports the status 到期/失效 and an active one does not."""
    rec = check.record
    report = day_of(rec.value("CtrctBsSgmt", "RptDate"))
    code = rec.value("CtrctBsSgmt", "RptDateCode")
    limit = rec.segment("CreditLimSgmt")
    if limit is None:
        return
    starts, ends = day_of(limit.get("ConEffDate")), day_of(limit.get("ConExpDate"))
    if starts is not None and ends is not None and starts > ends:
        check.add(
            "date-order",
            "CreditLimSgmt.ConExpDate",
            "the limit expires before it takes effect",
            "额度到期日期早于额度生效日期",
        )
    if starts is not None and report is not None and report < starts:
        check.add(
            "date-order",
            "CtrctBsSgmt.RptDate",
            "the report date is before the limit takes effect (I0000501)",
            "信息报告日期早于额度生效日期（I0000501）",
        )
    status = limit.get("ConStatus")
    if (code == "20") != (status == "2"):
        check.add(
            "agreement-status",
            "CreditLimSgmt.ConStatus",
            "report code 20 (terminated) and the status 2 (expired) go together",
            "报告时点说明代码 20（到期/终止）与额度状态 2（到期/失效）应相互对应",
        )


def _birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


__all__ = [
    "agreement_code",
    "agreement_events",
    "agreement_record",
    "basic_digest",
    "basic_record",
    "basic_segments",
    "check_agreement",
    "check_basic",
    "line_state",
    "report_agreements",
    "report_basic",
]
