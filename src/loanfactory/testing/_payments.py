"""A simulated payment gateway (模拟支付通道): seeded failures, timeouts and duplicate callbacks.

:class:`SimulatedGateway` implements :class:`loanfactory.ports.PaymentGateway`. It is as awkward as
a real bank's channel, on purpose and reproducibly (a seed decides every outcome):

- a resubmitted instruction (same idempotency key) gets the first answer, never a second payment;
- a share of instructions fail (``failure_rate``), with a reason;
- a share time out (``timeout_rate``): ``submit`` answers ``pending`` and only :meth:`status`
  (asked later) tells the final outcome;
- every final outcome is also queued as a callback; a share is queued twice (``duplicate_rate``),
  and :meth:`callbacks` hands them out, as a bank's notification endpoint would receive them.

Debits draw on account balances set with :meth:`fund` (an account never funded is unlimited);
an account short of money fails the debit with ``insufficient-funds`` — or, with
``partial=True``, gives what it holds (部分扣款): the answer then confirms less than was asked.

Accounts opened with :meth:`open_account` have a holder name, and a payout to one in another
name fails with ``account-name-mismatch``, as a bank's transfer does. :meth:`statement` is what
the holder of an account sees on it (amounts and remarks — where a small-deposit check's code
is read). An account check (an instruction without a loan) is answered at once, never by a
callback, and is not counted in :meth:`settled`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from loanfactory.ports import Clock, PaymentDirection, PaymentInstruction, PaymentResult, PaymentStatus

ZERO = Decimal(0)


@dataclass
class _Entry:
    instruction: PaymentInstruction
    final: PaymentResult
    revealed: bool


@dataclass
class SimulatedGateway:
    """A :class:`~loanfactory.ports.PaymentGateway` for tests, examples and the demo."""

    clock: Clock
    seed: int = 0
    failure_rate: float = 0.0
    timeout_rate: float = 0.0
    duplicate_rate: float = 0.0
    partial: bool = False
    _rng: random.Random = field(init=False, repr=False)
    _by_key: dict[str, _Entry] = field(default_factory=dict, init=False, repr=False)
    _by_id: dict[str, _Entry] = field(default_factory=dict, init=False, repr=False)
    _balances: dict[str, Decimal] = field(default_factory=dict, init=False, repr=False)
    _holders: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _callbacks: list[PaymentResult] = field(default_factory=list, init=False, repr=False)
    submissions: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        for name in ("failure_rate", "timeout_rate", "duplicate_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        self._rng = random.Random(self.seed)

    def fund(self, account: str, amount: Decimal) -> None:
        """Set the money available on ``account`` for debits."""
        self._balances[account] = amount

    def balance(self, account: str) -> Decimal | None:
        return self._balances.get(account)

    def sufficient(self, account: str, amount: Decimal, on: date) -> bool | None:
        """The pre-debit balance check (:class:`~loanfactory.ports.BalanceEnquiry`): None for an
        account never funded (unlimited, so nothing to tell)."""
        available = self._balances.get(account)
        return None if available is None else available >= amount

    def open_account(self, account: str, holder: str) -> None:
        """Register ``account`` as held by ``holder``: payouts to it in another name fail."""
        self._holders[account] = holder

    def statement(self, account: str) -> list[PaymentInstruction]:
        """The payouts that reached ``account``, oldest first, as its holder sees them."""
        return [
            e.instruction
            for e in self._by_id.values()
            if e.instruction.account == account
            and e.instruction.direction is PaymentDirection.payout
            and e.final.status is PaymentStatus.succeeded
        ]

    def submit(self, instruction: PaymentInstruction) -> PaymentResult:
        self.submissions += 1
        known = self._by_key.get(instruction.idempotency_key)
        if known is not None:
            return known.final if known.revealed else self._pending(known.instruction)
        final = self._decide(instruction)
        if not instruction.loan_id:  # an account check: answered at once, no callback
            self._by_key[instruction.idempotency_key] = self._by_id[instruction.id] = _Entry(
                instruction, final, revealed=True
            )
            return final
        timed_out = self._rng.random() < self.timeout_rate
        entry = _Entry(instruction, final, revealed=not timed_out)
        self._by_key[instruction.idempotency_key] = entry
        self._by_id[instruction.id] = entry
        self._callbacks.append(final)
        if self._rng.random() < self.duplicate_rate:
            self._callbacks.append(final)
        return final if entry.revealed else self._pending(instruction)

    def status(self, instruction_id: str) -> PaymentResult:
        entry = self._by_id.get(instruction_id)
        if entry is None:
            return PaymentResult(
                instruction_id=instruction_id,
                status=PaymentStatus.failed,
                amount=ZERO,
                reason="unknown-instruction",
            )
        entry.revealed = True
        return entry.final

    def callbacks(self) -> list[PaymentResult]:
        """The callbacks queued since the last call (duplicates included), in order."""
        out, self._callbacks = self._callbacks, []
        return out

    def settled(self, direction: PaymentDirection) -> Decimal:
        """Money actually moved in ``direction`` (for conservation checks)."""
        return sum(
            (
                e.final.amount
                for e in self._by_id.values()
                if e.instruction.direction is direction
                and e.final.status is PaymentStatus.succeeded
                and e.instruction.loan_id
            ),
            ZERO,
        )

    def _decide(self, instruction: PaymentInstruction) -> PaymentResult:
        now: datetime = self.clock.now()
        holder = self._holders.get(instruction.account)
        if instruction.direction is PaymentDirection.payout and holder not in (
            None,
            instruction.account_name,
        ):
            return PaymentResult(
                instruction_id=instruction.id,
                status=PaymentStatus.failed,
                amount=ZERO,
                reason="account-name-mismatch",
            )
        if instruction.loan_id and self._rng.random() < self.failure_rate:
            return PaymentResult(
                instruction_id=instruction.id,
                status=PaymentStatus.failed,
                amount=ZERO,
                reason="channel-error",
            )
        amount = instruction.amount
        if instruction.direction is PaymentDirection.debit:
            available = self._balances.get(instruction.account)
            if available is not None:
                if available < amount:
                    if not (self.partial and available > 0):
                        return PaymentResult(
                            instruction_id=instruction.id,
                            status=PaymentStatus.failed,
                            amount=ZERO,
                            reason="insufficient-funds",
                        )
                    amount = available
                self._balances[instruction.account] = available - amount
        reference = f"SIM{self._rng.getrandbits(40):012d}"
        return PaymentResult(
            instruction_id=instruction.id,
            status=PaymentStatus.succeeded,
            amount=amount,
            reference=reference,
            settled_at=now,
        )

    @staticmethod
    def _pending(instruction: PaymentInstruction) -> PaymentResult:
        return PaymentResult(
            instruction_id=instruction.id, status=PaymentStatus.pending, amount=ZERO, reason="timeout"
        )
