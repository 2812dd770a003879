"""A batch of applicants through two sample products: offers, reviews, rejections and credit lines.

Individuals apply for ``consumer_credit`` (个人消费贷), enterprises for ``micro_business``
(小微经营贷). Everything runs in memory with the test kit's simulated KYC vendor, credit bureau
and notifier, on a fixed business date, so the output is the same on every run::

    .venv/bin/python examples/origination_batch.py            # Chinese reasons
    .venv/bin/python examples/origination_batch.py --lang en  # English reasons

The applicants are the test kit's sample book (``loanfactory.testing.sample_book``): fictitious
identity numbers that pass the GB 11643 / GB 32100 checksums only.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from loanfactory.catalog import load_catalog
from loanfactory.entity import CST, SequentialIds
from loanfactory.money import format_money, format_rate
from loanfactory.origination import (
    ApplicationAssessment,
    CampaignInput,
    CreditLine,
    Customer,
    Origination,
)
from loanfactory.testing import (
    FixedClock,
    MemoryStore,
    RecordingNotifier,
    SimulatedBureau,
    SimulatedKyc,
    sample_book,
)

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 8, 1, 9, 30, tzinfo=CST)

PEOPLE, FIRMS = sample_book.PEOPLE, sample_book.FIRMS


def build(lang: str) -> tuple[Origination, RecordingNotifier]:
    catalog, problems = load_catalog([ROOT / "products", ROOT / "rules"])
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        sys.exit("\n".join(p.format() for p in errors))
    personas = sample_book.personas()
    notifier = RecordingNotifier()
    origination = Origination(
        store=MemoryStore(),
        catalog=catalog,
        kyc=SimulatedKyc(),
        bureau=SimulatedBureau(personas=personas),  # type: ignore[arg-type]
        notifier=notifier,
        clock=FixedClock(NOW),
        ids=SequentialIds(),
    )
    return origination, notifier


def apply_people(origination: Origination, lang: str) -> list[tuple[str, ApplicationAssessment]]:
    origination.launch_campaign(
        CampaignInput.model_validate(
            {
                "code": "summer_2025",
                "name": {"zh": "盛夏利率优惠", "en": "Summer rate offer"},
                "rate_discount_bp": 30,
                "interest_free_days": 7,
                "valid_from": "2025-07-01",
                "valid_to": "2025-09-30",
                "budget": "5000",
                "product_codes": ["consumer_credit"],
            }
        ),
        idempotency_key="campaign-summer",
    )
    results = []
    for person in PEOPLE:
        id_number = person["ID number"]
        customer = origination.register_customer(
            sample_book.individual(person), idempotency_key=f"reg-{id_number}", language=lang
        )
        coupon_id = None
        if person["coupon"] == "yes":
            coupon_id = origination.issue_coupon(
                "summer_2025", customer.id, idempotency_key=f"cpn-{id_number}"
            ).id
        request = sample_book.individual_request(person, customer.id, NOW, coupon_id)
        results.append((person["name"], origination.originate(request, idempotency_key=f"app-{id_number}")))
    return results


def apply_firms(origination: Origination, lang: str) -> list[tuple[str, ApplicationAssessment]]:
    results = []
    for firm in FIRMS:
        code = firm["credit code"]
        customer = origination.register_customer(
            sample_book.enterprise(firm), idempotency_key=f"reg-{code}", language=lang
        )
        request = sample_book.enterprise_request(firm, customer.id, NOW)
        results.append((firm["name"], origination.originate(request, idempotency_key=f"app-{code}")))
    return results


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def show(name: str, outcome: Any, lang: str) -> None:
    application = outcome.application
    offer = outcome.offer
    if offer is not None:
        amount, rate, apr = (
            format_money(offer.amount),
            format_rate(offer.annual_rate),
            format_rate(offer.apr, 2),
        )
        first = format_money(offer.first_payment)
        if lang == "zh":
            words = f"批准 {amount} 元 × {offer.term} 期，年利率 {rate}，APR {apr}，首期 {first} 元"
        else:
            words = f"approved {amount} x {offer.term}, rate {rate}, APR {apr}, first payment {first}"
        extra = [r.text(lang) for r in offer.reasons]
        print(f"  ✔ {pad(name, 30)} {words}" + (f"  ({'; '.join(extra)})" if extra else ""))
        return
    status = application.status.value
    reasons = "; ".join(r.text(lang) for r in application.reasons) or "-"
    mark = {"manual-review": "…", "info-requested": "?"}.get(status, "✘")
    print(f"  {mark} {pad(name, 30)} {status}: {reasons}")


def show_lines(origination: Origination, lang: str) -> None:
    print("\n额度（授信）状态:" if lang == "zh" else "\nCredit lines:")
    head = " ".join(f"{x:>12}" for x in ("total", "occupied", "available"))
    print(f"  {pad('customer', 30)} {head}  expires     sub-limit used")
    for line in origination.list(CreditLine):
        who = origination.get(Customer, line.customer_id).name if line.customer_id else line.group_id or "-"
        subs = ", ".join(
            f"{s.product_code} {format_money(s.occupied)}/{format_money(s.limit)}" for s in line.sub_limits
        )
        money = " ".join(f"{format_money(x):>12}" for x in (line.total, line.occupied, line.available))
        print(f"  {pad(who, 30)} {money}  {line.expires_on}  {subs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    lang = parser.parse_args(argv).lang
    origination, notifier = build(lang)
    results = apply_people(origination, lang) + apply_firms(origination, lang)
    print("自动审批结果:" if lang == "zh" else "Automatic decisions:")
    for name, result in results:
        show(name, result, lang)
    reviewed = sample_book.review_queue(origination, results)
    print(
        "\n人工审核（初审 + 复审）之后:" if lang == "zh" else "\nAfter manual review (first + second stage):"
    )
    for name, outcome in reviewed:
        show(name, outcome, lang)
    accepted = [o.offer for _, o in reviewed if o.offer is not None][:3]
    for offer in accepted:
        origination.accept_offer(offer.id, idempotency_key=f"accept-{offer.id}")
    show_lines(origination, lang)
    report = origination.relay_notifications()
    print(f"\n{len(report.delivered)} notifications sent; e.g.: {notifier.sent[0].body}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
