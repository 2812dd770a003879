"""Hypothesis strategies for origination: valid identity numbers, customers and applications.

::

    from hypothesis import given
    from loanfactory.testing.strategies import id_numbers, individuals

    @given(individuals())
    def test_register(profile): ...
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # the ``testing`` extra
    raise ModuleNotFoundError(
        f"{__name__} needs hypothesis: pip install 'loanfactory[testing]'", name="hypothesis"
    ) from missing

from loanfactory.entity import CST
from loanfactory.origination import (
    CREDIT_CODE_ALPHABET,
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
    credit_code_check_character,
    id_check_character,
    organisation_check_character,
)

_PROVINCES = ("11", "12", "13", "31", "32", "33", "35", "37", "42", "44", "50", "51", "61", "65")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_INDUSTRIES = ("制造业", "批发零售", "信息技术", "建筑业", "交通运输", "餐饮住宿", "农业")


@st.composite
def id_numbers(
    draw: st.DrawFn, born_after: date = date(1945, 1, 1), born_before: date = date(2006, 12, 31)
) -> str:
    """Valid 18-character resident ID numbers (GB 11643)."""
    region = draw(st.sampled_from(_PROVINCES)) + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    born = draw(st.dates(min_value=born_after, max_value=born_before))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """Valid unified social credit codes (GB 32100, with a valid GB 11714 organisation code)."""
    head = draw(st.sampled_from(("91", "92", "93", "12", "52")))
    region = draw(st.sampled_from(_PROVINCES)) + draw(st.from_regex(r"\A[0-9]{4}\Z"))
    body = "".join(draw(st.lists(st.sampled_from(CREDIT_CODE_ALPHABET), min_size=8, max_size=8)))
    first17 = head + region + body + organisation_check_character(body)
    return first17 + credit_code_check_character(first17)


def phones() -> st.SearchStrategy[str]:
    return st.from_regex(r"\A1[3-9][0-9]{9}\Z")


def names() -> st.SearchStrategy[str]:
    return st.builds(
        lambda s, g: s + g, st.sampled_from(_SURNAMES), st.text(alphabet=_GIVEN, min_size=1, max_size=2)
    )


def money(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Whole-yuan amounts from ``low`` to ``high``."""
    return st.integers(low, high).map(Decimal)


def cards() -> st.SearchStrategy[str]:
    return st.from_regex(r"\A62[0-9]{14,17}\Z")


@st.composite
def individuals(draw: st.DrawFn, income: tuple[int, int] = (36_000, 1_200_000)) -> IndividualProfile:
    """Valid individual profiles (adults on 2025-01-01)."""
    id_number = draw(id_numbers(born_before=date(2006, 12, 31)))
    phone = draw(phones())
    return IndividualProfile(
        id_number=id_number,
        name=draw(names()),
        phone=phone,
        annual_income=draw(money(*income)),
        employment=Employment(
            kind=draw(st.sampled_from(list(EmploymentKind))), years=Decimal(draw(st.integers(0, 30)))
        ),
        bank_cards=(BankCard(number=draw(cards()), bank="中国工商银行", phone=phone),),
        face_image_sha256=hashlib.sha256(id_number.encode()).hexdigest(),
    )


@st.composite
def enterprises(draw: st.DrawFn) -> EnterpriseProfile:
    """Valid enterprise profiles."""
    return EnterpriseProfile(
        credit_code=draw(credit_codes()),
        name=draw(names()) + draw(st.sampled_from(("科技有限公司", "贸易有限公司", "制造有限公司"))),
        legal_representative=LegalRepresentative(
            name=draw(names()), id_number=draw(id_numbers()), phone=draw(phones())
        ),
        corporate_account=CorporateAccount(
            bank="中国建设银行", number=draw(st.from_regex(r"\A[0-9]{16,20}\Z")), name="企业基本户"
        ),
        established_on=draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2023, 12, 31))),
        annual_revenue=draw(money(500_000, 200_000_000)),
        industry=draw(st.sampled_from(_INDUSTRIES)),
        employees=draw(st.integers(1, 2000)),
    )


def documents(kinds: tuple[DocumentKind, ...]) -> st.SearchStrategy[tuple[SupportingDocument, ...]]:
    """One document of each kind, with content hashes and sources."""
    return st.tuples(
        *(
            st.builds(
                SupportingDocument,
                kind=st.just(k),
                sha256=st.binary(min_size=1, max_size=16).map(lambda b: hashlib.sha256(b).hexdigest()),
                source=st.sampled_from(list(DocumentSource)),
            )
            for k in kinds
        )
    )


def consents(at: datetime, valid_days: int = 90) -> tuple[Consent, ...]:
    """The bureau-query and data-use consents an application needs, granted at ``at``."""
    until = at + timedelta(days=valid_days)
    return (
        Consent(scope=ConsentScope.bureau_query, granted_at=at, expires_at=until),
        Consent(scope=ConsentScope.data_use, granted_at=at, expires_at=until),
    )


@st.composite
def applications(
    draw: st.DrawFn,
    customer_id: str,
    product_code: str,
    *,
    amount: tuple[int, int] = (1_000, 200_000),
    terms: tuple[int, ...] = (6, 12, 24, 36),
    purpose: str = "consumer",
    channel: str = "app",
    at: datetime = datetime(2025, 1, 1, 9, 0, tzinfo=CST),
) -> ApplicationRequest:
    """Application requests for one customer and product, with documents and consents."""
    kinds = (DocumentKind.id_card_front, DocumentKind.id_card_back, DocumentKind.income_proof)
    return ApplicationRequest(
        customer_id=customer_id,
        product_code=product_code,
        amount=draw(money(*amount)),
        term=draw(st.sampled_from(terms)),
        purpose=purpose,  # type: ignore[arg-type]
        channel=channel,  # type: ignore[arg-type]
        documents=draw(documents(kinds)),
        consents=consents(at - timedelta(minutes=5)),
    )
