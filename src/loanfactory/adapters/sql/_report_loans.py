"""The reported loans' dimensions (``report_loans``), read out of the JSON bodies of loans,
customers, offers and applications once per loan: each report run first adds the loans disbursed
since the last one (an anti-join on the primary key), then every query joins the table by
``loan_id`` and reads plain columns — no report parses a loan body.

Each body is parsed once (see the comment above the statements).
The meaning of each column is that of :func:`loanfactory.reporting._rows.loan_rows` (the memory
store's); money in fen and rates in millionths. A dimension is taken when the loan is first
reported: a customer who later moves city stays in the region of the loan's disbursement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

TABLE = "report_loans"
CHUNK = 10_000  # loans read per statement
COLUMNS = (
    "loan_id",
    "customer_id",
    "product",
    "amount",
    "start",
    "cohort",
    "purpose",
    "rate",
    "term_months",
    "region",
    "segment",
    "industry",
    "grade",
    "channel",
)

# Each loan body is parsed once: the chunk of loans (and of their customers) is a MATERIALIZED
# common table expression, so neither database substitutes the parse into every column reading it
# (PostgreSQL did: a 24-row schedule cast to jsonb ten times a loan made the first fill of 100,000
# loans take 1,150 s). SQLite's json_extract with several paths returns them all from one parse (a
# small JSON array read by position after); PostgreSQL's json_to_record reads the body's top-level
# fields in one pass without building the schedule as jsonb (2.7 times faster than one jsonb cast).
# The inserting statement never reads report_loans: the chunk's id range comes from a statement of
# its own, and a loan of the range already in the table is skipped by ON CONFLICT. (An anti-join
# against the table being filled made PostgreSQL, planning on an empty table, scan every row just
# inserted once per row read: quadratic.)
_SQLITE = """
WITH l AS MATERIALIZED (
  SELECT x.id, x.customer_id, x.product_code, x.amount,
         json_extract(x.body, '$.start."$date"', '$.purpose', '$.terms.rate.annual."$decimal"',
                      '$.terms.term', '$.terms.term_unit', '$.offer_id') AS j
  FROM {loan} AS x
  WHERE x.status IN ('active', 'settled', 'written-off')
    AND x.id > :after AND x.id <= :bound),
c AS MATERIALIZED (
  SELECT id, type, json_extract(body, '$.individual.city', '$.individual.employment.industry',
                                '$.enterprise.industry') AS j
  FROM {customer} WHERE id IN (SELECT customer_id FROM l))
SELECT l.id AS loan_id, l.customer_id AS customer_id, l.product_code AS product,
       l.amount AS amount,
       json_extract(l.j, '$[0]') AS start,
       substr(json_extract(l.j, '$[0]'), 1, 7) AS cohort,
       nullif(json_extract(l.j, '$[1]'), '') AS purpose,
       CAST(round(CAST(json_extract(l.j, '$[2]') AS REAL) * 1000000) AS INTEGER) AS rate,
       CASE WHEN json_extract(l.j, '$[4]') = 'days' THEN (json_extract(l.j, '$[3]') + 29) / 30
            ELSE json_extract(l.j, '$[3]') END AS term_months,
       CASE WHEN c.type = 'individual' THEN json_extract(c.j, '$[0]') END AS region,
       c.type AS segment,
       CASE WHEN c.type = 'individual' THEN json_extract(c.j, '$[1]') ELSE json_extract(c.j, '$[2]') END
         AS industry,
       json_extract(o.body, '$.grade') AS grade,
       json_extract(a.body, '$.channel') AS channel
