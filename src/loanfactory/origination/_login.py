"""Sign-ins bound to customers (登录身份绑定): the bank knows the person, we know the customer.

The bank's login service (统一身份认证) keeps passwords and issues tokens naming a subject; a
subject that opens an account here is bound to the new customer in the same transaction as the
registration, so that the next request with a token of that subject acts for that customer. The
id of a :class:`CustomerLogin` is the login key (a digest of issuer and subject, never the raw
subject); one login reaches one customer, and a customer may have several (app, website ...).

A customer registered by a branch officer has no sign-in: :func:`link` binds one when the person
signed in at the bank proves the customer is them (ID, name, a verified card and its phone, the
four elements checked again through the KYC port).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from loanfactory.entity import Entity
from loanfactory.errors import StateConflict
from loanfactory.origination._commands import Command
from loanfactory.origination._customer import Customer, KycRecord
from loanfactory.origination._identity import identity_hash, parse_id_number
from loanfactory.origination._values import AwareDatetime, Value
from loanfactory.ports import KycCheck, KycVerifier, ServiceUnavailable

LoginKey = Annotated[str, Field(pattern=r"^[a-z]:[0-9a-f]{16,64}$")]


class CustomerLogin(Entity):
    """One sign-in identity bound to one customer."""

    kind: ClassVar[str] = "customer_login"
    indexes: ClassVar[tuple[str, ...]] = ("customer_id",)

    id: LoginKey
    customer_id: str
    bound_at: AwareDatetime


class OwnershipProof(Value):
    """What a person signed in at the bank gives to prove a customer registered here is them
    (客户身份认领): the ID number and name, and one of the customer's verified cards with the phone
    registered at its bank — checked again now through the KYC port (银行卡四要素)."""

    id_number: Annotated[str, Field(min_length=15, max_length=18, repr=False)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    card_number: Annotated[str, Field(min_length=12, max_length=19, pattern=r"^[0-9]+$", repr=False)]
    phone: Annotated[str, Field(min_length=11, max_length=11, pattern=r"^1[0-9]{10}$", repr=False)]


def link(
    cmd: Command,
    login: str,
    proof: OwnershipProof,
    *,
    kyc: KycVerifier,
    hash_key: bytes | None,
) -> Customer:
    """Bind ``login`` to the individual customer ``proof`` proves to be (登录身份认领).

    Refused when the sign-in is bound already (``login-bound``) or the customer already has a
    sign-in (``customer-linked``: a further one is added from it, not by proof); when the ID is
    not a registered individual, the name or card is not theirs on file, or the four-element check
    fails now, the answer is the same ``ownership-not-proven`` (it tells nobody who is a customer).
    """
    logins = cmd.tx.repo(CustomerLogin)
    bound = logins.find(login)
    if bound is not None:
        raise StateConflict(
            "this sign-in already belongs to a customer",
            field="login",
            code="login-bound",
            message_zh="该登录身份已绑定客户",
        )
    number = parse_id_number(proof.id_number, as_of=cmd.clock.today()).number
    found = cmd.tx.repo(Customer).list(identity_hash=identity_hash("id", number, key=hash_key))
    customer = found[0] if found else None
    person = customer.individual if customer is not None else None
    cards = person.bank_cards if person is not None else ()
    on_file = any(c.verified and c.number == proof.card_number for c in cards)
    if customer is None or person is None or person.name != proof.name or not on_file:
        raise _not_proven()
    if logins.list(customer_id=customer.id):
        raise StateConflict(
            f"customer {customer.id} already has a sign-in; add another from it",
            field="login",
            code="customer-linked",
            message_zh=f"客户 {customer.id} 已绑定登录身份",
        )
    try:
        result = kyc.verify_bank_card(number, proof.name, proof.card_number, proof.phone)
    except ServiceUnavailable as exc:
        raise StateConflict(
            f"the KYC service is unavailable ({exc}); retry later",
            field="kyc",
            code="kyc-unavailable",
            message_zh="身份核验服务暂不可用，请稍后重试",
        ) from None
    if result.check is not KycCheck.bank_card_four or not result.passed:
        raise _not_proven()
    record = KycRecord(
        check=result.check,
        passed=True,
        at=cmd.clock.now(),
        score=result.score,
        reason=result.reason,
        reference=result.reference,
    )
    linked = cmd.tx.repo(Customer).update(customer.evolve(kyc=(*customer.kyc, record)))
    logins.add(CustomerLogin(id=login, customer_id=customer.id, bound_at=cmd.clock.now()))
    cmd.emit("customer.login_linked", customer.id, check=result.check.value, reference=result.reference)
    return linked


def _not_proven() -> StateConflict:
    return StateConflict(
        "the ID, name, card and phone do not prove a registered customer",
        field="proof",
        code="ownership-not-proven",
        message_zh="证件号、姓名、银行卡和预留手机号未能证明您是已登记的客户",
    )
