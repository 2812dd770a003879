"""Who may call what: roles (角色), the authenticated principal, and the role table of every endpoint.

The table is the single source of truth: the guard of each route reads it, the OpenAPI document
prints it, and the tests iterate over it to prove that every other role is refused. Segregation
of duties is deliberate: ``admin`` manages keys, products' publication is the product manager's,
money moves only through ``operations`` (or the customer asking to repay their own loan, which
is credited when the payment system confirms it; its callbacks are signed, see ``SIGNED``), credit
decisions belong to the officers and risk, ``marketing`` runs campaigns (and sees no customer's
records), and ``auditor`` reads everything but changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    customer = "customer"  # 客户 (app, mini-program, website, partner acting for one customer)
    officer = "officer"  # 初审 first-line credit officer
    senior_officer = "senior_officer"  # 复审 senior credit officer
    risk = "risk"  # 风险管理
    operations = "operations"  # 运营 (disbursement, repayment, end of day)
    product_manager = "product_manager"  # 产品经理
    admin = "admin"  # 系统管理员
    auditor = "auditor"  # 审计 (read-only)
    agent = "agent"  # 客服坐席 customer-service agent: tickets and complaints
    marketing = "marketing"  # 市场营销: campaigns and their effect


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a subject (user or key name), one role, and for customers their customer id."""

    subject: str
    role: Role
    customer_id: str | None = None
    key_id: str = ""  # identifies the credential for rate limiting and idempotency scopes
    bound: bool = False  # the customer id comes from the sign-in's binding made at registration

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.customer


@dataclass(frozen=True, slots=True)
class Policy:
    """The roles an operation admits; ``own`` means a customer only reaches their own records."""

    roles: frozenset[Role]
    money: bool = False  # moves money
    own: bool = False
    keyed: bool = False  # an Idempotency-Key header is required (always when money moves)
    newcomer: bool = False  # a customer signed in at the bank without an account yet may call it


def _p(
    *roles: Role, money: bool = False, own: bool = False, keyed: bool = False, newcomer: bool = False
) -> Policy:
    return Policy(frozenset(roles), money=money, own=own, keyed=keyed or money, newcomer=newcomer)


R = Role
EVERYONE = tuple(Role)
STAFF = tuple(r for r in Role if r is not Role.customer)
READERS = (R.customer, R.officer, R.senior_officer, R.risk, R.operations, R.admin, R.auditor)
REVIEWERS = (R.officer, R.senior_officer, R.risk)

