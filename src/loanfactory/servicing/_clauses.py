"""The words of a loan contract's clauses (合同条款文字): method, interest basis, rate and its
repricing, fees, overdue handling and prepayment, in Chinese or English, from the contract terms
(and, for the overdue tiers and fee names, the product)."""

from __future__ import annotations

from typing import Any

from loanfactory.money import format_money, format_rate
from loanfactory.spec import ProductSpec
from loanfactory.terms import ContractTerms

COMPONENT_ZH = {"penalty": "罚息", "fee": "费用", "interest": "利息", "principal": "本金"}
_ACTION_ZH = {
    "reminder": "短信电话提醒",
    "penalty": "计收罚息",
    "manual-collection": "人工催收",
    "negotiated-plan": "协商还款",
    "outsourced-collection": "委外催收",
    "litigation": "诉讼",
    "collateral-disposal": "处置押品",
    "credit-report": "报送征信",
}


def interest_text(product: ProductSpec, zh: bool) -> str:
    repayment = product.repayment
    del zh
    if repayment.interest.value == "daily":
        return f"按日计息，按实际天数计算（{repayment.day_count.value}），金额四舍五入到分"
    per_year = repayment.frequency.periods_per_year
    return f"按期计息，期利率 = 年利率 ÷ {per_year}；每期利息四舍五入到分，末期轧差"


def fee_text(fee: Any, zh: bool) -> str:
    value = (
        format_money(fee.amount) + (" 元" if zh else " yuan")
        if fee.amount is not None
        else format_rate(fee.percent)
    )
    timing = {
        "upfront": ("放款时一次性收取", "charged once at disbursement"),
        "per-installment": ("每期随还款收取", "charged with each installment"),
        "on-event": ("发生时收取", "charged when the event happens"),
    }[fee.timing.value]
    return f"{value}，{timing[0]}" if zh else f"{value}, {timing[1]}"


def overdue_text(product: ProductSpec, zh: bool) -> str:
    if product.overdue is None:
        return "按法律法规和贷款人制度处理" if zh else "as the law and the lender's policies provide"
    parts = []
    for tier in product.overdue.tiers:
        span = f"{tier.from_day}-{tier.to_day}" if tier.to_day else f"{tier.from_day}+"
        actions = ("、" if zh else ", ").join(
            _ACTION_ZH.get(a.value, a.value) if zh else a.value for a in tier.actions
        )
        parts.append(f"逾期 {span} 天：{actions}" if zh else f"{span} days past due: {actions}")
    return ("；" if zh else "; ").join(parts)


def rate_text(terms: ContractTerms, zh: bool) -> str:
    """How the rate is set (利率条款): fixed, or the LPR plus the spread, reset by the rule."""
    rate = terms.rate
    if rate.tenor is None or rate.spread is None:
        return "固定利率" if zh else "fixed"
    tenor = "一年期" if rate.tenor.value == "1y" else "五年期以上"
    sign = "加" if rate.spread >= 0 else "减"
    points = abs(rate.spread * 10000).normalize()
    rule_zh = {
        "none": "合同期内不调整",
        "january-first": "每年 1 月 1 日按当日 LPR 调整",
        "anniversary": "每满一年按放款对应日 LPR 调整",
        "monthly": "每月按对应日 LPR 调整",
        "quarterly": "每季度按对应日 LPR 调整",
    }[rate.repricing]
    bounds = []
    if rate.floor is not None:
        bounds.append(("不低于 " if zh else "at least ") + format_rate(rate.floor))
    if rate.cap is not None:
        bounds.append(("不高于 " if zh else "at most ") + format_rate(rate.cap))
    if zh:
        text = f"{tenor} LPR {sign} {points} 个基点，{rule_zh}"
        return text + ("，" + "、".join(bounds) if bounds else "")
    text = (
        f"{rate.tenor.value} LPR {'+' if rate.spread >= 0 else '-'} {points} bp, repriced: {rate.repricing}"
    )
    return text + ("; " + ", ".join(bounds) if bounds else "")


def prepayment_text(terms: ContractTerms, zh: bool) -> dict[str, Any]:
    policy = terms.prepayment
    bands = []
    for band in policy.penalty:
        if band.kind == "none":
            text = "不收取" if zh else "none"
        elif band.kind == "percent-of-prepaid":
            assert band.percent is not None
            text = (
                f"提前还款本金的 {format_rate(band.percent)}"
                if zh
                else f"{format_rate(band.percent)} of the amount prepaid"
            )
        else:
            text = f"{band.months} 个月利息" if zh else f"{band.months} months' interest"
        if band.until_period:
            text = (
                f"自放款起已到期不足 {band.until_period} 期的，{text}"
                if zh
                else f"{text} while fewer than {band.until_period} installments since disbursement are due"
            )
        bands.append(text)
    options = {
        "keep-term": ("期限不变、减少月供", "keep the term, lower the installment"),
        "keep-installment": ("月供不变、缩短期限", "keep the installment, shorten the term"),
    }
    return {
        "allowed": policy.allowed,
        "allowed_after_periods": policy.allowed_after_periods,
        "notice_days": policy.notice_days,
        "penalty": ("；" if zh else "; ").join(bands) if bands else ("不收取" if zh else "none"),
        "options": ("或" if zh else " or ").join(options[r][0 if zh else 1] for r in policy.reamortisation),
    }
