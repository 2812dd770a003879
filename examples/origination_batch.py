"""A batch of applicants through two sample products: offers, reviews, rejections and credit lines.

Individuals apply for ``consumer_credit`` (个人消费贷), enterprises for ``micro_business``
(小微经营贷). Everything runs in memory with the test kit's simulated KYC vendor, credit bureau
and notifier, on a fixed business date, so the output is the same on every run::

    .venv/bin/python examples/origination_batch.py            # Chinese reasons
    .venv/bin/python examples/origination_batch.py --lang en  # English reasons

The identity numbers below are fictitious: they pass the GB 11643 / GB 32100 checksums only.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from loanfactory.catalog import load_catalog
from loanfactory.entity import CST, SequentialIds
from loanfactory.money import format_money, format_rate
from loanfactory.origination import (
    ApplicationRequest,
    Assessment,
    CampaignInput,
    Consent,
    ConsentScope,
    CreditLine,
    Customer,
    Document,
    DocumentKind,
    DocumentSource,
    EnterpriseProfile,
    IndividualProfile,
    Origination,
)
from loanfactory.testing import FixedClock, MemoryStore, RecordingNotifier, SimulatedBureau, SimulatedKyc

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 8, 1, 9, 30, tzinfo=CST)

# Individuals applying for consumer_credit (the bureau persona decides their simulated credit report).
PEOPLE_TABLE = """
name|ID number         |phone      |income|employment    |yrs|city|persona   |amount|term|coupon
李娜|310104198805121230|13816620451|360000|salaried      |6  |上海|prime     |80000 |12  |yes
王强|110108198503150413|13911872034|540000|civil-servant |12 |北京|prime     |200000|36  |no
周静|320102198506150022|13770215588|180000|salaried      |3  |南京|near-prime|60000 |24  |no
刘洋|330106198104172015|13357140055|420000|business-owner|9  |杭州|prime     |150000|24  |yes
陈晨|440305199201302218|13602458876|150000|self-employed |4  |深圳|severe    |50000 |12  |no
赵敏|510107199307221029|18980061234|96000 |salaried      |1  |成都|prime     |30000 |12  |no
孙磊|440106199706053312|15863320417|72000 |salaried      |2  |广州|thin-file |20000 |12  |no
"""

# Enterprises applying for micro_business: revenue this year and last, balance sheet, tax credit rating.
FIRMS_TABLE = """
name                         | credit code        | legal rep | rep ID number      | founded    | revenue
上海澄明信息科技有限公司     | 91310115MA1K3B7N6T | 杨帆      | 210102198708112037 | 2016-04-12 | 26000000
深圳市汇通供应链管理有限公司 | 91440300MA5F2K8T3H | 黄海      | 33010619750909003X | 2018-09-03 | 48000000
杭州青禾农业发展有限公司     | 91330100MA27XQ4L5K | 吴桐      | 320583196803031223 | 2021-06-18 | 3200000
"""
FIRMS_MORE_TABLE = """
credit code        | last year | assets   | liabilities | tax | persona | amount  | term
91310115MA1K3B7N6T | 20000000  | 30000000 | 12000000    | A   | prime   | 1500000 | 12
91440300MA5F2K8T3H | 45000000  | 36000000 | 19000000    | B   | prime   | 180000  | 12
91330100MA27XQ4L5K | 3600000   | 9000000  | 7200000     | M   | severe  | 500000  | 12
"""


def table(text: str) -> list[dict[str, str]]:
    """Rows of a ``|``-separated table, keyed by its header."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    head = [h.strip() for h in lines[0].split("|")]
    return [dict(zip(head, (c.strip() for c in line.split("|")), strict=True)) for line in lines[1:]]


PEOPLE = table(PEOPLE_TABLE)
FIRMS = [firm | more for firm, more in zip(table(FIRMS_TABLE), table(FIRMS_MORE_TABLE), strict=True)]

REVIEWERS = ("wang.chushen", "li.fushen")  # 初审, 复审 — never the same person (四眼原则)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def consents() -> tuple[Consent, ...]:
    at = NOW - timedelta(minutes=10)
    return tuple(
        Consent(scope=scope, granted_at=at, expires_at=at + timedelta(days=30), reference=f"esign-{scope}")
        for scope in (ConsentScope.bureau_query, ConsentScope.data_use)
    )


def docs(owner: str, *kinds: DocumentKind) -> tuple[Document, ...]:
    """ID copies are photos (verified by the KYC check); the rest is third-party authorised data."""
    photos = (
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.business_licence,
        DocumentKind.legal_rep_id,
    )
    return tuple(
        Document(
            kind=k,
            sha256=sha(f"{owner}-{k}"),
            source=DocumentSource.photo if k in photos else DocumentSource.third_party,
            provider=None if k in photos else "个税/社保/税务授权数据",
        )
        for k in kinds
    )


