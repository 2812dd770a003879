"""Checking the books against the audit chain (账务稽核): postings, money records and balances.

Every ledger posting and every change of a money record has its link in the hash chain
(:mod:`loanfactory.audit`). :class:`LedgerAudit` takes the chain, the ledger and the stored money
records as a store hands them out, in one pass each, and finds where they disagree:

- a posting whose stored form differs from its chained one (an amount multiplied by 100), a
  chained posting that is gone from the ledger (deleted repayments), a posting nobody chained;
- a money record (loan, disbursement, payment order, payout account) whose audited fields differ
  from its newest link, or that has no link;
- each loan's balances recomputed from its postings against the stored loan: never more paid out
  than the contract amount, nothing owed on a settled loan, no principal on a written-off one, no
  postings before the first payout, and money out equal to the payouts the gateway confirmed.

Memory grows with the number of loans and money records, not with the number of postings: per
loan the chain and the ledger are each folded into a count, balances and a sum of posting digests
(equal sets give equal sums); only a loan whose tallies differ is looked at posting by posting,
with its links and rows fetched again through ``drill``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from loanfactory.audit import (
    POSTED,
    STATE,
    AuditHead,
    ChainBreak,
    Seal,
    entity_state,
    posting_state,
    state_digest,
    verify_chain,
)
from loanfactory.entity import Entity
from loanfactory.money import format_money
from loanfactory.payout import PayoutAccount
from loanfactory.ports import AuditRecord, LedgerEntryRecord, Store
from loanfactory.servicing._loan import Loan, LoanStatus
from loanfactory.servicing._position import EntryType
from loanfactory.servicing._records import DebitOrder, Disbursement, ManualPosting, OrderStatus

ZERO = Decimal(0)
_MODULUS = 1 << 256
_COMPONENTS = ("principal", "interest", "penalty", "fee", "credit")


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement between the books and the chain: which record, what, in English and Chinese."""

    subject: str
    code: str
    message: str
    message_zh: str


@dataclass(slots=True)
class _Tally:
    """A loan's postings folded: how many, their balances and the sum of their digests."""

    count: int = 0
    digests: int = 0
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    fee: Decimal = ZERO
    credit: Decimal = ZERO
    disbursed: Decimal = ZERO

    def add(self, state: dict[str, object]) -> None:
        self.count += 1
        self.digests = (self.digests + int(state_digest(state), 16)) % _MODULUS
        for name in _COMPONENTS:
            setattr(self, name, getattr(self, name) + Decimal(str(state.get(name, "0"))))
        kind = state.get("type")
        data = state.get("data")
        reversed_kind = data.get("reverses_type") if isinstance(data, dict) else None
        if kind == EntryType.disbursement or (
            kind == EntryType.reversal and reversed_kind == EntryType.disbursement
        ):
            self.disbursed += Decimal(str(state.get("principal", "0")))

    @property
    def owed(self) -> Decimal:
        return self.principal + self.interest + self.penalty + self.fee

    def balances(self) -> str:
        return ", ".join(f"{n} {format_money(getattr(self, n))}" for n in _COMPONENTS)


Drill = Callable[[str], tuple[Sequence[AuditRecord], Sequence[LedgerEntryRecord]]]
"""Given a loan id: its posting links and its ledger rows, read again for a closer look."""


