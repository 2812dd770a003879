"""Credit lines through the service: occupations, group lines, concurrency, reconciliation."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orig_samples import NOW, Keys, enterprise, individual, valid_code

from loanfactory.catalog import LoadedCatalog
from loanfactory.entity import SequentialIds
from loanfactory.errors import InvalidInput, LoanfactoryError, StateConflict
from loanfactory.origination import CreditLine, LineOccupation, LineStatus, OccupationStatus, Origination
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc


def service(catalog: LoadedCatalog, store: MemoryStore | None = None) -> Origination:
    return Origination(
        store=store or MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )


def test_a_line_is_granted_drawn_and_given_back(origination: Origination, key: Keys) -> None:
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    line = origination.open_line(
        person.id, "100000", sub_limits={"consumer_credit": "60000"}, idempotency_key=key()
    )
    assert line.expires_on == date(2026, 8, 1)
    taken = origination.occupy(line.id, "consumer_credit", "loan_1", "50000", idempotency_key="occ-1")
    assert origination.get(CreditLine, line.id).available == Decimal("50000")
    again = origination.occupy(line.id, "consumer_credit", "loan_1", "50000", idempotency_key="occ-1")
    assert again == taken  # replay: the same occupation, nothing drawn twice
    assert origination.get(CreditLine, line.id).occupied == Decimal("50000")
    part = origination.release(taken.id, "20000", idempotency_key=key())
    assert part.outstanding == Decimal("30000")
    assert part.status is OccupationStatus.active
    rest = origination.release(taken.id, idempotency_key=key())
    assert rest.status is OccupationStatus.released
    with pytest.raises(StateConflict):
        origination.release(taken.id, idempotency_key=key())
    assert origination.get(CreditLine, line.id).occupied == 0


def test_hostile_line_commands(origination: Origination, store: MemoryStore, key: Keys) -> None:
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    with pytest.raises(InvalidInput):
        origination.open_line(person.id, "-1", idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.open_line(
            person.id, "1000", sub_limits={"consumer_credit": "2000"}, idempotency_key=key()
        )
    with pytest.raises(InvalidInput):
        origination.open_line(person.id, "1000", expires_on=date(2025, 8, 1), idempotency_key=key())
    line = origination.open_line(person.id, "1000", idempotency_key=key())
    with pytest.raises(StateConflict):
        origination.open_line(person.id, "1000", idempotency_key=key())
    with pytest.raises(InvalidInput):
        origination.occupy(line.id, "consumer_credit", "x", "0.001", idempotency_key=key())
    with pytest.raises(StateConflict):
        origination.occupy(line.id, "consumer_credit", "x", "1000.01", idempotency_key=key())
    with store.transaction() as tx:
        assert tx.repo(LineOccupation).list() == []


def test_freeze_blocks_drawing_until_unfrozen(origination: Origination, key: Keys) -> None:
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    line = origination.open_line(person.id, "100000", idempotency_key=key())
    assert origination.freeze_line(line.id, idempotency_key=key()).status is LineStatus.frozen
    with pytest.raises(StateConflict):
        origination.occupy(line.id, "consumer_credit", "x", "1", idempotency_key=key())
    origination.unfreeze_line(line.id, idempotency_key=key())
    part = origination.freeze_line(line.id, "30000", idempotency_key=key())
    assert part.available == Decimal("70000")
    with pytest.raises(StateConflict):
        origination.occupy(line.id, "consumer_credit", "x", "70000.01", idempotency_key=key())


def test_a_member_draws_on_the_group_line_too(origination: Origination, key: Keys) -> None:
    a = origination.register_customer(enterprise(), idempotency_key=key("reg"))
    b = origination.register_customer(
        enterprise(valid_code("91440300MA5DCX3A"), name="示例贸易有限公司"), idempotency_key=key("reg")
    )
    group = origination.form_group("示例集团", (a.id, b.id), idempotency_key=key())
    group_line = origination.open_group_line(group.id, "5000000", idempotency_key=key())
    line_a = origination.open_line(a.id, "4000000", group_line_id=group_line.id, idempotency_key=key())
    line_b = origination.open_line(b.id, "4000000", group_line_id=group_line.id, idempotency_key=key())
    origination.occupy(line_a.id, "micro_business", "loan_a", "3000000", idempotency_key=key())
    with pytest.raises(StateConflict) as caught:  # b's own line has room, the group's does not
        origination.occupy(line_b.id, "micro_business", "loan_b", "2500000", idempotency_key=key())
    assert caught.value.code == "line-insufficient"
    assert origination.get(CreditLine, line_b.id).occupied == 0  # nothing half-done
    taken = origination.occupy(line_b.id, "micro_business", "loan_b", "2000000", idempotency_key=key())
    assert origination.get(CreditLine, group_line.id).available == 0
    origination.release(taken.id, "500000", idempotency_key=key())
    assert origination.get(CreditLine, group_line.id).available == Decimal("500000")


def test_concurrent_drawings_never_overdraw(catalog: LoadedCatalog, key: Keys) -> None:
    origination = service(catalog)
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    line = origination.open_line(person.id, "100000", idempotency_key=key())
    results: list[str] = []
    lock = threading.Lock()

    def draw(n: int) -> None:
        try:
            origination.occupy(line.id, "consumer_credit", f"loan_{n}", "7000", idempotency_key=f"occ-{n}")
            outcome = "ok"
        except StateConflict:
            outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 14  # 14 x 7000 = 98000; the 15th would overdraw
    final = origination.get(CreditLine, line.id)
    assert final.occupied == Decimal("98000")
    assert final.available == Decimal("2000")
    occupations = origination.list(LineOccupation, line_id=line.id)
    assert sum((o.outstanding for o in occupations), Decimal(0)) == final.occupied


operations = st.lists(
    st.tuples(
        st.sampled_from(["occupy", "release", "freeze", "unfreeze"]),
        st.sampled_from(["consumer_credit", "auto_loan"]),
        st.integers(1, 40_000),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_any_sequence_of_commands_keeps_the_line_reconciled(
    catalog: LoadedCatalog, ops: list[tuple[str, str, int, bool]]
) -> None:
    origination = service(catalog)
    person = origination.register_customer(individual(), idempotency_key="reg")
    line = origination.open_line(
        person.id,
        "100000",
        sub_limits={"consumer_credit": "70000", "auto_loan": "50000"},
        idempotency_key="line",
    )
    for n, (op, product, amount, whole) in enumerate(ops):
        try:
            if op == "occupy":
                origination.occupy(line.id, product, f"ref_{n}", amount, idempotency_key=f"op-{n}")
            elif op == "release":
                active = list(origination.list(LineOccupation, line_id=line.id, status="active"))
                if active:
                    target = active[amount % len(active)]
                    part = None if whole else min(Decimal(amount) / 100, target.outstanding)
                    origination.release(target.id, part, idempotency_key=f"op-{n}")
            elif op == "freeze":
                origination.freeze_line(line.id, None if whole else amount, idempotency_key=f"op-{n}")
            else:
                origination.unfreeze_line(line.id, None if whole else amount, idempotency_key=f"op-{n}")
        except LoanfactoryError:
            pass  # refused commands change nothing; the invariants below prove it
        current = origination.get(CreditLine, line.id)
        occupations = origination.list(LineOccupation, line_id=line.id)
        assert current.available >= 0
        assert current.occupied == sum((o.outstanding for o in occupations), Decimal(0))
        assert current.occupied == sum((s.occupied for s in current.sub_limits), Decimal(0))
        for sub in current.sub_limits:
            assert 0 <= sub.occupied <= sub.limit
        if current.status is LineStatus.active:
            assert current.occupied + current.frozen + current.available == current.total


def test_lines_past_their_expiry_are_expired_at_end_of_day(catalog: LoadedCatalog, key: Keys) -> None:
    clock = FixedClock(NOW)
    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(),
        notifier=RecordingNotifier(),
        clock=clock,
        ids=SequentialIds(),
    )
    person = origination.register_customer(individual(), idempotency_key=key("reg"))
    line = origination.open_line(person.id, "100000", expires_on=date(2025, 9, 1), idempotency_key=key())
    taken = origination.occupy(line.id, "consumer_credit", "loan_1", "1000", idempotency_key=key())
    assert origination.expire_lines(idempotency_key="eod-0901") == []
    clock.set(date(2025, 9, 2))
    with pytest.raises(StateConflict):  # past expiry nothing more may be drawn, even before end of day
        origination.occupy(line.id, "consumer_credit", "loan_2", "1000", idempotency_key=key())
    expired = origination.expire_lines(idempotency_key="eod-0902")
    assert [x.status for x in expired] == [LineStatus.expired]
    assert origination.expire_lines(idempotency_key="eod-0902") == []  # nothing left to expire
    assert origination.release(taken.id, idempotency_key=key()).status is OccupationStatus.released