def build(lang: str) -> tuple[Origination, RecordingNotifier]:
    catalog, problems = load_catalog([ROOT / "products", ROOT / "rules"])
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        sys.exit("\n".join(p.format() for p in errors))
    personas = {p["ID number"]: p["persona"] for p in PEOPLE} | {
        f["credit code"]: f["persona"] for f in FIRMS
    }
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


def apply_people(origination: Origination, lang: str) -> list[tuple[str, Assessment]]:
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
        id_number, phone = person["ID number"], person["phone"]
        profile = IndividualProfile.model_validate(
            {
                "id_number": id_number,
                "name": person["name"],
                "phone": phone,
                "city": person["city"],
                "annual_income": person["income"],
                "employment": {"kind": person["employment"], "years": person["yrs"]},
                "bank_cards": [
                    {"number": "62220210" + id_number[-11:], "bank": "中国工商银行", "phone": phone}
                ],
                "face_image_sha256": sha(id_number + "selfie"),
            }
        )
        customer = origination.register_customer(profile, idempotency_key=f"reg-{id_number}", language=lang)
        coupon_id = None
        if person["coupon"] == "yes":
            coupon_id = origination.issue_coupon(
                "summer_2025", customer.id, idempotency_key=f"cpn-{id_number}"
            ).id
        request = ApplicationRequest.model_validate(
            {
                "customer_id": customer.id,
                "product_code": "consumer_credit",
                "amount": person["amount"],
                "term": person["term"],
                "purpose": "consumer",
                "channel": "app",
                "consents": consents(),
                "coupon_id": coupon_id,
                "documents": docs(
                    id_number,
                    DocumentKind.id_card_front,
                    DocumentKind.id_card_back,
                    DocumentKind.income_proof,
                ),
            }
        )
        name = person["name"]
        results.append((name, origination.originate(request, idempotency_key=f"app-{id_number}")))
    return results


def apply_firms(origination: Origination, lang: str) -> list[tuple[str, Assessment]]:
    results = []
    for firm in FIRMS:
        code, name = firm["credit code"], firm["name"]
        profile = EnterpriseProfile.model_validate(
            {
                "credit_code": code,
                "name": name,
                "established_on": firm["founded"],
                "annual_revenue": firm["revenue"],
                "previous_revenue": firm["last year"],
                "total_assets": firm["assets"],
                "total_liabilities": firm["liabilities"],
                "tax_rating": firm["tax"],
                "high_tech": "科技" in name,
                "industry": "信息技术" if "科技" in name else "批发零售",
                "employees": 60,
                "legal_representative": {"name": firm["legal rep"], "id_number": firm["rep ID number"]},
                "corporate_account": {
                    "bank": "中国建设银行",
                    "number": "3100" + str(int(sha(code), 16))[:16],
                    "name": name,
                },
            }
        )
        customer = origination.register_customer(profile, idempotency_key=f"reg-{code}", language=lang)
        request = ApplicationRequest.model_validate(
            {
                "customer_id": customer.id,
                "product_code": "micro_business",
                "amount": firm["amount"],
                "term": firm["term"],
                "purpose": "working-capital",
                "channel": "branch",
                "consents": consents(),
                "documents": docs(
                    code,
                    DocumentKind.business_licence,
                    DocumentKind.legal_rep_id,
                    DocumentKind.financial_statement,
                    DocumentKind.bank_statement,
                ),
            }
        )
        results.append((name, origination.originate(request, idempotency_key=f"app-{code}")))
    return results


def review(
    origination: Origination, results: list[tuple[str, Assessment]]
) -> list[tuple[str, Assessment | Any]]:
    """Two reviewers work through the manual-review queue: 初审 then 复审, by different people."""
    done = []
    first, second = REVIEWERS
    for name, result in results:
        if result.outcome != "manual_review" or result.task is None:
            done.append((name, result))
            continue
        task = result.task.id
        origination.claim_task(task, first, idempotency_key=f"claim-{task}")
        origination.note_task(
            task, first, "流水与申报收入基本一致，同意提交复审", idempotency_key=f"note-{task}"
        )
        step = origination.approve_task(task, first, idempotency_key=f"approve-{task}")
        assert step.next_task is not None
        nxt = step.next_task.id
        origination.claim_task(nxt, second, idempotency_key=f"claim-{nxt}")
        final = origination.approve_task(nxt, second, idempotency_key=f"approve-{nxt}")
        done.append((name, final))
    return done


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
    reviewed = review(origination, results)
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
