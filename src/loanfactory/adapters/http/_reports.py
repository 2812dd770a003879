"""Reports behind ``GET /v1/reports/{name}`` (报表): each a function of the store and query parameters.

- ``portfolio`` — the post-loan report (贷后数据复盘) of :func:`loanfactory.reporting.portfolio_report`
  as of ``as_of`` (``YYYY-MM-DD``, today by default), for the whole book or one ``product``:
  metrics per product and per cohort, the five-category balances, overdue actions taken, flags;
- ``eod`` — the end-of-day run of ``date`` (日终报告): status, timing, each step's tally and the
  run's figures;
- every report definition of :func:`loanfactory.reporting.report_library` (regulator returns,
  user growth, business volume, risk, vintage ...) for a ``period`` (``2026-01``, ``2026-Q1``,
  ``2026``, a day or ``from..to``; the current month by default) in ``lang`` (``zh`` by default),
  its periods counted in ``grain`` (``day`` ... ``year``; the definition's own by default):
  as JSON (:func:`~loanfactory.reporting.to_json`), and through :meth:`Reports.file` as the
  self-contained HTML page with charts, CSV or an Excel workbook. A regulator return is archived
  as produced when the lender has an archive (:func:`~loanfactory.reporting.archive_return`).

A parameter a report does not take is refused with a did-you-mean (a misspelt ``prodcut`` must
not silently give the whole book); an unknown report name is 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from loanfactory.adapters.http._views import eod_view, portfolio_view
from loanfactory.errors import InvalidInput, NotFound, hint_for
from loanfactory.lender import Lender
from loanfactory.reporting import (
    ReportDefinition,
    ReportResult,
    first_open_day,
    html_report,
    pick,
    portfolio_report,
    report_library,
    run_report,
    to_csv,
    to_json,
    to_xlsx,
)
from loanfactory.servicing import EodRun

_DEFINED = frozenset({"period", "lang", "grain"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Reports:
    """The reports of one lender, by name."""

    def __init__(self, lender: Lender, definitions: Mapping[str, ReportDefinition] | None = None) -> None:
        self._lender = lender
        self._definitions = dict(definitions if definitions is not None else report_library())
        self._reports: dict[str, tuple[frozenset[str], Callable[[Mapping[str, str]], dict[str, Any]]]] = {
            name: (_DEFINED, functools.partial(self.defined, name)) for name in self._definitions
        }
        self._reports["portfolio"] = (frozenset({"as_of", "product"}), self.portfolio)
        self._reports["eod"] = (frozenset({"date"}), self.eod)

    @property
    def names(self) -> list[str]:
        return sorted(self._reports)

    def run(self, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        return self._checked(name, params)(params)

    def _checked(self, name: str, params: Mapping[str, str]) -> Callable[[Mapping[str, str]], dict[str, Any]]:
        """The report called ``name``, once every parameter is one it takes."""
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
        return report

    def defined(self, name: str, params: Mapping[str, str]) -> dict[str, Any]:
        return to_json(self.result(name, params))

    def result(self, name: str, params: Mapping[str, str]) -> ReportResult:
        """The figures of the defined report ``name`` for the query's ``period`` and ``lang``."""
        self._checked(name, params)
        definition = pick(self._definitions, name)
        lang = params.get("lang", "zh")
        if lang not in ("zh", "en"):
            raise InvalidInput("lang is zh or en", field="lang", message_zh="lang 应为 zh 或 en")
        today = self._lender.clock.today()
        period = params.get("period") or today.strftime("%Y-%m")
        products = {code: p.spec for code, p in self._lender.products.products.items()}
        store = self._lender.store
        return run_report(
            store,
            definition,
            period,
            today=first_open_day(store, today),
            products=products,
            lang=lang,
            grain=params.get("grain"),
            archive=self._lender.archive,
            actor="http",
        )

    def file(self, name: str, suffix: str, params: Mapping[str, str]) -> tuple[bytes, str]:
        """A defined report as ``html`` (one page with charts), ``csv`` or ``xlsx``: content and type."""
        result = self.result(name, params)
        if suffix == "html":
            today = self._lender.clock.today().isoformat()
            return html_report([result], today=today).encode(), "text/html; charset=utf-8"
        if suffix == "csv":
            return ("\ufeff" + to_csv(result)).encode(), "text/csv; charset=utf-8"
        return to_xlsx(result), XLSX

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
        if code is not None:
            products = self._lender.products.products
            if code not in products:
                hint, hint_zh = hint_for(code, products)
                raise NotFound(
                    f"no product '{code}'" + (f"; {hint}" if hint else ""),
                    field="product",
                    message_zh=f"找不到产品 '{code}'" + (f"；{hint_zh}" if hint_zh else ""),
                )
        store = self._lender.store
        report = portfolio_report(
            store, self._lender.servicing.product, as_of, product=code, today=first_open_day(store, today)
        )
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
