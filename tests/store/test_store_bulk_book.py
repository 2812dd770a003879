"""The stored book builder and the stores' bulk load (批量导入) on every backend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from store_support import NewStore

from loanfactory.audit import LOADED, verify_chain
from loanfactory.errors import StateConflict
from loanfactory.servicing import Loan
from loanfactory.testing.stored_book import PROFILES, Template, make_templates, write_copies

DAY = date(2026, 6, 30)


@pytest.fixture(scope="module")
def templates() -> list[Template]:
    return make_templates(DAY, len(PROFILES), seed=3)


def _sums(entries: list[object]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(e.type, e.amount, e.principal, e.penalty) for e in entries]  # type: ignore[attr-defined]


def test_copies_hold_the_template_loans_under_their_own_ids(
    new_store: NewStore, templates: list[Template]
) -> None:
    store = new_store()
    book = write_copies(store, templates, 2 * len(templates), DAY, chunk=5)  # type: ignore[arg-type]
    assert sorted(book.profiles) == sorted(PROFILES)
    assert len(set(book.loan_ids)) == len(book.loan_ids) == 2 * len(templates)
    with store.transaction() as tx:
        for number, loan_id in enumerate(book.loan_ids):
            template = templates[number % len(templates)]
            original = template.records[0].value
            assert isinstance(original, Loan)
            loan = tx.repo(Loan).get(loan_id)
            assert loan.id != original.id
            assert loan.version == 1
            assert (loan.status, loan.schedule, loan.days_past_due) == (
                original.status,
                original.schedule,
                original.days_past_due,
            )
            entries = tx.ledger.entries(loan_id)
            assert [e.loan_id for e in entries] == [loan_id] * len(template.postings)
            assert _sums(entries) == _sums([c.value for c in template.postings])
        records = tx.audit.records()
    loads = [r for r in records if r.action == LOADED]
    assert len(loads) == 3  # 14 loans in chunks of 5
    assert sum(r.after["postings"] for r in loads if r.after) == book.postings
    assert verify_chain(records, head=store.audit_head()) is None


def test_a_load_that_names_a_stored_id_writes_nothing(new_store: NewStore, templates: list[Template]) -> None:
    store = new_store()
    write_copies(store, templates, 3, DAY)  # type: ignore[arg-type]
    with store.transaction() as tx:
        before = len(tx.audit.records())
    with pytest.raises(StateConflict):
        write_copies(store, templates, 4, DAY)  # the first three copies are stored already
    with store.transaction() as tx:
        assert len(tx.audit.records()) == before
        assert tx.repo(Loan).find(templates[3].loan_id.replace("~", "~3")) is None
        assert tx.ledger.entries(templates[3].loan_id.replace("~", "~3")) == []
