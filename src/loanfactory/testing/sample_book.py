"""A sample book of applicants (样例客户): seven individuals and three enterprises, ready to apply.

Their ID numbers and credit codes are fictitious but pass the GB 11643 / GB 32100 checksums; each
carries the persona the simulated bureau should report for it (prime, near-prime, severe,
thin-file). The origination example, the demo and embedding developers' own tests use them::

    bureau = SimulatedBureau(personas=sample_book.personas())
    for person in sample_book.PEOPLE:
        customer = origination.register_customer(sample_book.individual(person), idempotency_key=...)
        origination.originate(sample_book.individual_request(person, customer.id, at), idempotency_key=...)
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from loanfactory.origination import (
    ApplicationAssessment,
    ApplicationRequest,
    Consent,
    ConsentScope,
    DocumentKind,
    DocumentSource,
    EnterpriseProfile,
    IndividualProfile,
    Origination,
    SupportingDocument,
)

# Individuals applying for consumer_credit (the bureau persona decides their simulated credit report).
_PEOPLE = """
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
_FIRMS = """
name                         | credit code        | legal rep | rep ID number      | founded    | revenue
上海澄明信息科技有限公司     | 91310115MA1K3B7N6T | 杨帆      | 210102198708112037 | 2016-04-12 | 26000000
深圳市汇通供应链管理有限公司 | 91440300MA5F2K8T3H | 黄海      | 33010619750909003X | 2018-09-03 | 48000000
杭州青禾农业发展有限公司     | 91330100MA27XQ4L5K | 吴桐      | 320583196803031223 | 2021-06-18 | 3200000
"""
_FIRMS_MORE = """
credit code        | last year | assets   | liabilities | tax | persona | amount  | term
91310115MA1K3B7N6T | 20000000  | 30000000 | 12000000    | A   | prime   | 1500000 | 12
91440300MA5F2K8T3H | 45000000  | 36000000 | 19000000    | B   | prime   | 180000  | 12
91330100MA27XQ4L5K | 3600000   | 9000000  | 7200000     | M   | severe  | 500000  | 12
"""

REVIEWERS = (("wang.chushen", "officer"), ("li.fushen", "senior_officer"))
"""初审 and 复审 reviewers and their roles — never the same person (四眼原则)."""


def table(text: str) -> list[dict[str, str]]:
    """Rows of a ``|``-separated table, keyed by its header."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    head = [h.strip() for h in lines[0].split("|")]
    return [dict(zip(head, (c.strip() for c in line.split("|")), strict=True)) for line in lines[1:]]


PEOPLE = table(_PEOPLE)
FIRMS = [firm | more for firm, more in zip(table(_FIRMS), table(_FIRMS_MORE), strict=True)]


def personas() -> dict[str, str]:
    """ID number or credit code -> the simulated bureau persona."""
    return {p["ID number"]: p["persona"] for p in PEOPLE} | {f["credit code"]: f["persona"] for f in FIRMS}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def consents(at: datetime) -> tuple[Consent, ...]:
    """Bureau-query and data-use consents given ten minutes before ``at``, valid for 30 days."""
    given = at - timedelta(minutes=10)
    return tuple(
        Consent(
            scope=scope, granted_at=given, expires_at=given + timedelta(days=30), reference=f"esign-{scope}"
        )
        for scope in (ConsentScope.bureau_query, ConsentScope.data_use)
    )


def documents(owner: str, *kinds: DocumentKind) -> tuple[SupportingDocument, ...]:
    """ID copies are photos (verified by the KYC check); the rest is third-party authorised data."""
    photos = (
        DocumentKind.id_card_front,
        DocumentKind.id_card_back,
        DocumentKind.business_licence,
        DocumentKind.legal_rep_id,
    )
    return tuple(
        SupportingDocument(
            kind=k,
            sha256=sha(f"{owner}-{k}"),
            source=DocumentSource.photo if k in photos else DocumentSource.third_party,
            provider=None if k in photos else "个税/社保/税务授权数据",
        )
        for k in kinds
    )


def individual(person: dict[str, str]) -> IndividualProfile:
    id_number, phone = person["ID number"], person["phone"]
    return IndividualProfile.model_validate(
        {
            "id_number": id_number,
            "name": person["name"],
            "phone": phone,
            "city": person["city"],
            "annual_income": person["income"],
            "employment": {"kind": person["employment"], "years": person["yrs"]},
            "bank_cards": [{"number": "62220210" + id_number[-11:], "bank": "中国工商银行", "phone": phone}],
            "face_image_sha256": sha(id_number + "selfie"),
        }
    )


def individual_request(
    person: dict[str, str], customer_id: str, at: datetime, coupon_id: str | None = None
) -> ApplicationRequest:
    return ApplicationRequest.model_validate(
        {
            "customer_id": customer_id,
            "product_code": "consumer_credit",
            "amount": person["amount"],
            "term": person["term"],
            "purpose": "consumer",
            "channel": "app",
            "consents": consents(at),
            "coupon_id": coupon_id,
            "documents": documents(
                person["ID number"],
                DocumentKind.id_card_front,
                DocumentKind.id_card_back,
                DocumentKind.income_proof,
            ),
        }
    )


def enterprise(firm: dict[str, str]) -> EnterpriseProfile:
    code, name = firm["credit code"], firm["name"]
    return EnterpriseProfile.model_validate(
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


def enterprise_request(firm: dict[str, str], customer_id: str, at: datetime) -> ApplicationRequest:
    return ApplicationRequest.model_validate(
        {
            "customer_id": customer_id,
            "product_code": "micro_business",
            "amount": firm["amount"],
            "term": firm["term"],
            "purpose": "working-capital",
            "channel": "branch",
            "consents": consents(at),
            "documents": documents(
                firm["credit code"],
                DocumentKind.business_licence,
                DocumentKind.legal_rep_id,
                DocumentKind.financial_statement,
                DocumentKind.bank_statement,
            ),
        }
    )


def review_queue(
    origination: Origination, results: list[tuple[str, ApplicationAssessment]]
) -> list[tuple[str, ApplicationAssessment | Any]]:
    """Two reviewers work through the manual-review queue: 初审 then 复审, by different people."""
    done: list[tuple[str, ApplicationAssessment | Any]] = []
    (first, first_role), (second, second_role) = REVIEWERS
    for name, result in results:
        if result.outcome != "manual_review" or result.task is None:
            done.append((name, result))
            continue
        task = result.task.id
        origination.claim_task(task, first, role=first_role, idempotency_key=f"claim-{task}")
        origination.note_task(
            task, first, "流水与申报收入基本一致，同意提交复审", idempotency_key=f"note-{task}"
        )
        step = origination.approve_task(task, first, role=first_role, idempotency_key=f"approve-{task}")
        assert step.next_task is not None
        nxt = step.next_task.id
        origination.claim_task(nxt, second, role=second_role, idempotency_key=f"claim-{nxt}")
        final = origination.approve_task(nxt, second, role=second_role, idempotency_key=f"approve-{nxt}")
        done.append((name, final))
    return done