ROLE_TABLE: dict[str, Policy] = {
    # who am I; catalog and quotes: every authenticated caller, also before opening an account
    "me.get": _p(*EVERYONE, newcomer=True),
    "catalog.list": _p(*EVERYONE, newcomer=True),
    "catalog.get": _p(*EVERYONE, newcomer=True),
    "catalog.compare": _p(*EVERYONE, newcomer=True),
    "catalog.recommend": _p(*EVERYONE, newcomer=True),
    "quotes.create": _p(*EVERYONE, newcomer=True),
    # applications (贷款申请)
    "applications.create": _p(R.customer, R.officer, own=True),
    "applications.list": _p(*READERS, own=True),
    "applications.get": _p(*READERS, own=True),
    "applications.documents.add": _p(R.customer, R.officer, own=True),
    "applications.consents.add": _p(R.customer, R.officer, own=True),
    "applications.result": _p(*READERS, own=True),
    # offers (报价): the customer, or an officer on the customer's behalf, accepts or declines
    "offers.accept": _p(R.customer, R.officer, own=True, keyed=True),
    "offers.decline": _p(R.customer, R.officer, own=True),
    # customer accounts (客户账户): a customer signed in at the bank opens their own; officers at a branch
    "customers.register": _p(R.customer, R.officer, keyed=True, newcomer=True),
    "customers.link": _p(R.customer, keyed=True, newcomer=True),
    "customers.get": _p(*READERS, R.agent, own=True),
    "customers.credit_lines": _p(*READERS, own=True),
    "customers.repayments": _p(*READERS, own=True),
    # payout accounts (放款账户): only the customer adds, confirms or re-sends; staff cannot redirect
    "payout_accounts.list": _p(*READERS, own=True),
    "payout_accounts.add": _p(R.customer, own=True, keyed=True),
    "payout_accounts.confirm": _p(R.customer, own=True, keyed=True),
    "payout_accounts.resend": _p(R.customer, own=True, keyed=True),
    "payout_accounts.reverify": _p(R.customer, own=True, keyed=True),
    "payout_accounts.remove": _p(R.customer, own=True, keyed=True),
    # review tasks (审批任务)
    "reviews.list": _p(*REVIEWERS, R.admin, R.auditor),
    "reviews.claim": _p(*REVIEWERS),
    "reviews.approve": _p(*REVIEWERS),
    "reviews.reject": _p(*REVIEWERS),
    "reviews.return": _p(*REVIEWERS),
    # contracts (合同)
    "contracts.get": _p(R.customer, R.officer, R.senior_officer, R.operations, R.admin, R.auditor, own=True),
    "contracts.sign": _p(R.customer, R.operations, own=True),
    # disbursements (放款)
    "disbursements.create": _p(R.operations, money=True),
    "disbursements.batch": _p(R.operations, money=True),
    # loans (贷款)
    "loans.list": _p(*READERS, own=True),
    "loans.get": _p(*READERS, own=True),
    "loans.schedule": _p(*READERS, own=True),
    "loans.commitment": _p(*READERS, own=True),
    "loans.payoff": _p(R.customer, R.officer, R.operations, R.auditor, own=True),
    "loans.repay": _p(R.customer, R.operations, money=True, own=True),
    "loans.prepay": _p(R.customer, R.operations, money=True, own=True),
    "loans.collections": _p(*READERS, own=True),
    # collections (收款): orders, offline payments and reversals under four-eyes (双人复核)
    "collections.get": _p(*READERS, own=True),
    "loans.offline_payments": _p(R.operations, money=True),
    "loans.reversals": _p(R.operations, money=True),
    "postings.list": _p(R.operations, R.auditor),
    "postings.approve": _p(R.operations, money=True),
    "postings.reject": _p(R.operations, keyed=True),
    # collateral disposal (抵押物处置): operations run it, risk approves (a second person)
    "disposals.request": _p(R.operations, keyed=True),
    "disposals.list": _p(R.operations, R.risk, R.auditor),
    "disposals.get": _p(R.operations, R.risk, R.auditor),
    "disposals.appraisal": _p(R.operations, keyed=True),
    "disposals.approve": _p(R.risk, keyed=True),
    "disposals.sale": _p(R.operations, keyed=True),
    "disposals.sold": _p(R.operations, keyed=True),
    "disposals.fail": _p(R.operations, keyed=True),
    "disposals.withdraw": _p(R.operations, keyed=True),
    "disposals.proceeds": _p(R.operations, money=True),
    "disposals.allocate": _p(R.operations, money=True),
    "disposals.close": _p(R.operations, keyed=True),
    # end of day (日终)
    "eod.run": _p(R.operations, R.admin),
    "eod.status": _p(R.operations, R.admin, R.risk, R.auditor),
    # product publication (产品上下架)
    "products.publish": _p(R.product_manager),
    "products.pause": _p(R.product_manager),
    "products.offline": _p(R.product_manager),
    # reports (报表)
    "reports.get": _p(R.risk, R.operations, R.product_manager, R.admin, R.auditor),
    "reports.html": _p(R.risk, R.operations, R.product_manager, R.admin, R.auditor),
    "reports.csv": _p(R.risk, R.operations, R.product_manager, R.admin, R.auditor),
    "reports.xlsx": _p(R.risk, R.operations, R.product_manager, R.admin, R.auditor),
    # the compliance archive (合规档案): auditors read it
    "archive.list": _p(R.auditor),
    "archive.get": _p(R.auditor),
    "archive.export": _p(R.auditor),
    # customer service (客户服务): self-service answers, tickets and complaints with their time limits
    "service.ask": _p(R.customer, keyed=True),
    "service.report": _p(R.agent, R.risk, R.operations, R.admin, R.auditor),
    "tickets.create": _p(R.customer, R.agent, own=True, keyed=True),
    "tickets.list": _p(R.customer, R.agent, R.operations, R.admin, R.auditor, own=True),
    "tickets.get": _p(R.customer, R.agent, R.operations, R.admin, R.auditor, own=True),
    "tickets.assign": _p(R.agent, keyed=True),
    "tickets.reply": _p(R.customer, R.agent, own=True, keyed=True),
    "tickets.extend": _p(R.agent, keyed=True),
    "tickets.escalate": _p(R.customer, R.agent, own=True, keyed=True),
    "tickets.resolve": _p(R.agent, keyed=True),
    "tickets.rate": _p(R.customer, own=True, keyed=True),
    # campaigns (营销活动): marketing launches, pauses and resumes them; their effect report
    "campaigns.list": _p(R.marketing, R.product_manager, R.admin, R.auditor),
    "campaigns.get": _p(R.marketing, R.product_manager, R.admin, R.auditor),
    "campaigns.create": _p(R.marketing, keyed=True),
    "campaigns.pause": _p(R.marketing, keyed=True),
    "campaigns.resume": _p(R.marketing, keyed=True),
    "campaigns.effect": _p(R.marketing, R.product_manager, R.admin, R.auditor),
    "campaigns.reward": _p(R.marketing, keyed=True),
    "campaigns.referral": _p(R.marketing, keyed=True),
    "campaigns.rewards": _p(R.marketing, R.product_manager, R.admin, R.auditor),
    # notification settings (消息通知设置)
    "preferences.get": _p(R.customer, R.officer, R.admin, R.auditor, own=True),
    "preferences.put": _p(R.customer, own=True),
}
"""operation id -> policy; every ``/v1`` route has exactly one entry here or in SIGNED (tested)."""

SIGNED: dict[str, str] = {
    "payments.callback": "the payment system, by its signature (X-Signature headers), not an API key",
}
"""Operations called by another system that signs each message instead of presenting a credential."""


def roles_line(operation: str) -> str:
    """``Roles: officer, senior_officer`` for the OpenAPI description of an operation."""
    policy = ROLE_TABLE[operation]
    names = ", ".join(r.value for r in Role if r in policy.roles)
    extra = " Customers reach only their own records." if policy.own and Role.customer in policy.roles else ""
    money = " Requires an `Idempotency-Key` header." if policy.keyed else ""
    return f"**Roles:** {names}.{extra}{money}"
