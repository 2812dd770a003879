"""Who asks for a command (操作人): a user id, the role they act in, and for a customer their id.

Commands whose rule depends on who acts take an :class:`Actor` — a payout account is changed only
by the customer it belongs to, whoever else calls. The HTTP layer builds one from the
authenticated principal; an embedding application builds one from its own sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from loanfactory.errors import InvalidInput

CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class Actor:
    """A user acting in a role; ``customer_id`` is set for a customer acting for themselves."""

    id: str
    role: str
    customer_id: str | None = None

    def __post_init__(self) -> None:
        if not self.id.strip() or not self.role.strip():
            raise InvalidInput(
                "an actor needs an id and a role", field="actor", message_zh="操作人需要编号和角色"
            )
        if (self.role == CUSTOMER) != (self.customer_id is not None):
            raise InvalidInput(
                "a customer actor, and only one, names the customer it is",
                field="actor.customer_id",
                message_zh="只有客户身份的操作人才填写客户编号，且必须填写",
            )

    @classmethod
    def customer(cls, customer_id: str, id: str | None = None) -> Actor:
        """The customer acting for themselves (in an app, at a counter with their own credentials)."""
        return cls(id or customer_id, CUSTOMER, customer_id)

    @classmethod
    def staff(cls, id: str, role: str) -> Actor:
        return cls(id, role)

    def is_customer(self, customer_id: str) -> bool:
        return self.role == CUSTOMER and self.customer_id == customer_id
