"""Report queries in SQL (``tx.reports``): one ``SELECT ... GROUP BY`` per query, on SQLite and
PostgreSQL alike.

Each field of :mod:`loanfactory.reporting`'s sources is a SQL expression over the stored tables
(``loanfactory.reporting._rows`` states the same fields in Python; the tests compare the two).
Numbers are aggregated as integers in their field's unit — money in fen, rates in millionths — so
sums are exact on SQLite too, then turned back into Decimals. Dates are compared and bucketed as
ISO text (``YYYY-MM-DD``), except the window on a typed date column, which uses the column itself so
its index serves. Only the joins a query's fields need are made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    null,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from loanfactory.adapters.sql import _report_customers as report_customers
from loanfactory.adapters.sql import _report_loans as report_loans
from loanfactory.adapters.sql._schema import (
    GlTurnoverRow,
    LedgerRow,
    ReportCustomerRow,
    ReportLoanRow,
    ReportPositionRow,
    table_of,
)
from loanfactory.origination import Application, Customer, Offer, ReviewTask
from loanfactory.reporting import SOURCES, Aggregate, Condition, FieldType, Group, Query, Row
from loanfactory.servicing import Loan

if TYPE_CHECKING:
    from loanfactory.adapters.sql._store import SqlTransaction

Expr = ColumnElement[Any]
SCALE = {FieldType.money: 2, FieldType.rate: 6, FieldType.integer: 0}
_POSITION_MONEY = (
    "principal",
    "interest",
    "penalty",
    "fee",
    "overdue",
    "due_to_date",
    "paid_on_dues",
    "disbursed",
    "repaid",
    "written_off",
    "recovered",
    "provision",
    "previous_principal",
)
_POSITION_OTHER = frozenset(
    {
        "status",
        "category",
        "days_past_due",
        "as_of",
        "months_on_book",
        "previous_days_past_due",
        "previous_category",
    }
)
CUSTOMER_COLUMNS = frozenset({"customer_id", *report_customers.FIELDS})
_APPROVED = ("offered", "accepted", "declined", "expired")
_PENDING = ("submitted", "manual-review", "info-requested")


class SqlReports:
    """:class:`loanfactory.reporting.ReportQueries` of one SQL transaction."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx
        self.sqlite = tx.dialect == "sqlite"
        mappings = tx.store.mappings
        self.loan = mappings.for_kind(Loan).table
        self.customer = mappings.for_kind(Customer).table
        self.offer = mappings.for_kind(Offer).table
        self.application = mappings.for_kind(Application).table
        self.review = mappings.for_kind(ReviewTask).table
        self.ledger = table_of(LedgerRow)
        self.positions = table_of(ReportPositionRow)
        self.gl = table_of(GlTurnoverRow)
        self._dims: Any = None
        self._customers: Any = None

    # --- positions ---------------------------------------------------------------------------

    def position_dates(self) -> list[date]:
        rows = self.tx.connection.execute(
            select(self.positions.c.as_of).distinct().order_by(self.positions.c.as_of)
        )
        return [r[0] for r in rows]

    def write_positions(self, day: date, rows: Sequence[Mapping[str, Any]]) -> int:
        connection = self.tx.connection
        connection.execute(delete(self.positions).where(self.positions.c.as_of == day))
        if rows:
            connection.execute(insert(self.positions), [{"as_of": day, **row} for row in rows])
        return len(rows)

    # --- queries -----------------------------------------------------------------------------

    def refresh(self, limit: int) -> int:
        """One chunk of the reported loans' dimensions (:mod:`._report_loans`): a first fill over a
        large book runs as many transactions as chunks, and resumes where a stopped one stopped."""
        return report_loans.refresh(self.tx.connection, self.tx.dialect, self._tables(), limit)

    def loan_dimensions(self) -> Any:
        """The reported loans' dimensions (:mod:`._report_loans`), brought up to date once per run."""
        if self._dims is None:
            report_loans.refresh(self.tx.connection, self.tx.dialect, self._tables())
            self._dims = table_of(ReportLoanRow)
        return self._dims

    def _tables(self) -> dict[str, str]:
        return {
            "loan": self.loan.name,
            "customer": self.customer.name,
            "offer": self.offer.name,
            "application": self.application.name,
        }

    def customer_fields(self) -> Any:
        """The customers' report fields (:mod:`._report_customers`), brought up to date once per run."""
        if self._customers is None:
            table = table_of(ReportCustomerRow)
            report_customers.refresh(self.tx.connection, self.sqlite, self.customer, table)
            self._customers = table
        return self._customers

    def run(self, query: Query) -> list[Row]:
        fields = _Fields(self, query)
        source = SOURCES[query.source]
        columns: list[Expr] = [fields.group(g) for g in query.groups]
        for aggregate in query.aggregates:
            columns.append(fields.aggregate(aggregate))
        where = [fields.condition(c) for c in query.where]
        if query.as_of:
            where.append(self.positions.c.as_of.in_(query.as_of))
        if query.date_field is not None and (query.start is not None or query.end is not None):
            where.append(fields.window(query.date_field, query.start, query.end))
        statement = select(*columns).select_from(fields.from_clause()).where(and_(true(), *where))
        if query.groups:
            statement = statement.group_by(*columns[: len(query.groups)])
        else:  # one row of totals, none when no row matched (as GROUP BY gives none)
            statement = statement.having(func.count() > 0)
        out: list[Row] = []
        for raw in self.tx.connection.execute(statement):
            keys = [
                fields.key(g, value) for g, value in zip(query.groups, raw[: len(query.groups)], strict=True)
            ]
            values = [
                fields.value(a, v) for a, v in zip(query.aggregates, raw[len(query.groups) :], strict=True)
            ]
            out.append((*keys, *values))
        del source
        return out