@dataclass
class LedgerAudit:
    """Feed it the chain (:meth:`chained`), the ledger (:meth:`posted`) and the money records
    (:meth:`stored`) in any order of the three; then :meth:`findings`."""

    seal: Seal
    _chain: dict[str, _Tally] = field(default_factory=dict)
    _ledger: dict[str, _Tally] = field(default_factory=dict)
    _states: dict[str, bytes] = field(default_factory=dict)
    _loans: list[Loan] = field(default_factory=list)
    _paid_out: dict[str, Decimal] = field(default_factory=dict)
    _found: list[Finding] = field(default_factory=list)
    _kinds: set[str] = field(default_factory=set)
    postings: int = 0
    records: int = 0

    def chained(self, record: AuditRecord) -> None:
        """One link of the chain, in sequence order."""
        if record.action == POSTED and record.after is not None:
            self._chain.setdefault(record.subject, _Tally()).add(record.after)
        elif record.action.endswith(STATE) and record.after is not None:
            kind = record.action[: -len(STATE)]
            self._states[f"{kind}:{record.subject}"] = bytes.fromhex(state_digest(record.after))

    def posted(self, entry: LedgerEntryRecord) -> None:
        """One ledger row as the store reads it back."""
        self.postings += 1
        self._ledger.setdefault(entry.loan_id, _Tally()).add(posting_state(entry))

    def differs(self, subject: str, message: str, message_zh: str) -> None:
        """A store's own finding (a typed column that disagrees with the row it belongs to)."""
        self._found.append(Finding(subject, "row-inconsistent", message, message_zh))

    def stored(self, entity: Entity) -> None:
        """One stored money record (an entity kind with audited fields)."""
        self.records += 1
        self._kinds.add(entity.kind)
        key = f"{entity.kind}:{entity.id}"
        chained = self._states.pop(key, None)
        if chained is None:
            self._found.append(
                Finding(
                    key,
                    "record-unchained",
                    f"{entity.kind} {entity.id} has no link in the audit chain (written around the store)",
                    f"{entity.kind} {entity.id} 在审计链中没有记录（绕过系统写入）",
                )
            )
        elif bytes.fromhex(state_digest(entity_state(entity, self.seal))) != chained:
            self._found.append(
                Finding(
                    key,
                    "record-changed",
                    f"{entity.kind} {entity.id} differs from its newest link in the audit chain "
                    "(changed around the store)",
                    f"{entity.kind} {entity.id} 与审计链中的最新记录不一致（被绕过系统修改）",
                )
            )
        if isinstance(entity, Loan):
            self._loans.append(entity)
        elif isinstance(entity, Disbursement) and entity.status is OrderStatus.succeeded:
            self._paid_out[entity.loan_id] = self._paid_out.get(entity.loan_id, ZERO) + entity.amount

    def checking(self, kind: str) -> None:
        """Records of ``kind`` are checked (even when none is stored: then every chained one is missing)."""
        self._kinds.add(kind)

    def findings(self, drill: Drill | None = None) -> list[Finding]:
        """Every disagreement found, postings first, then records of the kinds checked, then loans."""
        found = list(self._found)
        for loan_id in sorted(self._chain.keys() | self._ledger.keys()):
            chain, ledger = self._chain.get(loan_id, _Tally()), self._ledger.get(loan_id, _Tally())
            if (chain.count, chain.digests) != (ledger.count, ledger.digests):
                found += _postings_differ(loan_id, chain, ledger, drill)
        for key in sorted(self._states):
            kind, _, id = key.partition(":")
            if kind not in self._kinds:
                continue
            found.append(
                Finding(
                    key,
                    "record-missing",
                    f"{kind} {id} is in the audit chain but no longer stored (deleted around the store)",
                    f"{kind} {id} 在审计链中有记录，但已不存在（被绕过系统删除）",
                )
            )
        for loan in self._loans:
            found += _loan_against_ledger(loan, self._ledger.get(loan.id, _Tally()), self._paid_out)
        return found


def _postings_differ(loan_id: str, chain: _Tally, ledger: _Tally, drill: Drill | None) -> list[Finding]:
    summary = Finding(
        loan_id,
        "postings-changed",
        f"loan {loan_id}: its ledger ({ledger.count} postings: {ledger.balances()}) differs from the "
        f"audit chain ({chain.count} postings: {chain.balances()})",
        f"贷款 {loan_id}：分户账（{ledger.count} 笔）与审计链（{chain.count} 笔）不一致",
    )
    if drill is None:
        return [summary]
    links, rows = drill(loan_id)
    chained = {str(r.after["id"]): r.after for r in links if r.action == POSTED and r.after is not None}
    found = []
    for entry in rows:
        state, stored = chained.pop(entry.id, None), posting_state(entry)
        if state is None:
            found.append(
                Finding(
                    entry.id,
                    "posting-unchained",
                    f"posting {entry.id} ({entry.type} {format_money(entry.amount)}) is not in the "
                    "audit chain",
                    f"记账 {entry.id}（{entry.type} {format_money(entry.amount)}）不在审计链中",
                )
            )
        elif stored != state:
            changed = sorted(k for k in state.keys() | stored.keys() if state.get(k) != stored.get(k))
            found.append(
                Finding(
                    entry.id,
                    "posting-changed",
                    f"posting {entry.id} differs from its link in the audit chain in {', '.join(changed)} "
                    f"(amount {format_money(entry.amount)}, chained {_money(state.get('amount'))})",
                    f"记账 {entry.id} 的 {'、'.join(changed)} 与审计链不一致"
                    f"（金额 {format_money(entry.amount)}，链上 {_money(state.get('amount'))}）",
                )
            )
    for id, state in sorted(chained.items()):
        found.append(
            Finding(
                id,
                "posting-missing",
                f"posting {id} ({state.get('type')} {_money(state.get('amount'))}) is in the audit chain "
                "but gone from the ledger",
                f"记账 {id}（{state.get('type')} {_money(state.get('amount'))}）在审计链中有记录，"
                "但已从分户账中删除",
            )
        )
    return found or [summary]


