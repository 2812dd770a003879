"""The simulated KYC vendor, credit bureau and notifier are deterministic and realistic."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from loanfactory.ports import BureauQuery, Channel, KycCheck, Notification, ServiceUnavailable
from loanfactory.testing import RecordingNotifier, SimulatedBureau, SimulatedKyc, generate_report
from loanfactory.testing.strategies import credit_codes, id_numbers

ID = "11010519491231002X"
CODE = "91440300708461136T"
AS_OF = date(2025, 8, 1)


def query(subject: str) -> BureauQuery:
    return BureauQuery(
        subject_id=subject, subject_name="张三", purpose="loan_approval", consent_id="c1", as_of=AS_OF
    )


def test_kyc_passes_well_formed_identities_and_fails_on_request() -> None:
    kyc = SimulatedKyc(failing_ids={ID}, revoked_licences={CODE})
    assert not kyc.verify_id_card(ID, "张三").passed
    assert kyc.verify_id_card("110105194912310021", "张三").reason == "id-checksum"
    assert SimulatedKyc().verify_id_card(ID, "张三").passed
    assert kyc.verify_business_licence(CODE, "华为技术有限公司", "赵明路").reason == "licence-revoked"
    assert SimulatedKyc().verify_business_licence(CODE, "华为技术有限公司", "赵明路").passed
    card = SimulatedKyc(rejected_cards={"6222021234567890123"})
    assert not card.verify_bank_card(
        "110101199003070011", "李四", "6222021234567890123", "13812345678"
    ).passed
    assert [c for c, _ in kyc.calls] == [KycCheck.id_card, KycCheck.id_card, KycCheck.business_licence]
    assert all(ID not in subject for _, subject in kyc.calls)  # calls are recorded masked


def test_kyc_registry_names_and_faces() -> None:
    kyc = SimulatedKyc(registry_names={ID: "张三"}, spoofed_faces={"0" * 64})
    assert kyc.verify_id_card(ID, "李四").reason == "name-mismatch"
    face = kyc.match_face(ID, hashlib.sha256(b"selfie").hexdigest())
    assert face.passed
    assert face.score is not None
    assert face.score >= Decimal("0.80")
    assert face == kyc.match_face(ID, hashlib.sha256(b"selfie").hexdigest())  # deterministic
    spoof = kyc.match_face(ID, "0" * 64)
    assert not spoof.passed
    assert spoof.reason == "face-mismatch"


def test_unavailable_services_raise_the_port_error() -> None:
    with pytest.raises(ServiceUnavailable):
        SimulatedKyc(unavailable=True).verify_id_card(ID, "张三")
    with pytest.raises(ServiceUnavailable):
        SimulatedBureau(unavailable_for={ID}).report(query(ID))


@settings(max_examples=30)
@given(id_numbers())
def test_bureau_reports_are_deterministic_per_subject(subject: str) -> None:
    bureau = SimulatedBureau()
    first = bureau.report(query(subject))
    assert first == SimulatedBureau().report(query(subject))
    assert first.subject_id == subject
    assert first.as_of == AS_OF
    assert first.inquiries_12m >= first.inquiries_3m
    for record in first.records:
        assert record.balance >= 0
        assert record.opened is None or record.opened < AS_OF


@settings(max_examples=20)
@given(credit_codes())
def test_enterprise_reports_have_enterprise_records(code: str) -> None:
    report = SimulatedBureau().report(query(code))
    assert {r.kind for r in report.records} <= {
        "loan",
        "guarantee",
        "tax_arrears",
        "court_judgement",
        "write_off",
        "bad_debt",
    }
    assert not any(r.kind == "credit_card" for r in report.records)


def test_personas_have_realistic_shares_and_the_severe_one_has_a_bad_record() -> None:
    bureau = SimulatedBureau()
    subjects = [f"11010519800101{n:03d}" for n in range(1000)]
    shares = Counter(bureau.persona_of(s) for s in subjects)
    assert 380 <= shares["prime"] <= 520
    assert 10 <= shares["severe"] <= 80
    severe = generate_report(ID, AS_OF, "severe")
    assert any(r.worst_status == "bad_debt" for r in severe.records)
    assert severe.score is not None
    assert severe.score < 500
    prime = generate_report(ID, AS_OF, "prime")
    assert prime.score is not None
    assert prime.score >= 700
    assert all(r.overdue_months_24m == 0 for r in prime.records)


def test_forced_personas_and_reports() -> None:
    forced = SimulatedBureau(personas={ID: "severe"}).report(query(ID))
    assert any(r.worst_status == "bad_debt" for r in forced.records)
    fixed = generate_report(ID, AS_OF, "prime")
    assert SimulatedBureau(reports={ID: fixed}).report(query(ID)) is fixed


def notification(key: str, recipient: str = "cus_1") -> Notification:
    return Notification(
        id=f"n-{key}", recipient=recipient, channel=Channel.sms, template="t", body="hello", dedup_key=key
    )


def test_recording_notifier_fails_on_request_and_drops_repeats() -> None:
    notifier = RecordingNotifier(fail_first=1, unreachable={"cus_9"})
    assert not notifier.send(notification("a")).delivered
    assert notifier.send(notification("a")).delivered
    assert notifier.send(notification("a")).delivered
    assert not notifier.send(notification("b", "cus_9")).delivered
    assert [n.dedup_key for n in notifier.sent] == ["a"]
    assert notifier.to("cus_1")[0].body == "hello"
    assert notifier.attempts == 4
