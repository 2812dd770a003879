"""Properties over generated customers and applications (the test kit's strategies)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orig_decider import scripted
from orig_samples import NOW, Keys, enterprise

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import LoanfactoryError
from loanfactory.origination import (
    Application,
    ApplicationStatus,
    CreditLine,
    DecisionRecord,
    EnterpriseProfile,
    IndividualProfile,
    Offer,
    Origination,
    ReviewTask,
)
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc
from loanfactory.testing.strategies import applications, enterprises, individuals

FIXTURE_OK = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def fresh(catalog: LoadedCatalog) -> Origination:
    return Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )


@FIXTURE_OK
@given(st.one_of(individuals(), enterprises()))
def test_every_generated_customer_registers_and_is_found_by_identity(
    catalog: LoadedCatalog, profile: IndividualProfile | EnterpriseProfile
) -> None:
    origination = fresh(catalog)
    customer = origination.register_customer(profile, idempotency_key="reg")
    number = profile.id_number if isinstance(profile, IndividualProfile) else profile.credit_code
    assert origination.find_customer(number) == customer
    assert number not in repr(customer) or isinstance(profile, EnterpriseProfile)


@FIXTURE_OK
@given(individuals(), st.data())
def test_any_application_ends_in_exactly_one_consistent_state(
    catalog: LoadedCatalog, profile: IndividualProfile, data: st.DataObject
) -> None:
    origination = fresh(catalog)
    customer = origination.register_customer(profile, idempotency_key="reg")
    ask = data.draw(
        applications(customer.id, "consumer_credit", amount=(500, 250_000), terms=(6, 12, 24, 36))
    )
    try:
        result = origination.originate(ask, idempotency_key="app")
    except LoanfactoryError:
        assert origination.list(Application) == []  # refused at submission: nothing stored
        return
    app = result.application
    offers = origination.list(Offer, application_id=app.id)
    tasks = origination.list(ReviewTask, application_id=app.id)
    records = origination.list(DecisionRecord, application_id=app.id)
    assert records, "every assessed application has decision records"
    if result.outcome == "approved":
        assert app.status is ApplicationStatus.offered
        assert len(offers) == 1
        assert offers[0].amount <= ask.amount
        assert offers[0].apr > 0
        line = origination.line_of(customer.id)
        assert line is not None
        assert line.occupied == offers[0].amount
    else:
        assert offers == []
    if result.outcome == "manual_review":
        assert [t.stage.value for t in tasks] == ["first"]
    if result.outcome == "rejected":
        assert result.reasons
        assert origination.list(CreditLine) == []


def test_a_group_member_s_first_line_hangs_under_the_group_line(catalog: LoadedCatalog, key: Keys) -> None:
    from orig_samples import ENTERPRISE_DOCS, HUAWEI, documents, request

    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={HUAWEI: "prime"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    firm = origination.register_customer(enterprise(), idempotency_key=key())
    group = origination.form_group("示例集团", (firm.id,), idempotency_key=key())
    group_line = origination.open_group_line(group.id, "800000", idempotency_key=key())
    result = origination.originate(
        request(
            firm.id,
            product="micro_business",
            amount="1000000",
            purpose="business",
            documents=documents(*ENTERPRISE_DOCS),
        ),
        idempotency_key=key(),
    )
    assert result.offer is not None
    assert result.offer.amount == Decimal("800000")  # the group line is the binding limit
    line = origination.line_of(firm.id)
    assert line is not None
    assert line.parent_id == group_line.id
    assert origination.get(CreditLine, group_line.id).available == 0


def test_review_commands_replay_without_a_second_change(catalog: LoadedCatalog, key: Keys) -> None:
    from orig_samples import individual, request, valid_id

    near = valid_id("32010219850615002")
    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas={near: "near-prime"}),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        decider=scripted,
    )
    customer = origination.register_customer(individual(near, "周静"), idempotency_key=key())
    task = origination.originate(request(customer.id), idempotency_key=key()).task
    assert task is not None
    origination.claim_task(task.id, "alice", role="officer", idempotency_key="claim")
    first = origination.approve_task(task.id, "alice", role="officer", idempotency_key="approve-1")
    again = origination.approve_task(task.id, "alice", role="officer", idempotency_key="approve-1")
    assert again == first
    assert len(origination.list(ReviewTask, application_id=task.application_id)) == 2
