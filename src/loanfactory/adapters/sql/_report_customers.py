"""The reported customers' fields (``report_customers``), read out of the customers' JSON bodies
once per customer version: each report run over the ``customers`` source first drops the rows of
customers changed since (their version moved on) and adds those not in the table yet, then every
query reads plain, indexed columns — no report query parses a customer body.

The meaning of each column is that of :func:`loanfactory.reporting._rows.customer_rows` (the memory
store's); dates are ISO text (``YYYY-MM-DD``) as report queries compare and bucket them. Unlike a
loan's dimensions (taken once, at the loan's first report), a customer's row follows the customer:
a customer verified after registering is counted as verified on the day of the check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table, and_, case, delete, exists, func, literal_column, null, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

Expr = ColumnElement[Any]
CHUNK = 20_000  # customers read per statement
FIELDS = (
    "channel",
    "region",
    "segment",
    "industry",
    "registered",
    "verified",
    "customer_status",
)


def refresh(connection: Any, sqlite: bool, customer: Table, table: Table) -> None:
    """Bring ``table`` (``report_customers``) up to date with ``customer``: drop the rows of changed
    customers, then add the missing ones in chunks of :data:`CHUNK` in id order. An unchanged book
    costs two anti-joins on the primary keys and reads no customer body. The inserting statement
    never reads ``table`` (the chunk's id range comes first, a row already there is skipped on
    conflict): an anti-join against the table being filled is quadratic on PostgreSQL."""
    r, c = table.c, customer.c
    current = exists().where(and_(c.id == r.customer_id, c.version == r.version))
    connection.execute(delete(table).where(~current))
    missing = select(c.id).where(~exists().where(r.customer_id == c.id))
    columns = [c.id.label("customer_id"), c.version.label("version")]
    columns += [_field(name, customer, sqlite).label(name) for name in FIELDS]
    fill = (sqlite_insert if sqlite else postgresql_insert)(table)
    after = ""
    while True:
        chunk = missing.where(c.id > after).order_by(c.id).limit(CHUNK).subquery()
        bound = connection.execute(select(func.max(chunk.c.id))).scalar()
        if bound is None:
            return
        rows = select(*columns).where(c.id > after, c.id <= bound)
        statement = fill.from_select([col.name for col in columns], rows)
        connection.execute(statement.on_conflict_do_nothing(index_elements=["customer_id"]))
        after = bound


def _text(customer: Table, *path: str) -> Expr:
    return customer.c.body[path].as_string()  # type: ignore[no-any-return]


def _field(name: str, customer: Table, sqlite: bool) -> Expr:
    c = customer.c
    individual = c.type == "individual"
    if name == "segment":
        return c.type
    if name == "customer_status":
        return c.status
    if name == "channel":
        return _text(customer, "channel")
    if name == "region":
        return case((individual, _text(customer, "individual", "city")), else_=null())
    if name == "industry":
        return case(
            (individual, _text(customer, "individual", "employment", "industry")),
            else_=_text(customer, "enterprise", "industry"),
        )
    if name == "registered":
        return func.substr(_text(customer, "registered_at", "$datetime"), 1, 10)
    return _verified(customer.name, sqlite)


def _verified(table: str, sqlite: bool) -> Expr:
    """The date of the first passed identity check (实名认证日)."""
    if sqlite:
        sql = (
            "(SELECT min(substr(json_extract(k.value, '$.at.\"$datetime\"'), 1, 10)) "
            f"FROM json_each({table}.body, '$.kyc') AS k "
            "WHERE json_extract(k.value, '$.check') = 'id-card' "
            "AND json_extract(k.value, '$.passed') = 1)"
        )
    else:
        sql = (
            "(SELECT min(substr(k.value -> 'at' ->> '$datetime', 1, 10)) "
            f"FROM json_array_elements({table}.body -> 'kyc') AS k "
            "WHERE k.value ->> 'check' = 'id-card' AND k.value ->> 'passed' = 'true')"
        )
    return literal_column(sql, String)
