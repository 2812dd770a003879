"""Personal basic information (110) and personal credit agreement (220) records: golden records
written by hand from the specification's layout, when they are sent, and the validator's rules.

The expected lines below are composed by hand: the element order is the specification's (as the
public field lists give it), the date of birth and sex come from the resident ID number as
GB 11643 encodes them (digits 7–14 the date of birth, the 17th odd for a man), amounts are whole
yuan. They are not copied from the code's output.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from reg_world import MANAGER, PROVIDER, RegWorld, account_file, id_number

from loanfactory.entity import CST
from loanfactory.origination import CreditLine, Customer, LineStatus
from loanfactory.regulatory import CreditRecord, parse_line, read, validate
from loanfactory.regulatory._record import RecordSegment

ACCOUNT = "6222020200112233"


def _lines(report: object, record_type: str) -> list[str]:
    found = [f for f in report.files if f.record_type == record_type]  # type: ignore[attr-defined]
    if not found:
        return []
    return found[0].content.decode().splitlines()[1:]


def _golden_basic(day: str, code: str, phone: str = "13800138000") -> str:
    number = id_number(1)  # 110101 19900101 001 + check: born 1990-01-01, 17th digit 1 (odd): a man
    return (
        "<Document><InBasInf>"
        "<BsSgmt><InfRecType>110</InfRecType><Name>张三</Name><IDType>10</IDType>"
        f"<IDNum>{number}</IDNum><InfSurcCode>{PROVIDER}</InfSurcCode><RptDate>{day}</RptDate>"
        f"<RptDateCode>{code}</RptDateCode><Cimoc>{MANAGER}</Cimoc><CustomerType>11</CustomerType></BsSgmt>"
        "<FcsInfSgmt><Sex>1</Sex><DOB>1990-01-01</DOB><Nation>CHN</Nation><HhDist>110101</HhDist>"
        f"<CellPhone>{phone}</CellPhone><FcsInfoUpDate>{day}</FcsInfoUpDate></FcsInfSgmt>"
        f"<IncInfSgmt><AnnlInc>200000</AnnlInc><IncInfoUpDate>{day}</IncInfoUpDate></IncInfSgmt>"
        "</InBasInf></Document>"
    )


def test_the_first_report_of_a_customer_carries_the_basic_information(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    world.loan()
    world.live_until(date(2026, 2, 1))
    january = world.month("2026-01")
    assert _lines(january, "110") == [_golden_basic("2026-01-05", "10")]
    assert validate(parse_line(_lines(january, "110")[0]), world.spec) == []


def test_basic_information_is_sent_again_only_when_it_changed(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    world.live_until(date(2026, 3, 1))
    world.month("2026-01")
    assert _lines(world.month("2026-02"), "110") == []  # nothing changed
    with world.store.transaction() as tx:
        customer = tx.repo(Customer).get(world.servicing.loan(loan).customer_id)
        assert customer.individual is not None
        person = customer.individual.model_copy(update={"phone": "13900139000"})
        tx.repo(Customer).update(customer.model_copy(update={"individual": person}))
    world.live_until(date(2026, 4, 1))
    march = _lines(world.month("2026-03"), "110")
    assert march == [_golden_basic("2026-03-31", "20", phone="13900139000")]  # 更新客户资料


def test_a_second_loan_of_a_reported_customer_sends_no_second_first_report(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    first = world.loan()
    customer = world.servicing.loan(first).customer_id
    world.live_until(date(2026, 2, 1))
    world.month("2026-01")
    world.active(customer_id=customer, borrower_name="张三")
    world.live_until(date(2026, 3, 1))
    february = world.month("2026-02")
    assert _lines(february, "110") == []
    assert [parse_line(x).report_code for x in _lines(february, "210")].count("10") == 1  # the new account


def _line(world: RegWorld, customer_id: str, **changes: object) -> CreditLine:
    values: dict[str, object] = {
        "id": "line-1",
        "customer_id": customer_id,
        "total": Decimal("50000"),
        "opened_on": date(2026, 1, 10),
        "expires_on": date(2027, 1, 9),
        "updated_at": datetime(2026, 1, 10, 9, tzinfo=CST),
    }
    values.update(changes)
    return CreditLine.model_validate(values)


def _golden_agreement(day: str, code: str, limit: str, status: str) -> str:
    return (
        "<Document><InCtrctInf>"
        f"<CtrctBsSgmt><InfRecType>220</InfRecType><ContractCode>{PROVIDER}line1</ContractCode>"
        f"<RptDate>{day}</RptDate><RptDateCode>{code}</RptDateCode><Name>张三</Name><IDType>10</IDType>"
        f"<IDNum>{id_number(1)}</IDNum><MngmtOrgCode>{MANAGER}</MngmtOrgCode></CtrctBsSgmt>"
        "<CreditLimSgmt><CreditLimType>10</CreditLimType><LimLoopFlg>1</LimLoopFlg>"
        f"<CreditLim>{limit}</CreditLim><Cy>CNY</Cy><ConEffDate>2026-01-10</ConEffDate>"
        f"<ConExpDate>2027-01-09</ConExpDate><ConStatus>{status}</ConStatus></CreditLimSgmt>"
        "</InCtrctInf></Document>"
    )


def test_a_credit_line_is_reported_when_opened_changed_and_closed(world: RegWorld) -> None:
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()  # the signed contract carries the consent clause
    customer = world.servicing.loan(loan).customer_id
    with world.store.transaction() as tx:
        tx.repo(CreditLine).add(_line(world, customer))
    world.live_until(date(2026, 2, 1))
    assert _lines(world.month("2026-01"), "220") == [_golden_agreement("2026-01-10", "10", "50000", "1")]
    world.live_until(date(2026, 3, 1))
    assert _lines(world.month("2026-02"), "220") == []  # unchanged: nothing to say
    with world.store.transaction() as tx:
        line = tx.repo(CreditLine).get("line-1")
        tx.repo(CreditLine).update(
            line.model_copy(
                update={"total": Decimal("80000"), "updated_at": datetime(2026, 3, 2, tzinfo=CST)}
            )
        )
    world.live_until(date(2026, 4, 1))
    assert _lines(world.month("2026-03"), "220") == [_golden_agreement("2026-03-02", "30", "80000", "1")]
    with world.store.transaction() as tx:
        line = tx.repo(CreditLine).get("line-1")
        tx.repo(CreditLine).update(
            line.model_copy(
                update={"status": LineStatus.closed, "updated_at": datetime(2026, 4, 15, tzinfo=CST)}
            )
        )
    world.live_until(date(2026, 5, 1))
    assert _lines(world.month("2026-04"), "220") == [_golden_agreement("2026-04-15", "20", "80000", "2")]


def test_a_line_of_a_customer_without_consent_is_not_reported(world: RegWorld) -> None:
    customer = world.customer()  # no contract, so no signed consent clause
    with world.store.transaction() as tx:
        tx.repo(CreditLine).add(_line(world, customer))
    world.live_until(date(2026, 2, 1))
    assert _lines(world.month("2026-01"), "220") == []


# --- the validator's rules for 110 and 220 --------------------------------------------------------


@pytest.fixture(scope="module")
def records() -> tuple[RegWorld, CreditRecord, CreditRecord]:
    world = RegWorld()
    world.gateway.fund(ACCOUNT, Decimal(10**9))
    loan = world.loan()
    with world.store.transaction() as tx:
        tx.repo(CreditLine).add(_line(world, world.servicing.loan(loan).customer_id))
    world.live_until(date(2026, 2, 1))
    report = world.month("2026-01")
    basic = read(account_file(report, "110").content)[1][0]
    agreement = read(account_file(report, "220").content)[1][0]
    return world, basic, agreement


def _set(record: CreditRecord, segment: str, item: str, value: str | None) -> CreditRecord:
    parts = []
    for part in record.segments:
        if part.tag == segment:
            items = tuple(
                (k, value if k == item else v) for k, v in part.items if not (k == item and value is None)
            )
            part = RecordSegment(part.tag, items, part.groups, part.group, part.wrapper)
        parts.append(part)
    return replace(record, segments=tuple(parts))


@pytest.mark.parametrize(
    ("which", "segment", "item", "value", "code", "path"),
    [
        ("basic", "FcsInfSgmt", "DOB", "1990-01-02", "id-birth-date", "FcsInfSgmt.DOB"),
        ("basic", "FcsInfSgmt", "Sex", "2", "id-sex", "FcsInfSgmt.Sex"),
        ("basic", "FcsInfSgmt", "FcsInfoUpDate", "2026-02-01", "date-order", "FcsInfSgmt.FcsInfoUpDate"),
        ("basic", "FcsInfSgmt", "Sex", "7", "unknown-code", "FcsInfSgmt.Sex"),
        ("basic", "FcsInfSgmt", "DOB", None, "missing-item", "FcsInfSgmt.DOB"),
        ("basic", "BsSgmt", "CustomerType", "99", "unknown-code", "BsSgmt.CustomerType"),
        ("basic", "BsSgmt", "InfRecType", "210", "record-type", "BsSgmt.InfRecType"),
        ("basic", "IncInfSgmt", "AnnlInc", "-5", "bad-amount", "IncInfSgmt.AnnlInc"),
        ("agreement", "CreditLimSgmt", "ConExpDate", "2026-01-01", "date-order", "CreditLimSgmt.ConExpDate"),
        ("agreement", "CtrctBsSgmt", "RptDate", "2026-01-09", "date-order", "CtrctBsSgmt.RptDate"),
        ("agreement", "CreditLimSgmt", "ConStatus", "2", "agreement-status", "CreditLimSgmt.ConStatus"),
        ("agreement", "CtrctBsSgmt", "RptDateCode", "20", "agreement-status", "CreditLimSgmt.ConStatus"),
        ("agreement", "CreditLimSgmt", "CreditLimType", "99", "unknown-code", "CreditLimSgmt.CreditLimType"),
        (
            "agreement",
            "CtrctBsSgmt",
            "ContractCode",
            "X9999999999999line1",
            "provider-code",
            "CtrctBsSgmt.ContractCode",
        ),
        ("agreement", "CreditLimSgmt", "CreditLim", "5e4", "bad-amount", "CreditLimSgmt.CreditLim"),
    ],
)
def test_the_validator_locates_each_broken_rule(
    records: tuple[RegWorld, CreditRecord, CreditRecord],
    which: str,
    segment: str,
    item: str,
    value: str | None,
    code: str,
    path: str,
) -> None:
    world, basic, agreement = records
    record = basic if which == "basic" else agreement
    assert validate(record, world.spec) == []
    problems = validate(_set(record, segment, item, value), world.spec)
    assert (code, path) in [(p.code, p.path) for p in problems], [p.format() for p in problems]
    assert all(p.message_zh for p in problems)


def test_a_first_basic_report_without_its_profile_is_refused(
    records: tuple[RegWorld, CreditRecord, CreditRecord],
) -> None:
    world, basic, _ = records
    bare = replace(basic, segments=basic.segments[:1])
    assert [(p.code, p.path) for p in validate(bare, world.spec)] == [("missing-segment", "FcsInfSgmt")]