def _money(value: object) -> str:
    return format_money(Decimal(str(value))) if value is not None else "?"


def _loan_against_ledger(loan: Loan, ledger: _Tally, paid_out: dict[str, Decimal]) -> list[Finding]:
    """The stored loan against the balances its postings give."""
    problems: list[tuple[str, str, str]] = []
    if ledger.disbursed > loan.amount:
        problems.append(
            (
                "overpaid",
                f"paid out {format_money(ledger.disbursed)}, more than the contract amount "
                f"{format_money(loan.amount)}",
                f"已放款 {format_money(ledger.disbursed)} 元，超过合同金额 {format_money(loan.amount)} 元",
            )
        )
    confirmed = paid_out.get(loan.id, ZERO)
    if ledger.disbursed != confirmed:
        problems.append(
            (
                "payout-mismatch",
                f"the ledger pays out {format_money(ledger.disbursed)} but the confirmed payouts total "
                f"{format_money(confirmed)}",
                f"分户账放款 {format_money(ledger.disbursed)} 元，"
                f"与支付确认的放款 {format_money(confirmed)} 元不符",
            )
        )
    if loan.status in (LoanStatus.drafted, LoanStatus.signed, LoanStatus.cancelled) and ledger.count:
        problems.append(
            (
                "postings-before-payout",
                f"is {loan.status.value} yet has {ledger.count} postings",
                f"状态为 {loan.status.value}，却有 {ledger.count} 笔记账",
            )
        )
    if loan.status is LoanStatus.settled and ledger.owed != 0:
        problems.append(
            (
                "settled-owes",
                f"is settled yet its postings leave {format_money(ledger.owed)} owed ({ledger.balances()})",
                f"已结清，但按记账仍欠 {format_money(ledger.owed)} 元",
            )
        )
    if loan.status is LoanStatus.written_off and ledger.principal != 0:
        problems.append(
            (
                "written-off-principal",
                f"is written off yet its postings leave principal {format_money(ledger.principal)}",
                f"已核销，但按记账仍有本金 {format_money(ledger.principal)} 元",
            )
        )
    if loan.status is LoanStatus.active and ledger.disbursed <= 0:
        problems.append(
            ("active-unpaid", "is active but nothing was paid out", "状态为还款中，但没有放款记账")
        )
    return [
        Finding(loan.id, code, f"loan {loan.id} {en}", f"贷款 {loan.id} {zh}") for code, en, zh in problems
    ]


MONEY_RECORDS: tuple[type[Entity], ...] = (Loan, Disbursement, DebitOrder, ManualPosting, PayoutAccount)
"""The money records of servicing; an embedding application may pass its own kinds as well."""


@dataclass(frozen=True, slots=True)
class AuditReport:
    """What :func:`verify_books` found: the first broken link of the chain, if any, and every
    disagreement between the chain and the books; the head it verified up to."""

    head: AuditHead
    chain: ChainBreak | None
    findings: tuple[Finding, ...]
    postings: int
    records: int

    @property
    def intact(self) -> bool:
        return self.chain is None and not self.findings


def verify_books(
    store: Store,
    *,
    head: AuditHead | None = None,
    seal: Seal,
    kinds: Iterable[type[Entity]] = MONEY_RECORDS,
) -> AuditReport:
    """Verify a store through its ports alone (any store; the SQL store has a paged
    ``verify_audit`` for large books): the chain, then postings, records and balances."""
    audit = LedgerAudit(seal)
    with store.transaction() as tx:
        records = tx.audit.records()
        broken = verify_chain(records, head=head)
        for record in records:
            audit.chained(record)
        loans = tx.repo(Loan).list()
        for loan_id in sorted(
            {loan.id for loan in loans} | {r.subject for r in records if r.action == POSTED}
        ):
            for entry in tx.ledger.entries(loan_id):
                audit.posted(entry)
        for kind in kinds:
            audit.checking(kind.kind)
            for entity in tx.repo(kind).list():
                audit.stored(entity)

        def drill(loan_id: str) -> tuple[Sequence[AuditRecord], Sequence[LedgerEntryRecord]]:
            return [r for r in records if r.subject == loan_id], tx.ledger.entries(loan_id)

        found = audit.findings(drill)
    last = head or (AuditHead(records[-1].sequence, records[-1].hash) if records else AuditHead(0, "0" * 64))
    return AuditReport(last, broken, tuple(found), audit.postings, audit.records)
