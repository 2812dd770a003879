"""A credit-reporting world for tests (imported as ``reg_world``): the servicing world of
``tests/servicing`` with registered customers, an archive on an in-memory blob store, a recording
notifier and :class:`~loanfactory.regulatory.CreditReporting` configured with test codes."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "servicing"))

from servicing_world import World

from loanfactory.archive import Archive
from loanfactory.entity import CST
from loanfactory.origination import (
    Customer,
    CustomerType,
    Employment,
    EmploymentKind,
    IndividualProfile,
    id_check_character,
)
from loanfactory.regulatory import CreditReporting, MonthReport, load_spec
from loanfactory.testing import MemoryBlobStore, RecordingNotifier

PROVIDER = "B1234567890123"
MANAGER = "B1234567890001"


def id_number(n: int) -> str:
    first = f"11010119900101{n % 1000:03d}"
    return first + id_check_character(first)


class RegWorld(World):
    """The servicing world plus customers, an archive and credit reporting."""

    def __init__(self, *, settings: dict[str, Any] | None = None, store: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if store is not None:  # the same world on another store (SQLite for the command line)
            from loanfactory.entity import SequentialIds
            from loanfactory.servicing import Servicing

            self.store = store
            self.servicing = Servicing(
                store,
                self.clock,
                products=self.products,
                gateway=self.gateway,
                signer=self.signer,
                ids=SequentialIds(),
                lpr=self.lpr_source,
            )
        self.blobs = MemoryBlobStore()
        self.archive = Archive(self.store, self.blobs, self.clock)
        self.notifier = RecordingNotifier()
        overrides = {"provider_code": PROVIDER, "management_code": MANAGER, "notice_days": 7}
        overrides.update(settings or {})
        self.spec = load_spec(overrides=overrides)
        self.reporting = CreditReporting(
            self.store,
            self.clock,
            archive=self.archive,
            spec=self.spec,
            products=self.products,
            notifier=self.notifier,
        )
        self.customers = 0

    def customer(self, name: str = "张三") -> str:
        self.customers += 1
        customer_id = f"cust-{self.customers}"
        profile = IndividualProfile(
            id_number=id_number(self.customers),
            name=name,
            phone="13800138000",
            annual_income=Decimal("200000"),
            employment=Employment(kind=EmploymentKind.salaried),
        )
        with self.store.transaction() as tx:
            tx.repo(Customer).add(
                Customer(
                    id=customer_id,
                    type=CustomerType.individual,
                    identity_hash="0" * 64,
                    individual=profile,
                    registered_at=datetime(2025, 1, 1, tzinfo=CST),
                )
            )
        return customer_id

    def loan(self, *, name: str = "张三", **changes: Any) -> str:
        customer = self.customer(name)
        return self.active(customer_id=customer, borrower_name=name, **changes)

    def month(self, month: str) -> MonthReport:
        return self.reporting.run_month(month)

    def pay(self, loan_id: str, amount: Decimal, on: date | None = None) -> None:
        self.servicing.repay(loan_id, self.confirmed(amount, on=on), key=self.key("pay"))

    def live_until(self, day: date) -> None:
        """Days with the end of day and the notices it sends; ends on ``day`` before its end of day."""
        while self.clock.today() < day:
            self.deliver()
            self.servicing.run_eod(self.clock.today())
            self.reporting.send_notices(self.clock.today())
            self.clock.advance(timedelta(days=1))


def account_file(report: MonthReport, record_type: str = "210") -> Any:
    """The month's file of ``record_type`` (the loan account records by default)."""
    return next(f for f in report.files if f.record_type == record_type)
