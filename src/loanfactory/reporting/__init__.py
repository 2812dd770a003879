"""Post-loan analytics (数据复盘): portfolio metrics per product and cohort, and their report."""

from __future__ import annotations

from loanfactory.reporting._campaigns import CampaignEffect, campaign_effect, campaign_effects
from loanfactory.reporting._portfolio import (
    Flag,
    LoanFigures,
    Metrics,
    PortfolioReport,
    loan_figures,
    portfolio_report,
    ratio,
)
from loanfactory.reporting._text import percent, render_report

__all__ = [
    "CampaignEffect",
    "Flag",
    "LoanFigures",
    "Metrics",
    "PortfolioReport",
    "campaign_effect",
    "campaign_effects",
    "loan_figures",
    "percent",
    "portfolio_report",
    "ratio",
    "render_report",
]
