"""The portfolio report as text, in Chinese or English (贷后数据复盘报告)."""

from __future__ import annotations

from decimal import Decimal

from loanfactory.money import format_money
from loanfactory.overdue_actions import ACTIONS
from loanfactory.reporting._portfolio import Metrics, PortfolioReport
from loanfactory.servicing import CATEGORIES

_LABELS = {
    "zh": {
        "title": "贷后数据复盘（截至 {day}）",
        "group": "分组",
        "loans": "笔数",
        "outstanding": "贷款余额",
        "repayment": "还款率",
        "overdue": "逾期率",
        "npl": "不良率",
        "recovery": "回收率",
        "provision": "拨备",
        "categories": "五级分类（余额 / 笔数）",
        "actions": "逾期处置动作",
        "flags": "预警",
        "flag": "产品 {code} 逾期率 {rate} 超过预警线 {line}",
        "none": "无",
        "total": "合计",
    },
    "en": {
        "title": "Post-loan review as of {day}",
        "group": "group",
        "loans": "loans",
        "outstanding": "outstanding",
        "repayment": "repaid",
        "overdue": "overdue",
        "npl": "NPL",
        "recovery": "recovery",
        "provision": "provision",
        "categories": "five categories (balance / loans)",
        "actions": "overdue actions taken",
        "flags": "flags",
        "flag": "product {code}: overdue rate {rate} above its alert line {line}",
        "none": "none",
        "total": "total",
    },
}


def percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def render_report(report: PortfolioReport, lang: str = "zh") -> str:
    """A plain-text table: totals, products, cohorts, classes, actions and flags."""
    t = _LABELS["zh" if lang == "zh" else "en"]
    lines = [t["title"].format(day=report.as_of.isoformat()), ""]
    header = (
        f"{t['group']:<28}{t['loans']:>7}{t['outstanding']:>16}{t['repayment']:>9}{t['overdue']:>9}"
        f"{t['npl']:>9}{t['recovery']:>9}{t['provision']:>14}"
    )
    lines.append(header)
    rows: list[tuple[str, Metrics]] = [(t["total"], report.total)]
    rows += [(code, m) for code, m in report.by_product.items()]
    rows += [(f"  {code} {cohort}", m) for (code, cohort), m in report.by_cohort.items()]
    for name, m in rows:
        lines.append(
            f"{name:<28}{m.loans:>7}{format_money(m.outstanding):>16}{percent(m.repayment_rate):>9}"
            f"{percent(m.overdue_rate):>9}{percent(m.npl_ratio):>9}{percent(m.recovery_rate):>9}"
            f"{format_money(m.provisions):>14}"
        )
    lines += ["", t["categories"]]
    for category in CATEGORIES:
        name = category.zh if lang == "zh" else category.value
        lines.append(
            f"  {name:<16}{format_money(report.total.by_category[category]):>16}"
            f"{report.total.count_by_category[category]:>8}"
        )
    lines += ["", t["actions"]]
    lines += [
        f"  {_action_title(action, lang):<24}{count:>8}" for action, count in report.actions.items()
    ] or [f"  {t['none']}"]
    lines += ["", t["flags"]]
    lines += [
        f"  {t['flag'].format(code=f.product_code, rate=percent(f.overdue_rate), line=percent(f.threshold))}"
        for f in report.flags
    ] or [f"  {t['none']}"]
    return "\n".join(lines) + "\n"


def _action_title(action: str, lang: str) -> str:
    """A registered overdue action by its title in ``lang`` (its code when it is not registered)."""
    known = {a.value: a for a in ACTIONS}
    if action not in known:
        return action
    kind = ACTIONS[known[action]]
    return kind.title_zh if lang == "zh" else kind.title_en
