"""Reports behind ``GET /v1/reports/{name}`` (报表): each a function of the store and query parameters.

- ``portfolio`` — the post-loan report (贷后数据复盘) of :func:`loanfactory.reporting.portfolio_report`
  as of ``as_of`` (``YYYY-MM-DD``, today by default), for the whole book or one ``product``:
  metrics per product and per cohort, the five-category balances, overdue actions taken, flags;
- ``eod`` — the end-of-day run of ``date`` (日终报告): status, timing, each step's tally and the
  run's figures.

A parameter a report does not take is refused with a did-you-mean (a misspelt ``prodcut`` must
not silently give the whole book); an unknown report name is 404.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from loanfactory.adapters.http._views import eod_view, portfolio_view
from loanfactory.errors import InvalidInput, NotFound, hint_for
from loanfactory.lender import Lender
from loanfactory.reporting import portfolio_report
from loanfactory.servicing import EodRun, Loan, LoanStatus

_REPORTED = (LoanStatus.active, LoanStatus.settled, LoanStatus.written_off)


class Reports:
    """The reports of one lender, by name."""

    def __init__(self, lender: Lender) -> None:
        self._lender = lender
        self._reports: dict[str, tuple[frozenset[str], Callable[[Mapping[str, str]], dict[str, Any]]]] = {
            "portfolio": (frozenset({"as_of", "product"}), self.portfolio),
            "eod": (frozenset({"date"}), self.eod),
        }

    @property
    def names(self) -> list[str]:
        return sorted(self._reports)

    def run(self, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        found = self._reports.get(name)
        if found is None:
            hint, hint_zh = hint_for(name, self._reports)
            raise NotFound(
                f"no report '{name}' (reports: {', '.join(self.names)})" + (f"; {hint}" if hint else ""),
                field="name",
                message_zh=f"没有报表 '{name}'（可选：{'、'.join(self.names)}）"
                + (f"；{hint_zh}" if hint_zh else ""),
            )
        accepted, report = found
        for param in params:
            if param not in accepted:
                hint, hint_zh = hint_for(param, accepted)
                raise InvalidInput(
                    f"the {name} report takes no parameter '{param}' (it takes {', '.join(sorted(accepted))})"
                    + (f"; {hint}" if hint else ""),
                    field=param,
                    message_zh=f"报表 {name} 没有参数 '{param}'" + (f"；{hint_zh}" if hint_zh else ""),
                )
        return report(params)

    def portfolio(self, params: Mapping[str, str]) -> dict[str, Any]:
        today = self._lender.clock.today()
        as_of = _date(params, "as_of") or today
        if as_of > today:
            raise InvalidInput(
                f"as_of {as_of.isoformat()} is after today's business date {today.isoformat()}",
                field="as_of",
                message_zh=f"统计日期 {as_of.isoformat()} 晚于当前营业日 {today.isoformat()}",
            )
        code = params.get("product")
        loans = None
        if code is not None:
            products = self._lender.products.products
            if code not in products:
                hint, hint_zh = hint_for(code, products)
                raise NotFound(
                    f"no product '{code}'" + (f"; {hint}" if hint else ""),
                    field="product",
                    message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
                )
            with self._lender.store.transaction() as tx:
                loans = [loan for loan in tx.repo(Loan).list(product_code=code) if loan.status in _REPORTED]
        store = self._lender.store
        report = portfolio_report(store, self._lender.servicing.product, as_of, loans=loans)
        return portfolio_view(report, code)

    def eod(self, params: Mapping[str, str]) -> dict[str, Any]:
        day = _date(params, "date")
        if day is None:
            raise InvalidInput(
                "name the business date: ?date=YYYY-MM-DD",
                field="date",
                message_zh="请指定营业日：?date=YYYY-MM-DD",
            )
        with self._lender.store.transaction() as tx:
            run = tx.repo(EodRun).find(f"eod:{day.isoformat()}")
        if run is None:
            raise NotFound(
                f"no end-of-day run for {day.isoformat()}",
                field="date",
                message_zh=f"{day.isoformat()} 没有日终记录",
            )
        return eod_view(run)


def _date(params: Mapping[str, str], name: str) -> date | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str) -> date:
    raise InvalidInput(
        f"{name} must be a date YYYY-MM-DD", field=name, message_zh=f"{name} 应为日期（YYYY-MM-DD）"
    )
