"""Customer registration and verification (开户与身份核验).

Registering checks the identity (checksums, a birth date not in the future), refuses a second
customer with the same identity, and runs the KYC checks that apply through the
:class:`~loanfactory.ports.KycVerifier` port: ID card, face match and bank-card four elements for
individuals; the same for a sole proprietor's operator plus the business licence (个体工商户营业执照);
business licence and the legal representative's ID for enterprises. Every result is
kept on the customer; a failed check does not stop registration — pre-review refuses the
customer's applications, with the failed check as the reason. An unreachable vendor stops it
(nothing is stored; retry with the same idempotency key).

An individual's first card that passes the four-element check becomes their payout account
(:mod:`.payout_account`). An enterprise's corporate account is only recorded here: it becomes a
payout account once the small-deposit check of :class:`~.payout_accounts.PayoutAccounts` passes.

Registering through a sign-in of the bank's identity provider binds that sign-in to the new
customer in the same transaction (:mod:`.login`); a sign-in bound already is refused.
"""

from __future__ import annotations

from loanfactory.errors import InvalidInput, StateConflict
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import (
    Customer,
    CustomerGroup,
    CustomerType,
    EnterpriseProfile,
    IndividualProfile,
    KycRecord,
    Profile,
    SoleProprietorProfile,
)
from loanfactory.origination._identity import identity_hash, parse_id_number
from loanfactory.origination._login import CustomerLogin
from loanfactory.origination._payout_account import (
    AccountOwner,
    AccountStatus,
    PayoutAccount,
    VerificationMethod,
)
from loanfactory.ports import KycCheck, KycResult, KycVerifier, ServiceUnavailable


def identity_key(profile: Profile, hash_key: bytes | None) -> str:
    """A sole proprietor is known by the licence (the operator may also bank as a private person)."""
    if isinstance(profile, IndividualProfile):
        return identity_hash("id", profile.id_number, key=hash_key)
    if isinstance(profile, SoleProprietorProfile):
        return identity_hash("uscc", profile.business.credit_code, key=hash_key)
    return identity_hash("uscc", profile.credit_code, key=hash_key)


def _type_of(profile: Profile) -> CustomerType:
    if isinstance(profile, IndividualProfile):
        return CustomerType.individual
    if isinstance(profile, SoleProprietorProfile):
        return CustomerType.sole_proprietor
    return CustomerType.enterprise


def register(
    cmd: Command,
    profile: Profile,
    *,
    kyc: KycVerifier,
    hash_key: bytes | None,
    channel: str | None,
    language: str,
    login: str | None = None,
) -> Customer:
    today = cmd.clock.today()
    if isinstance(profile, IndividualProfile):
        parse_id_number(profile.id_number, as_of=today)
    elif isinstance(profile, SoleProprietorProfile):
        parse_id_number(profile.operator.id_number, field="operator.id_number", as_of=today)
        if profile.business.established_on > today:
            raise InvalidInput(
                "the business cannot be registered in the future",
                field="business.established_on",
                message_zh="注册日期不能晚于今天",
            )
    else:
        parse_id_number(
            profile.legal_representative.id_number, field="legal_representative.id_number", as_of=today
        )
        if profile.established_on > today:
            raise InvalidInput(
                "the enterprise cannot be established in the future",
                field="established_on",
                message_zh="成立日期不能晚于今天",
            )
    if language not in ("zh", "en"):
        raise InvalidInput(
            "language must be 'zh' or 'en'", field="language", message_zh="语言只能是 zh 或 en"
        )
    if login is not None:
        bound = cmd.tx.repo(CustomerLogin).find(login)
        if bound is not None:
            raise StateConflict(
                f"this sign-in already belongs to customer {bound.customer_id}",
                field="login",
                code="login-bound",
                message_zh=f"该登录身份已绑定客户 {bound.customer_id}",
            )
    key = identity_key(profile, hash_key)
    repo = cmd.tx.repo(Customer)
    existing = repo.list(identity_hash=key)
    if existing:
        raise StateConflict(field="identity", code="customer-exists", params={"id": existing[0].id})
    try:
        records, profile = _verify(cmd, profile, kyc)
    except ServiceUnavailable as exc:
        raise StateConflict(
            f"the KYC service is unavailable ({exc}); retry later",
            field="kyc",
            code="kyc-unavailable",
            message_zh="身份核验服务暂不可用，请稍后重试",
        ) from None
    customer = Customer(
        id=cmd.ids.new("cus"),
        type=_type_of(profile),
        identity_hash=key,
        individual=profile.operator if isinstance(profile, SoleProprietorProfile) else _individual(profile),
        business=profile.business if isinstance(profile, SoleProprietorProfile) else None,
        enterprise=profile if isinstance(profile, EnterpriseProfile) else None,
        kyc=records,
        channel=channel,
        language=language,  # type: ignore[arg-type]  # checked above
        registered_at=cmd.clock.now(),
    )
    stored = repo.add(customer)
    if login is not None:
        cmd.tx.repo(CustomerLogin).add(
            CustomerLogin(id=login, customer_id=stored.id, bound_at=cmd.clock.now())
        )
    _payout_card(cmd, stored, records)
    cmd.emit(
        "customer.verified",
        stored.id,
        checks={r.check.value: r.passed for r in records},
        identity=stored.masked_identity,
    )
    return stored