class _Fields:
    """The SQL expressions of one query's fields, and the joins they need."""

    def __init__(self, reports: SqlReports, query: Query) -> None:
        self.r = reports
        self.query = query
        self.source = SOURCES[query.source]
        self.with_loan = False  # join the loan table (for its status)

    # expressions

    def json_text(self, table: Any, path: tuple[str, ...]) -> Expr:
        return table.c.body[path].as_string()  # type: ignore[no-any-return]

    def date_text(self, column: Expr) -> Expr:
        """A typed date column as ISO text."""
        if self.r.sqlite:
            return type_coerce(column, String)
        return func.to_char(column, "YYYY-MM-DD")

    def money(self, column: Expr) -> Expr:
        """An exact money column as integer fen."""
        if self.r.sqlite:
            return type_coerce(column, BigInteger)
        return cast(column * 100, BigInteger)

    def rate_units(self, text: Expr) -> Expr:
        if self.r.sqlite:
            return cast(func.round(cast(text, Float) * 1_000_000), Integer)
        return cast(func.round(cast(text, Numeric) * 1_000_000), BigInteger)

    def field(self, name: str) -> Expr:
        r = self.r
        source = self.query.source
        if source == "applications":
            return self._application_field(name)
        if source == "customers":
            return self._customer_field(name)
        if source == "gl":
            return self._gl_field(name)
        if source == "positions" and (name in _POSITION_OTHER or name in _POSITION_MONEY):
            p = r.positions.c
            if name in _POSITION_MONEY:
                return self.money(p[name])
            if name == "as_of":
                return self.date_text(p.as_of)
            if name == "months_on_book":
                return _month_index(self.date_text(p.as_of)) - _month_index(self.field("start"))
            return p[name]
        if source == "postings" and name in (
            "business_date",
            "type",
            "posted_amount",
            "principal_change",
            "interest_change",
            "penalty_change",
            "fee_change",
        ):
            lc = r.ledger.c
            reversal = lc.type == "reversal"
            if name == "business_date":
                return self.date_text(lc.business_date)
            if name == "type":
                return case((reversal, lc.body["data"]["reverses_type"].as_string()), else_=lc.type)
            if name == "posted_amount":
                return case((reversal, -self.money(lc.amount)), else_=self.money(lc.amount))
            return self.money(lc[name.removesuffix("_change")])
        dims = self.r.loan_dimensions()
        if name == "status":  # the loan's status now (its status on a date is the position's)
            self.with_loan = True
            return r.loan.c.status
        if name == "guarantee":
            mapping = {c: a["guarantee"] for c, a in self.query.products.items() if "guarantee" in a}
            if not mapping:
                return null()
            whens = ((dims.c.product == code, literal(value)) for code, value in mapping.items())
            return case(*whens, else_=null())
        return dims.c[name]  # type: ignore[no-any-return]

    def _gl_field(self, name: str) -> Expr:
        g = self.r.gl.c
        if name == "day":
            return self.date_text(g.day)
        if name == "debit_net":
            return self.money(g.debit) - self.money(g.credit)
        if name == "credit_net":
            return self.money(g.credit) - self.money(g.debit)
        if name in ("debit", "credit"):
            return self.money(g[name])
        return g[name]

    def _customer_field(self, name: str) -> Expr:
        if name not in CUSTOMER_COLUMNS:
            raise KeyError(name)
        return self.r.customer_fields().c[name]  # type: ignore[no-any-return]

    def _application_field(self, name: str) -> Expr:
        a = self.r.application
        c = a.c
        if name == "application_id":
            return c.id
        if name == "customer_id":
            return c.customer_id
        if name == "product":
            return c.product_code
        if name in ("channel", "grade", "purpose"):
            return self.json_text(a, (name,))
        if name == "submitted":
            return func.substr(self.json_text(a, ("submitted_at", "$datetime")), 1, 10)
        if name == "amount":
            return self.money(c.amount)
        if name == "term":
            return c.body["term"].as_integer()  # type: ignore[no-any-return]
        if name == "outcome":
            return case(
                (c.status.in_(_APPROVED), literal("approved")),
                (c.status == "rejected", literal("rejected")),
                (c.status.in_(_PENDING), literal("pending")),
                else_=literal("withdrawn"),
            )
        if name == "route":
            reviewed = select(self.r.review.c.id).where(self.r.review.c.application_id == c.id).exists()
            return case((reviewed, literal("manual")), else_=literal("auto"))
        raise KeyError(name)

    def from_clause(self) -> Any:
        r = self.r
        source = self.query.source
        if source == "applications":
            return r.application
        if source == "customers":
            return r.customer_fields()
        if source == "gl":
            return r.gl
        dims = r.loan_dimensions()
        if source == "positions":
            base: Any = r.positions.join(dims, dims.c.loan_id == r.positions.c.loan_id)
        elif source == "postings":
            base = r.ledger.join(dims, dims.c.loan_id == r.ledger.c.loan_id)
        else:
            base = dims
        if self.with_loan:
            base = base.join(r.loan, r.loan.c.id == dims.c.loan_id)
        return base

    # conditions, groups, aggregates

    def kind(self, name: str) -> FieldType:
        return self.source.fields[name].type

    def bind(self, name: str, value: Any) -> Any:
        kind = self.kind(name)
        if kind in SCALE and kind is not FieldType.integer:
            return int(Decimal(value).scaleb(SCALE[kind]))
        if isinstance(value, date):
            return value.isoformat()
        return value

    def condition(self, condition: Condition) -> Expr:
        expr = self.field(condition.field)
        op, value = condition.op, condition.value
        if op == "null":
            return expr.is_(None)
        if op == "not_null":
            return expr.is_not(None)
        if op in ("in", "not_in"):
            values = [self.bind(condition.field, v) for v in value or ()]  # type: ignore[union-attr]
            if op == "in":
                return and_(self.stored_type(condition.field, values), expr.is_not(None), expr.in_(values))
            return and_(expr.is_not(None), expr.not_in(values))
        bound = self.bind(condition.field, value)
        if op == "eq":
            return and_(self.stored_type(condition.field, [bound]), expr == bound)
        out: Expr
        if op == "ne":
            out = and_(expr.is_not(None), expr != bound)
        elif op == "gt":
            out = expr > bound
        elif op == "ge":
            out = expr >= bound
        else:
            out = expr < bound if op == "lt" else expr <= bound
        return out

    def stored_type(self, name: str, values: Sequence[Any]) -> Expr:
        """For a posting's ``type`` among ``values``: the stored type column among them or
        ``reversal`` (a reversal counts as the type it reverses), which the (type, business date)
        index serves; ``true`` for any other field."""
        if self.query.source != "postings" or name != "type":
            return true()
        return self.r.ledger.c.type.in_([*values, "reversal"])

    def window(self, name: str, start: date | None, end: date | None) -> Expr:
        r = self.r
        typed = {("postings", "business_date"): r.ledger.c.business_date, ("gl", "day"): r.gl.c.day}.get(
            (self.query.source, name)
        )
        expr: Any = typed if typed is not None else self.field(name)
        low: Any = start if typed is not None else (start.isoformat() if start else None)
        high: Any = end if typed is not None else (end.isoformat() if end else None)
        parts = [expr.is_not(None)]
        if low is not None:
            parts.append(expr >= low)
        if high is not None:
            parts.append(expr <= high)
        return and_(*parts)

    def group(self, group: Group) -> Expr:
        expr = self.field(group.field)
        if group.kind == "band":
            scale = SCALE.get(self.kind(group.field), 0)
            whens = [(expr <= int(b.scaleb(scale)), literal(i)) for i, b in enumerate(group.bounds)]
            return case((expr.is_(None), null()), *whens, else_=literal(len(group.bounds)))
        if group.kind == "map":
            whens = [(expr == value, literal(key)) for value, key in group.mapping.items()]
            return case((expr.is_(None), null()), *whens, else_=literal(group.default))
        if group.kind == "period":
            return self.period(expr, group.grain)
        return expr

    def period(self, text: Expr, grain: str) -> Expr:
        if grain == "day":
            return text
        if grain == "month":
            return func.substr(text, 1, 7)
        if grain == "year":
            return func.substr(text, 1, 4)
        if grain == "quarter":
            quarter = (cast(func.substr(text, 6, 2), Integer) + 2) // 3  # integer division
            return func.substr(text, 1, 4) + literal("-Q") + cast(quarter, String)
        if self.r.sqlite:
            back = (cast(func.strftime("%w", text), Integer) + 6) % 7
            return func.date(text, literal("-") + cast(back, String) + literal(" days"))
        return func.to_char(func.date_trunc("week", cast(text, Date)), "YYYY-MM-DD")

    def aggregate(self, aggregate: Aggregate) -> Expr:
        conditions = [self.condition(c) for c in aggregate.where]
        when = and_(*conditions) if conditions else None
        if aggregate.fn == "count":
            return func.count() if when is None else func.sum(case((when, 1), else_=0))
        assert aggregate.field is not None
        value = self.field(aggregate.field)
        if aggregate.fn == "sum_product":
            assert aggregate.weight is not None
            value = value * self.field(aggregate.weight)
        if when is not None:
            value = case((when, value), else_=null())
        if aggregate.fn == "count_distinct":
            return func.count(distinct(value))
        if aggregate.fn in ("sum", "sum_product"):
            return func.sum(value)
        return func.min(value) if aggregate.fn == "min" else func.max(value)

    # results

    def key(self, group: Group, value: Any) -> Any:
        if value is None or group.kind in ("map", "period"):
            return value
        if group.kind == "band":
            return int(value)
        return self.plain(group.field, value)

    def plain(self, name: str, value: Any) -> Any:
        kind = self.kind(name)
        if value is None:
            return None
        if kind is FieldType.date:
            return date.fromisoformat(str(value)[:10])
        if kind is FieldType.integer:
            return int(value)
        if kind in SCALE:
            return Decimal(int(value)).scaleb(-SCALE[kind])
        return value

    def value(self, aggregate: Aggregate, value: Any) -> Any:
        if aggregate.fn in ("count", "count_distinct"):
            return int(value or 0)
        if value is None:
            return None
        assert aggregate.field is not None
        if aggregate.fn == "sum_product":
            assert aggregate.weight is not None
            places = SCALE.get(self.kind(aggregate.field), 0) + SCALE.get(self.kind(aggregate.weight), 0)
            return Decimal(int(value)).scaleb(-places)
        return self.plain(aggregate.field, value)


def _month_index(text: Expr) -> Expr:
    return cast(func.substr(text, 1, 4), Integer) * 12 + cast(func.substr(text, 6, 2), Integer)
