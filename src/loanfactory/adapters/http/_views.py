"""What the API answers with when the library's result is not a pydantic model: quotes, products,
the portfolio report (贷后数据复盘) and the end-of-day report (日终报告), as JSON-ready data.

Money is a string with two decimals (``"4254.94"``), rates are decimal fractions as strings
(``"0.0345"`` = 3.45 %), dates ISO 8601; nothing here is a float.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from loanfactory.money import CENT
from loanfactory.quote import Quote
from loanfactory.reporting import Metrics, PortfolioReport
from loanfactory.servicing import CATEGORIES, EodRun
from loanfactory.spec import ProductSpec

ZERO = Decimal(0)


class JsonBytes(bytes):
    """A response body already encoded as JSON (``render`` sends it as it is)."""


def _money(amount: Decimal) -> str:
    return format(amount.quantize(CENT), "f")  # what format_money does, without the call


_ROW = '{"number":%d,"due_date":%s,"principal":"%s","interest":"%s","fee":"%s","total":"%s","balance":"%s"}'


def quote_json(result: Quote, *, schedule: bool = True) -> JsonBytes:
    """:func:`quote_view` encoded, the schedule rows written straight from a template.

    The hot path of the API: a 36-month quote has 252 values in its schedule, and building a
    dictionary per row to have the generic encoder walk it again cost as much as a third of the
    quote itself. The rows hold only integers, ISO dates and money with two decimals (``.2f``
    rounds like ``quantize(CENT)``), so nothing in them needs escaping.
    """
    head = json.dumps(quote_view(result, schedule=False), ensure_ascii=False, separators=(",", ":"))
    if not schedule:
        return JsonBytes(head.encode())
    rows = ",".join(
        [
            _ROW
            % (
                r.number,
                f'"{r.due_date.isoformat()}"' if r.due_date else "null",
                format(r.principal, ".2f"),
                format(r.interest, ".2f"),
                format(r.fee, ".2f"),
                format(r.total, ".2f"),
                format(r.balance, ".2f"),
            )
            for r in result.schedule.installments
        ]
    )
    return JsonBytes(f'{head[:-1]},"schedule":[{rows}]}}'.encode())


def quote_view(result: Quote, *, schedule: bool = True) -> dict[str, Any]:
    """A quote as JSON-ready data: terms, totals, fees, APR and (optionally) the schedule."""
    totals = result.schedule.totals
    apr, effective = result.apr.disclosed()
    rows = result.schedule.installments
    view: dict[str, Any] = {
        "product_code": result.product.code,
        "product_version": result.product.version,
        "amount": _money(result.amount),
        "term": result.term,
        "repayment_method": result.terms.method.value,
        "annual_rate": format(result.terms.annual_rate, "f"),
        "apr": format(apr, "f"),
        "effective_annual_rate": format(effective, "f"),
        "installments": len(rows),
        "first_payment": _money(rows[0].total) if rows else "0.00",
        "total_interest": _money(totals.interest),
        "total_fees": _money(sum((f.amount for f in result.fees), ZERO)),
        "total_repayment": _money(totals.total),
        "fees": [
            {"name": f.name, "timing": f.timing, "amount": _money(f.amount), "in_apr": f.in_apr}
            for f in result.fees
        ],
    }
    if schedule:
        view["schedule"] = [
            {
                "number": r.number,
                "due_date": r.due_date.isoformat() if r.due_date else None,
                "principal": _money(r.principal),
                "interest": _money(r.interest),
                "fee": _money(r.fee),
                "total": _money(r.total),
                "balance": _money(r.balance),
            }
            for r in rows
        ]
    return view


def product_view(spec: ProductSpec) -> dict[str, Any]:
    """The public face of a product: what a customer may ask for (no rule internals)."""
    return {
        "code": spec.code,
        "version": spec.version,
        "name": spec.name.model_dump(mode="json") if hasattr(spec.name, "model_dump") else spec.name,
        "status": spec.status.value,
        "channels": [c.value for c in spec.channels],
        "segments": [s.value for s in spec.segments],
        "purposes": [p.value for p in spec.purposes],
        "amount": spec.amount.model_dump(mode="json"),
        "term": spec.term.model_dump(mode="json"),
        "repayment_methods": [m.value for m in spec.repayment.methods],
        "tags": list(spec.tags),
    }


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def metrics_view(metrics: Metrics) -> dict[str, Any]:
    """One group's figures: counts, balances, the four rates and the five categories (五级分类)."""
    return {
        "loans": metrics.loans,
        "active": metrics.active,
        "settled": metrics.settled,
        "written_off_loans": metrics.written_off_loans,
        "disbursed": _money(metrics.disbursed),
        "outstanding": _money(metrics.outstanding),
        "overdue_balance": _money(metrics.overdue_balance),
        "npl_balance": _money(metrics.npl_balance),
        "due_to_date": _money(metrics.due_to_date),
        "paid_on_dues": _money(metrics.paid_on_dues),
        "repaid": _money(metrics.repaid),
        "penalty_outstanding": _money(metrics.penalty_outstanding),
        "written_off": _money(metrics.written_off),
        "recovered": _money(metrics.recovered),
        "provisions": _money(metrics.provisions),
        "repayment_rate": _rate(metrics.repayment_rate),
        "overdue_rate": _rate(metrics.overdue_rate),
        "npl_ratio": _rate(metrics.npl_ratio),
        "recovery_rate": _rate(metrics.recovery_rate),
        "categories": [
            {
                "category": c.value,
                "name_zh": c.zh,
                "balance": _money(metrics.by_category[c]),
                "loans": metrics.count_by_category[c],
            }
            for c in CATEGORIES
        ],
    }


def portfolio_view(report: PortfolioReport, product: str | None = None) -> dict[str, Any]:
    """The post-loan report (贷后数据复盘) as JSON: totals, per product, per cohort, actions, flags."""
    return {
        "report": "portfolio",
        "as_of": report.as_of.isoformat(),
        "product": product,
        "total": metrics_view(report.total),
        "products": {code: metrics_view(m) for code, m in report.by_product.items()},
        "cohorts": [
            {"product": code, "cohort": cohort, **metrics_view(m)}
            for (code, cohort), m in report.by_cohort.items()
        ],
        "actions": dict(report.actions),
        "flags": [
            {
                "product_code": f.product_code,
                "overdue_rate": format(f.overdue_rate, "f"),
                "threshold": format(f.threshold, "f"),
            }
            for f in report.flags
        ],
    }


def eod_view(run: EodRun, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An end-of-day run (日终): status, timing, the tally of each step and the run's figures."""
    return {
        "report": "eod",
        "business_date": run.business_date.isoformat(),
        "status": run.status.value,
        "engine": run.engine,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "attempts": run.attempts,
        "loans": run.agenda,
        "steps": [s.model_dump(mode="json") for s in run.steps],
        "totals": dict(sorted(run.totals.items())),
        **(extra or {}),
    }
