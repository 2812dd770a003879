"""Reports as data (报表): one report-definition language for regulator returns, management reports
and post-loan analytics, executed set-based by the store, exported as CSV, Excel, JSON and HTML.

- :mod:`._sources` — the sources a report reads and their fields (the schema every store answers);
- :mod:`._definition` — the YAML report-definition language (the model); :mod:`._reader`,
  :mod:`._measure_reader` and :mod:`._checker` read it, with located errors;
- :mod:`._query` / :mod:`._evaluate` — the query a store answers and its meaning in Python;
- :mod:`._positions` — loan positions as of a date (the one derivation of reported loan figures);
- :mod:`._run` — running a definition for a period; :mod:`._library` the shipped definitions;
- :mod:`._campaigns` — the campaign effect report.
"""

from __future__ import annotations

from loanfactory.reporting._campaigns import CampaignEffect, campaign_effect, campaign_effects
from loanfactory.reporting._charts import cjk_font, report_images, section_chart
from loanfactory.reporting._definition import (
    Band,
    Dimension,
    Measure,
    ReportDefinition,
    Section,
    Text,
)
from loanfactory.reporting._evaluate import evaluate_query, period_label
from loanfactory.reporting._export import section_title, to_csv, to_json, to_xlsx
from loanfactory.reporting._html import html_report, show
from loanfactory.reporting._library import PACKAGED, pick, report_library
from loanfactory.reporting._portfolio import Flag, Metrics, PortfolioReport, portfolio_report
from loanfactory.reporting._positions import (
    ensure_positions,
    first_open_day,
    position,
    positions_on,
    queries_of,
)
from loanfactory.reporting._query import Aggregate, Condition, Group, Query, ReportQueries, Row
from loanfactory.reporting._reader import load_definition, read_definition
from loanfactory.reporting._returns import RETURN_FAMILY, archive_return
from loanfactory.reporting._rows import (
    application_rows,
    customer_rows,
    loan_rows,
    position_rows,
    posting_rows,
)
from loanfactory.reporting._run import Period, ReportResult, ResultRow, SectionResult, ratio, run_report
from loanfactory.reporting._sources import SOURCES, FieldType, Source, SourceField
from loanfactory.reporting._text import percent, render_report

__all__ = [  # noqa: RUF022 - plain sorted order, as tests/test_architecture.py checks
    "Aggregate",
    "Band",
    "CampaignEffect",
    "Condition",
    "Dimension",
    "FieldType",
    "Flag",
    "Group",
    "Measure",
    "Metrics",
    "PACKAGED",
    "Period",
    "PortfolioReport",
    "Query",
    "RETURN_FAMILY",
    "ReportDefinition",
    "ReportQueries",
    "ReportResult",
    "ResultRow",
    "Row",
    "SOURCES",
    "Section",
    "SectionResult",
    "Source",
    "SourceField",
    "Text",
    "application_rows",
    "archive_return",
    "campaign_effect",
    "campaign_effects",
    "cjk_font",
    "customer_rows",
    "ensure_positions",
    "evaluate_query",
    "first_open_day",
    "html_report",
    "load_definition",
    "loan_rows",
    "percent",
    "period_label",
    "pick",
    "portfolio_report",
    "position",
    "position_rows",
    "positions_on",
    "posting_rows",
    "queries_of",
    "ratio",
    "read_definition",
    "render_report",
    "report_images",
    "report_library",
    "run_report",
    "section_chart",
    "section_title",
    "show",
    "to_csv",
    "to_json",
    "to_xlsx",
]
