"""Servicing on a stored book for a batch process (批处理进程的贷后服务): the end of day's own wiring.

Every process that runs an end of day — the ``loanfactory eod`` command, and each Dask worker of a
partitioned run (:mod:`loanfactory.adapters.batch._eod`) — opens the same servicing: the SQL store
on the database URL, the product files of a folder, and no payment gateway or signer, because the
end of day neither moves money (auto-debit instructions wait in the outbox for the payment relay)
nor signs anything. :class:`StoredServicing` is that recipe as a small picklable value, so that
it can be sent to worker processes on other machines, where each opens its own connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.ports import Clock, PaymentInstruction, PaymentResult, SignatureMethod, SignatureRecord
from loanfactory.servicing import Servicing, ServicingConfig
from loanfactory.spec import ProductSpec


class RelayedPayments:
    """The end of day never pays: instructions wait in the outbox for the payment relay."""

    def submit(self, instruction: PaymentInstruction) -> PaymentResult:
        raise StateConflict("the end of day does not move money; run the payment relay", field="gateway")

    def status(self, instruction_id: str) -> PaymentResult:
        raise StateConflict("the end of day does not move money; run the payment relay", field="gateway")


class NoSigner:
    """The end of day signs nothing."""

    def sign(
        self, *, document_sha256: str, signer: str, signer_role: str, method: SignatureMethod, at: Any
    ) -> SignatureRecord:
        raise StateConflict("the end of day signs nothing", field="signer")

    def verify(self, record: SignatureRecord) -> bool:
        return False


def load_products(folder: Path) -> dict[str, ProductSpec]:
    """The products of a folder of product files; :class:`InvalidInput` names the first problem."""
    from loanfactory.catalog import load_catalog

    if not folder.is_dir():
        raise InvalidInput(f"no folder {folder}", field="products", message_zh=f"没有目录 {folder}")
    catalog, diagnostics = load_catalog([folder])
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidInput(
            f"the products do not load: {errors[0].format()}{more}",
            field="products",
            message_zh=f"产品文件无法加载：{errors[0].format()}{more}",
        )
    return dict(catalog.products)


@dataclass(frozen=True)
class StoredServicing:
    """How a batch process opens servicing on the stored book (see the module docstring).

    ``clock`` ``None`` is the process's system clock. The servicing has no day steps: the process
    that runs them (the driver of a partitioned run, once for the day) sets its own.
    """

    url: str
    products: Path
    config: ServicingConfig = field(default_factory=ServicingConfig)
    clock: Clock | None = None

    @contextmanager
    def open(self) -> Iterator[Servicing]:
        """Servicing on a store of its own; the store's connections close when the block ends."""
        from loanfactory.adapters.clock import SystemClock
        from loanfactory.adapters.sql import SqlStore

        products = load_products(self.products)
        clock = self.clock or SystemClock()
        store = SqlStore(self.url, clock=clock)
        try:
            yield Servicing(
                store,
                clock,
                products=products,
                gateway=RelayedPayments(),
                signer=NoSigner(),
                config=self.config,
            )
        finally:
            store.dispose()


__all__ = ["NoSigner", "RelayedPayments", "StoredServicing", "load_products"]
