"""Customers (用户管理): individuals, sole proprietors and enterprises, their verification and tags.

A sole proprietor (个体工商户) is an individual who runs a registered business and answers for its
debts personally: the customer holds the operator's :class:`IndividualProfile` (经营者) and the
business licence (:class:`BusinessLicence`, 营业执照, whose credit code starts with ``92``).

A :class:`Customer` keeps the identity number it was registered with (banks must), but never as an
index: stores look customers up by ``identity_hash``. Reprs mask every identity, phone and
account number. Profiles are validated when built, so a bad checksum, a negative income or an
unknown employment kind is an :class:`~loanfactory.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import ConfigDict, Field, field_validator

from loanfactory.entity import Entity
from loanfactory.errors import FieldError, InvalidInput
from loanfactory.facts import CustomerHistory
from loanfactory.money import Money
from loanfactory.origination._identity import (
    mask_account,
    mask_credit_code,
    mask_id_number,
    mask_phone,
    parse_account_number,
    parse_credit_code,
    parse_id_number,
    parse_phone,
)
from loanfactory.origination._values import AwareDatetime, ExactDecimal, Value
from loanfactory.ports import KycCheck, Transaction

Name = Annotated[str, Field(min_length=1, max_length=100)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _check(parse: Any, value: Any, field: str) -> Any:
    try:
        return parse(value, field=field)
    except InvalidInput as exc:
        raise FieldError(exc) from None


class CustomerType(StrEnum):
    individual = "individual"  # 个人
    sole_proprietor = "sole-proprietor"  # 个体工商户
    enterprise = "enterprise"  # 企业


class CustomerStatus(StrEnum):
    active = "active"
    blocked = "blocked"  # 黑名单/冻结: no new applications


class EmploymentKind(StrEnum):
    """Employment (职业类型)."""

    salaried = "salaried"  # 受薪
    civil_servant = "civil-servant"  # 公务员/事业单位
    self_employed = "self-employed"  # 个体工商户
    business_owner = "business-owner"  # 企业主
    freelancer = "freelancer"  # 自由职业
    retired = "retired"  # 退休
    student = "student"  # 学生
    unemployed = "unemployed"  # 无业


class Employment(Value):
    kind: EmploymentKind
    employer: str | None = None
    industry: str | None = None
    years: Annotated[Decimal, Field(ge=0, le=60, description="Years with the current employer")] = Decimal(0)


class BankCard(Value):
    """A debit card for disbursement and repayment (银行卡)."""

    number: Annotated[str, Field(repr=False)]
    bank: Name
    phone: Annotated[str | None, Field(repr=False)] = None  # the phone registered with the bank
    verified: bool = False

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        return str(_check(parse_account_number, value, "number"))

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else str(_check(parse_phone, value, "phone"))

    @property
    def masked(self) -> str:
        return mask_account(self.number)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "number", self.masked
        yield from super().__repr_args__()


class IndividualProfile(Value):
    """An individual applicant (个人客户)."""

    id_number: Annotated[str, Field(repr=False, description="18-character resident ID (身份证号)")]
    name: Name
    phone: Annotated[str, Field(repr=False)]
    annual_income: Annotated[Money, Field(description="Verified or declared annual income, yuan (年收入)")]
    employment: Employment
    monthly_debt_payments: Annotated[Money, Field(description="Existing monthly obligations (月负债)")] = (
        Decimal(0)
    )
    bank_cards: tuple[BankCard, ...] = ()
    city: str | None = None
    education: Literal["high_school", "college", "bachelor", "master", "doctor"] | None = None  # 学历
    marital_status: Literal["single", "married", "divorced", "widowed"] | None = None  # 婚姻状况
    face_image_sha256: Sha256 | None = None

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return str(_check(parse_id_number, value, "id_number").number)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return str(_check(parse_phone, value, "phone"))

    @property
    def birth_date(self) -> date:
        return parse_id_number(self.id_number).birth_date

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "id_number", mask_id_number(self.id_number)
        yield "phone", mask_phone(self.phone)
        yield from super().__repr_args__()


class LegalRepresentative(Value):
    """The enterprise's legal representative (法定代表人)."""

    name: Name
    id_number: Annotated[str, Field(repr=False)]
    phone: Annotated[str | None, Field(repr=False)] = None

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str) -> str:
        return str(_check(parse_id_number, value, "id_number").number)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else str(_check(parse_phone, value, "phone"))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "id_number", mask_id_number(self.id_number)
        yield from super().__repr_args__()


class CorporateAccount(Value):
    """The enterprise's basic deposit account (对公基本户)."""

    bank: Name
    number: Annotated[str, Field(repr=False)]
    name: Name
    verified: bool = False

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        return str(_check(parse_account_number, value, "number"))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "number", mask_account(self.number)
        yield from super().__repr_args__()


class EnterpriseProfile(Value):
    """An enterprise applicant (企业客户)."""

    credit_code: Annotated[str, Field(description="Unified social credit code (统一社会信用代码)")]
    name: Name
    legal_representative: LegalRepresentative
    corporate_account: CorporateAccount
    established_on: Annotated[date, Field(description="Date of incorporation (成立日期)")]
    annual_revenue: Annotated[Money, Field(description="Last year's revenue, yuan (年营业收入)")]
    annual_net_profit: Annotated[ExactDecimal, Field(description="May be negative (净利润)")] = Decimal(0)
    industry: Name
    employees: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    registered_capital: Money | None = None
    total_liabilities: Money = Decimal(0)
    total_assets: Annotated[Money | None, Field(description="Balance-sheet total (资产总额)")] = None
    previous_revenue: Annotated[
        Money | None, Field(description="Revenue of the year before (上年营业收入)")
    ] = None
    tax_rating: Annotated[Literal["A", "B", "M", "C", "D"] | None, Field(description="纳税信用等级")] = None
    high_tech: bool | None = None  # 高新技术企业

    @field_validator("credit_code")
    @classmethod
    def _code(cls, value: str) -> str:
        return str(_check(parse_credit_code, value, "credit_code"))

    def years_in_business(self, day: date) -> int:
        years = day.year - self.established_on.year
        return years - ((day.month, day.day) < (self.established_on.month, self.established_on.day))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "credit_code", mask_credit_code(self.credit_code)
        yield from ((k, v) for k, v in super().__repr_args__() if k != "credit_code")


