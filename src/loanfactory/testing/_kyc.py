"""A simulated KYC vendor: deterministic answers, configurable failures.

Every answer depends only on the input and the configuration, so tests and the demo are
repeatable. By default a well-formed identity passes: a valid ID checksum and a name for the ID
check, a face score of 0.80-0.9999 derived from the image hash, a card and phone of the right
shape for the four-element check, a valid credit code for the licence check. Failures are asked
for by value::

    kyc = SimulatedKyc(failing_ids={"110105194912310021"}, spoofed_faces={image_hash})

``card_owners`` says whose card a number is (card number -> ID number): the four-element check of
that card with anyone else's identity fails, as the card's bank would answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal

from loanfactory.errors import InvalidInput
from loanfactory.origination import (
    mask_account,
    mask_id_number,
    parse_account_number,
    parse_credit_code,
    parse_id_number,
    parse_phone,
)
from loanfactory.ports import KycCheck, KycResult, ServiceUnavailable


class SimulatedKyc:
    """A :class:`loanfactory.ports.KycVerifier` for tests and the demo."""

    def __init__(
        self,
        *,
        registry_names: Mapping[str, str] | None = None,
        failing_ids: Iterable[str] = (),
        spoofed_faces: Iterable[str] = (),
        rejected_cards: Iterable[str] = (),
        revoked_licences: Iterable[str] = (),
        card_owners: Mapping[str, str] | None = None,
        face_threshold: Decimal = Decimal("0.80"),
        unavailable: bool = False,
    ) -> None:
        self.registry_names = dict(registry_names or {})  # ID number or credit code -> registered name
        self.failing_ids = frozenset(failing_ids)
        self.spoofed_faces = frozenset(spoofed_faces)
        self.rejected_cards = frozenset(rejected_cards)
        self.revoked_licences = frozenset(revoked_licences)
        self.card_owners = dict(card_owners or {})  # card number -> the ID number it belongs to
        self.face_threshold = face_threshold
        self.unavailable = unavailable
        self.calls: list[tuple[KycCheck, str]] = []  # (check, masked subject), for assertions

    def _called(self, check: KycCheck, subject: str) -> None:
        if self.unavailable:
            raise ServiceUnavailable(f"KYC vendor unavailable for {check.value}")
        self.calls.append((check, subject))

    def verify_id_card(self, id_number: str, name: str) -> KycResult:
        self._called(KycCheck.id_card, mask_id_number(id_number))
        reason = None
        try:
            parse_id_number(id_number)
        except InvalidInput as exc:
            reason = exc.code
        if reason is None and id_number in self.failing_ids:
            reason = "id-not-found"
        if reason is None and not _name_matches(self.registry_names.get(id_number), name):
            reason = "name-mismatch"
        return _result(KycCheck.id_card, reason, id_number, name)

    def match_face(self, id_number: str, image_sha256: str) -> KycResult:
        self._called(KycCheck.face_match, mask_id_number(id_number))
        digest = _digest("face", id_number, image_sha256)
        if image_sha256 in self.spoofed_faces:
            score = Decimal(20 + int(digest[:4], 16) % 40) / 100  # 0.20-0.59: a different face
        else:
            score = Decimal("0.80") + Decimal(int(digest[:8], 16) % 2000) / 10000
        reason = None if score >= self.face_threshold else "face-mismatch"
        return KycResult(
            check=KycCheck.face_match,
            passed=reason is None,
            score=score,
            reason=reason,
            reference=f"KYC-{digest[:16]}",
        )

    def verify_bank_card(self, id_number: str, name: str, card_number: str, phone: str) -> KycResult:
        self._called(KycCheck.bank_card_four, mask_account(card_number))
        reason = None
        try:
            parse_id_number(id_number)
            parse_account_number(card_number)
            parse_phone(phone)
        except InvalidInput as exc:
            reason = exc.code
        owner = self.card_owners.get(card_number)
        if reason is None and (
            card_number in self.rejected_cards
            or id_number in self.failing_ids
            or owner not in (None, id_number)
        ):
            reason = "four-elements-mismatch"
        return _result(KycCheck.bank_card_four, reason, id_number, name, card_number, phone)

    def verify_business_licence(self, credit_code: str, name: str, legal_representative: str) -> KycResult:
        self._called(KycCheck.business_licence, credit_code)
        reason = None
        try:
            parse_credit_code(credit_code)
        except InvalidInput as exc:
            reason = exc.code
        if reason is None and credit_code in self.revoked_licences:
            reason = "licence-revoked"
        if reason is None and (
            not legal_representative.strip() or not _name_matches(self.registry_names.get(credit_code), name)
        ):
            reason = "name-mismatch"
        return _result(KycCheck.business_licence, reason, credit_code, name, legal_representative)


def _name_matches(registered: str | None, given: str) -> bool:
    return bool(given.strip()) and (registered is None or registered == given.strip())


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _result(check: KycCheck, reason: str | None, *parts: str) -> KycResult:
    return KycResult(
        check=check,
        passed=reason is None,
        reason=reason,
        reference=f"KYC-{_digest(check.value, *parts)[:16]}",
    )
