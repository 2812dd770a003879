"""The payout-account desk (放款账户管理): add, verify, confirm and list a customer's accounts.

Every command is the customer's own (:func:`~.payout_account.must_be_customer`) and idempotent
by key. A card is checked at once through the KYC port (four elements). A corporate or payee
account gets a small deposit through the payment port: the command stores the account with a
digest of a random amount and code, and then pays the deposit (the code reaches the customer only
on their bank statement, never through this system); :meth:`PayoutAccounts.confirm` compares what
the customer read. A deposit the process could not send (it stopped in between) is sent again,
with a fresh amount and code, by :meth:`PayoutAccounts.resend_deposit`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from loanfactory.actor import Actor
from loanfactory.entity import IdFactory, UuidIds
from loanfactory.errors import InvalidInput, NotFound, StateConflict
from loanfactory.notices import notice
from loanfactory.origination._commands import Command, run_command
from loanfactory.origination._customer import Customer
from loanfactory.origination._feedback import queue
from loanfactory.origination._identity import parse_account_number
from loanfactory.origination._payout_account import (
    DEPOSIT_VALID,
    AccountOwner,
    AccountStatus,
    DepositChallenge,
    PayoutAccount,
    VerificationMethod,
    challenge_digest,
    confirm,
    corporate_holder,
    must_be_customer,
    payout_account_for,
)
from loanfactory.ports import (
    Channel,
    Clock,
    KycResult,
    KycVerifier,
    PaymentDirection,
    PaymentGateway,
    PaymentInstruction,
    PaymentStatus,
    ServiceUnavailable,
    Store,
    Transaction,
)

Random = Callable[[int], int]
"""``randbelow(n)``: a uniformly random integer in ``[0, n)`` (``secrets.randbelow`` by default)."""


class PayoutAccounts:
    """A customer's payout accounts over the store, the KYC port and the payment port."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        kyc: KycVerifier,
        gateway: PaymentGateway,
        ids: IdFactory | None = None,
        randbelow: Random = secrets.randbelow,
    ) -> None:
        self.store = store
        self.clock = clock
        self.kyc = kyc
        self.gateway = gateway
        self.ids = ids or UuidIds()
        self._randbelow = randbelow
        self._deposits: dict[str, tuple[Decimal, str]] = {}  # instruction -> (amount, code), until paid

    # --- reads ---------------------------------------------------------------------------------

    def list(self, customer_id: str) -> list[PayoutAccount]:
        with self.store.transaction() as tx:
            return list(tx.repo(PayoutAccount).list(customer_id=customer_id))

    def current(self, customer_id: str) -> PayoutAccount | None:
        """The customer's payout account: their newest verified own account, if any."""
        return payout_account_for(self.list(customer_id))

    # --- commands ------------------------------------------------------------------------------

    def add_card(
        self, customer_id: str, *, number: str, bank: str, phone: str | None = None, by: Actor, key: str
    ) -> PayoutAccount:
        """An individual's own debit card, checked by four elements at once (本人银行卡四要素核验)."""
        number = parse_account_number(number, field="number")

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            customer = self._customer(cmd.tx, customer_id, by)
            if customer.individual is None:
                raise InvalidInput(
                    "an enterprise is paid to its corporate account; add that instead of a card",
                    field="number",
                    message_zh="企业客户放款至对公账户，请添加对公账户",
                )
            result = self._card_check(customer, number, phone)
            now = cmd.clock.now()
            account = PayoutAccount(
                id=cmd.ids.new("pac"),
                customer_id=customer_id,
                owner=AccountOwner.borrower,
                holder=customer.name,
                number=number,
                bank=bank,
                method=VerificationMethod.bank_card_four,
                status=AccountStatus.verified if result.passed else AccountStatus.failed,
                reason=result.reason,
                reference=result.reference,
                requested_by=by.id,
                requested_at=now,
                verified_at=now if result.passed else None,
            )
            stored = cmd.tx.repo(PayoutAccount).add(account)
            self._settled(cmd, customer, stored)
            return stored.id, stored

        return self._run("add_card", key, (customer_id, number, bank, phone), body, by)

    def add_corporate_account(
        self, customer_id: str, *, number: str, bank: str, by: Actor, key: str
    ) -> PayoutAccount:
        """An enterprise's or a sole proprietor's own corporate account (对公账户), in the registered
        name (the enterprise's, or the business name on the licence), by small deposit."""
        number = parse_account_number(number, field="number")

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            customer = self._customer(cmd.tx, customer_id, by)
            holder = corporate_holder(customer)
            if holder is None:
                raise InvalidInput(
                    "an individual is paid to their own bank card; add a card instead",
                    field="number",
                    message_zh="个人客户放款至本人银行卡，请添加银行卡",
                )
            return self._challenge(cmd, customer, AccountOwner.borrower, holder, number, bank, None, by)

        account = self._run("add_corporate_account", key, (customer_id, number, bank), body, by)
        return self._send_first(account)

    def add_payee(
        self, customer_id: str, *, name: str, number: str, bank: str, category: str, by: Actor, key: str
    ) -> PayoutAccount:
        """The seller paid directly under entrusted payment (受托支付收款人), by small deposit in its name."""
        number = parse_account_number(number, field="number")
        holder = name.strip() if isinstance(name, str) else ""
        if not holder or len(holder) > 200:
            raise InvalidInput("a payee needs its account name", field="name", message_zh="请填写收款人户名")

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            customer = self._customer(cmd.tx, customer_id, by)
            return self._challenge(cmd, customer, AccountOwner.payee, holder, number, bank, category, by)

        account = self._run("add_payee", key, (customer_id, holder, number, bank, category), body, by)
        return self._send_first(account)

    def confirm(
        self, customer_id: str, account_id: str, *, amount: Decimal, code: str, by: Actor, key: str
    ) -> PayoutAccount:
        """The customer says what arrived (amount and the code in the remark) (确认打款金额与验证码)."""

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            customer = self._customer(cmd.tx, customer_id, by)
            account = self._account(cmd.tx, customer_id, account_id)
            stored = cmd.tx.repo(PayoutAccount).update(confirm(account, amount, code, cmd.clock.now()))
            cmd.emit("payout_account.confirmed", stored.id, status=stored.status.value, reason=stored.reason)
            if stored.status is not AccountStatus.pending:
                self._settled(cmd, customer, stored)
            return stored.id, stored

        return self._run("confirm", key, (customer_id, account_id, amount, code), body, by)

    def resend_deposit(self, customer_id: str, account_id: str, *, by: Actor, key: str) -> PayoutAccount:
        """Pay a new small deposit (new amount, new code) for a pending or failed check (重新打款验证)."""

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            self._customer(cmd.tx, customer_id, by)
            account = self._account(cmd.tx, customer_id, account_id)
            if account.method is not VerificationMethod.small_deposit or account.status.usable:
                raise StateConflict(
                    f"payout account {account_id} is {account.status.value}; nothing to send",
                    field="account_id",
                    code="not-pending",
                    message_zh=f"放款账户 {account_id} 状态为 {account.status.value}，无需重新打款",
                )
            return account.id, self._new_challenge(cmd, account)

        return self._send_first(self._run("resend_deposit", key, (customer_id, account_id), body, by))

    def reverify_card(self, customer_id: str, account_id: str, *, by: Actor, key: str) -> PayoutAccount:
        """Check a card's four elements again (重新核验), e.g. after the bank changed its reserved
        phone: passed, it is the payout account again; failed, nothing is paid to it."""

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            customer = self._customer(cmd.tx, customer_id, by)
            account = self._account(cmd.tx, customer_id, account_id)
            if (
                account.method is not VerificationMethod.bank_card_four
                or account.status is AccountStatus.removed
            ):
                raise StateConflict(
                    f"payout account {account_id} is not a card that can be checked again"
                    " (a deposit-checked account gets a new deposit instead)",
                    field="account_id",
                    code="not-a-card",
                    message_zh=f"放款账户 {account_id} 不是可重新核验的银行卡（对公账户请重新打款验证）",
                )
            assert customer.individual is not None  # cards are only added for individuals
            result = self._card_check(customer, account.number, None)
            now = cmd.clock.now()
            checked = account.evolve(
                status=AccountStatus.verified if result.passed else AccountStatus.failed,
                reason=result.reason,
                reference=result.reference,
                verified_at=now if result.passed else account.verified_at,
            )
            stored = cmd.tx.repo(PayoutAccount).update(checked)
            self._settled(cmd, customer, stored)
            return stored.id, stored

        return self._run("reverify_card", key, (customer_id, account_id), body, by)

    def remove(self, customer_id: str, account_id: str, *, by: Actor, key: str) -> PayoutAccount:
        """Unbind an account (解绑): no later payout goes to it; loans paid out already keep their record."""

        def body(cmd: Command) -> tuple[str, PayoutAccount]:
            self._customer(cmd.tx, customer_id, by)
            account = self._account(cmd.tx, customer_id, account_id)
            if account.status is AccountStatus.removed:
                raise StateConflict(
                    f"payout account {account_id} is removed already",
                    field="account_id",
                    code="removed",
                    message_zh=f"放款账户 {account_id} 已解绑",
                )
            stored = cmd.tx.repo(PayoutAccount).update(
                account.evolve(status=AccountStatus.removed, challenge=None, reason="removed-by-customer")
            )
            cmd.emit("payout_account.removed", stored.id, owner=stored.owner.value, account=stored.masked)
            return stored.id, stored

        return self._run("remove", key, (customer_id, account_id), body, by)

    # --- helpers -------------------------------------------------------------------------------

    def _run(
        self,
        name: str,
        key: str,
        arguments: Any,
        body: Callable[[Command], tuple[str, PayoutAccount]],
        by: Actor,
    ) -> PayoutAccount:
        return run_command(
            self.store,
            self.clock,
            self.ids,
            name=f"payout_account.{name}",
            event_type=f"payout_account.{name}",
            key=key,
            arguments=(by.id, by.role, arguments),
            result_type=PayoutAccount,
            body=body,
            actor=by.id,
            reload=lambda tx, id: tx.repo(PayoutAccount).get(id),  # the result holds an account number
        )

    def _card_check(self, customer: Customer, number: str, phone: str | None) -> KycResult:
        profile = customer.individual
        assert profile is not None
        try:
            return self.kyc.verify_bank_card(profile.id_number, profile.name, number, phone or profile.phone)
        except ServiceUnavailable:
            raise StateConflict(
                "the KYC service is unavailable; retry later",
                field="kyc",
                code="kyc-unavailable",
                message_zh="身份核验服务暂不可用，请稍后重试",
            ) from None

    @staticmethod
    def _customer(tx: Transaction, customer_id: str, by: Actor) -> Customer:
        must_be_customer(by, customer_id)
        return tx.repo(Customer).get(customer_id)

    @staticmethod
    def _account(tx: Transaction, customer_id: str, account_id: str) -> PayoutAccount:
        account = tx.repo(PayoutAccount).lock(account_id)
        if account.customer_id != customer_id:  # another customer's account: as if it did not exist
            raise NotFound(
                f"customer {customer_id} has no payout account {account_id}",
                field="account_id",
                message_zh=f"客户 {customer_id} 没有放款账户 {account_id}",
            )
        return account

    def _challenge(
        self,
        cmd: Command,
        customer: Customer,
        owner: AccountOwner,
        holder: str,
        number: str,
        bank: str,
        category: str | None,
        by: Actor,
    ) -> tuple[str, PayoutAccount]:
        account = PayoutAccount(
            id=cmd.ids.new("pac"),
            customer_id=customer.id,
            owner=owner,
            holder=holder,
            number=number,
            bank=bank,
            category=category,
            method=VerificationMethod.small_deposit,
            requested_by=by.id,
            requested_at=cmd.clock.now(),
        )
        added = cmd.tx.repo(PayoutAccount).add(account)
        cmd.emit("payout_account.requested", added.id, owner=owner.value, account=added.masked)
        return added.id, self._new_challenge(cmd, added)

    def _new_challenge(self, cmd: Command, account: PayoutAccount) -> PayoutAccount:
        amount = Decimal(1 + self._randbelow(99)) / 100  # 0.01 .. 0.99 yuan
        code = f"{self._randbelow(1_000_000):06d}"
        challenge = DepositChallenge(
            instruction_id=f"dep_{account.id}-{account.deposits + 1}",
            digest=challenge_digest(account.id, amount, code),
            expires_at=cmd.clock.now() + DEPOSIT_VALID,
        )
        updated = cmd.tx.repo(PayoutAccount).update(
            account.evolve(
                status=AccountStatus.pending, challenge=challenge, deposits=account.deposits + 1, reason=None
            )
        )
        self._deposits[challenge.instruction_id] = (amount, code)  # never stored: only on the statement
        return updated

    def _send_first(self, account: PayoutAccount) -> PayoutAccount:
        """Pay the deposit of a fresh challenge, outside the transaction that created it."""
        challenge = account.challenge
        if challenge is None or challenge.sent:
            return account
        pending = self._deposits.pop(challenge.instruction_id, None)
        if pending is None:  # a replay, or a process that stopped before paying: resend_deposit
            return account
        amount, code = pending
        result = self.gateway.submit(
            PaymentInstruction(
                id=challenge.instruction_id,
                direction=PaymentDirection.payout,
                amount=amount,
                account=account.number,
                account_name=account.holder,
                remark=f"账户验证码 {code}",
                idempotency_key=challenge.instruction_id,
                requested_at=self.clock.now(),
            )
        )
        with self.store.transaction() as tx:
            current = tx.repo(PayoutAccount).lock(account.id)
            if current.challenge is None or current.challenge.instruction_id != challenge.instruction_id:
                return current
            if result.status is PaymentStatus.failed:
                changed = current.evolve(status=AccountStatus.failed, reason=result.reason, challenge=None)
            else:
                changed = current.evolve(
                    challenge=current.challenge.model_copy(update={"sent": True}), reference=result.reference
                )
            return tx.repo(PayoutAccount).update(changed)

    def _settled(self, cmd: Command, customer: Customer, account: PayoutAccount) -> None:
        """A check ended: a verified own account becomes the payout account; the customer is told."""
        repo = cmd.tx.repo(PayoutAccount)
        if account.status is AccountStatus.verified and account.owner is AccountOwner.borrower:
            for earlier in repo.list(customer_id=account.customer_id, owner=AccountOwner.borrower):
                if earlier.id != account.id and earlier.status is AccountStatus.verified:
                    repo.update(earlier.evolve(status=AccountStatus.replaced))
        cmd.emit(
            "payout_account.verified"
            if account.status is AccountStatus.verified
            else "payout_account.failed",
            account.id,
            owner=account.owner.value,
            account=account.masked,
            reason=account.reason,
        )
        what = "放款账户" if account.owner is AccountOwner.borrower else "受托支付收款账户"
        tail = account.number[-4:]
        if account.status is not AccountStatus.verified:
            body = f"您的{what}（尾号 {tail}）验证未通过：{account.reason}。如非本人操作请立即联系我行。"
        elif account.owner is AccountOwner.borrower:
            body = f"您的{what}（尾号 {tail}）已验证，今后放款将付至该账户。如非本人操作请立即联系我行。"
        else:
            body = f"您的{what}（尾号 {tail}）已验证。"
        queue(
            cmd.tx,
            cmd.ids,
            notice(
                "payout_account_changed",
                id=cmd.ids.new("ntf"),
                recipient=customer.id,
                channel=Channel.sms,
                language=customer.language,
                body=body,
                data={
                    "account": account.masked,
                    "owner": account.owner.value,
                    "status": account.status.value,
                    "reason": account.reason or "",
                },
                dedup_key=f"payout-account:{account.id}:{account.status.value}",
            ),
            cmd.clock.now(),
        )
