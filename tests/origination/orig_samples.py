"""Sample applicants, documents and requests for the origination tests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanfactory.entity import CST
from loanfactory.origination import (
    ApplicationRequest,
    BankCard,
    Consent,
    ConsentScope,
    CorporateAccount,
    DocumentKind,
    DocumentSource,
    Employment,
    EmploymentKind,
    EnterpriseProfile,
    IndividualProfile,
    LegalRepresentative,
    SupportingDocument,
)

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 8, 1)
NOW = datetime(2025, 8, 1, 9, 0, tzinfo=CST)

# Valid identities (GB 11643 / GB 32100 checksums) used across the tests.
WANG_ID = "11010519491231002X"  # the example of GB 11643 itself


def valid_id(first17: str) -> str:
    from loanfactory.origination import id_check_character

    return first17 + id_check_character(first17)


def valid_code(first16: str) -> str:
    """A valid credit code from registrar, type, region and the 8-character organisation body."""
    from loanfactory.origination import credit_code_check_character, organisation_check_character

    first17 = first16 + organisation_check_character(first16[8:16])
    return first17 + credit_code_check_character(first17)


LI_ID = valid_id("31010419880512123")
CHEN_ID = valid_id("44030519920130221")
ZHAO_ID = valid_id("33010619750909003")
HUAWEI = "91440300708461136T"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def individual(
    id_number: str = LI_ID, name: str = "李娜", income: str = "240000", **changes: Any
) -> IndividualProfile:
    data: dict[str, Any] = {
        "id_number": id_number,
        "name": name,
        "phone": "13812345678",
        "annual_income": Decimal(income),
        "employment": Employment(kind=EmploymentKind.salaried, employer="上海某科技公司", years=Decimal(5)),
        "bank_cards": (BankCard(number="6222021234567890123", bank="中国工商银行"),),
        "city": "上海",
        "face_image_sha256": sha(id_number + "selfie"),
    }
    data.update(changes)
    return IndividualProfile(**data)


def enterprise(code: str = HUAWEI, **changes: Any) -> EnterpriseProfile:
    data: dict[str, Any] = {
        "credit_code": code,
        "name": "深圳市示例科技有限公司",
        "legal_representative": LegalRepresentative(name="赵明", id_number=ZHAO_ID, phone="13900001111"),
        "corporate_account": CorporateAccount(
            bank="中国建设银行", number="44201500100052512345", name="深圳市示例科技有限公司"
        ),
        "established_on": date(2016, 3, 18),
        "annual_revenue": Decimal("18000000"),
        "annual_net_profit": Decimal("1500000"),
        "industry": "信息技术",
        "employees": 85,
        "total_liabilities": Decimal("4000000"),
    }
    data.update(changes)
    return EnterpriseProfile(**data)


def consents(at: datetime = NOW - timedelta(minutes=5), days: int = 30) -> tuple[Consent, ...]:
    return (
        Consent(scope=ConsentScope.bureau_query, granted_at=at, expires_at=at + timedelta(days=days)),
        Consent(scope=ConsentScope.data_use, granted_at=at, expires_at=at + timedelta(days=days)),
    )


def documents(*kinds: DocumentKind) -> tuple[SupportingDocument, ...]:
    kinds = kinds or (DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.income_proof)
    return tuple(SupportingDocument(kind=k, sha256=sha(k.value), source=DocumentSource.photo) for k in kinds)


ENTERPRISE_DOCS = (DocumentKind.business_licence, DocumentKind.legal_rep_id, DocumentKind.financial_statement)


def request(
    customer_id: str, product: str = "consumer_credit", amount: str = "50000", term: int = 12, **changes: Any
) -> ApplicationRequest:
    data: dict[str, Any] = {
        "customer_id": customer_id,
        "product_code": product,
        "amount": Decimal(amount),
        "term": term,
        "purpose": "consumer",
        "channel": "app",
        "documents": documents(),
        "consents": consents(),
    }
    data.update(changes)
    return ApplicationRequest(**data)


Keys = Callable[[str], str]
