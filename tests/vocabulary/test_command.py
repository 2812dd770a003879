"""The idempotent command pieces shared by origination and servicing (loanfactory.command)."""

from __future__ import annotations

from datetime import datetime

import pytest

from loanfactory.command import MAX_ATTEMPTS, check_key, find_done, keyed_event, retry_conflicts
from loanfactory.entity import CST, SequentialIds
from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import ConcurrentUpdate
from loanfactory.testing import FixedClock, MemoryStore


@pytest.mark.parametrize("key", ["", "   ", "k" * 201, None, 42])
def test_an_unusable_key_is_refused(key: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_key(key)
    assert refused.value.field == "idempotency_key"


def test_a_key_finds_its_command_and_refuses_other_arguments() -> None:
    store = MemoryStore()
    clock = FixedClock(datetime(2025, 8, 1, 9, 0, tzinfo=CST))
    ids = SequentialIds()
    with store.transaction() as tx:
        assert find_done(tx, "k-1", "repay", "abc") is None
        tx.events.append(
            keyed_event(
                ids,
                clock,
                event_type="loan.repaid",
                subject="loan_1",
                actor="ops",
                key="k-1",
                name="repay",
                digest="abc",
                result={"paid": "100.00"},
            )
        )
    with store.transaction() as tx:
        done = find_done(tx, "k-1", "repay", "abc")
        assert done is not None
        assert done.payload["result"] == {"paid": "100.00"}
        for name, digest in [("repay", "other"), ("prepay", "abc")]:
            with pytest.raises(StateConflict) as reused:
                find_done(tx, "k-1", name, digest)
            assert reused.value.code == "key-reused"


def test_conflicts_are_retried_a_bounded_number_of_times() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < MAX_ATTEMPTS:
            raise ConcurrentUpdate("another writer")
        return "done"

    assert retry_conflicts(flaky) == "done"
    assert len(calls) == MAX_ATTEMPTS

    calls.clear()

    def hopeless() -> str:
        calls.append(1)
        raise ConcurrentUpdate("another writer")

    with pytest.raises(ConcurrentUpdate):
        retry_conflicts(hopeless)
    assert len(calls) == MAX_ATTEMPTS


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad")

    with pytest.raises(ValueError):
        retry_conflicts(broken)
    assert calls == [1]