class BusinessLicence(Value):
    """A sole proprietor's business licence (个体工商户营业执照)."""

    credit_code: Annotated[
        str,
        Field(description="Unified social credit code of the business, starting with 92 (统一社会信用代码)"),
    ]
    name: Annotated[Name, Field(description="The business's registered name (字号名称)")]
    established_on: Annotated[date, Field(description="Date of registration (注册日期)")]
    industry: Name
    annual_revenue: Annotated[Money, Field(description="Last year's turnover, yuan (年营业额)")]
    employees: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    address: Annotated[str | None, Field(max_length=200, description="Place of business (经营场所)")] = None

    @field_validator("credit_code")
    @classmethod
    def _code(cls, value: str) -> str:
        code = str(_check(parse_credit_code, value, "credit_code"))
        if not code.startswith("92"):
            raise FieldError(InvalidInput(field="credit_code", code="not-a-sole-proprietor"))
        return code

    def years_in_business(self, day: date) -> int:
        years = day.year - self.established_on.year
        return years - ((day.month, day.day) < (self.established_on.month, self.established_on.day))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "credit_code", mask_credit_code(self.credit_code)
        yield from ((k, v) for k, v in super().__repr_args__() if k != "credit_code")


class SoleProprietorProfile(Value):
    """A sole proprietor applying (个体工商户): the operator (经营者) and the business licence."""

    operator: IndividualProfile
    business: BusinessLicence


Profile = IndividualProfile | SoleProprietorProfile | EnterpriseProfile
"""What a customer registers with."""


class KycRecord(Value):
    """The outcome of one verification (核验记录)."""

    check: KycCheck
    passed: bool
    at: AwareDatetime
    score: ExactDecimal | None = None
    reason: str | None = None
    reference: str | None = None


class ProfileTag(Value):
    """A profile tag (用户画像标签) and the rule that set it."""

    tag: Annotated[str, Field(min_length=1, max_length=50)]  # e.g. "优质客户", "高成长性企业"
    rule: str  # rule id (and rule set) that set it
    set_at: AwareDatetime
    product_code: str | None = None  # the product whose tag rules ran


class Customer(Entity):
    """An individual, sole-proprietor or enterprise customer (客户).

    A sole proprietor has both ``individual`` (the operator) and ``business`` (the licence)."""

    model_config = ConfigDict(hide_input_in_errors=True)  # errors never echo an ID number

    kind: ClassVar[str] = "customer"
    indexes: ClassVar[tuple[str, ...]] = ("identity_hash", "type", "status", "group_id")

    type: CustomerType
    identity_hash: Sha256
    individual: IndividualProfile | None = None
    business: BusinessLicence | None = None  # a sole proprietor's licence
    enterprise: EnterpriseProfile | None = None
    status: CustomerStatus = CustomerStatus.active
    kyc: tuple[KycRecord, ...] = ()
    tags: tuple[ProfileTag, ...] = ()
    group_id: str | None = None  # related-enterprise group (关联企业集团)
    channel: str | None = None
    language: Literal["zh", "en"] = "zh"  # for notifications
    accepted_offers: int = 0  # offers this customer accepted (存量客户 when above zero)
    registered_at: AwareDatetime

    @property
    def name(self) -> str:
        profile = self.individual or self.enterprise
        assert profile is not None
        return profile.name

    @property
    def masked_identity(self) -> str:
        if self.individual is not None:
            return mask_id_number(self.individual.id_number)
        assert self.enterprise is not None
        return mask_credit_code(self.enterprise.credit_code)

    @property
    def subject_id(self) -> str:
        """The number the bureau and KYC vendors know this customer by."""
        if self.individual is not None:
            return self.individual.id_number
        assert self.enterprise is not None
        return self.enterprise.credit_code

    @property
    def phone(self) -> str | None:
        if self.individual is not None:
            return self.individual.phone
        assert self.enterprise is not None
        return self.enterprise.legal_representative.phone

    def verified(self, check: KycCheck) -> bool:
        """The latest result of ``check`` passed."""
        latest = [r for r in self.kyc if r.check is check]
        return bool(latest) and latest[-1].passed

    @property
    def tag_names(self) -> tuple[str, ...]:
        return tuple(t.tag for t in self.tags)


class CustomerGroup(Entity):
    """Related enterprises sharing a group credit limit (关联企业集团)."""

    kind: ClassVar[str] = "customer_group"
    indexes: ClassVar[tuple[str, ...]] = ("name",)

    name: Name
    members: tuple[str, ...] = ()  # customer ids
    created_at: AwareDatetime


class LoanHistory(Protocol):
    """Where the customer's history with this lender comes from (与本行的往来): the facts rules read
    as ``customer.*`` (``customer.first_loan``). Servicing keeps the loans, so the lender wires
    :class:`loanfactory.servicing.LoanBook` in; origination alone has no history to give."""

    def history(self, tx: Transaction, customer_id: str) -> CustomerHistory: ...