FROM l
LEFT JOIN c ON c.id = l.customer_id
LEFT JOIN {offer} AS o ON o.id = json_extract(l.j, '$[5]')
LEFT JOIN {application} AS a ON a.id = o.application_id
WHERE json_extract(l.j, '$[0]') IS NOT NULL
ON CONFLICT (loan_id) DO NOTHING
"""

_POSTGRESQL = """
WITH l AS MATERIALIZED (
  SELECT x.id, x.customer_id, x.product_code, x.amount, b.start ->> '$date' AS start, b.purpose, b.terms,
         b.offer_id
  FROM {loan} AS x CROSS JOIN LATERAL json_to_record(x.body) AS b(start json, purpose text, terms json,
                                                                  offer_id text)
  WHERE x.status IN ('active', 'settled', 'written-off')
    AND x.id > :after AND x.id <= :bound),
c AS MATERIALIZED (
  SELECT y.id, y.type, b.individual, b.enterprise
  FROM {customer} AS y CROSS JOIN LATERAL json_to_record(y.body) AS b(individual json, enterprise json)
  WHERE y.id IN (SELECT customer_id FROM l))
SELECT l.id AS loan_id, l.customer_id AS customer_id, l.product_code AS product,
       CAST(l.amount * 100 AS BIGINT) AS amount,
       l.start AS start,
       substr(l.start, 1, 7) AS cohort,
       nullif(l.purpose, '') AS purpose,
       CAST(round(CAST(l.terms #>> '{{rate,annual,$decimal}}' AS NUMERIC) * 1000000) AS BIGINT) AS rate,
       CASE WHEN l.terms ->> 'term_unit' = 'days'
            THEN (CAST(l.terms ->> 'term' AS INTEGER) + 29) / 30
            ELSE CAST(l.terms ->> 'term' AS INTEGER) END AS term_months,
       CASE WHEN c.type = 'individual' THEN c.individual ->> 'city' END AS region,
       c.type AS segment,
       CASE WHEN c.type = 'individual' THEN c.individual #>> '{{employment,industry}}'
            ELSE c.enterprise ->> 'industry' END AS industry,
       o.body ->> 'grade' AS grade,
       a.body ->> 'channel' AS channel
FROM l
LEFT JOIN c ON c.id = l.customer_id
LEFT JOIN {offer} AS o ON o.id = l.offer_id
LEFT JOIN {application} AS a ON a.id = o.application_id
WHERE l.start IS NOT NULL
ON CONFLICT (loan_id) DO NOTHING
"""


_COUNTS = """
SELECT (SELECT count(*) FROM {loan} WHERE status IN ('active', 'settled', 'written-off')),
       (SELECT count(*) FROM report_loans)
"""

_BOUND = """
SELECT max(id) FROM (
  SELECT x.id FROM {loan} AS x
  WHERE x.status IN ('active', 'settled', 'written-off') AND x.id > :after
    AND NOT EXISTS (SELECT 1 FROM report_loans AS r WHERE r.loan_id = x.id)
  ORDER BY x.id LIMIT {limit}) AS chunk
"""


def refresh(connection: Any, dialect: str, tables: dict[str, str], limit: int | None = None) -> int:
    """Add the dimensions of reported loans not in the table yet, in chunks of :data:`CHUNK` loans
    in id order (a set-based ``INSERT ... SELECT`` each), stopping after the chunk that reaches
    ``limit`` loans read (None: all); returns how many were added. A loan once reported stays
    reported, so equal counts (two index scans) mean nothing to add and no loan row is read. A fill
    cut short (a chunk's transaction rolled back, the process stopped) resumes where it stopped."""
    reported, known = connection.exec_driver_sql(_COUNTS.format(**tables)).one()
    if reported == known:
        return 0
    fill = text(
        f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) "
        + (_SQLITE if dialect == "sqlite" else _POSTGRESQL).format(**tables)
    )
    bound_sql = text(_BOUND.format(**tables, limit=CHUNK))
    after, added, read = "", 0, 0
    while limit is None or read < limit:
        bound = connection.execute(bound_sql, {"after": after}).scalar()
        if bound is None:
            break
        added += connection.execute(fill, {"after": after, "bound": bound}).rowcount
        read += CHUNK
        after = bound
    return added
