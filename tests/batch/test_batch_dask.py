"""Batch jobs on Dask: a book computed in partitions gives exactly the figures of one process."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from loanfactory.adapters.batch import (
    assess_book_dask,
    split_book,
    summarise_book,
    summarise_book_dask,
    vector_schedule_dask,
)
from loanfactory.conventions import RepaymentMethod
from loanfactory.errors import InvalidInput
from loanfactory.money import RoundingMode, RoundingPolicy
from loanfactory.schedule import vector_schedule
from loanfactory.servicing import DEFAULT_RULES, assess, assess_book
from loanfactory.servicing._loan import CATEGORIES
from loanfactory.testing import loan_days, synthetic_book

pytest.importorskip("dask")

TIERS = (1, 31, 91)


def _same(a: object, b: object) -> None:
    assert type(a) is type(b)
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, np.ndarray):
            np.testing.assert_array_equal(left, right, err_msg=field.name)
            assert left.dtype == right.dtype, field.name
        else:
            assert left == right, field.name


@pytest.mark.parametrize(
    ("loans", "partitions", "scheduler"),
    [
        (20_000, 1, "synchronous"),
        (20_000, 7, "threads"),
        (20_001, 3, "processes"),
        (5, 16, "threads"),  # more partitions than loans: one loan each
    ],
)
def test_partitions_give_the_figures_of_one_process(loans: int, partitions: int, scheduler: str) -> None:
    book = synthetic_book(loans, seed=loans)
    whole = assess_book(book, DEFAULT_RULES, TIERS)
    _same(assess_book_dask(book, DEFAULT_RULES, TIERS, partitions=partitions, scheduler=scheduler), whole)


def test_a_split_book_keeps_every_loan_once_and_in_order() -> None:
    book = synthetic_book(1_003)
    parts = split_book(book, 4)
    assert [len(p) for p in parts] == [250, 251, 251, 251]
    assert all(p.day == book.day for p in parts)
    np.testing.assert_array_equal(np.concatenate([p.principal for p in parts]), book.principal)
    np.testing.assert_array_equal(np.concatenate([p.oldest_unpaid for p in parts]), book.oldest_unpaid)


def test_the_summary_reconciles_with_the_exact_path_to_the_fen() -> None:
    book = synthetic_book(3_000, seed=11)
    exact = [assess(day) for day in loan_days(book, np.arange(len(book)))]
    summary = summarise_book(book, DEFAULT_RULES, TIERS)
    assert summary.loans == 3_000
    assert summary.overdue_loans == sum(1 for e in exact if e.days_past_due > 0)
    assert summary.penalty == sum((e.penalty for e in exact), Decimal(0))
    assert summary.provision == sum((e.provision for e in exact), Decimal(0))
    assert summary.principal == Decimal(int(book.principal.sum())) / 100
    for totals in summary.categories:
        mine = [i for i, e in enumerate(exact) if e.category == totals.category]
        assert totals.loans == len(mine)
        assert totals.provision == sum((exact[i].provision for i in mine), Decimal(0))
        assert totals.penalty == sum((exact[i].penalty for i in mine), Decimal(0))
    assert [c.category for c in summary.categories] == list(CATEGORIES)
    dpd = np.array([e.days_past_due for e in exact])
    assert summary.tiers == (
        int(np.count_nonzero((dpd >= 1) & (dpd < 31))),
        int(np.count_nonzero((dpd >= 31) & (dpd < 91))),
        int(np.count_nonzero(dpd >= 91)),
    )
    assert sum(summary.tiers) == summary.overdue_loans
    assert summary.category("loss").loans == summary.categories[-1].loans


@pytest.mark.parametrize("partitions", [1, 2, 9])
def test_the_partitioned_summary_is_the_summary(partitions: int) -> None:
    book = synthetic_book(40_000, seed=3)
    assert summarise_book_dask(book, DEFAULT_RULES, TIERS, partitions=partitions) == summarise_book(
        book, DEFAULT_RULES, TIERS
    )


@pytest.mark.parametrize("method", [RepaymentMethod.annuity, RepaymentMethod.equal_principal])
@pytest.mark.parametrize("mode", [RoundingMode.half_up, RoundingMode.down])
def test_book_schedules_in_partitions_are_the_schedules(method: RepaymentMethod, mode: RoundingMode) -> None:
    rng = np.random.default_rng(5)
    principal = rng.integers(100_000, 200_000_000, 5_000)
    rate = rng.integers(30_000, 240_000, 5_000)
    policy = RoundingPolicy(mode)
    whole = vector_schedule(principal, rate, 24, method=method, rounding=policy)
    _same(vector_schedule_dask(principal, rate, 24, method=method, rounding=policy, partitions=4), whole)


def test_a_partition_of_huge_loans_takes_the_float_path_and_still_agrees() -> None:
    rng = np.random.default_rng(9)
    principal = np.concatenate([rng.integers(100_000, 10**8, 200), rng.integers(10**13, 9 * 10**14, 200)])
    rate = rng.integers(1_000_000, 9_000_000, 400)
    whole = vector_schedule(principal, rate, 6)
    parts = vector_schedule_dask(principal, rate, 6, partitions=2, scheduler="synchronous")
    assert parts.arithmetic == "float64"
    np.testing.assert_array_equal(parts.principal, whole.principal)
    np.testing.assert_array_equal(parts.interest, whole.interest)
    np.testing.assert_array_equal(parts.installment, whole.installment)


@pytest.mark.parametrize("partitions", [0, -2, 1.5, True, "4"])
def test_a_bad_partition_count_is_refused(partitions: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        assess_book_dask(synthetic_book(10), partitions=partitions)  # type: ignore[arg-type]
    assert refused.value.field == "partitions"


def test_an_unknown_scheduler_is_refused_before_anything_runs() -> None:
    with pytest.raises(InvalidInput) as refused:
        summarise_book_dask(synthetic_book(10), scheduler="gpu")
    assert refused.value.field == "scheduler"
    assert "threads" in str(refused.value)


def test_an_empty_book_and_mismatched_arrays_are_refused() -> None:
    book = synthetic_book(3)
    empty = dataclasses.replace(
        book, **{f.name: getattr(book, f.name)[:0] for f in dataclasses.fields(book) if f.name != "day"}
    )
    for call in (
        lambda: summarise_book(empty),
        lambda: summarise_book_dask(empty),
        lambda: assess_book_dask(empty),
    ):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == "book"
    with pytest.raises(InvalidInput) as mismatched:
        vector_schedule_dask(np.array([100_000, 200_000]), np.array([40_000]), 12)
    assert mismatched.value.field == "principal"


def test_the_page_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "batch.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 2  # the first, the stored end of day, runs in test_eod_dask.py
    exec(compile(blocks[1], str(page), "exec"), {})
    provision, tiers = capsys.readouterr().out.splitlines()
    assert Decimal(provision) > 0
    assert len(tiers.split(",")) == 3