def _individual(profile: Profile) -> IndividualProfile | None:
    return profile if isinstance(profile, IndividualProfile) else None


def _record(result: KycResult, cmd: Command) -> KycRecord:
    return KycRecord(
        check=result.check,
        passed=result.passed,
        at=cmd.clock.now(),
        score=result.score,
        reason=result.reason,
        reference=result.reference,
    )


def _verify(cmd: Command, profile: Profile, kyc: KycVerifier) -> tuple[tuple[KycRecord, ...], Profile]:
    records: list[KycRecord] = []
    if isinstance(profile, SoleProprietorProfile):
        operator = profile.operator
        licence = kyc.verify_business_licence(
            profile.business.credit_code, profile.business.name, operator.name
        )
        person, checked = _verify(cmd, operator, kyc)
        assert isinstance(checked, IndividualProfile)
        return (_record(licence, cmd), *person), profile.model_copy(update={"operator": checked})
    if isinstance(profile, IndividualProfile):
        records.append(_record(kyc.verify_id_card(profile.id_number, profile.name), cmd))
        if profile.face_image_sha256 is not None:
            records.append(_record(kyc.match_face(profile.id_number, profile.face_image_sha256), cmd))
        cards = []
        for card in profile.bank_cards:
            result = kyc.verify_bank_card(
                profile.id_number, profile.name, card.number, card.phone or profile.phone
            )
            records.append(_record(result, cmd))
            cards.append(card.model_copy(update={"verified": result.passed}))
        return tuple(records), profile.model_copy(update={"bank_cards": tuple(cards)})
    rep = profile.legal_representative
    licence = kyc.verify_business_licence(profile.credit_code, profile.name, rep.name)
    records.append(_record(licence, cmd))
    records.append(_record(kyc.verify_id_card(rep.id_number, rep.name), cmd))
    account = profile.corporate_account.model_copy(update={"verified": False})  # by a small deposit, later
    return tuple(records), profile.model_copy(update={"corporate_account": account})


def _payout_card(cmd: Command, customer: Customer, records: tuple[KycRecord, ...]) -> None:
    """The first card that passed four elements is the individual's payout account (本人已核验银行卡)."""
    if customer.individual is None:
        return
    checks = [r for r in records if r.check is KycCheck.bank_card_four]
    for card, record in zip(customer.individual.bank_cards, checks, strict=True):
        if card.verified:
            account = PayoutAccount(
                id=cmd.ids.new("pac"),
                customer_id=customer.id,
                owner=AccountOwner.borrower,
                holder=customer.name,
                number=card.number,
                bank=card.bank,
                method=VerificationMethod.bank_card_four,
                status=AccountStatus.verified,
                reference=record.reference,
                requested_by=cmd.actor,
                requested_at=record.at,
                verified_at=record.at,
            )
            cmd.tx.repo(PayoutAccount).add(account)
            return


def form_group(cmd: Command, name: str, members: tuple[str, ...]) -> CustomerGroup:
    """Record related enterprises as one group (关联企业) and mark each member."""
    if not name.strip() or not members:
        raise InvalidInput(
            "a group needs a name and at least one member",
            field="members",
            message_zh="集团需要名称和至少一个成员",
        )
    customers = cmd.tx.repo(Customer)
    group = CustomerGroup(
        id=cmd.ids.new("grp"),
        name=name.strip(),
        members=tuple(dict.fromkeys(members)),
        created_at=cmd.clock.now(),
    )
    for member_id in group.members:
        member = customers.get(member_id)
        if member.type is not CustomerType.enterprise:
            raise InvalidInput(
                f"{member_id} is not an enterprise", field="members", message_zh=f"{member_id} 不是企业客户"
            )
        if member.group_id is not None:
            raise StateConflict(
                field="members", code="in-group", params={"member_id": member_id, "group_id": member.group_id}
            )
        customers.update(member.model_copy(update={"group_id": group.id}))
    stored = cmd.tx.repo(CustomerGroup).add(group)
    cmd.emit("customer_group.formed", stored.id, members=list(group.members))
    return stored
