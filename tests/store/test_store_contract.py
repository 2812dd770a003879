"""The store contract: every test here runs on the memory store, SQLite and PostgreSQL.

The memory store is the reference; a difference on any backend is a bug in that backend.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from store_entities import Colour, Line, Owner, Unmapped, Widget

from loanfactory.entity import CST, DomainEvent
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.ports import ConcurrentUpdate, LedgerEntryRecord, OutboxMessage, Store
from loanfactory.testing import MemoryStore

AT = datetime(2024, 3, 1, 10, 30, 15, 123456, tzinfo=CST)


def widget(id: str = "w1", **fields: object) -> Widget:
    return Widget.model_validate({"id": id, "owner_id": "c1", **fields})


def entry(
    sequence: int, *, loan: str = "L1", key: str | None = None, amount: str = "100.00", **fields: object
) -> LedgerEntryRecord:
    return LedgerEntryRecord.model_validate(
        {
            "id": f"{loan}:{sequence:06d}",
            "loan_id": loan,
            "sequence": sequence,
            "type": "repayment",
            "business_date": date(2024, 3, 1),
            "posted_at": AT,
            "amount": Decimal(amount),
            "idempotency_key": key,
            **fields,
        }
    )


def message(id: str, key: str, *, at: datetime = AT, **payload: object) -> OutboxMessage:
    return OutboxMessage(id=id, topic="notification", dedup_key=key, payload=dict(payload), created_at=at)


def event(id: str, *, subject: str = "L1", key: str | None = None) -> DomainEvent:
    return DomainEvent(
        id=id,
        type="loan.repaid",
        subject=subject,
        at=AT,
        idempotency_key=key,
        payload={"amount": Decimal("12.30")},
    )


# --- entities ---------------------------------------------------------------------------------


def test_add_then_get_gives_the_entity_at_version_1(store: Store) -> None:
    with store.transaction() as tx:
        added = tx.repo(Widget).add(widget())
    assert added.version == 1
    with store.transaction() as tx:
        assert tx.repo(Widget).get("w1") == added
        assert tx.repo(Widget).find("nope") is None


def test_every_field_reads_back_exactly(store: Store) -> None:
    rich = widget(
        amount=Decimal("1234.5"),
        rate=Decimal("0.000136986301369863"),
        due=date(2024, 2, 29),
        at=datetime(2024, 3, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        owner=Owner(name="张三", id_number="110105199003071234", phone="13812345678"),
        colour=Colour.blue,
        label="标签 ✓",
        tags=("a", "b"),
        data={
            "rate": Decimal("1E-12"),
            "when": date(2024, 1, 1),
            "nested": {"$decimal": "not a tag", "n": [1, 2.5]},
            "big": 2**70,
            "text": 'line\nbreak "quoted" \\ 中文',
        },
    )
    with store.transaction() as tx:
        tx.repo(Widget).add(rich)
    with store.transaction() as tx:
        back = tx.repo(Widget).get("w1")
    assert back == rich.model_copy(update={"version": 1})
    assert str(back.rate) == "0.000136986301369863"
    assert str(back.data["rate"]) == "1E-12"
    assert isinstance(back.data["rate"], Decimal)
    assert back.data["when"] == date(2024, 1, 1)
    assert back.data["nested"] == {"$decimal": "not a tag", "n": [1, 2.5]}
    assert back.at is not None
    assert back.at.utcoffset() == timedelta(hours=-5)


def test_adding_an_existing_id_is_a_conflict_and_leaves_it_unchanged(store: Store) -> None:
    with store.transaction() as tx:
        tx.repo(Widget).add(widget(label="first"))
    with store.transaction() as tx:
        with pytest.raises(StateConflict):
            tx.repo(Widget).add(widget(label="second"))
        assert tx.repo(Widget).get("w1").label == "first"  # the transaction is still usable


def test_update_bumps_the_version_and_refuses_a_stale_read(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.repo(Widget).add(widget())
    with store.transaction() as tx:
        second = tx.repo(Widget).update(first.evolve(label="x"))
    assert second.version == 2
    with store.transaction() as tx:
        with pytest.raises(ConcurrentUpdate):
            tx.repo(Widget).update(first.evolve(label="stale"))
        assert tx.repo(Widget).get("w1").label == "x"


def test_update_of_a_missing_entity_is_not_found(store: Store) -> None:
    with store.transaction() as tx, pytest.raises(NotFound):
        tx.repo(Widget).update(widget("ghost").model_copy(update={"version": 1}))


def test_a_repository_refuses_another_entity_type(store: Store) -> None:
    with store.transaction() as tx, pytest.raises(TypeError):
        tx.repo(Widget).add(Line(id="x", customer_id="c", limit=Decimal(1)))  # type: ignore[arg-type]


def test_lock_reads_for_update(store: Store) -> None:
    with store.transaction() as tx:
        tx.repo(Line).add(Line(id="line", customer_id="c", limit=Decimal(100)))
    with store.transaction() as tx:
        line = tx.repo(Line).lock("line")
        tx.repo(Line).update(line.evolve(occupied=Decimal(40)))
        with pytest.raises(NotFound):
            tx.repo(Line).lock("missing")
    with store.transaction() as tx:
        assert tx.repo(Line).get("line").occupied == Decimal(40)


def test_list_filters_on_indexes_in_codepoint_id_order(store: Store) -> None:
    ids = ["b", "B", "a", "a1", "é", "Z", "_x", "10", "9"]
    with store.transaction() as tx:
        for i, id in enumerate(ids):
            tx.repo(Widget).add(
                widget(
                    id, colour=Colour.blue if i % 2 else Colour.red, label=None if i % 3 == 0 else f"l{i % 3}"
                )
            )
    with store.transaction() as tx:
        repo = tx.repo(Widget)
        assert [w.id for w in repo.list()] == sorted(ids)
        assert [w.id for w in repo.list(colour=Colour.blue)] == sorted(ids[1::2])
        assert [w.id for w in repo.list(colour="blue")] == sorted(ids[1::2])
        assert [w.id for w in repo.list(label=None)] == sorted(ids[0::3])
        assert [w.id for w in repo.list(label="l1", colour=Colour.red)] == sorted(
            id for i, id in enumerate(ids) if i % 3 == 1 and i % 2 == 0
        )
        assert [w.id for w in repo.list(id="é")] == ["é"]
        assert repo.list(owner_id="nobody") == []


def test_list_by_a_nested_index(store: Store) -> None:
    with store.transaction() as tx:
        tx.repo(Widget).add(widget("w1", owner=Owner(name="a", id_number="110105199003071234")))
        tx.repo(Widget).add(widget("w2", owner=Owner(name="b", id_number="310105199003071234")))
        tx.repo(Widget).add(widget("w3"))
    with store.transaction() as tx:
        found = tx.repo(Widget).list(**{"owner.id_number": "310105199003071234"})
    assert [w.id for w in found] == ["w2"]


def test_list_refuses_an_attribute_that_is_not_indexed(store: Store) -> None:
    with store.transaction() as tx, pytest.raises(InvalidInput) as caught:
        tx.repo(Widget).list(amount=Decimal(1))
    assert caught.value.field == "amount"


def test_stored_values_are_copies(store: Store) -> None:
    data = {"k": [1]}
    with store.transaction() as tx:
        added = tx.repo(Widget).add(widget(data=data))
    data["k"].append(2)
    added.data["k"].append(3)
    with store.transaction() as tx:
        assert tx.repo(Widget).get("w1").data == {"k": [1]}


# --- transactions -----------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_an_exception_rolls_back_everything(store: Store) -> None:
    with store.transaction() as tx:
        tx.repo(Widget).add(widget("kept"))

    def fail_half_way() -> None:
        with store.transaction() as tx:
            tx.repo(Widget).add(widget("lost"))
            tx.repo(Widget).update(tx.repo(Widget).get("kept").evolve(label="lost"))
            tx.ledger.append(entry(1, key="k1"))
            tx.outbox.add(message("m1", "d1"))
            tx.events.append(event("e1", key="c1"))
            tx.audit.append(actor="u", action="a", subject="s", at=AT)
            raise Boom

    with pytest.raises(Boom):
        fail_half_way()
    with store.transaction() as tx:
        assert tx.repo(Widget).find("lost") is None
        assert tx.repo(Widget).get("kept").label is None
        assert tx.ledger.entries("L1") == []
        assert tx.ledger.by_key("k1") is None
        assert tx.outbox.pending() == []
        assert tx.events.by_key("c1") is None
        assert tx.events.for_subject("L1") == []
        assert tx.audit.records() == []
        # the rolled-back keys are free again
        tx.ledger.append(entry(1, key="k1"))
        tx.audit.append(actor="u", action="a", subject="s", at=AT)
    with store.transaction() as tx:
        assert tx.audit.records()[0].sequence == 1


def test_a_nested_transaction_joins_the_open_one(store: Store) -> None:
    def fail_after_nesting() -> None:
        with store.transaction() as outer:
            outer.repo(Widget).add(widget("a"))
            with store.transaction() as inner:
                assert inner.repo(Widget).get("a").id == "a"  # sees the outer's writes
                inner.repo(Widget).add(widget("b"))
            raise Boom

    with pytest.raises(Boom):
        fail_after_nesting()
    with store.transaction() as tx:
        assert tx.repo(Widget).list() == []


def test_unmapped_kinds_are_refused_by_sql_stores_only_at_use(store: Store) -> None:
    with store.transaction() as tx:
        if isinstance(store, MemoryStore):  # memory: any kind
            assert tx.repo(Unmapped).add(Unmapped(id="u")).version == 1
            return
        with pytest.raises(InvalidInput, match="map_entity"):  # SQL: no table for the kind
            tx.repo(Unmapped).add(Unmapped(id="u"))


# --- ledger -----------------------------------------------------------------------------------


def test_ledger_keeps_postings_in_sequence_order_exactly(store: Store) -> None:
    with store.transaction() as tx:
        tx.ledger.append(entry(2, amount="-0.01", principal=Decimal("-0.01"), credit=Decimal("5.5")))
        tx.ledger.append(
            entry(1, key="repay-1", data={"allocation": [["2024-03-01", "interest", Decimal("1.10")]]})
        )
        tx.ledger.append(entry(1, loan="L2"))
    with store.transaction() as tx:
        entries = tx.ledger.entries("L1")
        assert [e.sequence for e in entries] == [1, 2]
        assert entries[0] == entry(
            1, key="repay-1", data={"allocation": [["2024-03-01", "interest", Decimal("1.10")]]}
        )
        assert str(entries[1].amount) == "-0.01"
        assert entries[1].credit == Decimal("5.5")
        assert tx.ledger.by_key("repay-1") == entries[0]
        assert tx.ledger.by_key("other") is None
        assert [e.loan_id for e in tx.ledger.entries("L2")] == ["L2"]


def test_ledger_refuses_a_second_posting_with_the_same_key_id_or_sequence(store: Store) -> None:
    with store.transaction() as tx:
        tx.ledger.append(entry(1, key="k"))
    with store.transaction() as tx:
        with pytest.raises(StateConflict) as by_key:
            tx.ledger.append(entry(2, key="k"))
        assert by_key.value.field == "idempotency_key"
        with pytest.raises(StateConflict) as by_id:
            tx.ledger.append(entry(1, key="other").model_copy(update={"sequence": 7}))
        assert by_id.value.field == "id"
        with pytest.raises(ConcurrentUpdate):
            tx.ledger.append(entry(1, key="new").model_copy(update={"id": "L1:other"}))
        tx.ledger.append(entry(2, key="k2"))  # still usable after the refusals
    with store.transaction() as tx:
        assert [e.idempotency_key for e in tx.ledger.entries("L1")] == ["k", "k2"]


def test_ledger_refuses_amounts_below_the_fen(store: Store) -> None:
    with store.transaction() as tx:
        with pytest.raises(InvalidInput):
            tx.ledger.append(entry(1, amount="0.001"))
        with pytest.raises(InvalidInput):
            tx.ledger.append(entry(2, interest=Decimal("1.005")))
        assert tx.ledger.entries("L1") == []


# --- outbox -----------------------------------------------------------------------------------


def test_outbox_ignores_a_repeated_dedup_key_and_lists_oldest_first(store: Store) -> None:
    with store.transaction() as tx:
        tx.outbox.add(message("m2", "k2", at=AT + timedelta(seconds=1), n=Decimal("2.50")))
        tx.outbox.add(message("m1", "k1"))
        tx.outbox.add(message("m3", "k1"))  # same dedup key: ignored
        tx.outbox.add(message("m1", "k1"))  # same message again: ignored
        with pytest.raises(StateConflict):
            tx.outbox.add(message("m1", "another"))
    with store.transaction() as tx:
        pending = tx.outbox.pending()
        assert [m.id for m in pending] == ["m1", "m2"]
        assert pending[1].payload == {"n": Decimal("2.50")}
        assert [m.id for m in tx.outbox.pending(limit=1)] == ["m1"]


def test_outbox_marks_delivered_once_and_counts_failures(store: Store) -> None:
    with store.transaction() as tx:
        tx.outbox.add(message("m1", "k1"))
        tx.outbox.add(message("m2", "k2"))
    with store.transaction() as tx:
        tx.outbox.mark_failed("m1", "timeout")
        tx.outbox.mark_failed("m1", "timeout again")
        tx.outbox.mark_delivered("m2", AT + timedelta(minutes=1))
        tx.outbox.mark_delivered("m2", AT + timedelta(minutes=5))  # a late duplicate report
        with pytest.raises(NotFound):
            tx.outbox.mark_delivered("nope", AT)
        with pytest.raises(NotFound):
            tx.outbox.mark_failed("nope", "x")
    with store.transaction() as tx:
        (waiting,) = tx.outbox.pending()
        assert (waiting.id, waiting.attempts, waiting.last_error) == ("m1", 2, "timeout again")
        tx.outbox.add(message("m9", "k2"))  # a delivered message's key still deduplicates
        assert [m.id for m in tx.outbox.pending()] == ["m1"]


# --- events -----------------------------------------------------------------------------------


def test_events_record_idempotency_keys(store: Store) -> None:
    with store.transaction() as tx:
        tx.events.append(event("e1", key="cmd-1"))
        tx.events.append(event("e2"))
        tx.events.append(event("e3", subject="L2"))
    with store.transaction() as tx:
        assert tx.events.by_key("cmd-1") == event("e1", key="cmd-1")
        assert tx.events.by_key("cmd-2") is None
        assert [e.id for e in tx.events.for_subject("L1")] == ["e1", "e2"]
        with pytest.raises(StateConflict) as again:
            tx.events.append(event("e4", key="cmd-1"))
        assert again.value.field == "idempotency_key"
        with pytest.raises(StateConflict):
            tx.events.append(event("e2"))
        assert [e.id for e in tx.events.for_subject("L1")] == ["e1", "e2"]


# --- audit ------------------------------------------------------------------------------------


def test_audit_appends_links_a_chain(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.audit.append(
            actor="alice",
            action="line.occupy",
            subject="line-1",
            at=AT,
            before={"occupied": Decimal("0")},
            after={"occupied": Decimal("10.00")},
        )
        tx.audit.append(actor="bob", action="line.release", subject="line-2", at=AT)
    with store.transaction() as tx:
        tx.audit.append(actor="carol", action="x", subject="line-1", at=AT + timedelta(days=1))
    with store.transaction() as tx:
        records = tx.audit.records()
        assert [r.sequence for r in records] == [1, 2, 3]
        assert records[0] == first
        assert first.after == {"occupied": "10.00"}
        assert records[1].previous_hash == records[0].hash
        assert [r.actor for r in tx.audit.records("line-1")] == ["alice", "carol"]
