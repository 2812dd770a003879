"""Collateral disposal (抵押物处置) of a loan 90 or more days past due, from request to closing.

Each step is a command with an idempotency key, a role check and a link of the audit chain
(:class:`Disposals`, reached as ``servicing.disposals``):

- collections or operations staff **request** it (``request``) for an active loan of a secured
  product (mortgage or pledge) at least 90 days past due, optionally naming the registered
  collateral; they record the **appraisal** (``appraise``, again when revalued);
- a second person of a relief role **approves** it (``approve``, 双人审批: neither the requester
  nor the one who recorded the appraisal);
- staff record the **sale** (``start_sale``: judicial auction, auction house or negotiated sale;
  ``record_sale``: the price and the costs of disposal) or its **failure** (``fail``, 流拍), or
  **withdraw** it (``withdraw``) before the proceeds arrive;
- operations staff record the **proceeds** only as money the bank confirmed
  (:class:`~loanfactory.ports.PaymentConfirmation`): the channel's reference is taken once, so the
  same money is never received twice, and no more than the sale price is accepted;
- operations staff **allocate** them (``allocate``, see ``_collateral_proceeds``): costs of
  disposal first, then what is due by the product's waterfall, then the principal not yet due;
  proceeds beyond the whole debt (处置余款) are refunded to the borrower's verified own account or
  held as the borrower's credit; a shortfall stays owed (the write-off command may follow);
- **close** (``close``) marks the collateral disposed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from loanfactory.errors import InvalidInput, NotPermitted, StateConflict
from loanfactory.money import format_money
from loanfactory.ports import PaymentChannel, PaymentConfirmation, Transaction
from loanfactory.servicing._collateral_proceeds import allocate_proceeds
from loanfactory.servicing._collateral_record import (
    MOVES,
    CollateralRegister,
    Disposal,
    DisposalStatus,
    DisposalStep,
    SaleMethod,
    Surplus,
    check_amount,
    check_reference,
    check_text,
)
from loanfactory.servicing._core import Context, loan_in
from loanfactory.servicing._four_eyes import Operator
from loanfactory.servicing._loan import LoanStatus
from loanfactory.servicing._receipts import _claim, receipt_order
from loanfactory.servicing._records import CollectionPurpose
from loanfactory.spec import GuaranteeType

Change = Callable[[Transaction, Disposal], Disposal]
Body = Callable[[Transaction], tuple[str, Disposal]]

ZERO = Decimal(0)
MIN_DAYS_PAST_DUE = 90  # 逾期 90 天以上方可处置押品
SECURED = frozenset({GuaranteeType.mortgage, GuaranteeType.pledge})
_RECEIVABLE = (PaymentChannel.bank_transfer, PaymentChannel.counter)


class Disposals:
    """The collateral-disposal commands of a :class:`~loanfactory.servicing.Servicing`."""

    def __init__(self, ctx: Context, register: CollateralRegister | None = None) -> None:
        self.ctx = ctx
        self.register = register  # none: a collateral id is kept as given, unchecked

    # --- staff steps ----------------------------------------------------------------------------

    def request(
        self,
        loan_id: str,
        *,
        reason: str,
        operator: Operator,
        key: str,
        collateral_id: str | None = None,
    ) -> Disposal:
        """Ask to dispose of the collateral of a loan 90+ days past due (申请处置押品)."""
        self._check(operator, self._staff_roles)
        check_text(reason, "reason", "请填写处置原因")

        def body(tx: Transaction) -> tuple[str, Disposal]:
            loan = loan_in(tx, loan_id, lock=True)
            if loan.status is not LoanStatus.active or loan.days_past_due < MIN_DAYS_PAST_DUE:
                raise StateConflict(
                    f"loan {loan_id} is {loan.status.value}, {loan.days_past_due} days past due; collateral "
                    f"is disposed of only for an active loan {MIN_DAYS_PAST_DUE} or more days past due",
                    field="loan_id",
                    code="not-disposable",
                    message_zh=f"贷款 {loan_id} 状态为 {loan.status.value}，逾期 {loan.days_past_due} 天；"
                    f"逾期 {MIN_DAYS_PAST_DUE} 天以上的在贷贷款方可处置押品",
                )
            if not SECURED & set(self.ctx.product(loan.product_code).guarantee.types):
                raise StateConflict(
                    f"product {loan.product_code} takes no mortgage or pledge",
                    field="loan_id",
                    code="not-secured",
                    message_zh=f"产品 {loan.product_code} 无抵押或质押，无押品可处置",
                )
            if any(d.status.open for d in tx.repo(Disposal).list(loan_id=loan_id)):
                raise StateConflict(
                    f"loan {loan_id} already has a disposal under way",
                    field="loan_id",
                    code="disposal-open",
                    message_zh=f"贷款 {loan_id} 已有进行中的押品处置",
                )
            if collateral_id is not None and self.register is not None:
                self.register.check_disposable(tx, customer_id=loan.customer_id, collateral_id=collateral_id)
            now = self.ctx.clock.now()
            record = Disposal(
                id=self.ctx.ids.new("dsp"),
                loan_id=loan_id,
                customer_id=loan.customer_id,
                collateral_id=collateral_id,
                reason=reason,
                requested_by=operator.user,
                requested_at=now,
                steps=(DisposalStep(status=DisposalStatus.requested, by=operator.user, at=now, note=reason),),
            )
            return loan_id, tx.repo(Disposal).add(record)

        arguments: dict[str, object] = {"loan": loan_id, "reason": reason, "collateral": collateral_id}
        return self._run("request", key, arguments, operator, body)

    def appraise(
        self,
        disposal_id: str,
        *,
        value: Decimal,
        appraiser: str,
        reference: str,
        operator: Operator,
        key: str,
    ) -> Disposal:
        """Record the appraised value (评估), or a new one before approval."""
        self._check(operator, self._staff_roles)
        check_amount(value, "value")
        check_text(appraiser, "appraiser", "请填写评估机构")
        check_reference(reference, "reference")

        def change(tx: Transaction, record: Disposal) -> Disposal:
            return record.evolve(
                appraised_value=value,
                appraiser=appraiser,
                appraisal_reference=reference,
                appraised_by=operator.user,
            )

        return self._step(
            "appraise",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"value": value, "appraiser": appraiser, "reference": reference},
            note=f"{appraiser} {format_money(value)}",
        )

    def approve(self, disposal_id: str, *, operator: Operator, key: str, note: str = "") -> Disposal:
        """A second person of a relief role approves the disposal (双人审批)."""
        self._check(operator, self.ctx.config.relief_roles)

        def change(tx: Transaction, record: Disposal) -> Disposal:
            if operator.user in (record.requested_by, record.appraised_by):
                raise NotPermitted(
                    "a second person approves a disposal; the requester or appraisal recorder cannot",
                    field="operator",
                    code="four-eyes",
                    message_zh="处置申请人或评估登记人不能审批本次处置，须由另一人审批",
                )
            return record.evolve(approved_by=operator.user)

        return self._step(
            "approve",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"note": note},
            note=note,
        )

    def start_sale(
        self, disposal_id: str, *, method: SaleMethod, reference: str, operator: Operator, key: str
    ) -> Disposal:
        """The collateral is put up for sale (挂拍/委托变卖)."""
        self._check(operator, self._staff_roles)
        check_reference(reference, "reference")
        method = SaleMethod(method)

        def change(tx: Transaction, record: Disposal) -> Disposal:
            return record.evolve(sale_method=method, sale_reference=reference)

        return self._step(
            "start_sale",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"method": method.value, "reference": reference},
            note=f"{method.value} {reference}",
        )

    def record_sale(
        self,
        disposal_id: str,
        *,
        price: Decimal,
        costs: Decimal,
        sold_on: date,
        operator: Operator,
        key: str,
    ) -> Disposal:
        """The collateral is sold (成交): the price and the costs of disposal to recover first."""
        self._check(operator, self._staff_roles)
        check_amount(price, "price")
        check_amount(costs, "costs", zero=True)
        if costs > price:
            raise InvalidInput(
                f"costs {format_money(costs)} above the price {format_money(price)}",
                field="costs",
                message_zh=f"处置费用 {format_money(costs)} 元高于成交价 {format_money(price)} 元",
            )
        if sold_on > self.ctx.clock.today():
            raise InvalidInput(
                f"sold on {sold_on}, in the future",
                field="sold_on",
                message_zh=f"成交日期 {sold_on} 晚于今天",
            )

        def change(tx: Transaction, record: Disposal) -> Disposal:
            return record.evolve(price=price, costs=costs, sold_on=sold_on)

        return self._step(
            "record_sale",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"price": price, "costs": costs, "sold_on": sold_on},
            note=f"{format_money(price)} / {format_money(costs)}",
        )

    def fail(self, disposal_id: str, *, reason: str, operator: Operator, key: str) -> Disposal:
        """The sale found no buyer or could not go on (流拍/处置失败); a new disposal may be asked."""
        self._check(operator, self._staff_roles)
        check_text(reason, "reason", "请填写失败原因")
        return self._step(
            "fail",
            disposal_id,
            key,
            operator,
            change=_same,
            arguments={"reason": reason},
            note=reason,
        )

    def withdraw(self, disposal_id: str, *, reason: str, operator: Operator, key: str) -> Disposal:
        """Stop a disposal before any proceeds arrived (撤回), e.g. the borrower repaid."""
        self._check(operator, self._staff_roles)
        check_text(reason, "reason", "请填写撤回原因")
        return self._step(
            "withdraw",
            disposal_id,
            key,
            operator,
            change=_same,
            arguments={"reason": reason},
            note=reason,
        )

    # --- money ----------------------------------------------------------------------------------

    def receive_proceeds(
        self, disposal_id: str, confirmation: PaymentConfirmation, *, operator: Operator, key: str
    ) -> Disposal:
        """Record the proceeds the bank confirmed (处置款到账); one reference is taken once."""
        self._check(operator, self.ctx.config.operations_roles)
        if confirmation.channel not in _RECEIVABLE:
            raise InvalidInput(
                f"proceeds arrive by {' or '.join(c.value for c in _RECEIVABLE)}",
                field="channel",
                message_zh="处置款只能通过转账或柜台到账",
            )

        def change(tx: Transaction, record: Disposal) -> Disposal:
            assert record.price is not None
            if confirmation.amount > record.price:
                raise InvalidInput(
                    f"{format_money(confirmation.amount)} confirmed for a sale of "
                    f"{format_money(record.price)}",
                    field="amount",
                    code="over-collected",
                    message_zh=f"到账 {format_money(confirmation.amount)} 元，超过成交价 "
                    f"{format_money(record.price)} 元",
                )
            day = confirmation.settled_on
            loan = loan_in(tx, record.loan_id)
            if day > self.ctx.clock.today() or (record.sold_on is not None and day < record.sold_on):
                raise InvalidInput(
                    f"proceeds settled on {day} must be between the sale and today",
                    field="settled_on",
                    message_zh=f"到账日期 {day} 应在成交日与今天之间",
                )
            evidence = confirmation.model_copy(update={"confirmed_by": operator.user})
            order = receipt_order(
                self.ctx, tx, loan.id, evidence, purpose=CollectionPurpose.repayment, by=operator.user
            )
            _claim(self.ctx, tx, order, evidence)  # the channel's reference: one receipt, once
            return record.evolve(
                proceeds=confirmation.amount,
                proceeds_channel=confirmation.channel,
                proceeds_reference=confirmation.reference,
                proceeds_on=day,
                order_id=order.id,
            )

        return self._step(
            "receive_proceeds",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"confirmation": confirmation},
            note=f"{confirmation.channel.value} {confirmation.reference} {format_money(confirmation.amount)}",
        )

    def allocate(self, disposal_id: str, *, surplus: Surplus, operator: Operator, key: str) -> Disposal:
        """Apply the proceeds to the loan (处置款冲抵): costs first, then the product's waterfall,
        then the principal not yet due; refund or hold what is beyond the whole debt."""
        self._check(operator, self.ctx.config.operations_roles)
        surplus = Surplus(surplus)

        def change(tx: Transaction, record: Disposal) -> Disposal:
            return allocate_proceeds(self.ctx, tx, record, surplus)

        return self._step(
            "allocate",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"surplus": surplus.value},
        )

    def close(self, disposal_id: str, *, operator: Operator, key: str, note: str = "") -> Disposal:
        """Close an allocated disposal (结案): the collateral is marked disposed."""
        self._check(operator, self._staff_roles)

        def change(tx: Transaction, record: Disposal) -> Disposal:
            if record.collateral_id is not None and self.register is not None:
                self.register.mark_disposed(tx, record.collateral_id)
            return record

        return self._step(
            "close",
            disposal_id,
            key,
            operator,
            change=change,
            arguments={"note": note},
            note=note,
        )

    # --- queries --------------------------------------------------------------------------------

    def get(self, disposal_id: str) -> Disposal:
        with self.ctx.store.transaction() as tx:
            return tx.repo(Disposal).get(disposal_id)

    def of_loan(self, loan_id: str) -> list[Disposal]:
        """The disposals of a loan, oldest first."""
        with self.ctx.store.transaction() as tx:
            return sorted(tx.repo(Disposal).list(loan_id=loan_id), key=lambda d: d.requested_at)

    # --- inside a transaction -------------------------------------------------------------------

    def _run(
        self, step: str, key: str, arguments: dict[str, object], operator: Operator, body: Body
    ) -> Disposal:
        return self.ctx.run(
            name=f"collateral.{step}",
            key=key,
            arguments=arguments,
            result_type=Disposal,
            body=body,
            actor=operator.user,
            audit_arguments=True,
        )

    def _step(
        self,
        step: str,
        disposal_id: str,
        key: str,
        operator: Operator,
        *,
        change: Change,
        arguments: dict[str, object],
        note: str = "",
    ) -> Disposal:
        """Move a disposal by ``step`` of :data:`MOVES` with ``change``, recording the step."""
        allowed, to = MOVES[step]

        def body(tx: Transaction) -> tuple[str, Disposal]:
            repo = tx.repo(Disposal)
            record = repo.lock(disposal_id)
            if record.status not in allowed:
                raise StateConflict(
                    f"disposal {disposal_id} is {record.status.value}; {step} needs "
                    f"{' or '.join(s.value for s in allowed)}",
                    field="disposal_id",
                    code="disposal-state",
                    message_zh=f"押品处置 {disposal_id} 当前状态为 {record.status.value}，不能办理此步骤",
                )
            changed = change(tx, record)
            done = DisposalStep(status=to, by=operator.user, at=self.ctx.clock.now(), note=note)
            return record.loan_id, repo.update(changed.evolve(status=to, steps=(*record.steps, done)))

        return self._run(step, key, {"disposal": disposal_id, **arguments}, operator, body)

    @property
    def _staff_roles(self) -> tuple[str, ...]:
        return (self.ctx.config.staff_role, *self.ctx.config.operations_roles)

    @staticmethod
    def _check(operator: Operator, roles: tuple[str, ...]) -> None:
        if not operator.user.strip() or operator.role not in roles:
            raise NotPermitted(
                f"only {', '.join(roles)} staff do this step of a collateral disposal",
                field="operator",
                code="disposal-role",
                message_zh="当前角色无权办理此押品处置步骤",
            )


def _same(tx: Transaction, record: Disposal) -> Disposal:
    return record
